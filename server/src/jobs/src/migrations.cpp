// The jobs tables, both dialects side by side (storage/migration.hpp). Append-only.
#include "veche/jobs/scheduler.hpp"

namespace veche::jobs {
namespace {

constexpr storage::ModuleMigration kMigrations[] = {
    {1, "create jobs_queue",
     R"(CREATE TABLE jobs_queue (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    last_error TEXT,
    lease_owner TEXT,
    lease_until INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_queue_state_due ON jobs_queue(state, due_at);
CREATE INDEX jobs_queue_state_lease ON jobs_queue(state, lease_until);
CREATE INDEX jobs_queue_kind ON jobs_queue(kind, id);)",
     R"(CREATE TABLE jobs_queue (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),
    due_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    last_error TEXT,
    lease_owner TEXT,
    lease_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_queue_state_due ON jobs_queue(state, due_at);
CREATE INDEX jobs_queue_state_lease ON jobs_queue(state, lease_until);
CREATE INDEX jobs_queue_kind ON jobs_queue(kind, id);)"},
};

}  // namespace

storage::ModuleSchema Schema() { return {"jobs", kMigrations}; }

}  // namespace veche::jobs
