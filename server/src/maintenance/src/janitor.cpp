#include "veche/maintenance/janitor.hpp"

#include <spdlog/spdlog.h>

#include <vector>

#include "veche/core/clock.hpp"
#include "veche/realtime/event_log.hpp"

namespace veche::maintenance {

Janitor::Janitor(JanitorOptions options, storage::Database& db, chat::ChatService& chats, files::FileStore& files)
    : options_(options), db_(db), chats_(chats), files_(files) {}

Janitor::~Janitor() { Stop(); }

void Janitor::Start() {
    thread_ = std::thread([this] {
        for (;;) {
            RunOnce();
            std::unique_lock lock(mu_);
            if (wake_.wait_for(lock, options_.interval, [this] { return stop_; })) return;
        }
    });
}

void Janitor::Stop() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool Janitor::Stopping() {
    std::lock_guard lock(mu_);
    return stop_;
}

JanitorStats Janitor::RunOnce() {
    JanitorStats s;
    s.files_deleted = DeleteUnattachedFiles();
    s.events_purged = PurgeEvents();
    if (s.files_deleted > 0 || s.events_purged > 0)
        spdlog::info("maintenance: removed {} unattached uploads, purged {} events", s.files_deleted, s.events_purged);
    return s;
}

std::int64_t Janitor::DeleteUnattachedFiles() {
    if (options_.orphan_max_age.count() <= 0) return 0;
    std::int64_t total = 0;
    while (!Stopping()) {
        std::int64_t cutoff = NowMs() - options_.orphan_max_age.count() * 1000;
        // Bytes are moved aside inside the transaction and only discarded once it committed and
        // still no row names them (a job re-run after a conflict may have decided otherwise).
        std::vector<files::Removal> removed;
        auto deleted = chats_.DeleteUnattachedFiles(cutoff, options_.batch, [this, &removed](const std::string& sha) {
            removed.push_back(files_.Remove(sha));
        });
        for (const auto& r : removed) {
            auto in_use = deleted.ok() ? chats_.ContentInUse(r.sha256) : Result<bool>(true);
            if (in_use.ok() && !*in_use) {
                files_.Discard(r);
            } else {
                files_.Restore(r);
            }
        }
        if (!deleted.ok()) {
            spdlog::warn("maintenance: cleanup of unattached uploads failed: {}", deleted.error().message);
            break;
        }
        total += *deleted;
        if (*deleted < options_.batch) break;
    }
    return total;
}

std::int64_t Janitor::PurgeEvents() {
    if (options_.event_retention.count() <= 0) return 0;
    std::int64_t total = 0;
    while (!Stopping()) {
        std::int64_t cutoff = NowMs() - options_.event_retention.count() * 1000;
        auto purged = realtime::PurgeEventsBefore(db_, cutoff, options_.batch);
        if (!purged.ok()) {
            spdlog::warn("maintenance: event purge failed: {}", purged.error().message);
            break;
        }
        total += *purged;
        if (*purged < options_.batch) break;
    }
    return total;
}

}  // namespace veche::maintenance
