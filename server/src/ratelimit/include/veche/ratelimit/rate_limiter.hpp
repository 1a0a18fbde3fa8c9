#pragma once
// Per-action token buckets (issue 10): a user may post, edit, react, upload, search, create chats
// and invite only so fast, and a client address may only try to log in so fast. Each (action, key)
// has a bucket of at most `burst` tokens that refills at `per_second`; a request takes one token
// or is refused with the time until the next one, which the API answers as 429 rate_limited with
// Retry-After. Bursts a person makes pass; a script is cut after `burst` requests.
//
// RateLimiter is the interface the routes call. LocalRateLimiter keeps the buckets in this process
// (single node, and the fallback of a cluster node); bus::RedisRateLimiter shares them between
// the nodes of a cluster. Every implementation is thread-safe.

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "veche/core/error.hpp"

namespace veche::ratelimit {

// What a bucket limits. The per-user actions are keyed by user id, kLogin by client address.
enum class Action {
    kSend,        // post a message, a poll, a forward
    kEdit,        // edit, delete, restore a message
    kReact,       // add or remove a reaction, vote in a poll
    kUpload,      // upload a file
    kSearch,      // full-text message search
    kCreateChat,  // create a chat (a direct chat too, even one that exists)
    kInvite,      // add members to a chat
    kLogin,       // log in (per client address, before the password is checked)
};
inline constexpr std::size_t kActionCount = 8;

// "send", "edit", …: the configuration keys, metric labels and Redis key parts.
std::string_view ActionName(Action action);
std::optional<Action> ActionFromName(std::string_view name);

// A bucket of `burst` tokens refilled at `per_second`. per_second <= 0 turns the limit off.
struct Rule {
    double per_second = 0;
    double burst = 0;
    bool limited() const { return per_second > 0 && burst >= 1; }
};

struct Limits {
    bool enabled = true;                        // false: nothing is limited
    std::array<Rule, kActionCount> rules{};     // indexed by Action
    Rule& rule(Action a) { return rules[static_cast<std::size_t>(a)]; }
    const Rule& rule(Action a) const { return rules[static_cast<std::size_t>(a)]; }
};

// The documented defaults (docs/api.md, "Rate limits").
Limits DefaultLimits();

// Validates a rule as configuration: non-negative numbers, and a burst of at least one token when
// the rule is on. `name` prefixes the message.
Status ValidateRule(const std::string& name, const Rule& rule);

struct Decision {
    bool allowed = true;
    std::int64_t retry_after_us = 0;  // when refused: until one token is back
};

// The state of one bucket and the arithmetic every implementation shares (the Redis script does
// the same in Lua). `now_us` is monotonic; time going backwards refills nothing.
struct Bucket {
    double tokens = 0;
    std::int64_t updated_us = 0;
};
Bucket FullBucket(const Rule& rule, std::int64_t now_us);
Decision TakeToken(Bucket& bucket, const Rule& rule, std::int64_t now_us);

// Monotonic microseconds; tests inject their own clock.
using Clock = std::function<std::int64_t()>;
std::int64_t SteadyMicros();

class RateLimiter {
public:
    explicit RateLimiter(Limits limits) : limits_(limits) {}
    virtual ~RateLimiter() = default;
    RateLimiter(const RateLimiter&) = delete;
    RateLimiter& operator=(const RateLimiter&) = delete;

    // Takes a token from the bucket of (action, key), e.g. (kSend, "u:42") or (kLogin, "ip:10.1.2.3").
    Decision Take(Action action, std::string_view key);
    // The same as a Status: kRateLimited with Retry-After in whole seconds (at least 1) when refused.
    Status Check(Action action, std::string_view key);

    const Limits& limits() const { return limits_; }

protected:
    // Only called for rules that are on.
    virtual Decision TakeLimited(Action action, const Rule& rule, std::string_view key) = 0;

private:
    Limits limits_;
};

// Buckets in this process's memory. Full buckets are forgotten (they are the same as new ones),
// so memory follows the number of recently active keys.
class LocalRateLimiter final : public RateLimiter {
public:
    explicit LocalRateLimiter(Limits limits, Clock clock = SteadyMicros);

    // The bucket operation alone, for a limiter that falls back to this one (no metrics, no policy).
    Decision TakeLocal(Action action, const Rule& rule, std::string_view key);
    std::size_t BucketCount() const;

private:
    Decision TakeLimited(Action action, const Rule& rule, std::string_view key) override {
        return TakeLocal(action, rule, key);
    }
    void ForgetFullBuckets(std::int64_t now_us);

    Clock clock_;
    mutable std::mutex mu_;
    struct Entry {
        Bucket bucket;
        Action action;
    };
    std::unordered_map<std::string, Entry> buckets_;
    std::size_t takes_since_sweep_ = 0;
};

}  // namespace veche::ratelimit
