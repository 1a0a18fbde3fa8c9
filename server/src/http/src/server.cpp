#include "veche/http/server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <span>
#include <fstream>
#include <sstream>
#include <thread>

#include "veche/accounts/account_service.hpp"
#include "veche/api/router.hpp"
#include "veche/api/routes.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/metrics.hpp"
#include "veche/core/text.hpp"
#include "veche/files/file_store.hpp"
#include "veche/http/ws_frame.hpp"
#include "veche/realtime/event_log.hpp"
#include "veche/realtime/hub.hpp"
#include "transport.hpp"

namespace veche::http {

namespace websocket = beast::websocket;

constexpr int kReplayPage = 500;

metrics::Counter* WsWrites() {
    static auto* c = metrics::Global().GetCounter("veche_ws_writes_total", "Gathered WebSocket socket writes");
    return c;
}
metrics::Counter* WsFramesWritten() {
    static auto* c =
        metrics::Global().GetCounter("veche_ws_frames_written_total", "WebSocket data frames written to sockets");
    return c;
}

Server::Impl::Impl(ServerOptions o, api::Router& r, api::Services& s)
    : options(std::move(o)), router(r), services(s), pool(static_cast<std::size_t>(options.worker_threads)) {
    WsWrites();  // listed in /metrics before the first connection
    WsFramesWritten();
}

// The outgoing frames of one connection: a vector used as a queue. Unlike std::deque (which
// allocates a 512-byte block and its map as soon as it exists), it costs nothing while a connection
// is idle, and it gives its memory back after a burst.
class FrameQueue {
public:
    std::size_t size() const { return frames_.size() - head_; }
    bool empty() const { return size() == 0; }
    const realtime::Frame& operator[](std::size_t i) const { return frames_[head_ + i]; }
    const realtime::Frame& front() const { return frames_[head_]; }
    void push_back(realtime::Frame f) { frames_.push_back(std::move(f)); }
    void pop_front() {
        frames_[head_++].reset();
        if (head_ == frames_.size()) clear();
    }
    void clear() {
        if (frames_.capacity() > 64) {
            std::vector<realtime::Frame>().swap(frames_);
        } else {
            frames_.clear();
        }
        head_ = 0;
    }

private:
    std::vector<realtime::Frame> frames_;
    std::size_t head_ = 0;
};

// One WebSocket connection after the opening handshake. Beast accepts the upgrade; from then on the
// connection frames the TCP socket itself (RFC 6455, ws_frame.hpp), so that the writer sends every
// queued frame in one gathered write and no library-generated control frame (pong, close) can
// interleave with it: the writer is the only code that writes to the socket.
//
// Threads: all state lives on the socket's strand, except the inbox the hub fills (inbox_mu_).
class WsConnection final : public realtime::Subscriber, public std::enable_shared_from_this<WsConnection> {
    using Clock = std::chrono::steady_clock;

public:
    WsConnection(Server::Impl& server, tcp::socket socket, const accounts::AuthContext& ctx)
        : Subscriber(ctx.user.id, ctx.session.id),
          server_(server),
          socket_(std::move(socket)),
          timer_(socket_.get_executor()),
          session_end_(Clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(
                                          0, ctx.session.created_at +
                                                 server.services.accounts.session_limits().max_age_ms - NowMs()))) {}

    // Called by the hub with its lock held: only append; Flush hands the batch to the strand.
    void Deliver(realtime::Frame frame, std::int64_t pos) override {
        std::lock_guard lock(inbox_mu_);
        inbox_.push_back(Delivery{std::move(frame), pos});
    }

    // One post per connection per batch, and none while an earlier drain is still pending.
    void Flush() override {
        {
            std::lock_guard lock(inbox_mu_);
            if (drain_posted_ || inbox_.empty()) return;
            drain_posted_ = true;
        }
        asio::post(socket_.get_executor(), [self = shared_from_this()] { self->DrainInbox(); });
    }

    void Close(int code, std::string reason) override {
        asio::post(socket_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
            self->BeginClose(code, std::move(reason));
        });
    }

    awaitable<void> Run() {
        auto self = shared_from_this();
        boost::system::error_code ignored;
        socket_.non_blocking(true, ignored);  // for the synchronous first try in StartWrite
        last_rx_ = Clock::now();
        hello_deadline_ = last_rx_ + server_.options.ws_hello_timeout;
        asio::co_spawn(socket_.get_executor(), Watchdog(self), asio::detached);
        co_await ReaderLoop();
        if (attached_) server_.services.hub.Detach(this);
    }

private:
    struct Delivery {
        realtime::Frame frame;
        std::int64_t pos;
    };
    // Ping after ws_ping_after (15 s) without receiving anything, drop the connection after
    // ws_idle_timeout (30 s) (RFC 6455 §5.5.2); a close handshake we started gets 10 s to complete.
    static constexpr auto kCloseTimeout = std::chrono::seconds(10);
    static constexpr std::size_t kMaxMessage = 64 * 1024;
    static constexpr std::size_t kReadChunk = 512;
    static constexpr std::size_t kMaxFramesPerWrite = 256;

    // Ping, hello deadline, idle timeout and close deadline on one timer.
    awaitable<void> Watchdog(std::shared_ptr<WsConnection>) {
        while (!closed_) {
            auto now = Clock::now();
            if (!hello_done_ && !close_code_ && now >= hello_deadline_) BeginClose(4000, "hello expected");
            // A session past its lifetime ends on open connections too (idle ones cannot be: they are in use).
            if (!close_code_ && now >= session_end_) BeginClose(4001, "session expired");
            if ((close_code_ && now >= close_deadline_) ||
                now - last_rx_ >= server_.options.ws_idle_timeout) {
                Drop();
                break;
            }
            if (!ping_sent_ && !close_code_ && now - last_rx_ >= server_.options.ws_ping_after) {
                ping_sent_ = true;
                control_ += ws::ServerControlFrame(ws::Opcode::kPing, {});
                StartWrite();
            }
            auto next =
                last_rx_ + (ping_sent_ ? server_.options.ws_idle_timeout : server_.options.ws_ping_after);
            if (!hello_done_) next = std::min(next, hello_deadline_);
            if (close_code_) next = std::min(next, close_deadline_);
            else next = std::min(next, session_end_);
            timer_.expires_at(next);
            co_await timer_.async_wait(kTuple);  // cancelled by BeginClose to recompute
        }
    }

    // Reads raw bytes and parses the client's masked frames (RFC 6455 §5).
    awaitable<void> ReaderLoop() {
        std::size_t used = 0, want = 0;
        for (;;) {
            if (in_.size() < std::max(used + kReadChunk, want)) in_.resize(std::max(used + kReadChunk, want));
            auto [ec, n] = co_await socket_.async_read_some(asio::buffer(in_.data() + used, in_.size() - used), kTuple);
            if (ec || closed_) {
                Drop();
                co_return;
            }
            used += n;
            last_rx_ = Clock::now();
            ping_sent_ = false;
            std::size_t off = 0;
            want = 0;
            while (off < used) {
                ws::FrameHeader h;
                auto r = ws::ParseClientHeader(in_.data() + off, used - off, h);
                if (r == ws::ParseResult::kIncomplete) break;
                if (r == ws::ParseResult::kProtocolError || !KnownOpcode(h.opcode)) {
                    Fail(1002, "protocol error");
                    co_return;
                }
                if (h.payload_size > kMaxMessage - message_.size()) {
                    Fail(1009, "message too big");
                    co_return;
                }
                if (used - off - h.header_size < h.payload_size) {
                    want = h.header_size + static_cast<std::size_t>(h.payload_size);
                    break;
                }
                auto* payload = in_.data() + off + h.header_size;
                auto size = static_cast<std::size_t>(h.payload_size);
                ws::Unmask(payload, size, h.mask);
                off += h.header_size + size;
                if (!co_await OnWireFrame(h, std::string_view(reinterpret_cast<const char*>(payload), size)))
                    co_return;
            }
            if (off > 0) {
                std::copy(in_.begin() + static_cast<std::ptrdiff_t>(off), in_.begin() + static_cast<std::ptrdiff_t>(used),
                          in_.begin());
                used -= off;
            }
            // A large message grew the buffer: give the memory back once it has been handled.
            if (used == 0 && in_.capacity() > 4 * kReadChunk) std::vector<std::uint8_t>().swap(in_);
        }
    }

    static bool KnownOpcode(std::uint8_t op) {
        using ws::Opcode;
        for (Opcode known : {Opcode::kContinuation, Opcode::kText, Opcode::kBinary, Opcode::kClose, Opcode::kPing,
                             Opcode::kPong}) {
            if (op == static_cast<std::uint8_t>(known)) return true;
        }
        return false;
    }

    // One frame from the client, unmasked. Returns false when the reader should stop.
    awaitable<bool> OnWireFrame(const ws::FrameHeader& h, std::string_view payload) {
        switch (static_cast<ws::Opcode>(h.opcode)) {
            case ws::Opcode::kPing:
                control_ += ws::ServerControlFrame(ws::Opcode::kPong, payload);
                StartWrite();
                co_return true;
            case ws::Opcode::kPong:
                co_return true;
            case ws::Opcode::kClose: {
                int code = 0;
                if (payload.size() == 1) {
                    Fail(1002, "protocol error");
                    co_return false;
                }
                if (payload.size() >= 2)
                    code = (static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]);
                peer_closed_ = true;
                if (close_sent_) {
                    Drop();  // our close was answered: the server ends TCP first (§7.1.1)
                } else {
                    BeginClose(code, "");  // echo the code (§5.5.1); Drop follows the write
                }
                co_return false;
            }
            case ws::Opcode::kText:
            case ws::Opcode::kBinary:
                if (in_message_) {
                    Fail(1002, "protocol error");  // a new message inside a fragmented one
                    co_return false;
                }
                message_text_ = h.opcode == static_cast<std::uint8_t>(ws::Opcode::kText);
                in_message_ = true;
                break;
            case ws::Opcode::kContinuation:
                if (!in_message_) {
                    Fail(1002, "protocol error");
                    co_return false;
                }
                break;
            default:
                Fail(1002, "protocol error");
                co_return false;
        }
        message_.append(payload);
        if (!h.fin) co_return true;
        in_message_ = false;
        std::string message;
        message.swap(message_);
        if (message_text_ && !text::IsValidUtf8(message)) {
            Fail(1007, "invalid UTF-8");  // §8.1
            co_return false;
        }
        if (close_code_ || closed_) co_return true;  // keep reading until the peer's close
        co_await OnClientFrame(message);
        StartWrite();
        co_return !closed_;
    }

    void SendError(std::string_view code, std::string_view message) {
        Enqueue(std::make_shared<const std::string>(boost::json::serialize(
            boost::json::object{{"type", "error"}, {"code", code}, {"message", message}})));
    }

    awaitable<void> OnClientFrame(const std::string& text) {
        boost::system::error_code ec;
        auto v = boost::json::parse(text, ec);
        if (ec || !v.is_object() || !v.as_object().contains("type") || !v.as_object().at("type").is_string()) {
            SendError("invalid_frame", "frames are JSON objects with a string 'type'");
            co_return;
        }
        const auto& obj = v.as_object();
        std::string_view type = obj.at("type").get_string();
        if (type == "ping") {
            Enqueue(std::make_shared<const std::string>(R"({"type":"pong"})"));
        } else if (type == "hello") {
            if (hello_started_) {
                SendError("invalid_frame", "hello was already received");
                co_return;
            }
            std::optional<std::int64_t> last_pos;
            if (auto it = obj.find("last_pos"); it != obj.end() && !it->value().is_null()) {
                if (it->value().is_int64() && it->value().get_int64() >= 0) {
                    last_pos = it->value().get_int64();
                } else if (it->value().is_uint64()) {
                    last_pos = INT64_MAX;
                } else {
                    SendError("invalid_frame", "'last_pos' must be a non-negative integer or null");
                    co_return;
                }
            }
            hello_started_ = true;
            co_await Hello(last_pos);
        } else if (type == "typing") {
            auto it = obj.find("chat_id");
            std::optional<Id> chat_id;
            if (it != obj.end() && it->value().is_string()) chat_id = ParseId(it->value().get_string());
            if (!chat_id) {
                SendError("invalid_frame", "'chat_id' must be an id string");
            } else if (!hello_done_) {
                SendError("invalid_frame", "send hello first");
            } else if (!server_.services.hub.Typing(user_id(), *chat_id)) {
                SendError("chat_not_found", "chat not found");
            }
        } else {
            SendError("invalid_frame", "unknown frame type");
        }
    }

    awaitable<void> Hello(std::optional<std::int64_t> last_pos) {
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
        Enqueue(std::make_shared<const std::string>(boost::json::serialize(boost::json::object{
            {"type", "hello_ok"}, {"user_id", IdToString(user_id())}, {"head", *head}})));
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
                auto& db = server_.services.db;
                auto read_page = [&db, uid, after]() { return realtime::ReadReplayPage(db, uid, after, kReplayPage); };
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

    void DrainInbox() {
        {
            std::lock_guard lock(inbox_mu_);
            drained_.swap(inbox_);
            drain_posted_ = false;
        }
        for (auto& d : drained_) OnFrame(std::move(d.frame), d.pos);
        drained_.clear();
        StartWrite();
    }

    void OnFrame(realtime::Frame frame, std::int64_t pos) {
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

    // Queues a text frame; the caller calls StartWrite once it has queued what it has.
    void Enqueue(realtime::Frame frame) {
        if (closed_ || close_code_) return;
        if (queue_.size() >= server_.options.ws_queue_max_frames ||
            queued_bytes_ + frame->size() > server_.options.ws_queue_max_bytes) {
            BeginClose(realtime::kCloseTooSlow, "too slow");
            return;
        }
        queued_bytes_ += frame->size();
        queue_.push_back(std::move(frame));
    }

    void BeginClose(int code, std::string reason) {
        if (close_code_ || closed_) return;
        metrics::Global()
            .GetCounter("veche_ws_closes_total", "WebSocket closes the server began, by close code",
                        {{"code", std::to_string(code)}})
            ->Add();
        close_code_ = code;
        close_reason_ = std::move(reason);
        close_deadline_ = Clock::now() + kCloseTimeout;
        timer_.cancel();
        StartWrite();
    }

    // The close frame with `code`, then the connection is dropped without waiting for the answer.
    void Fail(int code, std::string reason) {
        drop_after_close_ = true;
        if (close_sent_) {
            Drop();
            return;
        }
        BeginClose(code, std::move(reason));
        if (!close_code_) Drop();
    }

    // Writes whatever is queued, control frames first, in one gathered write: the frames stay in
    // queue_ (counted against the bound) until the write completes.
    void StartWrite() {
        if (writing_ || closed_ || close_sent_) return;
        bufs_.clear();
        if (close_code_) {
            queue_.clear();
            queued_bytes_ = 0;
            control_ = ws::ServerCloseFrame(close_code_, close_reason_);
            close_sent_ = true;
        }
        if (!control_.empty()) {
            writing_control_.swap(control_);
            control_.clear();
            bufs_.push_back(asio::buffer(writing_control_));
        }
        writing_frames_ = std::min(queue_.size(), kMaxFramesPerWrite);
        if (headers_.size() < writing_frames_) headers_.resize(writing_frames_);
        for (std::size_t i = 0; i < writing_frames_; ++i) {
            const std::string& f = *queue_[i];
            std::size_t n = ws::EncodeServerHeader(ws::Opcode::kText, f.size(), headers_[i].data());
            bufs_.push_back(asio::buffer(headers_[i].data(), n));
            bufs_.push_back(asio::buffer(f));
        }
        if (bufs_.empty()) return;
        WsWrites()->Add();
        if (writing_frames_) WsFramesWritten()->Add(static_cast<double>(writing_frames_));
        writing_ = true;
        // Try the write at once (the socket is non-blocking): usually it all fits in the socket
        // buffer and completes here, without a completion handler. Only what does not fit waits.
        boost::system::error_code ec;
        std::size_t written = asio::write(socket_, std::span<const asio::const_buffer>(bufs_), ec);
        if (ec != asio::error::would_block) {
            OnWritten(ec);
            return;
        }
        std::size_t first = 0;
        while (first < bufs_.size() && written >= bufs_[first].size()) written -= bufs_[first++].size();
        if (first < bufs_.size()) bufs_[first] += written;
        asio::async_write(socket_, std::span<const asio::const_buffer>(bufs_).subspan(first),
                          [self = shared_from_this()](boost::system::error_code aec, std::size_t) {
                              self->OnWritten(aec);
                          });
    }

    void OnWritten(boost::system::error_code ec) {
        writing_ = false;
        writing_control_.clear();
        for (std::size_t i = 0; i < writing_frames_; ++i) {
            queued_bytes_ -= queue_.front()->size();
            queue_.pop_front();
        }
        writing_frames_ = 0;
        if (bufs_.capacity() > 4 * kMaxFramesPerWrite) {
            std::vector<asio::const_buffer>().swap(bufs_);
            std::vector<std::array<std::uint8_t, 10>>().swap(headers_);
        }
        if (ec || (close_sent_ && (peer_closed_ || drop_after_close_))) {
            Drop();
            return;
        }
        StartWrite();
    }

    void Drop() {
        if (closed_) return;
        closed_ = true;
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
        timer_.cancel();
    }

    Server::Impl& server_;
    tcp::socket socket_;
    asio::steady_timer timer_;

    std::mutex inbox_mu_;
    std::vector<Delivery> inbox_;  // guarded by inbox_mu_
    bool drain_posted_ = false;    // guarded by inbox_mu_
    std::vector<Delivery> drained_;

    // Reading.
    std::vector<std::uint8_t> in_;
    std::string message_;  // a fragmented message being assembled
    bool in_message_ = false;
    bool message_text_ = false;
    Clock::time_point last_rx_;
    Clock::time_point hello_deadline_;
    Clock::time_point session_end_;
    Clock::time_point close_deadline_;
    bool ping_sent_ = false;

    // Writing.
    FrameQueue queue_;
    std::size_t queued_bytes_ = 0;
    std::string control_;          // pong/ping frames to send before the next data frames
    std::string writing_control_;  // the control bytes of the write in flight
    std::vector<asio::const_buffer> bufs_;
    std::vector<std::array<std::uint8_t, 10>> headers_;
    std::size_t writing_frames_ = 0;
    bool writing_ = false;

    // Session.
    std::vector<std::pair<realtime::Frame, std::int64_t>> pending_;
    std::int64_t last_sent_ = 0;
    bool replaying_ = true;
    bool hello_started_ = false;
    bool hello_done_ = false;
    bool attached_ = false;

    // Closing: close_code_ set → close frame sent after the write in flight → dropped when the peer
    // answers, or at once after a protocol error (drop_after_close_), or at close_deadline_.
    int close_code_ = 0;
    std::string close_reason_;
    bool close_sent_ = false;
    bool peer_closed_ = false;
    bool drop_after_close_ = false;
    bool closed_ = false;
};

awaitable<void> Server::Impl::Listen() {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kTuple);
        if (ec) {
            if (!acceptor.is_open() || stopping) co_return;
            // Out of descriptors and the like: back off briefly instead of spinning.
            spdlog::warn("accept failed: {}", ec.message());
            asio::steady_timer t(ioc, std::chrono::milliseconds(50));
            co_await t.async_wait(kTuple);
            continue;
        }
        auto ex = socket.get_executor();
        asio::co_spawn(ex, HttpSession(std::move(socket)), asio::detached);
    }
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
    auto& svc = services;
    auto authenticate = [&svc, &probe]() { return api::AuthenticateRequest(svc, probe); };
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
    handshake.set_option(websocket::stream_base::timeout{std::chrono::seconds(10), websocket::stream_base::none(), false});
    handshake.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(bhttp::field::server, "veche"); }));
    // No extensions: the connection writes its own frames (WsConnection), and they are never deflated.
    handshake.set_option(websocket::permessage_deflate{});
    auto [aec] = co_await handshake.async_accept(req, kTuple);
    if (aec) co_return;
    m.requests("/api/v1/ws", "GET", 101)->Add();
    spdlog::debug("ws open user={} session={} remote={}", ctx->user.id, ctx->session.id, remote_ip);
    auto conn = std::make_shared<WsConnection>(*this, beast::get_lowest_layer(handshake).release_socket(), *ctx);
    co_await conn->Run();
}

void Server::Impl::BeginShutdown() {
    if (stopping.exchange(true)) return;
    spdlog::info("shutting down: no new connections, closing WebSockets, draining requests");
    boost::system::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    services.hub.CloseAll(realtime::kCloseGoingAway, "server shutting down");
    // Poll until in-flight requests have been answered and WebSockets closed (bounded: a peer that
    // never answers the close frame gets 1 s), then stop the I/O loop.
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + std::chrono::seconds(5);
    auto ws_deadline = start + std::chrono::seconds(1);
    auto timer = std::make_shared<asio::steady_timer>(ioc);
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [this, timer, poll, deadline, ws_deadline]() {
        bool ws_open = services.hub.ConnectionCount() > 0 && std::chrono::steady_clock::now() < ws_deadline;
        if ((active_requests == 0 && !ws_open) || std::chrono::steady_clock::now() > deadline) {
            // Give the close frames a moment to leave, then stop.
            timer->expires_after(std::chrono::milliseconds(100));
            timer->async_wait([this, poll](auto) {
                ioc.stop();
                *poll = nullptr;  // break the self-reference
            });
            return;
        }
        timer->expires_after(std::chrono::milliseconds(20));
        timer->async_wait([poll](auto) {
            if (*poll) (*poll)();
        });
    };
    (*poll)();
}

Server::Server(ServerOptions options, api::Router& router, api::Services& services)
    : impl_(std::make_unique<Impl>(std::move(options), router, services)) {}

Server::~Server() {
    impl_->pool.join();
}

std::uint16_t Server::Bind() {
    auto& a = impl_->acceptor;
    tcp::endpoint ep(asio::ip::make_address(impl_->options.host), impl_->options.port);
    a.open(ep.protocol());
    a.set_option(asio::socket_base::reuse_address(true));
    a.bind(ep);
    a.listen(asio::socket_base::max_listen_connections);
    return a.local_endpoint().port();
}

void Server::Run() {
    auto& impl = *impl_;
    if (impl.stopping) return;
    impl.signals.async_wait([&impl](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("received signal {}", sig);
        impl.BeginShutdown();
    });
    asio::co_spawn(impl.ioc, impl.Listen(), asio::detached);
    std::vector<std::thread> threads;
    for (int i = 1; i < std::max(1, impl.options.io_threads); ++i) threads.emplace_back([&impl] { impl.ioc.run(); });
    impl.ioc.run();
    for (auto& t : threads) t.join();
    // Connections whose peers never finished closing still sit in the hub; they must go while the
    // io_context that owns their sockets and timers is alive.
    impl.services.hub.ReleaseAll();
    // Requests still on the pool finish their storage work (an acknowledged write is committed).
    impl.pool.join();
}

void Server::Stop() {
    asio::post(impl_->ioc, [this] { impl_->BeginShutdown(); });
}

}  // namespace veche::http
