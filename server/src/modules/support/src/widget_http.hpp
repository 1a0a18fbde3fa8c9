#pragma once
// What every route of the widget's visitors shares (routes_widget.cpp, widget_files.cpp, the CSAT
// routes): the visitor token, and CORS (docs/api.md, "Cross-origin requests"). The widget runs on
// the company's pages, so these routes, and only these, answer other origins: any origin, unless an
// inbox the request names lists its allowed origins, and then only those (a request from another
// page is refused before it does anything; one without Origin, a server's, is not a page's). The
// visitor token travels in the Authorization header, never in a cookie, so no credentials are
// allowed and a page cannot act as a signed-in user here.
//
// Thread safety: a WidgetGate is read-only after construction; call it from worker threads (it reads
// the store).

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "veche/api/http_types.hpp"
#include "veche/api/router.hpp"
#include "veche/core/error.hpp"
#include "veche/support/desk.hpp"
#include "veche/support/widget_origins.hpp"

namespace veche::support {

// The bearer visitor token, or 401 visitor_unauthenticated.
Result<std::string> RequiredVisitor(const api::Request& request);

// Access-Control-Allow-Origin and Vary as the verdict says (JudgeOrigin, widget_origins.hpp).
std::vector<std::pair<std::string, std::string>> CorsHeaders(const CorsVerdict& verdict);
// 403 origin_not_allowed.
Error OriginNotAllowed();

class WidgetGate {
public:
    explicit WidgetGate(SupportDesk& desk) : desk_(desk) {}
    // The verdict for the request's Origin under the inboxes it names: its bearer token's, the
    // `inbox` query parameter, the `inbox` of a JSON body. An error only when the store cannot be read.
    Result<CorsVerdict> Judge(const api::Request& request) const;

private:
    SupportDesk& desk_;
};

// `fn` as a route: refused with 403 origin_not_allowed before it runs when the request's origin may
// not use the inboxes it names; its error as the error response; the verdict's CORS headers on either.
api::Router::Handler WidgetHandler(const WidgetGate& gate,
                                   std::function<Result<api::Response>(api::Request&)> fn);
// The answer to a preflight under /api/v1/support/widget/ (the widget names its inbox in the query,
// as a preflight carries no Authorization).
api::Router::Handler WidgetPreflight(const WidgetGate& gate);

}  // namespace veche::support
