#include "widget_http.hpp"

namespace veche::support {

Result<std::string> RequiredVisitor(const api::Request& request) {
    std::string token = api::BearerToken(request);
    if (token.empty())
        return Error{ErrorCode::kUnauthenticated, "visitor_unauthenticated", "a visitor token is required"};
    return token;
}

void AllowAnyOrigin(api::Response& response) { response.headers.emplace_back("Access-Control-Allow-Origin", "*"); }

api::Router::Handler WidgetHandler(std::function<Result<api::Response>(api::Request&)> fn) {
    return [fn = std::move(fn)](api::Request& req) -> api::Response {
        auto r = fn(req);
        api::Response res = r.ok() ? std::move(*r) : api::ErrorResponse(r.error());
        AllowAnyOrigin(res);
        return res;
    };
}

api::Response WidgetPreflight(api::Request&) {
    api::Response res = api::NoContent();
    AllowAnyOrigin(res);
    res.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST");
    res.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
    res.headers.emplace_back("Access-Control-Max-Age", "600");
    return res;
}

}  // namespace veche::support
