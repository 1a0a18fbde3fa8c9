// The events as an iCalendar feed (RFC 5545) for calendar applications: GET /experts/events.ics.
#include <ctime>

#include "meeting_store.hpp"
#include "veche/core/clock.hpp"
#include "veche/experts/meetings.hpp"

namespace veche::experts {

using storage::Tx;

namespace {

// DATE-TIME in UTC (RFC 5545 §3.3.5, form #2).
std::string IcsTime(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[20];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

// TEXT (§3.3.11): backslash, semicolon, comma and newlines escaped; other controls dropped.
std::string IcsText(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\' || c == ';' || c == ',') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            continue;
        } else {
            out += c;
        }
    }
    return out;
}

// A content line folded at 75 octets (§3.1), never inside a UTF-8 sequence, ended by CRLF.
void Line(std::string& out, const std::string& line) {
    std::size_t i = 0, width = 75;
    while (line.size() - i > width) {
        std::size_t cut = i + width;
        while (cut > i && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
        out.append(line, i, cut - i);
        out += "\r\n ";
        i = cut;
        width = 74;  // the leading space counts
    }
    out.append(line, i, std::string::npos);
    out += "\r\n";
}

}  // namespace

Result<std::string> MeetingService::Ics(const Actor& actor, std::optional<Id> community_id) {
    MeetingFilter filter;
    filter.community_id = community_id;
    filter.from = NowMs() - 365LL * 24 * 3600 * 1000;
    filter.to = NowMs() + 365LL * 24 * 3600 * 1000;
    filter.limit = 2000;
    VECHE_ASSIGN_OR_RETURN(auto events, List(actor, filter));
    std::string out;
    Line(out, "BEGIN:VCALENDAR");
    Line(out, "VERSION:2.0");
    Line(out, "PRODID:-//Veche//Expert network//RU");
    Line(out, "CALSCALE:GREGORIAN");
    Line(out, "METHOD:PUBLISH");
    Line(out, "X-WR-CALNAME:" + IcsText("Экспертная сеть"));
    std::string stamp = IcsTime(NowMs());
    for (const auto& m : events) {
        Line(out, "BEGIN:VEVENT");
        Line(out, "UID:experts-event-" + IdToString(m.id) + "@veche");
        Line(out, "DTSTAMP:" + stamp);
        Line(out, "DTSTART:" + IcsTime(m.starts_at));
        Line(out, "DTEND:" + IcsTime(m.ends_at));
        Line(out, "LAST-MODIFIED:" + IcsTime(m.updated_at));
        Line(out, "SUMMARY:" + IcsText(m.title));
        std::string description = m.topic;
        if (!m.agenda.empty()) description += (description.empty() ? "" : "\n\n") + m.agenda;
        if (!description.empty()) Line(out, "DESCRIPTION:" + IcsText(description));
        if (!m.link.empty()) {
            Line(out, "URL:" + m.link);
            Line(out, "LOCATION:" + IcsText(m.link));
        }
        Line(out, std::string("STATUS:") + (m.state == "cancelled" ? "CANCELLED" : "CONFIRMED"));
        Line(out, "END:VEVENT");
    }
    Line(out, "END:VCALENDAR");
    return out;
}

}  // namespace veche::experts
