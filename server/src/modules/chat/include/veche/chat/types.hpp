#pragma once
// The values of the chat module: chats, members, messages and what hangs off them (reactions,
// polls, files, versions), the requests that create or change them, and the pages that list them.
// Plain data without behaviour beyond trivial accessors; safe to copy between threads.

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "veche/core/ids.hpp"

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
inline constexpr std::size_t kMaxButtonRows = 5;
inline constexpr std::size_t kMaxButtonsPerRow = 5;
inline constexpr std::size_t kMaxButtonLabelChars = 64;
inline constexpr std::size_t kMaxButtonCommandBytes = 128;
inline constexpr std::size_t kMaxButtonLinkBytes = 2048;
inline constexpr std::size_t kMaxButtonAlertChars = 256;
inline constexpr std::size_t kMaxButtonDataBytes = 4096;  // `data` serialized

// An interactive button under a bot's message (MODULES.md §0.6, after eXpress BotX): exactly one of
// `command` (the click reaches the bot, see veche/chat/interactions.hpp) or `link` (an http(s) URL
// or an app path starting with "/"; the client opens it and the server never hears of it).
struct Button {
    std::string label;
    std::string command;               // empty for a link button
    std::string link;                  // empty for a command button
    boost::json::object data;          // handed to the bot with the click; at most 4 KiB serialized
    bool silent = false;               // true: the click is not echoed into the chat as the user's message
    std::optional<std::string> alert;  // shown to the clicking user when the bot's reply has none
};
// Rows of buttons, top to bottom; at most kMaxButtonRows rows of 1..kMaxButtonsPerRow buttons.
using ButtonRows = std::vector<std::vector<Button>>;

struct Chat {
    Id id = 0;
    std::string type;        // direct | group | channel
    std::string visibility;  // public | private
    std::string name;
    std::string topic;
    bool archived = false;
    std::optional<std::int64_t> immutable_after_minutes;
    // Where immutable history forbids changes: how long an edit (which keeps a version) stays open.
    std::optional<std::int64_t> edit_window_minutes;
    // "chat" for the messenger's own; otherwise the module kind that owns it (veche/chat/bound_chats.hpp).
    std::string kind = "chat";
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
    // Who owns it (veche/files/attachments.hpp): "chat" and chat_id, or another module's item.
    std::string owner_kind = "chat";
    Id owner_id = 0;
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
    ButtonRows buttons;  // empty: none
};

struct NewMessage {
    std::string text;
    std::optional<std::string> client_id;
    Id thread_root_id = 0;
    Id quote_id = 0;
    std::vector<Id> file_ids;  // uploaded by the author to this chat and not yet posted
    // Server-side code only (a module's bot): the public POST /messages refuses the field.
    std::optional<ButtonRows> buttons;
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
    std::string text;  // words; every word must match (in any inflected form)
    std::optional<Id> chat_id;
    std::optional<Id> author_id;
    std::optional<std::int64_t> from_ms;  // created_at >= from
    std::optional<std::int64_t> to_ms;    // created_at < to
    std::optional<Id> before;             // cursor: results older than this message id
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

}  // namespace veche::chat
