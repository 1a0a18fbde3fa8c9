#include "write_queue.hpp"

#include <spdlog/spdlog.h>

#include "veche/core/metrics.hpp"

namespace veche::storage {
namespace {
struct StorageMetrics {
    metrics::Histogram* batch_size;
    metrics::Histogram* commit_seconds;
    metrics::Histogram* read_seconds;
};
const StorageMetrics& Metrics() {
    static const StorageMetrics m = [] {
        auto& reg = metrics::Global();
        return StorageMetrics{
            reg.GetHistogram("veche_db_commit_batch_size", "Write jobs per committed transaction",
                             {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000}),
            reg.GetHistogram("veche_db_commit_seconds", "Time to run and commit one batch of write jobs",
                             metrics::LatencyBuckets()),
            reg.GetHistogram("veche_db_read_seconds", "Time of one read job", metrics::LatencyBuckets())};
    }();
    return m;
}
}  // namespace

void ObserveReadSeconds(double seconds) { Metrics().read_seconds->Observe(seconds); }

WriteQueue::WriteQueue(int max_batch, BatchRunner runner)
    : max_batch_(std::max(1, max_batch)), runner_(std::move(runner)) {
    Metrics();  // registered before the first write, so /metrics lists them from the start
    thread_ = std::thread([this] { Loop(); });
}

WriteQueue::~WriteQueue() { Stop(); }

void WriteQueue::SetEventSink(EventSink* sink) {
    std::lock_guard lock(mu_);
    sink_ = sink;
}

Status WriteQueue::Submit(const std::function<Status(Tx&)>& job) {
    WriteJob w{&job, {}, false, {}};
    std::unique_lock lock(mu_);
    if (stopping_) return Error::Unavailable("server is shutting down");
    queue_.push_back(&w);
    cv_.notify_one();  // only the writer waits on cv_
    w.cv.wait(lock, [&] { return w.done; });
    return w.result;
}

void WriteQueue::Stop() {
    {
        std::lock_guard lock(mu_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void WriteQueue::Loop() {
    std::vector<WriteJob*> batch;
    std::vector<Event> events;
    for (;;) {
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
            if (queue_.empty() && stopping_) break;
            while (!queue_.empty() && batch.size() < static_cast<std::size_t>(max_batch_)) {
                batch.push_back(queue_.front());
                queue_.pop_front();
            }
        }
        events.clear();
        bool committed = false;
        auto start = std::chrono::steady_clock::now();
        try {
            committed = runner_(batch, events);
        } catch (const std::exception& e) {
            spdlog::error("storage: batch of {} jobs failed: {}", batch.size(), e.what());
        }
        Metrics().batch_size->Observe(static_cast<double>(batch.size()));
        Metrics().commit_seconds->Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        EventSink* sink;
        {
            std::lock_guard lock(mu_);
            for (auto* w : batch) {
                if (!committed && w->result.ok()) w->result = Error::Unavailable("storage write failed");
                w->done = true;
                w->cv.notify_one();
            }
            sink = sink_;
        }
        if (committed && sink && !events.empty()) sink->Publish(events);
        batch.clear();
    }
    // Anyone still waiting (cannot happen after the drain above, but never leave a caller hung).
    std::lock_guard lock(mu_);
    for (auto* w : queue_) {
        w->result = Error::Unavailable("server is shutting down");
        w->done = true;
        w->cv.notify_all();
    }
    queue_.clear();
}

Status RunJobCatching(const std::function<Status(Tx&)>& job, Tx& tx) {
    try {
        return job(tx);
    } catch (const StorageError& e) {
        spdlog::error("storage: write job failed: {}", e.what());
    } catch (const std::exception& e) {
        spdlog::error("storage: write job threw: {}", e.what());
    } catch (...) {
        spdlog::error("storage: write job threw a non-standard exception");
    }
    return Error::Internal();
}

}  // namespace veche::storage
