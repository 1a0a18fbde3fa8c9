#pragma once
// Helpers shared by the unit tests: a temporary directory per test, a database in it, a recording
// event sink and users inserted without password hashing (argon2id is slow under ASan).

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "veche/audit/audit.hpp"
#include "veche/chat/module.hpp"
#include "veche/search/search_index.hpp"
#include "veche/timeline/timeline.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/event.hpp"
#include "veche/core/ids.hpp"
#include "veche/storage/database.hpp"

namespace veche::test {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "veche-unit-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::string File(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

// fsync is irrelevant to what unit tests check and makes them slow.
inline std::unique_ptr<storage::Database> OpenTestDatabase(const std::string& path, int readers = 2) {
    storage::DatabaseOptions options;
    options.path = path;
    options.readers = readers;
    options.synchronous_full = false;
    return storage::OpenSqlite(options);
}

// The suite's PostgreSQL (scripts/with-test-services sets VECHE_TEST_PG_URL), or empty.
inline std::string TestPostgresUrl() {
    const char* url = std::getenv("VECHE_TEST_PG_URL");
    return url ? url : "";
}

// A new empty database on the suite's PostgreSQL; returns its URL. (The server is thrown away
// with everything in it after the run, so databases are not dropped one by one.)
inline std::string CreatePostgresDatabase() {
    std::string admin = TestPostgresUrl();
    if (admin.empty()) throw std::runtime_error("VECHE_TEST_PG_URL is not set (run under scripts/with-test-services)");
    static int counter = 0;
    std::string name = "unit_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" +
                       std::to_string(NowMs() % 1000000);
    std::string cmd = "psql '" + admin + "' -q -v ON_ERROR_STOP=1 -c 'CREATE DATABASE " + name + "' >/dev/null";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot create database " + name);
    return admin.substr(0, admin.rfind('/') + 1) + name;
}

// The database the service tests run on: SQLite at `sqlite_path`, or, with
// VECHE_TEST_STORAGE=postgresql, a fresh PostgreSQL database (`make unit` runs them both ways).
inline std::unique_ptr<storage::Database> OpenServiceDatabase(const std::string& sqlite_path, int readers = 2,
                                                              std::vector<storage::ModuleSchema> modules = {}) {
    // Every service may record in the audit log and the timeline (platform services, like the
    // baseline tables), in the Assembly's order.
    auto has = [&](std::string_view name) {
        return std::any_of(modules.begin(), modules.end(), [&](const auto& m) { return m.module == name; });
    };
    // The messenger's own changes to its baseline tables (files' owners), after the platform's.
    if (!has("chat")) modules.push_back(chat::Schema());
    if (!has("search")) modules.insert(modules.begin(), search::Schema());
    if (!has("timeline")) modules.insert(modules.begin(), timeline::Schema());
    if (!has("audit")) modules.insert(modules.begin(), audit::Schema());
    const char* which = std::getenv("VECHE_TEST_STORAGE");
    // A typo must not turn the PostgreSQL pass into a second SQLite pass.
    if (which && *which && std::string(which) != "postgresql" && std::string(which) != "sqlite")
        throw std::runtime_error("VECHE_TEST_STORAGE must be 'sqlite' or 'postgresql'");
    if (which && std::string(which) == "postgresql") {
        storage::PostgresOptions options;
        options.url = CreatePostgresDatabase();
        options.readers = readers;
        options.modules = std::move(modules);
        return storage::OpenPostgres(options);
    }
    storage::DatabaseOptions options;
    options.path = sqlite_path;
    options.readers = readers;
    options.synchronous_full = false;
    options.modules = std::move(modules);
    return storage::OpenSqlite(options);
}

// Keeps every published event; tests wait for a count instead of sleeping.
class RecordingSink final : public EventSink {
public:
    void Publish(const std::vector<Event>& events) override {
        {
            std::lock_guard lock(mu_);
            batches_.push_back(events);
            events_.insert(events_.end(), events.begin(), events.end());
        }
        cv_.notify_all();
    }

    // True when at least `n` events arrived within a generous deadline.
    bool WaitForCount(std::size_t n, std::chrono::seconds deadline = std::chrono::seconds(20)) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, deadline, [&] { return events_.size() >= n; });
    }

    std::vector<Event> Events() const {
        std::lock_guard lock(mu_);
        return events_;
    }
    std::size_t BatchCount() const {
        std::lock_guard lock(mu_);
        return batches_.size();
    }
    void Clear() {
        std::lock_guard lock(mu_);
        events_.clear();
        batches_.clear();
    }

private:
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Event> events_;
    std::vector<std::vector<Event>> batches_;
};

// A user row written directly, with a password hash that matches no password.
inline Id InsertUser(storage::Database& db, const std::string& username, const std::string& role = "user",
                     bool deactivated = false) {
    Id id = GlobalIds().Next();
    auto r = db.Write([&](storage::Tx& tx) -> Status {
        tx.Exec(
            "INSERT INTO users(id, username, display_name, role, password_hash, deactivated, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, 'x', ?, ?, ?)",
            id, username, username, role, deactivated, NowMs(), NowMs());
        return {};
    });
    if (!r.ok()) throw std::runtime_error("cannot insert user " + username + ": " + r.error().message);
    return id;
}

// The contract of Tx::RedactEvents on either backend: every logged event of the subject, this
// batch's included, gets the new data, and a failed job's rewrite is undone with the job.
inline void ExpectRedactEventsContract(storage::Database& db) {
    using storage::Tx;
    auto emit = [](Tx& tx, Id subject, const char* data) {
        Event e;
        e.topic = ChatTopic(1);
        e.kind = "message.created";
        e.subject_id = subject;
        e.data_json = data;
        tx.Emit(std::move(e));
    };
    ASSERT_TRUE(db.Write([&](Tx& tx) -> Status {
                    emit(tx, 7, "{\"v\":1}");
                    emit(tx, 8, "{\"other\":1}");
                    return {};
                }).ok());
    ASSERT_TRUE(db.Write([&](Tx& tx) -> Status {
                    emit(tx, 7, "{\"v\":2}");  // still in this batch when it is redacted
                    tx.RedactEvents(7, "{\"v\":\"now\"}");
                    return {};
                }).ok());
    auto failed = db.Write([&](Tx& tx) -> Status {
        tx.RedactEvents(8, "{\"gone\":1}");
        return Error::Internal("fails after redacting");
    });
    ASSERT_FALSE(failed.ok());
    auto rows = db.Read([](Tx& tx) -> Result<std::vector<std::pair<std::int64_t, std::string>>> {
        std::vector<std::pair<std::int64_t, std::string>> out;
        auto& st = tx.Query("SELECT subject_id, data FROM events ORDER BY pos");
        while (st.Step()) out.emplace_back(st.Int(0), st.Text(1));
        return out;
    });
    ASSERT_TRUE(rows.ok());
    using Row = std::pair<std::int64_t, std::string>;
    EXPECT_EQ(rows.value(), (std::vector<Row>{{7, "{\"v\":\"now\"}"}, {8, "{\"other\":1}"}, {7, "{\"v\":\"now\"}"}}));
}

}  // namespace veche::test
