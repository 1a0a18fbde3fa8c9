// The WebSocket session on a connection: the upgrade (authenticated before the handshake), hello
// with replay from the event log paced by the queue bound, the client's frames, and the hub's
// deliveries in log order.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "transport.hpp"
#include "veche/realtime/event_log.hpp"
#include "veche/realtime/hub.hpp"
#include "ws_connection.hpp"

namespace veche::http {

namespace websocket = beast::websocket;

constexpr int kReplayPage = 500;

// The HTTP API's mapping (api::HttpStatus): a client handles a refused frame as it would the
// same refusal of a request.
void WsConnection::SendError(const Error& error) {
    Enqueue(std::make_shared<const std::string>(boost::json::serialize(boost::json::object{
        {"type", "error"}, {"code", error.api_code}, {"status", api::HttpStatus(error.code)}, {"message", error.message}})));
}



awaitable<void> WsConnection::OnClientFrame(const std::string& text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object() || !v.as_object().contains("type") || !v.as_object().at("type").is_string()) {
        SendError(realtime::InvalidFrame("frames are JSON objects with a string 'type'"));
        co_return;
    }
    const auto& obj = v.as_object();
    std::string_view type = obj.at("type").get_string();
    if (type == "ping") {
        Enqueue(std::make_shared<const std::string>(R"({"type":"pong"})"));
    } else if (type == "hello") {
        if (hello_started_) {
            SendError(realtime::InvalidFrame("hello was already received"));
            co_return;
        }
        std::optional<std::int64_t> last_pos;
        if (auto it = obj.find("last_pos"); it != obj.end() && !it->value().is_null()) {
            if (it->value().is_int64() && it->value().get_int64() >= 0) {
                last_pos = it->value().get_int64();
            } else if (it->value().is_uint64()) {
                last_pos = INT64_MAX;
            } else {
                SendError(realtime::InvalidFrame("'last_pos' must be a non-negative integer or null"));
                co_return;
            }
        }
        hello_started_ = true;
        co_await Hello(last_pos);
    } else if (const auto* action = server_.services.hub.actions().Find(type)) {
        // A module's frame (realtime/audience.hpp), on the worker pool like an HTTP handler; this
        // connection reads its next frame only after, so a client's frames are handled in order.
        if (!hello_done_) {
            SendError(realtime::InvalidFrame("send hello first"));
            co_return;
        }
        Id uid = user_id(), sid = session_id();
        auto run = [action, uid, sid, &obj]() -> Status {
            try {
                return (*action)(realtime::ClientFrame{uid, sid, obj});
            } catch (const std::exception& e) {
                spdlog::error("ws action failed: {}", e.what());
                return Error::Internal();
            }
        };
        auto done = co_await RunOnPool(server_.pool, run);
        if (!done.ok()) SendError(done.error());
    } else {
        SendError(realtime::InvalidFrame("unknown frame type"));
    }
}

awaitable<void> WsConnection::Hello(std::optional<std::int64_t> last_pos) {
    auto self = shared_from_this();
    auto& hub = server_.services.hub;
    auto attach = [self, &hub]() { return hub.Attach(self); };
    auto head = co_await RunOnPool(server_.pool, attach);
    if (!head.ok()) {
        BeginClose(1011, "try again");
        co_return;
    }
    attached_ = true;
    hello_done_ = true;
    Enqueue(std::make_shared<const std::string>(boost::json::serialize(
        boost::json::object{{"type", "hello_ok"}, {"user_id", IdToString(user_id())}, {"head", *head}})));
    if (!last_pos) {
        last_sent_ = *head;
    } else if (*last_pos > *head) {
        // The client holds positions this server never issued (e.g. restored from a backup).
        Enqueue(std::make_shared<const std::string>(R"({"type":"resync_required"})"));
        last_sent_ = *head;
    } else {
        last_sent_ = *last_pos;
        for (;;) {
            Id uid = user_id();
            std::int64_t after = last_sent_;
            auto read_page = [&hub, uid, after]() { return hub.ReadReplayPage(uid, after, kReplayPage); };
            auto page = co_await RunOnPool(server_.pool, read_page);
            if (!page.ok()) {
                BeginClose(1011, "try again");
                co_return;
            }
            if (page->gap) {
                // Retention purged events the client has not seen (before the replay or while
                // it ran): say so instead of leaving a silent hole, and go on live from the
                // head; the client reloads its state (docs/api.md).
                Enqueue(std::make_shared<const std::string>(R"({"type":"resync_required"})"));
                last_sent_ = std::max(last_sent_, *head);
                break;
            }
            for (const auto& e : page->events) {
                // Let the client drain while replaying, so that replay obeys the queue bound
                // in frames and in bytes (a page of large messages alone can exceed 8 MiB).
                while ((queue_.size() > server_.options.ws_queue_max_frames / 4 ||
                        queued_bytes_ > server_.options.ws_queue_max_bytes / 4) &&
                       !closed_ && !close_code_) {
                    StartWrite();
                    asio::steady_timer t(socket_.get_executor(), std::chrono::milliseconds(5));
                    co_await t.async_wait(kTuple);
                }
                if (close_code_ || closed_) co_return;
                last_sent_ = e.pos;
                Enqueue(std::make_shared<const std::string>(realtime::EventFrame(e)));
            }
            StartWrite();
            if (close_code_ || closed_) co_return;
            if (static_cast<int>(page->events.size()) < kReplayPage) break;
        }
    }
    replaying_ = false;
    for (auto& [frame, pos] : pending_) {
        if (pos > last_sent_) {
            last_sent_ = pos;
            Enqueue(std::move(frame));
        }
    }
    pending_.clear();
    Enqueue(std::make_shared<const std::string>(
        boost::json::serialize(boost::json::object{{"type", "synced"}, {"pos", last_sent_}})));
    StartWrite();
}

void WsConnection::DrainInbox() {
    {
        std::lock_guard lock(inbox_mu_);
        drained_.swap(inbox_);
        drain_posted_ = false;
    }
    for (auto& d : drained_) OnFrame(std::move(d.frame), d.pos);
    drained_.clear();
    StartWrite();
}

void WsConnection::OnFrame(realtime::Frame frame, std::int64_t pos) {
    if (closed_ || close_code_) return;
    if (pos == 0) {  // not from the event log (presence): no ordering to keep
        if (hello_done_) Enqueue(std::move(frame));
        return;
    }
    if (replaying_) {
        if (pending_.size() >= server_.options.ws_queue_max_frames) {
            BeginClose(realtime::kCloseTooSlow, "too slow");
            return;
        }
        pending_.emplace_back(std::move(frame), pos);
        return;
    }
    if (pos <= last_sent_) return;
    last_sent_ = pos;
    Enqueue(std::move(frame));
}

awaitable<void> Server::Impl::StartWebSocket(beast::tcp_stream stream, bhttp::request<bhttp::string_body> req,
                                             std::string remote_ip) {
    api::Request probe;
    probe.method = "GET";
    probe.path = "/api/v1/ws";
    probe.authorization = std::string(req[bhttp::field::authorization]);
    probe.cookie = std::string(req[bhttp::field::cookie]);
    probe.origin = std::string(req[bhttp::field::origin]);
    probe.host = std::string(req[bhttp::field::host]);
    probe.sec_fetch_site = std::string(req["Sec-Fetch-Site"]);
    probe.remote_ip = remote_ip;
    auto& kit = services.kit;
    auto authenticate = [&kit, &probe]() { return api::AuthenticateRequest(kit, probe); };
    auto ctx = co_await RunOnPool(pool, authenticate);
    if (!ctx.ok()) {
        auto refused = api::ErrorResponse(ctx.error());
        auto res = ToBeast(refused, req.version(), false, NextRequestId());
        m.requests("/api/v1/ws", "GET", refused.status)->Add();
        co_await bhttp::async_write(stream, res, kTuple);
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        co_return;
    }
    websocket::stream<beast::tcp_stream> handshake(std::move(stream));
    beast::get_lowest_layer(handshake).expires_never();
    handshake.set_option(
        websocket::stream_base::timeout{std::chrono::seconds(10), websocket::stream_base::none(), false});
    handshake.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(bhttp::field::server, "veche"); }));
    // No extensions: the connection writes its own frames (WsConnection), and they are never deflated.
    handshake.set_option(websocket::permessage_deflate{});
    auto [aec] = co_await handshake.async_accept(req, kTuple);
    if (aec) co_return;
    m.requests("/api/v1/ws", "GET", 101)->Add();
    spdlog::debug("ws open user={} session={} remote={}", ctx->user_id(), ctx->session_id, remote_ip);
    auto conn =
        std::make_shared<WsConnection>(*this, beast::get_lowest_layer(handshake).release_socket(), *ctx);
    co_await conn->Run();
}

}  // namespace veche::http
