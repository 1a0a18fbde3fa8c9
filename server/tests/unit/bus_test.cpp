// The cluster bus's configuration parsing; its delivery guarantees are tested end to end with real
// nodes, PostgreSQL and Redis in server/tests/integration/test_cluster.py.
#include <gtest/gtest.h>

#include "veche/bus/cluster_bus.hpp"

namespace veche::bus {
namespace {

TEST(RedisUrl, HostPortPasswordAndDefaults) {
    auto a = ParseRedisUrl("redis://10.0.0.5:6380");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->host, "10.0.0.5");
    EXPECT_EQ(a->port, 6380);
    EXPECT_EQ(a->password, "");

    auto b = ParseRedisUrl("redis://:s3cr:et@redis.internal/0");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->host, "redis.internal");
    EXPECT_EQ(b->port, 6379);
    EXPECT_EQ(b->password, "s3cr:et");

    auto c = ParseRedisUrl("redis://");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->host, "127.0.0.1");
}

TEST(RedisUrl, RejectsOtherSchemesAndBadPorts) {
    EXPECT_FALSE(ParseRedisUrl("http://redis:6379").ok());
    EXPECT_FALSE(ParseRedisUrl("redis://host:0").ok());
    EXPECT_FALSE(ParseRedisUrl("redis://host:70000").ok());
    EXPECT_FALSE(ParseRedisUrl("redis://host:12ab").ok());
}

}  // namespace
}  // namespace veche::bus
