// Rate-limit buckets shared through Redis (needs the Redis of scripts/with-test-services,
// VECHE_TEST_REDIS_URL; skipped without it), and the local fallback when Redis is unreachable.
#include "veche/bus/redis_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <random>

#include "veche/core/metrics.hpp"

namespace veche::bus {
namespace {

using ratelimit::Action;

std::string UniquePrefix() {
    std::random_device rd;
    return "veche-test-rl-" + std::to_string(rd()) + ":";
}

ratelimit::Limits SendLimit(double per_second, double burst) {
    ratelimit::Limits l;
    l.rule(Action::kSend) = {per_second, burst};
    return l;
}

double FallbackCount() {
    return metrics::Global()
        .GetCounter("veche_ratelimit_local_fallback_total", "")
        ->Value();
}

class RedisRateLimiterTest : public ::testing::Test {
protected:
    void SetUp() override {
        const char* url = std::getenv("VECHE_TEST_REDIS_URL");
        if (!url || !*url) GTEST_SKIP() << "VECHE_TEST_REDIS_URL is not set; `make unit` sets it";
        auto a = ParseRedisUrl(url);
        ASSERT_TRUE(a.ok());
        options_.redis = *a;
        options_.key_prefix = UniquePrefix();
    }
    RedisRateLimiterOptions options_;
};

TEST_F(RedisRateLimiterTest, TwoNodesShareOneBucket) {
    RedisRateLimiter node_a(options_, SendLimit(0.01, 6));
    RedisRateLimiter node_b(options_, SendLimit(0.01, 6));
    double fallbacks = FallbackCount();
    int accepted_a = 0, accepted_b = 0;
    for (int i = 0; i < 20; ++i) {
        accepted_a += node_a.Take(Action::kSend, "u:1").allowed ? 1 : 0;
        accepted_b += node_b.Take(Action::kSend, "u:1").allowed ? 1 : 0;
    }
    // Alone, each node would have let six through.
    EXPECT_EQ(accepted_a + accepted_b, 6);
    EXPECT_EQ(accepted_a, 3);
    EXPECT_EQ(FallbackCount(), fallbacks);
    auto refused = node_b.Take(Action::kSend, "u:1");
    EXPECT_FALSE(refused.allowed);
    EXPECT_GT(refused.retry_after_us, 0);
    EXPECT_LE(refused.retry_after_us, 100'000'000);  // one token at 0.01/s: at most 100 s
    // Another user and another action are untouched.
    EXPECT_TRUE(node_a.Take(Action::kSend, "u:2").allowed);
    EXPECT_TRUE(node_a.Take(Action::kSearch, "u:1").allowed);  // no rule: not limited
}

TEST_F(RedisRateLimiterTest, RefillsByRedisClock) {
    RedisRateLimiter limiter(options_, SendLimit(50, 1));  // one token every 20 ms
    EXPECT_TRUE(limiter.Take(Action::kSend, "u:1").allowed);
    auto refused = limiter.Take(Action::kSend, "u:1");
    ASSERT_FALSE(refused.allowed);
    EXPECT_LE(refused.retry_after_us, 20'000);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool again = false;
    while (!again && std::chrono::steady_clock::now() < deadline) again = limiter.Take(Action::kSend, "u:1").allowed;
    EXPECT_TRUE(again);
}

TEST(RedisRateLimiter, FallsBackToLocalBucketsWhenRedisIsUnreachable) {
    RedisRateLimiterOptions o;
    o.redis.host = "127.0.0.1";
    o.redis.port = 1;  // nothing listens there: connections are refused at once
    o.key_prefix = UniquePrefix();
    RedisRateLimiter limiter(o, SendLimit(0.01, 4));
    double fallbacks = FallbackCount();
    int accepted = 0;
    for (int i = 0; i < 10; ++i) accepted += limiter.Take(Action::kSend, "u:1").allowed ? 1 : 0;
    EXPECT_EQ(accepted, 4);  // the limit still holds, from this process's buckets
    EXPECT_EQ(FallbackCount() - fallbacks, 10);
    EXPECT_FALSE(limiter.Check(Action::kSend, "u:1").ok());
}

}  // namespace
}  // namespace veche::bus
