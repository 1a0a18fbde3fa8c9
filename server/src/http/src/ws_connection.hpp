#pragma once
// One WebSocket connection after the opening handshake (private to veche_http).
// ws_connection.cpp holds the connection: framing, reader, writer, watchdog and closing;
// ws_session.cpp holds the protocol on top: hello, replay, client frames, hub deliveries.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transport.hpp"
#include "veche/http/ws_frame.hpp"
#include "veche/realtime/hub.hpp"

namespace veche::http {

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
    WsConnection(Server::Impl& server, tcp::socket socket, const api::Caller& caller);

    // Called by the hub with its lock held: only append; Flush hands the batch to the strand.
    void Deliver(realtime::Frame frame, std::int64_t pos) override;
    // One post per connection per batch, and none while an earlier drain is still pending.
    void Flush() override;
    void Close(int code, std::string reason) override;

    // Serves the connection until it is dropped; the caller keeps a shared_ptr to it meanwhile.
    awaitable<void> Run();

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

    // The connection (ws_connection.cpp).

    // Ping, hello deadline, idle timeout and close deadline on one timer.
    awaitable<void> Watchdog(std::shared_ptr<WsConnection>);
    // Reads raw bytes and parses the client's masked frames (RFC 6455 §5).
    awaitable<void> ReaderLoop();
    static bool KnownOpcode(std::uint8_t op);
    // One frame from the client, unmasked. Returns false when the reader should stop.
    awaitable<bool> OnWireFrame(const ws::FrameHeader& h, std::string_view payload);
    // Queues a text frame; the caller calls StartWrite once it has queued what it has.
    void Enqueue(realtime::Frame frame);
    void BeginClose(int code, std::string reason);
    // The close frame with `code`, then the connection is dropped without waiting for the answer.
    void Fail(int code, std::string reason);
    // Writes whatever is queued, control frames first, in one gathered write: the frames stay in
    // queue_ (counted against the bound) until the write completes.
    void StartWrite();
    void OnWritten(boost::system::error_code ec);
    void Drop();

    // The session on top of it (ws_session.cpp).

    // `{"type":"error","code":…,"status":…,"message":…}`, with the HTTP API's code and status.
    void SendError(const Error& error);
    // One whole text or binary message from the client.
    awaitable<void> OnClientFrame(const std::string& text);
    awaitable<void> Hello(std::optional<std::int64_t> last_pos);
    void DrainInbox();
    void OnFrame(realtime::Frame frame, std::int64_t pos);

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

}  // namespace veche::http
