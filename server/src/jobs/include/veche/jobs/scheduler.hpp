#pragma once
// Durable jobs and timers (OPS-5, issue 11): one row per job in `jobs_queue`, created in the
// caller's write transaction, so a job exists exactly when the business change that needs it
// committed, and it survives restarts and node failures.
//
// Delivery guarantee: AT LEAST ONCE. A runner claims a due job by writing a lease (owner token +
// lease_until) and committing, runs the handler outside any transaction, then marks the job done
// in a second transaction fenced by the lease token. If the node dies, or the handler outlives the
// lease, after the handler's effects but before the done mark, another runner claims the job
// again once the lease expires and the handler runs a second time. A handler must therefore be
// idempotent (e.g. post with a client_id derived from the job); then the *effect* happens once.
// A job scheduled in a transaction that rolls back never exists and never runs. A job does not
// run before its due_at; it runs within about `poll` of it (sooner when this node scheduled it or
// was woken), given a free runner.
//
// Cluster safety: on PostgreSQL the claim is `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
// LOCKED) RETURNING`, so two nodes never hold a lease on one job at once; SQLite has one writer.
//
// Thread safety: Register before Start; everything else is safe from any thread. Handlers run on
// the runner thread, one at a time per Scheduler.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"
#include "veche/storage/database.hpp"
#include "veche/storage/migration.hpp"

namespace veche::jobs {

// The module key of the jobs tables (`jobs_queue`) in module_migrations.
storage::ModuleSchema Schema();

enum class JobState { kPending, kRunning, kDone, kDead };
std::string_view StateName(JobState state);
std::optional<JobState> StateFromName(std::string_view name);

struct Job {
    Id id = 0;
    std::string kind;
    std::string payload;  // JSON text, as given to Schedule
    std::optional<std::string> dedupe_key;
    JobState state = JobState::kPending;
    std::int64_t due_at = 0;  // ms epoch
    int attempts = 0;         // runs started so far (this one included, inside a handler)
    int max_attempts = 0;
    std::optional<std::string> last_error;
    std::optional<std::string> lease_owner;
    std::optional<std::int64_t> lease_until;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

inline constexpr std::size_t kMaxKindBytes = 100;
inline constexpr std::size_t kMaxDedupeKeyBytes = 200;
inline constexpr std::size_t kMaxPayloadBytes = 64 * 1024;
inline constexpr int kMaxAttemptsLimit = 100;

struct ScheduleOptions {
    // At most one job per key: scheduling again replaces kind, payload and due_at and resets the
    // job to pending with no attempts, whatever state it was in ("the timer for ticket 7").
    std::optional<std::string> dedupe_key;
    int max_attempts = 5;
};

struct SchedulerOptions {
    std::string owner;                        // this runner in leases (node id and pid by default)
    std::chrono::milliseconds lease{60'000};  // must exceed the longest handler run
    // The longest idle wait: jobs another node scheduled are seen within this.
    std::chrono::milliseconds poll{5'000};
    std::chrono::milliseconds backoff_base{1'000};  // first retry after about this
    std::chrono::milliseconds backoff_max{3'600'000};
    int batch = 20;  // jobs claimed per transaction
    // Done jobs are kept this long for inspection, then deleted (0: kept forever).
    std::chrono::milliseconds done_retention{7LL * 24 * 3600 * 1000};
    std::function<std::int64_t()> clock;  // ms epoch; NowMs by default (tests move time)
};

// A handler's error (or exception) makes the job retry after a backoff, until max_attempts runs
// have failed; then it is dead until an administrator retries it. A failure that retrying cannot
// fix is the handler's to record in its own tables, returning ok.
using Handler = std::function<Status(const Job& job)>;

// The delay before retry number `attempt` (1 = after the first failure): base·2^(attempt−1),
// capped at `max`, with "equal jitter": a uniform point in [delay/2, delay] picked by u ∈ [0, 1).
std::int64_t RetryDelayMs(int attempt, std::int64_t base_ms, std::int64_t max_ms, double u);

struct JobFilter {
    std::optional<JobState> state;
    std::optional<std::string> kind;
    std::optional<Id> before;  // newest first; ids below this one
    int limit = 50;
};

class Scheduler {
public:
    Scheduler(storage::Database& db, SchedulerOptions options = {});
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // One handler per kind ("scheduled.send"); before Start. A runner claims only kinds it has a
    // handler for, so a node that does not know a kind leaves its jobs to nodes that do.
    void Register(std::string kind, Handler handler);

    // Inserts (or, with a dedupe key, replaces) a job in the caller's write transaction. Returns
    // its id (the existing row's on replace). Invalid arguments give kInvalidArgument.
    Result<Id> Schedule(storage::Tx& tx, std::string_view kind, std::string_view payload_json,
                        std::int64_t due_at, const ScheduleOptions& options = {});
    // Deletes the job with this key in the caller's write transaction; false when there is none. A
    // run already under way is not interrupted (its done mark then finds no row).
    bool Cancel(storage::Tx& tx, std::string_view dedupe_key);

    // Makes the runner look for due jobs now: call after committing a job due (almost) now. Jobs
    // due later that this process scheduled wake the runner by themselves.
    void Wake();

    void Start();  // the runner thread
    void Stop();   // finishes the handler under way, joins; idempotent

    // One claim-and-run pass on the caller's thread; returns the number of jobs run. The runner
    // calls it; tests call it instead of Start.
    int RunDuePass();

    // Administration (docs/api.md, /api/v1/admin/jobs).
    Result<std::vector<Job>> List(const JobFilter& filter);
    Result<Job> Get(Id id);
    // A dead job back to pending, due now, with its attempts reset (kConflict job_not_dead otherwise).
    // `also` runs in the same write transaction once the job is revived (the admin route records
    // the retry in the audit log there); its error undoes the retry.
    using InTx = std::function<Status(storage::Tx& tx, const Job& job)>;
    Result<Job> Retry(Id id, const InTx& also = {});

    const std::string& owner() const { return options_.owner; }

private:
    std::int64_t Now() const;
    void Loop();
    std::vector<Job> Claim(std::int64_t now);
    void Finish(const Job& job, const Status& status);
    std::optional<std::int64_t> NextWakeAt();
    void UpdateMetrics(std::int64_t now);
    void PurgeDone(std::int64_t now);
    std::string KindList() const;  // "?, ?, …" for the registered kinds

    storage::Database& db_;
    SchedulerOptions options_;
    std::map<std::string, Handler, std::less<>> handlers_;
    std::mutex pass_mu_;  // one pass at a time
    std::uint64_t claims_ = 0;
    std::mt19937_64 rng_;

    std::mutex mu_;
    std::condition_variable cv_;
    bool started_ = false;
    bool stopping_ = false;
    bool woken_ = false;
    std::optional<std::int64_t> hint_;  // earliest due_at this process scheduled since the last pass
    std::thread runner_;
    std::int64_t last_metrics_ = 0;
    std::int64_t last_purge_ = 0;
};

}  // namespace veche::jobs
