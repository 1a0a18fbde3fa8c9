#include "json_strings.hpp"
#include "consultation_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "veche/core/clock.hpp"
#include "veche/experts/access.hpp"

namespace veche::experts::store {

namespace bj = boost::json;
using storage::Tx;

namespace {

constexpr std::string_view kColumns =
    "id, number, requester_id, community_id, title, question, expected_result, difficulty, tags, state, "
    "prior_state, expert_id, curator_id, chat_id, call_at, call_link, questions, answer_text, "
    "answer_message_id, "
    "reject_reason_code, reject_text, rating, rating_comment, rated_at, due_assign_at, escalated_at, "
    "assigned_at, "
    "resolved_at, created_at, updated_at";

// Escalated and still without an expert: what the registry flags (and filters) as overdue.
constexpr std::string_view kOverdueSql =
    "(escalated_at IS NOT NULL AND expert_id IS NULL AND state IN ('new', 'returned_for_clarification'))";

std::string TagsText(const std::vector<std::string>& tags) {
    bj::array a;
    for (const auto& t : tags) a.emplace_back(t);
    return bj::serialize(a);
}

Consultation Read(const storage::Statement& st) {
    Consultation c;
    c.id = st.Int(0);
    c.number = st.Int(1);
    c.requester_id = st.Int(2);
    c.community_id = st.Int(3);
    c.title = st.Text(4);
    c.question = st.Text(5);
    c.expected_result = st.Text(6);
    c.difficulty = st.Text(7);
    c.tags = StringsFromText(st.Text(8));
    c.state = st.Text(9);
    if (!st.IsNull(10)) c.prior_state = st.Text(10);
    c.expert_id = st.OptInt(11);
    c.curator_id = st.OptInt(12);
    c.chat_id = st.OptInt(13);
    if (!st.IsNull(14)) c.call = Call{st.Int(14), st.IsNull(15) ? "" : st.Text(15)};
    c.questions = st.Text(16);
    c.answer_text = st.Text(17);
    c.answer_message_id = st.OptInt(18);
    c.reject_reason_code = st.Text(19);
    c.reject_text = st.Text(20);
    if (auto r = st.OptInt(21)) c.rating = static_cast<int>(*r);
    c.rating_comment = st.Text(22);
    c.rated_at = st.OptInt(23);
    c.due_assign_at = st.Int(24);
    c.escalated_at = st.OptInt(25);
    c.assigned_at = st.OptInt(26);
    c.resolved_at = st.OptInt(27);
    c.created_at = st.Int(28);
    c.updated_at = st.Int(29);
    c.overdue =
        c.escalated_at && !c.expert_id && (c.state == "new" || c.state == "returned_for_clarification");
    return c;
}

}  // namespace

void BindAll(storage::Statement& st, const std::vector<SqlParam>& params) {
    st.Reset();
    int i = 1;
    for (const auto& p : params) {
        if (p.is_text)
            st.BindText(i++, p.s);
        else
            st.BindInt(i++, p.i);
    }
}

std::optional<Consultation> LoadConsultation(Tx& tx, Id id) {
    auto& st = tx.Query("SELECT " + std::string(kColumns) + " FROM experts_consultations WHERE id = ?", id);
    if (!st.Step()) return std::nullopt;
    Consultation c = Read(st);
    while (st.Step()) {
    }
    return c;
}

std::int64_t NextConsultationNumber(Tx& tx) {
    // The row is made by the first number rather than by the migration, so that `veche migrate`
    // copies it like any other row instead of colliding with a seeded one.
    tx.Exec(
        "INSERT INTO experts_counters(name, value) VALUES ('consultation', 1) "
        "ON CONFLICT (name) DO UPDATE SET value = experts_counters.value + 1");
    return tx.QueryInt("SELECT value FROM experts_counters WHERE name = 'consultation'").value_or(1);
}

void InsertConsultation(Tx& tx, const Consultation& c) {
    tx.Exec(
        "INSERT INTO experts_consultations(id, number, requester_id, community_id, title, question, "
        "expected_result, "
        "difficulty, tags, state, questions, answer_text, reject_reason_code, reject_text, rating_comment, "
        "due_assign_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', '', '', ?, "
        "?, ?)",
        c.id, c.number, c.requester_id, c.community_id, c.title, c.question, c.expected_result, c.difficulty,
        TagsText(c.tags), c.state, c.due_assign_at, c.created_at, c.updated_at);
}

void SaveConsultation(Tx& tx, const Consultation& c) {
    std::optional<std::int64_t> call_at;
    std::optional<std::string> call_link;
    if (c.call) call_at = c.call->at, call_link = c.call->link;
    std::optional<std::int64_t> rating;
    if (c.rating) rating = *c.rating;
    auto& st = tx.Prepare(
        "UPDATE experts_consultations SET title = ?, question = ?, expected_result = ?, difficulty = ?, tags "
        "= ?, "
        "state = ?, prior_state = ?, expert_id = ?, curator_id = ?, chat_id = ?, call_at = ?, call_link = ?, "
        "questions = ?, answer_text = ?, answer_message_id = ?, reject_reason_code = ?, reject_text = ?, "
        "rating = ?, "
        "rating_comment = ?, rated_at = ?, due_assign_at = ?, escalated_at = ?, assigned_at = ?, resolved_at "
        "= ?, "
        "updated_at = ? WHERE id = ?");
    st.Reset();
    int i = 1;
    st.Bind(i++, c.title);
    st.Bind(i++, c.question);
    st.Bind(i++, c.expected_result);
    st.Bind(i++, c.difficulty);
    st.Bind(i++, TagsText(c.tags));
    st.Bind(i++, c.state);
    st.Bind(i++, c.prior_state);
    st.Bind(i++, c.expert_id);
    st.Bind(i++, c.curator_id);
    st.Bind(i++, c.chat_id);
    st.Bind(i++, call_at);
    st.Bind(i++, call_link);
    st.Bind(i++, c.questions);
    st.Bind(i++, c.answer_text);
    st.Bind(i++, c.answer_message_id);
    st.Bind(i++, c.reject_reason_code);
    st.Bind(i++, c.reject_text);
    st.Bind(i++, rating);
    st.Bind(i++, c.rating_comment);
    st.Bind(i++, c.rated_at);
    st.Bind(i++, c.due_assign_at);
    st.Bind(i++, c.escalated_at);
    st.Bind(i++, c.assigned_at);
    st.Bind(i++, c.resolved_at);
    st.Bind(i++, c.updated_at);
    st.Bind(i++, c.id);
    while (st.Step()) {
    }
}

std::vector<Consultation> FindConsultations(Tx& tx, const ConsultationQuery& q) {
    std::vector<Consultation> out;
    if (q.communities.empty() || (q.ids && q.ids->empty())) return out;
    std::vector<SqlParam> params;
    auto in_list = [&params](const std::vector<Id>& ids) {
        std::string in;
        for (Id id : ids) {
            in += in.empty() ? "?" : ", ?";
            params.push_back({false, id, {}});
        }
        return in;
    };
    std::string sql = "SELECT " + std::string(kColumns) +
                      " FROM experts_consultations WHERE community_id IN (" + in_list(q.communities) + ")";
    if (q.ids) sql += " AND id IN (" + in_list(*q.ids) + ")";
    if (!q.states.empty()) {
        std::string in;
        for (const auto& s : q.states) {
            in += in.empty() ? "?" : ", ?";
            params.push_back({true, 0, s});
        }
        sql += " AND state IN (" + in + ")";
    }
    if (q.difficulty) {
        sql += " AND difficulty = ?";
        params.push_back({true, 0, *q.difficulty});
    }
    if (q.expert_id) {
        sql += " AND expert_id = ?";
        params.push_back({false, *q.expert_id, {}});
    }
    if (q.requester_id) {
        sql += " AND requester_id = ?";
        params.push_back({false, *q.requester_id, {}});
    }
    if (q.overdue)
        sql += *q.overdue ? " AND " + std::string(kOverdueSql) : " AND NOT " + std::string(kOverdueSql);
    if (q.from) {
        sql += " AND created_at >= ?";
        params.push_back({false, *q.from, {}});
    }
    if (q.to) {
        sql += " AND created_at < ?";
        params.push_back({false, *q.to, {}});
    }
    if (q.before) {
        sql += " AND id < ?";
        params.push_back({false, *q.before, {}});
    }
    sql += " ORDER BY id DESC LIMIT ?";
    params.push_back({false, q.limit, {}});
    auto& st = tx.Prepare(sql);
    BindAll(st, params);
    while (st.Step()) out.push_back(Read(st));
    return out;
}

Status ForEachChangedSince(Tx& tx, std::int64_t since_ms,
                           const std::function<Status(const Consultation&)>& fn) {
    auto& st = tx.Query("SELECT " + std::string(kColumns) +
                            " FROM experts_consultations WHERE updated_at >= ? ORDER BY updated_at, id",
                        since_ms);
    std::vector<Consultation> batch;
    while (st.Step()) batch.push_back(Read(st));
    // Called after the statement is done, so that fn may query in the same transaction.
    for (const auto& c : batch) VECHE_RETURN_IF_ERROR(fn(c));
    return {};
}

ConsultationEvent AddConsultationEvent(Tx& tx, Id consultation_id, std::string type, std::optional<Id> actor,
                                       std::string text, std::string data_json) {
    ConsultationEvent e{GlobalIds().Next(), std::move(type),      actor,
                        std::move(text),    std::move(data_json), NowMs()};
    tx.Exec(
        "INSERT INTO experts_consultation_events(id, consultation_id, type, actor_id, text, data, at) VALUES "
        "(?, ?, "
        "?, ?, ?, ?, ?)",
        e.id, consultation_id, e.type, e.actor_id, e.text, e.data_json, e.at);
    return e;
}

std::vector<ConsultationEvent> LoadConsultationEvents(Tx& tx, Id consultation_id) {
    std::vector<ConsultationEvent> out;
    auto& st = tx.Query(
        "SELECT id, type, actor_id, text, data, at FROM experts_consultation_events WHERE consultation_id = "
        "? ORDER BY "
        "id",
        consultation_id);
    while (st.Step()) out.push_back({st.Int(0), st.Text(1), st.OptInt(2), st.Text(3), st.Text(4), st.Int(5)});
    return out;
}

std::vector<Attachment> LoadAttachments(Tx& tx, Id consultation_id) {
    std::vector<Attachment> out;
    auto& st = tx.Query(
        "SELECT id, name, size, content_type, uploader_id, created_at FROM files WHERE owner_kind = ? AND "
        "owner_id = ? "
        "ORDER BY id",
        kAttachmentOwnerKind, consultation_id);
    while (st.Step()) out.push_back({st.Int(0), st.Text(1), st.Int(2), st.Text(3), st.Int(4), st.Int(5)});
    return out;
}

ConsultationSettings LoadSettings(Tx& tx, Id community_id) {
    ConsultationSettings s;
    s.community_id = community_id;
    auto& st = tx.Query(
        "SELECT assign_within_working_days, updated_at FROM experts_consultation_settings WHERE community_id "
        "= ?",
        community_id);
    if (st.Step()) {
        s.assign_within_working_days = static_cast<int>(st.Int(0));
        s.updated_at = st.Int(1);
        while (st.Step()) {
        }
    }
    return s;
}

void SaveSettings(Tx& tx, const ConsultationSettings& s) {
    tx.Exec(
        "INSERT INTO experts_consultation_settings(community_id, assign_within_working_days, updated_at) "
        "VALUES (?, ?, "
        "?) ON CONFLICT (community_id) DO UPDATE SET assign_within_working_days = "
        "excluded.assign_within_working_days, "
        "updated_at = excluded.updated_at",
        s.community_id, s.assign_within_working_days, s.updated_at);
}

std::vector<Id> Moderators(Tx& tx) {
    std::vector<Id> out;
    auto& st = tx.Query(
        "SELECT DISTINCT g.user_id FROM roles_grants g JOIN roles_catalog r ON r.id = g.role_id "
        "JOIN users u ON u.id = g.user_id AND u.deactivated = 0 WHERE r.name = ? ORDER BY g.user_id",
        kRoleModerator);
    while (st.Step()) out.push_back(st.Int(0));
    return out;
}

}  // namespace veche::experts::store
