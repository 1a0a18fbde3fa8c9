#include "widget_http.hpp"

#include <boost/json/parse.hpp>
#include <optional>

namespace veche::support {

Result<std::string> RequiredVisitor(const api::Request& request) {
    std::string token = api::BearerToken(request);
    if (token.empty())
        return Error{ErrorCode::kUnauthenticated, "visitor_unauthenticated", "a visitor token is required"};
    return token;
}

std::vector<std::pair<std::string, std::string>> CorsHeaders(const CorsVerdict& verdict) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!verdict.allow_origin.empty()) out.emplace_back("Access-Control-Allow-Origin", verdict.allow_origin);
    if (verdict.vary) out.emplace_back("Vary", "Origin");
    return out;
}

Error OriginNotAllowed() {
    return {ErrorCode::kForbidden, "origin_not_allowed",
            "this inbox's widget does not serve pages of this origin"};
}

Result<CorsVerdict> WidgetGate::Judge(const api::Request& req) const {
    std::vector<std::string> inboxes;
    if (auto q = req.query.find("inbox"); q != req.query.end() && !q->second.empty())
        inboxes.push_back(q->second);
    if (!req.body.empty() && req.content_type.find("json") != std::string::npos) {
        boost::system::error_code ec;
        auto body = boost::json::parse(req.body, ec);
        if (!ec && body.is_object())
            if (const auto* inbox = body.get_object().if_contains("inbox"); inbox && inbox->is_string())
                inboxes.emplace_back(inbox->get_string());
    }
    VECHE_ASSIGN_OR_RETURN(auto lists, desk_.WidgetOrigins(api::BearerToken(req), inboxes));
    return JudgeOrigin(req.origin, lists);
}

namespace {

void AddHeaders(const CorsVerdict& v, api::Response& res) {
    for (auto& h : CorsHeaders(v)) res.headers.push_back(std::move(h));
}

// The answer that ends the request before its handler: the store failed, or the origin is refused.
std::optional<api::Response> Refusal(Result<CorsVerdict>& verdict) {
    if (!verdict.ok()) return api::ErrorResponse(verdict.error());
    if (verdict->allowed) return std::nullopt;
    api::Response refused = api::ErrorResponse(OriginNotAllowed());
    AddHeaders(*verdict, refused);
    return refused;
}

}  // namespace

api::Router::Handler WidgetHandler(const WidgetGate& gate,
                                   std::function<Result<api::Response>(api::Request&)> fn) {
    return [&gate, fn = std::move(fn)](api::Request& req) -> api::Response {
        auto verdict = gate.Judge(req);
        if (auto refused = Refusal(verdict)) return std::move(*refused);
        auto r = fn(req);
        api::Response res = r.ok() ? std::move(*r) : api::ErrorResponse(r.error());
        AddHeaders(*verdict, res);
        return res;
    };
}

api::Router::Handler WidgetPreflight(const WidgetGate& gate) {
    return [&gate](api::Request& req) -> api::Response {
        auto verdict = gate.Judge(req);
        if (auto refused = Refusal(verdict)) return std::move(*refused);
        api::Response res = api::NoContent();
        AddHeaders(*verdict, res);
        res.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST");
        res.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
        res.headers.emplace_back("Access-Control-Max-Age", "600");
        return res;
    };
}

}  // namespace veche::support
