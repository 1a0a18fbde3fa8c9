#include "veche/ratelimit/rate_limiter.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "veche/core/metrics.hpp"

namespace veche::ratelimit {
namespace {

constexpr std::array<std::string_view, kActionCount> kNames = {
    "send", "edit", "react", "upload", "search", "create_chat", "invite", "login"};

metrics::Counter* Refused(Action action) {
    static const auto counters = [] {
        std::array<metrics::Counter*, kActionCount> c{};
        for (std::size_t i = 0; i < kActionCount; ++i) {
            c[i] = metrics::Global().GetCounter("veche_rate_limited_total", "Requests refused by a rate limit",
                                                {{"action", std::string(kNames[i])}});
        }
        return c;
    }();
    return counters[static_cast<std::size_t>(action)];
}

}  // namespace

std::string_view ActionName(Action action) { return kNames[static_cast<std::size_t>(action)]; }

std::optional<Action> ActionFromName(std::string_view name) {
    for (std::size_t i = 0; i < kActionCount; ++i) {
        if (kNames[i] == name) return static_cast<Action>(i);
    }
    return std::nullopt;
}

Limits DefaultLimits() {
    // A person posts a few messages a second at most, and not for long: 30 in a row pass, then two a
    // second. A script that posts 400 in 0.3 s gets 30 through. The others follow the same idea,
    // scaled to how often a person does each thing.
    Limits l;
    l.rule(Action::kSend) = {2, 30};
    l.rule(Action::kEdit) = {1, 30};
    l.rule(Action::kReact) = {3, 50};
    l.rule(Action::kUpload) = {1, 30};
    l.rule(Action::kSearch) = {2, 30};
    l.rule(Action::kCreateChat) = {0.2, 20};
    l.rule(Action::kInvite) = {0.5, 30};
    l.rule(Action::kLogin) = {1, 30};
    return l;
}

Status ValidateRule(const std::string& name, const Rule& rule) {
    if (!std::isfinite(rule.per_second) || rule.per_second < 0 || rule.per_second > 1e9)
        return Error::InvalidArgument(name + ": per_second must be a number from 0 (no limit) to 1e9");
    if (!std::isfinite(rule.burst) || rule.burst < 0 || rule.burst > 1e9)
        return Error::InvalidArgument(name + ": burst must be a number from 0 to 1e9");
    if (rule.per_second > 0 && rule.burst < 1)
        return Error::InvalidArgument(name + ": burst must be at least 1 when per_second is above 0");
    return {};
}

Bucket FullBucket(const Rule& rule, std::int64_t now_us) { return {rule.burst, now_us}; }

Decision TakeToken(Bucket& bucket, const Rule& rule, std::int64_t now_us) {
    std::int64_t elapsed = std::max<std::int64_t>(0, now_us - bucket.updated_us);
    bucket.tokens = std::min(rule.burst, bucket.tokens + static_cast<double>(elapsed) * rule.per_second / 1e6);
    bucket.updated_us = std::max(bucket.updated_us, now_us);
    if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return {true, 0};
    }
    // A refused request takes nothing, so a client that keeps trying is not pushed further back.
    double wait_us = (1 - bucket.tokens) / rule.per_second * 1e6;
    return {false, std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait_us)))};
}

std::int64_t SteadyMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

Decision RateLimiter::Take(Action action, std::string_view key) {
    const Rule& rule = limits_.rule(action);
    if (!limits_.enabled || !rule.limited()) return {};
    Decision d = TakeLimited(action, rule, key);
    if (!d.allowed) Refused(action)->Add();
    return d;
}

Status RateLimiter::Check(Action action, std::string_view key) {
    Decision d = Take(action, key);
    if (d.allowed) return {};
    auto seconds = static_cast<int>(std::min<std::int64_t>((d.retry_after_us + 999'999) / 1'000'000, 86'400));
    return Error{ErrorCode::kRateLimited, "rate_limited",
                 "too many requests (" + std::string(ActionName(action)) + "), retry later", std::max(1, seconds)};
}

LocalRateLimiter::LocalRateLimiter(Limits limits, Clock clock) : RateLimiter(limits), clock_(std::move(clock)) {}

std::size_t LocalRateLimiter::BucketCount() const {
    std::lock_guard lock(mu_);
    return buckets_.size();
}

Decision LocalRateLimiter::TakeLocal(Action action, const Rule& rule, std::string_view key) {
    std::int64_t now = clock_();
    std::string id;
    id.reserve(key.size() + 12);
    id.append(ActionName(action)).append(1, '|').append(key);
    std::lock_guard lock(mu_);
    auto [it, inserted] = buckets_.try_emplace(std::move(id), Entry{FullBucket(rule, now), action});
    Decision d = TakeToken(it->second.bucket, rule, now);
    // A sweep costs one pass over the map, so run it after as many takes as there are buckets:
    // constant work per take on average.
    if (++takes_since_sweep_ >= std::max<std::size_t>(1024, buckets_.size())) ForgetFullBuckets(now);
    return d;
}

void LocalRateLimiter::ForgetFullBuckets(std::int64_t now_us) {
    takes_since_sweep_ = 0;
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        const Rule& rule = limits().rule(it->second.action);
        Bucket b = it->second.bucket;
        double refilled = b.tokens + static_cast<double>(std::max<std::int64_t>(0, now_us - b.updated_us)) *
                                         rule.per_second / 1e6;
        if (refilled >= rule.burst) {
            it = buckets_.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace veche::ratelimit
