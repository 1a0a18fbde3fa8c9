#include "veche/realtime/event_log.hpp"

#include <algorithm>

namespace veche::realtime {

namespace {

constexpr const char* kColumns = "pos, chat_id, target_user_id, broadcast, kind, data, created_at";

Event ReadRow(storage::Statement& st) {
    Event e;
    e.pos = st.Int(0);
    e.chat_id = st.Int(1);
    e.target_user_id = st.Int(2);
    e.broadcast = st.Int(3) != 0;
    e.kind = st.Text(4);
    e.data_json = st.Text(5);
    e.created_at = st.Int(6);
    e.membership = MembershipOfKind(e.kind);
    return e;
}

std::vector<Event> ReadRows(storage::Statement& st) {
    std::vector<Event> out;
    while (st.Step()) out.push_back(ReadRow(st));
    return out;
}

// PostgreSQL: one statement, a LATERAL index range per chat of the user plus the user's and the
// broadcast ranges, each cut at the page size, merged by the outer ORDER BY … LIMIT. UNION, not
// UNION ALL: an event both of a chat and addressed to the user must count once before the cut.
std::vector<Event> ReadForPostgres(storage::Tx& tx, Id user_id, std::int64_t after, int limit) {
    static const std::string sql = std::string("SELECT ") + kColumns +
                                   " FROM events WHERE pos IN ("
                                   "SELECT pos FROM ("
                                   "SELECT e.pos FROM members m CROSS JOIN LATERAL (SELECT pos FROM events "
                                   "WHERE chat_id = m.chat_id AND pos > ? ORDER BY pos LIMIT ?) e WHERE m.user_id = ? "
                                   "UNION (SELECT pos FROM events WHERE target_user_id = ? AND target_user_id <> 0 "
                                   "AND pos > ? ORDER BY pos LIMIT ?) "
                                   "UNION (SELECT pos FROM events WHERE broadcast <> 0 AND pos > ? ORDER BY pos "
                                   "LIMIT ?)) u ORDER BY pos LIMIT ?) ORDER BY pos";
    return ReadRows(tx.Query(sql, after, limit, user_id, user_id, after, limit, after, limit, limit));
}

// SQLite has no LATERAL, and for `chat_id IN (…) ORDER BY pos` it either walks the primary key
// from `after` (a scan of everything since, when the user's share of the log is small) or collects
// every match to sort it. So: one bounded range per chat on (chat_id, pos), the bound tightening as
// the page fills, then the rows by primary key. In-process statements make the loop cheap.
std::vector<Event> ReadForSqlite(storage::Tx& tx, Id user_id, std::int64_t after, int limit) {
    std::vector<std::int64_t> chats;
    {
        auto& st = tx.Query("SELECT chat_id FROM members WHERE user_id = ?", user_id);
        while (st.Step()) chats.push_back(st.Int(0));
    }
    std::vector<std::int64_t> pos;
    std::int64_t bound = INT64_MAX;  // positions at or past it cannot make the page any more
    auto take = [&](storage::Statement& st) {
        while (st.Step()) pos.push_back(st.Int(0));
        // An event may match two ranges (a member event has a chat and a target user): count it once.
        std::sort(pos.begin(), pos.end());
        pos.erase(std::unique(pos.begin(), pos.end()), pos.end());
        if (static_cast<int>(pos.size()) >= limit) {
            pos.resize(static_cast<std::size_t>(limit));
            bound = pos.back();
        }
    };
    for (std::int64_t c : chats) {
        take(tx.Query("SELECT pos FROM events WHERE chat_id = ? AND pos > ? AND pos < ? ORDER BY pos LIMIT ?", c, after,
                      bound, limit));
    }
    take(tx.Query("SELECT pos FROM events WHERE target_user_id = ? AND target_user_id <> 0 AND pos > ? AND pos < ? "
                  "ORDER BY pos LIMIT ?",
                  user_id, after, bound, limit));
    take(tx.Query("SELECT pos FROM events WHERE broadcast <> 0 AND pos > ? AND pos < ? ORDER BY pos LIMIT ?", after,
                  bound, limit));
    std::vector<Event> out;
    out.reserve(pos.size());
    static const std::string by_pos = std::string("SELECT ") + kColumns + " FROM events WHERE pos = ?";
    for (std::int64_t p : pos) {
        auto& st = tx.Query(by_pos, p);
        if (st.Step()) out.push_back(ReadRow(st));
        while (st.Step()) {}
    }
    return out;
}

std::vector<Event> ReadFor(storage::Tx& tx, Id user_id, std::int64_t after, int limit) {
    if (tx.dialect() == storage::Dialect::kPostgres) return ReadForPostgres(tx, user_id, after, limit);
    return ReadForSqlite(tx, user_id, after, limit);
}

}  // namespace

Result<std::vector<Event>> ReadEventsAfter(storage::Database& db, std::int64_t after_pos, int limit) {
    return db.Read([&](storage::Tx& tx) -> Result<std::vector<Event>> {
        static const std::string sql = std::string("SELECT ") + kColumns + " FROM events WHERE pos > ? ORDER BY pos LIMIT ?";
        return ReadRows(tx.Query(sql, after_pos, limit));
    });
}

Result<std::vector<Event>> ReadEventsFor(storage::Database& db, Id user_id, std::int64_t after_pos, int limit) {
    return db.Read([&](storage::Tx& tx) -> Result<std::vector<Event>> { return ReadFor(tx, user_id, after_pos, limit); });
}

Result<ReplayPage> ReadReplayPage(storage::Database& db, Id user_id, std::int64_t after_pos, int limit) {
    return db.Read([&](storage::Tx& tx) -> Result<ReplayPage> {
        ReplayPage page;
        // Positions are dense (SQLite AUTOINCREMENT rolled back with its job; PostgreSQL's counter
        // row, see OpenPostgres), so a first kept position past after_pos + 1 means a purge.
        auto oldest = tx.QueryInt("SELECT MIN(pos) FROM events");
        if (oldest && *oldest > after_pos + 1) {
            page.gap = true;
            return page;
        }
        page.events = ReadFor(tx, user_id, after_pos, limit);
        return page;
    });
}

Result<std::int64_t> HeadPosition(storage::Database& db) {
    return db.Read([](storage::Tx& tx) -> Result<std::int64_t> {
        return tx.QueryInt("SELECT COALESCE(MAX(pos), 0) FROM events").value_or(0);
    });
}

Result<int> PurgeEventsBefore(storage::Database& db, std::int64_t created_before_ms, int limit) {
    return db.Write([&](storage::Tx& tx) -> Result<int> {
        // Walk the oldest `limit` events by primary key and delete the old prefix. created_at grows
        // with pos (up to clock skew between nodes, which only delays a purge), so this never
        // scans the log looking for old rows, and costs nothing when there are none.
        auto head = tx.QueryInt("SELECT MAX(pos) FROM events");
        if (!head) return 0;
        std::int64_t first = 0, last = 0;
        auto& st = tx.Query("SELECT pos, created_at FROM events ORDER BY pos LIMIT ?", limit);
        while (st.Step()) {
            std::int64_t p = st.Int(0);
            if (st.Int(1) >= created_before_ms || p >= *head) break;
            if (first == 0) first = p;
            last = p;
        }
        while (st.Step()) {}
        if (first == 0) return 0;
        return static_cast<int>(tx.Exec("DELETE FROM events WHERE pos >= ? AND pos <= ?", first, last));
    });
}

}  // namespace veche::realtime
