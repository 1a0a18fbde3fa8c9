// The server: binding and accepting, signals, and the drain on shutdown. Each accepted socket gets
// a strand and an HttpSession (http_session.cpp); WebSockets continue in ws_session.cpp.

#include "veche/http/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "transport.hpp"
#include "veche/realtime/hub.hpp"

namespace veche::http {

Server::Impl::Impl(ServerOptions o, api::Router& r, TransportServices s)
    : options(std::move(o)), router(r), services(s), pool(static_cast<std::size_t>(options.worker_threads)) {
    WsWrites();  // listed in /metrics before the first connection
    WsFramesWritten();
}

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

Server::Server(ServerOptions options, api::Router& router, TransportServices services)
    : impl_(std::make_unique<Impl>(std::move(options), router, services)) {}

Server::~Server() { impl_->pool.join(); }

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
    for (int i = 1; i < std::max(1, impl.options.io_threads); ++i)
        threads.emplace_back([&impl] { impl.ioc.run(); });
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
