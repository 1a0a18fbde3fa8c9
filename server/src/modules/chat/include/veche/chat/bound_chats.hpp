#pragma once
// Chats another module owns (MODULES.md §0.1, PLATFORM.md "a narrow public face"): a business
// object's stage and supplier chats, later a support conversation. Their messages, files, search,
// read state and the resumable stream are the messenger's, unchanged; their members, name and
// archiving are the owning module's: the messenger API refuses those changes with 403 managed_chat.
//
// Every function runs inside the caller's write transaction, so that a module's change and the
// chats it opens, archives or fills commit together (one event for a stage change). None checks
// a permission: the owning module has decided before calling.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "veche/chat/interactions.hpp"
#include "veche/chat/types.hpp"
#include "veche/core/error.hpp"
#include "veche/storage/database.hpp"

namespace veche::chat {

struct BoundMember {
    Id user_id = 0;
    std::string role = "member";  // member | admin | guest (reads only)
};

struct BoundChatSpec {
    std::string kind;  // the owning module's kind, e.g. "object"; never "chat"
    Id owner_id = 0;   // the module's system user, the chat's owner (it posts the system messages)
    std::string name;
    std::string topic;
    std::vector<BoundMember> members;  // besides the owner
    std::optional<std::int64_t> immutable_after_minutes;
    std::optional<std::int64_t> edit_window_minutes;
};

// A private group of kind spec.kind with those members; emits chat.created and member events.
Result<Chat> CreateBoundChat(storage::Tx& tx, const BoundChatSpec& spec);
// The chat, if it is one of `kind`'s.
std::optional<Chat> LoadBoundChat(storage::Tx& tx, Id chat_id, std::string_view kind);
// Brings the members to exactly `members` (plus the owner): adds, changes roles, removes.
Status SetBoundMembers(storage::Tx& tx, Id chat_id, Id actor_id, const std::vector<BoundMember>& members);
// Read-only from now on for everyone; members keep reading and finding it.
Status ArchiveBoundChat(storage::Tx& tx, Id chat_id, Id actor_id);
// A message by `author_id` (a member, usually the owner bot) without the membership checks; with
// buttons whose clicks reach the author's handler (veche/chat/interactions.hpp).
Result<Message> PostSystemMessage(storage::Tx& tx, Id chat_id, Id author_id, std::string text,
                                  const ButtonRows& buttons = {});
// The author's edit of a system message (text kept as a version, buttons replaced), and pinning it.
Result<Message> EditSystemMessage(storage::Tx& tx, Id message_id, const MessageEdit& edit);
Status PinSystemMessage(storage::Tx& tx, Id message_id, Id by, bool pin);
// Members of a chat, oldest first.
std::vector<Member> BoundMembers(storage::Tx& tx, Id chat_id);

// What the owning module hears about its chats, inside the transaction of the change. A failure
// rolls the change back (the poster sees the module's error).
class BoundChatHooks {
public:
    using PostedHook = std::function<Status(storage::Tx&, const Chat&, const Message&)>;
    // Called for every message posted in a chat of `kind` (files included in message.files).
    void OnPosted(std::string kind, PostedHook hook) { posted_[std::move(kind)] = std::move(hook); }

    Status Posted(storage::Tx& tx, const Chat& chat, const Message& m) const {
        auto it = posted_.find(chat.kind);
        return it == posted_.end() ? Status{} : it->second(tx, chat, m);
    }

private:
    std::unordered_map<std::string, PostedHook> posted_;
};

}  // namespace veche::chat
