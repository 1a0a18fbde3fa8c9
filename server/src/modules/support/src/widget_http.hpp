#pragma once
// What every route of the widget's visitors shares (routes_widget.cpp, widget_files.cpp, the CSAT
// routes): the visitor token, and CORS (docs/api.md, "Cross-origin requests"). The widget runs on
// the company's pages, so these routes, and only these, answer any origin. The visitor token travels
// in the Authorization header, never in a cookie, so no credentials are allowed and a page cannot act
// as a signed-in user here.

#include <functional>
#include <string>

#include "veche/api/http_types.hpp"
#include "veche/api/router.hpp"
#include "veche/core/error.hpp"

namespace veche::support {

// The bearer visitor token, or 401 visitor_unauthenticated.
Result<std::string> RequiredVisitor(const api::Request& request);
void AllowAnyOrigin(api::Response& response);
// `fn` as a route: its error as the error response, CORS on either.
api::Router::Handler WidgetHandler(std::function<Result<api::Response>(api::Request&)> fn);
// The answer to a preflight under /api/v1/support/widget/.
api::Response WidgetPreflight(api::Request& request);

}  // namespace veche::support
