#pragma once
// Rate-limit buckets shared by the nodes of a cluster (issue 10): each take is one Lua script run
// atomically by Redis on the bucket's hash (refill by Redis's own clock, so the nodes' clocks do
// not matter; take or refuse; expire the key once it would be full again). A user who spreads
// requests over several nodes is limited at the combined count.
//
// When Redis cannot be reached or does not answer within `io_timeout`, the node decides with its
// own in-process buckets (LocalRateLimiter) and tries Redis again after `retry_interval`: limits
// keep applying, per node, and requests never wait on a dead Redis for longer than one timeout.
// `veche_ratelimit_local_fallback_total` counts the decisions taken locally.
//
// Thread-safe: connections come from a small pool, one per concurrent caller.

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "veche/bus/cluster_bus.hpp"
#include "veche/ratelimit/rate_limiter.hpp"

namespace veche::bus {

struct RedisRateLimiterOptions {
    RedisAddress redis;
    std::string key_prefix = "veche:rl:";
    std::chrono::milliseconds connect_timeout{200};
    std::chrono::milliseconds io_timeout{200};
    std::chrono::milliseconds retry_interval{1000};
    std::size_t max_idle_connections = 16;
};

class RedisRateLimiter final : public ratelimit::RateLimiter {
public:
    RedisRateLimiter(RedisRateLimiterOptions options, ratelimit::Limits limits);
    ~RedisRateLimiter() override;

private:
    struct Connection;
    ratelimit::Decision TakeLimited(ratelimit::Action action, const ratelimit::Rule& rule,
                                    std::string_view key) override;
    std::unique_ptr<Connection> Acquire();
    void Release(std::unique_ptr<Connection> connection);
    void MarkDown();

    RedisRateLimiterOptions options_;
    ratelimit::LocalRateLimiter fallback_;

    std::mutex mu_;
    std::vector<std::unique_ptr<Connection>> idle_;
    std::chrono::steady_clock::time_point down_until_{};
    bool down_ = false;
};

}  // namespace veche::bus
