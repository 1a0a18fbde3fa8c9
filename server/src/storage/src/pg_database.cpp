// PostgreSQL backend: the same Database contract as SQLite (group commit through one writer
// connection per node, a pool of reader connections), for several nodes sharing one database.
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include "module_migrator.hpp"
#include "pg_internal.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/metrics.hpp"
#include "write_queue.hpp"

namespace veche::storage::pg {

[[noreturn]] void ThrowResult(PGconn* conn, PGresult* result, std::string_view context) {
    std::string sqlstate;
    std::string msg = std::string(context) + ": ";
    if (result) {
        if (const char* s = PQresultErrorField(result, PG_DIAG_SQLSTATE)) sqlstate = s;
        msg += PQresultErrorMessage(result);
        PQclear(result);
    } else {
        msg += PQerrorMessage(conn);
    }
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw PgError(msg, sqlstate);
}

std::pair<std::string, int> TranslateSql(std::string_view sql) {
    std::string out;
    out.reserve(sql.size() + 16);
    int params = 0;
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        char c = sql[i];
        if (quote) {
            out.push_back(c);
            if (c == quote) quote = 0;  // a doubled quote re-enters on the next character
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            out.push_back(c);
        } else if (c == '?') {
            out += '$' + std::to_string(++params);
        } else if ((c == 'L' || c == 'l') && (i == 0 || sql[i - 1] == ' ') && sql.size() - i > 5 &&
                   (sql.substr(i, 5) == "LIKE " || sql.substr(i, 5) == "like ")) {
            out += "ILIKE ";
            i += 4;
        } else {
            out.push_back(c);
        }
    }
    return {std::move(out), params};
}

// --- statements -------------------------------------------------------------------------------

PgStatement::PgStatement(PgConnection& conn, std::string name, int params)
    : conn_(conn), name_(std::move(name)), values_(static_cast<std::size_t>(params)),
      null_(static_cast<std::size_t>(params), 1) {}

PgStatement::~PgStatement() { PQclear(result_); }

void PgStatement::BindInt(int index, std::int64_t value) {
    auto i = static_cast<std::size_t>(index - 1);
    if (i >= values_.size()) throw StorageError("bind: parameter index out of range", false);
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
    values_[i].assign(buf, end);
    null_[i] = 0;
}

void PgStatement::BindText(int index, std::string_view value) {
    auto i = static_cast<std::size_t>(index - 1);
    if (i >= values_.size()) throw StorageError("bind: parameter index out of range", false);
    values_[i].assign(value);
    null_[i] = 0;
}

void PgStatement::BindNull(int index) {
    auto i = static_cast<std::size_t>(index - 1);
    if (i >= values_.size()) throw StorageError("bind: parameter index out of range", false);
    null_[i] = 1;
}

void PgStatement::Execute() {
    std::vector<const char*> params(values_.size());
    std::vector<int> lengths(values_.size());
    for (std::size_t i = 0; i < values_.size(); ++i) {
        params[i] = null_[i] ? nullptr : values_[i].c_str();
        lengths[i] = static_cast<int>(values_[i].size());
    }
    PGresult* r = PQexecPrepared(conn_.handle(), name_.c_str(), static_cast<int>(params.size()), params.data(),
                                 lengths.data(), nullptr, 0);
    auto status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) ThrowResult(conn_.handle(), r, "step");
    result_ = r;
    rows_ = status == PGRES_TUPLES_OK ? PQntuples(r) : 0;
    const char* changed = PQcmdTuples(r);
    conn_.set_last_changes(changed && *changed ? std::strtoll(changed, nullptr, 10) : 0);
}

bool PgStatement::Step() {
    if (!result_) {
        Execute();
        row_ = -1;
    }
    if (row_ + 1 < rows_) {
        ++row_;
        return true;
    }
    row_ = rows_;
    return false;
}

std::int64_t PgStatement::Int(int column) const {
    if (row_ < 0 || row_ >= rows_ || PQgetisnull(result_, row_, column)) return 0;
    const char* p = PQgetvalue(result_, row_, column);
    if (*p == 't') return 1;  // booleans (comparisons, EXISTS) read as 1/0 like SQLite's
    if (*p == 'f') return 0;
    std::int64_t v = 0;
    std::from_chars(p, p + std::strlen(p), v);  // a numeric SUM() reads up to its decimal point
    return v;
}

std::string PgStatement::Text(int column) const {
    if (row_ < 0 || row_ >= rows_ || PQgetisnull(result_, row_, column)) return {};
    return std::string(PQgetvalue(result_, row_, column), static_cast<std::size_t>(PQgetlength(result_, row_, column)));
}

bool PgStatement::IsNull(int column) const {
    return row_ < 0 || row_ >= rows_ || PQgetisnull(result_, row_, column);
}

void PgStatement::Reset() {
    PQclear(result_);
    result_ = nullptr;
    rows_ = 0;
    row_ = -1;
    std::fill(null_.begin(), null_.end(), 1);
}

// --- connections ------------------------------------------------------------------------------

namespace {
void IgnoreNotice(void*, const char*) {}  // "only stop words" and the like: not worth a log line
}

PgConnection::PgConnection(const std::string& url) : url_(url) {
    conn_ = PQconnectdb(url.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string msg = PQerrorMessage(conn_);
        PQfinish(conn_);
        conn_ = nullptr;
        while (!msg.empty() && msg.back() == '\n') msg.pop_back();
        throw StorageError("cannot connect to PostgreSQL: " + msg, false);
    }
    PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
    Exec("SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'");
}

PgConnection::~PgConnection() {
    cache_.clear();
    if (conn_) PQfinish(conn_);
}

void PgConnection::Exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) ThrowResult(conn_, r, "exec");
    PQclear(r);
}

Statement& PgConnection::Prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return *it->second;
    auto [text, params] = TranslateSql(sql);
    std::string name = "s" + std::to_string(++next_name_);
    PGresult* r = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) ThrowResult(conn_, r, "prepare");
    PQclear(r);
    it = cache_.emplace(std::string(sql), std::make_unique<PgStatement>(*this, std::move(name), params)).first;
    return *it->second;
}

bool PgConnection::InTransaction() const {
    auto s = PQtransactionStatus(conn_);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

void PgConnection::Recover() {
    if (PQstatus(conn_) == CONNECTION_OK) {
        if (InTransaction()) {
            try { Exec("ROLLBACK"); } catch (...) {}
        }
        if (PQstatus(conn_) == CONNECTION_OK) return;
    }
    spdlog::warn("storage: PostgreSQL connection lost; reconnecting");
    cache_.clear();  // prepared statements died with the session
    PQreset(conn_);
    if (PQstatus(conn_) == CONNECTION_OK) {
        PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
        try { Exec("SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'"); } catch (...) {}
    }
}

int CurrentVersion(PgConnection& conn) {
    conn.Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at BIGINT NOT NULL)");
    PGresult* r = PQexec(conn.handle(), "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) ThrowResult(conn.handle(), r, "schema version");
    int v = std::atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

std::vector<AppliedMigration> AppliedModuleMigrations(PgConnection& conn) {
    conn.Exec(std::string(ModuleMigrationsTableSql(Dialect::kPostgres)));
    PGresult* r = PQexec(conn.handle(), "SELECT module, version, checksum FROM module_migrations");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) ThrowResult(conn.handle(), r, "module migrations");
    std::vector<AppliedMigration> out;
    for (int i = 0; i < PQntuples(r); ++i)
        out.push_back({PQgetvalue(r, i, 0), std::atoi(PQgetvalue(r, i, 1)), PQgetvalue(r, i, 2)});
    PQclear(r);
    return out;
}

// Inside ApplyMigrations' transaction: under its lock, all or nothing.
void ApplyModuleMigrations(PgConnection& conn, const std::vector<ModuleSchema>& modules) {
    for (const auto& p : PendingModuleMigrations(modules, AppliedModuleMigrations(conn), Dialect::kPostgres)) {
        conn.Exec(std::string(p.sql));
        std::string module(p.module), version = std::to_string(p.migration->version), name(p.migration->name),
            at = std::to_string(NowMs());
        const char* values[] = {module.c_str(), version.c_str(), name.c_str(), p.checksum.c_str(), at.c_str()};
        PGresult* r = PQexecParams(conn.handle(),
                                   "INSERT INTO module_migrations(module, version, name, checksum, applied_at) "
                                   "VALUES ($1, $2::bigint, $3, $4, $5::bigint)",
                                   5, nullptr, values, nullptr, nullptr, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) ThrowResult(conn.handle(), r, "module migration");
        PQclear(r);
        spdlog::info("storage: applied PostgreSQL migration {} {} ({})", p.module, p.migration->version,
                     p.migration->name);
    }
}

void ApplyMigrations(PgConnection& conn, int target, const std::vector<ModuleSchema>& modules) {
    // One transaction for all pending migrations, under an advisory lock: nodes starting together
    // apply them once, and a failure leaves the previous schema intact (DDL is transactional).
    conn.Exec("BEGIN");
    try {
        conn.Exec("SELECT pg_advisory_xact_lock(73110001)");
        int current = CurrentVersion(conn);
        for (const auto& m : Migrations()) {
            if (m.version <= current || m.version > target) continue;
            conn.Exec(m.sql);
            conn.Exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (" + std::to_string(m.version) +
                      ", '" + m.name + "', " + std::to_string(NowMs()) + ")");
            spdlog::info("storage: applied PostgreSQL migration {} ({})", m.version, m.name);
        }
        if (target >= LatestSchemaVersion()) ApplyModuleMigrations(conn, modules);
        conn.Exec("COMMIT");
    } catch (...) {
        try { conn.Exec("ROLLBACK"); } catch (...) {}
        throw;
    }
}

namespace {

class PgTx final : public Tx {
public:
    PgTx(PgConnection& conn, bool write) : conn_(conn), write_(write) {}

    Dialect dialect() const override { return Dialect::kPostgres; }
    Statement& Prepare(std::string_view sql) override { return conn_.Prepare(sql); }
    std::int64_t Changes() override { return conn_.last_changes(); }
    bool IsWrite() const override { return write_; }

    // Positions are assigned when the batch commits (see AssignPositions), so this returns 0.
    std::int64_t Emit(Event event) override {
        if (!write_) throw StorageError("Emit in a read transaction", false);
        if (event.created_at == 0) event.created_at = NowMs();
        events_.push_back(std::move(event));
        return 0;
    }

    // Committed events are rows; this batch's are still in memory (they get positions at commit),
    // so those are rewritten in place too, remembering the old data in case the job rolls back.
    void RedactEvents(Id subject_id, const std::string& data_json) override {
        if (!write_) throw StorageError("RedactEvents in a read transaction", false);
        // `subject_id <> 0` lets the planner use the partial index events_by_subject with a bound id.
        Exec("UPDATE events SET data = ? WHERE subject_id = ? AND subject_id <> 0", data_json, subject_id);
        for (std::size_t i = 0; i < events_.size(); ++i) {
            if (events_[i].subject_id != subject_id) continue;
            undo_.push_back({i, events_[i].data_json});
            events_[i].data_json = data_json;
        }
    }

    void Defer(std::function<void(Tx&)> work) override {
        if (!write_) throw StorageError("Defer in a read transaction", false);
        deferred_.push_back(std::move(work));
    }

    std::vector<Event>& events() { return events_; }
    std::vector<std::function<void(Tx&)>>& deferred() { return deferred_; }
    std::size_t undo_mark() const { return undo_.size(); }
    // Puts back the data that redactions since `mark` replaced (a job's rollback).
    void UndoRedactions(std::size_t mark) {
        while (undo_.size() > mark) {
            auto& u = undo_.back();
            if (u.index < events_.size()) events_[u.index].data_json = std::move(u.data_json);
            undo_.pop_back();
        }
    }

private:
    struct Undo {
        std::size_t index;
        std::string data_json;
    };
    PgConnection& conn_;
    bool write_;
    std::vector<Event> events_;
    std::vector<std::function<void(Tx&)>> deferred_;
    std::vector<Undo> undo_;
};

// PostgreSQL array literals, for inserting a batch's events in one statement.
void AppendArrayText(std::string& out, std::string_view s) {
    out.push_back('"');
    for (char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
}

template <class F>
std::string ArrayOf(const std::vector<Event>& events, F&& field) {
    std::string out = "{";
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (i) out.push_back(',');
        field(out, events[i]);
    }
    out.push_back('}');
    return out;
}

// Takes the next `events.size()` positions from the counter row and writes the events. The row
// lock is held until COMMIT, so no other node's batch can take later positions and commit first:
// position order is commit order across the cluster, and positions have no holes.
void AssignPositionsAndStore(Tx& tx, std::vector<Event>& events) {
    auto n = static_cast<std::int64_t>(events.size());
    auto last = tx.QueryInt("UPDATE event_counter SET last = last + ? WHERE id = 1 RETURNING last", n);
    if (!last) throw StorageError("event_counter row is missing", false);
    std::int64_t pos = *last - n;
    for (auto& e : events) e.pos = ++pos;
    auto ints = [&](auto get) {
        return ArrayOf(events, [&](std::string& out, const Event& e) { out += std::to_string(get(e)); });
    };
    auto texts = [&](auto get) {
        return ArrayOf(events, [&](std::string& out, const Event& e) { AppendArrayText(out, get(e)); });
    };
    tx.Exec("INSERT INTO events(pos, topic_id, target_user_id, broadcast, kind, data, created_at, subject_id, "
            "topic_kind, follow) "
            "SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::bigint[], "
            "?::bigint[], ?::text[], ?::smallint[])",
            ints([](const Event& e) { return e.pos; }), ints([](const Event& e) { return e.topic.id; }),
            ints([](const Event& e) { return e.target_user_id; }),
            ints([](const Event& e) { return e.broadcast ? 1 : 0; }),
            texts([](const Event& e) -> std::string_view { return e.kind; }),
            texts([](const Event& e) -> std::string_view { return e.data_json; }),
            ints([](const Event& e) { return e.created_at; }), ints([](const Event& e) { return e.subject_id; }),
            texts([](const Event& e) -> std::string_view { return e.topic.kind; }),
            ints([](const Event& e) { return static_cast<int>(e.membership); }));
}

class PgDatabase final : public Database {
public:
    explicit PgDatabase(const PostgresOptions& options) : options_(options) {
        writer_ = std::make_unique<PgConnection>(options.url);
        ApplyMigrations(*writer_, LatestSchemaVersion(), options.modules);
        for (int i = 0; i < std::max(1, options.readers); ++i) readers_.Add(std::make_unique<PgConnection>(options.url));
        queue_ = std::make_unique<WriteQueue>(
            options.max_batch, [this](std::vector<WriteJob*>& batch, std::vector<Event>& events) {
                return RunBatch(batch, events);
            });
    }

    ~PgDatabase() override { Stop(); }

    void SetEventSink(EventSink* sink) override { queue_->SetEventSink(sink); }
    void Stop() override { queue_->Stop(); }

protected:
    Status RunWrite(const std::function<Status(Tx&)>& job) override { return queue_->Submit(job); }

    Status RunRead(const std::function<Status(Tx&)>& job) override {
        return readers_.Run([&](PgConnection& conn) -> Status {
            try {
                conn.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
                PgTx tx(conn, false);
                Status result = job(tx);
                conn.Exec("COMMIT");
                return result;
            } catch (const std::exception& e) {
                spdlog::error("storage: read failed: {}", e.what());
                conn.Recover();
                return Error::Internal();
            }
        });
    }

private:
    // Like RunJobCatching, but a conflict with another node's transaction runs the job again
    // (from its savepoint): with READ COMMITTED the retry sees the winner's committed rows, so an
    // idempotent send answers with the existing message instead of failing.
    Status RunJob(WriteJob& w, PgTx& tx) {
        PgConnection& conn = *writer_;
        for (int attempt = 0;; ++attempt) {
            std::size_t mark = tx.events().size();
            std::size_t deferred_mark = tx.deferred().size();
            std::size_t undo_mark = tx.undo_mark();
            conn.Exec("SAVEPOINT job");
            Status result;
            bool retry = false;
            try {
                result = (*w.run)(tx);
            } catch (const PgError& e) {
                retry = e.retryable() && attempt < 3;
                if (!retry) spdlog::error("storage: write job failed: {}", e.what());
                result = Error::Internal();
            } catch (...) {
                result = RunJobCatching([](Tx&) -> Status { throw; }, tx);
            }
            if (!result.ok()) {
                conn.Exec("ROLLBACK TO SAVEPOINT job");
                tx.UndoRedactions(undo_mark);
                tx.events().resize(mark);
                tx.deferred().resize(deferred_mark);
            }
            conn.Exec("RELEASE SAVEPOINT job");
            if (!retry) return result;
        }
    }

    bool RunBatch(std::vector<WriteJob*>& batch, std::vector<Event>& events) {
        PgConnection& conn = *writer_;
        PgTx tx(conn, true);
        bool committed = false;
        try {
            conn.Exec("BEGIN");
            for (auto* w : batch) w->result = RunJob(*w, tx);
            for (auto& work : tx.deferred()) work(tx);
            if (!tx.events().empty()) AssignPositionsAndStore(tx, tx.events());
            conn.Exec("COMMIT");
            committed = true;
        } catch (const std::exception& e) {
            spdlog::error("storage: commit of {} jobs failed: {}", batch.size(), e.what());
            conn.Recover();
        }
        if (committed) events = std::move(tx.events());
        return committed;
    }

    PostgresOptions options_;
    std::unique_ptr<PgConnection> writer_;
    ReaderPool<PgConnection> readers_;
    std::unique_ptr<WriteQueue> queue_;  // last: its writer thread stops before the members above go
};

}  // namespace
}  // namespace veche::storage::pg

namespace veche::storage {

bool IsPostgresUrl(std::string_view storage) {
    return storage.rfind("postgresql://", 0) == 0 || storage.rfind("postgres://", 0) == 0;
}

std::unique_ptr<Database> OpenPostgres(const PostgresOptions& options) {
    return std::make_unique<pg::PgDatabase>(options);
}

int PostgresSchemaVersion(const std::string& url) {
    pg::PgConnection conn(url);
    return pg::CurrentVersion(conn);
}

void MigratePostgres(const std::string& url, int target, const std::vector<ModuleSchema>& modules) {
    pg::PgConnection conn(url);
    pg::ApplyMigrations(conn, target, modules);
}

std::vector<ModuleVersion> PostgresModuleVersions(const std::string& url) {
    pg::PgConnection conn(url);
    std::map<std::string, int> at;
    for (const auto& a : pg::AppliedModuleMigrations(conn)) at[a.module] = std::max(at[a.module], a.version);
    std::vector<ModuleVersion> out;
    for (const auto& [m, v] : at) out.push_back({m, v});
    return out;
}

int ClaimPostgresNodeId(const std::string& url) {
    pg::PgConnection conn(url);
    PGresult* r = PQexec(conn.handle(), "SELECT nextval('node_ids') % 1024");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) pg::ThrowResult(conn.handle(), r, "node id");
    int id = std::atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return id;
}

}  // namespace veche::storage
