#pragma once
// Private to the storage backends: the group-commit queue they share. Callers block in Submit();
// one writer thread takes up to `max_batch` queued jobs at a time and hands them to the backend,
// which runs them in one transaction and reports whether it committed. Then the queue wakes each
// caller and publishes the batch's events, in that order, so that an acknowledgement never waits
// on fan-out and every published event is durable.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "veche/core/error.hpp"
#include "veche/core/event.hpp"
#include "veche/storage/database.hpp"

namespace veche::storage {

struct WriteJob {
    const std::function<Status(Tx&)>* run;
    Status result;
    bool done = false;
    std::condition_variable cv;  // one per waiter: a commit wakes its own callers, not every worker
};

class WriteQueue {
public:
    // Runs `batch` in one transaction, setting each job's result; returns true if it committed and
    // fills `events` with what the committed jobs emitted, in position order.
    using BatchRunner = std::function<bool(std::vector<WriteJob*>& batch, std::vector<Event>& events)>;

    WriteQueue(int max_batch, BatchRunner runner);
    ~WriteQueue();

    void SetEventSink(EventSink* sink);
    Status Submit(const std::function<Status(Tx&)>& job);
    // Finishes every queued job, then stops the writer; later submissions fail with kUnavailable.
    void Stop();

private:
    void Loop();

    int max_batch_;
    BatchRunner runner_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<WriteJob*> queue_;
    bool stopping_ = false;
    EventSink* sink_ = nullptr;
    std::thread thread_;
};

// Runs one job, turning anything it throws into kInternal (logged); the caller rolls it back.
Status RunJobCatching(const std::function<Status(Tx&)>& job, Tx& tx);

// Feeds veche_db_read_seconds.
void ObserveReadSeconds(double seconds);

// A fixed set of reader connections; Run borrows one (waiting while all are busy), times the job
// and gives the connection back.
template <class Conn>
class ReaderPool {
public:
    void Add(std::unique_ptr<Conn> conn) {
        free_.push_back(conn.get());
        all_.push_back(std::move(conn));
    }

    template <class F>
    Status Run(F&& job) {
        Conn* conn;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return !free_.empty(); });
            conn = free_.back();
            free_.pop_back();
        }
        auto start = std::chrono::steady_clock::now();
        Status result = job(*conn);
        ObserveReadSeconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        {
            std::lock_guard lock(mu_);
            free_.push_back(conn);
        }
        cv_.notify_one();
        return result;
    }

private:
    std::vector<std::unique_ptr<Conn>> all_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Conn*> free_;
};


}  // namespace veche::storage
