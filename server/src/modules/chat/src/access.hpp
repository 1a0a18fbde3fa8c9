#pragma once
// Private to veche_chat: what the actor may see and do in a chat, decided inside the transaction of
// the operation so that the check cannot race the change.

#include <optional>
#include <string>
#include <utility>

#include "chat_internal.hpp"

namespace veche::chat {

struct Access {
    Chat chat;
    std::optional<std::string> role;  // nullopt: not a member

    bool is_member() const { return role.has_value(); }
    bool is_manager() const { return role == "owner" || role == "admin"; }
    bool can_write() const { return role && *role != "guest"; }
};

// The chat as the actor may see it: members see their chats; anyone but a guest account sees
// public channels. Anything else is reported as not found, exactly like an unknown id.
Result<Access> See(Tx& tx, const Actor& actor, Id chat_id);
Result<Access> SeeAsMember(Tx& tx, const Actor& actor, Id chat_id);
// A message is visible to members of its chat; system administrators also reach messages of public
// channels for moderation.
Result<std::pair<Message, Access>> SeeMessage(Tx& tx, const Actor& actor, Id message_id);

// 403 guest_forbidden: what a guest account may not do (create chats, list channels, invite).
Error GuestForbidden(std::string message);

// The chat is not archived and the actor is a member who may write (not a read-only guest member).
Status CheckWritable(const Access& a);
// 403 chat_archived: every write to an archived chat.
Error ArchivedError();
// 403 managed_chat for a chat of another module's kind (veche/chat/bound_chats.hpp): its members,
// name and archiving are that module's, never the messenger API's.
Status CheckManaged(const Chat& chat);
// The chat's immutable_after_minutes (and, for edits, its edit_window_minutes) still allows the change.
enum class Change { kEdit, kDelete };
Status CheckMutable(const Chat& chat, const Message& m, Change change);

}  // namespace veche::chat
