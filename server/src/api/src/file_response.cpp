#include "veche/api/file_response.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>

namespace veche::api {
namespace {

// One "bytes=a-b" range (RFC 9110 §14.1.2); nullopt = serve everything; error = unsatisfiable.
Result<std::optional<std::pair<std::uint64_t, std::uint64_t>>> ParseRange(std::string_view header,
                                                                          std::uint64_t size) {
    using R = std::optional<std::pair<std::uint64_t, std::uint64_t>>;
    if (header.empty() || header.substr(0, 6) != "bytes=") return R();
    std::string_view spec = header.substr(6);
    if (spec.find(',') != std::string_view::npos) return R();  // multiple ranges: send the whole file
    auto dash = spec.find('-');
    if (dash == std::string_view::npos) return R();
    auto num = [](std::string_view s, std::uint64_t& v) {
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        return !s.empty() && ec == std::errc() && p == s.data() + s.size();
    };
    std::uint64_t a = 0, b = 0;
    Error unsatisfiable{ErrorCode::kInvalidArgument, "range_not_satisfiable",
                        "requested range is not satisfiable"};
    if (dash == 0) {  // suffix: the last N bytes
        if (!num(spec.substr(1), b) || b == 0) return unsatisfiable;
        if (size == 0) return unsatisfiable;
        b = std::min(b, size);
        return R(std::make_pair(size - b, size - 1));
    }
    if (!num(spec.substr(0, dash), a)) return R();
    if (dash + 1 == spec.size()) {
        b = size - 1;
    } else if (!num(spec.substr(dash + 1), b)) {
        return R();
    }
    if (a >= size || b < a) return unsatisfiable;
    return R(std::make_pair(a, std::min(b, size - 1)));
}

}  // namespace

Result<Response> ServeFile(const Request& req, const std::string& path, const std::string& content_type,
                           const std::string& disposition) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) return Error::NotFound("file");
    Response r;
    r.content_type = content_type;
    r.file_path = path;
    r.headers.emplace_back("Accept-Ranges", "bytes");
    r.headers.emplace_back("Content-Disposition", disposition);
    r.headers.emplace_back("Cache-Control", "private, max-age=86400");
    // Files are user content: never let a browser run them in our origin.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; img-src 'self'; media-src 'self'; sandbox");
    auto range = ParseRange(req.range, size);
    if (!range.ok()) {
        Response bad = ErrorResponse(range.error());
        bad.status = 416;
        bad.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
        return bad;
    }
    if (*range) {
        r.status = 206;
        r.file_offset = (*range)->first;
        r.file_length = (*range)->second - (*range)->first + 1;
        r.headers.emplace_back("Content-Range", "bytes " + std::to_string((*range)->first) + "-" +
                                                    std::to_string((*range)->second) + "/" +
                                                    std::to_string(size));
    } else {
        r.file_offset = 0;
        r.file_length = size;
    }
    return r;
}

}  // namespace veche::api
