#pragma once
// Full-text search as a facility any module indexes into (PLATFORM.md 4b-2): a support ticket, a
// consultation, a video, a best-practice article is a document `(kind, id)` with a title, a body
// and a scope, indexed in the transaction that changes it and found with the messenger's
// linguistics — Snowball stems for Russian and English, Ё read as Е, every word of the query
// required, the user's punctuation never parsed as query syntax — on both engines.
//
// Authorization stays the module's: a document carries one scope id (the ticket's queue, the
// video's community, the note's owner), and a search names the scopes the caller may see, or
// none to mean every scope for a caller who sees everything of those kinds. A module that needs
// finer rules filters the hits it gets back (ask for a few more than you show).
//
// The messenger's messages keep their own index (messages_fts / message_search): their search is
// the hot path, walks newest first and filters by chat membership in the same statement.
//
// Thread safety: free functions over the caller's Tx.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"
#include "veche/storage/database.hpp"
#include "veche/storage/migration.hpp"

namespace veche::search {

// The module key of search_documents in module_migrations; listed before every module's.
storage::ModuleSchema Schema();

inline constexpr std::size_t kMaxTitleBytes = 1024;
inline constexpr std::size_t kMaxBodyBytes = 256 * 1024;

struct Document {
    std::string kind;  // the module's kind of item: "ticket", "video" ([a-z0-9_], 1..32)
    Id id = 0;
    Id scope_id = 0;    // who may find it, in the module's terms (0: no scope)
    std::string title;  // weighs more than the body in the ranking
    std::string body;
    std::int64_t at = 0;  // ms epoch, for the caller's own ordering or display; 0: now
};

// Adds or replaces the document (kind, id) in the caller's write transaction: it becomes findable
// exactly when that commits. kInvalidArgument for a bad kind, id or oversize text.
Status Index(storage::Tx& tx, const Document& doc);
// Removes it; absent is fine.
void Remove(storage::Tx& tx, const std::string& kind, Id id);

struct Query {
    std::vector<std::string> kinds;  // at least one
    std::string text;                // what the user typed
    // The scopes the caller may see; nullopt: every scope. An empty list finds nothing.
    std::optional<std::vector<Id>> scopes;
    int limit = 20;  // 1..100
    int offset = 0;  // 0..1000: results are ranked, so pages are by offset
};

struct Hit {
    std::string kind;
    Id id = 0;
    Id scope_id = 0;
    std::int64_t at = 0;
    // The best fragment of the title or body, the matched words between U+E000 and U+E001 (as the
    // messenger's search marks them, so one client highlighter serves both).
    std::string snippet;
};

// Best match first (title words weigh double). kInvalidArgument when the text holds no searchable
// word, for no kinds, or a bad limit or offset.
Result<std::vector<Hit>> Find(storage::Tx& tx, const Query& query);

// The user's query as a match expression both engines read literally: each word that holds a
// searchable term, quoted, joined by spaces (all required). "" when none does.
std::string MatchExpression(std::string_view query);

}  // namespace veche::search
