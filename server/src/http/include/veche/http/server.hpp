#pragma once
// The network front: HTTP/1.1 and WebSocket on Boost.Beast with C++20 coroutines.
// I/O threads only parse, route and write; handlers run on a worker pool because they block on
// storage. Every read has a deadline and every body a limit.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "veche/core/client_address.hpp"

namespace veche::api {
class Router;
class UploadRegistry;
struct HttpKit;
}  // namespace veche::api
namespace veche::files { class FileStore; }
namespace veche::realtime { class Hub; }
namespace veche::storage { class Database; }

namespace veche::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;  // 0: pick a free port
    int io_threads = 2;
    int worker_threads = 64;              // handlers block on group commit, so many are cheap
    std::size_t body_limit = 1 << 20;     // 1 MiB, documented in docs/api.md
    std::string static_dir;               // the built web client, served at / when set
    // Peers whose X-Forwarded-For / X-Real-IP name the client (empty: every peer is the client).
    net::TrustedProxies trusted_proxies;
    // The bound on what a WebSocket connection may have queued for a client that does not read:
    // past it the connection is closed with 4008 and the client resumes (docs/api.md).
    std::size_t ws_queue_max_frames = 10'000;
    std::size_t ws_queue_max_bytes = 8u << 20;
    // WebSocket timers (docs/api.md): a connection must send hello within ws_hello_timeout; the
    // server pings after ws_ping_after without a frame from the client and drops it after
    // ws_idle_timeout (RFC 6455 §5.5.2). Configurable so that tests shorten them.
    std::chrono::milliseconds ws_hello_timeout{10'000};
    std::chrono::milliseconds ws_ping_after{15'000};
    std::chrono::milliseconds ws_idle_timeout{30'000};
};

// What the transport serves besides the router: every part outlives the Server.
struct TransportServices {
    api::HttpKit& kit;             // authenticates uploads and WebSocket upgrades as routes do
    api::UploadRegistry& uploads;  // which requests are streamed uploads, and who authorizes them
    realtime::Hub& hub;            // live delivery to WebSocket connections
    storage::Database& db;         // replay of the event log on resume
    files::FileStore& files;       // where upload bodies are streamed to
};

class Server {
public:
    Server(ServerOptions options, api::Router& router, TransportServices services);
    ~Server();

    // Binds the listening socket (throws when it cannot). Returns the bound port.
    std::uint16_t Bind();
    // Serves until SIGTERM/SIGINT or Stop(); then drains: stops accepting, closes WebSockets with
    // 1001, lets in-flight requests finish (up to a few seconds) and returns.
    void Run();
    void Stop();

    struct Impl;  // opaque; public only so that the connection classes in src/ can name it

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace veche::http
