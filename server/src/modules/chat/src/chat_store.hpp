#pragma once
// Private to veche_chat: reading chats and memberships. Runs inside the caller's Tx; checks no
// permission.

#include <optional>
#include <string>
#include <string_view>

#include "chat_internal.hpp"

namespace veche::chat {

inline constexpr std::string_view kChatSelect =
    "SELECT id, type, visibility, name, topic, archived, immutable_after_minutes, created_by, created_at, "
    "last_activity_at, (SELECT COUNT(*) FROM members m WHERE m.chat_id = chats.id), kind, "
    "edit_window_minutes FROM chats ";

// A row selected with kChatSelect.
Chat ReadChat(const storage::Statement& st);
std::optional<Chat> LoadChat(Tx& tx, Id chat_id);
// nullopt: not a member.
std::optional<std::string> RoleOf(Tx& tx, Id chat_id, Id user_id);

}  // namespace veche::chat
