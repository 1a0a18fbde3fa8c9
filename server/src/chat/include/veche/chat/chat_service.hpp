#pragma once
// Chats, membership and messages (MSG-2, MSG-3, MSG-4, reactions of MSG-5, read markers of MSG-6).
// Every operation takes the acting user and checks, inside the same transaction as the change, that
// the user may see and do it: an object of a chat the actor cannot see is reported as not found.
// Synchronous; call from worker threads. Thread-safe.

#include <boost/json/object.hpp>

#include <cstdint>
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
};

// A chat as one user sees it.
struct ChatView {
    Chat chat;
    std::optional<std::string> my_role;  // nullopt: not a member (public channel preview)
    std::optional<Message> last_message;
    std::int64_t unread_count = 0;
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
    int limit = 20;
};

// Marks around matched words in a snippet: U+E000 before, U+E001 after (private-use characters
// that never occur in typed text, so the client escapes the snippet and then adds its <mark>).
inline constexpr std::string_view kHighlightStart = "\xEE\x80\x80";
inline constexpr std::string_view kHighlightEnd = "\xEE\x80\x81";

struct SearchHit {
    Message message;
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
    Result<std::pair<Message, bool>> Post(const Actor& actor, Id chat_id, std::string_view text,
                                          std::optional<std::string> client_id);
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
boost::json::object ChatToJson(const Chat& chat);
boost::json::object ChatViewToJson(const ChatView& view, Id viewer);

}  // namespace veche::chat
