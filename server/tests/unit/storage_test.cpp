#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"
#include "veche/core/metrics.hpp"
#include "veche/storage/database.hpp"

namespace veche::storage {
namespace {

using test::RecordingSink;
using test::TempDir;

// Holds the writer inside one job until opened, so that writes submitted meanwhile pile up in the
// queue and go into the following batch together.
class WriterGate {
public:
    explicit WriterGate(Database& db, std::function<void()> while_closed = {})
        : while_closed_(std::move(while_closed)) {
        thread_ = std::thread([this, &db] {
            result_ = db.Write([this](Tx&) -> Status {
                {
                    std::lock_guard lock(mu_);
                    entered_ = true;
                }
                cv_.notify_all();
                if (while_closed_) while_closed_();
                std::unique_lock lock(mu_);
                cv_.wait(lock, [this] { return open_; });
                return {};
            });
        });
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return entered_; });
    }
    ~WriterGate() {
        Open();
        if (thread_.joinable()) thread_.join();
    }
    void Open() {
        {
            std::lock_guard lock(mu_);
            open_ = true;
        }
        cv_.notify_all();
    }
    // The gate job's own result; call after Join().
    Status Join() {
        Open();
        thread_.join();
        return result_;
    }

private:
    std::function<void()> while_closed_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool entered_ = false;
    bool open_ = false;
    Status result_;
    std::thread thread_;
};

struct BatchStats {
    std::uint64_t batches = 0;
    double jobs = 0;
};

BatchStats CommitBatchStats() {
    // The database registered this histogram when it opened; asking again returns the same series.
    auto* h =
        metrics::Global().GetHistogram("veche_db_commit_batch_size", "Write jobs per committed transaction",
                                       {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000});
    std::vector<std::uint64_t> cumulative;
    BatchStats s;
    h->Snapshot(cumulative, s.jobs, s.batches);
    return s;
}

class Storage : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = dir_.File("veche.db");
        db_ = test::OpenTestDatabase(path_);
        db_->SetEventSink(&sink_);
        auto st = db_->Write([](Tx& tx) -> Status {
            tx.Exec("CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
            tx.Exec("CREATE TABLE counter (n INTEGER NOT NULL)");
            tx.Exec("INSERT INTO counter(n) VALUES (0)");
            return {};
        });
        ASSERT_TRUE(st.ok());
    }
    void TearDown() override {
        if (db_) db_->Stop();
    }

    std::optional<std::string> Get(std::int64_t k) {
        auto r = db_->Read([&](Tx& tx) -> Result<std::optional<std::string>> {
            auto& st = tx.Query("SELECT v FROM kv WHERE k = ?", k);
            std::optional<std::string> v;
            if (st.Step()) v = st.Text(0);
            while (st.Step()) {}
            return v;
        });
        EXPECT_TRUE(r.ok());
        return r.ok() ? r.value() : std::nullopt;
    }
    std::set<std::int64_t> Keys() {
        auto r = db_->Read([](Tx& tx) -> Result<std::set<std::int64_t>> {
            std::set<std::int64_t> out;
            auto& st = tx.Query("SELECT k FROM kv");
            while (st.Step()) out.insert(st.Int(0));
            return out;
        });
        EXPECT_TRUE(r.ok());
        return r.ok() ? r.value() : std::set<std::int64_t>();
    }
    std::int64_t Counter() {
        auto r = db_->Read(
            [](Tx& tx) -> Result<std::int64_t> { return tx.QueryInt("SELECT n FROM counter").value_or(-1); });
        EXPECT_TRUE(r.ok());
        return r.ok() ? r.value() : -1;
    }
    Status Put(std::int64_t k, const std::string& v) {
        return db_->Write([&](Tx& tx) -> Status {
            tx.Exec("INSERT INTO kv(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v", k, v);
            return {};
        });
    }

    TempDir dir_;
    std::string path_;
    RecordingSink sink_;
    std::unique_ptr<Database> db_;
};

// Runs `n` writes concurrently while the writer is held, so that they share transactions.
template <class Job>
auto RunConcurrentWrites(Database& db, int n, Job job) {
    using R = std::invoke_result_t<Job, Tx&, int>;
    std::vector<std::optional<R>> results(n);
    std::latch submitted(n);
    {
        WriterGate gate(db);
        std::vector<std::thread> threads;
        for (int i = 0; i < n; ++i) {
            threads.emplace_back([&, i] {
                submitted.count_down();
                results[i].emplace(db.Write([&, i](Tx& tx) { return job(tx, i); }));
            });
        }
        submitted.wait();
        EXPECT_TRUE(gate.Join().ok());
        for (auto& t : threads) t.join();
    }
    std::vector<R> out;
    for (auto& r : results) out.push_back(std::move(*r));
    return out;
}

bool Fails(int i) { return i % 3 == 1; }

}  // namespace

TEST(StorageMigrations, EmptyDatabaseMigratesToLatestVersion) {
    TempDir dir;
    std::string path = dir.File("fresh.db");
    ASSERT_GE(LatestSchemaVersion(), 3);
    {
        auto db = test::OpenTestDatabase(path);
        auto tables = db->Read([](Tx& tx) -> Result<std::set<std::string>> {
            std::set<std::string> out;
            auto& st = tx.Query("SELECT name FROM sqlite_master WHERE type = 'table'");
            while (st.Step()) out.insert(st.Text(0));
            return out;
        });
        ASSERT_TRUE(tables.ok());
        for (const char* t : {"users", "sessions", "chats", "members", "messages", "events",
                              "message_versions", "reactions", "schema_migrations"}) {
            EXPECT_TRUE(tables->count(t)) << t;
        }
    }
    EXPECT_EQ(SqliteSchemaVersion(path), LatestSchemaVersion());
    // Opening again applies nothing and changes nothing.
    { auto db = test::OpenTestDatabase(path); }
    EXPECT_EQ(SqliteSchemaVersion(path), LatestSchemaVersion());
}

TEST(StorageMigrations, MigrateStopsAtTheTargetVersion) {
    TempDir dir;
    std::string path = dir.File("steps.db");
    EXPECT_EQ(SqliteSchemaVersion(path), 0);
    for (int v = 1; v <= LatestSchemaVersion(); ++v) {
        MigrateSqlite(path, v);
        EXPECT_EQ(SqliteSchemaVersion(path), v);
    }
    MigrateSqlite(path, 1);  // never goes back
    EXPECT_EQ(SqliteSchemaVersion(path), LatestSchemaVersion());
}

TEST(StorageMigrations, UpgradeFromPreviousVersionKeepsData) {
    TempDir dir;
    std::string path = dir.File("old.db");
    const int previous = LatestSchemaVersion() - 1;
    MigrateSqlite(path, previous);
    ASSERT_EQ(SqliteSchemaVersion(path), previous);

    // Fill the old schema the way an older server would have, with a connection of our own.
    std::map<std::string, std::int64_t> counts_before;
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        const char* old_rows[] = {
            "INSERT INTO users(id, username, password_hash, created_at, updated_at) "
            "VALUES (1, 'alice', 'x', 1, 1), (2, 'bob', 'x', 1, 1)",
            "INSERT INTO sessions(id, user_id, token_hash, created_at, last_seen_at) "
            "VALUES (10, 1, 'h', 1, 1)",
            "INSERT INTO chats(id, type, visibility, name, created_by, created_at, last_activity_at, "
            "last_message_id) VALUES (100, 'group', 'private', 'old times', 1, 1, 2, 1001)",
            "INSERT INTO members(chat_id, user_id, role, joined_at) "
            "VALUES (100, 1, 'owner', 1), (100, 2, 'member', 1)",
            "INSERT INTO messages(id, chat_id, author_id, text, created_at) "
            "VALUES (1000, 100, 1, 'first agreement', 1), (1001, 100, 2, 'second thoughts', 2)",
            "INSERT INTO events(chat_id, kind, data, created_at) "
            "VALUES (100, 'message.created', '{}', 1), (100, 'message.created', '{}', 2)",
        };
        for (const char* sql : old_rows) {
            char* err = nullptr;
            EXPECT_EQ(sqlite3_exec(raw, sql, nullptr, nullptr, &err), SQLITE_OK)
                << sql << ": " << (err ? err : "");
            sqlite3_free(err);
        }
        for (const char* t : {"users", "sessions", "chats", "members", "messages", "events"}) {
            sqlite3_stmt* st = nullptr;
            ASSERT_EQ(
                sqlite3_prepare_v2(raw, (std::string("SELECT COUNT(*) FROM ") + t).c_str(), -1, &st, nullptr),
                SQLITE_OK);
            ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
            counts_before[t] = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
        sqlite3_close(raw);
    }
    ASSERT_EQ(counts_before["messages"], 2);

    auto db = test::OpenTestDatabase(path);
    EXPECT_EQ(SqliteSchemaVersion(path), LatestSchemaVersion());
    for (const auto& [table, before] : counts_before) {
        auto n = db->Read([&](Tx& tx) -> Result<std::int64_t> {
            return tx.QueryInt("SELECT COUNT(*) FROM " + table).value_or(-1);
        });
        ASSERT_TRUE(n.ok()) << table;
        EXPECT_EQ(n.value(), before) << table;
    }
    auto texts = db->Read([](Tx& tx) -> Result<std::vector<std::string>> {
        std::vector<std::string> out;
        auto& st = tx.Query("SELECT text FROM messages WHERE chat_id = 100 ORDER BY id");
        while (st.Step()) out.push_back(st.Text(0));
        return out;
    });
    ASSERT_TRUE(texts.ok());
    EXPECT_EQ(texts.value(), (std::vector<std::string>{"first agreement", "second thoughts"}));

    // The upgraded database takes new writes, and the event log continues after the old positions.
    auto pos = db->Write([](Tx& tx) -> Result<std::int64_t> {
        tx.Exec("INSERT INTO reactions(message_id, emoji, user_id, created_at) VALUES (1000, 'ok', 2, 3)");
        Event e;
        e.topic = ChatTopic(100);
        e.kind = "message.updated";
        e.data_json = "{}";
        return tx.Emit(e);
    });
    ASSERT_TRUE(pos.ok());
    EXPECT_EQ(pos.value(), 3);
}

// Migration 7 brings events logged by older versions to the current state of their messages.
TEST(StorageMigrations, EventSubjectsMigrationHidesDeletedAndEditedTextInTheLog) {
    TempDir dir;
    std::string path = dir.File("v6.db");
    MigrateSqlite(path, 6);
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        const char* old_rows[] = {
            "INSERT INTO users(id, username, password_hash, created_at, updated_at) VALUES (1, 'alice', 'x', 1, 1)",
            "INSERT INTO chats(id, type, visibility, name, created_by, created_at, last_activity_at, "
            "last_message_id) VALUES (100, 'group', 'private', 'g', 1, 1, 2, 1001)",
            "INSERT INTO messages(id, chat_id, author_id, text, created_at, deleted_at) "
            "VALUES (1000, 100, 1, 'old secret', 1, 5)",
            "INSERT INTO messages(id, chat_id, author_id, text, created_at, edited_at) "
            "VALUES (1001, 100, 1, 'new wording', 2, 6)",
            "INSERT INTO events(chat_id, kind, data, created_at) VALUES "
            "(100, 'message.created', '{\"id\":\"1000\",\"chat_id\":\"100\",\"text\":\"old secret\"}', 1), "
            "(100, 'message.created', '{\"id\":\"1001\",\"chat_id\":\"100\",\"text\":\"first wording\"}', 2), "
            "(100, 'message.deleted', '{\"id\":\"1000\",\"chat_id\":\"100\"}', 5), "
            "(100, 'chat.updated', 'not json', 6)",
        };
        for (const char* sql : old_rows) {
            char* err = nullptr;
            EXPECT_EQ(sqlite3_exec(raw, sql, nullptr, nullptr, &err), SQLITE_OK) << sql << ": " << (err ? err : "");
            sqlite3_free(err);
        }
        sqlite3_close(raw);
    }
    auto db = test::OpenTestDatabase(path);
    auto rows = db->Read([](Tx& tx) -> Result<std::vector<std::string>> {
        std::vector<std::string> out;
        auto& st = tx.Query("SELECT subject_id, data FROM events ORDER BY pos");
        while (st.Step()) out.push_back(std::to_string(st.Int(0)) + " " + st.Text(1));
        return out;
    });
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 4u);
    EXPECT_EQ((*rows)[0].rfind("1000 ", 0), 0u);
    EXPECT_EQ((*rows)[0].find("old secret"), std::string::npos) << (*rows)[0];
    EXPECT_NE((*rows)[0].find("\"deleted\":true"), std::string::npos) << (*rows)[0];
    EXPECT_NE((*rows)[1].find("new wording"), std::string::npos) << (*rows)[1];
    EXPECT_EQ((*rows)[1].find("first wording"), std::string::npos) << (*rows)[1];
    EXPECT_EQ((*rows)[2].rfind("0 ", 0), 0u) << "a deletion event shows no content and has no subject";
    EXPECT_EQ((*rows)[3], "0 not json");
}

TEST_F(Storage, WriteReturnsTheJobsValueAndReadSeesIt) {
    auto r = db_->Write([](Tx& tx) -> Result<std::int64_t> {
        tx.Exec("INSERT INTO kv(k, v) VALUES (1, 'one'), (2, 'two')");
        return tx.Changes();
    });
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(), 2);
    EXPECT_EQ(Get(1), "one");
    EXPECT_EQ(Get(2), "two");
    EXPECT_EQ(Get(3), std::nullopt);
}

TEST_F(Storage, ReadSeesEveryCommittedWriteAtOnce) {
    for (int i = 0; i < 30; ++i) {
        ASSERT_TRUE(Put(7, "v" + std::to_string(i)).ok());
        ASSERT_EQ(Get(7), "v" + std::to_string(i));
    }
}

TEST_F(Storage, ReadIsOneConsistentSnapshot) {
    ASSERT_TRUE(Put(1, "before").ok());
    std::latch first_read_done(1), write_done(1);
    std::vector<std::string> seen;
    std::thread reader([&] {
        auto r = db_->Read([&](Tx& tx) -> Result<bool> {
            auto& first = tx.Query("SELECT v FROM kv WHERE k = 1");
            seen.push_back(first.Step() ? first.Text(0) : "");
            while (first.Step()) {}
            first_read_done.count_down();
            write_done.wait();
            auto& st = tx.Query("SELECT v FROM kv WHERE k = 1");
            seen.push_back(st.Step() ? st.Text(0) : "");
            while (st.Step()) {}
            return true;
        });
        EXPECT_TRUE(r.ok());
    });
    first_read_done.wait();
    ASSERT_TRUE(Put(1, "after").ok());
    // Another reader connection sees the commit while the first still reads its snapshot.
    EXPECT_EQ(Get(1), "after");
    write_done.count_down();
    reader.join();
    EXPECT_EQ(seen, (std::vector<std::string>{"before", "before"}));
    EXPECT_EQ(Get(1), "after");
}

TEST_F(Storage, FailedJobRollsBackOnlyItsOwnChanges) {
    constexpr int kJobs = 60;
    BatchStats before = CommitBatchStats();
    auto results = RunConcurrentWrites(*db_, kJobs, [](Tx& tx, int i) -> Result<int> {
        tx.Exec("INSERT INTO kv(k, v) VALUES (?, ?)", i, "job" + std::to_string(i));
        tx.Exec("UPDATE counter SET n = n + 1");
        if (Fails(i)) return Error::Conflict("test_failure", "job " + std::to_string(i) + " fails");
        return i;
    });
    // The jobs shared transactions, so failures and successes were committed side by side.
    ASSERT_LT(CommitBatchStats().batches - before.batches, static_cast<std::uint64_t>(kJobs));
    std::set<std::int64_t> expected;
    for (int i = 0; i < kJobs; ++i) {
        if (Fails(i)) {
            ASSERT_FALSE(results[i].ok()) << i;
            EXPECT_EQ(results[i].error().code, ErrorCode::kConflict);
            EXPECT_EQ(results[i].error().api_code, "test_failure");
        } else {
            ASSERT_TRUE(results[i].ok()) << i;
            EXPECT_EQ(results[i].value(), i);
            expected.insert(i);
        }
    }
    EXPECT_EQ(Keys(), expected);
    // Every job incremented the same row; only the successful increments stay.
    EXPECT_EQ(Counter(), static_cast<std::int64_t>(expected.size()));
}

TEST_F(Storage, EventsOfFailedJobsAreNeverPublishedAndPositionsIncrease) {
    constexpr int kJobs = 60;
    BatchStats before = CommitBatchStats();
    auto results = RunConcurrentWrites(*db_, kJobs, [](Tx& tx, int i) -> Result<std::vector<std::int64_t>> {
        std::vector<std::int64_t> positions;
        for (int k = 0; k < 2; ++k) {
            Event e;
            e.topic = ChatTopic(1);
            e.kind = Fails(i) ? "test.failed" : "test.ok";
            e.data_json = "{\"job\":" + std::to_string(i) + ",\"k\":" + std::to_string(k) + "}";
            positions.push_back(tx.Emit(std::move(e)));
        }
        if (Fails(i)) return Error::Internal("job fails after emitting");
        return positions;
    });
    // The jobs shared transactions, so failures and successes were committed side by side.
    ASSERT_LT(CommitBatchStats().batches - before.batches, static_cast<std::uint64_t>(kJobs));
    std::map<std::int64_t, int> job_of_pos;
    for (int i = 0; i < kJobs; ++i) {
        ASSERT_EQ(results[i].ok(), !Fails(i)) << i;
        if (!results[i].ok()) continue;
        const auto& positions = results[i].value();
        ASSERT_EQ(positions.size(), 2u);
        EXPECT_EQ(positions[1], positions[0] + 1) << "a job's events are contiguous";
        for (auto p : positions) EXPECT_TRUE(job_of_pos.emplace(p, i).second) << "position reused: " << p;
    }
    const std::size_t expected = job_of_pos.size();
    ASSERT_TRUE(sink_.WaitForCount(expected));
    db_->Stop();  // joins the writer: every Publish call has returned

    auto published = sink_.Events();
    ASSERT_EQ(published.size(), expected);
    for (std::size_t k = 0; k < published.size(); ++k) {
        EXPECT_EQ(published[k].kind, "test.ok");
        if (k > 0) {
            EXPECT_GT(published[k].pos, published[k - 1].pos);
        }
        auto it = job_of_pos.find(published[k].pos);
        ASSERT_NE(it, job_of_pos.end()) << published[k].pos;
        EXPECT_NE(published[k].data_json.find("\"job\":" + std::to_string(it->second) + ","),
                  std::string::npos);
        EXPECT_GT(published[k].created_at, 0);
    }
    // The log holds exactly the published events.
    auto logged = db_->Read([](Tx& tx) -> Result<std::vector<std::int64_t>> {
        std::vector<std::int64_t> out;
        auto& st = tx.Query("SELECT pos, kind FROM events ORDER BY pos");
        while (st.Step()) {
            if (st.Text(1) != "test.ok") return Error::Internal("a failed job's event is in the log");
            out.push_back(st.Int(0));
        }
        return out;
    });
    ASSERT_TRUE(logged.ok()) << logged.error().message;
    std::vector<std::int64_t> published_pos;
    for (const auto& e : published) published_pos.push_back(e.pos);
    EXPECT_EQ(logged.value(), published_pos);
}

TEST_F(Storage, ExceptionInJobBecomesInternalAndWriterKeepsWorking) {
    auto thrown = db_->Write([](Tx& tx) -> Status {
        tx.Exec("INSERT INTO kv(k, v) VALUES (1, 'doomed')");
        throw std::runtime_error("boom");
    });
    ASSERT_FALSE(thrown.ok());
    EXPECT_EQ(thrown.error().code, ErrorCode::kInternal);
    EXPECT_EQ(thrown.error().api_code, "internal");
    EXPECT_EQ(thrown.error().message.find("boom"), std::string::npos)
        << "internals stay out of client messages";

    auto bad_sql = db_->Write([](Tx& tx) -> Status {
        tx.Exec("INSERT INTO no_such_table VALUES (1)");
        return {};
    });
    ASSERT_FALSE(bad_sql.ok());
    EXPECT_EQ(bad_sql.error().code, ErrorCode::kInternal);

    ASSERT_TRUE(Put(2, "kept").ok());
    auto duplicate = db_->Write([](Tx& tx) -> Status {
        tx.Exec("INSERT INTO kv(k, v) VALUES (3, 'partial')");
        tx.Exec("INSERT INTO kv(k, v) VALUES (2, 'dup')");
        return {};
    });
    ASSERT_FALSE(duplicate.ok());
    EXPECT_EQ(duplicate.error().code, ErrorCode::kInternal);

    ASSERT_TRUE(Put(4, "later").ok());
    EXPECT_EQ(Keys(), (std::set<std::int64_t>{2, 4}));
    EXPECT_EQ(Get(2), "kept");
}

TEST_F(Storage, ThrowingJobInABatchDoesNotDisturbTheOthers) {
    auto results = RunConcurrentWrites(*db_, 30, [](Tx& tx, int i) -> Status {
        tx.Exec("INSERT INTO kv(k, v) VALUES (?, 'x')", i);
        if (i % 5 == 0) throw std::runtime_error("job throws");
        if (i % 5 == 1) tx.Exec("INSERT INTO kv(k, v) VALUES (?, 'dup')", i);  // constraint violation
        return {};
    });
    std::set<std::int64_t> expected;
    for (int i = 0; i < 30; ++i) {
        if (i % 5 == 0 || i % 5 == 1) {
            ASSERT_FALSE(results[i].ok()) << i;
            EXPECT_EQ(results[i].error().code, ErrorCode::kInternal) << i;
        } else {
            EXPECT_TRUE(results[i].ok()) << i;
            expected.insert(i);
        }
    }
    EXPECT_EQ(Keys(), expected);
}

TEST_F(Storage, ReadJobErrorsAndExceptionsComeBackAsResults) {
    auto err = db_->Read([](Tx&) -> Result<int> { return Error::NotFound("thing"); });
    ASSERT_FALSE(err.ok());
    EXPECT_EQ(err.error().api_code, "thing_not_found");

    auto emit = db_->Read([](Tx& tx) -> Result<std::int64_t> {
        Event e;
        e.kind = "x";
        e.data_json = "{}";
        return tx.Emit(e);
    });
    ASSERT_FALSE(emit.ok());
    EXPECT_EQ(emit.error().code, ErrorCode::kInternal);

    auto write_in_read = db_->Read(
        [](Tx& tx) -> Result<std::int64_t> { return tx.Exec("INSERT INTO kv(k, v) VALUES (99, 'nope')"); });
    ASSERT_FALSE(write_in_read.ok());
    EXPECT_EQ(write_in_read.error().code, ErrorCode::kInternal);
    EXPECT_EQ(Get(99), std::nullopt);
    // The reader connection is still usable after the failure.
    ASSERT_TRUE(Put(5, "five").ok());
    EXPECT_EQ(Get(5), "five");
}

TEST_F(Storage, GroupCommitBatchesConcurrentWriters) {
    constexpr int kWriters = 200;
    BatchStats before = CommitBatchStats();
    auto results = RunConcurrentWrites(*db_, kWriters, [](Tx& tx, int i) -> Status {
        tx.Exec("INSERT INTO kv(k, v) VALUES (?, 'w')", i);
        return {};
    });
    BatchStats after = CommitBatchStats();
    for (const auto& r : results) ASSERT_TRUE(r.ok());
    EXPECT_EQ(Keys().size(), static_cast<std::size_t>(kWriters));
    // Every job (the writers and the gate) was counted once, in fewer transactions than jobs.
    EXPECT_EQ(after.jobs - before.jobs, kWriters + 1.0);
    EXPECT_LT(after.batches - before.batches, static_cast<std::uint64_t>(kWriters));
    EXPECT_GE(after.batches - before.batches, 2u);  // the gate's batch and at least one more
}

TEST_F(Storage, StopFinishesQueuedWritesAndRejectsLaterOnes) {
    constexpr int kWriters = 20;
    std::vector<std::future<Status>> queued_probes;
    std::latch probe_queued(1);
    std::thread stopper;
    std::vector<std::optional<Status>> results(kWriters);
    std::atomic<int> ran{0};
    {
        // The gate job learns that Stop() has begun from a probe write that is refused at once. Probes
        // that stay pending are queued behind the gate: writes that Stop() must still complete.
        WriterGate gate(*db_, [&] {
            for (bool stop_seen = false; !stop_seen;) {
                auto probe = std::async(std::launch::async, [this] {
                    return db_->Write([](Tx& tx) -> Status {
                        tx.Exec("UPDATE counter SET n = n + 1");
                        return {};
                    });
                });
                if (probe.wait_for(std::chrono::milliseconds(100)) == std::future_status::ready) {
                    Status s = probe.get();
                    EXPECT_FALSE(s.ok()) << "nothing runs while the gate holds the writer";
                    if (!s.ok()) {
                        EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
                    }
                    stop_seen = true;
                } else {
                    queued_probes.push_back(std::move(probe));
                    if (queued_probes.size() == 1) probe_queued.count_down();
                }
            }
        });
        std::latch submitted(kWriters);
        std::vector<std::thread> writers;
        for (int i = 0; i < kWriters; ++i) {
            writers.emplace_back([&, i] {
                submitted.count_down();
                results[i].emplace(db_->Write([&, i](Tx& tx) -> Status {
                    ++ran;
                    tx.Exec("INSERT INTO kv(k, v) VALUES (?, 'queued')", i);
                    return {};
                }));
            });
        }
        submitted.wait();
        probe_queued.wait();
        stopper = std::thread([this] { db_->Stop(); });
        EXPECT_TRUE(gate.Join().ok()) << "the job in progress completes";
        for (auto& w : writers) w.join();
    }
    stopper.join();

    std::set<std::int64_t> acknowledged;
    int unavailable = 0;
    for (int i = 0; i < kWriters; ++i) {
        ASSERT_TRUE(results[i].has_value());
        if (results[i]->ok()) {
            acknowledged.insert(i);
        } else {
            EXPECT_EQ(results[i]->error().code, ErrorCode::kUnavailable);
            ++unavailable;
        }
    }
    // A write either ran and was acknowledged, or was refused without running.
    EXPECT_EQ(ran.load(), static_cast<int>(acknowledged.size()));
    EXPECT_EQ(static_cast<int>(acknowledged.size()) + unavailable, kWriters);
    // A probe that did not come back at once was queued (or just slow to start): it either completed
    // or was refused, never lost.
    std::int64_t probes_completed = 0;
    for (auto& p : queued_probes) {
        Status s = p.get();
        if (!s.ok()) {
            EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
        }
        probes_completed += s.ok() ? 1 : 0;
    }
    // The first probe was queued long before Stop() began; Stop() completed it.
    EXPECT_GE(probes_completed, 1);

    bool later_ran = false;
    auto later = db_->Write([&](Tx&) -> Status {
        later_ran = true;
        return {};
    });
    ASSERT_FALSE(later.ok());
    EXPECT_EQ(later.error().code, ErrorCode::kUnavailable);
    EXPECT_FALSE(later_ran);

    db_.reset();
    auto reopened = test::OpenTestDatabase(path_);
    auto keys = reopened->Read([](Tx& tx) -> Result<std::set<std::int64_t>> {
        std::set<std::int64_t> out;
        auto& st = tx.Query("SELECT k FROM kv");
        while (st.Step()) out.insert(st.Int(0));
        return out;
    });
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(keys.value(), acknowledged);
    auto n = reopened->Read(
        [](Tx& tx) -> Result<std::int64_t> { return tx.QueryInt("SELECT n FROM counter").value_or(-1); });
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.value(), probes_completed);
}

// Editing or hiding a message rewrites every event of it in the log (test_util.hpp).
TEST_F(Storage, RedactEventsRewritesEveryEventOfTheSubjectAndRollsBackWithItsJob) {
    test::ExpectRedactEventsContract(*db_);
}

TEST_F(Storage, EventSinkReceivesCommittedEventsInOrder) {
    for (int i = 0; i < 5; ++i) {
        auto pos = db_->Write([&](Tx& tx) -> Result<std::int64_t> {
            Event e;
            e.target_user_id = 42;
            e.kind = "test.seq";
            e.data_json = "{\"i\":" + std::to_string(i) + "}";
            return tx.Emit(e);
        });
        ASSERT_TRUE(pos.ok());
    }
    ASSERT_TRUE(sink_.WaitForCount(5));
    auto events = sink_.Events();
    ASSERT_EQ(events.size(), 5u);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(events[i].data_json, "{\"i\":" + std::to_string(i) + "}");
        EXPECT_EQ(events[i].target_user_id, 42);
        if (i > 0) {
            EXPECT_EQ(events[i].pos, events[i - 1].pos + 1);
        }
    }
}

}  // namespace veche::storage

namespace veche::storage {
namespace {

// A read job that stops reading a statement half-way must not pin its connection to an old snapshot.
TEST(SqliteDatabase, ReadAfterAPartlyReadStatementSeesNewCommits) {
    test::TempDir dir;
    auto db = test::OpenTestDatabase(dir.File("x.db"), /*readers=*/1);
    auto count = [&] {
        return db->Read([](Tx& tx) -> Result<std::int64_t> {
                     return tx.QueryInt("SELECT COUNT(*) FROM schema_migrations").value_or(-1);
                 })
            .value();
    };
    std::int64_t before = count();
    (void)db->Read([](Tx& tx) -> Result<bool> {
        auto& st = tx.Query("SELECT version FROM schema_migrations ORDER BY version");
        return st.Step();  // leaves the statement mid-way on purpose
    });
    ASSERT_TRUE(db->Write([](Tx& tx) -> Status {
                      tx.Exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (9999, 'probe', 0)");
                      return {};
                  }).ok());
    EXPECT_EQ(count(), before + 1);
}

}  // namespace
}  // namespace veche::storage

namespace veche::storage {
namespace {

// Deferred work runs for jobs that succeed, in order, inside the same commit; a failed job's is dropped.
TEST(SqliteDatabase, DeferredWorkRunsForSucceededJobsOnly) {
    test::TempDir dir;
    auto db = test::OpenTestDatabase(dir.File("x.db"), /*readers=*/1);
    auto insert = [](int v) {
        return [v](Tx& t) { t.Exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, 'd', 0)", v); };
    };
    ASSERT_TRUE(db->Write([&](Tx& tx) -> Status {
                      tx.Defer(insert(1001));
                      tx.Defer(insert(1002));
                      return {};
                  }).ok());
    auto failed = db->Write([&](Tx& tx) -> Status {
        tx.Defer(insert(1003));
        return Error::Conflict("nope", "fails on purpose");
    });
    EXPECT_FALSE(failed.ok());
    auto versions = db->Read([](Tx& tx) -> Result<std::vector<std::int64_t>> {
        std::vector<std::int64_t> out;
        auto& st = tx.Query("SELECT version FROM schema_migrations WHERE version > 1000 ORDER BY version");
        while (st.Step()) out.push_back(st.Int(0));
        return out;
    });
    ASSERT_TRUE(versions.ok());
    EXPECT_EQ(*versions, (std::vector<std::int64_t>{1001, 1002}));
}

}  // namespace
}  // namespace veche::storage
