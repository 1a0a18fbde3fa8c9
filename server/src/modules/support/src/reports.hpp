#pragma once
// The support desk's reports (issue 13 §9; docs/api.md "Support desk", "Reports"): the summary of a
// period per team and per agent, and the weekday × hour heatmap of new conversations, for holders
// of support.admin. Both read the conversations and the reporting events (sla.hpp) of [since, until).
//
// Attribution. A conversation is "new" in the period it was created, for its team and for the agent
// it was first assigned to; "open at end" counts conversations created before `until` and not
// resolved at `until` (their resolved/reopened events), for the team and the assignee at `until`.
// Response, resolution, SLA and CSAT figures count the events of the period, for the agent and team
// the event names (CSAT: the assignee and team at resolve time). A soft-deleted conversation, its
// events and its rating count nowhere (summary, heatmap, CSV) until it is restored. An agent's roles are
// listed with archived roles too, under the archived role's title (SUP-10).
//
// Thread-safe; each call is one read transaction.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/storage/database.hpp"

namespace veche::roles {
class RoleService;
}

namespace veche::support {

inline constexpr std::int64_t kMaxReportPeriodMs = 366LL * 86'400'000;

struct ReportQuery {
    std::int64_t since = 0;  // ms, inclusive
    std::int64_t until = 0;  // ms, exclusive
    std::string tz = "UTC";  // IANA; the heatmap's local weekday and hour
    std::optional<Id> team_id;
    std::optional<Id> agent_id;
    // Which time basis DurationStats::median_s and average_s carry: wall-clock (false) or the
    // team's business hours (true); median_business_s and average_business_s are business hours
    // either way.
    bool business_hours = false;
};

struct DurationStats {
    std::int64_t count = 0;
    std::optional<double> median_s, average_s, median_business_s, average_business_s;
};

struct RoleName {
    std::string name;
    std::string title;
    bool archived = false;
};

struct ReportRow {
    std::string scope;  // total | team | agent
    std::optional<Id> id;
    std::string name;
    std::vector<RoleName> roles;  // agents only
    std::int64_t new_count = 0;
    std::int64_t open_at_end = 0;
    std::int64_t resolved = 0;
    std::int64_t replies = 0;
    DurationStats first_response;
    DurationStats resolution;
    std::int64_t sla_hit = 0;
    std::int64_t sla_missed = 0;
    std::optional<double> sla_compliance;  // hit / (hit + missed), 0..1
    std::int64_t csat_requested = 0;
    std::int64_t csat_rated = 0;
    std::optional<double> csat_average;
    std::optional<double> csat_response_rate;  // rated / requested, 0..1
};

struct Summary {
    ReportQuery query;
    ReportRow total;
    std::vector<ReportRow> teams;
    std::vector<ReportRow> agents;
};

struct Heatmap {
    ReportQuery query;
    std::array<std::array<std::int64_t, 24>, 7> cells{};  // [weekday, Monday first][local hour]
    std::int64_t total = 0;
};

class Reports {
public:
    Reports(storage::Database& db, const roles::RoleService& roles) : db_(db), roles_(roles) {}

    // 403 without support.admin; the query is valid (ValidateReportQuery).
    Result<Summary> Summarize(const Actor& actor, const ReportQuery& query);
    Result<Heatmap> HeatmapOf(const Actor& actor, const ReportQuery& query);

private:
    storage::Database& db_;
    const roles::RoleService& roles_;
};

// 400 invalid_time_zone, invalid_period (since not before until), period_too_long (over 366 days).
Status ValidateReportQuery(const ReportQuery& query);
// The same numbers as text/csv (RFC 4180): a header row, then the total, the teams, the agents.
std::string SummaryCsv(const Summary& summary);
// A header row (weekday, 00…23), then one row per weekday, Monday first.
std::string HeatmapCsv(const Heatmap& heatmap);

}  // namespace veche::support
