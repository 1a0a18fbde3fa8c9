// The WebSocket connection: RFC 6455 framing on the raw socket, the reader, the one writer with
// its gathered writes and queue bound, the watchdog timer, and the closing handshake.

#include "ws_connection.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "transport.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/metrics.hpp"
#include "veche/core/text.hpp"
#include "veche/http/ws_frame.hpp"
#include "veche/realtime/hub.hpp"

namespace veche::http {

metrics::Counter* WsWrites() {
    static auto* c =
        metrics::Global().GetCounter("veche_ws_writes_total", "Gathered WebSocket socket writes");
    return c;
}
metrics::Counter* WsFramesWritten() {
    static auto* c = metrics::Global().GetCounter("veche_ws_frames_written_total",
                                                  "WebSocket data frames written to sockets");
    return c;
}

WsConnection::WsConnection(Server::Impl& server, tcp::socket socket, const api::Caller& caller)
    : Subscriber(caller.user_id(), caller.session_id),
      server_(server),
      socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      session_end_(Clock::now() +
                   std::chrono::milliseconds(std::max<std::int64_t>(0, caller.session_ends_at - NowMs()))) {}

void WsConnection::Deliver(realtime::Frame frame, std::int64_t pos) {
    std::lock_guard lock(inbox_mu_);
    inbox_.push_back(Delivery{std::move(frame), pos});
}

void WsConnection::Flush() {
    {
        std::lock_guard lock(inbox_mu_);
        if (drain_posted_ || inbox_.empty()) return;
        drain_posted_ = true;
    }
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->DrainInbox(); });
}

void WsConnection::Close(int code, std::string reason) {
    asio::post(socket_.get_executor(),
               [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
                   self->BeginClose(code, std::move(reason));
               });
}

awaitable<void> WsConnection::Run() {
    auto self = shared_from_this();
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);  // for the synchronous first try in StartWrite
    last_rx_ = Clock::now();
    hello_deadline_ = last_rx_ + server_.options.ws_hello_timeout;
    asio::co_spawn(socket_.get_executor(), Watchdog(self), asio::detached);
    co_await ReaderLoop();
    if (attached_) server_.services.hub.Detach(this);
}

awaitable<void> WsConnection::Watchdog(std::shared_ptr<WsConnection>) {
    while (!closed_) {
        auto now = Clock::now();
        if (!hello_done_ && !close_code_ && now >= hello_deadline_) BeginClose(4000, "hello expected");
        // A session past its lifetime ends on open connections too (idle ones cannot be: they are in use).
        if (!close_code_ && now >= session_end_) BeginClose(4001, "session expired");
        if ((close_code_ && now >= close_deadline_) || now - last_rx_ >= server_.options.ws_idle_timeout) {
            Drop();
            break;
        }
        if (!ping_sent_ && !close_code_ && now - last_rx_ >= server_.options.ws_ping_after) {
            ping_sent_ = true;
            control_ += ws::ServerControlFrame(ws::Opcode::kPing, {});
            StartWrite();
        }
        auto next = last_rx_ + (ping_sent_ ? server_.options.ws_idle_timeout : server_.options.ws_ping_after);
        if (!hello_done_) next = std::min(next, hello_deadline_);
        if (close_code_)
            next = std::min(next, close_deadline_);
        else
            next = std::min(next, session_end_);
        timer_.expires_at(next);
        co_await timer_.async_wait(kTuple);  // cancelled by BeginClose to recompute
    }
}

awaitable<void> WsConnection::ReaderLoop() {
    std::size_t used = 0, want = 0;
    for (;;) {
        if (in_.size() < std::max(used + kReadChunk, want)) in_.resize(std::max(used + kReadChunk, want));
        auto [ec, n] =
            co_await socket_.async_read_some(asio::buffer(in_.data() + used, in_.size() - used), kTuple);
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
            std::copy(in_.begin() + static_cast<std::ptrdiff_t>(off),
                      in_.begin() + static_cast<std::ptrdiff_t>(used), in_.begin());
            used -= off;
        }
        // A large message grew the buffer: give the memory back once it has been handled.
        if (used == 0 && in_.capacity() > 4 * kReadChunk) std::vector<std::uint8_t>().swap(in_);
    }
}

bool WsConnection::KnownOpcode(std::uint8_t op) {
    using ws::Opcode;
    for (Opcode known : {Opcode::kContinuation, Opcode::kText, Opcode::kBinary, Opcode::kClose, Opcode::kPing,
                         Opcode::kPong}) {
        if (op == static_cast<std::uint8_t>(known)) return true;
    }
    return false;
}

awaitable<bool> WsConnection::OnWireFrame(const ws::FrameHeader& h, std::string_view payload) {
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

void WsConnection::Enqueue(realtime::Frame frame) {
    if (closed_ || close_code_) return;
    if (queue_.size() >= server_.options.ws_queue_max_frames ||
        queued_bytes_ + frame->size() > server_.options.ws_queue_max_bytes) {
        BeginClose(realtime::kCloseTooSlow, "too slow");
        return;
    }
    queued_bytes_ += frame->size();
    queue_.push_back(std::move(frame));
}

void WsConnection::BeginClose(int code, std::string reason) {
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

void WsConnection::Fail(int code, std::string reason) {
    drop_after_close_ = true;
    if (close_sent_) {
        Drop();
        return;
    }
    BeginClose(code, std::move(reason));
    if (!close_code_) Drop();
}

void WsConnection::StartWrite() {
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
    asio::async_write(
        socket_, std::span<const asio::const_buffer>(bufs_).subspan(first),
        [self = shared_from_this()](boost::system::error_code aec, std::size_t) { self->OnWritten(aec); });
}

void WsConnection::OnWritten(boost::system::error_code ec) {
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

void WsConnection::Drop() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
}

}  // namespace veche::http
