#pragma once
// Private to veche_chat: reading messages with everything they show (reactions, quote, poll, files,
// thread repliers), and the full-text index over them. Runs inside the caller's Tx; checks no
// permission.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat_internal.hpp"

namespace veche::chat {

// The message columns in the order ReadMessage expects, each prefixed with `p` (a table alias).
#define VECHE_MESSAGE_COLUMNS(p)                                                                            \
    p "id, " p "chat_id, " p "author_id, " p "text, " p "client_id, " p "created_at, " p "edited_at, " p    \
      "deleted_at, " p "thread_root_id, " p "reply_count, " p "last_reply_at, " p "forwarded_author_id, " p \
      "forwarded_at, " p "quote_id, " p "pinned_at, " p "pinned_by, " p "kind, " p "buttons"
inline constexpr int kMessageColumnCount = 18;
inline constexpr std::string_view kMessageSelect = "SELECT " VECHE_MESSAGE_COLUMNS("") " FROM messages ";

inline constexpr std::string_view kFileSelect =
    "SELECT id, chat_id, uploader_id, message_id, name, size, content_type, sha256, width, height, "
    "has_thumbnail, created_at, owner_kind, owner_id FROM files ";

// A row selected with kMessageSelect (or VECHE_MESSAGE_COLUMNS), without its extras.
Message ReadMessage(const storage::Statement& st);
// A row selected with kFileSelect.
FileInfo ReadFile(const storage::Statement& st);

// The `buttons` column (JSON text, NULL for none) to and from its rows (buttons.cpp).
ButtonRows ParseStoredButtons(const std::string& stored);
std::optional<std::string> SerializeButtons(const ButtonRows& rows);

// Everything a message shows beyond its row: reactions, the quoted message, the poll, thread repliers.
void LoadExtras(Tx& tx, std::vector<Message>& messages, Id viewer);
// The message with its extras; `viewer` fills the per-viewer fields (0: none, as in events).
std::optional<Message> LoadMessage(Tx& tx, Id message_id, Id viewer = 0);

// Keyset paging over one message id sequence, oldest first. `after_sql` and `before_sql` select by
// `key` and an id bound (ascending and descending respectively), with a LIMIT.
HistoryPage PageMessages(Tx& tx, const std::string& after_sql, const std::string& before_sql, Id key,
                         const HistoryQuery& q, Id viewer);

// Full-text index upkeep. SQLite (FTS5 external-content table: removal must name the old text) is
// deferred to the end of the write batch: FTS5 flushes at every savepoint, and one flush per batch
// instead of per message keeps the index from turning into thousands of one-row segments.
// PostgreSQL keeps a tsvector per message (configuration `veche`, see pg_migrations.cpp: Snowball
// Russian for Cyrillic, Snowball English for Latin words, no stop words, Ё folded to Е).
void IndexMessage(Tx& tx, Id id, const std::string& text);
void UnindexMessage(Tx& tx, Id id, const std::string& text);

}  // namespace veche::chat
