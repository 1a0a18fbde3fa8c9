#include "module_migrator.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

namespace veche::storage {

std::string MigrationChecksum(std::string_view sql) {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a, 64 bit
    for (unsigned char c : sql) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return fmt::format("{:016x}", h);
}

void ValidateModuleSchemas(const std::vector<ModuleSchema>& schemas) {
    std::set<std::string> seen;
    for (const auto& s : schemas) {
        if (s.module.empty()) throw StorageError("a module schema has no module name", false);
        if (!seen.insert(s.module).second)
            throw StorageError("module " + s.module + " lists its migrations twice", false);
        int expected = 1;
        for (const auto& m : s.migrations) {
            if (m.version != expected) {
                throw StorageError(
                    fmt::format("module {}: migration {} follows {} (versions run 1, 2, 3 … without gaps)",
                                s.module, m.version, expected - 1),
                    false);
            }
            if (m.name.empty() || m.sqlite.empty() || m.postgres.empty()) {
                throw StorageError(
                    fmt::format("module {}: migration {} needs a name and the text for both engines",
                                s.module, m.version),
                    false);
            }
            ++expected;
        }
    }
}

std::vector<PendingMigration> PendingModuleMigrations(const std::vector<ModuleSchema>& schemas,
                                                      const std::vector<AppliedMigration>& applied,
                                                      Dialect dialect) {
    ValidateModuleSchemas(schemas);
    std::map<std::string, std::map<int, std::string>, std::less<>> done;  // module → version → checksum
    for (const auto& a : applied) done[a.module][a.version] = a.checksum;

    std::vector<PendingMigration> pending;
    for (const auto& s : schemas) {
        auto it = done.find(s.module);
        const std::map<int, std::string>* have = it == done.end() ? nullptr : &it->second;
        if (have && !have->empty() && have->rbegin()->first > static_cast<int>(s.migrations.size())) {
            throw StorageError(
                fmt::format("module {} is at schema version {} in this database, but this binary knows "
                            "only {}: a newer Veche has run on it",
                            s.module, have->rbegin()->first, s.migrations.size()),
                false);
        }
        for (const auto& m : s.migrations) {
            std::string_view sql = dialect == Dialect::kSqlite ? m.sqlite : m.postgres;
            std::string sum = MigrationChecksum(sql);
            if (have) {
                if (auto a = have->find(m.version); a != have->end()) {
                    if (a->second != sum) {
                        throw StorageError(
                            fmt::format("module {}: migration {} ({}) differs from the one applied to this "
                                        "database; shipped migrations are never edited, add a new version",
                                        s.module, m.version, m.name),
                            false);
                    }
                    continue;
                }
            }
            pending.push_back({s.module, &m, sql, std::move(sum)});
        }
        // Skipping a version would leave a hole no later run fills: refuse it.
        if (have) {
            for (const auto& [version, sum] : *have) {
                (void)sum;
                for (const auto& p : pending) {
                    if (p.module == s.module && p.migration->version < version) {
                        throw StorageError(fmt::format("module {}: version {} is applied but {} is not",
                                                       s.module, version, p.migration->version),
                                           false);
                    }
                }
            }
        }
    }
    return pending;
}

std::string_view ModuleMigrationsTableSql(Dialect dialect) {
    if (dialect == Dialect::kSqlite) {
        return "CREATE TABLE IF NOT EXISTS module_migrations (module TEXT NOT NULL, version INTEGER NOT "
               "NULL, "
               "name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL, PRIMARY KEY "
               "(module, version))";
    }
    return "CREATE TABLE IF NOT EXISTS module_migrations (module TEXT NOT NULL, version BIGINT NOT NULL, "
           "name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (module, "
           "version))";
}

}  // namespace veche::storage
