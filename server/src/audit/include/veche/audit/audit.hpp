#pragma once
// The audit log (SEC-7): who did what to which account, session or job, when and from where,
// kept in `audit_log`, append-only and hash-chained so that editing or deleting a stored row is
// detected by Verify (and `veche audit verify`).
//
// Transactions. Record is called inside the write job of the action it records, so the entry
// exists exactly when the action committed: a job that fails (or throws) leaves no entry, and an
// entry never describes an action that was rolled back.
//
// The chain. Row n stores prev_hash = hash of row n−1 (64 zeros for row 1) and
//   hash = hex SHA-256( prev_hash "\n" Canonical(row) )
// where Canonical frames every field with its length (CanonicalText below), so no two rows
// serialize alike. `id` is the position in the chain (1, 2, 3 …, no holes), taken from the
// one-row table `audit_head(seq, hash)` (made by the first append) that names the last row.
// Verify checks each link, each hash, that ids have no holes, and that the head names the last
// row (a deleted tail). `data` is stored as TEXT, never JSONB, so the bytes hashed are the bytes
// read back.
//
// Concurrency. The SQLite and PostgreSQL writers group many jobs into one transaction; Record
// does not link the row while its job runs but defers it (Tx::Defer) to the end of the batch,
// just before the commit. There the batch locks the head row (PostgreSQL: SELECT … FOR UPDATE,
// held until COMMIT; SQLite: BEGIN IMMEDIATE already makes the writer the only one), reads the
// last hash, appends its entries in job order and moves the head. So:
//   - inside a batch the entries follow each other (the deferred steps run one after another on
//     the writer thread, each reading the head the previous one wrote), and a failed job's step
//     is dropped with it;
//   - across the nodes of a cluster, a second node's batch waits at the head row until the first
//     commits and then reads the committed head (READ COMMITTED re-reads a row it waited for), so
//     two nodes never link to the same predecessor: the chain cannot fork. A row lock rather than
//     pg_advisory_xact_lock, because the row is needed anyway (the last hash and the next id in
//     one read, and the tail check), and it is the same SQL on both engines;
//   - the lock is taken after every job of the batch has taken its own row locks and before the
//     event counter's (which every batch takes last), always in that order, so it cannot deadlock
//     with them, and it is held only for the few statements between the end of the jobs and COMMIT.
// A consequence: the entry is not visible (nor its id known) inside the job that records it.
//
// What the chain proves: that the rows were not changed, removed or reordered after they were
// written, unless whoever changed them recomputed every later hash and the head. To catch that
// too, keep the head hash somewhere else from time to time (docs/operations.md, "Audit log").
//
// Thread safety: free functions over the caller's Tx or a thread-safe Database.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"
#include "veche/storage/database.hpp"
#include "veche/storage/migration.hpp"

namespace veche::audit {

// The module key of audit_log and audit_head in module_migrations; listed before every module's.
storage::ModuleSchema Schema();

inline constexpr std::size_t kMaxActionBytes = 64;
inline constexpr std::size_t kMaxTargetKindBytes = 32;
inline constexpr std::size_t kMaxDataBytes = 16 * 1024;
// prev_hash of the first row.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// What happened, as the caller records it.
struct Entry {
    std::optional<Id> actor_id;  // nullopt: the system or the CLI (say which in data: {"via":"cli"})
    std::string actor_ip;        // "" when there is none (CLI, system)
    std::string action;          // "auth.login", "user.created": [a-z0-9_.], 1 to 64 bytes
    std::string target_kind;     // "user", "session", "job"; "" for none
    std::optional<Id> target_id;
    std::string data_json = "{}";  // a JSON object; never a password or a token
    std::int64_t at = 0;           // ms epoch; 0: when Record is called
};

// A stored row.
struct Row {
    Id id = 0;  // the position in the chain, from 1
    std::int64_t at = 0;
    std::optional<Id> actor_id;
    std::optional<std::string> actor_ip;
    std::string action;
    std::optional<std::string> target_kind;
    std::optional<Id> target_id;
    std::string data_json;
    std::string prev_hash;
    std::string hash;
};

// Appends `entry` in the caller's write transaction (see the top of this file: linked at the end of
// the batch, dropped if the job fails). kInvalidArgument for an action, kind or data that breaks
// the limits above: a programming error of the caller, reported rather than recorded wrongly.
Status Record(storage::Tx& tx, Entry entry);

// The length-framed text hashed for a row (everything but the two hashes), and the row's hash.
std::string CanonicalText(const Row& row);
std::string ChainHash(std::string_view prev_hash, const Row& row);

struct Filter {
    std::optional<Id> actor_id;
    std::optional<std::string> action;
    std::optional<std::string> target_kind;
    std::optional<Id> target_id;
    std::optional<std::int64_t> from;  // at >= from (ms)
    std::optional<std::int64_t> to;    // at <= to (ms)
    std::optional<Id> before;          // keyset: ids below this one
    int limit = 50;
};

// Newest first (id descending), at most filter.limit rows.
Result<std::vector<Row>> List(storage::Database& db, const Filter& filter);

struct Verification {
    bool ok = true;
    std::int64_t rows = 0;        // rows checked
    std::optional<Id> broken_id;  // the first row that does not verify (or where one is missing)
    std::string reason;           // what is wrong with it
    std::string head_hash;        // the last row's hash (kGenesisHash when empty)
};

// Walks the chain from row 1 in one read snapshot and reports the first broken row. The error is
// for storage failures only; a tampered log is a Verification with ok = false.
Result<Verification> Verify(storage::Database& db);

}  // namespace veche::audit
