#include "veche/bus/redis_rate_limiter.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>

#include "redis_connection.hpp"
#include "veche/core/metrics.hpp"

namespace veche::bus {
namespace {

using ratelimit::Decision;

// KEYS[1]: the bucket (a hash of tokens and the time they were counted, in Redis's microseconds).
// ARGV: per_second, burst. Returns {1, 0} when a token was taken, else {0, µs until one is back}.
// The same arithmetic as ratelimit::TakeToken. Redis's clock rather than the caller's, so that
// nodes whose clocks differ share one bucket correctly; TIME in a script needs effects replication,
// the default since Redis 5 (replicate_commands turns it on in older ones).
constexpr const char* kTakeScript = R"lua(
if redis.replicate_commands then redis.replicate_commands() end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000000)
else
  now = at
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate * 1000000)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return {allowed, wait}
)lua";

metrics::Counter* LocalFallbacks() {
    static auto* c = metrics::Global().GetCounter(
        "veche_ratelimit_local_fallback_total",
        "Rate-limit decisions a cluster node took with its own buckets because Redis was unreachable");
    return c;
}

timeval ToTimeval(std::chrono::milliseconds ms) {
    return {static_cast<decltype(timeval::tv_sec)>(ms.count() / 1000),
            static_cast<decltype(timeval::tv_usec)>((ms.count() % 1000) * 1000)};
}

std::string FormatNumber(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

// {allowed, retry_after_us} from the script's reply; nullopt when it is not one.
std::optional<Decision> ParseDecision(const redisReply* r) {
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_INTEGER ||
        r->element[1]->type != REDIS_REPLY_INTEGER)
        return std::nullopt;
    return Decision{r->element[0]->integer == 1, static_cast<std::int64_t>(r->element[1]->integer)};
}

}  // namespace

struct RedisRateLimiter::Connection {
    redis::Context context;
    std::string script_sha;
};

RedisRateLimiter::RedisRateLimiter(RedisRateLimiterOptions options, ratelimit::Limits limits)
    : RateLimiter(limits), options_(std::move(options)), fallback_(limits) {
    LocalFallbacks();
}

RedisRateLimiter::~RedisRateLimiter() = default;

Decision RedisRateLimiter::TakeLimited(ratelimit::Action action, const ratelimit::Rule& rule, std::string_view key) {
    auto conn = Acquire();
    if (conn) {
        std::string bucket = options_.key_prefix;
        bucket.append(ratelimit::ActionName(action)).append(1, ':').append(key);
        std::string rate = FormatNumber(rule.per_second), burst = FormatNumber(rule.burst);
        redis::Reply r(static_cast<redisReply*>(
            redisCommand(conn->context.get(), "EVALSHA %s 1 %b %s %s", conn->script_sha.c_str(), bucket.data(),
                         bucket.size(), rate.c_str(), burst.c_str())));
        if (r && r->type == REDIS_REPLY_ERROR && std::string_view(r->str, r->len).rfind("NOSCRIPT", 0) == 0) {
            // The script cache was flushed: EVAL sends the script and caches it again.
            r.reset(static_cast<redisReply*>(redisCommand(conn->context.get(), "EVAL %s 1 %b %s %s", kTakeScript,
                                                          bucket.data(), bucket.size(), rate.c_str(), burst.c_str())));
        }
        if (auto d = ParseDecision(r.get())) {
            Release(std::move(conn));
            return *d;
        }
        if (r && r->type == REDIS_REPLY_ERROR)
            spdlog::warn("rate limits: Redis answered an error: {}", std::string_view(r->str, r->len));
        MarkDown();
    }
    LocalFallbacks()->Add();
    return fallback_.TakeLocal(action, rule, key);
}

std::unique_ptr<RedisRateLimiter::Connection> RedisRateLimiter::Acquire() {
    bool was_down;
    {
        std::lock_guard lock(mu_);
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
        if (down_ && std::chrono::steady_clock::now() < down_until_) return nullptr;
        was_down = down_;
    }
    auto conn = std::make_unique<Connection>();
    conn->context = redis::Connect(options_.redis, ToTimeval(options_.connect_timeout), ToTimeval(options_.io_timeout));
    if (!conn->context) {
        MarkDown();
        return nullptr;
    }
    redis::Reply r(static_cast<redisReply*>(redisCommand(conn->context.get(), "SCRIPT LOAD %s", kTakeScript)));
    if (!r || r->type != REDIS_REPLY_STRING) {
        MarkDown();
        return nullptr;
    }
    conn->script_sha.assign(r->str, r->len);
    if (was_down) {
        std::lock_guard lock(mu_);
        if (down_) spdlog::info("rate limits: Redis is back; buckets are shared by the cluster again");
        down_ = false;
    }
    return conn;
}

void RedisRateLimiter::Release(std::unique_ptr<Connection> connection) {
    std::lock_guard lock(mu_);
    if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(connection));
}

void RedisRateLimiter::MarkDown() {
    std::vector<std::unique_ptr<Connection>> stale;
    {
        std::lock_guard lock(mu_);
        if (!down_) {
            spdlog::warn("rate limits: Redis {}:{} unreachable; this node limits with its own buckets until it is back",
                         options_.redis.host, options_.redis.port);
        }
        down_ = true;
        down_until_ = std::chrono::steady_clock::now() + options_.retry_interval;
        stale.swap(idle_);  // connections to a Redis that went away are broken too
    }
}

}  // namespace veche::bus
