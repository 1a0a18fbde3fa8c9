#include "veche/api/router.hpp"

#include <optional>

#include "veche/core/text.hpp"

namespace veche::api {
std::vector<std::string_view> SplitPath(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') { ++i; continue; }
        std::size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        out.push_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
    Route r{std::move(method), pattern, {}, std::move(handler)};
    for (auto seg : SplitPath(pattern)) {
        r.segments.emplace_back(seg.size() > 1 && seg.front() == '{' ? std::string("{}") : std::string(seg));
    }
    routes_.push_back(std::move(r));
}

void Router::AddPreflight(std::string prefix, Handler handler) {
    preflights_.emplace_back(std::move(prefix), std::move(handler));
}

std::vector<Router::RouteName> Router::Routes() const {
    std::vector<RouteName> out;
    out.reserve(routes_.size());
    for (const auto& r : routes_) out.push_back({r.method, r.pattern});
    return out;
}

namespace {

bool IsPlainText(std::string_view s) {
    for (unsigned char c : s)
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return false;
    return text::IsValidUtf8(s);
}

}  // namespace

std::optional<Error> BadQueryParameter(const Request& request) {
    for (const auto& [key, value] : request.query) {
        if (IsPlainText(key) && IsPlainText(value)) continue;
        std::string name = IsPlainText(key) && key.size() <= 40 ? key : "?";
        return Error::InvalidArgument("query parameter '" + name + "' must be UTF-8 text without control characters");
    }
    return std::nullopt;
}

Response Router::Dispatch(Request& request, std::string& route) const {
    if (auto bad = BadQueryParameter(request)) {
        route = "unmatched";
        return ErrorResponse(*bad);
    }
    if (request.method == "OPTIONS") {
        for (const auto& [prefix, handler] : preflights_) {
            if (request.path.rfind(prefix, 0) == 0) {
                route = prefix + "*";
                return handler(request);
            }
        }
    }
    auto segments = SplitPath(request.path);
    bool path_matched = false;
    for (const auto& r : routes_) {
        if (r.segments.size() != segments.size()) continue;
        std::vector<std::string> params;
        bool match = true;
        for (std::size_t i = 0; i < segments.size() && match; ++i) {
            if (r.segments[i] == "{}") params.push_back(PercentDecode(segments[i], false));
            else match = r.segments[i] == segments[i];
        }
        if (!match) continue;
        path_matched = true;
        if (r.method != request.method && !(request.method == "HEAD" && r.method == "GET")) continue;
        route = r.pattern;
        request.params = std::move(params);
        return r.handler(request);
    }
    route = "unmatched";
    if (path_matched) return ErrorResponse({ErrorCode::kMethodNotAllowed, "method_not_allowed", "method not allowed"});
    return ErrorResponse({ErrorCode::kNotFound, "route_not_found", "no such endpoint"});
}

}  // namespace veche::api
