// Writing responses: an api::Response as one buffered Beast response, or a stored file range
// streamed from disk in chunks, each write under the request deadline.

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "transport.hpp"

namespace veche::http {

std::string NextRequestId() {
    static std::atomic<std::uint64_t> counter{0};
    static const std::uint64_t salt =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) & 0xFFFFFF;
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%06llx-%llx", static_cast<unsigned long long>(salt),
                  static_cast<unsigned long long>(counter.fetch_add(1) + 1));
    return buf;
}

api::Response ErrorFor(ErrorCode code, std::string api_code, std::string message) {
    return api::ErrorResponse(Error{code, std::move(api_code), std::move(message)});
}

bhttp::response<bhttp::string_body> ToBeast(const api::Response& r, unsigned version, bool keep_alive,
                                            const std::string& request_id) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
    res.set(bhttp::field::server, "veche");
    if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
    res.set("X-Request-Id", request_id);
    // Never let a browser guess another type than the one declared (a JSON body sniffed as HTML).
    res.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : r.headers) res.insert(k, v);
    res.body() = r.body;
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

awaitable<bool> Server::Impl::WriteResponse(beast::tcp_stream& stream, const api::Response& r,
                                            unsigned version, bool keep_alive, const std::string& request_id,
                                            bool head) {
    if (r.file_path.empty()) {
        auto res = ToBeast(r, version, keep_alive, request_id);
        if (head) res.body().clear();
        stream.expires_after(kRequestTimeout);
        auto [ec, n] = co_await bhttp::async_write(stream, res, kTuple);
        co_return !ec;
    }
    // Stream the file range in 64 KiB chunks: a large download never sits in memory whole.
    int fd = ::open(r.file_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        spdlog::error("request_id={} cannot open stored file {}", request_id, r.file_path);
        auto res = ToBeast(ErrorFor(ErrorCode::kNotFound, "file_not_found", "file not found"), version,
                           keep_alive, request_id);
        auto [ec, n] = co_await bhttp::async_write(stream, res, kTuple);
        co_return !ec;
    }
    bhttp::response<bhttp::buffer_body> res{static_cast<bhttp::status>(r.status), version};
    res.set(bhttp::field::server, "veche");
    res.set(bhttp::field::content_type, r.content_type);
    res.set("X-Request-Id", request_id);
    res.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : r.headers) res.insert(k, v);
    res.keep_alive(keep_alive);
    res.content_length(r.file_length);
    res.body().data = nullptr;
    res.body().more = true;
    bhttp::response_serializer<bhttp::buffer_body> sr{res};
    stream.expires_after(kRequestTimeout);
    auto [hec, hn] = co_await bhttp::async_write_header(stream, sr, kTuple);
    bool ok = !hec;
    if (ok && !head) {
        std::vector<char> buf(64 * 1024);
        std::uint64_t offset = r.file_offset, left = r.file_length;
        while (left > 0) {
            ssize_t n =
                ::pread(fd, buf.data(), static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), left)),
                        static_cast<off_t>(offset));
            if (n <= 0) {
                ok = false;
                break;
            }
            res.body().data = buf.data();
            res.body().size = static_cast<std::size_t>(n);
            res.body().more = left > static_cast<std::uint64_t>(n);
            stream.expires_after(kRequestTimeout);
            auto [ec, w] = co_await bhttp::async_write(stream, sr, kTuple);
            if (ec == bhttp::error::need_buffer) ec = {};
            if (ec) {
                ok = false;
                break;
            }
            offset += static_cast<std::uint64_t>(n);
            left -= static_cast<std::uint64_t>(n);
        }
    }
    ::close(fd);
    co_return ok;
}

}  // namespace veche::http
