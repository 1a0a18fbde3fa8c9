#include "veche/realtime/event_log.hpp"

namespace veche::realtime {

namespace {
std::vector<Event> ReadRows(storage::Statement& st) {
    std::vector<Event> out;
    while (st.Step()) {
        Event e;
        e.pos = st.Int(0);
        e.chat_id = st.Int(1);
        e.target_user_id = st.Int(2);
        e.broadcast = st.Int(3) != 0;
        e.kind = st.Text(4);
        e.data_json = st.Text(5);
        e.created_at = st.Int(6);
        e.membership = MembershipOfKind(e.kind);
        out.push_back(std::move(e));
    }
    return out;
}
}  // namespace

Result<std::vector<Event>> ReadEventsAfter(storage::Database& db, std::int64_t after_pos, int limit) {
    return db.Read([&](storage::Tx& tx) -> Result<std::vector<Event>> {
        return ReadRows(tx.Query("SELECT pos, chat_id, target_user_id, broadcast, kind, data, created_at FROM events "
                                 "WHERE pos > ? ORDER BY pos LIMIT ?",
                                 after_pos, limit));
    });
}

Result<std::vector<Event>> ReadEventsFor(storage::Database& db, Id user_id, std::int64_t after_pos, int limit) {
    return db.Read([&](storage::Tx& tx) -> Result<std::vector<Event>> {
        auto& st = tx.Query(
            "SELECT pos, chat_id, target_user_id, broadcast, kind, data, created_at FROM events WHERE pos > ? AND ("
            "chat_id IN (SELECT chat_id FROM members WHERE user_id = ?) OR target_user_id = ? OR broadcast <> 0) "
            "ORDER BY pos LIMIT ?",
            after_pos, user_id, user_id, limit);
        return ReadRows(st);
    });
}

Result<std::int64_t> HeadPosition(storage::Database& db) {
    return db.Read([](storage::Tx& tx) -> Result<std::int64_t> {
        return tx.QueryInt("SELECT COALESCE(MAX(pos), 0) FROM events").value_or(0);
    });
}

}  // namespace veche::realtime
