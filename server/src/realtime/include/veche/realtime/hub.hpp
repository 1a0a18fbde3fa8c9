#pragma once
// Live fan-out of committed events to connected clients (MSG-8), presence, and closing the
// connections of revoked sessions. Transport-agnostic: a connection is a Subscriber.
//
// Events are addressed by topic (veche/core/topic.hpp). The modules say who follows the topics of
// their kinds (Audience) and which client frames they handle (WsActions); the hub knows no module.
//
// Each event is serialized once into an immutable frame shared by every recipient. Subscribers
// receive frames in position order; Deliver must not block (it queues and returns). After the
// frames of one batch (one Publish, one presence or typing frame) the hub calls Flush once on every
// subscriber that got one, so a transport can hand a whole batch to its connection in one step.
// Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "veche/core/event.hpp"
#include "veche/realtime/audience.hpp"
#include "veche/realtime/event_log.hpp"
#include "veche/storage/database.hpp"

namespace veche::realtime {

using Frame = std::shared_ptr<const std::string>;

// WebSocket close codes of our own (4000–4999 are for applications, RFC 6455 §7.4.2).
inline constexpr int kCloseRevoked = 4001;
inline constexpr int kCloseTooSlow = 4008;
inline constexpr int kCloseGoingAway = 1001;

class Subscriber {
public:
    Subscriber(Id user_id, Id session_id) : user_id_(user_id), session_id_(session_id) {}
    virtual ~Subscriber() = default;
    // `pos` is 0 for frames outside the event log (presence).
    virtual void Deliver(Frame frame, std::int64_t pos) = 0;
    // The end of a batch of Deliver calls (see above); called with the hub's lock held.
    virtual void Flush() {}
    virtual void Close(int code, std::string reason) = 0;

    Id user_id() const { return user_id_; }
    Id session_id() const { return session_id_; }

private:
    friend class Hub;
    Id user_id_;
    Id session_id_;
    std::uint64_t hub_batch_ = 0;  // the last Publish batch that reached it (guarded by the hub's lock)
};

// The other nodes of a cluster, as the hub sees them: where its ephemeral signals go, and who is
// connected elsewhere. Implemented by the cluster bus; absent on a single node.
class ClusterRelay {
public:
    virtual ~ClusterRelay() = default;
    // An ephemeral frame for the followers of `topic` other than `except_user` (Hub::Signal).
    virtual void RelaySignal(const Topic& topic, Id except_user, const std::string& frame) = 0;
    // The user's first connection to this node opened, or its last one closed.
    virtual void RelayConnection(Id user_id, bool connected) = 0;
    virtual bool ConnectedElsewhere(Id user_id) const = 0;
};

// `{"type":"event","pos":…,"kind":…,"topic":"chat:42","chat_id":"42","data":…}`; `chat_id` only
// for chat topics (the messenger's clients predate topics).
std::string EventFrame(const Event& event);

// The presence a user chose ("online", "away", "dnd", "offline"), from the accounts module; empty
// for an unknown user.
using PresenceLookup = std::function<std::string(Id user_id)>;

class Hub final : public EventSink {
public:
    explicit Hub(storage::Database& db);
    ~Hub() override;

    // Wiring, before serving (not thread-safe). Modules register through Module::AddRealtime.
    // An audience's kind is unique: a second one for a kind throws std::logic_error.
    void AddAudience(const Audience& audience);
    WsActions& actions() { return actions_; }
    const WsActions& actions() const { return actions_; }
    void SetPresenceLookup(PresenceLookup lookup) { presence_lookup_ = std::move(lookup); }
    // Who restricted viewers (guests) may hear of (audience.hpp); unset: everyone hears of everyone.
    void SetUserVisibility(const UserVisibility* visibility) { visibility_ = visibility; }

    // Registers a connection. Returns the position of the last event published before it was
    // registered: every later event reaches it through Deliver.
    Result<std::int64_t> Attach(const std::shared_ptr<Subscriber>& subscriber);
    void Detach(const Subscriber* subscriber);

    void Publish(const std::vector<Event>& events) override;
    void OnSessionsRevoked(const std::vector<Id>& session_ids);
    void OnPresenceChanged(Id user_id);

    // Whether a connected user follows `topic` now (false when they have no connection here).
    bool Follows(Id user_id, const Topic& topic) const;
    // An ephemeral frame (not stored, no position: "is typing") to every connection here and on
    // the other nodes of the followers of `topic`, except `except_user`'s. The caller has checked
    // that the sender may signal there and rate-limited it.
    void Signal(const Topic& topic, Id except_user, Frame frame);
    // Another node's Signal (checked there).
    void RemoteSignal(const Topic& topic, Id except_user, Frame frame);

    // One page of a resume for `user_id` (event_log.hpp) over the registered audiences; for a
    // restricted user without the broadcasts it may not see (still a full page unless the log ends).
    Result<ReplayPage> ReadReplayPage(Id user_id, std::int64_t after_pos, int limit) const;

    // Set before serving, in cluster mode.
    void SetRelay(ClusterRelay* relay) { relay_ = relay; }
    // The user's connections on other nodes appeared or all went: tell this node's clients.
    void RemoteConnectionChanged(Id user_id);

    // On this node or, in a cluster, on any.
    bool IsConnected(Id user_id) const;
    std::size_t ConnectionCount() const;
    std::int64_t LastPublished() const;
    // Closes every connection (server shutdown).
    void CloseAll(int code, const std::string& reason);
    // Forgets every connection without closing it: the transport calls this when its I/O loop has
    // stopped, so that no connection outlives the loop it belongs to.
    void ReleaseAll();
    // Stops the presence flusher; call before destroying the services it uses.
    void Stop();

private:
    // A topic as the hub keys it: the index of its kind's audience and its id (events of a kind
    // nobody registered reach only their target user).
    struct Key {
        std::uint32_t kind;
        Id id;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const noexcept {
            return std::hash<Id>()(k.id) ^ (static_cast<std::size_t>(k.kind) << 1);
        }
    };
    std::optional<Key> KeyOf(const Topic& topic) const;

    // For each connected restricted user, the subjects of `events`' broadcasts it may see (read
    // before taking the lock; a restricted user attaching meanwhile is denied them, and its resume
    // reads them from the log).
    using Allowed = std::unordered_map<Id, std::unordered_set<Id>>;
    Allowed AllowedBroadcasts(const std::vector<Event>& events) const;
    void QueuePresence(Id user_id, std::string presence);
    void PublishLocked(const std::vector<Event>& events, const Allowed& allowed, std::vector<Id>& revoked);
    void SignalLocked(const Key& key, Id except_user, const Frame& frame);
    bool IsConnectedHere(Id user_id) const;
    void PresenceLoop();
    // Delivers to every connection of `user_id`, remembers them for the batch's Flush, returns how many.
    std::size_t DeliverToUserLocked(Id user_id, const Frame& frame, std::int64_t pos, std::vector<Subscriber*>& touched);

    storage::Database& db_;
    std::vector<const Audience*> audiences_;  // a Key's kind indexes this
    WsActions actions_;
    PresenceLookup presence_lookup_;
    const UserVisibility* visibility_ = nullptr;
    ClusterRelay* relay_ = nullptr;

    mutable std::mutex mu_;
    std::unordered_map<Id, std::vector<std::shared_ptr<Subscriber>>> by_user_;
    std::unordered_map<Key, std::unordered_set<Id>, KeyHash> users_by_topic_;  // only users with connections
    std::unordered_map<Id, std::unordered_set<Key, KeyHash>> topics_by_user_;
    std::unordered_set<Id> restricted_;  // connected users UserVisibility restricts
    std::int64_t last_published_ = 0;
    std::uint64_t batch_ = 0;  // numbers Publish batches, so each recipient is flushed once

    // Presence changes are coalesced into one frame per interval, so that a reconnect storm of N
    // clients costs N·(N/batch) frames rather than N².
    std::mutex presence_mu_;
    std::condition_variable presence_cv_;
    std::unordered_map<Id, std::string> pending_presence_;
    bool stopping_ = false;
    std::thread presence_thread_;
};

}  // namespace veche::realtime
