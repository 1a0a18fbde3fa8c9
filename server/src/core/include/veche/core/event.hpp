#pragma once
// A change that clients may see. Written to the event log in the same transaction as the change,
// then published to live subscribers after commit, in position order.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "veche/core/ids.hpp"

namespace veche {

// How an event changes who receives a chat's events; the realtime hub applies it before
// (kAdd) or after (kRemove) delivering the event itself.
enum class MembershipChange { kNone, kAdd, kRemove };

// The membership change an event of this kind carries: events read back from the log or from
// another node carry only their kind.
inline MembershipChange MembershipOfKind(std::string_view kind) {
    if (kind == "member.added") return MembershipChange::kAdd;
    if (kind == "member.removed") return MembershipChange::kRemove;
    return MembershipChange::kNone;
}

struct Event {
    std::int64_t pos = 0;       // assigned by storage: strictly increasing in commit order
    Id chat_id = 0;             // 0: not a chat event
    Id target_user_id = 0;      // also (or only) delivered to this user; 0: none
    bool broadcast = false;     // delivered to every connected user (chat_id and target are 0)
    // The object (a message) whose state `data_json` shows; 0: none. When that object is edited or
    // hidden, every stored event of it is rewritten (Tx::RedactEvents), so that a replay never shows
    // more than the object's current state.
    Id subject_id = 0;
    std::string kind;           // "message.created", …
    std::string data_json;      // the event's `data` object, serialized
    MembershipChange membership = MembershipChange::kNone;  // applies to target_user_id in chat_id
    std::int64_t created_at = 0;
};

// Receives committed events in position order (the storage's writer calls it after each commit).
class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void Publish(const std::vector<Event>& events) = 0;
};

}  // namespace veche
