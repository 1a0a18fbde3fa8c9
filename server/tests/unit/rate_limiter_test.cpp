// Token buckets with an injected clock: burst, refill, retry-after, independent keys and actions.
#include "veche/ratelimit/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <string>

namespace veche::ratelimit {
namespace {

constexpr std::int64_t kSecond = 1'000'000;

class FakeClock {
public:
    Clock AsClock() {
        return [this] { return now_; };
    }
    void Advance(std::int64_t us) { now_ += us; }

private:
    std::int64_t now_ = 1'000 * kSecond;
};

Limits OnlySend(double per_second, double burst) {
    Limits l;
    l.rule(Action::kSend) = {per_second, burst};
    return l;
}

int TakeWhileAllowed(RateLimiter& limiter, Action action, const std::string& key, int max = 10'000) {
    int n = 0;
    while (n < max && limiter.Take(action, key).allowed) ++n;
    return n;
}

TEST(LocalRateLimiter, AllowsTheBurstThenRefuses) {
    FakeClock clock;
    LocalRateLimiter limiter(OnlySend(2, 30), clock.AsClock());
    EXPECT_EQ(TakeWhileAllowed(limiter, Action::kSend, "u:1"), 30);
    auto refused = limiter.Take(Action::kSend, "u:1");
    EXPECT_FALSE(refused.allowed);
    // Empty bucket at 2 tokens a second: the next token is half a second away.
    EXPECT_EQ(refused.retry_after_us, kSecond / 2);
}

TEST(LocalRateLimiter, RefillsAtTheRateAndNeverAboveTheBurst) {
    FakeClock clock;
    LocalRateLimiter limiter(OnlySend(2, 30), clock.AsClock());
    TakeWhileAllowed(limiter, Action::kSend, "u:1");
    clock.Advance(kSecond / 2 - 1);
    EXPECT_FALSE(limiter.Take(Action::kSend, "u:1").allowed);
    clock.Advance(1);
    EXPECT_TRUE(limiter.Take(Action::kSend, "u:1").allowed);
    EXPECT_FALSE(limiter.Take(Action::kSend, "u:1").allowed);
    clock.Advance(5 * kSecond);  // ten tokens
    EXPECT_EQ(TakeWhileAllowed(limiter, Action::kSend, "u:1"), 10);
    clock.Advance(3600 * kSecond);  // an hour idle fills the bucket, but only to the burst
    EXPECT_EQ(TakeWhileAllowed(limiter, Action::kSend, "u:1"), 30);
}

TEST(LocalRateLimiter, RetryAfterShrinksAsTheTokenRefills) {
    FakeClock clock;
    LocalRateLimiter limiter(OnlySend(0.2, 1), clock.AsClock());  // one per five seconds
    EXPECT_TRUE(limiter.Take(Action::kSend, "u:1").allowed);
    EXPECT_EQ(limiter.Take(Action::kSend, "u:1").retry_after_us, 5 * kSecond);
    clock.Advance(2 * kSecond);
    EXPECT_EQ(limiter.Take(Action::kSend, "u:1").retry_after_us, 3 * kSecond);
    auto status = limiter.Check(Action::kSend, "u:1");
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kRateLimited);
    EXPECT_EQ(status.error().api_code, "rate_limited");
    EXPECT_EQ(status.error().retry_after_seconds, 3);
    clock.Advance(3 * kSecond);
    EXPECT_TRUE(limiter.Check(Action::kSend, "u:1").ok());
}

TEST(LocalRateLimiter, RetryAfterInSecondsRoundsUpToAtLeastOne) {
    FakeClock clock;
    LocalRateLimiter limiter(OnlySend(100, 1), clock.AsClock());
    EXPECT_TRUE(limiter.Check(Action::kSend, "u:1").ok());
    auto status = limiter.Check(Action::kSend, "u:1");  // 10 ms away
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().retry_after_seconds, 1);
}

TEST(LocalRateLimiter, KeysAndActionsHaveTheirOwnBuckets) {
    FakeClock clock;
    Limits l = OnlySend(1, 3);
    l.rule(Action::kSearch) = {1, 2};
    LocalRateLimiter limiter(l, clock.AsClock());
    EXPECT_EQ(TakeWhileAllowed(limiter, Action::kSend, "u:1"), 3);
    EXPECT_EQ(TakeWhileAllowed(limiter, Action::kSend, "u:2"), 3);
    EXPECT_EQ(TakeWhileAllowed(limiter, Action::kSearch, "u:1"), 2);
}

TEST(LocalRateLimiter, RulesThatAreOffAndDisabledLimitsAllowEverything) {
    FakeClock clock;
    LocalRateLimiter limiter(OnlySend(1, 3), clock.AsClock());
    EXPECT_EQ(TakeWhileAllowed(limiter, Action::kEdit, "u:1", 500), 500);  // no rule for edits
    Limits off = OnlySend(1, 3);
    off.enabled = false;
    LocalRateLimiter disabled(off, clock.AsClock());
    EXPECT_EQ(TakeWhileAllowed(disabled, Action::kSend, "u:1", 500), 500);
    EXPECT_EQ(disabled.BucketCount(), 0u);
}

TEST(LocalRateLimiter, ATimeGoingBackwardsRefillsNothing) {
    FakeClock clock;
    LocalRateLimiter limiter(OnlySend(1, 1), clock.AsClock());
    EXPECT_TRUE(limiter.Take(Action::kSend, "u:1").allowed);
    clock.Advance(-10 * kSecond);
    EXPECT_FALSE(limiter.Take(Action::kSend, "u:1").allowed);
    clock.Advance(10 * kSecond + kSecond);
    EXPECT_TRUE(limiter.Take(Action::kSend, "u:1").allowed);
}

TEST(LocalRateLimiter, ForgetsBucketsThatAreFullAgain) {
    FakeClock clock;
    LocalRateLimiter limiter(OnlySend(1, 5), clock.AsClock());
    for (int i = 0; i < 3000; ++i) limiter.Take(Action::kSend, "u:" + std::to_string(i));
    EXPECT_EQ(limiter.BucketCount(), 3000u);
    clock.Advance(2 * kSecond);  // each took one token of five: full after a second
    limiter.Take(Action::kSend, "u:busy");
    for (int i = 0; i < 3000; ++i) limiter.Take(Action::kSend, "u:busy");  // enough takes for a sweep
    EXPECT_EQ(limiter.BucketCount(), 1u);
    // The busy bucket survived the sweep with its state: still empty.
    EXPECT_FALSE(limiter.Take(Action::kSend, "u:busy").allowed);
}

TEST(RateLimits, DefaultsLetAPersonThroughAndCutAScript) {
    // 400 posts in 0.3 s (the script): the burst and a little refill get through.
    FakeClock clock;
    LocalRateLimiter limiter(DefaultLimits(), clock.AsClock());
    int accepted = 0;
    for (int i = 0; i < 400; ++i) {
        clock.Advance(750);
        accepted += limiter.Take(Action::kSend, "u:script").allowed ? 1 : 0;
    }
    EXPECT_LE(accepted, 31);
    EXPECT_GE(accepted, 30);
    // A person: bursts of ten messages a second apart, one burst every 10 s, for ten minutes.
    int refused = 0;
    for (int burst = 0; burst < 60; ++burst) {
        for (int i = 0; i < 10; ++i) {
            clock.Advance(kSecond / 10);
            refused += limiter.Take(Action::kSend, "u:person").allowed ? 0 : 1;
        }
        clock.Advance(9 * kSecond);
    }
    EXPECT_EQ(refused, 0);
}

TEST(RateLimits, ActionNamesRoundTrip) {
    for (std::size_t i = 0; i < kActionCount; ++i) {
        auto a = static_cast<Action>(i);
        EXPECT_EQ(ActionFromName(ActionName(a)), a);
    }
    EXPECT_FALSE(ActionFromName("sned").has_value());
}

TEST(RateLimits, ValidateRule) {
    EXPECT_TRUE(ValidateRule("x", {2, 30}).ok());
    EXPECT_TRUE(ValidateRule("x", {0, 0}).ok());  // off
    EXPECT_FALSE(ValidateRule("x", {-1, 30}).ok());
    EXPECT_FALSE(ValidateRule("x", {2, 0.5}).ok());
    EXPECT_FALSE(ValidateRule("x", {2, -3}).ok());
}

}  // namespace
}  // namespace veche::ratelimit
