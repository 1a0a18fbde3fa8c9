#pragma once
// Private to the storage backends: which module migrations a database still needs, checked
// against what it has applied (the rules are in veche/storage/migration.hpp). Pure, so both
// backends share it and unit tests can drive it without a database.

#include <string>
#include <vector>

#include "veche/storage/database.hpp"
#include "veche/storage/migration.hpp"

namespace veche::storage {

struct AppliedMigration {
    std::string module;
    int version = 0;
    std::string checksum;
};

struct PendingMigration {
    std::string_view module;
    const ModuleMigration* migration = nullptr;
    std::string_view sql;  // the dialect's text
    std::string checksum;  // of `sql`
};

// Throws StorageError on an edited, renumbered or unknown applied migration.
std::vector<PendingMigration> PendingModuleMigrations(const std::vector<ModuleSchema>& schemas,
                                                      const std::vector<AppliedMigration>& applied,
                                                      Dialect dialect);

// The bookkeeping table, per dialect.
std::string_view ModuleMigrationsTableSql(Dialect dialect);

}  // namespace veche::storage
