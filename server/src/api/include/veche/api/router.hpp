#pragma once
// Maps method + path pattern ("/api/v1/chats/{id}/messages") to a handler. Unknown path →
// 404 route_not_found; known path, other method → 405 method_not_allowed.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veche/api/http_types.hpp"

namespace veche::api {

// Query parameters reach SQL engines and tokenizers that read C strings (FTS5 stops at a NUL) and
// PostgreSQL, whose text has no NUL: a parameter must be UTF-8 without control characters other
// than tab and line breaks (else 400 invalid_argument). Dispatch checks it for every route.
std::optional<Error> BadQueryParameter(const Request& request);

// The non-empty segments of a path ("/a//b/" → {"a", "b"}), not decoded.
std::vector<std::string_view> SplitPath(std::string_view path);

class Router {
public:
    using Handler = std::function<Response(Request&)>;

    void Add(std::string method, std::string pattern, Handler handler);
    // CORS preflights (OPTIONS) of the paths under `prefix` ("/api/v1/support/widget/"): answered
    // by `handler` instead of 405. Not a route of its own (Routes() omits it); every other path
    // keeps refusing OPTIONS, so no other route ever answers a cross-origin preflight.
    void AddPreflight(std::string prefix, Handler handler);
    // Fills request.params; `route` receives the matched pattern (for metrics) or "unmatched".
    Response Dispatch(Request& request, std::string& route) const;

    struct RouteName {
        std::string method;
        std::string pattern;  // as registered: "/api/v1/chats/{id}/messages"
    };
    // Every route in registration order (`veche routes`, and the suite's sweep of every route).
    std::vector<RouteName> Routes() const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;  // "{}" marks a parameter
        Handler handler;
    };
    std::vector<Route> routes_;
    std::vector<std::pair<std::string, Handler>> preflights_;
};

}  // namespace veche::api
