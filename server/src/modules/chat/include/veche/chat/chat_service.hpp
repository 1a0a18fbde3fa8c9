#pragma once
// Chats, membership and messages (MSG-2, MSG-3, MSG-4, reactions of MSG-5, read markers of MSG-6).
// Every operation takes the acting user and checks, inside the same transaction as the change, that
// the user may see and do it: an object of a chat the actor cannot see is reported as not found.
// Synchronous; call from worker threads. Thread-safe.

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "veche/accounts/account_service.hpp"
#include "veche/chat/interactions.hpp"
#include "veche/chat/types.hpp"
#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/files/attachments.hpp"
#include "veche/core/ids.hpp"
#include "veche/storage/database.hpp"

namespace veche::chat {

class BoundChatHooks;

using veche::Actor;  // core/actor.hpp: who acts, the same in every module

class ChatService {
public:
    ChatService(storage::Database& db, accounts::AccountService& accounts);

    // Second of the pair: true when created, false when an existing direct chat was returned.
    Result<std::pair<ChatView, bool>> CreateChat(const Actor& actor, const NewChat& spec);
    Result<std::vector<ChatView>> ListMyChats(const Actor& actor);
    Result<std::vector<ChatView>> ListPublicChannels(const Actor& actor, std::string_view query, int limit);
    Result<ChatView> GetChat(const Actor& actor, Id chat_id);
    Result<ChatView> UpdateChat(const Actor& actor, Id chat_id, const ChatUpdate& update);
    Result<ChatView> SetArchived(const Actor& actor, Id chat_id, bool archived);
    Result<ChatView> Join(const Actor& actor, Id chat_id);
    Status Leave(const Actor& actor, Id chat_id);

    Result<std::vector<Member>> ListMembers(const Actor& actor, Id chat_id);
    Result<std::vector<Member>> AddMembers(const Actor& actor, Id chat_id, const std::vector<Id>& user_ids,
                                           const std::string& role);
    Result<Member> SetMemberRole(const Actor& actor, Id chat_id, Id user_id, const std::string& role);
    Status RemoveMember(const Actor& actor, Id chat_id, Id user_id);
    Result<ReadState> MarkRead(const Actor& actor, Id chat_id, Id message_id);

    // Second of the pair: true when posted, false when `client_id` repeated an earlier post.
    Result<std::pair<Message, bool>> Post(const Actor& actor, Id chat_id, const NewMessage& message);
    Result<std::pair<Message, bool>> Post(const Actor& actor, Id chat_id, std::string_view text,
                                          std::optional<std::string> client_id) {
        return Post(actor, chat_id,
                    NewMessage{std::string(text), std::move(client_id), 0, 0, {}, std::nullopt});
    }
    Result<std::pair<Message, bool>> CreatePoll(const Actor& actor, Id chat_id, const NewPoll& poll);
    Result<Message> Vote(const Actor& actor, Id message_id, const std::vector<int>& options);
    Result<Message> ClosePoll(const Actor& actor, Id message_id);
    Result<HistoryPage> Thread(const Actor& actor, Id root_id, const HistoryQuery& query);
    Status FollowThread(const Actor& actor, Id root_id, bool follow);
    Result<Message> Forward(const Actor& actor, Id message_id, Id to_chat_id,
                            std::optional<std::string> comment);
    Result<Message> Pin(const Actor& actor, Id message_id, bool pin);
    Result<std::vector<Message>> Pins(const Actor& actor, Id chat_id);
    // Members whose read marker passed the message (small chats only: at most kMaxSeenByMembers).
    Result<std::vector<Id>> SeenBy(const Actor& actor, Id message_id);
    Result<ChatView> SetNotify(const Actor& actor, Id chat_id, const std::string& level);
    Result<std::vector<Notification>> Notifications(const Actor& actor, std::optional<Id> before, int limit,
                                                    bool unread_only);
    Status MarkNotificationsRead(const Actor& actor, const std::vector<Id>& ids);
    // Files: upload is allowed to members who may post; the bytes are stored by the caller, then recorded.
    Status CheckCanUpload(const Actor& actor, Id chat_id);
    Result<FileInfo> RecordFile(const Actor& actor, Id chat_id, const FileInfo& file);
    // A file is visible to members of its chat once posted (and while its message is not deleted),
    // and to its uploader before that. A file another module owns (veche/files/attachments.hpp)
    // is visible as that module's registered check says; an unregistered kind, to nobody.
    Result<FileInfo> GetFile(const Actor& actor, Id file_id);
    // The other modules' download checks (the Assembly's, found at Start); none until set.
    void SetAttachmentOwners(const files::AttachmentOwners& owners) { attachment_owners_ = &owners; }
    // What the modules owning bound chats hear (veche/chat/bound_chats.hpp); set at start.
    void SetBoundHooks(const BoundChatHooks& hooks) { bound_hooks_ = &hooks; }
    Result<std::vector<FileInfo>> ListFiles(const Actor& actor, Id chat_id, std::optional<Id> before,
                                            int limit);
    // Bytes the user's uploads take, counted per upload (the quota's measure), posted or not.
    Result<std::int64_t> UploadedBytes(Id user_id);
    // Deletes up to `limit` uploads never posted and created before `created_before_ms`, in one
    // write transaction. For each content hash that no row names any more, calls `release` inside
    // that transaction (FileStore::Remove). Returns how many rows went. Safe on several nodes at
    // once: a row is deleted by one transaction only, and in PostgreSQL a per-hash advisory lock
    // orders it against RecordFile.
    // Whether any upload row names these bytes (the final check before discarding set-aside bytes).
    Result<bool> ContentInUse(const std::string& sha256);
    Result<int> DeleteUnattachedFiles(std::int64_t created_before_ms, int limit,
                                      const std::function<void(const std::string& sha256)>& release);

    Result<HistoryPage> History(const Actor& actor, Id chat_id, const HistoryQuery& query);
    Result<Message> GetMessage(const Actor& actor, Id message_id);
    Result<Message> Edit(const Actor& actor, Id message_id, std::string_view text);
    Status Delete(const Actor& actor, Id message_id);
    Result<std::vector<MessageVersion>> Versions(const Actor& actor, Id message_id);
    Result<Message> Restore(const Actor& actor, Id message_id);
    Result<Message> React(const Actor& actor, Id message_id, std::string_view emoji, bool add);

    // Buttons (veche/chat/interactions.hpp). For server-side code only (the module that owns the
    // bot; no actor is checked): a new text and/or buttons of a message, with the usual version
    // row and `message.updated` event. kNotFound for a deleted or unknown message.
    Result<Message> EditButtons(Id message_id, const MessageEdit& edit);
    // A click on the command button at (row, col) of a message, by a member of its chat: claims the
    // idempotency key (message, user, command) in chat_interactions, echoes the label as the user's
    // message unless the button is silent, calls the message author's handler, applies its edit.
    // A repeated click of the key while the first is handled or within kInteractionRepeatWindowMs of
    // its answer gets that answer (`repeated`) and delivers nothing. Errors: message_not_found (also
    // for non-members), no_buttons, bad_button, link_button (400), bot_unavailable (409), the
    // handler's own error.
    Result<InteractionResult> Interact(const Actor& actor, Id message_id, int row, int col);
    // The bots' handlers (the chat module's, published at Start); none until set: bot_unavailable.
    void SetInteractionHandlers(const InteractionHandlers& handlers) { handlers_ = &handlers; }

    Result<SearchPage> Search(const Actor& actor, const SearchQuery& query);

    // The chats whose events a user receives (for the realtime hub).
    Result<std::vector<Id>> ChatIdsOf(Id user_id);

    static Status ValidateText(std::string_view text);

private:
    storage::Database& db_;
    accounts::AccountService& accounts_;
    const files::AttachmentOwners* attachment_owners_ = nullptr;
    const BoundChatHooks* bound_hooks_ = nullptr;
    const InteractionHandlers* handlers_ = nullptr;
};

// Wire shapes (docs/api.md). `viewer` adds per-viewer fields (reactions' "me"); 0 omits them, as in
// events, whose one serialized buffer goes to every member.
boost::json::object InteractionResultToJson(const InteractionResult& r, Id viewer);
boost::json::object MessageToJson(const Message& message, Id viewer, bool show_deleted_text = false);
boost::json::object NotificationToJson(const Notification& n);
boost::json::object FileToJson(const FileInfo& f);
boost::json::object ChatToJson(const Chat& chat);
boost::json::object ChatViewToJson(const ChatView& view, Id viewer);

}  // namespace veche::chat
