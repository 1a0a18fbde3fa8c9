// The events as an iCalendar feed (RFC 5545) for calendar applications: GET /experts/events.ics.
#include <ctime>

#include "meeting_store.hpp"
#include "veche/core/clock.hpp"
#include "veche/experts/ics.hpp"
#include "veche/experts/meetings.hpp"

namespace veche::experts {

namespace ics {

std::string Time(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[20];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

std::string Text(std::string_view s) {
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

void Line(std::string& out, std::string_view line) {
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

}  // namespace ics

Result<std::string> MeetingService::Ics(const Actor& actor, std::optional<Id> community_id) {
    MeetingFilter filter;
    filter.community_id = community_id;
    filter.from = NowMs() - 365LL * 24 * 3600 * 1000;
    filter.to = NowMs() + 365LL * 24 * 3600 * 1000;
    filter.limit = 2000;
    VECHE_ASSIGN_OR_RETURN(auto events, List(actor, filter));
    std::string out;
    ics::Line(out, "BEGIN:VCALENDAR");
    ics::Line(out, "VERSION:2.0");
    ics::Line(out, "PRODID:-//Veche//Expert network//RU");
    ics::Line(out, "CALSCALE:GREGORIAN");
    ics::Line(out, "METHOD:PUBLISH");
    ics::Line(out, "X-WR-CALNAME:" + ics::Text("Экспертная сеть"));
    std::string stamp = ics::Time(NowMs());
    for (const auto& m : events) {
        ics::Line(out, "BEGIN:VEVENT");
        ics::Line(out, "UID:experts-event-" + IdToString(m.id) + "@veche");
        ics::Line(out, "DTSTAMP:" + stamp);
        ics::Line(out, "DTSTART:" + ics::Time(m.starts_at));
        ics::Line(out, "DTEND:" + ics::Time(m.ends_at));
        ics::Line(out, "LAST-MODIFIED:" + ics::Time(m.updated_at));
        ics::Line(out, "SUMMARY:" + ics::Text(m.title));
        std::string description = m.topic;
        if (!m.agenda.empty()) description += (description.empty() ? "" : "\n\n") + m.agenda;
        if (!description.empty()) ics::Line(out, "DESCRIPTION:" + ics::Text(description));
        if (!m.link.empty()) {
            ics::Line(out, "URL:" + m.link);
            ics::Line(out, "LOCATION:" + ics::Text(m.link));
        }
        ics::Line(out, std::string("STATUS:") + (m.state == "cancelled" ? "CANCELLED" : "CONFIRMED"));
        ics::Line(out, "END:VEVENT");
    }
    ics::Line(out, "END:VCALENDAR");
    return out;
}

}  // namespace veche::experts
