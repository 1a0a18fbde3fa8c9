#include "meeting_store.hpp"

#include "veche/core/clock.hpp"

namespace veche::experts::store {

using storage::Tx;

namespace {

constexpr std::string_view kColumns =
    "id, community_id, title, topic, agenda, starts_at, ends_at, tz, link, capacity, state, summary, "
    "summary_by, "
    "summary_at, created_by, created_at, updated_at";

std::string InList(const std::vector<Id>& ids) {
    std::string out;
    for (Id id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
    return out;
}

}  // namespace

void LockMeeting(Tx& tx, Id id) {
    if (tx.dialect() == storage::Dialect::kPostgres)
        tx.QueryInt("SELECT id FROM experts_events WHERE id = ? FOR UPDATE", id);
}

std::optional<Meeting> LoadMeeting(Tx& tx, Id id, Id viewer) {
    auto& st = tx.Query("SELECT " + std::string(kColumns) + " FROM experts_events WHERE id = ?", id);
    if (!st.Step()) return std::nullopt;
    Meeting m;
    m.id = st.Int(0);
    m.community_id = st.OptInt(1);
    m.title = st.Text(2);
    m.topic = st.Text(3);
    m.agenda = st.Text(4);
    m.starts_at = st.Int(5);
    m.ends_at = st.Int(6);
    m.tz = st.Text(7);
    m.link = st.Text(8);
    m.capacity = st.OptInt(9);
    m.state = st.Text(10);
    if (!st.IsNull(11)) m.summary = st.Text(11);
    m.summary_by = st.OptInt(12);
    m.summary_at = st.OptInt(13);
    m.created_by = st.Int(14);
    m.created_at = st.Int(15);
    m.updated_at = st.Int(16);
    while (st.Step()) {
    }
    m.going = CountStatus(tx, id, "going");
    m.interested = CountStatus(tx, id, "interested");
    m.waitlist = CountStatus(tx, id, "waitlist");
    if (viewer != 0) {
        m.my_status = StatusOf(tx, id, viewer);
        if (m.my_status == "waitlist")
            m.my_waitlist_position = tx.QueryInt(
                "SELECT COUNT(*) FROM experts_registrations WHERE event_id = ? AND status = 'waitlist' "
                "AND seq <= (SELECT seq FROM experts_registrations WHERE event_id = ? AND user_id = ?)",
                id, id, viewer);
    }
    return m;
}

void InsertMeeting(Tx& tx, const Meeting& m) {
    tx.Exec("INSERT INTO experts_events(" + std::string(kColumns) +
                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            m.id, m.community_id, m.title, m.topic, m.agenda, m.starts_at, m.ends_at, m.tz, m.link,
            m.capacity, m.state, m.summary, m.summary_by, m.summary_at, m.created_by, m.created_at,
            m.updated_at);
}

void UpdateMeeting(Tx& tx, const Meeting& m) {
    tx.Exec(
        "UPDATE experts_events SET title = ?, topic = ?, agenda = ?, starts_at = ?, ends_at = ?, tz = ?, "
        "link = ?, "
        "capacity = ?, state = ?, summary = ?, summary_by = ?, summary_at = ?, updated_at = ? WHERE id = ?",
        m.title, m.topic, m.agenda, m.starts_at, m.ends_at, m.tz, m.link, m.capacity, m.state, m.summary,
        m.summary_by, m.summary_at, m.updated_at, m.id);
}

std::vector<Id> MeetingsInWindow(Tx& tx, const std::vector<Id>& scopes, std::optional<std::int64_t> from,
                                 std::optional<std::int64_t> to, int limit) {
    std::vector<Id> out;
    std::vector<Id> communities;
    bool none = false;
    for (Id s : scopes) {
        if (s == 0)
            none = true;
        else
            communities.push_back(s);
    }
    std::string where;
    if (!communities.empty()) where = "community_id IN (" + InList(communities) + ")";
    if (none) where += std::string(where.empty() ? "" : " OR ") + "community_id IS NULL";
    if (where.empty()) return out;
    std::string sql = "SELECT id FROM experts_events WHERE (" + where +
                      ") AND ends_at > ? AND starts_at < ? "
                      "ORDER BY starts_at, id LIMIT " +
                      std::to_string(limit);
    auto& st = tx.Query(sql, from.value_or(0), to.value_or(253402300799999));
    while (st.Step()) out.push_back(st.Int(0));
    return out;
}

std::optional<std::string> StatusOf(Tx& tx, Id event_id, Id user_id) {
    auto& st = tx.Query("SELECT status FROM experts_registrations WHERE event_id = ? AND user_id = ?",
                        event_id, user_id);
    if (!st.Step()) return std::nullopt;
    std::string s = st.Text(0);
    while (st.Step()) {
    }
    return s;
}

std::int64_t CountStatus(Tx& tx, Id event_id, std::string_view status) {
    return tx
        .QueryInt("SELECT COUNT(*) FROM experts_registrations WHERE event_id = ? AND status = ?", event_id,
                  status)
        .value_or(0);
}

std::optional<Id> FirstWaitlisted(Tx& tx, Id event_id) {
    return tx.QueryInt(
        "SELECT user_id FROM experts_registrations WHERE event_id = ? AND status = 'waitlist' "
        "ORDER BY seq LIMIT 1",
        event_id);
}

void SetStatus(Tx& tx, Id event_id, Id user_id, std::string_view status, std::int64_t seq) {
    std::int64_t now = NowMs();
    tx.Exec(
        "INSERT INTO experts_registrations(event_id, user_id, status, seq, registered_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, user_id) DO UPDATE SET status = excluded.status, "
        "seq = excluded.seq, updated_at = excluded.updated_at",
        event_id, user_id, status, seq, now, now);
}

void DeleteRegistration(Tx& tx, Id event_id, Id user_id) {
    tx.Exec("DELETE FROM experts_registrations WHERE event_id = ? AND user_id = ?", event_id, user_id);
}

std::vector<Id> UsersWithStatus(Tx& tx, Id event_id, const std::vector<std::string>& statuses) {
    std::vector<Id> out;
    for (const auto& s : statuses) {
        auto& st = tx.Query(
            "SELECT user_id FROM experts_registrations WHERE event_id = ? AND status = ? ORDER BY seq",
            event_id, s);
        while (st.Step()) out.push_back(st.Int(0));
    }
    return out;
}

std::vector<Registration> LoadRegistrations(Tx& tx, Id event_id) {
    std::vector<Registration> out;
    auto& st = tx.Query(
        "SELECT r.user_id, COALESCE(NULLIF(u.display_name, ''), u.username), r.status, r.registered_at "
        "FROM experts_registrations r JOIN users u ON u.id = r.user_id WHERE r.event_id = ? "
        "ORDER BY CASE r.status WHEN 'going' THEN 0 WHEN 'waitlist' THEN 1 WHEN 'interested' THEN 2 "
        "ELSE 3 END, r.seq",
        event_id);
    while (st.Step()) out.push_back({st.Int(0), st.Text(1), st.Text(2), st.Int(3)});
    return out;
}

}  // namespace veche::experts::store
