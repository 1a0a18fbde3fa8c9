#pragma once
// Private to veche_chat: the helpers that ChatService's implementation files share. Every function
// runs inside the caller's transaction and checks no permission unless its name says so.

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "veche/chat/chat_service.hpp"

namespace veche::chat {

using storage::Tx;

inline std::string S(std::string_view a, std::string_view b) { return std::string(a) + std::string(b); }

// chats.cpp
ChatView BuildView(Tx& tx, Id viewer, Chat chat, std::optional<std::string> role);
Result<ChatView> ViewOf(Tx& tx, const Actor& actor, Id chat_id);

// members.cpp
void AddMemberRow(Tx& tx, Id chat_id, Id user_id, const std::string& role);

// messages.cpp
Status ValidatePaging(const HistoryQuery& q);

// notifications.cpp
void Notify(Tx& tx, Id user_id, const std::string& kind, Id chat_id, Id message_id, Id actor_id);

// Who a new message mentions, as member ids: named users who are members, and everyone for
// @channel/@all (or everyone connected, for @here).
struct MentionTargets {
    std::set<Id> named;  // resolved before the write (accounts are never deleted)
    bool everyone = false;
    bool here = false;
};

void RecordMentions(Tx& tx, const MentionTargets& targets, const Message& m,
                    const std::function<bool(Id)>& is_connected);

}  // namespace veche::chat
