#include "veche/api/kit.hpp"

#include <charconv>

#include "veche/core/json.hpp"
#include "veche/core/text.hpp"

namespace veche::api {

std::string BearerToken(const Request& request) {
    std::string_view auth = request.authorization;
    if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer "))
        return std::string(text::Trim(auth.substr(7)));
    return {};
}

std::string TokenOf(const Request& request) {
    if (auto bearer = BearerToken(request); !bearer.empty()) return bearer;
    std::string_view cookies = request.cookie;
    while (!cookies.empty()) {
        auto semi = cookies.find(';');
        std::string_view c = text::Trim(cookies.substr(0, semi));
        cookies = semi == std::string_view::npos ? std::string_view() : cookies.substr(semi + 1);
        if (c.substr(0, 14) == "veche_session=") return std::string(c.substr(14));
    }
    return {};
}

namespace {

bool HasBearer(const Request& request) {
    std::string_view auth = request.authorization;
    return auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ");
}

// "scheme://host[:port]" of an Origin header, lower-cased; "" for "null" or anything malformed.
std::string NormalizeOrigin(std::string_view origin) {
    std::string o = text::ToLowerAscii(text::Trim(origin));
    auto scheme = o.find("://");
    if (scheme == std::string::npos || scheme == 0 || o.size() == scheme + 3) return {};
    if (o.find('/', scheme + 3) != std::string::npos) return {};
    return o;
}

bool OriginAllowed(const HttpKit& s, const Request& request) {
    std::string origin = NormalizeOrigin(request.origin);
    if (origin.empty()) return false;
    // The server's own pages: the Origin names the host the browser sent the request to. A page of
    // another site cannot produce that pair, and a non-browser client does not hold the user's cookie.
    std::string_view authority = std::string_view(origin).substr(origin.find("://") + 3);
    if (!request.host.empty() && authority == text::ToLowerAscii(text::Trim(request.host))) return true;
    for (const auto& allowed : s.allowed_origins)
        if (origin == allowed) return true;
    return false;
}

bool ChangesState(const Request& request) {
    return request.method != "GET" && request.method != "HEAD" && request.method != "OPTIONS";
}

// What a user who must replace the password may still do.
bool AllowedBeforePasswordChange(const Request& request) {
    return (request.method == "POST" && request.path == "/api/v1/users/me/password") ||
           ((request.method == "GET" || request.method == "HEAD") && request.path == "/api/v1/users/me") ||
           (request.method == "POST" && request.path == "/api/v1/auth/logout");
}

}  // namespace

Status CheckRequestOrigin(const HttpKit& s, const Request& request) {
    static const Error kRefused{ErrorCode::kForbidden, "cross_origin_request",
                                "this request must come from the web client's own origin"};
    if (!request.origin.empty()) return OriginAllowed(s, request) ? Status() : Status(kRefused);
    // No Origin: a browser always sends one with a cross-site POST or WebSocket, so only its
    // Fetch Metadata can still tell.
    const auto& site = request.sec_fetch_site;
    if (!site.empty() && site != "same-origin" && site != "none") return kRefused;
    return {};
}

Result<std::string> UsableToken(const HttpKit& kit, const Request& request) {
    std::string token = TokenOf(request);
    if (token.empty()) return Error::Unauthenticated();
    // A browser attaches the cookie to requests any page starts, never an Authorization header.
    bool by_cookie = !HasBearer(request);
    if (by_cookie && (ChangesState(request) || request.path == "/api/v1/ws"))
        VECHE_RETURN_IF_ERROR(CheckRequestOrigin(kit, request));
    return token;
}

Status CheckPasswordChangeGate(const Request& request, bool must_change_password) {
    if (must_change_password && !AllowedBeforePasswordChange(request))
        return Error{ErrorCode::kForbidden, "password_change_required",
                     "change your password first (POST /api/v1/users/me/password)"};
    return {};
}

Result<Caller> AuthenticateRequest(const HttpKit& kit, const Request& request) {
    VECHE_ASSIGN_OR_RETURN(std::string token, UsableToken(kit, request));
    if (!kit.authenticator) return Error::Internal("no authenticator: the accounts module did not start");
    VECHE_ASSIGN_OR_RETURN(Caller caller, kit.authenticator->Authenticate(token));
    VECHE_RETURN_IF_ERROR(CheckPasswordChangeGate(request, caller.must_change_password));
    return caller;
}

Router::Handler Authed(const HttpKit& kit, AuthedHandler handler) {
    return [&kit, handler = std::move(handler)](Request& request) -> Response {
        auto caller = AuthenticateRequest(kit, request);
        if (!caller.ok()) return ErrorResponse(caller.error());
        auto result = handler(request, *caller);
        if (!result.ok()) return ErrorResponse(result.error());
        return std::move(result).value();
    };
}

Result<boost::json::object> JsonBody(const Request& request) {
    std::string_view ct = request.content_type;
    auto semi = ct.find(';');
    std::string type = text::ToLowerAscii(text::Trim(ct.substr(0, semi)));
    if (!type.empty() && type != "application/json")
        return Error{ErrorCode::kUnsupportedMediaType, "unsupported_media_type", "send application/json"};
    return json::ParseObject(request.body);
}

Result<Id> PathId(const Request& request, std::size_t index) {
    if (index >= request.params.size()) return Error::InvalidArgument("missing id in path");
    auto id = ParseId(request.params[index]);
    if (!id) return Error::InvalidArgument("'" + request.params[index].substr(0, 40) + "' is not an id");
    return *id;
}

Result<std::optional<Id>> QueryId(const Request& request, const std::string& name) {
    auto it = request.query.find(name);
    if (it == request.query.end() || it->second.empty()) return std::optional<Id>();
    auto id = ParseId(it->second);
    if (!id) return Error::InvalidArgument("query parameter '" + name + "' must be an id");
    return std::optional<Id>(*id);
}

Result<std::optional<std::int64_t>> QueryInt(const Request& request, const std::string& name,
                                             std::int64_t min, std::int64_t max) {
    auto it = request.query.find(name);
    if (it == request.query.end() || it->second.empty()) return std::optional<std::int64_t>();
    std::int64_t v = 0;
    const auto& s = it->second;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || v < min || v > max)
        return Error::InvalidArgument("query parameter '" + name + "' must be an integer from " +
                                      std::to_string(min) + " to " + std::to_string(max));
    return std::optional<std::int64_t>(v);
}

Status CheckRate(const HttpKit& kit, ratelimit::Action action, Id user_id) {
    if (!kit.limiter) return {};
    return kit.limiter->Check(action, "u:" + IdToString(user_id));
}

Status CheckRateOfAddress(const HttpKit& kit, ratelimit::Action action, const Request& request) {
    if (!kit.limiter) return {};
    return kit.limiter->Check(action, "ip:" + request.remote_ip);
}

}  // namespace veche::api
