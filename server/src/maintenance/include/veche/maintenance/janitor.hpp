#pragma once
// Background cleanup owned by the server: removes uploads never posted once they are old enough,
// and purges the event log past its retention. Both work in bounded batches, each one write job,
// so the writer is never held for long; both are safe when every node of a cluster runs them.
// Thread-safe: Start and Stop from the thread that owns the Janitor; RunOnce from any.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "veche/chat/chat_service.hpp"
#include "veche/files/file_store.hpp"
#include "veche/storage/database.hpp"

namespace veche::maintenance {

struct JanitorOptions {
    std::chrono::seconds interval{300};
    std::chrono::seconds orphan_max_age{24 * 3600};     // 0: keep unattached uploads
    std::chrono::seconds event_retention{30 * 24 * 3600};  // 0: keep every event
    int batch = 1000;                                    // rows per write job
};

struct JanitorStats {
    std::int64_t files_deleted = 0;
    std::int64_t events_purged = 0;
};

class Janitor {
public:
    Janitor(JanitorOptions options, storage::Database& db, chat::ChatService& chats, files::FileStore& files);
    ~Janitor();
    Janitor(const Janitor&) = delete;
    Janitor& operator=(const Janitor&) = delete;

    // Runs a pass at once, then one every interval, on a thread of its own.
    void Start();
    // Wakes the thread and joins it; a batch in progress finishes first.
    void Stop();
    // One pass over both tasks, until no batch is left or Stop is called.
    JanitorStats RunOnce();

private:
    bool Stopping();
    std::int64_t DeleteUnattachedFiles();
    std::int64_t PurgeEvents();

    JanitorOptions options_;
    storage::Database& db_;
    chat::ChatService& chats_;
    files::FileStore& files_;
    std::mutex mu_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace veche::maintenance
