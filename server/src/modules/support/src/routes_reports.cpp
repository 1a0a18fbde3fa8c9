// /api/v1/support/… for SLA policies and clocks, CSAT and the reports (docs/api.md, "Support desk",
// "SLA, CSAT and reports").
#include "routes_reports.hpp"

#include <boost/json/array.hpp>

#include "widget_http.hpp"
#include "veche/calendar/calendar_service.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"

namespace veche::support {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

constexpr std::int64_t kDayMs = 86'400'000;
constexpr int kMaxMinutes = 525'600;  // a year

bj::value Opt(const std::optional<std::int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }
bj::value OptId(const std::optional<Id>& v) { return v ? bj::value(IdToString(*v)) : bj::value(nullptr); }
bj::value OptNum(const std::optional<double>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

bj::object PolicyJson(const SlaPolicy& p) {
    auto minutes = [](const std::optional<int>& m) { return m ? bj::value(*m) : bj::value(nullptr); };
    return {{"team_id", IdToString(p.team_id)},
            {"frt_minutes", minutes(p.frt_minutes)},
            {"nrt_minutes", minutes(p.nrt_minutes)},
            {"rt_minutes", minutes(p.rt_minutes)},
            {"business_hours_only", p.business_hours_only},
            {"warn_before_minutes", p.warn_before_minutes},
            {"calendar_id", OptId(p.calendar_id)},
            {"updated_at", p.updated_at ? bj::value(p.updated_at) : bj::value(nullptr)}};
}

bj::object ClockJson(const SlaClock& k) {
    return {{"conversation_id", IdToString(k.conversation_id)},
            {"metric", k.metric},
            {"state", k.state},
            {"threshold_minutes", k.threshold_ms / 60'000},
            {"business_hours_only", k.business},
            {"started_at", k.started_at},
            {"due_at", Opt(k.due_at)},
            {"remaining_ms", Opt(k.remaining_ms)},
            {"warn_at_ms_before", k.warn_lead_ms},
            {"warned", k.warned},
            {"stopped_at", Opt(k.stopped_at)}};
}

bj::value CsatJson(const std::optional<Csat>& c, bool for_agents) {
    if (!c) return nullptr;
    bj::object o{{"conversation_id", IdToString(c->conversation_id)},
                 {"requested_at", c->requested_at},
                 {"rating", c->rating ? bj::value(*c->rating) : bj::value(nullptr)},
                 {"comment", c->comment},
                 {"rated_at", Opt(c->rated_at)}};
    if (for_agents) {
        o["agent_id"] = OptId(c->agent_id);
        o["team_id"] = OptId(c->team_id);
    }
    return o;
}

bj::object StatsJson(const DurationStats& d) {
    return {{"count", d.count},
            {"median_s", OptNum(d.median_s)},
            {"average_s", OptNum(d.average_s)},
            {"median_business_s", OptNum(d.median_business_s)},
            {"average_business_s", OptNum(d.average_business_s)}};
}

bj::object RowJson(const ReportRow& r) {
    bj::object o{
        {"id", OptId(r.id)},
        {"name", r.name},
        {"new", r.new_count},
        {"open_at_end", r.open_at_end},
        {"resolved", r.resolved},
        {"replies", r.replies},
        {"first_response", StatsJson(r.first_response)},
        {"resolution", StatsJson(r.resolution)},
        {"sla",
         bj::object{{"hit", r.sla_hit}, {"missed", r.sla_missed}, {"compliance", OptNum(r.sla_compliance)}}},
        {"csat", bj::object{{"requested", r.csat_requested},
                            {"rated", r.csat_rated},
                            {"average", OptNum(r.csat_average)},
                            {"response_rate", OptNum(r.csat_response_rate)}}}};
    if (r.scope == "agent") {
        bj::array roles;
        for (const auto& role : r.roles)
            roles.push_back(
                bj::object{{"name", role.name}, {"title", role.title}, {"archived", role.archived}});
        o["roles"] = std::move(roles);
    }
    return o;
}

bj::object QueryJson(const ReportQuery& q) {
    return {{"since", q.since},
            {"until", q.until},
            {"tz", q.tz},
            {"team_id", OptId(q.team_id)},
            {"agent_id", OptId(q.agent_id)},
            {"business_hours", q.business_hours}};
}

std::optional<std::string> Param(const Request& req, const char* name) {
    auto it = req.query.find(name);
    if (it == req.query.end() || it->second.empty()) return std::nullopt;
    return it->second;
}

// An instant: milliseconds since the epoch, or a date (local midnight in `zone`; `end`: the next one,
// so that until=2026-12-31 takes in that whole day).
Result<std::optional<std::int64_t>> ReadInstant(const Request& req, const char* name,
                                                const calendar::LocalZone& zone, bool end) {
    auto v = Param(req, name);
    if (!v) return std::optional<std::int64_t>();
    if (auto date = calendar::ParseDate(*v)) {
        auto day = std::chrono::sys_days(*date) + std::chrono::days(end ? 1 : 0);
        return std::optional<std::int64_t>(zone.StartOfDay(std::chrono::year_month_day(day)));
    }
    auto ms = api::QueryInt(req, name, 0, 253'402'300'799'999);
    if (!ms.ok())
        return Error::InvalidArgument("query parameter '" + std::string(name) +
                                      "' must be milliseconds since the epoch or a date YYYY-MM-DD");
    return *ms;
}

Result<ReportQuery> ReadReportQuery(const Request& req) {
    ReportQuery q;
    q.tz = Param(req, "tz").value_or("UTC");
    auto zone = calendar::LocalZone::Make(q.tz);
    if (!zone.ok())
        return Error{ErrorCode::kInvalidArgument, "invalid_time_zone", "unknown time zone '" + q.tz + "'"};
    VECHE_ASSIGN_OR_RETURN(auto since, ReadInstant(req, "since", *zone, false));
    VECHE_ASSIGN_OR_RETURN(auto until, ReadInstant(req, "until", *zone, true));
    q.until = until.value_or(NowMs());
    q.since = since.value_or(q.until - 30 * kDayMs);
    VECHE_ASSIGN_OR_RETURN(q.team_id, api::QueryId(req, "team_id"));
    VECHE_ASSIGN_OR_RETURN(q.agent_id, api::QueryId(req, "agent_id"));
    if (auto business = Param(req, "business_hours")) {
        if (*business != "true" && *business != "false")
            return Error::InvalidArgument("query parameter 'business_hours' must be true or false");
        q.business_hours = *business == "true";
    }
    auto format = Param(req, "format").value_or("json");
    if (format != "json" && format != "csv")
        return Error::InvalidArgument("query parameter 'format' must be json or csv");
    VECHE_RETURN_IF_ERROR(ValidateReportQuery(q));
    return q;
}

bool WantsCsv(const Request& req) { return Param(req, "format") == "csv"; }

Response CsvResponse(std::string body, const std::string& filename) {
    Response r;
    r.status = 200;
    r.content_type = "text/csv; charset=utf-8";
    r.body = std::move(body);
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + filename + "\"");
    return r;
}

Result<std::optional<int>> ReadMinutes(const bj::object& body, std::string_view key,
                                       std::optional<int> current) {
    if (body.find(key) == body.end()) return current;
    if (json::IsNull(body, key)) return std::optional<int>();
    VECHE_ASSIGN_OR_RETURN(auto v, json::OptInt(body, key, 1, kMaxMinutes));
    return std::optional<int>(static_cast<int>(*v));
}

Result<std::vector<Id>> ReadIds(const Request& req, const char* name) {
    std::vector<Id> out;
    auto v = Param(req, name);
    if (!v) return out;
    std::size_t start = 0;
    while (start <= v->size()) {
        std::size_t comma = v->find(',', start);
        std::string part = v->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        auto id = ParseId(part);
        if (!id) return Error::InvalidArgument("query parameter '" + std::string(name) + "' must list ids");
        out.push_back(*id);
        if (out.size() > 200) return Error::InvalidArgument("at most 200 ids at a time");
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace

void AddSlaRoutes(api::Router& router, const api::HttpKit& kit, SlaEngine& sla, Reports& reports,
                  const WidgetGate& gate) {
    router.Add("GET", "/api/v1/support/teams/{id}/sla",
               api::Authed(kit, [&sla](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto policy, sla.Policy(ctx.actor, id));
                   return api::Json(200, PolicyJson(policy));
               }));
    router.Add("PUT", "/api/v1/support/teams/{id}/sla",
               api::Authed(kit, [&sla](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto p, sla.Policy(ctx.actor, id));
                   VECHE_ASSIGN_OR_RETURN(p.frt_minutes, ReadMinutes(body, "frt_minutes", p.frt_minutes));
                   VECHE_ASSIGN_OR_RETURN(p.nrt_minutes, ReadMinutes(body, "nrt_minutes", p.nrt_minutes));
                   VECHE_ASSIGN_OR_RETURN(p.rt_minutes, ReadMinutes(body, "rt_minutes", p.rt_minutes));
                   VECHE_ASSIGN_OR_RETURN(auto business, json::OptBool(body, "business_hours_only"));
                   if (business) p.business_hours_only = *business;
                   VECHE_ASSIGN_OR_RETURN(auto warn,
                                          json::OptInt(body, "warn_before_minutes", 0, kMaxMinutes));
                   if (warn) p.warn_before_minutes = static_cast<int>(*warn);
                   if (body.find("calendar_id") != body.end()) {
                       VECHE_ASSIGN_OR_RETURN(auto calendar_id, json::OptId(body, "calendar_id"));
                       p.calendar_id = calendar_id;  // null: the default calendar
                   }
                   VECHE_ASSIGN_OR_RETURN(auto saved, sla.SetPolicy(ctx.actor, p));
                   return api::Json(200, PolicyJson(saved));
               }));
    router.Add("GET", "/api/v1/support/conversations/{id}/sla",
               api::Authed(kit, [&sla](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto found, sla.OfConversation(ctx.actor, id));
                   bj::array clocks;
                   for (const auto& k : found.clocks) clocks.push_back(ClockJson(k));
                   return api::Json(
                       200, bj::object{{"clocks", std::move(clocks)}, {"csat", CsatJson(found.csat, true)}});
               }));
    router.Add("GET", "/api/v1/support/sla/clocks",
               api::Authed(kit, [&sla](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto ids, ReadIds(req, "conversation_ids"));
                   VECHE_ASSIGN_OR_RETURN(auto clocks, sla.ClocksOf(ctx.actor, ids));
                   bj::array out;
                   for (const auto& k : clocks) out.push_back(ClockJson(k));
                   return api::Json(200, bj::object{{"clocks", std::move(out)}});
               }));
    router.Add("GET", "/api/v1/support/inboxes/{id}/csat",
               api::Authed(kit, [&sla](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(bool enabled, sla.CsatEnabled(ctx.actor, id));
                   return api::Json(200, bj::object{{"inbox_id", IdToString(id)}, {"enabled", enabled}});
               }));
    router.Add("PUT", "/api/v1/support/inboxes/{id}/csat",
               api::Authed(kit, [&sla](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto enabled, json::OptBool(body, "enabled"));
                   if (!enabled) return Error::InvalidArgument("field 'enabled' must be true or false");
                   VECHE_ASSIGN_OR_RETURN(bool now, sla.SetCsatEnabled(ctx.actor, id, *enabled));
                   return api::Json(200, bj::object{{"inbox_id", IdToString(id)}, {"enabled", now}});
               }));
    router.Add("GET", "/api/v1/support/widget/conversations/{id}/csat",
               WidgetHandler(gate, [&sla](Request& req) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto token, RequiredVisitor(req));
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto csat, sla.VisitorCsat(token, id));
                   return api::Json(
                       200, bj::object{{"requested", csat.has_value()}, {"csat", CsatJson(csat, false)}});
               }));
    router.Add("POST", "/api/v1/support/widget/csat",
               WidgetHandler(gate, [&sla, &kit](Request& req) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(api::CheckRateOfAddress(kit, ratelimit::Action::kSend, req));
                   VECHE_ASSIGN_OR_RETURN(auto token, RequiredVisitor(req));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(Id id, json::ReqId(body, "conversation_id"));
                   VECHE_ASSIGN_OR_RETURN(auto rating, json::OptInt(body, "rating", 1, 5));
                   if (!rating)
                       return Error::InvalidArgument("field 'rating' must be an integer from 1 to 5");
                   VECHE_ASSIGN_OR_RETURN(auto comment, json::OptString(body, "comment", {200, 0, true}));
                   VECHE_ASSIGN_OR_RETURN(
                       auto csat, sla.Rate(token, id, static_cast<int>(*rating), comment.value_or("")));
                   return api::Json(201, CsatJson(csat, false));
               }));
    router.Add("GET", "/api/v1/support/reports/summary",
               api::Authed(kit, [&reports](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto q, ReadReportQuery(req));
                   VECHE_ASSIGN_OR_RETURN(auto summary, reports.Summarize(ctx.actor, q));
                   if (WantsCsv(req)) return CsvResponse(SummaryCsv(summary), "support-summary.csv");
                   bj::array teams, agents;
                   for (const auto& r : summary.teams) teams.push_back(RowJson(r));
                   for (const auto& r : summary.agents) agents.push_back(RowJson(r));
                   return api::Json(200, bj::object{{"query", QueryJson(summary.query)},
                                                    {"total", RowJson(summary.total)},
                                                    {"teams", std::move(teams)},
                                                    {"agents", std::move(agents)}});
               }));
    router.Add("GET", "/api/v1/support/reports/heatmap",
               api::Authed(kit, [&reports](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto q, ReadReportQuery(req));
                   VECHE_ASSIGN_OR_RETURN(auto heatmap, reports.HeatmapOf(ctx.actor, q));
                   if (WantsCsv(req)) return CsvResponse(HeatmapCsv(heatmap), "support-heatmap.csv");
                   bj::array cells;
                   for (const auto& day : heatmap.cells) {
                       bj::array hours;
                       for (auto v : day) hours.push_back(v);
                       cells.push_back(std::move(hours));
                   }
                   return api::Json(200, bj::object{{"query", QueryJson(heatmap.query)},
                                                    {"total", heatmap.total},
                                                    {"cells", std::move(cells)}});
               }));
}

}  // namespace veche::support
