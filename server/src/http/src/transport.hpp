#pragma once
// Private to veche_http: what the pieces of the transport share. Server::Impl (the state of one
// server: options, io_context, worker pool, acceptor, drain counters), the hop to the worker pool,
// the conversion of an api::Response to Beast, request ids, timeouts and metrics handles.
// The connection code in src/ includes this header; nothing outside veche_http does.

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <csignal>
#include <string>
#include <type_traits>
#include <utility>

#include "veche/api/http_types.hpp"
#include "veche/api/kit.hpp"
#include "veche/api/uploads.hpp"
#include "veche/core/error.hpp"
#include "veche/core/metrics.hpp"
#include "veche/http/server.hpp"

namespace veche::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
inline constexpr auto kTuple = asio::as_tuple(use_awaitable);

// The deadline on every HTTP read and write of a request (header, body, response chunk).
inline constexpr auto kRequestTimeout = std::chrono::seconds(30);

// Runs `fn` on the worker pool and resumes the calling coroutine on its own executor with the result.
// `fn` must be a named object in the caller's coroutine frame (it outlives the call: the caller is
// suspended until the result is posted back). GCC 12 destroys class-type temporaries inside a
// co_await expression twice, so nothing but pointers may travel through the initiation.
template <class F>
auto RunOnPool(asio::thread_pool& pool, F& fn) {
    using R = std::invoke_result_t<F&>;
    F* f = &fn;
    return asio::async_initiate<decltype(use_awaitable), void(R)>(
        [&pool, f](auto handler) {
            asio::post(pool, [handler = std::move(handler), f]() mutable {
                R result = (*f)();
                auto ex = asio::get_associated_executor(handler);
                asio::post(ex, [handler = std::move(handler), result = std::move(result)]() mutable {
                    std::move(handler)(std::move(result));
                });
            });
        },
        use_awaitable);
}

// A process-unique id for logs and the X-Request-Id header. Thread-safe.
std::string NextRequestId();

api::Response ErrorFor(ErrorCode code, std::string api_code, std::string message);

bhttp::response<bhttp::string_body> ToBeast(const api::Response& r, unsigned version, bool keep_alive,
                                            const std::string& request_id);

// Coalescing at work: frames written / writes is the mean number of frames per sendmsg batch.
metrics::Counter* WsWrites();
metrics::Counter* WsFramesWritten();

struct Metrics {
    metrics::Registry& reg = metrics::Global();
    metrics::Counter* requests(const std::string& route, const std::string& method, int status) {
        return reg.GetCounter("veche_http_requests_total", "HTTP requests by route and status",
                              {{"route", route}, {"method", method}, {"status", std::to_string(status)}});
    }
    metrics::Histogram* latency(const std::string& route) {
        return reg.GetHistogram("veche_http_request_seconds", "HTTP request latency by route",
                                metrics::LatencyBuckets(), {{"route", route}});
    }
};

// Threads: the io_context runs on options.io_threads threads, each connection on its own strand;
// handlers run on `pool`. The counters are atomic: every connection's strand touches them.
struct Server::Impl {
    ServerOptions options;
    api::Router& router;
    TransportServices services;
    asio::io_context ioc;
    asio::thread_pool pool;
    tcp::acceptor acceptor{ioc};
    asio::signal_set signals{ioc, SIGTERM, SIGINT};
    std::atomic<int> active_requests{0};
    std::atomic<bool> stopping{false};
    Metrics m;

    Impl(ServerOptions o, api::Router& r, TransportServices s);

    // server.cpp: accepts until the acceptor closes; the drain on SIGTERM/SIGINT or Stop().
    awaitable<void> Listen();
    void BeginShutdown();

    // http_session.cpp: one connection's request loop; Handle routes one parsed request on the
    // worker pool, with its metrics and log line.
    awaitable<void> HttpSession(tcp::socket socket);
    api::Response Handle(api::Request& req);

    // response_writer.cpp: a buffered response, or a file range streamed in chunks. Returns false
    // when the write failed (the connection is then done).
    awaitable<bool> WriteResponse(beast::tcp_stream& stream, const api::Response& r, unsigned version,
                                  bool keep_alive, const std::string& request_id, bool head);

    // upload_session.cpp: an upload whose header has been read; authorized before its body is.
    // Returns whether the connection may carry another request.
    awaitable<bool> HandleUpload(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                 bhttp::request_parser<bhttp::empty_body>& header_parser, api::Request& ar,
                                 api::UploadHandler& handler);

    // static_files.cpp: the built web client below options.static_dir.
    api::Response ServeStatic(const std::string& path);

    // ws_session.cpp: authenticates the upgrade, completes the handshake and serves the connection.
    awaitable<void> StartWebSocket(beast::tcp_stream stream, bhttp::request<bhttp::string_body> req,
                                   std::string remote_ip);
};

}  // namespace veche::http
