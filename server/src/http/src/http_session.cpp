// One HTTP/1.1 connection: read a header, then its body under a limit (or hand an upload or a
// WebSocket upgrade on), run the handler on the worker pool, write the response; repeat while
// the connection is kept alive.

#include <spdlog/spdlog.h>

#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "transport.hpp"
#include "veche/api/router.hpp"
#include "veche/core/client_address.hpp"

namespace veche::http {

namespace websocket = beast::websocket;

namespace {

// The one place that decides a request's client address (login limits, sessions, rate limits, logs):
// the TCP peer, or what a trusted proxy forwarded. Repeated X-Forwarded-For lines are one list
// (RFC 9110 §5.3).
template <class Fields>
std::string ClientIp(const net::TrustedProxies& proxies, const std::string& peer, const Fields& headers) {
    if (proxies.empty()) return peer;
    std::string forwarded;
    auto range = headers.equal_range("X-Forwarded-For");
    for (auto it = range.first; it != range.second; ++it) {
        if (!forwarded.empty()) forwarded.push_back(',');
        forwarded.append(it->value());
    }
    return net::ClientAddress(proxies, peer, forwarded, headers["X-Real-IP"]);
}

}  // namespace

api::Response Server::Impl::Handle(api::Request& req) {
    auto start = std::chrono::steady_clock::now();
    std::string route = "unmatched";
    api::Response res;
    try {
        if (options.static_dir.size() && (req.method == "GET" || req.method == "HEAD") &&
            req.path.rfind("/api/", 0) != 0 && req.path.rfind("/.well-known/", 0) != 0 &&
            req.path != "/metrics") {
            res = ServeStatic(req.path);
            route = "static";
        } else {
            res = router.Dispatch(req, route);
        }
    } catch (const std::exception& e) {
        spdlog::error("request_id={} method={} path={} unhandled exception: {}", req.request_id, req.method,
                      req.path, e.what());
        res = ErrorFor(ErrorCode::kInternal, "internal", "internal error");
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m.requests(route, req.method, res.status)->Add();
    m.latency(route)->Observe(secs);
    auto level = res.status >= 500   ? spdlog::level::err
                 : res.status >= 400 ? spdlog::level::info
                                     : spdlog::level::debug;
    spdlog::log(level, "request_id={} remote={} method={} route={} status={} ms={:.2f}", req.request_id,
                req.remote_ip, req.method, route, res.status, secs * 1000);
    return res;
}

awaitable<void> Server::Impl::HttpSession(tcp::socket socket) {
    boost::system::error_code ep_ec;
    auto ep = socket.remote_endpoint(ep_ec);
    std::string peer_ip = ep_ec ? "" : ep.address().to_string();
    socket.set_option(tcp::no_delay(true), ep_ec);
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;

    for (;;) {
        // The header first: uploads are authorized before their body is read, and streamed.
        bhttp::request_parser<bhttp::empty_body> header_parser;
        header_parser.header_limit(16 * 1024);
        // Limits are set per kind of request below; Beast's default would refuse at the header.
        header_parser.body_limit(boost::none);
        stream.expires_after(kRequestTimeout);
        auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, header_parser, kTuple);
        boost::system::error_code ec = hec;
        std::optional<bhttp::request_parser<bhttp::string_body>> parser;
        if (!ec) {
            auto& h = header_parser.get();
            std::string htarget(h.target());
            api::Request probe;
            probe.method = std::string(h.method_string());
            probe.path = htarget.substr(0, htarget.find('?'));
            api::UploadHandler* upload_handler =
                websocket::is_upgrade(h) ? nullptr : services.uploads.Find(probe);
            if (upload_handler) {
                if (auto q = htarget.find('?'); q != std::string::npos)
                    probe.query = api::ParseQuery(std::string_view(htarget).substr(q + 1));
                probe.authorization = std::string(h[bhttp::field::authorization]);
                probe.cookie = std::string(h[bhttp::field::cookie]);
                probe.user_agent = std::string(h[bhttp::field::user_agent]);
                probe.expect = std::string(h[bhttp::field::expect]);
                probe.origin = std::string(h[bhttp::field::origin]);
                probe.host = std::string(h[bhttp::field::host]);
                probe.sec_fetch_site = std::string(h["Sec-Fetch-Site"]);
                probe.remote_ip = ClientIp(options.trusted_proxies, peer_ip, h);
                probe.request_id = NextRequestId();
                bool keep = co_await HandleUpload(stream, buffer, header_parser, probe, *upload_handler);
                if (!keep) break;
                continue;
            }
            auto declared = header_parser.content_length();
            if (declared && *declared > options.body_limit) {
                ec = bhttp::error::body_limit;  // refuse before the client sends it
            } else {
                if (beast::iequals(h[bhttp::field::expect], "100-continue")) {
                    bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, h.version()};
                    co_await bhttp::async_write(stream, cont, kTuple);
                }
                parser.emplace(std::move(header_parser));
                parser->body_limit(options.body_limit);
                auto [bec, bn] = co_await bhttp::async_read(stream, buffer, *parser, kTuple);
                ec = bec;
            }
        }
        if (ec) {
            api::Response err;
            if (ec == bhttp::error::body_limit) {
                err = ErrorFor(ErrorCode::kPayloadTooLarge, "body_too_large",
                               "request body is larger than 1 MiB");
            } else if (ec == bhttp::error::header_limit) {
                err = ErrorFor(ErrorCode::kPayloadTooLarge, "headers_too_large",
                               "request headers are too large");
                err.status = 431;
            } else if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                       ec == asio::error::connection_reset || ec == beast::error::timeout ||
                       ec == asio::error::operation_aborted || ec == bhttp::error::partial_message) {
                break;
            } else {
                err = ErrorFor(ErrorCode::kMalformedRequest, "malformed_request", "malformed HTTP request");
            }
            std::string rid = NextRequestId();
            m.requests("unparsed", "-", err.status)->Add();
            auto res = ToBeast(err, 11, false, rid);
            stream.expires_after(std::chrono::seconds(5));
            co_await bhttp::async_write(stream, res, kTuple);
            break;
        }
        bhttp::request<bhttp::string_body> req = parser->release();
        std::string target(req.target());
        std::string path = target.substr(0, target.find('?'));

        if (websocket::is_upgrade(req)) {
            if (path != "/api/v1/ws" || stopping) {
                auto res = ToBeast(ErrorFor(ErrorCode::kNotFound, "route_not_found", "no such endpoint"),
                                   req.version(), false, NextRequestId());
                co_await bhttp::async_write(stream, res, kTuple);
                break;
            }
            std::string client_ip = ClientIp(options.trusted_proxies, peer_ip, req);
            co_await StartWebSocket(std::move(stream), std::move(req), std::move(client_ip));
            co_return;
        }

        api::Request ar;
        ar.method = std::string(req.method_string());
        ar.path = path;
        if (auto q = target.find('?'); q != std::string::npos)
            ar.query = api::ParseQuery(std::string_view(target).substr(q + 1));
        ar.body = std::move(req.body());
        ar.content_type = std::string(req[bhttp::field::content_type]);
        ar.authorization = std::string(req[bhttp::field::authorization]);
        ar.cookie = std::string(req[bhttp::field::cookie]);
        ar.user_agent = std::string(req[bhttp::field::user_agent]);
        ar.range = std::string(req[bhttp::field::range]);
        ar.origin = std::string(req[bhttp::field::origin]);
        ar.host = std::string(req[bhttp::field::host]);
        ar.sec_fetch_site = std::string(req["Sec-Fetch-Site"]);
        ar.remote_ip = ClientIp(options.trusted_proxies, peer_ip, req);
        ar.request_id = NextRequestId();
        bool keep_alive = req.keep_alive() && !stopping;

        active_requests++;
        auto handle = [this, &ar]() { return Handle(ar); };
        api::Response response = co_await RunOnPool(pool, handle);
        active_requests--;
        bool ok = co_await WriteResponse(stream, response, req.version(), keep_alive && !stopping,
                                         ar.request_id, req.method() == bhttp::verb::head);
        if (!ok || !keep_alive || stopping) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace veche::http
