#pragma once
// What a module tells the realtime layer: who follows the topics of its kinds (Audience), and
// which frames from clients it handles (WsActions). Registered on the hub at start-up through
// Module::AddRealtime; the hub and the transport know no module.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"

namespace boost::json {
class object;
}
namespace veche::storage {
class Tx;
}

namespace veche::realtime {

// The followers of one topic kind ("chat": the chat's members). Read at two moments, always in a
// read transaction that also sees every event published so far: when a user's first connection
// attaches (later changes arrive as events with a MembershipChange), and for each page of a
// resume (so a replay shows only the topics the user follows now). Must be cheap: one indexed
// query. Called from worker threads; must be thread-safe (it usually holds no state).
class Audience {
public:
    virtual ~Audience() = default;
    virtual std::string_view kind() const = 0;
    // The ids of the topics of this kind that `user_id` follows.
    virtual std::vector<Id> FollowedBy(storage::Tx& tx, Id user_id) const = 0;
};

// Which users a viewer may learn about from what is sent to everyone: `user.updated` (a broadcast
// event whose subject_id is the user) and presence frames. Most accounts see every user; a
// restricted one (a guest account) only those VisibleTo names, and no broadcast without a subject.
// Asked when a user's first connection attaches, for each batch carrying a broadcast or presence
// while a restricted user is connected, and for each resume page of a restricted user, always in a
// read transaction. Implemented by the accounts module; thread-safe.
class UserVisibility {
public:
    virtual ~UserVisibility() = default;
    virtual bool Restricted(storage::Tx& tx, Id viewer) const = 0;
    // The ids among `users` that the restricted `viewer` may see (itself included).
    virtual std::vector<Id> VisibleTo(storage::Tx& tx, Id viewer, const std::vector<Id>& users) const = 0;
};

// A frame from a client, other than hello and ping, as its handler sees it.
struct ClientFrame {
    Id user_id = 0;
    Id session_id = 0;
    const boost::json::object& body;  // the whole frame, "type" included
};

// Runs on a worker thread, one frame of a connection at a time. An error goes back to the client
// as `{"type":"error","code":…,"status":…,"message":…}` with the HTTP API's code and status.
using WsAction = std::function<Status(const ClientFrame&)>;

// A frame whose fields are missing or of the wrong type: the WebSocket's "invalid_frame" (400).
inline Error InvalidFrame(std::string message) {
    return Error{ErrorCode::kMalformedRequest, "invalid_frame", std::move(message)};
}

class WsActions {
public:
    // Throws std::logic_error for a type already taken, "hello", "ping" or an empty type: frame
    // types are one namespace (by convention "<module>.<verb>", the messenger's "typing" predates it).
    void Add(std::string type, WsAction action);
    const WsAction* Find(std::string_view type) const;
    std::vector<std::string> Types() const;

private:
    std::map<std::string, WsAction, std::less<>> actions_;
};

}  // namespace veche::realtime
