#include "veche/bus/cluster_bus.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "veche/core/metrics.hpp"
#include "veche/realtime/event_log.hpp"
#include "redis_connection.hpp"

namespace veche::bus {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kCatchUpPage = 1000;

metrics::Counter* LogReads() {
    static auto* c = metrics::Global().GetCounter(
        "veche_bus_log_events_total", "Events a node took from the event log because Redis had not brought them");
    return c;
}
metrics::Gauge* RedisUp() {
    static auto* g = metrics::Global().GetGauge("veche_bus_redis_connected", "1 while subscribed to Redis");
    return g;
}

using redis::Connect;
using redis::Context;
using redis::Reply;

std::string SerializeEvents(const std::vector<Event>& events, int node) {
    boost::json::array arr;
    arr.reserve(events.size());
    for (const auto& e : events) {
        arr.push_back(boost::json::object{{"p", e.pos},
                                          {"o", e.topic.kind},
                                          {"c", e.topic.id},
                                          {"t", e.target_user_id},
                                          {"b", e.broadcast},
                                          {"k", e.kind},
                                          {"d", e.data_json},
                                          {"a", e.created_at},
                                          {"m", static_cast<int>(e.membership)},
                                          {"s", e.subject_id}});
    }
    return boost::json::serialize(boost::json::object{{"n", node}, {"e", std::move(arr)}});
}

std::vector<Event> ParseEvents(const std::string& payload) {
    std::vector<Event> out;
    boost::system::error_code ec;
    auto v = boost::json::parse(payload, ec);
    if (ec || !v.is_object()) return out;
    const auto* arr = v.as_object().if_contains("e");
    if (!arr || !arr->is_array()) return out;
    for (const auto& item : arr->as_array()) {
        if (!item.is_object()) continue;
        const auto& o = item.as_object();
        try {
            Event e;
            e.pos = o.at("p").to_number<std::int64_t>();
            e.topic.kind = std::string(o.at("o").as_string());
            e.topic.id = o.at("c").to_number<std::int64_t>();
            e.target_user_id = o.at("t").to_number<std::int64_t>();
            e.broadcast = o.at("b").as_bool();
            e.kind = std::string(o.at("k").as_string());
            e.data_json = std::string(o.at("d").as_string());
            e.created_at = o.at("a").to_number<std::int64_t>();
            auto m = o.at("m").to_number<int>();
            e.membership = m == 1 ? MembershipChange::kAdd : m == 2 ? MembershipChange::kRemove : MembershipChange::kNone;
            // A node of an older version sends no subject: its broadcasts reach no guest here.
            if (const auto* s = o.if_contains("s")) e.subject_id = s->to_number<std::int64_t>();
            out.push_back(std::move(e));
        } catch (const std::exception&) {
            // Not ours or malformed: the log fills whatever it should have carried.
        }
    }
    return out;
}

}  // namespace

namespace redis {

Context Connect(const RedisAddress& a, timeval connect_timeout, timeval io_timeout) {
    Context c(redisConnectWithTimeout(a.host.c_str(), a.port, connect_timeout));
    if (!c || c->err) return nullptr;
    redisSetTimeout(c.get(), io_timeout);
    redisEnableKeepAlive(c.get());
    if (!a.password.empty()) {
        Reply r(static_cast<redisReply*>(redisCommand(c.get(), "AUTH %b", a.password.data(), a.password.size())));
        if (!r || r->type == REDIS_REPLY_ERROR) {
            spdlog::error("bus: Redis refused the password");
            return nullptr;
        }
    }
    return c;
}

}  // namespace redis

Result<RedisAddress> ParseRedisUrl(const std::string& url) {
    constexpr std::string_view kScheme = "redis://";
    if (url.rfind(kScheme, 0) != 0) return Error::InvalidArgument("bus must be a redis:// URL");
    std::string_view rest = std::string_view(url).substr(kScheme.size());
    if (auto slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(0, slash);
    RedisAddress a;
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view auth = rest.substr(0, at);
        if (auto colon = auth.find(':'); colon != std::string_view::npos) auth = auth.substr(colon + 1);
        a.password = std::string(auth);
        rest = rest.substr(at + 1);
    }
    if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        std::string_view port = rest.substr(colon + 1);
        auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
        if (ec != std::errc() || p != port.data() + port.size() || a.port < 1 || a.port > 65535)
            return Error::InvalidArgument("bad port in the redis:// URL");
        rest = rest.substr(0, colon);
    }
    if (!rest.empty()) a.host = std::string(rest);
    return a;
}

ClusterBus::ClusterBus(BusOptions options, storage::Database& db, realtime::Hub& local)
    : options_(std::move(options)), db_(db), local_(local),
      events_channel_(options_.channel_prefix + ":events"),
      ephemeral_channel_(options_.channel_prefix + ":ephemeral") {
    LogReads();
    RedisUp();
}

ClusterBus::~ClusterBus() { Stop(); }

void ClusterBus::Start(std::int64_t delivered) {
    {
        std::lock_guard lock(order_mu_);
        next_ = delivered + 1;
    }
    subscriber_ = std::thread([this] { SubscriberLoop(); });
    publisher_ = std::thread([this] { PublisherLoop(); });
}

void ClusterBus::Stop() {
    {
        std::lock_guard lock(stop_mu_);
        stopping_ = true;
    }
    // Taking out_mu_ orders this after any publisher predicate check in progress, so the
    // notification below cannot fall between its check and its wait.
    { std::lock_guard lock(out_mu_); }
    out_cv_.notify_all();
    if (subscriber_.joinable()) subscriber_.join();
    if (publisher_.joinable()) publisher_.join();
}

void ClusterBus::Publish(const std::vector<Event>& events) {
    Enqueue(events_channel_, SerializeEvents(events, options_.node_id));
    Deliver(events);  // this node's clients need not wait for the round trip through Redis
}

void ClusterBus::Deliver(std::vector<Event> events) {
    std::lock_guard lock(order_mu_);
    for (auto& e : events) {
        if (e.pos >= next_) pending_.emplace(e.pos, std::move(e));
    }
    std::vector<Event> ready;
    while (!pending_.empty() && pending_.begin()->first == next_) {
        ready.push_back(std::move(pending_.begin()->second));
        pending_.erase(pending_.begin());
        ++next_;
    }
    // Still under the lock: the hub must see runs in position order.
    if (!ready.empty()) local_.Publish(ready);
    if (pending_.empty()) {
        gap_since_.reset();
    } else if (!gap_since_ || !ready.empty()) {
        gap_since_ = Clock::now();
    }
}

void ClusterBus::CatchUpFromLog() {
    for (;;) {
        std::int64_t after;
        {
            std::lock_guard lock(order_mu_);
            after = next_ - 1;
        }
        auto events = realtime::ReadEventsAfter(db_, after, kCatchUpPage);
        if (!events.ok() || events->empty()) return;
        std::size_t n = events->size();
        LogReads()->Add(static_cast<double>(n));
        Deliver(std::move(*events));
        if (n < static_cast<std::size_t>(kCatchUpPage)) return;
    }
}

void ClusterBus::SubscriberLoop() {
    Context sub;
    auto last_poll = Clock::now();
    auto last_heartbeat = Clock::time_point{};
    auto next_connect = Clock::now();
    for (;;) {
        {
            std::lock_guard lock(stop_mu_);
            if (stopping_) break;
        }
        auto now = Clock::now();
        if (!sub && now >= next_connect) {
            sub = Connect(options_.redis);
            if (sub) {
                Reply r(static_cast<redisReply*>(
                    redisCommand(sub.get(), "SUBSCRIBE %s %s", events_channel_.c_str(), ephemeral_channel_.c_str())));
                if (!r || r->type == REDIS_REPLY_ERROR) {
                    sub.reset();
                } else {
                    spdlog::info("bus: subscribed to Redis {}:{}", options_.redis.host, options_.redis.port);
                    redis_up_ = true;
                    RedisUp()->Set(1);
                    CatchUpFromLog();  // whatever was published while we were away
                }
            }
            if (!sub) next_connect = now + std::chrono::milliseconds(500);
        }
        if (sub) {
            // Replies already buffered by hiredis first, then wait for the socket.
            bool broken = false;
            for (;;) {
                void* raw = nullptr;
                if (redisGetReplyFromReader(sub.get(), &raw) != REDIS_OK) {
                    broken = true;
                    break;
                }
                if (!raw) break;
                Reply r(static_cast<redisReply*>(raw));
                if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[0]->type == REDIS_REPLY_STRING &&
                    std::string_view(r->element[0]->str, r->element[0]->len) == "message") {
                    HandleMessage(std::string(r->element[1]->str, r->element[1]->len),
                                  std::string(r->element[2]->str, r->element[2]->len));
                }
            }
            if (!broken) {
                pollfd p{sub->fd, POLLIN, 0};
                int rc = ::poll(&p, 1, 10);
                if (rc > 0 && redisBufferRead(sub.get()) != REDIS_OK) broken = true;
            }
            if (broken) {
                spdlog::warn("bus: lost the Redis subscription; delivering from the event log until it is back");
                RedisUp()->Set(0);
                redis_up_ = false;
                sub.reset();
                next_connect = Clock::now() + std::chrono::milliseconds(200);
            }
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }

        now = Clock::now();
        bool gap_expired;
        {
            std::lock_guard lock(order_mu_);
            gap_expired = gap_since_ && now - *gap_since_ >= options_.gap_timeout;
        }
        if (gap_expired || now - last_poll >= options_.poll_interval) {
            last_poll = now;
            CatchUpFromLog();
        }
        if (now - last_heartbeat >= options_.heartbeat_interval) {
            last_heartbeat = now;
            Enqueue(ephemeral_channel_, Heartbeat());
            ExpireSilentNodes();
        }
    }
    RedisUp()->Set(0);
}

void ClusterBus::HandleMessage(const std::string& channel, const std::string& payload) {
    if (channel == events_channel_) {
        Deliver(ParseEvents(payload));
    } else if (channel == ephemeral_channel_) {
        HandleEphemeral(payload);
    }
}

void ClusterBus::HandleEphemeral(const std::string& payload) {
    boost::system::error_code ec;
    auto v = boost::json::parse(payload, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.as_object();
    std::vector<Id> changed;
    try {
        int node = static_cast<int>(o.at("n").to_number<std::int64_t>());
        if (node == options_.node_id) return;
        std::string_view type = o.at("y").as_string();
        if (type == "signal") {
            Topic topic{std::string(o.at("k").as_string()), o.at("i").to_number<std::int64_t>()};
            local_.RemoteSignal(topic, o.at("x").to_number<std::int64_t>(),
                                std::make_shared<const std::string>(o.at("f").as_string()));
            return;
        }
        std::lock_guard lock(nodes_mu_);
        heard_[node] = Clock::now();
        auto& users = users_by_node_[node];
        if (type == "conn") {
            Id user = o.at("u").to_number<std::int64_t>();
            bool on = o.at("on").as_bool();
            if (on ? users.insert(user).second : users.erase(user) > 0) changed.push_back(user);
        } else if (type == "hb") {
            std::unordered_set<Id> now_users;
            for (const auto& u : o.at("u").as_array()) now_users.insert(u.to_number<std::int64_t>());
            for (Id u : users) {
                if (!now_users.count(u)) changed.push_back(u);
            }
            for (Id u : now_users) {
                if (!users.count(u)) changed.push_back(u);
            }
            users = std::move(now_users);
        }
    } catch (const std::exception&) {
        return;
    }
    for (Id u : changed) local_.RemoteConnectionChanged(u);
}

void ClusterBus::ExpireSilentNodes() {
    std::vector<Id> changed;
    {
        std::lock_guard lock(nodes_mu_);
        auto limit = Clock::now() - 3 * options_.heartbeat_interval;
        for (auto it = heard_.begin(); it != heard_.end();) {
            if (it->second >= limit) {
                ++it;
                continue;
            }
            spdlog::warn("bus: node {} has been silent; forgetting its connections", it->first);
            auto& users = users_by_node_[it->first];
            changed.insert(changed.end(), users.begin(), users.end());
            users_by_node_.erase(it->first);
            it = heard_.erase(it);
        }
    }
    for (Id u : changed) local_.RemoteConnectionChanged(u);
}

void ClusterBus::RelaySignal(const Topic& topic, Id except_user, const std::string& frame) {
    Enqueue(ephemeral_channel_, boost::json::serialize(boost::json::object{{"n", options_.node_id},
                                                                           {"y", "signal"},
                                                                           {"k", topic.kind},
                                                                           {"i", topic.id},
                                                                           {"x", except_user},
                                                                           {"f", frame}}));
}

void ClusterBus::RelayConnection(Id user_id, bool connected) {
    {
        std::lock_guard lock(nodes_mu_);
        if (connected) local_users_.insert(user_id); else local_users_.erase(user_id);
    }
    Enqueue(ephemeral_channel_, boost::json::serialize(boost::json::object{
                                    {"n", options_.node_id}, {"y", "conn"}, {"u", user_id}, {"on", connected}}));
}

bool ClusterBus::ConnectedElsewhere(Id user_id) const {
    std::lock_guard lock(nodes_mu_);
    for (const auto& [node, users] : users_by_node_) {
        if (users.count(user_id)) return true;
    }
    return false;
}

std::string ClusterBus::Heartbeat() {
    boost::json::array users;
    {
        std::lock_guard lock(nodes_mu_);
        users.reserve(local_users_.size());
        for (Id u : local_users_) users.push_back(u);
    }
    return boost::json::serialize(
        boost::json::object{{"n", options_.node_id}, {"y", "hb"}, {"u", std::move(users)}});
}

void ClusterBus::Enqueue(std::string channel, std::string payload) {
    {
        std::lock_guard lock(out_mu_);
        // A Redis that cannot keep up loses messages, not memory: the log covers events.
        if (outbox_.size() >= 100'000) outbox_.pop_front();
        outbox_.emplace_back(std::move(channel), std::move(payload));
    }
    out_cv_.notify_one();
}

void ClusterBus::PublisherLoop() {
    Context pub;
    std::deque<std::pair<std::string, std::string>> batch;
    for (;;) {
        {
            std::unique_lock lock(out_mu_);
            out_cv_.wait(lock, [&] {
                std::lock_guard stop(stop_mu_);
                return stopping_ || !outbox_.empty();
            });
            {
                std::lock_guard stop(stop_mu_);
                if (stopping_) return;
            }
            batch.swap(outbox_);
        }
        if (!pub) pub = Connect(options_.redis);
        if (!pub) {
            batch.clear();  // dropped: other nodes read the events from the log
            std::unique_lock lock(out_mu_);
            out_cv_.wait_for(lock, std::chrono::milliseconds(200));
            continue;
        }
        // Pipelined: every PUBLISH is written, then the replies are read.
        for (const auto& [channel, payload] : batch) {
            redisAppendCommand(pub.get(), "PUBLISH %b %b", channel.data(), channel.size(), payload.data(),
                               payload.size());
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
            void* raw = nullptr;
            if (redisGetReply(pub.get(), &raw) != REDIS_OK) {
                pub.reset();
                break;
            }
            freeReplyObject(raw);
        }
        batch.clear();
    }
}

}  // namespace veche::bus
