#pragma once
// The timeline (MODULES.md §0.5): what happened to one business item — a chat, a ticket, a
// consultation, an approval — as one shape, `{item, type, actor, at, data}`, after the Playbooks
// TimelineEvent and the Documenso DocumentAuditLog. It feeds the item's history in the UI
// (GET /api/v1/timeline/{kind}/{id}), the audit log where an entry is also a security fact
// (Options::audit), and later the outgoing webhooks (BOT-2), which read it by id.
//
// Transactions: Record runs in the write job of the action it describes, so the entry exists
// exactly when the action committed. Authorization is the item's module's: it checked the actor
// before recording, and it registers who may read an item's history (Readers).
//
// Thread safety: free functions over the caller's Tx or a thread-safe Database; Readers is filled
// at start-up and read-only after.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/core/topic.hpp"
#include "veche/storage/database.hpp"
#include "veche/storage/migration.hpp"

namespace veche::timeline {

// The module key of timeline_events in module_migrations; listed before every module's.
storage::ModuleSchema Schema();

inline constexpr std::size_t kMaxTypeBytes = 64;
inline constexpr std::size_t kMaxDataBytes = 16 * 1024;

struct Entry {
    Topic item;                    // "ticket:7": the item's topic (veche/core/topic.hpp)
    std::string type;              // "status_changed", "member_added": [a-z0-9_.], 1 to 64 bytes
    std::optional<Id> actor_id;    // nullopt: the system (a timer, a bot without a user)
    std::string data_json = "{}";  // a JSON object: what changed, e.g. {"from":"open","to":"closed"}
    std::int64_t at = 0;           // ms epoch; 0: when Record is called
};

struct Options {
    // Also an audit entry (action "<kind>.<type>", target the item), for role changes, deletions,
    // exports: what SEC-7 asks to be provable.
    bool audit = false;
    std::string actor_ip;  // for the audit entry
    // Also an event on the item's topic (kind "timeline.added", data the entry's JSON), for the
    // open history panels of the item's followers; off when the module's own event says it.
    bool publish = false;
};

struct Row {
    Id id = 0;  // time-ordered (veche/core/ids.hpp): keyset paging and webhook cursors
    Topic item;
    std::string type;
    std::optional<Id> actor_id;
    std::int64_t at = 0;
    std::string data_json;
};

// kInvalidArgument for a bad item, type or data: a programming error of the caller, reported
// rather than recorded wrongly. Returns the entry's id.
Result<Id> Record(storage::Tx& tx, Entry entry, const Options& options = {});

// Newest first, at most `limit` (1..200) entries with ids below `before` when given.
std::vector<Row> List(storage::Tx& tx, const Topic& item, std::optional<Id> before, int limit);

// `{"id","item":"ticket:7","type","actor_id","at","data"}`, as the API and the event carry it.
std::string RowJson(const Row& row);

// Who may read an item's history, per kind, registered by the module that owns the kind: ok, or
// the error the route returns (by convention NotFound of the item, so ids leak nothing).
using ReadCheck = std::function<Status(storage::Tx& tx, const Actor& actor, Id item_id)>;

class Readers {
public:
    // Throws std::logic_error for a kind registered twice or one that is not a topic kind.
    void Add(std::string kind, ReadCheck check);
    const ReadCheck* Find(std::string_view kind) const;

private:
    std::map<std::string, ReadCheck, std::less<>> checks_;
};

}  // namespace veche::timeline
