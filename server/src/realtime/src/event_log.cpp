#include "veche/realtime/event_log.hpp"

#include <algorithm>

namespace veche::realtime {

namespace {

constexpr const char* kColumns =
    "pos, topic_kind, topic_id, target_user_id, broadcast, kind, data, created_at, follow, subject_id";

Event ReadRow(storage::Statement& st) {
    Event e;
    e.pos = st.Int(0);
    e.topic.kind = st.Text(1);
    e.topic.id = st.Int(2);
    e.target_user_id = st.Int(3);
    e.broadcast = st.Int(4) != 0;
    e.kind = st.Text(5);
    e.data_json = st.Text(6);
    e.created_at = st.Int(7);
    auto follow = st.Int(8);
    e.membership = follow == 1 ? MembershipChange::kAdd : follow == 2 ? MembershipChange::kRemove : MembershipChange::kNone;
    e.subject_id = st.Int(9);
    return e;
}

// Every topic id the user follows, of every kind (ids are unique across kinds: core/topic.hpp).
std::vector<Id> FollowedTopics(storage::Tx& tx, Audiences audiences, Id user_id) {
    std::vector<Id> ids;
    for (const Audience* a : audiences) {
        auto mine = a->FollowedBy(tx, user_id);
        ids.insert(ids.end(), mine.begin(), mine.end());
    }
    return ids;
}

std::vector<Event> ReadRows(storage::Statement& st) {
    std::vector<Event> out;
    while (st.Step()) out.push_back(ReadRow(st));
    return out;
}

// PostgreSQL: one statement, a LATERAL index range per followed topic plus the user's and the
// broadcast ranges, each cut at the page size, merged by the outer ORDER BY … LIMIT. UNION, not
// UNION ALL: an event both of a topic and addressed to the user must count once before the cut.
// The topic ids come from the audiences in the same REPEATABLE READ snapshot.
std::vector<Event> ReadForPostgres(storage::Tx& tx, Audiences audiences, Id user_id, std::int64_t after, int limit) {
    static const std::string sql = std::string("SELECT ") + kColumns +
                                   " FROM events WHERE pos IN ("
                                   "SELECT pos FROM ("
                                   "SELECT e.pos FROM unnest(?::bigint[]) f(id) CROSS JOIN LATERAL (SELECT pos FROM events "
                                   "WHERE topic_id = f.id AND pos > ? ORDER BY pos LIMIT ?) e "
                                   "UNION (SELECT pos FROM events WHERE target_user_id = ? AND target_user_id <> 0 "
                                   "AND pos > ? ORDER BY pos LIMIT ?) "
                                   "UNION (SELECT pos FROM events WHERE broadcast <> 0 AND pos > ? ORDER BY pos "
                                   "LIMIT ?)) u ORDER BY pos LIMIT ?) ORDER BY pos";
    std::string ids = "{";
    for (Id id : FollowedTopics(tx, audiences, user_id)) {
        if (ids.size() > 1) ids += ',';
        ids += std::to_string(id);
    }
    ids += '}';
    return ReadRows(tx.Query(sql, ids, after, limit, user_id, after, limit, after, limit, limit));
}

// SQLite has no LATERAL, and for `topic_id IN (…) ORDER BY pos` it either walks the primary key
// from `after` (a scan of everything since, when the user's share of the log is small) or collects
// every match to sort it. So: one bounded range per topic on (topic_id, pos), the bound tightening
// as the page fills, then the rows by primary key. In-process statements make the loop cheap.
std::vector<Event> ReadForSqlite(storage::Tx& tx, Audiences audiences, Id user_id, std::int64_t after, int limit) {
    std::vector<Id> topics = FollowedTopics(tx, audiences, user_id);
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
    for (Id t : topics) {
        take(tx.Query("SELECT pos FROM events WHERE topic_id = ? AND pos > ? AND pos < ? ORDER BY pos LIMIT ?", t, after,
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

std::vector<Event> ReadFor(storage::Tx& tx, Audiences audiences, Id user_id, std::int64_t after, int limit) {
    if (tx.dialect() == storage::Dialect::kPostgres) return ReadForPostgres(tx, audiences, user_id, after, limit);
    return ReadForSqlite(tx, audiences, user_id, after, limit);
}

}  // namespace

Result<std::vector<Event>> ReadEventsAfter(storage::Database& db, std::int64_t after_pos, int limit) {
    return db.Read([&](storage::Tx& tx) -> Result<std::vector<Event>> {
        static const std::string sql = std::string("SELECT ") + kColumns + " FROM events WHERE pos > ? ORDER BY pos LIMIT ?";
        return ReadRows(tx.Query(sql, after_pos, limit));
    });
}

Result<std::vector<Event>> ReadEventsFor(storage::Database& db, Audiences audiences, Id user_id,
                                         std::int64_t after_pos, int limit) {
    return db.Read([&](storage::Tx& tx) -> Result<std::vector<Event>> {
        return ReadFor(tx, audiences, user_id, after_pos, limit);
    });
}

Result<ReplayPage> ReadReplayPage(storage::Database& db, Audiences audiences, Id user_id,
                                  std::int64_t after_pos, int limit) {
    return db.Read([&](storage::Tx& tx) -> Result<ReplayPage> {
        ReplayPage page;
        // Positions are dense (SQLite AUTOINCREMENT rolled back with its job; PostgreSQL's counter
        // row, see OpenPostgres), so a first kept position past after_pos + 1 means a purge.
        auto oldest = tx.QueryInt("SELECT MIN(pos) FROM events");
        if (oldest && *oldest > after_pos + 1) {
            page.gap = true;
            return page;
        }
        page.events = ReadFor(tx, audiences, user_id, after_pos, limit);
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
