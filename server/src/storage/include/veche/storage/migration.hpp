#pragma once
// Schema changes owned by a module (or a platform service with tables, such as jobs).
//
// Each module keeps its own numbered list with the SQLite and PostgreSQL text side by side, so
// the two dialects cannot drift apart. The storage backends record what they applied in
// `module_migrations(module, version, name, checksum, applied_at)` and apply the lists in the
// order given (the registry passes them in dependency order). Rules, enforced when a database is
// opened (a violation throws StorageError: it is a build or deployment bug, not a runtime state):
//   - versions run 1, 2, 3 … without gaps, and a shipped migration is never edited: the checksum
//     of an applied migration must match the text this binary carries;
//   - a database whose module is at a version this binary does not know (a newer binary ran on
//     it) is refused rather than served with a schema the code does not understand;
//   - a module's tables carry its name as a prefix (`support_tickets`), which is also how
//     `veche migrate --to postgresql://…` finds them and copies them in dependency order.
// The messenger's first six versions predate this and stay frozen as the baseline
// (`schema_migrations`); everything new goes into a module list.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace veche::storage {

struct ModuleMigration {
    int version;                // per module, from 1; append-only
    std::string_view name;      // what it does, "create tickets"
    std::string_view sqlite;    // the change for SQLite (one or more statements)
    std::string_view postgres;  // the same change for PostgreSQL
};

struct ModuleSchema {
    std::string module;  // "support": the key and the table prefix
    std::span<const ModuleMigration> migrations;
};

// The version each module is at in a database (module_migrations), for `veche migrate` and tests.
struct ModuleVersion {
    std::string module;
    int version = 0;
};

// A short stable digest of a migration's text (FNV-1a, hex), stored beside each applied version.
std::string MigrationChecksum(std::string_view sql);

// Throws StorageError when a list breaks the rules above that need no database (gaps, order,
// empty text, a module named twice).
void ValidateModuleSchemas(const std::vector<ModuleSchema>& schemas);

}  // namespace veche::storage
