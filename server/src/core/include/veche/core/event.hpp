#pragma once
// A change that clients may see. Written to the event log in the same transaction as the change,
// then published to live subscribers after commit, in position order.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "veche/core/ids.hpp"
#include "veche/core/topic.hpp"

namespace veche {

// How an event changes who follows its topic: it starts (kAdd) or ends (kRemove) its target
// user's following. The realtime hub applies it before (kAdd) or after (kRemove) delivering the
// event itself, so an added member sees their own member.added and a removed one their removal.
// Stored with the event, so that a node reading the log back needs no module's kinds.
enum class MembershipChange { kNone = 0, kAdd = 1, kRemove = 2 };

struct Event {
    std::int64_t pos = 0;       // assigned by storage: strictly increasing in commit order
    Topic topic;                // delivered to the topic's followers; empty: none ("chat:42", …)
    Id target_user_id = 0;      // also (or only) delivered to this user; 0: none
    bool broadcast = false;     // delivered to every connected user (topic and target are empty)
    // The object (a message, the user of a user.updated) whose state `data_json` shows; 0: none.
    // When a message is edited or hidden, every stored event of it is rewritten (Tx::RedactEvents),
    // so that a replay never shows more than its current state; a broadcast's subject decides which
    // guests receive it (realtime::UserVisibility).
    Id subject_id = 0;
    std::string kind;           // "message.created", …
    std::string data_json;      // the event's `data` object, serialized
    MembershipChange membership = MembershipChange::kNone;  // target_user_id's following of topic
    std::int64_t created_at = 0;
};

// Receives committed events in position order (the storage's writer calls it after each commit).
class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void Publish(const std::vector<Event>& events) = 0;
};

}  // namespace veche
