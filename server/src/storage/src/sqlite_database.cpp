#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <map>

#include "module_migrator.hpp"
#include "sqlite_internal.hpp"
#include "write_queue.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/metrics.hpp"

namespace veche::storage::sqlite {

[[noreturn]] void Throw(sqlite3* db, int rc, std::string_view context) {
    int primary = rc & 0xFF;
    std::string msg = std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    throw StorageError(msg, primary == SQLITE_CONSTRAINT);
}

SqliteStatement::SqliteStatement(sqlite3* db, std::string_view sql) : db_(db) {
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &stmt_, nullptr);
    if (rc != SQLITE_OK) Throw(db, rc, "prepare");
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

void SqliteStatement::BindInt(int index, std::int64_t value) {
    int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) Throw(db_, rc, "bind");
}
void SqliteStatement::BindText(int index, std::string_view value) {
    int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) Throw(db_, rc, "bind");
}
void SqliteStatement::BindNull(int index) {
    int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) Throw(db_, rc, "bind");
}
bool SqliteStatement::Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3_reset(stmt_);
    Throw(db_, rc, "step");
}
std::int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }
std::string SqliteStatement::Text(int column) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}
bool SqliteStatement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
void SqliteStatement::Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

Connection::Connection(const std::string& path, bool read_only, bool synchronous_full) {
    int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw StorageError("cannot open " + path + ": " + msg, false);
    }
    sqlite3_extended_result_codes(db_, 1);
    RegisterTokenizer(db_);
    sqlite3_busy_timeout(db_, 10000);
    if (!read_only) ExecScript("PRAGMA journal_mode=WAL;");
    ExecScript(synchronous_full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
    ExecScript("PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;");
}

Connection::~Connection() {
    cache_.clear();
    sqlite3_close(db_);
}

void Connection::ExecScript(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw StorageError(msg, (rc & 0xFF) == SQLITE_CONSTRAINT);
    }
}

Statement& Connection::Prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        it = cache_.emplace(std::string(sql), std::make_unique<SqliteStatement>(db_, sql)).first;
    }
    return *it->second;
}

void Connection::ResetBusyStatements() {
    for (sqlite3_stmt* st = sqlite3_next_stmt(db_, nullptr); st; st = sqlite3_next_stmt(db_, st)) {
        if (sqlite3_stmt_busy(st)) sqlite3_reset(st);
    }
}

int CurrentVersion(Connection& conn) {
    conn.ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at INTEGER NOT NULL)");
    Statement& st = conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    st.Reset();
    st.Step();
    int v = static_cast<int>(st.Int(0));
    st.Reset();
    return v;
}

void ApplyMigrations(Connection& conn, int target) {
    int current = CurrentVersion(conn);
    for (const auto& m : Migrations()) {
        if (m.version <= current || m.version > target) continue;
        conn.ExecScript("BEGIN IMMEDIATE");
        try {
            conn.ExecScript(m.sql);
            Statement& st = conn.Prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)");
            st.Reset();
            st.Bind(1, m.version);
            st.Bind(2, m.name);
            st.Bind(3, NowMs());
            st.Step();
            st.Reset();
            conn.ExecScript("COMMIT");
        } catch (...) {
            conn.ExecScript("ROLLBACK");
            throw;
        }
        spdlog::info("storage: applied migration {} ({})", m.version, m.name);
    }
}

std::vector<AppliedMigration> AppliedModuleMigrations(Connection& conn) {
    conn.ExecScript(std::string(ModuleMigrationsTableSql(Dialect::kSqlite)).c_str());
    std::vector<AppliedMigration> out;
    Statement& st = conn.Prepare("SELECT module, version, checksum FROM module_migrations");
    st.Reset();
    while (st.Step()) out.push_back({st.Text(0), static_cast<int>(st.Int(1)), st.Text(2)});
    st.Reset();
    return out;
}

// Each module migration in its own transaction with its bookkeeping row, as the baseline's.
void ApplyModuleMigrations(Connection& conn, const std::vector<ModuleSchema>& modules) {
    for (const auto& p : PendingModuleMigrations(modules, AppliedModuleMigrations(conn), Dialect::kSqlite)) {
        conn.ExecScript("BEGIN IMMEDIATE");
        try {
            conn.ExecScript(std::string(p.sql).c_str());
            Statement& st = conn.Prepare(
                "INSERT INTO module_migrations(module, version, name, checksum, applied_at) VALUES (?, ?, ?, ?, ?)");
            st.Reset();
            st.Bind(1, p.module);
            st.Bind(2, p.migration->version);
            st.Bind(3, p.migration->name);
            st.Bind(4, p.checksum);
            st.Bind(5, NowMs());
            st.Step();
            st.Reset();
            conn.ExecScript("COMMIT");
        } catch (...) {
            conn.ExecScript("ROLLBACK");
            throw;
        }
        spdlog::info("storage: applied migration {} {} ({})", p.module, p.migration->version, p.migration->name);
    }
}

namespace {

class SqliteTx final : public Tx {
public:
    SqliteTx(Connection& conn, bool write) : conn_(conn), write_(write) {}

    Dialect dialect() const override { return Dialect::kSqlite; }
    Statement& Prepare(std::string_view sql) override { return conn_.Prepare(sql); }
    std::int64_t Changes() override { return sqlite3_changes64(conn_.handle()); }
    bool IsWrite() const override { return write_; }

    std::int64_t Emit(Event event) override {
        if (!write_) throw StorageError("Emit in a read transaction", false);
        if (event.created_at == 0) event.created_at = NowMs();
        Statement& st = Query(
            "INSERT INTO events(topic_kind, topic_id, target_user_id, broadcast, kind, data, created_at, subject_id, "
            "follow) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING pos",
            event.topic.kind, event.topic.id, event.target_user_id, event.broadcast, event.kind, event.data_json,
            event.created_at, event.subject_id, static_cast<int>(event.membership));
        st.Step();
        event.pos = st.Int(0);
        while (st.Step()) {}
        events_.push_back(std::move(event));
        return events_.back().pos;
    }

    // The batch's own events are already rows (Emit inserts them), so one UPDATE covers them and
    // rolls back with the job's savepoint; the in-memory copies published after commit stay as
    // they were emitted, which live subscribers saw happen in that order anyway.
    void RedactEvents(Id subject_id, const std::string& data_json) override {
        if (!write_) throw StorageError("RedactEvents in a read transaction", false);
        // `subject_id <> 0` lets the planner use the partial index events_by_subject with a bound id.
        Exec("UPDATE events SET data = ? WHERE subject_id = ? AND subject_id <> 0", data_json, subject_id);
    }

    void Defer(std::function<void(Tx&)> work) override {
        if (!write_) throw StorageError("Defer in a read transaction", false);
        deferred_.push_back(std::move(work));
    }

    std::vector<Event>& events() { return events_; }
    std::vector<std::function<void(Tx&)>>& deferred() { return deferred_; }

private:
    Connection& conn_;
    bool write_;
    std::vector<Event> events_;
    std::vector<std::function<void(Tx&)>> deferred_;
};

// Transaction control through cached prepared statements: parsing them for every job of every
// batch was a fifth of the writer's time.
void Run(Connection& conn, std::string_view sql) {
    Statement& st = conn.Prepare(sql);
    st.Reset();
    while (st.Step()) {}
    st.Reset();
}

class SqliteDatabase final : public Database {
public:
    explicit SqliteDatabase(const DatabaseOptions& options) : options_(options) {
        writer_conn_ = std::make_unique<Connection>(options.path, false, options.synchronous_full);
        ApplyMigrations(*writer_conn_, LatestSchemaVersion());
        ApplyModuleMigrations(*writer_conn_, options.modules);
        for (int i = 0; i < std::max(1, options.readers); ++i)
            readers_.Add(std::make_unique<Connection>(options.path, true, options.synchronous_full));
        queue_ = std::make_unique<WriteQueue>(
            options.max_batch, [this](std::vector<WriteJob*>& batch, std::vector<Event>& events) {
                return RunBatch(batch, events);
            });
    }

    ~SqliteDatabase() override { Stop(); }

    void SetEventSink(EventSink* sink) override { queue_->SetEventSink(sink); }
    void Stop() override { queue_->Stop(); }

protected:
    Status RunWrite(const std::function<Status(Tx&)>& job) override { return queue_->Submit(job); }

    Status RunRead(const std::function<Status(Tx&)>& job) override {
        return readers_.Run([&](Connection& conn) -> Status {
            try {
                Run(conn, "BEGIN");
                SqliteTx tx(conn, false);
                Status result = job(tx);
                conn.ResetBusyStatements();
                Run(conn, "COMMIT");
                return result;
            } catch (const std::exception& e) {
                spdlog::error("storage: read failed: {}", e.what());
                conn.ResetBusyStatements();
                if (!sqlite3_get_autocommit(conn.handle())) conn.ExecScript("ROLLBACK");
                return Error::Internal();
            }
        });
    }

private:
    bool RunBatch(std::vector<WriteJob*>& batch, std::vector<Event>& events) {
        Connection& conn = *writer_conn_;
        SqliteTx tx(conn, true);
        bool committed = false;
        try {
            Run(conn, "BEGIN IMMEDIATE");
            for (auto* w : batch) {
                std::size_t mark = tx.events().size();
                std::size_t deferred_mark = tx.deferred().size();
                Run(conn, "SAVEPOINT job");
                w->result = RunJobCatching(*w->run, tx);
                conn.ResetBusyStatements();
                if (!w->result.ok()) {
                    Run(conn, "ROLLBACK TO job");
                    tx.events().resize(mark);
                    tx.deferred().resize(deferred_mark);
                }
                Run(conn, "RELEASE job");
            }
            for (auto& work : tx.deferred()) work(tx);
            conn.ResetBusyStatements();
            Run(conn, "COMMIT");
            committed = true;
        } catch (const std::exception& e) {
            spdlog::error("storage: commit of {} jobs failed: {}", batch.size(), e.what());
            conn.ResetBusyStatements();
            if (!sqlite3_get_autocommit(conn.handle())) {
                try { conn.ExecScript("ROLLBACK"); } catch (...) {}
            }
        }
        if (committed) events = std::move(tx.events());
        return committed;
    }

    DatabaseOptions options_;
    std::unique_ptr<Connection> writer_conn_;

    ReaderPool<Connection> readers_;
    std::unique_ptr<WriteQueue> queue_;  // last: its writer thread stops before the members above go
};

}  // namespace
}  // namespace veche::storage::sqlite

namespace veche::storage {

std::unique_ptr<Database> OpenSqlite(const DatabaseOptions& options) {
    return std::make_unique<sqlite::SqliteDatabase>(options);
}

int LatestSchemaVersion() { return sqlite::Migrations().back().version; }

int SqliteSchemaVersion(const std::string& path) {
    sqlite::Connection conn(path, false, true);
    return sqlite::CurrentVersion(conn);
}

void BackupSqlite(const std::string& from_path, const std::string& to_path) {
    sqlite::Connection src(from_path, false, true);  // read-write open: works whether or not a server has the WAL open
    sqlite3* dst = nullptr;
    if (sqlite3_open_v2(to_path.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
        std::string msg = dst ? sqlite3_errmsg(dst) : "out of memory";
        sqlite3_close(dst);
        throw StorageError("cannot create " + to_path + ": " + msg, false);
    }
    sqlite3_backup* b = sqlite3_backup_init(dst, "main", src.handle(), "main");
    if (!b) {
        std::string msg = sqlite3_errmsg(dst);
        sqlite3_close(dst);
        throw StorageError("backup failed: " + msg, false);
    }
    // Copy in steps so the server's writer is never blocked for long.
    int rc;
    do {
        rc = sqlite3_backup_step(b, 1024);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(10);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        std::string msg = sqlite3_errmsg(dst);
        sqlite3_close(dst);
        throw StorageError("backup failed: " + msg, false);
    }
    sqlite3_close(dst);
}

void MigrateSqlite(const std::string& path, int target, const std::vector<ModuleSchema>& modules) {
    sqlite::Connection conn(path, false, true);
    sqlite::ApplyMigrations(conn, target);
    if (target >= LatestSchemaVersion()) sqlite::ApplyModuleMigrations(conn, modules);
}

std::vector<ModuleVersion> SqliteModuleVersions(const std::string& path) {
    sqlite::Connection conn(path, false, true);
    std::map<std::string, int> at;
    for (const auto& a : sqlite::AppliedModuleMigrations(conn)) at[a.module] = std::max(at[a.module], a.version);
    std::vector<ModuleVersion> out;
    for (const auto& [m, v] : at) out.push_back({m, v});
    return out;
}

}  // namespace veche::storage
