// The audit log (veche/audit/audit.hpp) on both engines: entries chain in the order they commit,
// also when many threads write at once through the group-committing writer and when two "nodes"
// share one PostgreSQL database; a failed action leaves no entry; a changed, removed or appended
// row is found by Verify; the accounts module records its actions with actor and address.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "test_util.hpp"
#include "veche/accounts/account_service.hpp"
#include "veche/audit/admin_routes.hpp"
#include "veche/audit/audit.hpp"
#include "veche/core/crypto.hpp"
#include "veche/jobs/scheduler.hpp"

namespace veche::audit {
namespace {

using storage::Dialect;
using storage::Tx;

class AuditLog : public ::testing::TestWithParam<Dialect> {
protected:
    static void SetUpTestSuite() { crypto::InitCrypto(); }

    void SetUp() override {
        if (GetParam() == Dialect::kPostgres) {
            if (test::TestPostgresUrl().empty()) {
                if (std::getenv("VECHE_TEST_REQUIRE_PG")) FAIL() << "PostgreSQL is required";
                GTEST_SKIP() << "VECHE_TEST_PG_URL is not set; `make unit` sets it";
            }
            pg_url_ = test::CreatePostgresDatabase();
            db_ = OpenPg();
        } else {
            storage::DatabaseOptions o;
            o.path = dir_.File("audit.db");
            o.readers = 2;
            o.synchronous_full = false;
            o.modules = {Schema(), jobs::Schema()};
            db_ = storage::OpenSqlite(o);
        }
    }
    void TearDown() override {
        if (db_) db_->Stop();
    }

    std::unique_ptr<storage::Database> OpenPg() {
        storage::PostgresOptions o;
        o.url = pg_url_;
        o.readers = 2;
        o.modules = {Schema(), jobs::Schema()};
        return storage::OpenPostgres(o);
    }

    static Entry Sample(std::string action, std::string data = R"({"n":1})") {
        return {Id{42}, "192.0.2.7", std::move(action), "user", Id{7}, std::move(data)};
    }

    void MustRecord(Entry e) {
        auto st = db_->Write([&](Tx& tx) { return Record(tx, e); });
        ASSERT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
    }

    std::vector<Row> All() {
        Filter f;
        f.limit = 100000;
        auto rows = List(*db_, f);
        EXPECT_TRUE(rows.ok());
        return rows.ok() ? *rows : std::vector<Row>{};
    }

    void Exec(const std::string& sql) {
        auto st = db_->Write([&](Tx& tx) -> Status {
            tx.Exec(sql);
            return {};
        });
        ASSERT_TRUE(st.ok());
    }

    Verification MustVerify() {
        auto v = Verify(*db_);
        EXPECT_TRUE(v.ok());
        return v.ok() ? *v : Verification{};
    }

    test::TempDir dir_;
    std::string pg_url_;
    std::unique_ptr<storage::Database> db_;
};

TEST_P(AuditLog, AnEmptyLogVerifies) {
    auto v = MustVerify();
    EXPECT_TRUE(v.ok);
    EXPECT_EQ(v.rows, 0);
    EXPECT_EQ(v.head_hash, kGenesisHash);
}

TEST_P(AuditLog, EntriesChainFromTheGenesisHashAndListNewestFirst) {
    MustRecord(Sample("auth.login"));
    MustRecord({std::nullopt, "", "user.created", "", std::nullopt, R"({"via":"cli"})"});
    MustRecord(Sample("auth.logout"));
    auto rows = All();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].id, 3);
    EXPECT_EQ(rows[0].action, "auth.logout");
    EXPECT_EQ(rows[2].prev_hash, kGenesisHash);
    EXPECT_EQ(rows[1].prev_hash, rows[2].hash);
    EXPECT_EQ(rows[0].prev_hash, rows[1].hash);
    for (const auto& r : rows) EXPECT_EQ(ChainHash(r.prev_hash, r), r.hash);
    EXPECT_FALSE(rows[1].actor_id.has_value());
    EXPECT_FALSE(rows[1].actor_ip.has_value());
    EXPECT_FALSE(rows[1].target_kind.has_value());
    EXPECT_EQ(rows[2].actor_ip, "192.0.2.7");
    EXPECT_EQ(rows[2].data_json, R"({"n":1})");
    auto v = MustVerify();
    EXPECT_TRUE(v.ok) << v.reason;
    EXPECT_EQ(v.rows, 3);
    EXPECT_EQ(v.head_hash, rows[0].hash);
}

TEST_P(AuditLog, SeveralEntriesInOneJobFollowEachOther) {
    auto st = db_->Write([&](Tx& tx) -> Status {
        for (int i = 0; i < 5; ++i) VECHE_RETURN_IF_ERROR(Record(tx, Sample("user.role_changed")));
        return {};
    });
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(All().size(), 5u);
    EXPECT_TRUE(MustVerify().ok);
}

TEST_P(AuditLog, AFailedActionLeavesNoEntry) {
    auto failed = db_->Write([&](Tx& tx) -> Status {
        VECHE_RETURN_IF_ERROR(Record(tx, Sample("user.created")));
        return Error::Conflict("username_taken", "username is taken");
    });
    EXPECT_FALSE(failed.ok());
    auto thrown = db_->Write([&](Tx& tx) -> Status {
        VECHE_RETURN_IF_ERROR(Record(tx, Sample("user.created")));
        throw std::runtime_error("the action failed after recording");
    });
    EXPECT_FALSE(thrown.ok());
    EXPECT_TRUE(All().empty());
    MustRecord(Sample("auth.login"));
    auto rows = All();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].id, 1);
    EXPECT_TRUE(MustVerify().ok);
}

// Many threads through db.Write: the writer groups their jobs into shared transactions, some of
// which fail after recording (savepoint rolled back, deferred link dropped).
TEST_P(AuditLog, ConcurrentWritesFromManyThreadsKeepOneChain) {
    constexpr int kThreads = 8, kPerThread = 40;
    std::atomic<int> committed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                bool fail = (i % 5) == 4;
                auto st = db_->Write([&](Tx& tx) -> Status {
                    VECHE_RETURN_IF_ERROR(
                        Record(tx, Sample("auth.login", "{\"t\":" + std::to_string(t) + "}")));
                    if (fail) return Error::InvalidArgument("this one fails");
                    return {};
                });
                if (st.ok()) ++committed;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(committed.load(), kThreads * kPerThread * 4 / 5);
    auto rows = All();
    ASSERT_EQ(static_cast<int>(rows.size()), committed.load());
    EXPECT_EQ(rows.front().id, committed.load());
    auto v = MustVerify();
    EXPECT_TRUE(v.ok) << v.reason << " at " << v.broken_id.value_or(0);
    EXPECT_EQ(v.rows, committed.load());
}

// Two writers on one PostgreSQL database, as two nodes of a cluster: each batch links to the head
// the other committed, never to the same predecessor.
TEST_P(AuditLog, TwoNodesSharingPostgresKeepOneChain) {
    if (GetParam() != Dialect::kPostgres) GTEST_SKIP() << "a cluster shares PostgreSQL";
    auto second = OpenPg();
    constexpr int kThreads = 4, kPerThread = 30;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
        storage::Database& db = (t % 2) ? *second : *db_;
        threads.emplace_back([&db, &failures] {
            for (int i = 0; i < kPerThread; ++i) {
                auto st = db.Write([&](Tx& tx) { return Record(tx, Sample("session.revoked")); });
                if (!st.ok()) ++failures;
            }
        });
    }
    for (auto& th : threads) th.join();
    second->Stop();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(static_cast<int>(All().size()), kThreads * kPerThread);
    auto v = MustVerify();
    EXPECT_TRUE(v.ok) << v.reason << " at " << v.broken_id.value_or(0);
}

TEST_P(AuditLog, ChangedDataIsFound) {
    for (int i = 0; i < 5; ++i) MustRecord(Sample("auth.login"));
    Exec(R"(UPDATE audit_log SET data = '{"n":2}' WHERE id = 3)");
    auto v = MustVerify();
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.broken_id, 3);
    EXPECT_NE(v.reason.find("changed"), std::string::npos) << v.reason;
}

TEST_P(AuditLog, AChangedActorOrTimeIsFound) {
    for (int i = 0; i < 3; ++i) MustRecord(Sample("auth.login"));
    Exec("UPDATE audit_log SET actor_id = NULL WHERE id = 2");
    EXPECT_EQ(MustVerify().broken_id, 2);
}

TEST_P(AuditLog, ADeletedMiddleRowIsFound) {
    for (int i = 0; i < 5; ++i) MustRecord(Sample("auth.login"));
    Exec("DELETE FROM audit_log WHERE id = 3");
    auto v = MustVerify();
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.broken_id, 3);
    EXPECT_NE(v.reason.find("missing"), std::string::npos) << v.reason;
}

TEST_P(AuditLog, ADeletedMiddleRowWithRenumberedSuccessorsIsFound) {
    for (int i = 0; i < 5; ++i) MustRecord(Sample("auth.login"));
    Exec("DELETE FROM audit_log WHERE id = 3");
    Exec("UPDATE audit_log SET id = id - 1 WHERE id > 3");
    EXPECT_EQ(MustVerify().broken_id, 3);
}

TEST_P(AuditLog, ADeletedLastRowIsFoundThroughTheHead) {
    for (int i = 0; i < 4; ++i) MustRecord(Sample("auth.login"));
    Exec("DELETE FROM audit_log WHERE id = 4");
    auto v = MustVerify();
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.broken_id, 4);
}

TEST_P(AuditLog, ARecordWithABadActionIsRefused) {
    auto st = db_->Write([&](Tx& tx) { return Record(tx, Sample("Not An Action")); });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
    auto bad_data = db_->Write([&](Tx& tx) { return Record(tx, Sample("auth.login", "[1]")); });
    EXPECT_FALSE(bad_data.ok());
    EXPECT_TRUE(All().empty());
}

TEST_P(AuditLog, FiltersAndKeysetPages) {
    MustRecord({Id{1}, "", "auth.login", "session", Id{100}, "{}", 1000});
    MustRecord({Id{2}, "", "auth.login", "session", Id{101}, "{}", 2000});
    MustRecord({Id{1}, "", "user.created", "user", Id{5}, "{}", 3000});
    MustRecord({Id{1}, "", "auth.logout", "session", Id{100}, "{}", 4000});
    auto list = [&](Filter f) {
        auto r = List(*db_, f);
        EXPECT_TRUE(r.ok());
        std::vector<Id> ids;
        if (r.ok())
            for (const auto& row : *r) ids.push_back(row.id);
        return ids;
    };
    Filter f;
    f.actor_id = 1;
    EXPECT_EQ(list(f), (std::vector<Id>{4, 3, 1}));
    f = {};
    f.action = "auth.login";
    EXPECT_EQ(list(f), (std::vector<Id>{2, 1}));
    f = {};
    f.target_kind = "session";
    f.target_id = 100;
    EXPECT_EQ(list(f), (std::vector<Id>{4, 1}));
    f = {};
    f.from = 2000;
    f.to = 3000;
    EXPECT_EQ(list(f), (std::vector<Id>{3, 2}));
    f = {};
    f.limit = 2;
    EXPECT_EQ(list(f), (std::vector<Id>{4, 3}));
    f.before = 3;
    EXPECT_EQ(list(f), (std::vector<Id>{2, 1}));
}

// The accounts module records its actions in the transaction of each; a refused one records nothing.
TEST_P(AuditLog, AccountActionsAreRecordedWithActorAndAddress) {
    accounts::AccountService accounts(*db_);
    accounts::User admin;
    admin.id = 1;
    admin.username = "root";
    admin.role = "admin";
    auto created =
        accounts.CreateUser(admin, {"carol", std::string("carol-password"), "Carol", "user"}, "198.51.100.4");
    ASSERT_TRUE(created.ok());
    auto taken =
        accounts.CreateUser(admin, {"carol", std::string("carol-password"), "", "user"}, "198.51.100.4");
    EXPECT_FALSE(taken.ok());
    EXPECT_FALSE(accounts.Login("carol", "not her password", "203.0.113.9", "ua").ok());
    auto login = accounts.Login("carol", "carol-password", "203.0.113.9", "ua");
    ASSERT_TRUE(login.ok());
    ASSERT_TRUE(
        accounts.UpdateUser(admin, created->user.id, std::string("admin"), std::nullopt, "198.51.100.4")
            .ok());
    ASSERT_TRUE(accounts.SetRoleUnchecked("carol", "user").ok());

    auto rows = All();
    ASSERT_EQ(rows.size(), 5u);
    std::reverse(rows.begin(), rows.end());
    EXPECT_EQ(rows[0].action, "user.created");
    EXPECT_EQ(rows[0].actor_id, 1);
    EXPECT_EQ(rows[0].actor_ip, "198.51.100.4");
    EXPECT_EQ(rows[0].target_id, created->user.id);
    EXPECT_EQ(rows[1].action, "auth.login_failed");
    EXPECT_FALSE(rows[1].actor_id.has_value());
    EXPECT_EQ(rows[1].actor_ip, "203.0.113.9");
    EXPECT_NE(rows[1].data_json.find("\"username\":\"carol\""), std::string::npos);
    EXPECT_EQ(rows[1].data_json.find("not her password"), std::string::npos);
    EXPECT_EQ(rows[2].action, "auth.login");
    EXPECT_EQ(rows[2].actor_id, created->user.id);
    EXPECT_EQ(rows[2].target_id, login->session.id);
    EXPECT_EQ(rows[3].action, "user.role_changed");
    EXPECT_NE(rows[3].data_json.find("\"to\":\"admin\""), std::string::npos);
    EXPECT_EQ(rows[4].action, "user.role_changed");
    EXPECT_FALSE(rows[4].actor_id.has_value());
    EXPECT_NE(rows[4].data_json.find("\"via\":\"cli\""), std::string::npos);
    EXPECT_TRUE(MustVerify().ok);
}

// The admin route records a retry through Retry's hook, in the retry's own transaction: a hook
// that fails leaves the job dead and the log without an entry.
TEST_P(AuditLog, AJobRetryIsRecordedWithTheRetryOrNotAtAll) {
    jobs::SchedulerOptions so;
    so.owner = "unit";
    jobs::Scheduler scheduler(*db_, so);
    scheduler.Register("unit.fail", [](const jobs::Job&) -> Status { return Error::Internal("fails"); });
    jobs::ScheduleOptions one;
    one.max_attempts = 1;
    auto id = db_->Write([&](Tx& tx) { return scheduler.Schedule(tx, "unit.fail", "{}", 0, one); });
    ASSERT_TRUE(id.ok());
    ASSERT_EQ(scheduler.RunDuePass(), 1);
    ASSERT_EQ(scheduler.Get(*id)->state, jobs::JobState::kDead);

    auto refused = scheduler.Retry(*id, [](Tx& tx, const jobs::Job& j) -> Status {
        VECHE_RETURN_IF_ERROR(Record(tx, {Id{1}, "192.0.2.1", "job.retried", "job", j.id}));
        return Error::Internal("the hook fails");
    });
    EXPECT_FALSE(refused.ok());
    EXPECT_EQ(scheduler.Get(*id)->state, jobs::JobState::kDead);
    EXPECT_TRUE(All().empty());

    auto retried = scheduler.Retry(*id, [](Tx& tx, const jobs::Job& j) {
        return Record(tx, {Id{1}, "192.0.2.1", "job.retried", "job", j.id});
    });
    ASSERT_TRUE(retried.ok());
    EXPECT_EQ(retried->state, jobs::JobState::kPending);
    auto rows = All();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].action, "job.retried");
    EXPECT_EQ(rows[0].target_id, *id);
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditLog, ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& param_info) {
                             return param_info.param == Dialect::kSqlite ? "Sqlite" : "Postgres";
                         });

TEST(AuditCanonicalText, NullAndEmptyAreDifferentRows) {
    Row a;
    a.id = 1;
    a.action = "auth.login";
    a.data_json = "{}";
    Row b = a;
    b.actor_ip = "";
    EXPECT_NE(CanonicalText(a), CanonicalText(b));
    EXPECT_NE(ChainHash(kGenesisHash, a), ChainHash(kGenesisHash, b));
    Row c = a;
    c.action = "auth.logi";
    c.data_json = "n{}";  // the same bytes run together, framed differently
    EXPECT_NE(ChainHash(kGenesisHash, a), ChainHash(kGenesisHash, c));
}

TEST(AuditCsvField, QuotesAndDefusesFormulas) {
    EXPECT_EQ(CsvField("plain"), "plain");
    EXPECT_EQ(CsvField(""), "");
    EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
    EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(CsvField("=1+1"), "'=1+1");
    EXPECT_EQ(CsvField("+1"), "'+1");
    EXPECT_EQ(CsvField("-2"), "'-2");
    EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
    EXPECT_EQ(CsvField("=HYPERLINK(\"x\",\"y\")"), "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
}

}  // namespace
}  // namespace veche::audit
