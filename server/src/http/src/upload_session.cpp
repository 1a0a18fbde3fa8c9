// A streamed file upload: authorized on its header alone, its body written to the file store in
// chunks as it arrives, never held in memory whole.

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transport.hpp"
#include "veche/files/file_store.hpp"

namespace veche::http {

awaitable<bool> Server::Impl::HandleUpload(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                           bhttp::request_parser<bhttp::empty_body>& header_parser,
                                           api::Request& ar, api::UploadHandler& handler) {
    unsigned version = header_parser.get().version();
    auto start = std::chrono::steady_clock::now();
    const std::string route = "/api/v1/chats/{id}/files";
    std::vector<std::pair<std::string, std::string>> extra;  // the handler's ResponseHeaders
    // Every response to the upload goes through here: counted, logged, and given the handler's headers.
    auto finish_with = [&](api::Response& r) {
        r.headers.insert(r.headers.end(), extra.begin(), extra.end());
        m.requests(route, "POST", r.status)->Add();
        m.latency(route)->Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        spdlog::log(r.status >= 500   ? spdlog::level::err
                    : r.status >= 400 ? spdlog::level::info
                                      : spdlog::level::debug,
                    "request_id={} remote={} method=POST route={} status={}", ar.request_id, ar.remote_ip,
                    route, r.status);
    };
    active_requests++;
    struct Active {
        std::atomic<int>& n;
        ~Active() { n--; }
    } active{active_requests};

    auto authorize = [&handler, &ar, &extra]() {
        extra = handler.ResponseHeaders(ar);
        return handler.Authorize(ar);
    };
    auto ticket = co_await RunOnPool(pool, authorize);
    // An upload refused before its body is read ends the connection: the body is never consumed.
    if (!ticket.ok()) {
        auto err = api::ErrorResponse(ticket.error());
        finish_with(err);
        co_await WriteResponse(stream, err, version, false, ar.request_id, false);
        co_return false;
    }
    auto too_large = ErrorFor(ErrorCode::kPayloadTooLarge, "file_too_large",
                              "files are limited to " + std::to_string(ticket->max_bytes >> 20) + " MiB");
    auto declared = header_parser.content_length();
    // The body may take the size limit or what is left of the user's quota, whichever is less;
    // a declared length over either is refused before a byte of the body is read.
    std::uint64_t limit = ticket->max_bytes;
    bool quota_binds = ticket->quota_left && *ticket->quota_left < limit;
    if (quota_binds) limit = *ticket->quota_left;
    auto over_limit = quota_binds ? api::ErrorResponse(handler.QuotaExceeded()) : too_large;
    std::optional<api::Response> refusal;
    if (declared && *declared > ticket->max_bytes) {
        refusal = too_large;
    } else if (declared && *declared > limit) {
        refusal = over_limit;
    } else if (auto free = services.files.FreeBytes(); declared && free && *declared > *free) {
        refusal = api::ErrorResponse(Error::StorageFull());
    }
    if (refusal) {
        finish_with(*refusal);
        co_await WriteResponse(stream, *refusal, version, false, ar.request_id, false);
        co_return false;
    }
    if (beast::iequals(ar.expect, "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
        co_await bhttp::async_write(stream, cont, kTuple);
    }
    auto begun = services.files.BeginUpload();
    if (!begun.ok()) {
        auto err = api::ErrorResponse(begun.error());
        finish_with(err);
        co_await WriteResponse(stream, err, version, false, ar.request_id, false);
        co_return false;
    }
    std::unique_ptr<files::Upload> upload = std::move(*begun);
    bhttp::request_parser<bhttp::buffer_body> p{std::move(header_parser)};
    p.body_limit(limit);
    std::vector<char> buf(64 * 1024);
    while (!p.is_done()) {
        p.get().body().data = buf.data();
        p.get().body().size = buf.size();
        stream.expires_after(kRequestTimeout);
        auto [ec, n] = co_await bhttp::async_read(stream, buffer, p, kTuple);
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec) {
            // The partial file is removed with `upload`.
            if (ec == bhttp::error::body_limit) {
                finish_with(over_limit);
                co_await WriteResponse(stream, over_limit, version, false, ar.request_id, false);
            }
            co_return false;
        }
        std::size_t got = buf.size() - p.get().body().size;
        if (got > 0) {
            auto st = upload->Write(buf.data(), got);
            if (!st.ok()) {
                auto err = api::ErrorResponse(st.error());
                finish_with(err);
                co_await WriteResponse(stream, err, version, false, ar.request_id, false);
                co_return false;
            }
        }
    }
    bool keep_alive = p.get().keep_alive() && !stopping;
    auto complete = [&handler, &ticket, &upload]() { return handler.Complete(*ticket, std::move(upload)); };
    api::Response res = co_await RunOnPool(pool, complete);
    finish_with(res);
    bool ok = co_await WriteResponse(stream, res, version, keep_alive, ar.request_id, false);
    co_return ok&& keep_alive;
}

}  // namespace veche::http
