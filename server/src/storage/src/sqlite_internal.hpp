#pragma once
// Private to the SQLite backend.

#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "baseline_migration.hpp"
#include "module_migrator.hpp"
#include "veche/storage/database.hpp"

namespace veche::storage::sqlite {

const std::vector<Migration>& Migrations();

class SqliteStatement final : public Statement {
public:
    SqliteStatement(sqlite3* db, std::string_view sql);
    ~SqliteStatement() override;
    void BindInt(int index, std::int64_t value) override;
    void BindText(int index, std::string_view value) override;
    void BindNull(int index) override;
    bool Step() override;
    std::int64_t Int(int column) const override;
    std::string Text(int column) const override;
    bool IsNull(int column) const override;
    void Reset() override;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// One connection with its statement cache.
class Connection {
public:
    Connection(const std::string& path, bool read_only, bool synchronous_full);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void ExecScript(const char* sql);
    Statement& Prepare(std::string_view sql);
    // Resets every statement a job left mid-way, so none keeps an old read snapshot open.
    void ResetBusyStatements();
    sqlite3* handle() { return db_; }

private:
    sqlite3* db_ = nullptr;
    std::map<std::string, std::unique_ptr<SqliteStatement>, std::less<>> cache_;
};

[[noreturn]] void Throw(sqlite3* db, int rc, std::string_view context);

void ApplyMigrations(Connection& conn, int target);
void ApplyModuleMigrations(Connection& conn, const std::vector<ModuleSchema>& modules);
std::vector<AppliedMigration> AppliedModuleMigrations(Connection& conn);
void RegisterTokenizer(sqlite3* db);
int CurrentVersion(Connection& conn);

}  // namespace veche::storage::sqlite
