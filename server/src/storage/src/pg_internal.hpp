#pragma once
// Private to the PostgreSQL backend.

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "baseline_migration.hpp"
#include "module_migrator.hpp"
#include "veche/storage/database.hpp"

namespace veche::storage::pg {

const std::vector<Migration>& Migrations();

// A failed statement, with the SQLSTATE that tells whether running the job again can succeed.
class PgError : public StorageError {
public:
    PgError(const std::string& what, std::string sqlstate)
        : StorageError(what, sqlstate.rfind("23", 0) == 0), sqlstate_(std::move(sqlstate)) {}
    const std::string& sqlstate() const { return sqlstate_; }
    // Unique violation, serialization failure, deadlock: another node's concurrent transaction won;
    // the job, run again, sees its result.
    bool retryable() const { return sqlstate_ == "23505" || sqlstate_ == "40001" || sqlstate_ == "40P01"; }

private:
    std::string sqlstate_;
};

// Rewrites portable SQL for PostgreSQL: `?` marks become `$1, $2, …` (outside quotes), and LIKE
// becomes ILIKE (SQLite's LIKE ignores ASCII case). Returns the SQL and the number of parameters.
std::pair<std::string, int> TranslateSql(std::string_view sql);

class PgConnection;

class PgStatement final : public Statement {
public:
    PgStatement(PgConnection& conn, std::string name, int params);
    ~PgStatement() override;
    void BindInt(int index, std::int64_t value) override;
    void BindText(int index, std::string_view value) override;
    void BindNull(int index) override;
    bool Step() override;
    std::int64_t Int(int column) const override;
    std::string Text(int column) const override;
    bool IsNull(int column) const override;
    void Reset() override;

private:
    void Execute();

    PgConnection& conn_;
    std::string name_;
    std::vector<std::string> values_;
    std::vector<char> null_;
    PGresult* result_ = nullptr;
    int rows_ = 0;
    int row_ = -1;
};

// One connection with its prepared-statement cache.
class PgConnection {
public:
    explicit PgConnection(const std::string& url);
    ~PgConnection();
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    // Runs SQL without parameters (several statements allowed); throws PgError on failure.
    void Exec(const std::string& sql);
    Statement& Prepare(std::string_view sql);
    // After a failure: reconnects if the connection was lost (prepared statements go with it).
    void Recover();
    bool InTransaction() const;

    PGconn* handle() { return conn_; }
    std::int64_t last_changes() const { return last_changes_; }
    void set_last_changes(std::int64_t n) { last_changes_ = n; }

private:
    std::string url_;
    PGconn* conn_ = nullptr;
    std::map<std::string, std::unique_ptr<PgStatement>, std::less<>> cache_;
    int next_name_ = 0;
    std::int64_t last_changes_ = 0;
};

[[noreturn]] void ThrowResult(PGconn* conn, PGresult* result, std::string_view context);

void ApplyMigrations(PgConnection& conn, int target, const std::vector<ModuleSchema>& modules);
std::vector<AppliedMigration> AppliedModuleMigrations(PgConnection& conn);
int CurrentVersion(PgConnection& conn);

}  // namespace veche::storage::pg
