// /api/v1/experts/applications… (docs/api.md, "Expert network (EXP)", "Expert applications").
#include <algorithm>
#include <boost/json/array.hpp>

#include "application_form.hpp"
#include "application_json.hpp"
#include "request_fields.hpp"
#include "routes.hpp"
#include "veche/experts/applications.hpp"
#include "veche/experts/communities.hpp"

namespace veche::experts {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

Result<std::string> Short(const bj::object& o, std::string_view key) {
    VECHE_ASSIGN_OR_RETURN(auto v, OptionalText(o, key, kMaxShortAnswerChars));
    return v.value_or("");
}

Result<std::string> Long(const bj::object& o, std::string_view key) {
    VECHE_ASSIGN_OR_RETURN(auto v, OptionalText(o, key, kMaxLongAnswerChars, false));
    return std::string(text::Trim(v.value_or("")));
}

// The questionnaire: every field optional here (a draft), typed and bounded; completeness is the
// service's check on submit.
Result<Answers> ReadAnswers(const bj::value& v) {
    if (!v.is_object()) return Error::InvalidArgument("field 'answers' must be an object");
    const auto& o = v.get_object();
    Answers a;
    VECHE_ASSIGN_OR_RETURN(a.full_name, Short(o, "full_name"));
    VECHE_ASSIGN_OR_RETURN(a.position, Short(o, "position"));
    VECHE_ASSIGN_OR_RETURN(a.department, Short(o, "department"));
    VECHE_ASSIGN_OR_RETURN(a.site, Short(o, "site"));
    VECHE_ASSIGN_OR_RETURN(auto phone, OptionalText(o, "phone", 50));
    a.phone = phone.value_or("");
    VECHE_ASSIGN_OR_RETURN(a.experience_years, json::OptInt(o, "experience_years", 0, 70));
    VECHE_ASSIGN_OR_RETURN(a.experience, Long(o, "experience"));
    VECHE_ASSIGN_OR_RETURN(auto competences,
                           OptionalStrings(o, "competences", kMaxCompetences, kMaxTagChars));
    if (competences) {
        for (const auto& c : *competences) {
            std::string tag = NormalizeTag(c);
            if (std::find(a.competences.begin(), a.competences.end(), tag) == a.competences.end())
                a.competences.push_back(std::move(tag));
        }
    }
    VECHE_ASSIGN_OR_RETURN(a.skills, Long(o, "skills"));
    VECHE_ASSIGN_OR_RETURN(a.motivation, Long(o, "motivation"));
    return a;
}

Result<std::optional<Answers>> OptAnswers(const bj::object& body) {
    auto it = body.find("answers");
    if (it == body.end() || it->value().is_null()) return std::optional<Answers>();
    VECHE_ASSIGN_OR_RETURN(auto a, ReadAnswers(it->value()));
    return std::optional<Answers>(std::move(a));
}

Result<std::optional<std::vector<Id>>> OptCommunities(const bj::object& body) {
    if (body.find("community_ids") == body.end() || json::IsNull(body, "community_ids"))
        return std::optional<std::vector<Id>>();
    VECHE_ASSIGN_OR_RETURN(auto ids, json::OptIdArray(body, "community_ids", kMaxApplicationCommunities));
    return std::optional<std::vector<Id>>(std::move(ids));
}

Result<std::string> ReadStepText(const Request& req) {
    VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
    return RequiredText(body, "text", kMaxApplicationTextChars);
}

bool ValidLink(const std::string& link) {
    if (link.rfind("https://", 0) != 0 && link.rfind("http://", 0) != 0) return false;
    for (char c : link)
        if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>') return false;
    return link.size() > 8;
}

Result<Interview> ReadInterview(const bj::object& body) {
    Interview i;
    VECHE_ASSIGN_OR_RETURN(auto at, json::OptInt(body, "at", 0, 253402300799999));
    if (!at) return FieldRequired("at");
    i.at = *at;
    VECHE_ASSIGN_OR_RETURN(i.link, RequiredText(body, "link", kMaxLinkChars));
    if (!ValidLink(i.link))
        return Error{ErrorCode::kUnprocessable, "invalid_link", "the link is an http(s) URL without spaces"};
    return i;
}

Result<DecisionSpec> ReadDecision(const bj::object& body) {
    DecisionSpec d;
    VECHE_ASSIGN_OR_RETURN(d.decision, RequiredText(body, "decision", 20));
    VECHE_ASSIGN_OR_RETURN(auto reason, OptionalText(body, "reason", kMaxApplicationTextChars));
    d.reason = reason.value_or("");
    VECHE_ASSIGN_OR_RETURN(d.community_ids, OptCommunities(body));
    return d;
}

using Step = Result<Application> (ApplicationService::*)(const Actor&, Id);

void AddStep(api::Router& router, const api::HttpKit& kit, ApplicationService& svc, const std::string& name,
             Step step) {
    router.Add("POST", "/api/v1/experts/applications/{id}/" + name,
               api::Authed(kit, [&svc, step](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto a, (svc.*step)(ctx.actor, id));
                   return api::Json(200, ApplicationToJson(a));
               }));
}

}  // namespace

void AddApplicationRoutes(api::Router& router, const api::HttpKit& kit, ApplicationService& applications) {
    auto& svc = applications;
    router.Add("GET", "/api/v1/experts/application-form",
               api::Authed(kit, [](Request&, const Caller& ctx) -> Result<Response> {
                   if (ctx.actor.is_guest)
                       return Error::Forbidden("guest accounts have no place in the expert network");
                   return api::Json(200, ApplicationFormJson());
               }));
    router.Add("POST", "/api/v1/experts/applications",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   NewApplication spec;
                   VECHE_ASSIGN_OR_RETURN(auto answers, OptAnswers(body));
                   spec.answers = answers.value_or(Answers{});
                   VECHE_ASSIGN_OR_RETURN(auto communities, OptCommunities(body));
                   spec.community_ids = communities.value_or(std::vector<Id>{});
                   VECHE_ASSIGN_OR_RETURN(auto submit, json::OptBool(body, "submit"));
                   spec.submit = submit.value_or(false);
                   VECHE_ASSIGN_OR_RETURN(auto a, svc.Create(ctx.actor, spec));
                   return api::Json(201, ApplicationToJson(a));
               }));
    router.Add("GET", "/api/v1/experts/applications",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   ApplicationFilter f;
                   if (auto it = req.query.find("state"); it != req.query.end() && !it->second.empty())
                       f.state = it->second;
                   VECHE_ASSIGN_OR_RETURN(f.community_id, api::QueryId(req, "community"));
                   VECHE_ASSIGN_OR_RETURN(f.mine, QueryBool(req, "mine", false));
                   VECHE_ASSIGN_OR_RETURN(f.before, api::QueryId(req, "before"));
                   VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, 200));
                   f.limit = static_cast<int>(limit.value_or(50));
                   VECHE_ASSIGN_OR_RETURN(auto list, svc.List(ctx.actor, f));
                   bj::array items;
                   for (const auto& a : list) items.push_back(ApplicationToJson(a));
                   bj::object out{{"applications", std::move(items)}};
                   api::SetNextBefore(out, list, f.limit, [](const Application& a) { return a.id; });
                   return api::Json(200, out);
               }));
    router.Add("GET", "/api/v1/experts/applications/{id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto a, svc.Get(ctx.actor, id));
                   return api::Json(200, ApplicationToJson(a));
               }));
    router.Add("PATCH", "/api/v1/experts/applications/{id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   ApplicationChange change;
                   VECHE_ASSIGN_OR_RETURN(change.answers, OptAnswers(body));
                   VECHE_ASSIGN_OR_RETURN(change.community_ids, OptCommunities(body));
                   VECHE_ASSIGN_OR_RETURN(auto a, svc.Update(ctx.actor, id, change));
                   return api::Json(200, ApplicationToJson(a));
               }));
    AddStep(router, kit, svc, "submit", &ApplicationService::Submit);
    AddStep(router, kit, svc, "withdraw", &ApplicationService::Withdraw);
    AddStep(router, kit, svc, "review", &ApplicationService::Review);
    router.Add("POST", "/api/v1/experts/applications/{id}/questions",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto text, ReadStepText(req));
                   VECHE_ASSIGN_OR_RETURN(auto a, svc.Ask(ctx.actor, id, text));
                   return api::Json(200, ApplicationToJson(a));
               }));
    router.Add("POST", "/api/v1/experts/applications/{id}/answers",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto text, ReadStepText(req));
                   VECHE_ASSIGN_OR_RETURN(auto a, svc.Answer(ctx.actor, id, text));
                   return api::Json(200, ApplicationToJson(a));
               }));
    router.Add("POST", "/api/v1/experts/applications/{id}/interview",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto interview, ReadInterview(body));
                   VECHE_ASSIGN_OR_RETURN(auto a, svc.ScheduleInterview(ctx.actor, id, interview));
                   return api::Json(200, ApplicationToJson(a));
               }));
    router.Add("POST", "/api/v1/experts/applications/{id}/decision",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto spec, ReadDecision(body));
                   VECHE_ASSIGN_OR_RETURN(auto a, svc.Decide(ctx.actor, id, spec));
                   return api::Json(200, ApplicationToJson(a));
               }));
}

}  // namespace veche::experts
