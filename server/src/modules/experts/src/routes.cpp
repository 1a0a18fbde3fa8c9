// /api/v1/experts/{communities,moderators,me,profiles} (docs/api.md, "Expert network (EXP)").
#include "routes.hpp"

#include <boost/json/array.hpp>

#include "experts_json.hpp"
#include "request_fields.hpp"
#include "veche/experts/communities.hpp"

namespace veche::experts {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

Result<std::optional<std::vector<std::string>>> ReadSections(const bj::object& body) {
    return OptionalStrings(body, "sections", 20, 20);
}

Result<NewCommunity> ReadNewCommunity(const bj::object& body) {
    NewCommunity n;
    VECHE_ASSIGN_OR_RETURN(n.slug, RequiredText(body, "slug", kMaxSlugBytes));
    VECHE_ASSIGN_OR_RETURN(n.title, RequiredText(body, "title", kMaxTitleChars));
    VECHE_ASSIGN_OR_RETURN(auto description, OptionalText(body, "description", kMaxDescriptionChars, false));
    n.description = description.value_or("");
    VECHE_ASSIGN_OR_RETURN(n.sections, ReadSections(body));
    VECHE_ASSIGN_OR_RETURN(auto visibility, OptionalText(body, "visibility", 20));
    n.visibility = visibility.value_or("all");
    return n;
}

Result<CommunityChange> ReadCommunityChange(const bj::object& body) {
    CommunityChange c;
    VECHE_ASSIGN_OR_RETURN(c.title, OptionalText(body, "title", kMaxTitleChars));
    if (c.title && c.title->empty()) return FieldRequired("title");
    VECHE_ASSIGN_OR_RETURN(c.description, OptionalText(body, "description", kMaxDescriptionChars, false));
    VECHE_ASSIGN_OR_RETURN(c.sections, ReadSections(body));
    VECHE_ASSIGN_OR_RETURN(c.visibility, OptionalText(body, "visibility", 20));
    VECHE_ASSIGN_OR_RETURN(c.archived, json::OptBool(body, "archived"));
    return c;
}

// {"user_id"} in the body, or ?user_id= (DELETE requests often carry no body): another user's
// subscription, for curators and moderators.
Result<std::optional<Id>> SubscriptionUser(const Request& req) {
    VECHE_ASSIGN_OR_RETURN(auto body, OptionalBody(req));
    VECHE_ASSIGN_OR_RETURN(auto from_body, json::OptId(body, "user_id"));
    if (from_body) return from_body;
    return api::QueryId(req, "user_id");
}

Result<std::vector<Competence>> ReadCompetences(const bj::value& v) {
    if (!v.is_array()) return Error::InvalidArgument("field 'competences' must be an array");
    const auto& arr = v.get_array();
    if (arr.size() > kMaxCompetences)
        return Error{ErrorCode::kUnprocessable, "too_many_competences", "at most 50 competences"};
    std::vector<Competence> out;
    for (const auto& e : arr) {
        Competence c;
        if (e.is_string()) {
            c.tag = std::string(e.get_string());
        } else if (e.is_object()) {
            VECHE_ASSIGN_OR_RETURN(c.tag, RequiredText(e.get_object(), "tag", kMaxTagChars));
            VECHE_ASSIGN_OR_RETURN(c.community_id, json::OptId(e.get_object(), "community_id"));
        } else {
            return Error::InvalidArgument("each competence is a tag or {\"tag\", \"community_id\"}");
        }
        out.push_back(std::move(c));
    }
    return out;
}

Result<ProfileChange> ReadProfileChange(const bj::object& body) {
    ProfileChange p;
    if (auto it = body.find("competences"); it != body.end() && !it->value().is_null()) {
        VECHE_ASSIGN_OR_RETURN(p.competences, ReadCompetences(it->value()));
    }
    VECHE_ASSIGN_OR_RETURN(p.levels, OptionalStrings(body, "levels", 3, 20));
    if (json::IsNull(body, "vacation_until")) {
        p.vacation_until = std::optional<std::int64_t>();
    } else {
        VECHE_ASSIGN_OR_RETURN(auto until, json::OptInt(body, "vacation_until", 0, 253402300799999));
        if (until) p.vacation_until = until;
    }
    VECHE_ASSIGN_OR_RETURN(p.bio, OptionalText(body, "bio", kMaxBioChars, false));
    return p;
}

template <class T, class F>
bj::array JsonList(const std::vector<T>& items, F to_json) {
    bj::array out;
    for (const auto& i : items) out.push_back(to_json(i));
    return out;
}

}  // namespace

void AddCommunityRoutes(api::Router& router, const api::HttpKit& kit, CommunityService& communities) {
    auto& svc = communities;
    router.Add("GET", "/api/v1/experts/communities",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   CommunityFilter f;
                   if (auto it = req.query.find("q"); it != req.query.end() && !it->second.empty()) {
                       if (text::CodePointCount(it->second) > 200)
                           return Error::InvalidArgument("query parameter 'q' is longer than 200 characters");
                       f.q = it->second;
                   }
                   VECHE_ASSIGN_OR_RETURN(f.subscribed_only, QueryBool(req, "subscribed", false));
                   VECHE_ASSIGN_OR_RETURN(f.include_archived, QueryBool(req, "archived", false));
                   VECHE_ASSIGN_OR_RETURN(auto list, svc.List(ctx.actor, f));
                   return api::Json(200, bj::object{{"communities", JsonList(list, CommunityToJson)}});
               }));
    router.Add("POST", "/api/v1/experts/communities",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto spec, ReadNewCommunity(body));
                   VECHE_ASSIGN_OR_RETURN(auto view, svc.Create(ctx.actor, spec));
                   return api::Json(201, CommunityToJson(view));
               }));
    router.Add("GET", "/api/v1/experts/communities/{id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto view, svc.Get(ctx.actor, id));
                   return api::Json(200, CommunityToJson(view));
               }));
    router.Add("PATCH", "/api/v1/experts/communities/{id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto change, ReadCommunityChange(body));
                   VECHE_ASSIGN_OR_RETURN(auto view, svc.Update(ctx.actor, id, change));
                   return api::Json(200, CommunityToJson(view));
               }));
    router.Add("POST", "/api/v1/experts/communities/{id}/subscription",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto user, SubscriptionUser(req));
                   VECHE_ASSIGN_OR_RETURN(auto view, svc.Subscribe(ctx.actor, id, user));
                   return api::Json(200, CommunityToJson(view));
               }));
    router.Add("DELETE", "/api/v1/experts/communities/{id}/subscription",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto user, SubscriptionUser(req));
                   VECHE_ASSIGN_OR_RETURN(auto view, svc.Unsubscribe(ctx.actor, id, user));
                   return api::Json(200, CommunityToJson(view));
               }));
    router.Add("GET", "/api/v1/experts/communities/{id}/members",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   MemberFilter f;
                   if (auto it = req.query.find("kind"); it != req.query.end() && !it->second.empty())
                       f.kind = it->second;
                   VECHE_ASSIGN_OR_RETURN(f.after, api::QueryId(req, "after"));
                   VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, 200));
                   f.limit = static_cast<int>(limit.value_or(100));
                   VECHE_ASSIGN_OR_RETURN(auto list, svc.Members(ctx.actor, id, f));
                   bj::object out{{"members", JsonList(list, MemberToJson)}};
                   if (!list.empty() && list.size() == static_cast<std::size_t>(f.limit))
                       out["next_after"] = IdToString(list.back().user_id);
                   return api::Json(200, out);
               }));
    router.Add("PUT", "/api/v1/experts/communities/{id}/roles/{user_id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(Id user, api::PathId(req, 1));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto role, RequiredText(body, "role", 20));
                   VECHE_ASSIGN_OR_RETURN(auto member, svc.GrantRole(ctx.actor, id, user, role));
                   return api::Json(200, MemberToJson(member));
               }));
    router.Add("DELETE", "/api/v1/experts/communities/{id}/roles/{user_id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(Id user, api::PathId(req, 1));
                   std::optional<std::string> role;
                   if (auto it = req.query.find("role"); it != req.query.end() && !it->second.empty())
                       role = it->second;
                   VECHE_RETURN_IF_ERROR(svc.RevokeRole(ctx.actor, id, user, role));
                   return api::NoContent();
               }));
    router.Add("PUT", "/api/v1/experts/moderators/{user_id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id user, api::PathId(req, 0));
                   VECHE_RETURN_IF_ERROR(svc.SetModerator(ctx.actor, user, true));
                   return api::NoContent();
               }));
    router.Add("DELETE", "/api/v1/experts/moderators/{user_id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id user, api::PathId(req, 0));
                   VECHE_RETURN_IF_ERROR(svc.SetModerator(ctx.actor, user, false));
                   return api::NoContent();
               }));
    router.Add("GET", "/api/v1/experts/me",
               api::Authed(kit, [&svc](Request&, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto me, svc.GetMe(ctx.actor));
                   return api::Json(200, MeToJson(me));
               }));
    router.Add("GET", "/api/v1/experts/profiles/{user_id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id user, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto p, svc.GetProfile(ctx.actor, user));
                   return api::Json(200, ProfileToJson(p));
               }));
    router.Add("PUT", "/api/v1/experts/profiles/{user_id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id user, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto change, ReadProfileChange(body));
                   VECHE_ASSIGN_OR_RETURN(auto p, svc.PutProfile(ctx.actor, user, change));
                   return api::Json(200, ProfileToJson(p));
               }));
}

}  // namespace veche::experts
