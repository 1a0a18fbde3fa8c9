#pragma once
// Private to veche_chat: the events a chat's changes emit into the caller's Tx (delivered after it
// commits), and the rewriting of logged events when a message changes.

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "chat_internal.hpp"

namespace veche::chat {

void EmitToChat(Tx& tx, Id chat_id, std::string kind, const boost::json::object& data,
                MembershipChange membership = MembershipChange::kNone, Id target = 0);

// A message's event carries the message as everyone in the chat sees it, and names it as the
// event's subject so that RedactMessage can bring the event to the message's later state.
void EmitMessage(Tx& tx, std::string kind, const Message& m);

// After an edit, a deletion or a restore: every logged event of the message, and of the messages
// quoting it (they show its text), is rewritten to what they show now, so that a client replaying
// the log never sees deleted text, deleted files or superseded versions (docs/architecture.md).
void RedactMessage(Tx& tx, Id message_id);

// member.added / member.updated / member.removed, addressed to the chat and to the member.
void EmitMember(Tx& tx, Id chat_id, Id user_id, const std::string& role, std::string kind,
                MembershipChange membership);

// The chat's history (veche/timeline, item chat:<id>): created, updated, archived, unarchived,
// member_joined, member_left, member_added, member_removed, member_role_changed, owner_inherited.
// Entries are not published: the chat's own events already tell its open panels.
Status RecordHistory(Tx& tx, Id chat_id, std::optional<Id> actor_id, std::string type,
                     boost::json::object data = {});

}  // namespace veche::chat
