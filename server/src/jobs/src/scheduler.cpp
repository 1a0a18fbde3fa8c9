#include "veche/jobs/scheduler.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <tuple>

#include "veche/core/clock.hpp"
#include "veche/core/metrics.hpp"

namespace veche::jobs {
namespace {

using storage::Dialect;
using storage::Statement;
using storage::Tx;

constexpr std::array<JobState, 4> kStates{JobState::kPending, JobState::kRunning, JobState::kDone,
                                          JobState::kDead};
constexpr std::size_t kMaxErrorBytes = 1000;

constexpr std::string_view kColumns =
    "id, kind, payload, dedupe_key, state, due_at, attempts, max_attempts, last_error, lease_owner, "
    "lease_until, "
    "created_at, updated_at";

Job ReadJob(const Statement& st) {
    Job j;
    j.id = st.Int(0);
    j.kind = st.Text(1);
    j.payload = st.Text(2);
    if (!st.IsNull(3)) j.dedupe_key = st.Text(3);
    j.state = StateFromName(st.Text(4)).value_or(JobState::kDead);
    j.due_at = st.Int(5);
    j.attempts = static_cast<int>(st.Int(6));
    j.max_attempts = static_cast<int>(st.Int(7));
    if (!st.IsNull(8)) j.last_error = st.Text(8);
    if (!st.IsNull(9)) j.lease_owner = st.Text(9);
    j.lease_until = st.OptInt(10);
    j.created_at = st.Int(11);
    j.updated_at = st.Int(12);
    return j;
}

// Cut at a UTF-8 boundary: the text goes into a TEXT column and a JSON response.
std::string Truncate(std::string s) {
    if (s.size() <= kMaxErrorBytes) return s;
    std::size_t n = kMaxErrorBytes;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s.resize(n);
    return s;
}

struct Metrics {
    std::array<metrics::Gauge*, 4> depth{};
    metrics::Gauge* oldest_due_age;
    metrics::Counter* runs;
    metrics::Counter* failures;
    metrics::Counter* dead;

    static Metrics& Get() {
        static Metrics m = [] {
            auto& reg = metrics::Global();
            Metrics x{};
            for (std::size_t i = 0; i < kStates.size(); ++i)
                x.depth[i] = reg.GetGauge("veche_jobs", "Jobs in the queue by state (the whole database)",
                                          {{"state", std::string(StateName(kStates[i]))}});
            x.oldest_due_age =
                reg.GetGauge("veche_jobs_oldest_due_age_seconds",
                             "How long the oldest due pending job has waited past its due time");
            x.runs = reg.GetCounter("veche_jobs_runs_total", "Job handler runs on this node");
            x.failures =
                reg.GetCounter("veche_jobs_failures_total", "Job handler runs that failed on this node");
            x.dead = reg.GetCounter("veche_jobs_dead_total", "Jobs this node gave up on (state dead)");
            return x;
        }();
        return m;
    }
};

}  // namespace

std::string_view StateName(JobState state) {
    switch (state) {
        case JobState::kPending:
            return "pending";
        case JobState::kRunning:
            return "running";
        case JobState::kDone:
            return "done";
        case JobState::kDead:
            return "dead";
    }
    return "dead";
}

std::optional<JobState> StateFromName(std::string_view name) {
    for (JobState s : kStates)
        if (StateName(s) == name) return s;
    return std::nullopt;
}

std::int64_t RetryDelayMs(int attempt, std::int64_t base_ms, std::int64_t max_ms, double u) {
    double delay =
        static_cast<double>(std::max<std::int64_t>(base_ms, 1)) * std::pow(2.0, std::max(attempt - 1, 0));
    delay = std::min(delay, static_cast<double>(std::max(max_ms, base_ms)));
    u = std::clamp(u, 0.0, 1.0);
    return static_cast<std::int64_t>(delay / 2 + delay / 2 * u);
}

Scheduler::Scheduler(storage::Database& db, SchedulerOptions options)
    : db_(db), options_(std::move(options)), rng_(std::random_device{}()) {
    if (options_.owner.empty())
        options_.owner = "node" + std::to_string(GlobalNodeId()) + "-pid" + std::to_string(::getpid());
    options_.batch = std::max(options_.batch, 1);
    Metrics::Get();
}

Scheduler::~Scheduler() { Stop(); }

std::int64_t Scheduler::Now() const { return options_.clock ? options_.clock() : NowMs(); }

void Scheduler::Register(std::string kind, Handler handler) {
    std::lock_guard lock(mu_);
    if (started_) throw std::logic_error("jobs::Scheduler::Register after Start");
    handlers_[std::move(kind)] = std::move(handler);
}

Result<Id> Scheduler::Schedule(Tx& tx, std::string_view kind, std::string_view payload_json,
                               std::int64_t due_at, const ScheduleOptions& o) {
    if (kind.empty() || kind.size() > kMaxKindBytes)
        return Error::InvalidArgument("job kind must be 1 to 100 bytes");
    if (payload_json.size() > kMaxPayloadBytes) return Error::InvalidArgument("job payload is over 64 KiB");
    if (o.max_attempts < 1 || o.max_attempts > kMaxAttemptsLimit)
        return Error::InvalidArgument("max_attempts must be from 1 to 100");
    if (o.dedupe_key && (o.dedupe_key->empty() || o.dedupe_key->size() > kMaxDedupeKeyBytes))
        return Error::InvalidArgument("dedupe key must be 1 to 200 bytes");
    std::int64_t now = Now();
    // Without a key the conflict clause never fires (NULLs are distinct in a UNIQUE column).
    auto id = tx.QueryInt(
        "INSERT INTO jobs_queue(id, kind, payload, dedupe_key, state, due_at, attempts, max_attempts, "
        "created_at, "
        "updated_at) VALUES (?, ?, ?, ?, 'pending', ?, 0, ?, ?, ?) "
        "ON CONFLICT (dedupe_key) DO UPDATE SET kind = excluded.kind, payload = excluded.payload, "
        "state = 'pending', due_at = excluded.due_at, attempts = 0, max_attempts = excluded.max_attempts, "
        "last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = excluded.updated_at "
        "RETURNING id",
        GlobalIds().Next(), kind, payload_json, o.dedupe_key, due_at, o.max_attempts, now, now);
    if (!id) return Error::Internal("job insert returned no id");
    {
        std::lock_guard lock(mu_);
        if (!hint_ || due_at < *hint_) hint_ = due_at;
    }
    // The commit has not happened yet; the runner wakes at the hint and finds the row then.
    cv_.notify_all();
    return *id;
}

bool Scheduler::Cancel(Tx& tx, std::string_view dedupe_key) {
    return tx.Exec("DELETE FROM jobs_queue WHERE dedupe_key = ?", dedupe_key) > 0;
}

void Scheduler::Wake() {
    {
        std::lock_guard lock(mu_);
        woken_ = true;
    }
    cv_.notify_all();
}

void Scheduler::Start() {
    std::lock_guard lock(mu_);
    if (started_) return;
    started_ = true;
    runner_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
    {
        std::lock_guard lock(mu_);
        if (stopping_ || !started_) {
            stopping_ = true;
            return;
        }
        stopping_ = true;
    }
    cv_.notify_all();
    if (runner_.joinable()) runner_.join();
}

std::string Scheduler::KindList() const {
    std::string marks;
    for (std::size_t i = 0; i < handlers_.size(); ++i) marks += i ? ", ?" : "?";
    return marks;
}

std::vector<Job> Scheduler::Claim(std::int64_t now) {
    if (handlers_.empty()) return {};
    std::string token = options_.owner + "/" + std::to_string(++claims_);
    std::string sql =
        std::string(
            "UPDATE jobs_queue SET state = 'running', attempts = attempts + 1, lease_owner = ?, "
            "lease_until = ?, updated_at = ? WHERE id IN (SELECT id FROM jobs_queue WHERE "
            "((state = 'pending' AND due_at <= ?) OR (state = 'running' AND lease_until <= ?)) "
            "AND kind IN (") +
        KindList() + ") ORDER BY due_at LIMIT ?";
    auto claimed = db_.Write([&](Tx& tx) -> Result<std::vector<Job>> {
        // Another node's claim of the same rows waits for, or skips, these locks; SQLite's single
        // writer orders claims by itself.
        std::string full = sql + (tx.dialect() == Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED)" : ")") +
                           " RETURNING " + std::string(kColumns);
        Statement& st = tx.Prepare(full);
        st.Reset();
        int i = 1;
        st.Bind(i++, token);
        st.Bind(i++, now + options_.lease.count());
        st.Bind(i++, now);
        st.Bind(i++, now);
        st.Bind(i++, now);
        for (const auto& [kind, handler] : handlers_) st.Bind(i++, kind);
        st.Bind(i++, options_.batch);
        std::vector<Job> out;
        while (st.Step()) out.push_back(ReadJob(st));
        return out;
    });
    if (!claimed.ok()) {
        spdlog::warn("jobs: claim failed: {}", claimed.error().message);
        return {};
    }
    std::sort(claimed->begin(), claimed->end(),
              [](const Job& a, const Job& b) { return std::tie(a.due_at, a.id) < std::tie(b.due_at, b.id); });
    return std::move(*claimed);
}

void Scheduler::Finish(const Job& job, const Status& status) {
    auto& m = Metrics::Get();
    std::int64_t now = Now();
    double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    auto done = db_.Write([&](Tx& tx) -> Status {
        // Fenced by the lease token: a runner whose lease expired (and was taken over), or whose job
        // was rescheduled or cancelled meanwhile, changes nothing.
        if (status.ok()) {
            tx.Exec(
                "UPDATE jobs_queue SET state = 'done', lease_owner = NULL, lease_until = NULL, last_error = "
                "NULL, "
                "updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
                now, job.id, job.lease_owner);
            return {};
        }
        std::string error =
            Truncate(status.error().message.empty() ? status.error().api_code : status.error().message);
        if (job.attempts >= job.max_attempts) {
            if (tx.Exec("UPDATE jobs_queue SET state = 'dead', lease_owner = NULL, lease_until = NULL, "
                        "last_error = ?, "
                        "updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
                        error, now, job.id, job.lease_owner) > 0) {
                m.dead->Add();
                spdlog::error("jobs: {} {} is dead after {} attempts: {}", job.kind, IdToString(job.id),
                              job.attempts, error);
            }
            return {};
        }
        std::int64_t due =
            now + RetryDelayMs(job.attempts, options_.backoff_base.count(), options_.backoff_max.count(), u);
        tx.Exec(
            "UPDATE jobs_queue SET state = 'pending', due_at = ?, lease_owner = NULL, lease_until = NULL, "
            "last_error = ?, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
            due, error, now, job.id, job.lease_owner);
        return {};
    });
    if (!done.ok())
        spdlog::warn("jobs: cannot record the run of {} {}: {}", job.kind, IdToString(job.id),
                     done.error().message);
}

int Scheduler::RunDuePass() {
    std::lock_guard pass(pass_mu_);
    auto& m = Metrics::Get();
    int ran = 0;
    for (;;) {
        std::vector<Job> jobs = Claim(Now());
        for (const Job& job : jobs) {
            Status st;
            if (job.attempts > job.max_attempts) {
                // Its last run's node died (or overran the lease) without reporting back: a job
                // that kills its runner must not be retried forever.
                st = Error::Internal("the lease of the last attempt expired");
            } else {
                auto it = handlers_.find(job.kind);
                m.runs->Add();
                try {
                    st = it->second(job);
                } catch (const std::exception& e) {
                    st = Error::Internal(std::string("handler threw: ") + e.what());
                }
                if (!st.ok()) {
                    m.failures->Add();
                    spdlog::warn("jobs: {} {} attempt {}/{} failed: {}", job.kind, IdToString(job.id),
                                 job.attempts, job.max_attempts, st.error().message);
                }
            }
            Finish(job, st);
            ++ran;
            std::lock_guard lock(mu_);
            if (stopping_) return ran;
        }
        if (static_cast<int>(jobs.size()) < options_.batch) return ran;
    }
}

std::optional<std::int64_t> Scheduler::NextWakeAt() {
    if (handlers_.empty()) return std::nullopt;
    std::string kinds = KindList();
    std::string sql =
        "SELECT MIN(CASE WHEN state = 'pending' THEN due_at ELSE lease_until END) FROM jobs_queue "
        "WHERE state IN ('pending', 'running') AND kind IN (" +
        kinds + ")";
    auto next = db_.Read([&](Tx& tx) -> Result<std::optional<std::int64_t>> {
        Statement& st = tx.Prepare(sql);
        st.Reset();
        int i = 1;
        for (const auto& [kind, handler] : handlers_) st.Bind(i++, kind);
        std::optional<std::int64_t> v;
        if (st.Step()) v = st.OptInt(0);
        while (st.Step()) {
        }
        return v;
    });
    if (!next.ok()) return std::nullopt;
    return *next;
}

void Scheduler::UpdateMetrics(std::int64_t now) {
    auto& m = Metrics::Get();
    using Counts = std::pair<std::array<std::int64_t, 4>, std::optional<std::int64_t>>;
    auto counts = db_.Read([&](Tx& tx) -> Result<Counts> {
        std::array<std::int64_t, 4> c{};
        Statement& st = tx.Query("SELECT state, COUNT(*) FROM jobs_queue GROUP BY state");
        while (st.Step()) {
            if (auto s = StateFromName(st.Text(0))) c[static_cast<std::size_t>(*s)] = st.Int(1);
        }
        auto oldest =
            tx.QueryInt("SELECT MIN(due_at) FROM jobs_queue WHERE state = 'pending' AND due_at <= ?", now);
        return Counts{c, oldest};
    });
    if (!counts.ok()) return;
    for (std::size_t i = 0; i < kStates.size(); ++i) m.depth[i]->Set(static_cast<double>(counts->first[i]));
    m.oldest_due_age->Set(counts->second ? static_cast<double>(now - *counts->second) / 1000.0 : 0.0);
}

void Scheduler::PurgeDone(std::int64_t now) {
    if (options_.done_retention.count() <= 0) return;
    auto r = db_.Write([&](Tx& tx) -> Status {
        tx.Exec(
            "DELETE FROM jobs_queue WHERE id IN (SELECT id FROM jobs_queue WHERE state = 'done' AND "
            "updated_at < ? "
            "LIMIT 1000)",
            now - options_.done_retention.count());
        return {};
    });
    if (!r.ok()) spdlog::warn("jobs: purge of done jobs failed: {}", r.error().message);
}

void Scheduler::Loop() {
    spdlog::info("jobs: runner {} started ({} kinds, lease {} ms, poll {} ms)", options_.owner,
                 handlers_.size(), options_.lease.count(), options_.poll.count());
    for (;;) {
        {
            std::lock_guard lock(mu_);
            if (stopping_) break;
            woken_ = false;
            // A hint still ahead stays: its transaction may not have committed when we look below.
            if (hint_ && *hint_ <= Now()) hint_.reset();
        }
        int ran = RunDuePass();
        std::int64_t now = Now();
        if (now - last_metrics_ >= 1000) {
            last_metrics_ = now;
            UpdateMetrics(now);
        }
        if (now - last_purge_ >= 60'000) {
            last_purge_ = now;
            PurgeDone(now);
        }
        std::optional<std::int64_t> next = NextWakeAt();
        std::unique_lock lock(mu_);
        if (stopping_) break;
        if (woken_) continue;
        std::int64_t wake_at = Now() + options_.poll.count();
        if (next) wake_at = std::min(wake_at, *next);
        if (hint_) wake_at = std::min(wake_at, *hint_);
        std::int64_t wait_ms = std::max<std::int64_t>(wake_at - Now(), 0);
        // Due yet not claimable (another node holds its row lock, or storage failed): do not spin.
        if (wait_ms == 0 && ran == 0) wait_ms = 100;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
        std::optional<std::int64_t> seen_hint = hint_;
        cv_.wait_until(lock, deadline, [&] { return stopping_ || woken_ || hint_ != seen_hint; });
    }
    spdlog::info("jobs: runner {} stopped", options_.owner);
}

Result<std::vector<Job>> Scheduler::List(const JobFilter& f) {
    std::string sql = "SELECT " + std::string(kColumns) + " FROM jobs_queue WHERE 1 = 1";
    if (f.state) sql += " AND state = ?";
    if (f.kind) sql += " AND kind = ?";
    if (f.before) sql += " AND id < ?";
    sql += " ORDER BY id DESC LIMIT ?";
    return db_.Read([&](Tx& tx) -> Result<std::vector<Job>> {
        Statement& st = tx.Prepare(sql);
        st.Reset();
        int i = 1;
        if (f.state) st.Bind(i++, StateName(*f.state));
        if (f.kind) st.Bind(i++, *f.kind);
        if (f.before) st.Bind(i++, *f.before);
        st.Bind(i++, std::clamp(f.limit, 1, 1000));
        std::vector<Job> out;
        while (st.Step()) out.push_back(ReadJob(st));
        return out;
    });
}

Result<Job> Scheduler::Get(Id id) {
    auto job = db_.Read([&](Tx& tx) -> Result<std::optional<Job>> {
        static const std::string sql = "SELECT " + std::string(kColumns) + " FROM jobs_queue WHERE id = ?";
        Statement& st = tx.Query(sql, id);
        if (!st.Step()) return std::optional<Job>();
        Job j = ReadJob(st);
        while (st.Step()) {
        }
        return std::optional<Job>(std::move(j));
    });
    if (!job.ok()) return job.error();
    if (!*job) return Error::NotFound("job");
    return **job;
}

Result<Job> Scheduler::Retry(Id id, const InTx& also) {
    std::int64_t now = Now();
    auto r = db_.Write([&](Tx& tx) -> Result<Job> {
        static const std::string sql =
            "UPDATE jobs_queue SET state = 'pending', due_at = ?, attempts = 0, updated_at = ? WHERE id = ? "
            "AND "
            "state = 'dead' RETURNING " +
            std::string(kColumns);
        Statement& st = tx.Query(sql, now, now, id);
        if (st.Step()) {
            Job j = ReadJob(st);
            while (st.Step()) {
            }
            if (also) VECHE_RETURN_IF_ERROR(also(tx, j));
            return j;
        }
        if (tx.QueryInt("SELECT 1 FROM jobs_queue WHERE id = ?", id))
            return Error::Conflict("job_not_dead", "only a dead job can be retried");
        return Error::NotFound("job");
    });
    if (r.ok()) Wake();
    return r;
}

}  // namespace veche::jobs
