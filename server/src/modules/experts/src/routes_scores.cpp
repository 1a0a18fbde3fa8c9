// /api/v1/experts/{score-rules,score-settings,score-events,scores,leaderboards,experts/{id}/card}
// (docs/api.md, "Gamification and leaderboards").
#include <boost/json/array.hpp>

#include "experts_json.hpp"
#include "request_fields.hpp"
#include "routes.hpp"
#include "veche/experts/scores.hpp"

namespace veche::experts {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

constexpr std::int64_t kMaxInstant = 253402300799999;

bj::value OptId(const std::optional<Id>& id) { return id ? bj::value(IdToString(*id)) : bj::value(nullptr); }

bj::object RuleToJson(const ScoreRule& r) {
    return bj::object{{"key", r.key},           {"points", r.points},           {"active", r.active},
                      {"description", r.description}, {"updated_by", OptId(r.updated_by)}, {"updated_at", r.updated_at}};
}

bj::object SettingsToJson(const ScoreSettings& s) {
    bj::array roles;
    for (const auto& r : s.excluded_roles) roles.emplace_back(r);
    return bj::object{{"excluded_roles", std::move(roles)}, {"recalculations_per_day", s.recalculations_per_day}};
}

bj::object EventToJson(const ScoreEvent& e) {
    bj::object o{{"id", IdToString(e.id)},
                 {"user_id", IdToString(e.user_id)},
                 {"community_id", OptId(e.community_id)},
                 {"rule_key", e.rule_key},
                 {"points", e.points},
                 {"source_kind", e.source_kind},
                 {"source_id", IdToString(e.source_id)},
                 {"day", DayToIso(e.day)},
                 {"created_at", e.created_at},
                 {"created_by", OptId(e.created_by)},
                 {"reason", e.reason},
                 {"voided_at", nullptr},
                 {"void_reason", nullptr}};
    if (e.voided_at) o["voided_at"] = *e.voided_at;
    if (e.void_reason) o["void_reason"] = *e.void_reason;
    return o;
}

template <class Entry, class F>
bj::object BoardToJson(const Board<Entry>& b, const LeaderboardQuery& q, F entry_json) {
    bj::array entries;
    for (const auto& e : b.entries) entries.push_back(entry_json(e));
    return bj::object{{"period", PeriodName(b.period)},
                      {"from", b.period == Period::kAll ? bj::value(nullptr) : bj::value(DayToIso(b.from_day))},
                      {"community_id", OptId(b.community_id)},
                      {"total", b.total},
                      {"limit", q.limit},
                      {"offset", q.offset},
                      {"entries", std::move(entries)}};
}

Result<Period> ReadPeriod(const Request& req, Period fallback) {
    auto it = req.query.find("period");
    if (it == req.query.end() || it->second.empty()) return fallback;
    auto p = PeriodFromName(it->second);
    if (!p) return Error::InvalidArgument("query parameter 'period' is month, quarter, year or all");
    return *p;
}

Result<LeaderboardQuery> ReadBoardQuery(const Request& req) {
    LeaderboardQuery q;
    VECHE_ASSIGN_OR_RETURN(q.period, ReadPeriod(req, Period::kMonth));
    VECHE_ASSIGN_OR_RETURN(q.community_id, api::QueryId(req, "community"));
    VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, 100));
    VECHE_ASSIGN_OR_RETURN(auto offset, api::QueryInt(req, "offset", 0, 1'000'000));
    q.limit = static_cast<int>(limit.value_or(100));
    q.offset = static_cast<int>(offset.value_or(0));
    return q;
}

Result<ManualAward> ReadAward(const bj::value& v) {
    if (!v.is_object()) return Error::InvalidArgument("each of 'events' is an object");
    const auto& o = v.get_object();
    ManualAward a;
    VECHE_ASSIGN_OR_RETURN(auto user, json::OptId(o, "user_id"));
    if (!user) return FieldRequired("user_id");
    a.user_id = *user;
    VECHE_ASSIGN_OR_RETURN(a.community_id, json::OptId(o, "community_id"));
    VECHE_ASSIGN_OR_RETURN(auto points, json::OptInt(o, "points", -kMaxManualPoints, kMaxManualPoints));
    if (!points) return FieldRequired("points");
    a.points = static_cast<int>(*points);
    VECHE_ASSIGN_OR_RETURN(a.reason, RequiredText(o, "reason", kMaxScoreReasonChars));
    VECHE_ASSIGN_OR_RETURN(a.at, json::OptInt(o, "at", 0, kMaxInstant));
    return a;
}

}  // namespace

void AddScoreRoutes(api::Router& router, const api::HttpKit& kit, ScoreService& scores) {
    auto& svc = scores;
    router.Add("GET", "/api/v1/experts/score-rules",
               api::Authed(kit, [&svc](Request&, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto rules, svc.Rules(ctx.actor));
                   bj::array a;
                   for (const auto& r : rules) a.push_back(RuleToJson(r));
                   return api::Json(200, bj::object{{"rules", std::move(a)}});
               }));
    router.Add("GET", "/api/v1/experts/score-rules/{key}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto rule, svc.Rule(ctx.actor, req.params.at(0)));
                   return api::Json(200, RuleToJson(rule));
               }));
    router.Add("PUT", "/api/v1/experts/score-rules/{key}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   RuleChange change;
                   VECHE_ASSIGN_OR_RETURN(auto points, json::OptInt(body, "points", 0, kMaxRulePoints));
                   if (points) change.points = static_cast<int>(*points);
                   VECHE_ASSIGN_OR_RETURN(change.active, json::OptBool(body, "active"));
                   VECHE_ASSIGN_OR_RETURN(auto rule, svc.PutRule(ctx.actor, req.params.at(0), change));
                   return api::Json(200, RuleToJson(rule));
               }));
    router.Add("GET", "/api/v1/experts/score-settings",
               api::Authed(kit, [&svc](Request&, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto s, svc.Settings(ctx.actor));
                   return api::Json(200, SettingsToJson(s));
               }));
    router.Add("PUT", "/api/v1/experts/score-settings",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto current, svc.Settings(ctx.actor));
                   VECHE_ASSIGN_OR_RETURN(auto roles, OptionalStrings(body, "excluded_roles", kMaxExcludedRoles, 100));
                   if (roles) current.excluded_roles = *roles;
                   VECHE_ASSIGN_OR_RETURN(auto per_day,
                                          json::OptInt(body, "recalculations_per_day", 0, kMaxRecalculationsPerDay));
                   if (per_day) current.recalculations_per_day = static_cast<int>(*per_day);
                   VECHE_ASSIGN_OR_RETURN(auto s, svc.PutSettings(ctx.actor, current));
                   return api::Json(200, SettingsToJson(s));
               }));
    router.Add("GET", "/api/v1/experts/score-events",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   LedgerFilter f;
                   VECHE_ASSIGN_OR_RETURN(f.user_id, api::QueryId(req, "user_id"));
                   VECHE_ASSIGN_OR_RETURN(f.community_id, api::QueryId(req, "community"));
                   if (auto it = req.query.find("source_kind"); it != req.query.end() && !it->second.empty()) {
                       if (it->second.size() > 40) return Error::InvalidArgument("query parameter 'source_kind' is too long");
                       f.source_kind = it->second;
                   }
                   VECHE_ASSIGN_OR_RETURN(f.source_id, api::QueryId(req, "source_id"));
                   VECHE_ASSIGN_OR_RETURN(f.include_voided, QueryBool(req, "voided", false));
                   VECHE_ASSIGN_OR_RETURN(f.before, api::QueryId(req, "before"));
                   VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, 500));
                   f.limit = static_cast<int>(limit.value_or(100));
                   VECHE_ASSIGN_OR_RETURN(auto events, svc.Ledger(ctx.actor, f));
                   bj::array a;
                   for (const auto& e : events) a.push_back(EventToJson(e));
                   bj::object out{{"events", std::move(a)}};
                   api::SetNextBefore(out, events, f.limit, [](const ScoreEvent& e) { return e.id; });
                   return api::Json(200, out);
               }));
    router.Add("POST", "/api/v1/experts/score-events",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   std::vector<ManualAward> awards;
                   if (auto it = body.find("events"); it != body.end()) {
                       if (!it->value().is_array() || it->value().get_array().empty() ||
                           it->value().get_array().size() > kMaxManualBatch)
                           return Error::InvalidArgument("field 'events' is an array of 1 to 1000 awards");
                       for (const auto& v : it->value().get_array()) {
                           VECHE_ASSIGN_OR_RETURN(auto a, ReadAward(v));
                           awards.push_back(std::move(a));
                       }
                   } else {
                       VECHE_ASSIGN_OR_RETURN(auto a, ReadAward(bj::value(body)));
                       awards.push_back(std::move(a));
                   }
                   VECHE_ASSIGN_OR_RETURN(auto events, svc.AwardManual(ctx.actor, awards));
                   bj::array a;
                   for (const auto& e : events) a.push_back(EventToJson(e));
                   return api::Json(201, bj::object{{"events", std::move(a)}});
               }));
    router.Add("POST", "/api/v1/experts/score-events/{id}/void",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto reason, RequiredText(body, "reason", kMaxScoreReasonChars));
                   VECHE_ASSIGN_OR_RETURN(auto e, svc.VoidManual(ctx.actor, id, reason));
                   return api::Json(200, EventToJson(e));
               }));
    router.Add("POST", "/api/v1/experts/scores/recalculate",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto since, json::OptInt(body, "since", 0, kMaxInstant));
                   if (!since) return FieldRequired("since");
                   VECHE_ASSIGN_OR_RETURN(auto r, svc.Recalculate(ctx.actor, *since));
                   return api::Json(200, bj::object{{"id", IdToString(r.id)},
                                                    {"since", r.since},
                                                    {"sources", r.sources},
                                                    {"inserted", r.inserted},
                                                    {"voided", r.voided},
                                                    {"remaining_today", r.remaining_today}});
               }));
    router.Add("GET", "/api/v1/experts/leaderboards/experts",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto q, ReadBoardQuery(req));
                   VECHE_ASSIGN_OR_RETURN(auto b, svc.Experts(ctx.actor, q));
                   return api::Json(200, BoardToJson(b, q, [](const LeaderEntry& e) {
                                        return bj::object{{"rank", e.rank},
                                                          {"user_id", IdToString(e.user_id)},
                                                          {"username", e.username},
                                                          {"display_name", e.display_name},
                                                          {"points", e.points}};
                                    }));
               }));
    router.Add("GET", "/api/v1/experts/leaderboards/communities",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto q, ReadBoardQuery(req));
                   if (q.community_id) return Error::InvalidArgument("query parameter 'community' is for experts' boards");
                   VECHE_ASSIGN_OR_RETURN(auto b, svc.Communities(ctx.actor, q));
                   return api::Json(200, BoardToJson(b, q, [](const CommunityEntry& e) {
                                        return bj::object{{"rank", e.rank},
                                                          {"community_id", IdToString(e.community_id)},
                                                          {"slug", e.slug},
                                                          {"title", e.title},
                                                          {"points", e.points}};
                                    }));
               }));
    router.Add("GET", "/api/v1/experts/experts/{user_id}/card",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id user, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto period, ReadPeriod(req, Period::kMonth));
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.Card(ctx.actor, user, period));
                   bj::array expert_in;
                   for (const auto& community : c.expert_in)
                       expert_in.push_back(bj::object{{"community_id", IdToString(community.id)},
                                                      {"slug", community.slug},
                                                      {"title", community.title}});
                   bj::object counts{{"resolved", c.consultations.resolved},
                                     {"rejected", c.consultations.rejected},
                                     {"in_progress", c.consultations.in_progress}};
                   bj::object rating{{"count", c.consultations.rated}, {"average", nullptr}};
                   if (c.consultations.rating_average) rating["average"] = *c.consultations.rating_average;
                   auto opt = [](const std::optional<std::int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); };
                   return api::Json(200, bj::object{{"user_id", IdToString(c.user_id)},
                                                    {"username", c.username},
                                                    {"display_name", c.display_name},
                                                    {"profile", ProfileToJson(c.profile)},
                                                    {"expert_in", std::move(expert_in)},
                                                    {"period", PeriodName(c.period)},
                                                    {"points", bj::object{{"period", c.period_points},
                                                                          {"total", c.total_points}}},
                                                    {"rank", bj::object{{"period", opt(c.period_rank)},
                                                                        {"total", opt(c.total_rank)}}},
                                                    {"rating", std::move(rating)},
                                                    {"consultations", std::move(counts)}});
               }));
}

}  // namespace veche::experts
