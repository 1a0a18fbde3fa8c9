#pragma once
// Steps shared by the agents' and the visitors' paths, each inside the caller's write transaction.

#include <optional>
#include <string>

#include "assignment.hpp"
#include "veche/chat/types.hpp"
#include "veche/support/types.hpp"

namespace veche::support {

struct Started {
    Conversation conversation;
    chat::Message message;
};

// A new open conversation of the contact: its number, its chat (owned by the bot), the customer's
// first message, and the engine's assignment. `topic_id` decides the team, else the inbox's.
Result<Started> StartConversation(storage::Tx& tx, const Assigner& assigner, Id bot_id, const Inbox& inbox,
                                  const Contact& contact, std::optional<Id> topic_id, const std::string& text,
                                  std::optional<Id> previous_id);
// A customer's message in an existing conversation: a snoozed one wakes (its assignee kept when
// eligible), a resolved one reopens (to its last agent when eligible, else the engine), a pending
// one is open again.
Result<chat::Message> AddIncoming(storage::Tx& tx, const Assigner& assigner, Id bot_id, Conversation& c,
                                  const std::string& text);
// AddIncoming's bookkeeping for a customer's message already in the chat (a widget upload): its
// direction, the wake or reopen, the event.
Status TakeIncoming(storage::Tx& tx, const Assigner& assigner, Conversation& c, Id message_id);
// Whether a customer's message to this resolved conversation reopens it rather than starting a new one.
bool WithinReopenWindow(const Conversation& c, const Inbox& inbox, std::int64_t now);

}  // namespace veche::support
