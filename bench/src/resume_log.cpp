// resume-log: how fast a WebSocket resume reads the event log, at a realistic log size, with the
// server's own storage and event-log code (realtime::ReadEventsFor, the query behind hello's
// replay) against the query it replaced, on SQLite or PostgreSQL.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>

#include "scenarios.hpp"
#include "veche/chat/realtime.hpp"
#include "veche/core/ids.hpp"
#include "veche/realtime/event_log.hpp"
#include "veche/storage/database.hpp"

namespace veche::bench {

namespace {

// The replay query before issue 10 (a walk of the primary key from `after`, filtering each row).
Result<std::vector<std::int64_t>> LegacyPage(storage::Database& db, Id user, std::int64_t after, int limit) {
    return db.Read([&](storage::Tx& tx) -> Result<std::vector<std::int64_t>> {
        auto& st = tx.Query(
            "SELECT pos, topic_id, target_user_id, broadcast, kind, data, created_at FROM events WHERE pos > ? AND ("
            "topic_id IN (SELECT chat_id FROM members WHERE user_id = ?) OR target_user_id = ? OR broadcast <> 0) "
            "ORDER BY pos LIMIT ?",
            after, user, user, limit);
        std::vector<std::int64_t> out;
        while (st.Step()) out.push_back(st.Int(0));
        return out;
    });
}

Result<std::vector<std::int64_t>> CurrentPage(storage::Database& db, Id user, std::int64_t after, int limit) {
    static const chat::ChatAudience chats;
    static const realtime::Audience* const audiences[] = {&chats};
    VECHE_ASSIGN_OR_RETURN(auto events, realtime::ReadEventsFor(db, audiences, user, after, limit));
    std::vector<std::int64_t> out;
    for (const auto& e : events) out.push_back(e.pos);
    return out;
}

using PageFn = Result<std::vector<std::int64_t>> (*)(storage::Database&, Id, std::int64_t, int);

struct Timing {
    double first_page_ms = 0;  // hello → the first page of replay
    double full_ms = 0;        // every page until caught up
    std::int64_t events = 0;
    std::vector<std::int64_t> positions;
};

Timing Resume(storage::Database& db, PageFn fn, Id user, std::int64_t after, int page) {
    Timing t;
    std::int64_t t0 = NowNs();
    for (bool first = true;; first = false) {
        auto r = fn(db, user, after, page);
        if (!r.ok()) throw std::runtime_error("read failed: " + r.error().message);
        if (first) t.first_page_ms = static_cast<double>(NowNs() - t0) / 1e6;
        t.positions.insert(t.positions.end(), r->begin(), r->end());
        if (!r->empty()) after = r->back();
        if (static_cast<int>(r->size()) < page) break;
    }
    t.full_ms = static_cast<double>(NowNs() - t0) / 1e6;
    t.events = static_cast<std::int64_t>(t.positions.size());
    return t;
}

}  // namespace

int ResumeLogMain(const Options& opt) {
    namespace fs = std::filesystem;
    const std::string url = opt.Str("storage", "");
    const std::string dir = opt.Str("data", "");
    const std::int64_t n_events = opt.Int("events", 1'000'000), n_chats = opt.Int("chats", 1000),
                       n_users = opt.Int("users", 1000), repeat = opt.Int("repeat", 5);
    const int page = 500;  // the server's replay page (kReplayPage)
    std::unique_ptr<storage::Database> db;
    if (storage::IsPostgresUrl(url)) {
        storage::PostgresOptions po;
        po.url = url;
        db = storage::OpenPostgres(po);
    } else {
        if (dir.empty()) {
            std::cerr << "resume-log: --data DIR (SQLite) or --storage postgresql://… is required\n";
            return 2;
        }
        fs::create_directories(dir);
        storage::DatabaseOptions dbo;
        dbo.path = (fs::path(dir) / "veche.db").string();
        dbo.synchronous_full = false;
        db = storage::OpenSqlite(dbo);
    }
    std::mt19937_64 rng(42);
    std::vector<Id> users(static_cast<std::size_t>(n_users)), chats(static_cast<std::size_t>(n_chats));
    std::vector<int> chats_of(users.size(), 0);
    auto have = db->Read([](storage::Tx& tx) -> Result<std::int64_t> {
        return tx.QueryInt("SELECT COUNT(*) FROM events").value_or(0);
    });
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    std::int64_t t_gen = NowNs();
    if (have.ok() && *have == 0) {
        // Users in groups of 2–40 members, like gen-db; events spread over the chats, 1% addressed
        // to one user, 0.1% broadcast.
        auto st = db->Write([&](storage::Tx& tx) -> Status {
            for (std::size_t i = 0; i < users.size(); ++i) {
                users[i] = 1'000'000 + static_cast<Id>(i);
                tx.Exec("INSERT INTO users(id, username, password_hash, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)",
                        users[i], "user" + std::to_string(i), now, now);
            }
            std::uniform_int_distribution<int> size(2, 40);
            for (std::size_t c = 0; c < chats.size(); ++c) {
                chats[c] = 2'000'000 + static_cast<Id>(c);
                tx.Exec("INSERT INTO chats(id, type, visibility, name, created_by, created_at, last_activity_at) "
                        "VALUES (?, 'group', 'private', ?, ?, ?, ?)",
                        chats[c], "chat " + std::to_string(c), users[c % users.size()], now, now);
                std::vector<std::size_t> m{c % users.size()};
                // Never more members than users: distinct members could not fill a larger chat.
                int k = std::min(size(rng), static_cast<int>(users.size()));
                while (static_cast<int>(m.size()) < k) {
                    std::size_t u = rng() % users.size();
                    if (std::find(m.begin(), m.end(), u) == m.end()) m.push_back(u);
                }
                for (std::size_t u : m) {
                    tx.Exec("INSERT INTO members(chat_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)",
                            chats[c], users[u], now);
                }
            }
            return {};
        });
        if (!st.ok()) throw std::runtime_error("setup failed: " + st.error().message);
        const std::string data(180, 'x');
        for (std::int64_t b = 0; b < n_events; b += 50'000) {
            st = db->Write([&](storage::Tx& tx) -> Status {
                for (std::int64_t k = b; k < std::min(n_events, b + 50'000); ++k) {
                    Event e;
                    std::uint64_t r = rng() % 1000;
                    if (r == 0) {
                        e.broadcast = true;
                    } else if (r < 11) {
                        e.target_user_id = users[rng() % users.size()];
                    } else {
                        e.topic = ChatTopic(chats[rng() % chats.size()]);
                    }
                    e.kind = "message.created";
                    e.data_json = "{\"text\":\"" + data + "\"}";
                    e.created_at = now - (n_events - k);
                    tx.Emit(std::move(e));
                }
                return {};
            });
            if (!st.ok()) throw std::runtime_error("events failed: " + st.error().message);
            std::cerr << "\r[resume-log] " << std::min(n_events, b + 50'000) << "/" << n_events << " events"
                      << std::flush;
        }
        std::cerr << "\n[resume-log] generated in " << static_cast<double>(NowNs() - t_gen) / 1e9 << " s\n";
    }
    // The users with the fewest and a median number of chats: a sparse user is the legacy query's
    // worst case (it walks every row after the position to find a page of theirs).
    struct Who {
        Id id;
        std::int64_t chats;
    };
    auto who = db->Read([](storage::Tx& tx) -> Result<std::vector<Who>> {
        std::vector<Who> out;
        auto& st = tx.Query("SELECT user_id, COUNT(*) FROM members GROUP BY user_id ORDER BY COUNT(*), user_id");
        while (st.Step()) out.push_back({st.Int(0), st.Int(1)});
        return out;
    });
    auto head = realtime::HeadPosition(*db);
    if (!who.ok() || who->empty() || !head.ok()) throw std::runtime_error("no data");
    std::int64_t events_total = db->Read([](storage::Tx& tx) -> Result<std::int64_t> {
        return tx.QueryInt("SELECT COUNT(*) FROM events").value_or(0);
    }).value();
    std::cout << "backend " << (storage::IsPostgresUrl(url) ? "postgresql" : "sqlite") << ", " << events_total
              << " events, head " << *head << ", page " << page << ", best of " << repeat << "\n";
    std::cout << "user(chats)  from            query    first page ms   full resume ms   events\n";
    const Who picks[] = {who->front(), (*who)[who->size() / 2]};
    for (const Who& w : picks) {
        struct From {
            const char* name;
            std::int64_t pos;
        };
        const From froms[] = {{"old (pos 0)", 0}, {"recent (-10k)", std::max<std::int64_t>(0, *head - 10'000)}};
        for (const From& f : froms) {
            Timing best[2];
            for (int q = 0; q < 2; ++q) {
                for (std::int64_t i = 0; i < repeat; ++i) {
                    Timing t = Resume(*db, q == 0 ? LegacyPage : CurrentPage, w.id, f.pos, page);
                    if (i == 0 || t.full_ms < best[q].full_ms) best[q] = t;
                }
            }
            if (best[0].positions != best[1].positions) {
                std::cerr << "resume-log: the two queries disagree\n";
                return 1;
            }
            for (int q = 0; q < 2; ++q) {
                std::printf("%6lld(%2lld)  %-14s  %-7s  %13.2f  %15.2f  %7lld\n", static_cast<long long>(w.id % 100000),
                            static_cast<long long>(w.chats), f.name, q == 0 ? "before" : "after",
                            best[q].first_page_ms, best[q].full_ms, static_cast<long long>(best[q].events));
            }
        }
    }
    db->Stop();
    return 0;
}

}  // namespace veche::bench
