#include "veche/roles/admin_routes.hpp"

#include <boost/json/array.hpp>

#include "veche/api/kit.hpp"
#include "veche/core/json.hpp"

namespace veche::roles {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

bj::array Strings(const std::vector<std::string>& v) {
    bj::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
}

Result<std::optional<std::vector<std::string>>> OptStringArray(const bj::object& body, std::string_view key) {
    const bj::value* v = body.if_contains(key);
    if (!v || v->is_null()) return std::optional<std::vector<std::string>>();
    if (!v->is_array())
        return Error::InvalidArgument("field '" + std::string(key) + "' must be an array of strings");
    if (v->as_array().size() > kMaxPermissionsPerRole)
        return Error::InvalidArgument("field '" + std::string(key) + "' has more than " +
                                      std::to_string(kMaxPermissionsPerRole) + " items");
    std::vector<std::string> out;
    for (const auto& item : v->as_array()) {
        if (!item.is_string() || item.as_string().size() > kMaxNameBytes)
            return Error::InvalidArgument("field '" + std::string(key) +
                                          "' must be an array of permission names");
        out.emplace_back(item.as_string());
    }
    return std::optional<std::vector<std::string>>(std::move(out));
}

Result<Scope> ReadScope(const std::optional<std::string>& kind, std::optional<Id> id) {
    if (!kind && !id) return Scope{};
    if (!kind || !id) return Error::InvalidArgument("'scope_kind' and 'scope_id' go together");
    return Scope{*kind, *id};
}

By ByOf(const Request& req, const Caller& ctx) { return {ctx.user_id(), req.remote_ip}; }

}  // namespace

bj::object RoleToJson(const Role& r) {
    return bj::object{{"id", IdToString(r.id)},
                      {"name", r.name},
                      {"title", r.title},
                      {"description", r.description},
                      {"system", r.system},
                      {"archived_at", r.archived_at ? bj::value(*r.archived_at) : bj::value(nullptr)},
                      {"permissions", Strings(r.permissions)},
                      {"created_at", r.created_at},
                      {"updated_at", r.updated_at}};
}

bj::object GrantToJson(const Grant& g) {
    return bj::object{
        {"user_id", IdToString(g.user_id)},
        {"role_id", IdToString(g.role_id)},
        {"role_name", g.role_name},
        {"role_title", g.role_title},
        {"role_archived", g.role_archived},
        {"scope_kind", g.scope.global() ? bj::value(nullptr) : bj::value(g.scope.kind)},
        {"scope_id", g.scope.global() ? bj::value(nullptr) : bj::value(IdToString(g.scope.id))},
        {"granted_by", g.granted_by ? bj::value(IdToString(*g.granted_by)) : bj::value(nullptr)},
        {"granted_at", g.granted_at}};
}

void AddAdminRoutes(api::Router& router, const api::HttpKit& kit, RoleService& roles) {
    router.Add("GET", "/api/v1/admin/permissions",
               api::Authed(kit, [&roles](Request&, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(roles.Require(ctx.user_id(), kRolesManage));
                   bj::array arr;
                   for (const auto& p : roles.permissions())
                       arr.push_back(bj::object{{"name", p.name}, {"title", p.title}});
                   return api::Json(200, bj::object{{"permissions", std::move(arr)}});
               }));

    router.Add("GET", "/api/v1/admin/roles",
               api::Authed(kit, [&roles](Request& req, const Caller& ctx) -> Result<Response> {
                   bool archived = false;
                   if (auto it = req.query.find("archived"); it != req.query.end()) {
                       if (it->second != "true" && it->second != "false")
                           return Error::InvalidArgument("query parameter 'archived' must be true or false");
                       archived = it->second == "true";
                   }
                   VECHE_ASSIGN_OR_RETURN(auto list, roles.ListRoles(ctx.user_id(), archived));
                   bj::array arr;
                   for (const auto& r : list) arr.push_back(RoleToJson(r));
                   return api::Json(200, bj::object{{"roles", std::move(arr)}});
               }));

    router.Add(
        "POST", "/api/v1/admin/roles",
        api::Authed(kit, [&roles](Request& req, const Caller& ctx) -> Result<Response> {
            VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
            NewRole spec;
            VECHE_ASSIGN_OR_RETURN(spec.name, json::ReqString(body, "name", {kMaxNameBytes, 1}));
            VECHE_ASSIGN_OR_RETURN(spec.title, json::ReqString(body, "title", {kMaxTitleChars, 1, true}));
            VECHE_ASSIGN_OR_RETURN(auto description,
                                   json::OptString(body, "description", {kMaxDescriptionChars, 0, true}));
            VECHE_ASSIGN_OR_RETURN(auto permissions, OptStringArray(body, "permissions"));
            spec.description = description.value_or("");
            spec.permissions = permissions.value_or(std::vector<std::string>{});
            VECHE_ASSIGN_OR_RETURN(auto role, roles.CreateRole(ByOf(req, ctx), spec));
            return api::Json(201, RoleToJson(role));
        }));

    router.Add(
        "PATCH", "/api/v1/admin/roles/{id}",
        api::Authed(kit, [&roles](Request& req, const Caller& ctx) -> Result<Response> {
            VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
            VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
            RoleChange change;
            VECHE_ASSIGN_OR_RETURN(change.title, json::OptString(body, "title", {kMaxTitleChars, 1, true}));
            VECHE_ASSIGN_OR_RETURN(change.description,
                                   json::OptString(body, "description", {kMaxDescriptionChars, 0, true}));
            VECHE_ASSIGN_OR_RETURN(change.permissions, OptStringArray(body, "permissions"));
            if (body.contains("name"))
                return Error::InvalidArgument("a role's name cannot change; archive it and make another");
            VECHE_ASSIGN_OR_RETURN(auto role, roles.UpdateRole(ByOf(req, ctx), id, change));
            return api::Json(200, RoleToJson(role));
        }));

    router.Add("POST", "/api/v1/admin/roles/{id}/archive",
               api::Authed(kit, [&roles](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto role, roles.ArchiveRole(ByOf(req, ctx), id));
                   return api::Json(200, RoleToJson(role));
               }));

    router.Add("GET", "/api/v1/admin/users/{id}/roles",
               api::Authed(kit, [&roles](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto grants, roles.ListGrants(ctx.user_id(), id));
                   bj::array arr;
                   for (const auto& g : grants) arr.push_back(GrantToJson(g));
                   return api::Json(200, bj::object{{"grants", std::move(arr)}});
               }));

    router.Add("POST", "/api/v1/admin/users/{id}/roles",
               api::Authed(kit, [&roles](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id user_id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(Id role_id, json::ReqId(body, "role_id"));
                   VECHE_ASSIGN_OR_RETURN(auto kind, json::OptString(body, "scope_kind", {kMaxNameBytes, 1}));
                   VECHE_ASSIGN_OR_RETURN(auto scope_id, json::OptId(body, "scope_id"));
                   VECHE_ASSIGN_OR_RETURN(auto scope, ReadScope(kind, scope_id));
                   VECHE_ASSIGN_OR_RETURN(auto grant,
                                          roles.GrantRole(ByOf(req, ctx), user_id, role_id, scope));
                   return api::Json(201, GrantToJson(grant));
               }));

    router.Add("DELETE", "/api/v1/admin/users/{id}/roles/{role_id}",
               api::Authed(kit, [&roles](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id user_id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(Id role_id, api::PathId(req, 1));
                   std::optional<std::string> kind;
                   if (auto it = req.query.find("scope_kind"); it != req.query.end() && !it->second.empty())
                       kind = it->second;
                   VECHE_ASSIGN_OR_RETURN(auto scope_id, api::QueryId(req, "scope_id"));
                   VECHE_ASSIGN_OR_RETURN(auto scope, ReadScope(kind, scope_id));
                   VECHE_RETURN_IF_ERROR(roles.RevokeRole(ByOf(req, ctx), user_id, role_id, scope));
                   return api::NoContent();
               }));

    router.Add("GET", "/api/v1/users/me/permissions",
               api::Authed(kit, [&roles](Request&, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto permissions, roles.GlobalPermissionsOf(ctx.user_id()));
                   VECHE_ASSIGN_OR_RETURN(auto grants, roles.ListGrants(ctx.user_id(), ctx.user_id()));
                   bj::array arr;
                   for (const auto& g : grants) arr.push_back(GrantToJson(g));
                   return api::Json(200, bj::object{{"is_admin", ctx.actor.is_admin},
                                                    {"permissions", Strings(permissions)},
                                                    {"grants", std::move(arr)}});
               }));
}

}  // namespace veche::roles
