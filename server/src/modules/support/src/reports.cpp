// The support desk's reports (reports.hpp).
#include "reports.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "store.hpp"
#include "veche/calendar/business_calendar.hpp"

namespace veche::support {

using storage::Tx;

namespace {

struct EventRow {
    std::string kind;
    Id conversation_id = 0;
    std::optional<Id> team_id, agent_id;
    std::optional<std::int64_t> value_s, value_business_s;
    std::int64_t at = 0;
};

struct ConversationRow {
    Id id = 0;
    std::optional<Id> team_id;
    std::int64_t created_at = 0;
    std::optional<Id> first_agent;   // the first assignment's agent
    std::optional<Id> agent_at_end;  // the assignee at `until`
    bool resolved_at_end = false;
};

double Round(double v, double scale) { return std::round(v * scale) / scale; }

std::optional<double> Median(std::vector<std::int64_t> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    std::size_t n = v.size();
    double m = n % 2 ? static_cast<double>(v[n / 2])
                     : (static_cast<double>(v[n / 2 - 1]) + static_cast<double>(v[n / 2])) / 2;
    return Round(m, 100);
}

std::optional<double> Average(const std::vector<std::int64_t>& v) {
    if (v.empty()) return std::nullopt;
    double sum = 0;
    for (auto x : v) sum += static_cast<double>(x);
    return Round(sum / static_cast<double>(v.size()), 100);
}

// What one row gathers before its figures are computed.
struct Acc {
    ReportRow row;
    std::vector<std::int64_t> frt, frt_b, rt, rt_b;
    std::int64_t csat_sum = 0;

    // `business`: median_s and average_s carry business-hours time too (ReportQuery::business_hours).
    static DurationStats Stats(const std::vector<std::int64_t>& wall,
                               const std::vector<std::int64_t>& in_hours, bool business) {
        const auto& basis = business ? in_hours : wall;
        return {static_cast<std::int64_t>(wall.size()), Median(basis), Average(basis), Median(in_hours),
                Average(in_hours)};
    }

    void Finish(bool business) {
        row.first_response = Stats(frt, frt_b, business);
        row.resolution = Stats(rt, rt_b, business);
        if (row.sla_hit + row.sla_missed > 0)
            row.sla_compliance = Round(
                static_cast<double>(row.sla_hit) / static_cast<double>(row.sla_hit + row.sla_missed), 10000);
        if (row.csat_rated > 0)
            row.csat_average =
                Round(static_cast<double>(csat_sum) / static_cast<double>(row.csat_rated), 100);
        if (row.csat_requested > 0)
            row.csat_response_rate =
                Round(static_cast<double>(row.csat_rated) / static_cast<double>(row.csat_requested), 10000);
    }
};

struct Csv {
    std::string out;
    bool first = true;
    void Cell(const std::string& v) {
        if (!first) out += ',';
        first = false;
        if (v.find_first_of(",\"\r\n") == std::string::npos) {
            out += v;
            return;
        }
        out += '"';
        for (char ch : v) {
            if (ch == '"') out += '"';
            out += ch;
        }
        out += '"';
    }
    void Cell(std::int64_t v) { Cell(std::to_string(v)); }
    void Cell(const std::optional<double>& v) {
        if (!v) return Cell(std::string());
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.10g", *v);
        Cell(std::string(buf));
    }
    void End() {
        out += "\r\n";
        first = true;
    }
};

std::vector<ConversationRow> LoadConversations(Tx& tx, const ReportQuery& q) {
    std::vector<ConversationRow> out;
    SqlBuilder b;
    // A soft-deleted conversation counts nowhere until it is restored.
    b.Add("SELECT id, team_id, created_at FROM support_conversations WHERE created_at < ? AND "
          "deleted_at IS NULL")
        .Param(q.until);
    if (q.team_id) b.Add(" AND team_id = ?").Param(*q.team_id);
    b.Add(" ORDER BY id");
    auto& st = b.Run(tx);
    while (st.Step()) out.push_back({st.Int(0), st.OptInt(1), st.Int(2), {}, {}, false});
    return out;
}

std::vector<EventRow> LoadEvents(Tx& tx, const ReportQuery& q) {
    std::vector<EventRow> out;
    auto& st = tx.Query(
        "SELECT e.kind, e.conversation_id, e.team_id, e.agent_id, e.value_s, e.value_business_s, e.at FROM "
        "support_report_events e WHERE e.at < ? AND NOT EXISTS (SELECT 1 FROM support_conversations c WHERE "
        "c.id = e.conversation_id AND c.deleted_at IS NOT NULL) ORDER BY e.at, e.id",
        q.until);
    while (st.Step())
        out.push_back(
            {st.Text(0), st.Int(1), st.OptInt(2), st.OptInt(3), st.OptInt(4), st.OptInt(5), st.Int(6)});
    return out;
}

// The conversations of the query with their state at `until` (from the events before it).
std::vector<ConversationRow> ConversationsAtEnd(Tx& tx, const ReportQuery& q,
                                                const std::vector<EventRow>& events) {
    auto conversations = LoadConversations(tx, q);
    std::map<Id, ConversationRow*> by_id;
    for (auto& c : conversations) by_id[c.id] = &c;
    for (const auto& e : events) {
        auto it = by_id.find(e.conversation_id);
        if (it == by_id.end()) continue;
        ConversationRow& c = *it->second;
        if (e.kind == "assigned") {
            if (e.agent_id && !c.first_agent) c.first_agent = e.agent_id;
            c.agent_at_end = e.agent_id;
        } else if (e.kind == "resolved") {
            c.resolved_at_end = true;
        } else if (e.kind == "reopened") {
            c.resolved_at_end = false;
        }
    }
    return conversations;
}

bool Matches(const ReportQuery& q, std::optional<Id> team, std::optional<Id> agent) {
    if (q.team_id && team != q.team_id) return false;
    if (q.agent_id && agent != q.agent_id) return false;
    return true;
}

}  // namespace

Status ValidateReportQuery(const ReportQuery& q) {
    if (!calendar::LocalZone::Make(q.tz).ok())
        return Error{ErrorCode::kInvalidArgument, "invalid_time_zone", "unknown time zone '" + q.tz + "'"};
    if (q.since >= q.until)
        return Error{ErrorCode::kInvalidArgument, "invalid_period", "'since' must be before 'until'"};
    if (q.until - q.since > kMaxReportPeriodMs)
        return Error{ErrorCode::kInvalidArgument, "period_too_long", "a report covers at most 366 days"};
    return {};
}

Result<Summary> Reports::Summarize(const Actor& actor, const ReportQuery& q) {
    VECHE_RETURN_IF_ERROR(ValidateReportQuery(q));
    return db_.Read([&](Tx& tx) -> Result<Summary> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        auto events = LoadEvents(tx, q);
        auto conversations = ConversationsAtEnd(tx, q, events);
        Acc total;
        total.row.scope = "total";
        total.row.name = "total";
        std::map<Id, Acc> teams, agents;
        auto rows = [&](std::optional<Id> team, std::optional<Id> agent, auto&& fn) {
            if (!Matches(q, team, agent)) return;
            fn(total);
            if (team) fn(teams[*team]);
            if (agent) fn(agents[*agent]);
        };
        for (const auto& c : conversations) {
            bool is_new = c.created_at >= q.since;
            bool open = !c.resolved_at_end;
            if (is_new) rows(c.team_id, c.first_agent, [](Acc& a) { a.row.new_count += 1; });
            // "open at end" belongs to the assignee at the end, which may differ from the first one.
            if (open && Matches(q, c.team_id, c.agent_at_end)) {
                total.row.open_at_end += 1;
                if (c.team_id) teams[*c.team_id].row.open_at_end += 1;
                if (c.agent_at_end) agents[*c.agent_at_end].row.open_at_end += 1;
            }
        }
        for (const auto& e : events) {
            if (e.at < q.since) continue;
            auto value = e.value_s.value_or(0), business = e.value_business_s.value_or(value);
            if (e.kind == "first_response") {
                rows(e.team_id, e.agent_id, [&](Acc& a) {
                    a.frt.push_back(value);
                    a.frt_b.push_back(business);
                });
            } else if (e.kind == "reply") {
                rows(e.team_id, e.agent_id, [](Acc& a) { a.row.replies += 1; });
            } else if (e.kind == "resolved") {
                rows(e.team_id, e.agent_id, [&](Acc& a) {
                    a.row.resolved += 1;
                    a.rt.push_back(value);
                    a.rt_b.push_back(business);
                });
            } else if (e.kind == "sla_hit") {
                rows(e.team_id, e.agent_id, [](Acc& a) { a.row.sla_hit += 1; });
            } else if (e.kind == "sla_missed") {
                rows(e.team_id, e.agent_id, [](Acc& a) { a.row.sla_missed += 1; });
            }
        }
        auto& st = tx.Query(
            "SELECT s.agent_id, s.team_id, s.rating FROM support_csat s JOIN support_conversations c ON "
            "c.id = s.conversation_id WHERE s.requested_at >= ? AND s.requested_at < ? AND "
            "c.deleted_at IS NULL",
            q.since, q.until);
        while (st.Step()) {
            auto rating = st.OptInt(2);
            rows(st.OptInt(1), st.OptInt(0), [&](Acc& a) {
                a.row.csat_requested += 1;
                if (rating) {
                    a.row.csat_rated += 1;
                    a.csat_sum += *rating;
                }
            });
        }
        Summary out;
        out.query = q;
        total.Finish(q.business_hours);
        out.total = std::move(total.row);
        for (auto& [id, acc] : teams) {
            acc.row.scope = "team";
            acc.row.id = id;
            if (auto t = LoadTeam(tx, id)) acc.row.name = t->name;
            acc.Finish(q.business_hours);
            out.teams.push_back(std::move(acc.row));
        }
        for (auto& [id, acc] : agents) {
            acc.row.scope = "agent";
            acc.row.id = id;
            auto& u = tx.Query("SELECT username, display_name FROM users WHERE id = ?", id);
            if (u.Step()) acc.row.name = u.Text(1).empty() ? u.Text(0) : u.Text(1);
            while (u.Step()) {
            }
            auto& r = tx.Query(
                "SELECT DISTINCT r.name, r.title, r.archived_at FROM roles_grants g JOIN roles_catalog r ON "
                "r.id = "
                "g.role_id WHERE g.user_id = ? ORDER BY r.title",
                id);
            while (r.Step()) acc.row.roles.push_back({r.Text(0), r.Text(1), !r.IsNull(2)});
            acc.Finish(q.business_hours);
            out.agents.push_back(std::move(acc.row));
        }
        auto by_name = [](const ReportRow& a, const ReportRow& b) { return a.name < b.name; };
        std::sort(out.teams.begin(), out.teams.end(), by_name);
        std::sort(out.agents.begin(), out.agents.end(), by_name);
        return out;
    });
}

Result<Heatmap> Reports::HeatmapOf(const Actor& actor, const ReportQuery& q) {
    VECHE_RETURN_IF_ERROR(ValidateReportQuery(q));
    VECHE_ASSIGN_OR_RETURN(auto zone, calendar::LocalZone::Make(q.tz));
    return db_.Read([&](Tx& tx) -> Result<Heatmap> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        auto events = LoadEvents(tx, q);
        Heatmap out;
        out.query = q;
        // The same conversations as the summary's "new".
        for (const auto& c : ConversationsAtEnd(tx, q, events)) {
            if (c.created_at < q.since || !Matches(q, c.team_id, c.first_agent)) continue;
            auto [weekday, hour] = zone.WeekdayHour(c.created_at);
            out.cells[static_cast<std::size_t>(weekday)][static_cast<std::size_t>(hour)] += 1;
            out.total += 1;
        }
        return out;
    });
}

std::string SummaryCsv(const Summary& s) {
    Csv csv;
    for (const char* h : {"scope",
                          "id",
                          "name",
                          "roles",
                          "new",
                          "open_at_end",
                          "resolved",
                          "replies",
                          "first_response_count",
                          "first_response_median_s",
                          "first_response_average_s",
                          "first_response_median_business_s",
                          "first_response_average_business_s",
                          "resolution_count",
                          "resolution_median_s",
                          "resolution_average_s",
                          "resolution_median_business_s",
                          "resolution_average_business_s",
                          "sla_hit",
                          "sla_missed",
                          "sla_compliance",
                          "csat_requested",
                          "csat_rated",
                          "csat_average",
                          "csat_response_rate"})
        csv.Cell(std::string(h));
    csv.End();
    auto row = [&](const ReportRow& r) {
        csv.Cell(r.scope);
        csv.Cell(r.id ? IdToString(*r.id) : std::string());
        csv.Cell(r.name);
        std::string roles;
        for (const auto& role : r.roles)
            roles += (roles.empty() ? "" : "; ") + role.title + (role.archived ? " (archived)" : "");
        csv.Cell(roles);
        csv.Cell(r.new_count);
        csv.Cell(r.open_at_end);
        csv.Cell(r.resolved);
        csv.Cell(r.replies);
        for (const DurationStats* d : {&r.first_response, &r.resolution}) {
            csv.Cell(d->count);
            csv.Cell(d->median_s);
            csv.Cell(d->average_s);
            csv.Cell(d->median_business_s);
            csv.Cell(d->average_business_s);
        }
        csv.Cell(r.sla_hit);
        csv.Cell(r.sla_missed);
        csv.Cell(r.sla_compliance);
        csv.Cell(r.csat_requested);
        csv.Cell(r.csat_rated);
        csv.Cell(r.csat_average);
        csv.Cell(r.csat_response_rate);
        csv.End();
    };
    row(s.total);
    for (const auto& r : s.teams) row(r);
    for (const auto& r : s.agents) row(r);
    return csv.out;
}

std::string HeatmapCsv(const Heatmap& h) {
    static const char* const kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    Csv csv;
    csv.Cell(std::string("weekday"));
    char buf[8];
    for (int hour = 0; hour < 24; ++hour) {
        std::snprintf(buf, sizeof buf, "%02d", hour);
        csv.Cell(std::string(buf));
    }
    csv.End();
    for (std::size_t d = 0; d < 7; ++d) {
        csv.Cell(std::string(kDays[d]));
        for (auto v : h.cells[d]) csv.Cell(v);
        csv.End();
    }
    return csv.out;
}

}  // namespace veche::support
