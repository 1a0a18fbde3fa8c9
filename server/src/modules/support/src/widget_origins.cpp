#include "veche/support/widget_origins.hpp"

#include <algorithm>

#include "veche/core/text.hpp"

namespace veche::support {

Result<std::vector<std::string>> NormalizeOrigins(const std::vector<std::string>& origins) {
    constexpr std::size_t kMaxOrigins = 50;
    if (origins.size() > kMaxOrigins)
        return Error::InvalidArgument("field 'allowed_origins' has more than 50 entries");
    std::vector<std::string> out;
    for (std::size_t n = 0; n < origins.size(); ++n) {
        std::string o = text::ToLowerAscii(text::Trim(origins[n]));
        if (!o.empty() && o.back() == '/') o.pop_back();
        auto bad = [n] {
            return Error::InvalidArgument(
                "entry " + std::to_string(n + 1) +
                " of 'allowed_origins' is not an origin (scheme and host: https://shop.example)");
        };
        std::size_t host = o.rfind("https://", 0) == 0 ? 8 : o.rfind("http://", 0) == 0 ? 7 : 0;
        if (!host || o.size() == host || o.size() > 200) return bad();
        for (std::size_t k = host; k < o.size(); ++k) {
            char c = o[k];
            bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':' ||
                      c == '[' || c == ']';
            if (!ok) return bad();
        }
        if (std::find(out.begin(), out.end(), o) == out.end()) out.push_back(std::move(o));
    }
    return out;
}

CorsVerdict JudgeOrigin(std::string_view origin, const OriginLists& lists) {
    CorsVerdict v;
    if (lists.empty()) {
        v.allow_origin = "*";
        return v;
    }
    v.vary = true;
    std::string_view sent = text::Trim(origin);
    if (sent.empty()) return v;  // not a page: nothing for a browser to allow
    std::string o = text::ToLowerAscii(sent);
    for (const auto& list : lists) {
        if (std::find(list.begin(), list.end(), o) == list.end()) {
            v.allowed = false;
            return v;
        }
    }
    v.allow_origin = std::string(sent);
    return v;
}

}  // namespace veche::support
