#pragma once
// Storage as the modules see it: a transaction handle with prepared statements over portable SQL
// (positional `?` parameters, ON CONFLICT, RETURNING), and a Database that runs read jobs on a pool
// of reader connections and write jobs through one group-committing writer.
//
// Thread safety: Database is safe to use from any thread. A Tx and the Statements it hands out
// belong to the job they were given to and must not escape it.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "veche/core/error.hpp"
#include "veche/core/event.hpp"
#include "veche/storage/migration.hpp"

namespace veche::storage {

// Thrown by statements on an engine failure. Jobs normally let it propagate: the database rolls
// the job back and reports kInternal. `constraint` marks unique/foreign-key violations.
class StorageError : public std::runtime_error {
public:
    StorageError(const std::string& what, bool constraint)
        : std::runtime_error(what), constraint_(constraint) {}
    bool constraint() const { return constraint_; }

private:
    bool constraint_;
};

class Statement {
public:
    virtual ~Statement() = default;
    // Parameters are 1-based, in the order of the `?` marks.
    virtual void BindInt(int index, std::int64_t value) = 0;
    virtual void BindText(int index, std::string_view value) = 0;
    virtual void BindNull(int index) = 0;
    // Advances to the next row; false when done. Statements that return no rows need one Step().
    virtual bool Step() = 0;
    virtual std::int64_t Int(int column) const = 0;  // 0-based columns
    virtual std::string Text(int column) const = 0;
    virtual bool IsNull(int column) const = 0;
    virtual void Reset() = 0;

    void Bind(int i, std::int64_t v) { BindInt(i, v); }
    void Bind(int i, int v) { BindInt(i, v); }
    void Bind(int i, bool v) { BindInt(i, v ? 1 : 0); }
    void Bind(int i, std::string_view v) { BindText(i, v); }
    void Bind(int i, const std::string& v) { BindText(i, v); }
    void Bind(int i, const char* v) { BindText(i, v); }
    void Bind(int i, std::nullptr_t) { BindNull(i); }
    template <class T>
    void Bind(int i, const std::optional<T>& v) {
        if (v) Bind(i, *v); else BindNull(i);
    }
    std::optional<std::int64_t> OptInt(int column) const {
        return IsNull(column) ? std::nullopt : std::optional<std::int64_t>(Int(column));
    }
};

// The SQL engine behind a Tx. Services write portable SQL; the few features that differ (full-text
// search) branch on this.
enum class Dialect { kSqlite, kPostgres };

class Tx {
public:
    virtual ~Tx() = default;
    virtual Dialect dialect() const = 0;

    // A cached prepared statement for `sql`, reset and with `args` bound. Valid until the next call
    // with the same SQL text in this job; do not nest two uses of one SQL text.
    template <class... Args>
    Statement& Query(std::string_view sql, const Args&... args) {
        Statement& st = Prepare(sql);
        st.Reset();
        int i = 1;
        (st.Bind(i++, args), ...);
        return st;
    }
    // Runs a statement that returns no rows; returns the number of rows it changed.
    template <class... Args>
    std::int64_t Exec(std::string_view sql, const Args&... args) {
        Statement& st = Query(sql, args...);
        while (st.Step()) {}
        return Changes();
    }
    // The first column of the first row, if there is a row.
    template <class... Args>
    std::optional<std::int64_t> QueryInt(std::string_view sql, const Args&... args) {
        Statement& st = Query(sql, args...);
        if (!st.Step()) return std::nullopt;
        std::optional<std::int64_t> v;
        if (!st.IsNull(0)) v = st.Int(0);
        while (st.Step()) {}
        return v;
    }

    // Appends an event to the log in this transaction. Only in write jobs; the event is published to
    // live subscribers after the commit, or dropped with a rollback. Returns its position in SQLite;
    // PostgreSQL assigns positions at commit (see OpenPostgres) and returns 0.
    virtual std::int64_t Emit(Event event) = 0;
    // Replaces the data of every event of `subject_id` logged so far, in this transaction (this
    // batch's events included) and before it, with `data_json`: what the subject shows now. Called
    // when a message is edited or hidden, before the event of that change is emitted.
    virtual void RedactEvents(Id subject_id, const std::string& data_json) = 0;
    virtual bool IsWrite() const = 0;

    // Runs `work` once this job has succeeded, after every job of the batch and before the commit,
    // in the order deferred; dropped if the job fails. For index maintenance that is cheaper once
    // per batch than once per savepoint (SQLite FTS5 flushes its pending terms at every savepoint).
    virtual void Defer(std::function<void(Tx&)> work) = 0;

    virtual Statement& Prepare(std::string_view sql) = 0;
    virtual std::int64_t Changes() = 0;
};

struct DatabaseOptions {
    std::string path;                // SQLite file; created if missing
    int readers = 4;                 // reader connections
    int max_batch = 1000;            // write jobs per transaction at most
    bool synchronous_full = true;    // fsync on every commit: an acknowledged write survives power loss
    // The modules' own migrations, in dependency order, applied after the baseline (migration.hpp).
    std::vector<ModuleSchema> modules{};
};

class Database {
public:
    virtual ~Database() = default;

    // Runs `fn` inside the writer's transaction (with its own savepoint, so an error undoes only its
    // own changes) and blocks until the transaction is durably committed. Errors returned by `fn`
    // or exceptions it throws roll back its changes and come back as the result.
    template <class F>
    auto Write(F&& fn) -> std::invoke_result_t<F, Tx&> {
        using R = std::invoke_result_t<F, Tx&>;
        std::optional<R> out;
        Status st = RunWrite([&](Tx& tx) -> Status {
            R r = fn(tx);
            if (!r.ok()) {
                Error e = r.error();
                out.emplace(std::move(r));
                return e;
            }
            out.emplace(std::move(r));
            return {};
        });
        if (!st.ok()) return std::move(st).error();
        return std::move(*out);
    }

    // Runs `fn` on a reader connection inside one read transaction (a consistent snapshot).
    template <class F>
    auto Read(F&& fn) -> std::invoke_result_t<F, Tx&> {
        using R = std::invoke_result_t<F, Tx&>;
        std::optional<R> out;
        Status st = RunRead([&](Tx& tx) -> Status {
            out.emplace(fn(tx));
            return {};
        });
        if (!st.ok()) return std::move(st).error();
        return std::move(*out);
    }

    // Where committed events go. Set before serving; called on the writer thread.
    virtual void SetEventSink(EventSink* sink) = 0;
    // Finishes every queued write, then stops the writer; later writes fail with kUnavailable.
    virtual void Stop() = 0;

protected:
    virtual Status RunWrite(const std::function<Status(Tx&)>& job) = 0;
    virtual Status RunRead(const std::function<Status(Tx&)>& job) = 0;
};

// Opens (creating if needed) the SQLite database, applies pending migrations, starts the writer.
// Throws on failure: there is nothing to serve without storage.
std::unique_ptr<Database> OpenSqlite(const DatabaseOptions& options);

struct PostgresOptions {
    std::string url;                 // libpq connection URI: postgresql://user@host:port/db
    int readers = 4;                 // reader connections
    int max_batch = 1000;            // write jobs per transaction at most
    std::vector<ModuleSchema> modules{};  // as in DatabaseOptions
};

// Connects to PostgreSQL, applies pending migrations (serialized across nodes by an advisory lock),
// starts the writer. Throws on failure.
//
// Event positions come from one counter row that a batch increments just before its commit, so
// positions are dense (a rolled-back batch takes none) and, because the row lock is held until
// commit, ordered like the commits of every node sharing the database.
std::unique_ptr<Database> OpenPostgres(const PostgresOptions& options);
int PostgresSchemaVersion(const std::string& url);
// Applies the baseline up to `target`, then, when `target` is the latest, the modules' migrations.
void MigratePostgres(const std::string& url, int target, const std::vector<ModuleSchema>& modules = {});
std::vector<ModuleVersion> PostgresModuleVersions(const std::string& url);
// A node id (0–1023) for snowflake ids, unique among the nodes that share the database.
int ClaimPostgresNodeId(const std::string& url);
// Copies every table of a SQLite database into an empty PostgreSQL one (both are migrated to the
// latest schema first) and rebuilds the search index and the event position counter there.
// Returns each table's row count in both; throws StorageError when anything fails.
struct TableCopy {
    std::string table;
    std::int64_t source_rows = 0;
    std::int64_t target_rows = 0;
};
// Module tables (named after their module) follow the baseline's, in the order of `modules`.
std::vector<TableCopy> CopySqliteToPostgres(const std::string& sqlite_path, const std::string& pg_url,
                                            const std::vector<ModuleSchema>& modules,
                                            const std::function<void(const TableCopy&)>& progress = {});

// True for a storage setting that names PostgreSQL (postgresql:// or postgres://).
bool IsPostgresUrl(std::string_view storage);

// Schema versions, for `veche migrate` and tests.
int SqliteSchemaVersion(const std::string& path);
int LatestSchemaVersion();
// A consistent copy of a live database (SQLite's online backup: safe while the server writes).
void BackupSqlite(const std::string& from_path, const std::string& to_path);

// Applies migrations up to `target` (tests use it to build an older schema), then, when `target`
// is the latest baseline version, the modules' migrations.
void MigrateSqlite(const std::string& path, int target, const std::vector<ModuleSchema>& modules = {});
std::vector<ModuleVersion> SqliteModuleVersions(const std::string& path);

}  // namespace veche::storage
