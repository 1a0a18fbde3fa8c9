#pragma once
// Which pages may use an inbox's widget (docs/api.md, "Cross-origin requests"): an inbox lists its
// allowed origins, or none (any origin). Pure functions; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "veche/core/error.hpp"

namespace veche::support {

// "HTTPS://Shop.example/" → "https://shop.example": what a browser's Origin header says for that page.
// 400 invalid_argument for anything but an http(s) scheme and a host with an optional port, and for
// more than 50. Duplicates are dropped.
Result<std::vector<std::string>> NormalizeOrigins(const std::vector<std::string>& origins);

// The inboxes a widget request names, as the rule reads them: each restricted inbox's allowed
// origins (an open inbox, or one not found, adds no list).
using OriginLists = std::vector<std::vector<std::string>>;

// The CORS answer to a request's Origin header under those lists: any origin when no list is named;
// else only an origin that every list holds (compared case-insensitively). A request without Origin
// is not a page's and is allowed, with no CORS header.
struct CorsVerdict {
    bool allowed = true;
    std::string allow_origin;  // Access-Control-Allow-Origin: "*", the request's origin, or "" (none)
    bool vary = false;         // the answer depends on Origin (a restricted inbox is named)
};
CorsVerdict JudgeOrigin(std::string_view origin, const OriginLists& lists);

}  // namespace veche::support
