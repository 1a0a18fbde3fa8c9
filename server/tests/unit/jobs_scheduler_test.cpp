// The durable job queue (veche/jobs/scheduler.hpp) on both engines: a job runs once it is due and
// is marked done; a failing one backs off, then dies, and an administrator's retry revives it; a
// lease that expires (its node died) is taken over by another runner, and the first runner's late
// done mark changes nothing; a dedupe key reschedules and cancels; a rolled-back schedule never runs.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "test_util.hpp"
#include "veche/jobs/scheduler.hpp"

namespace veche::jobs {
namespace {

using storage::Dialect;
using storage::Tx;

constexpr std::int64_t kT0 = 1'800'000'000'000;  // a fixed "now" for the fake clock

class JobScheduler : public ::testing::TestWithParam<Dialect> {
protected:
    void SetUp() override {
        if (GetParam() == Dialect::kPostgres) {
            if (test::TestPostgresUrl().empty()) {
                if (std::getenv("VECHE_TEST_REQUIRE_PG")) FAIL() << "PostgreSQL is required";
                GTEST_SKIP() << "VECHE_TEST_PG_URL is not set; `make unit` sets it";
            }
            storage::PostgresOptions o;
            o.url = test::CreatePostgresDatabase();
            o.readers = 2;
            o.modules = {Schema()};
            db_ = storage::OpenPostgres(o);
        } else {
            storage::DatabaseOptions o;
            o.path = dir_.File("jobs.db");
            o.readers = 2;
            o.synchronous_full = false;
            o.modules = {Schema()};
            db_ = storage::OpenSqlite(o);
        }
    }
    void TearDown() override {
        if (db_) db_->Stop();
    }

    SchedulerOptions Options(std::string owner) {
        SchedulerOptions o;
        o.owner = std::move(owner);
        o.lease = std::chrono::milliseconds(1000);
        o.backoff_base = std::chrono::milliseconds(100);
        o.backoff_max = std::chrono::milliseconds(400);
        o.clock = [this] { return now_.load(); };
        return o;
    }

    Id ScheduleNow(Scheduler& s, std::string kind, std::int64_t due, ScheduleOptions o = {},
                   std::string payload = R"({"n":1})") {
        auto id = db_->Write([&](Tx& tx) { return s.Schedule(tx, kind, payload, due, o); });
        EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
        return id.ok() ? *id : 0;
    }

    Job Get(Scheduler& s, Id id) {
        auto j = s.Get(id);
        EXPECT_TRUE(j.ok());
        return j.ok() ? *j : Job{};
    }

    std::int64_t Rows() {
        return db_
            ->Read([](Tx& tx) -> Result<std::int64_t> {
                return *tx.QueryInt("SELECT COUNT(*) FROM jobs_queue");
            })
            .value();
    }

    test::TempDir dir_;
    std::unique_ptr<storage::Database> db_;
    std::atomic<std::int64_t> now_{kT0};
};

TEST_P(JobScheduler, RunsADueJobOnceAndMarksItDone) {
    Scheduler s(*db_, Options("a"));
    std::vector<std::string> seen;
    s.Register("test.echo", [&](const Job& j) -> Status {
        seen.push_back(j.payload);
        EXPECT_EQ(j.attempts, 1);
        return {};
    });
    Id id = ScheduleNow(s, "test.echo", kT0 + 1000, {}, R"({"hello":"мир"})");
    EXPECT_EQ(Get(s, id).state, JobState::kPending);

    EXPECT_EQ(s.RunDuePass(), 0) << "not due yet";
    now_ = kT0 + 1000;
    EXPECT_EQ(s.RunDuePass(), 1);
    EXPECT_EQ(s.RunDuePass(), 0) << "a done job does not run again";
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0], R"({"hello":"мир"})");
    Job j = Get(s, id);
    EXPECT_EQ(j.state, JobState::kDone);
    EXPECT_EQ(j.attempts, 1);
    EXPECT_FALSE(j.lease_owner.has_value());
}

TEST_P(JobScheduler, FailingJobBacksOffExponentiallyThenDiesAndAdminRetryRevivesIt) {
    Scheduler s(*db_, Options("a"));
    bool fail = true;
    int runs = 0;
    s.Register("test.flaky", [&](const Job&) -> Status {
        ++runs;
        if (fail) return Error::Unavailable("downstream is down");
        return {};
    });
    ScheduleOptions o;
    o.max_attempts = 3;
    Id id = ScheduleNow(s, "test.flaky", kT0, o);

    EXPECT_EQ(s.RunDuePass(), 1);
    Job j = Get(s, id);
    EXPECT_EQ(j.state, JobState::kPending);
    EXPECT_EQ(j.attempts, 1);
    EXPECT_EQ(j.last_error.value_or(""), "downstream is down");
    // Equal jitter: the first retry waits between half the base and the base.
    EXPECT_GE(j.due_at, kT0 + 50);
    EXPECT_LE(j.due_at, kT0 + 100);
    EXPECT_EQ(s.RunDuePass(), 0) << "not before the backoff";

    now_ = j.due_at;
    EXPECT_EQ(s.RunDuePass(), 1);
    j = Get(s, id);
    EXPECT_EQ(j.attempts, 2);
    EXPECT_GE(j.due_at, now_ + 100);
    EXPECT_LE(j.due_at, now_ + 200);

    now_ = j.due_at;
    EXPECT_EQ(s.RunDuePass(), 1);
    j = Get(s, id);
    EXPECT_EQ(j.state, JobState::kDead);
    EXPECT_EQ(j.attempts, 3);
    now_ += 3'600'000;
    EXPECT_EQ(s.RunDuePass(), 0) << "a dead job stays dead";
    EXPECT_EQ(runs, 3);

    auto listed = s.List({JobState::kDead, std::string("test.flaky"), std::nullopt, 10});
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ((*listed)[0].id, id);

    fail = false;
    auto retried = s.Retry(id);
    ASSERT_TRUE(retried.ok());
    EXPECT_EQ(retried->state, JobState::kPending);
    EXPECT_EQ(retried->attempts, 0);
    EXPECT_EQ(retried->due_at, now_.load());
    EXPECT_EQ(s.RunDuePass(), 1);
    EXPECT_EQ(Get(s, id).state, JobState::kDone);

    auto again = s.Retry(id);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().api_code, "job_not_dead");
    auto unknown = s.Retry(987654321);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().api_code, "job_not_found");
}

TEST_P(JobScheduler, AThrowingHandlerCountsAsAFailure) {
    Scheduler s(*db_, Options("a"));
    s.Register("test.throws", [](const Job&) -> Status { throw std::runtime_error("boom"); });
    ScheduleOptions o;
    o.max_attempts = 1;
    Id id = ScheduleNow(s, "test.throws", kT0, o);
    EXPECT_EQ(s.RunDuePass(), 1);
    Job j = Get(s, id);
    EXPECT_EQ(j.state, JobState::kDead);
    EXPECT_NE(j.last_error.value_or("").find("boom"), std::string::npos);
}

TEST_P(JobScheduler, ExpiredLeaseIsTakenOverAndTheFirstRunnersLateDoneMarkChangesNothing) {
    Scheduler a(*db_, Options("node-a"));
    Scheduler b(*db_, Options("node-b"));
    int runs_a = 0, runs_b = 0;
    b.Register("test.timer", [&](const Job& j) -> Status {
        ++runs_b;
        EXPECT_EQ(j.attempts, 2);
        EXPECT_EQ(j.lease_owner.value_or("").rfind("node-b/", 0), 0u);
        return {};
    });
    Id id = 0;
    a.Register("test.timer", [&](const Job& j) -> Status {
        ++runs_a;
        EXPECT_EQ(j.id, id);
        // Node A stalls (or died) mid-run: while its lease holds, B leaves the job alone…
        EXPECT_EQ(b.RunDuePass(), 0);
        Job running = Get(b, id);
        EXPECT_EQ(running.state, JobState::kRunning);
        EXPECT_EQ(running.lease_owner.value_or("").rfind("node-a/", 0), 0u);
        // …and once it expires, B claims the job again and runs it.
        now_ += 1000;
        EXPECT_EQ(b.RunDuePass(), 1);
        return {};  // A's late success must not touch B's record
    });
    id = ScheduleNow(a, "test.timer", kT0);
    EXPECT_EQ(a.RunDuePass(), 1);
    EXPECT_EQ(runs_a, 1);
    EXPECT_EQ(runs_b, 1);
    Job j = Get(a, id);
    EXPECT_EQ(j.state, JobState::kDone);
    EXPECT_EQ(j.attempts, 2);
    now_ += 10'000;
    EXPECT_EQ(a.RunDuePass() + b.RunDuePass(), 0);
}

TEST_P(JobScheduler, ARunnerThatDiedOnTheLastAttemptLeavesTheJobDead) {
    Scheduler a(*db_, Options("node-a"));
    Scheduler b(*db_, Options("node-b"));
    int runs_b = 0;
    b.Register("test.poison", [&](const Job&) -> Status {
        ++runs_b;
        return {};
    });
    a.Register("test.poison", [&](const Job&) -> Status {
        now_ += 1000;  // A "dies" mid-run: B sees the expired lease of the only attempt
        EXPECT_EQ(b.RunDuePass(), 1);
        return {};
    });
    ScheduleOptions o;
    o.max_attempts = 1;
    Id id = ScheduleNow(a, "test.poison", kT0, o);
    EXPECT_EQ(a.RunDuePass(), 1);
    EXPECT_EQ(runs_b, 0) << "a job whose last attempt's runner vanished is not run again";
    Job j = Get(a, id);
    EXPECT_EQ(j.state, JobState::kDead);
    EXPECT_NE(j.last_error.value_or("").find("lease"), std::string::npos);
}

TEST_P(JobScheduler, DedupeKeyReschedulesInPlaceAndCancels) {
    Scheduler s(*db_, Options("a"));
    std::vector<std::string> seen;
    s.Register("test.remind", [&](const Job& j) -> Status {
        seen.push_back(j.payload);
        return {};
    });
    ScheduleOptions o;
    o.dedupe_key = "ticket:7";
    Id first = ScheduleNow(s, "test.remind", kT0 + 1000, o, R"({"v":1})");
    Id second = ScheduleNow(s, "test.remind", kT0 + 5000, o, R"({"v":2})");
    EXPECT_EQ(first, second);
    EXPECT_EQ(Rows(), 1);
    now_ = kT0 + 1000;
    EXPECT_EQ(s.RunDuePass(), 0) << "moved to the later time";
    now_ = kT0 + 5000;
    EXPECT_EQ(s.RunDuePass(), 1);
    ASSERT_EQ(seen, std::vector<std::string>{R"({"v":2})"});

    // A done timer set again is pending again, with the same row.
    Id third = ScheduleNow(s, "test.remind", kT0 + 9000, o, R"({"v":3})");
    EXPECT_EQ(third, first);
    EXPECT_EQ(Get(s, first).state, JobState::kPending);
    auto cancelled = db_->Write([&](Tx& tx) -> Result<bool> { return s.Cancel(tx, "ticket:7"); });
    ASSERT_TRUE(cancelled.ok());
    EXPECT_TRUE(*cancelled);
    now_ = kT0 + 9000;
    EXPECT_EQ(s.RunDuePass(), 0);
    auto again = db_->Write([&](Tx& tx) -> Result<bool> { return s.Cancel(tx, "ticket:7"); });
    EXPECT_FALSE(*again);
    EXPECT_EQ(seen.size(), 1u);
}

TEST_P(JobScheduler, AJobScheduledInARolledBackTransactionNeverRuns) {
    Scheduler s(*db_, Options("a"));
    int runs = 0;
    s.Register("test.never", [&](const Job&) -> Status {
        ++runs;
        return {};
    });
    auto r = db_->Write([&](Tx& tx) -> Status {
        tx.Exec("CREATE TABLE IF NOT EXISTS jobs_test_business (id BIGINT PRIMARY KEY)");
        tx.Exec("INSERT INTO jobs_test_business(id) VALUES (1)");
        VECHE_RETURN_IF_ERROR(s.Schedule(tx, "test.never", "{}", kT0, {}));
        return Error::Conflict("business_rule", "the business change failed");
    });
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(Rows(), 0);
    now_ += 3'600'000;
    EXPECT_EQ(s.RunDuePass(), 0);
    EXPECT_EQ(runs, 0);
}

TEST_P(JobScheduler, LeavesKindsWithoutAHandlerToOtherNodes) {
    Scheduler s(*db_, Options("a"));
    s.Register("test.known", [](const Job&) -> Status { return {}; });
    Id id = ScheduleNow(s, "test.unknown", kT0);
    EXPECT_EQ(s.RunDuePass(), 0);
    EXPECT_EQ(Get(s, id).state, JobState::kPending);
}

TEST_P(JobScheduler, RefusesInvalidArguments) {
    Scheduler s(*db_, Options("a"));
    auto r = db_->Write([&](Tx& tx) -> Status {
        ScheduleOptions bad;
        bad.max_attempts = 0;
        EXPECT_EQ(s.Schedule(tx, "", "{}", kT0).error().code, ErrorCode::kInvalidArgument);
        EXPECT_EQ(s.Schedule(tx, "k", "{}", kT0, bad).error().code, ErrorCode::kInvalidArgument);
        bad.max_attempts = 1;
        bad.dedupe_key = "";
        EXPECT_EQ(s.Schedule(tx, "k", "{}", kT0, bad).error().code, ErrorCode::kInvalidArgument);
        return {};
    });
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(Rows(), 0);
}

// The runner thread on the real clock: it sleeps until the job is due (a job due in 300 ms runs
// at about that time, not after the 5 s poll), and Stop() returns promptly mid-wait.
TEST_P(JobScheduler, RunnerThreadWakesAtTheDueTimeAndStopsPromptly) {
    SchedulerOptions o;
    o.owner = "runner";
    o.poll = std::chrono::milliseconds(5000);
    Scheduler s(*db_, o);
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::int64_t> ran_at;
    s.Register("test.later", [&](const Job&) -> Status {
        {
            std::lock_guard lock(mu);
            ran_at.push_back(NowMs());
        }
        cv.notify_all();
        return {};
    });
    s.Start();
    std::int64_t due = NowMs() + 300;
    ScheduleNow(s, "test.later", due);
    {
        std::unique_lock lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(4), [&] { return !ran_at.empty(); }))
            << "the runner did not wake at the due time";
        EXPECT_GE(ran_at[0], due);
    }
    // A job due now, committed, then Wake(): runs without waiting for the poll.
    std::int64_t before = NowMs();
    ScheduleNow(s, "test.later", before);
    s.Wake();
    {
        std::unique_lock lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(4), [&] { return ran_at.size() == 2; }));
    }
    auto t = std::chrono::steady_clock::now();
    s.Stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t, std::chrono::seconds(2));
}

INSTANTIATE_TEST_SUITE_P(Engines, JobScheduler, ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const ::testing::TestParamInfo<Dialect>& p) {
                             return p.param == Dialect::kSqlite ? "Sqlite" : "Postgres";
                         });

TEST(JobRetryDelay, DoublesFromTheBaseUpToTheCapWithEqualJitter) {
    EXPECT_EQ(RetryDelayMs(1, 1000, 60'000, 0.0), 500);
    EXPECT_EQ(RetryDelayMs(1, 1000, 60'000, 0.999999), 999);
    EXPECT_EQ(RetryDelayMs(3, 1000, 60'000, 0.0), 2000);
    EXPECT_EQ(RetryDelayMs(3, 1000, 60'000, 1.0), 4000);
    EXPECT_EQ(RetryDelayMs(30, 1000, 60'000, 1.0), 60'000);
    EXPECT_EQ(RetryDelayMs(1000, 1000, 60'000, 0.0), 30'000);
}

}  // namespace
}  // namespace veche::jobs
