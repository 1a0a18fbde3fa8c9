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
#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"
#include "veche/storage/database.hpp"

namespace veche::chat {

inline constexpr std::size_t kMaxMessageChars = 16000;
inline constexpr std::size_t kMaxClientIdBytes = 64;
inline constexpr std::size_t kMaxNameChars = 100;
inline constexpr std::size_t kMaxTopicChars = 1000;
inline constexpr std::size_t kMaxEmojiBytes = 32;
inline constexpr int kMaxPageSize = 200;
inline constexpr std::int64_t kMaxSeenByMembers = 50;
inline constexpr std::size_t kMaxPollOptions = 20;
inline constexpr std::size_t kMaxFilesPerMessage = 10;

struct Actor {
    Id user_id = 0;
    bool is_admin = false;  // system administrator (moderation powers, see docs/api.md)
};

struct Chat {
    Id id = 0;
    std::string type;        // direct | group | channel
    std::string visibility;  // public | private
    std::string name;
    std::string topic;
    bool archived = false;
    std::optional<std::int64_t> immutable_after_minutes;
    Id created_by = 0;
    std::int64_t created_at = 0;
    std::int64_t last_activity_at = 0;
    std::int64_t member_count = 0;
};

struct Reaction {
    std::string emoji;
    std::vector<Id> user_ids;  // in the order they reacted
};

struct PollOption {
    std::string text;
    std::vector<Id> voter_ids;  // empty for anonymous polls (counts only)
    std::int64_t votes = 0;
};

struct Poll {
    std::string question;
    bool multiple = false;
    bool anonymous = false;
    std::optional<std::int64_t> deadline;
    std::optional<std::int64_t> closed_at;
    std::vector<PollOption> options;
    std::vector<int> my_votes;  // the viewer's choices (filled for a viewer, empty in events)
    std::int64_t voters = 0;
    bool closed(std::int64_t now) const { return closed_at.has_value() || (deadline && now >= *deadline); }
};

struct QuotedMessage {
    Id id = 0;
    Id author_id = 0;
    std::string text;  // an excerpt; empty when the quoted message was deleted
    bool deleted = false;
};

struct FileInfo {
    Id id = 0;
    Id chat_id = 0;
    Id uploader_id = 0;
    Id message_id = 0;  // 0 until posted with a message
    std::string name;
    std::int64_t size = 0;
    std::string content_type;
    std::string sha256;
    int width = 0;
    int height = 0;
    bool has_thumbnail = false;
    std::int64_t created_at = 0;
};

struct Message {
    Id id = 0;
    Id chat_id = 0;
    Id author_id = 0;
    std::string text;
    std::optional<std::string> client_id;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> edited_at;
    bool deleted = false;
    std::vector<Reaction> reactions;
    std::string kind = "text";  // text | poll
    Id thread_root_id = 0;      // 0: not a thread reply
    std::int64_t reply_count = 0;
    std::optional<std::int64_t> last_reply_at;
    std::vector<Id> thread_participants;  // roots only: up to 5 most recent repliers
    Id forwarded_author_id = 0;           // forwards: the original author and time
    std::optional<std::int64_t> forwarded_at;
    std::optional<QuotedMessage> quote;
    std::optional<std::int64_t> pinned_at;
    Id pinned_by = 0;
    std::optional<Poll> poll;
    std::vector<FileInfo> files;
};

struct NewMessage {
    std::string text;
    std::optional<std::string> client_id;
    Id thread_root_id = 0;
    Id quote_id = 0;
    std::vector<Id> file_ids;  // uploaded by the author to this chat and not yet posted
};

struct NewPoll {
    std::string question;
    std::vector<std::string> options;
    bool multiple = false;
    bool anonymous = false;
    std::optional<std::int64_t> deadline;
    std::optional<std::string> client_id;
};

struct Notification {
    Id id = 0;
    std::string kind;  // mention | thread_reply
    Id chat_id = 0;
    Id message_id = 0;
    Id actor_id = 0;
    std::int64_t created_at = 0;
    bool read = false;
};

// A chat as one user sees it.
struct ChatView {
    Chat chat;
    std::optional<std::string> my_role;  // nullopt: not a member (public channel preview)
    std::optional<Message> last_message;
    std::int64_t unread_count = 0;
    std::int64_t mention_count = 0;
    std::string notify = "all";  // all | mentions | none
    Id last_read_message_id = 0;
    Id direct_user_id = 0;  // direct chats: the other person (or the user, for notes to self)
};

struct Member {
    Id user_id = 0;
    std::string role;
    std::int64_t joined_at = 0;
};

struct NewChat {
    std::string type;                    // direct | group | channel
    std::string visibility = "private";  // channels: public | private
    std::string name;
    std::string topic;
    std::vector<Id> member_ids;
    Id direct_user_id = 0;
    std::optional<std::int64_t> immutable_after_minutes;
};

struct ChatUpdate {
    std::optional<std::string> name;
    std::optional<std::string> topic;
    bool set_immutable = false;  // whether immutable_after_minutes below is to be applied
    std::optional<std::int64_t> immutable_after_minutes;
};

struct HistoryQuery {
    std::optional<Id> before;
    std::optional<Id> after;
    int limit = 50;
    bool include_deleted = false;
};

struct HistoryPage {
    std::vector<Message> messages;  // oldest first
    bool has_more = false;
};

struct MessageVersion {
    std::string text;
    Id editor_id = 0;
    std::int64_t created_at = 0;
};

struct SearchQuery {
    std::string text;                   // words; every word must match (in any inflected form)
    std::optional<Id> chat_id;
    std::optional<Id> author_id;
    std::optional<std::int64_t> from_ms;  // created_at >= from
    std::optional<std::int64_t> to_ms;    // created_at < to
    std::optional<Id> before;           // cursor: results older than this message id
    bool has_file = false;
    int limit = 20;
};

struct SearchHit {
    Message message;
    // The matching passage; matched words sit between U+E000 and U+E001 (private-use characters that
    // never occur in typed text, so the client escapes the snippet and then adds its <mark>).
    std::string snippet;
};

struct SearchPage {
    std::vector<SearchHit> hits;  // newest first
    std::optional<Id> next_before;
};

struct ReadState {
    Id last_read_message_id = 0;
    std::int64_t unread_count = 0;
};

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
        return Post(actor, chat_id, NewMessage{std::string(text), std::move(client_id), 0, 0, {}});
    }
    Result<std::pair<Message, bool>> CreatePoll(const Actor& actor, Id chat_id, const NewPoll& poll);
    Result<Message> Vote(const Actor& actor, Id message_id, const std::vector<int>& options);
    Result<Message> ClosePoll(const Actor& actor, Id message_id);
    Result<HistoryPage> Thread(const Actor& actor, Id root_id, const HistoryQuery& query);
    Status FollowThread(const Actor& actor, Id root_id, bool follow);
    Result<Message> Forward(const Actor& actor, Id message_id, Id to_chat_id, std::optional<std::string> comment);
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
    // and to its uploader before that.
    Result<FileInfo> GetFile(const Actor& actor, Id file_id);
    Result<std::vector<FileInfo>> ListFiles(const Actor& actor, Id chat_id, std::optional<Id> before, int limit);
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

    Result<SearchPage> Search(const Actor& actor, const SearchQuery& query);

    // The chats whose events a user receives (for the realtime hub).
    Result<std::vector<Id>> ChatIdsOf(Id user_id);

    static Status ValidateText(std::string_view text);

private:
    storage::Database& db_;
    accounts::AccountService& accounts_;
};

// Wire shapes (docs/api.md). `viewer` adds per-viewer fields (reactions' "me"); 0 omits them, as in
// events, whose one serialized buffer goes to every member.
boost::json::object MessageToJson(const Message& message, Id viewer, bool show_deleted_text = false);
boost::json::object NotificationToJson(const Notification& n);
boost::json::object FileToJson(const FileInfo& f);
boost::json::object ChatToJson(const Chat& chat);
boost::json::object ChatViewToJson(const ChatView& view, Id viewer);

}  // namespace veche::chat
