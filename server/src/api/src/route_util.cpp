#include "route_util.hpp"

#include <charconv>

#include "veche/core/text.hpp"

namespace veche::api {

std::string TokenOf(const Request& request) {
    std::string_view auth = request.authorization;
    if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer "))
        return std::string(text::Trim(auth.substr(7)));
    std::string_view cookies = request.cookie;
    while (!cookies.empty()) {
        auto semi = cookies.find(';');
        std::string_view c = text::Trim(cookies.substr(0, semi));
        cookies = semi == std::string_view::npos ? std::string_view() : cookies.substr(semi + 1);
        if (c.substr(0, 14) == "veche_session=") return std::string(c.substr(14));
    }
    return {};
}

Router::Handler Authed(Services& services, AuthedHandler handler) {
    return [&services, handler = std::move(handler)](Request& request) -> Response {
        std::string token = TokenOf(request);
        if (token.empty()) return ErrorResponse(Error::Unauthenticated());
        auto ctx = services.accounts.Authenticate(token);
        if (!ctx.ok()) return ErrorResponse(ctx.error());
        auto result = handler(request, *ctx);
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

Result<std::optional<std::int64_t>> QueryInt(const Request& request, const std::string& name, std::int64_t min,
                                             std::int64_t max) {
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

chat::Actor ActorOf(const accounts::AuthContext& ctx) { return {ctx.user.id, ctx.user.is_admin()}; }

}  // namespace veche::api
