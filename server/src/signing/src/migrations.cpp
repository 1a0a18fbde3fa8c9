// The signing tables, both dialects side by side (storage/migration.hpp). Append-only.
// Bytes are stored as base64url text (storage binds integers and text only). The partial unique
// index on (alg) is what makes key creation race-safe: one active key per algorithm, whichever node
// inserts first.
#include "veche/signing/signing_service.hpp"

namespace veche::signing {
namespace {

constexpr storage::ModuleMigration kMigrations[] = {
    {1, "create signing keys and signatures",
     R"(CREATE TABLE signing_keys (
    key_id TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    public_key TEXT NOT NULL,
    secret_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys(alg) WHERE retired_at IS NULL;
CREATE TABLE signing_signatures (
    id INTEGER PRIMARY KEY,
    statement TEXT NOT NULL,
    statement_sha256 TEXT NOT NULL,
    alg TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    provider_evidence TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);)",
     R"(CREATE TABLE signing_keys (
    key_id TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    public_key TEXT NOT NULL,
    secret_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys(alg) WHERE retired_at IS NULL;
CREATE TABLE signing_signatures (
    id BIGINT PRIMARY KEY,
    statement TEXT NOT NULL,
    statement_sha256 TEXT NOT NULL,
    alg TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    provider_evidence TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);)"},
};

}  // namespace

storage::ModuleSchema Schema() { return {"signing", kMigrations}; }

}  // namespace veche::signing
