// /api/v1/auth/… and /api/v1/users/… (docs/api.md, "Auth and sessions" and "Users").
#include "routes.hpp"

#include <boost/json/array.hpp>

#include "veche/accounts/user_json.hpp"
#include "veche/core/json.hpp"
#include "veche/core/text.hpp"

namespace veche::accounts {
namespace {

namespace bj = boost::json;
using api::ErrorResponse;
using api::Json;
using api::JsonBody;
using api::NoContent;
using api::PathId;
using api::QueryInt;
using api::Request;
using api::Response;
using api::Router;

constexpr json::StringLimits kProfileField{200, 0, true};

bj::object MeJson(AccountRoutes& s, const User& u) {
    bj::object o = UserToJson(u, s.accounts.EffectivePresence(u));
    o["must_change_password"] = u.must_change_password;
    return o;
}

// The cookie lives as long as the session may (its absolute lifetime); `Secure` when the public URL
// is https, so that it never travels in clear text.
std::string SessionCookie(AccountRoutes& s, const std::string& token, bool clear) {
    std::string attrs = "; Path=/; HttpOnly; SameSite=Lax";
    if (s.kit.secure_cookie) attrs += "; Secure";
    if (clear) return "veche_session=" + attrs + "; Max-Age=0";
    return "veche_session=" + token + attrs +
           "; Max-Age=" + std::to_string(s.accounts.session_limits().max_age_ms / 1000);
}

// The accounts module's own routes see the whole session (its user and session rows), where other
// modules see an api::Caller; the checks are the kit's, in the same order.
api::Router::Handler AuthedAccount(AccountRoutes& s,
                                   std::function<Result<Response>(Request&, const AuthContext&)> handler) {
    return [&s, handler = std::move(handler)](Request& request) -> Response {
        auto token = api::UsableToken(s.kit, request);
        if (!token.ok()) return ErrorResponse(token.error());
        auto ctx = s.accounts.Authenticate(*token);
        if (!ctx.ok()) return ErrorResponse(ctx.error());
        if (auto gate = api::CheckPasswordChangeGate(request, ctx->user.must_change_password); !gate.ok())
            return ErrorResponse(gate.error());
        auto result = handler(request, *ctx);
        if (!result.ok()) return ErrorResponse(result.error());
        return std::move(result).value();
    };
}

}  // namespace

void AddAccountRoutes(Router& router, AccountRoutes& s) {
    router.Add("POST", "/api/v1/auth/login", [&s](Request& req) -> Response {
        // Another site's page must not log the browser into an account of the attacker's choosing.
        if (auto origin = api::CheckRequestOrigin(s.kit, req); !origin.ok())
            return ErrorResponse(origin.error());
        // Before anything else: every attempt costs a password hash, right or wrong.
        if (auto limited = api::CheckRateOfAddress(s.kit, ratelimit::Action::kLogin, req); !limited.ok())
            return ErrorResponse(limited.error());
        auto body = JsonBody(req);
        if (!body.ok()) return ErrorResponse(body.error());
        auto username = json::ReqString(*body, "username", {64, 1});
        if (!username.ok()) return ErrorResponse(username.error());
        auto password = json::ReqString(*body, "password", {1024, 1});
        if (!password.ok()) return ErrorResponse(password.error());
        auto result = s.accounts.Login(*username, *password, req.remote_ip, req.user_agent);
        if (!result.ok()) return ErrorResponse(result.error());
        Response r = Json(200, bj::object{{"token", result->token},
                                          {"session", SessionToJson(result->session, true)},
                                          {"user", MeJson(s, result->user)}});
        r.headers.emplace_back("Set-Cookie", SessionCookie(s, result->token, false));
        return r;
    });

    router.Add("POST", "/api/v1/auth/logout",
               AuthedAccount(s, [&s](Request& req, const AuthContext& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(s.accounts.Logout(ctx, req.remote_ip));
                   Response r = NoContent();
                   r.headers.emplace_back("Set-Cookie", SessionCookie(s, "", true));
                   return r;
               }));

    router.Add("GET", "/api/v1/auth/sessions",
               AuthedAccount(s, [&s](Request&, const AuthContext& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto sessions, s.accounts.ListSessions(ctx.user.id));
                   bj::array arr;
                   for (const auto& x : sessions) arr.push_back(SessionToJson(x, x.id == ctx.session.id));
                   return Json(200, bj::object{{"sessions", std::move(arr)}});
               }));

    router.Add("DELETE", "/api/v1/auth/sessions/{id}",
               AuthedAccount(s, [&s](Request& req, const AuthContext& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_RETURN_IF_ERROR(s.accounts.RevokeSession(ctx.user.id, id, req.remote_ip));
                   return NoContent();
               }));

    router.Add("GET", "/api/v1/users/me",
               AuthedAccount(s, [&s](Request&, const AuthContext& ctx) -> Result<Response> {
                   return Json(200, MeJson(s, ctx.user));
               }));

    router.Add(
        "PATCH", "/api/v1/users/me",
        AuthedAccount(s, [&s](Request& req, const AuthContext& ctx) -> Result<Response> {
            VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
            ProfileUpdate up;
            VECHE_ASSIGN_OR_RETURN(up.display_name, json::OptString(body, "display_name", {100, 0, true}));
            VECHE_ASSIGN_OR_RETURN(up.position, json::OptString(body, "position", kProfileField));
            VECHE_ASSIGN_OR_RETURN(up.department, json::OptString(body, "department", kProfileField));
            VECHE_ASSIGN_OR_RETURN(up.site, json::OptString(body, "site", kProfileField));
            VECHE_ASSIGN_OR_RETURN(up.status_text, json::OptString(body, "status_text", kProfileField));
            VECHE_ASSIGN_OR_RETURN(auto user, s.accounts.UpdateProfile(ctx.user.id, up));
            return Json(200, MeJson(s, user));
        }));

    router.Add("PUT", "/api/v1/users/me/presence",
               AuthedAccount(s, [&s](Request& req, const AuthContext& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto presence, json::ReqString(body, "presence", {16, 1}));
                   VECHE_ASSIGN_OR_RETURN(auto user, s.accounts.SetPresence(ctx.user.id, presence));
                   return Json(200, MeJson(s, user));
               }));

    router.Add("POST", "/api/v1/users/me/password",
               AuthedAccount(s, [&s](Request& req, const AuthContext& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto old_pw, json::ReqString(body, "old_password", {1024, 1}));
                   VECHE_ASSIGN_OR_RETURN(auto new_pw, json::ReqString(body, "new_password", {1024, 1}));
                   VECHE_RETURN_IF_ERROR(s.accounts.ChangePassword(ctx, old_pw, new_pw, req.remote_ip));
                   return NoContent();
               }));

    router.Add("GET", "/api/v1/users",
               AuthedAccount(s, [&s](Request& req, const AuthContext& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto limit, QueryInt(req, "limit", 1, 200));
                   std::string query = req.query.count("query") ? req.query.at("query") : "";
                   if (text::CodePointCount(query) > 100)
                       return Error::InvalidArgument("query parameter 'query' is too long");
                   VECHE_ASSIGN_OR_RETURN(
                       auto users,
                       s.accounts.SearchUsersAs(ctx.user, query, static_cast<int>(limit.value_or(50))));
                   bj::array arr;
                   for (const auto& u : users) arr.push_back(UserToJson(u, s.accounts.EffectivePresence(u)));
                   return Json(200, bj::object{{"users", std::move(arr)}});
               }));

    router.Add("GET", "/api/v1/users/{id}",
               AuthedAccount(s, [&s](Request& req, const AuthContext& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto user, s.accounts.GetUserAs(ctx.user, id));
                   return Json(200, UserToJson(user, s.accounts.EffectivePresence(user)));
               }));

    router.Add(
        "POST", "/api/v1/users",
        AuthedAccount(s, [&s](Request& req, const AuthContext& ctx) -> Result<Response> {
            VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
            NewUser spec;
            VECHE_ASSIGN_OR_RETURN(spec.username, json::ReqString(body, "username", {32, 1, true}));
            VECHE_ASSIGN_OR_RETURN(spec.password, json::OptString(body, "password", {256, 0}));
            VECHE_ASSIGN_OR_RETURN(auto display, json::OptString(body, "display_name", {100, 0, true}));
            VECHE_ASSIGN_OR_RETURN(auto role, json::OptString(body, "role", {16, 1}));
            spec.display_name = display.value_or("");
            spec.role = role.value_or("user");
            VECHE_ASSIGN_OR_RETURN(auto created, s.accounts.CreateUser(ctx.user, spec, req.remote_ip));
            bj::object o = UserToJson(created.user, "offline");
            if (created.generated_password) o["password"] = *created.generated_password;
            return Json(201, o);
        }));

    router.Add("PATCH", "/api/v1/users/{id}",
               AuthedAccount(s, [&s](Request& req, const AuthContext& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto role, json::OptString(body, "role", {16, 1}));
                   VECHE_ASSIGN_OR_RETURN(auto deactivated, json::OptBool(body, "deactivated"));
                   VECHE_ASSIGN_OR_RETURN(
                       auto user, s.accounts.UpdateUser(ctx.user, id, role, deactivated, req.remote_ip));
                   return Json(200, UserToJson(user, s.accounts.EffectivePresence(user)));
               }));

    router.Add("POST", "/api/v1/users/{id}/password",
               AuthedAccount(s, [&s](Request& req, const AuthContext& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   std::optional<std::string> password;
                   if (!req.body.empty()) {
                       VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                       VECHE_ASSIGN_OR_RETURN(password, json::OptString(body, "password", {256, 0}));
                   }
                   VECHE_ASSIGN_OR_RETURN(auto pw,
                                          s.accounts.ResetPassword(ctx.user, id, password, req.remote_ip));
                   return Json(200, bj::object{{"password", pw}});
               }));
}

}  // namespace veche::accounts
