// /api/v1/experts/consultations… and the communities' consultation statistics and settings
// (docs/api.md, "Consultations").
#include <boost/json/array.hpp>

#include "consultation_json.hpp"
#include "request_fields.hpp"
#include "routes.hpp"
#include "veche/experts/communities.hpp"
#include "veche/experts/consultations.hpp"

namespace veche::experts {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

constexpr std::size_t kMaxQueryChars = 200;

Result<std::optional<std::string>> QueryText(const Request& req, const std::string& name,
                                             std::size_t max_chars) {
    auto it = req.query.find(name);
    if (it == req.query.end() || it->second.empty()) return std::optional<std::string>();
    if (text::CodePointCount(it->second) > max_chars)
        return Error::InvalidArgument("query parameter '" + name + "' is longer than " +
                                      std::to_string(max_chars) + " characters");
    return std::optional<std::string>(it->second);
}

Result<ConsultationFilter> ReadFilter(const Request& req) {
    ConsultationFilter f;
    VECHE_ASSIGN_OR_RETURN(f.community_id, api::QueryId(req, "community"));
    VECHE_ASSIGN_OR_RETURN(auto states, QueryText(req, "state", kMaxQueryChars));
    if (states) {
        std::string_view rest = *states;
        while (!rest.empty()) {
            auto comma = rest.find(',');
            std::string_view one = text::Trim(rest.substr(0, comma));
            if (!one.empty()) f.states.emplace_back(one);
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        }
    }
    VECHE_ASSIGN_OR_RETURN(f.difficulty, QueryText(req, "difficulty", 20));
    VECHE_ASSIGN_OR_RETURN(f.expert_id, api::QueryId(req, "expert"));
    VECHE_ASSIGN_OR_RETURN(f.q, QueryText(req, "q", kMaxQueryChars));
    if (req.query.count("overdue") && !req.query.at("overdue").empty()) {
        VECHE_ASSIGN_OR_RETURN(bool overdue, QueryBool(req, "overdue", false));
        f.overdue = overdue;
    }
    VECHE_ASSIGN_OR_RETURN(f.mine, QueryBool(req, "mine", false));
    VECHE_ASSIGN_OR_RETURN(f.from, api::QueryInt(req, "from", 0, INT64_MAX));
    VECHE_ASSIGN_OR_RETURN(f.to, api::QueryInt(req, "to", 0, INT64_MAX));
    VECHE_ASSIGN_OR_RETURN(f.before, api::QueryId(req, "before"));
    VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, 100));
    f.limit = static_cast<int>(limit.value_or(50));
    return f;
}

Result<NewConsultation> ReadNew(const bj::object& body) {
    NewConsultation n;
    VECHE_ASSIGN_OR_RETURN(n.community_id, json::OptId(body, "community_id"));
    VECHE_ASSIGN_OR_RETURN(auto title, OptionalText(body, "title", kMaxTitleChars));
    VECHE_ASSIGN_OR_RETURN(auto question, OptionalText(body, "question", kMaxQuestionChars));
    VECHE_ASSIGN_OR_RETURN(auto expected, OptionalText(body, "expected_result", kMaxConsultationTextChars));
    VECHE_ASSIGN_OR_RETURN(auto difficulty, OptionalText(body, "difficulty", 20));
    VECHE_ASSIGN_OR_RETURN(auto tags, OptionalStrings(body, "tags", kMaxConsultationTags, kMaxTagChars));
    n.title = title.value_or("");
    n.question = question.value_or("");
    n.expected_result = expected.value_or("");
    n.difficulty = difficulty.value_or("");
    n.tags = tags.value_or(std::vector<std::string>{});
    return n;
}

Result<ConsultationChange> ReadChange(const bj::object& body) {
    ConsultationChange c;
    VECHE_ASSIGN_OR_RETURN(c.title, OptionalText(body, "title", kMaxTitleChars));
    if (c.title && c.title->empty()) return FieldRequired("title");
    VECHE_ASSIGN_OR_RETURN(c.question, OptionalText(body, "question", kMaxQuestionChars));
    if (c.question && c.question->empty()) return FieldRequired("question");
    VECHE_ASSIGN_OR_RETURN(c.expected_result,
                           OptionalText(body, "expected_result", kMaxConsultationTextChars));
    if (c.expected_result && c.expected_result->empty()) return FieldRequired("expected_result");
    VECHE_ASSIGN_OR_RETURN(c.difficulty, OptionalText(body, "difficulty", 20));
    if (c.difficulty && c.difficulty->empty()) return FieldRequired("difficulty");
    VECHE_ASSIGN_OR_RETURN(c.tags, OptionalStrings(body, "tags", kMaxConsultationTags, kMaxTagChars));
    return c;
}

Response One(int status, const Consultation& c) { return api::Json(status, ConsultationToJson(c, true)); }

}  // namespace

void AddConsultationRoutes(api::Router& router, const api::HttpKit& kit, ConsultationService& consultations) {
    auto& svc = consultations;
    const std::string base = "/api/v1/experts/consultations";
    router.Add("GET", base, api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto filter, ReadFilter(req));
                   VECHE_ASSIGN_OR_RETURN(auto list, svc.List(ctx.actor, filter));
                   bj::array items;
                   for (const auto& c : list) items.push_back(ConsultationToJson(c, false));
                   bj::object out{{"consultations", std::move(items)}};
                   api::SetNextBefore(out, list, filter.limit, [](const Consultation& c) { return c.id; });
                   return api::Json(200, out);
               }));
    router.Add("POST", base, api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto spec, ReadNew(body));
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.Create(ctx.actor, spec));
                   return One(201, c);
               }));
    router.Add("GET", base + "/{id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.Get(ctx.actor, id));
                   return One(200, c);
               }));
    router.Add("PATCH", base + "/{id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto change, ReadChange(body));
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.Update(ctx.actor, id, change));
                   return One(200, c);
               }));
    router.Add("POST", base + "/{id}/assign",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto expert, json::OptId(body, "expert_id"));
                   if (!expert) return FieldRequired("expert_id");
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.Assign(ctx.actor, id, *expert));
                   return One(200, c);
               }));
    router.Add("GET", base + "/{id}/suggested-experts",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto list, svc.Suggest(ctx.actor, id));
                   bj::array items;
                   for (const auto& s : list) items.push_back(SuggestedExpertToJson(s));
                   return api::Json(200, bj::object{{"experts", std::move(items)}});
               }));
    router.Add("POST", base + "/{id}/accept",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, OptionalBody(req));
                   (void)body;
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.Accept(ctx.actor, id));
                   return One(200, c);
               }));
    router.Add("POST", base + "/{id}/return",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto questions,
                                          RequiredText(body, "questions", kMaxConsultationTextChars));
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.Return(ctx.actor, id, questions));
                   return One(200, c);
               }));
    router.Add("POST", base + "/{id}/resolve",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto text, OptionalText(body, "text", kMaxQuestionChars));
                   VECHE_ASSIGN_OR_RETURN(auto message, json::OptId(body, "message_id"));
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.Resolve(ctx.actor, id, text.value_or(""), message));
                   return One(200, c);
               }));
    router.Add("POST", base + "/{id}/reject",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto code, OptionalText(body, "reason_code", 50));
                   VECHE_ASSIGN_OR_RETURN(auto text, OptionalText(body, "text", kMaxConsultationTextChars));
                   VECHE_ASSIGN_OR_RETURN(auto c,
                                          svc.Reject(ctx.actor, id, code.value_or(""), text.value_or("")));
                   return One(200, c);
               }));
    router.Add("POST", base + "/{id}/cancel",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, OptionalBody(req));
                   (void)body;
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.Cancel(ctx.actor, id));
                   return One(200, c);
               }));
    router.Add("POST", base + "/{id}/call",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto at, json::OptInt(body, "at", 0, 253402300799999));
                   if (!at) return FieldRequired("at");
                   VECHE_ASSIGN_OR_RETURN(auto link, RequiredText(body, "link", kMaxCallLinkChars));
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.ScheduleCall(ctx.actor, id, Call{*at, link}));
                   return One(200, c);
               }));
    for (const char* method : {"POST", "PUT"}) {
        bool change = std::string_view(method) == "PUT";
        router.Add(
            method, base + "/{id}/rating",
            api::Authed(kit, [&svc, change](Request& req, const Caller& ctx) -> Result<Response> {
                VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                VECHE_ASSIGN_OR_RETURN(auto rating, json::OptInt(body, "rating", INT32_MIN, INT32_MAX));
                if (!rating) return FieldRequired("rating");
                VECHE_ASSIGN_OR_RETURN(auto comment,
                                       OptionalText(body, "comment", kMaxConsultationTextChars));
                VECHE_ASSIGN_OR_RETURN(
                    auto c, svc.Rate(ctx.actor, id, static_cast<int>(*rating), comment.value_or(""), change));
                return One(change ? 200 : 201, c);
            }));
    }
    router.Add("GET", "/api/v1/experts/communities/{id}/stats",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto from, api::QueryInt(req, "from", 0, INT64_MAX));
                   VECHE_ASSIGN_OR_RETURN(auto to, api::QueryInt(req, "to", 0, INT64_MAX));
                   VECHE_ASSIGN_OR_RETURN(auto s, svc.Stats(ctx.actor, id, from, to));
                   return api::Json(200, StatsToJson(s));
               }));
    router.Add("GET", "/api/v1/experts/communities/{id}/consultation-settings",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto s, svc.GetSettings(ctx.actor, id));
                   return api::Json(200, SettingsToJson(s));
               }));
    router.Add("PUT", "/api/v1/experts/communities/{id}/consultation-settings",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto days, json::OptInt(body, "assign_within_working_days", 0,
                                                                  kMaxAssignWithinWorkingDays));
                   if (!days) return FieldRequired("assign_within_working_days");
                   VECHE_ASSIGN_OR_RETURN(auto s, svc.PutSettings(ctx.actor, id, static_cast<int>(*days)));
                   return api::Json(200, SettingsToJson(s));
               }));
    router.Add("GET", "/api/v1/experts/profiles/{user_id}/stats",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id user, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto s, svc.StatsOfExpert(ctx.actor, user));
                   return api::Json(200, ExpertStatsToJson(s));
               }));
}

}  // namespace veche::experts
