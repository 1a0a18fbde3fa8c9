#pragma once
// hiredis handles owned by unique_ptr, and connecting with timeouts: shared by the cluster bus and
// the Redis rate limiter. Private to the bus library, which is the only one that includes hiredis.

#include <hiredis/hiredis.h>

#include <memory>

#include "veche/bus/cluster_bus.hpp"

namespace veche::bus::redis {

struct ReplyDeleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
    void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

// nullptr when Redis cannot be reached in `connect_timeout` or refuses the password. Every later
// command on the context fails after `io_timeout` without an answer.
Context Connect(const RedisAddress& address, timeval connect_timeout = {0, 500'000}, timeval io_timeout = {2, 0});

}  // namespace veche::bus::redis
