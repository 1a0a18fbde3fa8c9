#pragma once
// Live fan-out of committed events to connected clients (MSG-8), presence, and closing the
// connections of revoked sessions. Transport-agnostic: a connection is a Subscriber.
//
// Each event is serialized once into an immutable frame shared by every recipient. Subscribers
// receive frames in position order; Deliver must not block (it queues and returns). After the
// frames of one batch (one Publish, one presence or typing frame) the hub calls Flush once on every
// subscriber that got one, so a transport can hand a whole batch to its connection in one step.
// Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "veche/accounts/account_service.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/event.hpp"
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
    virtual void RelayTyping(Id user_id, Id chat_id) = 0;
    // The user's first connection to this node opened, or its last one closed.
    virtual void RelayConnection(Id user_id, bool connected) = 0;
    virtual bool ConnectedElsewhere(Id user_id) const = 0;
};

// `{"type":"event","pos":…,"kind":…,"chat_id":…,"data":…}`
std::string EventFrame(const Event& event);

class Hub final : public EventSink, public accounts::SessionListener {
public:
    Hub(storage::Database& db, chat::ChatService& chats, accounts::AccountService& accounts);
    ~Hub() override;

    // Registers a connection. Returns the position of the last event published before it was
    // registered: every later event reaches it through Deliver.
    Result<std::int64_t> Attach(const std::shared_ptr<Subscriber>& subscriber);
    void Detach(const Subscriber* subscriber);

    void Publish(const std::vector<Event>& events) override;
    void OnSessionsRevoked(const std::vector<Id>& session_ids) override;
    void OnPresenceChanged(Id user_id) override;

    // An ephemeral "is typing" signal from a connected member; not stored, at most one per user and
    // chat every 2 s (extra ones are dropped). Returns false when the user is not in the chat.
    bool Typing(Id user_id, Id chat_id);

    // Set before serving, in cluster mode.
    void SetRelay(ClusterRelay* relay) { relay_ = relay; }
    // Another node's member is typing (checked and rate-limited there).
    void RemoteTyping(Id user_id, Id chat_id);
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
    void QueuePresence(Id user_id, std::string presence);
    void PublishLocked(const std::vector<Event>& events, std::vector<Id>& revoked);
    void DeliverTypingLocked(Id user_id, Id chat_id);
    bool IsConnectedHere(Id user_id) const;
    void PresenceLoop();
    // Delivers to every connection of `user_id`, remembers them for the batch's Flush, returns how many.
    std::size_t DeliverToUserLocked(Id user_id, const Frame& frame, std::int64_t pos, std::vector<Subscriber*>& touched);

    storage::Database& db_;
    chat::ChatService& chats_;
    accounts::AccountService& accounts_;
    ClusterRelay* relay_ = nullptr;

    mutable std::mutex mu_;
    std::unordered_map<Id, std::vector<std::shared_ptr<Subscriber>>> by_user_;
    std::unordered_map<Id, std::unordered_set<Id>> users_by_chat_;  // only users with connections
    std::unordered_map<Id, std::unordered_set<Id>> chats_by_user_;
    std::int64_t last_published_ = 0;
    std::uint64_t batch_ = 0;  // numbers Publish batches, so each recipient is flushed once
    std::unordered_map<std::string, std::int64_t> last_typing_;  // "user:chat" → ms

    // Presence changes are coalesced into one frame per interval, so that a reconnect storm of N
    // clients costs N·(N/batch) frames rather than N².
    std::mutex presence_mu_;
    std::condition_variable presence_cv_;
    std::unordered_map<Id, std::string> pending_presence_;
    bool stopping_ = false;
    std::thread presence_thread_;
};

}  // namespace veche::realtime
