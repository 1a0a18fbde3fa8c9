// The scheduled messages table, both dialects side by side (storage/migration.hpp). Append-only.
#include "veche/scheduled/scheduled_service.hpp"

namespace veche::scheduled {
namespace {

constexpr storage::ModuleMigration kMigrations[] = {
    {1, "create scheduled_messages",
     R"(CREATE TABLE scheduled_messages (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL,
    chat_id INTEGER NOT NULL,
    thread_root_id INTEGER,
    text TEXT NOT NULL,
    send_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    message_id INTEGER,
    failure_code TEXT,
    failure TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX scheduled_messages_author ON scheduled_messages(author_id, state, send_at);)",
     R"(CREATE TABLE scheduled_messages (
    id BIGINT PRIMARY KEY,
    author_id BIGINT NOT NULL,
    chat_id BIGINT NOT NULL,
    thread_root_id BIGINT,
    text TEXT NOT NULL,
    send_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    message_id BIGINT,
    failure_code TEXT,
    failure TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX scheduled_messages_author ON scheduled_messages(author_id, state, send_at);)"},
};

}  // namespace

storage::ModuleSchema Schema() { return {"scheduled", kMigrations}; }

}  // namespace veche::scheduled
