// The audit tables, both dialects side by side (storage/migration.hpp). Append-only.
// `data` is TEXT on PostgreSQL too (not JSONB, which would reorder keys): the chain hashes the
// stored bytes. No foreign keys: the log outlives what it names.
#include "veche/audit/audit.hpp"

namespace veche::audit {
namespace {

constexpr storage::ModuleMigration kMigrations[] = {
    {1, "create audit_log and audit_head",
     R"(CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id INTEGER,
    actor_ip TEXT,
    action TEXT NOT NULL,
    target_kind TEXT,
    target_id INTEGER,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
CREATE INDEX audit_log_action ON audit_log(action, id);
CREATE INDEX audit_log_target ON audit_log(target_kind, target_id, id);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);)",
     R"(CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor_ip TEXT,
    action TEXT NOT NULL,
    target_kind TEXT,
    target_id BIGINT,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
CREATE INDEX audit_log_action ON audit_log(action, id);
CREATE INDEX audit_log_target ON audit_log(target_kind, target_id, id);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);)"},
};

}  // namespace

storage::ModuleSchema Schema() { return {"audit", kMigrations}; }

}  // namespace veche::audit
