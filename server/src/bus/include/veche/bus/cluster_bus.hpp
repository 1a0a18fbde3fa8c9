#pragma once
// Cluster mode (OPS-1): the nodes that share one PostgreSQL database see each other's events
// through Redis pub/sub. Redis only makes delivery fast; the event log in the database stays the
// truth. Positions are dense and in commit order across nodes (see OpenPostgres), so every node
// delivers the same sequence to its clients: events that arrive early wait for the ones before
// them, and a hole that Redis does not fill within a few milliseconds — a message lost while Redis
// restarts, or a node killed between its commit and its publish — is read from the log. With
// Redis down, nodes keep delivering from the log at polling latency and resubscribe when it is back.
//
// Signals (typing) and who is connected where go over Redis only: they are ephemeral.
//
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "veche/core/event.hpp"
#include "veche/realtime/hub.hpp"
#include "veche/storage/database.hpp"

namespace veche::bus {

struct RedisAddress {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string password;
};
// redis://[:password@]host[:port][/db]
Result<RedisAddress> ParseRedisUrl(const std::string& url);

struct BusOptions {
    RedisAddress redis;
    int node_id = 0;
    std::string channel_prefix = "veche";
    // A hole in positions this old is read from the log.
    std::chrono::milliseconds gap_timeout{30};
    // The log is read this often anyway (the safety net when Redis is down or a publish was lost).
    std::chrono::milliseconds poll_interval{250};
    // Who is connected here is re-announced this often; a node silent for 3 periods is gone.
    std::chrono::milliseconds heartbeat_interval{2000};
};

class ClusterBus final : public EventSink, public realtime::ClusterRelay {
public:
    // `local` receives every event of the cluster, once, in position order (the node's hub).
    ClusterBus(BusOptions options, storage::Database& db, realtime::Hub& local);
    ~ClusterBus() override;

    // `delivered`: the last position the hub already accounts for (it read the head at start).
    void Start(std::int64_t delivered);
    void Stop();
    // True while subscribed to Redis (readiness: /api/v1/ready).
    bool RedisConnected() const { return redis_up_; }

    // From this node's storage writer, after each commit.
    void Publish(const std::vector<Event>& events) override;

    void RelaySignal(const Topic& topic, Id except_user, const std::string& frame) override;
    void RelayConnection(Id user_id, bool connected) override;
    bool ConnectedElsewhere(Id user_id) const override;

private:
    void Deliver(std::vector<Event> events);
    void CatchUpFromLog();
    void SubscriberLoop();
    void PublisherLoop();
    void HandleMessage(const std::string& channel, const std::string& payload);
    void HandleEphemeral(const std::string& payload);
    void ExpireSilentNodes();
    void Enqueue(std::string channel, std::string payload);
    std::string Heartbeat();

    BusOptions options_;
    storage::Database& db_;
    realtime::Hub& local_;
    std::string events_channel_;
    std::string ephemeral_channel_;

    // Ordering: positions before next_ are delivered; later ones wait in pending_.
    std::mutex order_mu_;
    std::int64_t next_ = 1;
    std::map<std::int64_t, Event> pending_;
    std::optional<std::chrono::steady_clock::time_point> gap_since_;

    // Outgoing messages for Redis (dropped when it is unreachable: the log covers events).
    std::mutex out_mu_;
    std::condition_variable out_cv_;
    std::deque<std::pair<std::string, std::string>> outbox_;

    // Who is connected on which other node, and when each node was last heard from.
    mutable std::mutex nodes_mu_;
    std::unordered_map<int, std::unordered_set<Id>> users_by_node_;
    std::unordered_map<int, std::chrono::steady_clock::time_point> heard_;
    std::unordered_set<Id> local_users_;

    std::mutex stop_mu_;
    bool stopping_ = false;
    std::atomic<bool> redis_up_{false};
    std::thread subscriber_;
    std::thread publisher_;
};

}  // namespace veche::bus
