#include "application_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "veche/core/clock.hpp"

namespace veche::experts::store {

namespace bj = boost::json;
using storage::Tx;

namespace {

constexpr std::string_view kColumns =
    "a.id, a.user_id, u.username, u.display_name, a.state, a.answers, a.curator_id, a.interview_at, "
    "a.interview_link, a.decision, a.decision_reason, a.decided_by, a.decided_at, a.granted_community_ids, "
    "a.created_at, a.updated_at, a.submitted_at";

std::string Str(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

std::string IdsText(const std::vector<Id>& ids) {
    bj::array a;
    for (Id id : ids) a.emplace_back(IdToString(id));
    return bj::serialize(a);
}

std::vector<Id> IdsFrom(const std::string& text) {
    std::vector<Id> out;
    boost::system::error_code ec;
    bj::value v = bj::parse(text, ec);
    if (ec || !v.is_array()) return out;
    for (const auto& e : v.get_array())
        if (e.is_string())
            if (auto id = ParseId(e.get_string())) out.push_back(*id);
    return out;
}

std::string AnswersText(const Answers& a) {
    bj::array competences;
    for (const auto& c : a.competences) competences.emplace_back(c);
    bj::object o{{"full_name", a.full_name},
                 {"position", a.position},
                 {"department", a.department},
                 {"site", a.site},
                 {"phone", a.phone},
                 {"experience", a.experience},
                 {"competences", std::move(competences)},
                 {"skills", a.skills},
                 {"motivation", a.motivation}};
    o["experience_years"] = a.experience_years ? bj::value(*a.experience_years) : bj::value(nullptr);
    return bj::serialize(o);
}

Answers AnswersFrom(const std::string& text) {
    Answers a;
    boost::system::error_code ec;
    bj::value v = bj::parse(text, ec);
    if (ec || !v.is_object()) return a;
    const auto& o = v.get_object();
    a.full_name = Str(o, "full_name");
    a.position = Str(o, "position");
    a.department = Str(o, "department");
    a.site = Str(o, "site");
    a.phone = Str(o, "phone");
    a.experience = Str(o, "experience");
    a.skills = Str(o, "skills");
    a.motivation = Str(o, "motivation");
    if (auto it = o.find("experience_years"); it != o.end() && it->value().is_int64())
        a.experience_years = it->value().get_int64();
    if (auto it = o.find("competences"); it != o.end() && it->value().is_array())
        for (const auto& c : it->value().get_array())
            if (c.is_string()) a.competences.emplace_back(c.get_string());
    return a;
}

Application Read(Tx& tx, storage::Statement& st) {
    Application a;
    a.id = st.Int(0);
    a.user_id = st.Int(1);
    a.username = st.Text(2);
    a.display_name = st.Text(3);
    a.state = st.Text(4);
    a.answers = AnswersFrom(st.Text(5));
    a.curator_id = st.OptInt(6);
    if (!st.IsNull(7)) a.interview = Interview{st.Int(7), st.Text(8)};
    if (!st.IsNull(9)) {
        Decision d;
        d.decision = st.Text(9);
        d.reason = st.IsNull(10) ? "" : st.Text(10);
        d.by = st.OptInt(11).value_or(0);
        d.at = st.OptInt(12).value_or(0);
        d.community_ids = st.IsNull(13) ? std::vector<Id>{} : IdsFrom(st.Text(13));
        a.decision = std::move(d);
    }
    a.created_at = st.Int(14);
    a.updated_at = st.Int(15);
    a.submitted_at = st.OptInt(16);
    (void)tx;
    return a;
}

void LoadCommunities(Tx& tx, Application& a) {
    a.community_ids.clear();
    auto& st = tx.Query(
        "SELECT community_id FROM experts_application_communities WHERE application_id = ? ORDER BY "
        "community_id",
        a.id);
    while (st.Step()) a.community_ids.push_back(st.Int(0));
}

}  // namespace

std::optional<Application> LoadApplication(Tx& tx, Id id) {
    auto& st = tx.Query("SELECT " + std::string(kColumns) +
                            " FROM experts_applications a JOIN users u ON u.id = a.user_id WHERE a.id = ?",
                        id);
    if (!st.Step()) return std::nullopt;
    Application a = Read(tx, st);
    while (st.Step()) {
    }
    LoadCommunities(tx, a);
    return a;
}

void InsertApplication(Tx& tx, const Application& a) {
    tx.Exec(
        "INSERT INTO experts_applications(id, user_id, state, answers, created_at, updated_at) VALUES (?, ?, "
        "?, ?, ?, ?)",
        a.id, a.user_id, a.state, AnswersText(a.answers), a.created_at, a.updated_at);
    SaveApplication(tx, a);
}

void SaveApplication(Tx& tx, const Application& a) {
    std::optional<std::int64_t> interview_at;
    std::optional<std::string> interview_link, decision, reason, granted;
    std::optional<Id> decided_by;
    std::optional<std::int64_t> decided_at;
    if (a.interview) interview_at = a.interview->at, interview_link = a.interview->link;
    if (a.decision) {
        decision = a.decision->decision;
        reason = a.decision->reason;
        decided_by = a.decision->by;
        decided_at = a.decision->at;
        granted = IdsText(a.decision->community_ids);
    }
    tx.Exec(
        "UPDATE experts_applications SET state = ?, answers = ?, curator_id = ?, interview_at = ?, "
        "interview_link = ?, "
        "decision = ?, decision_reason = ?, decided_by = ?, decided_at = ?, granted_community_ids = ?, "
        "updated_at = ?, "
        "submitted_at = ? WHERE id = ?",
        a.state, AnswersText(a.answers), a.curator_id, interview_at, interview_link, decision, reason,
        decided_by, decided_at, granted, a.updated_at, a.submitted_at, a.id);
    tx.Exec("DELETE FROM experts_application_communities WHERE application_id = ?", a.id);
    for (Id c : a.community_ids)
        tx.Exec("INSERT INTO experts_application_communities(application_id, community_id) VALUES (?, ?)",
                a.id, c);
}

std::optional<Id> OpenApplicationOf(Tx& tx, Id user_id) {
    return tx.QueryInt(
        "SELECT id FROM experts_applications WHERE user_id = ? AND state IN ('draft', 'submitted', "
        "'in_review', "
        "'clarification_requested', 'interview_scheduled') ORDER BY id DESC LIMIT 1",
        user_id);
}

std::vector<Application> FindApplications(Tx& tx, const ApplicationQuery& q) {
    std::string sql = "SELECT " + std::string(kColumns) +
                      " FROM experts_applications a JOIN users u ON u.id = a.user_id WHERE 1 = 1";
    // Parameters in the order of the ? marks; every one an integer except the state.
    struct Param {
        bool is_text;
        std::int64_t i;
        std::string s;
    };
    std::vector<Param> params;
    if (q.user_id) {
        sql += " AND a.user_id = ?";
        params.push_back({false, *q.user_id, {}});
    }
    if (q.communities) {
        std::string in;
        for (Id c : *q.communities) {
            in += in.empty() ? "?" : ", ?";
            params.push_back({false, c, {}});
        }
        std::string queue =
            in.empty() ? "0 = 1"
                       : "(a.state <> 'draft' AND EXISTS (SELECT 1 FROM experts_application_communities ac "
                         "WHERE ac.application_id = a.id AND ac.community_id IN (" +
                             in + ")))";
        if (q.or_user_id) {
            sql += " AND (" + queue + " OR a.user_id = ?)";
            params.push_back({false, *q.or_user_id, {}});
        } else {
            sql += " AND " + queue;
        }
    }
    if (q.all_submitted) {
        sql += " AND (a.state <> 'draft' OR a.user_id = ?)";
        params.push_back({false, q.or_user_id.value_or(0), {}});
    }
    if (q.state) {
        sql += " AND a.state = ?";
        params.push_back({true, 0, *q.state});
    }
    if (q.community_id) {
        sql +=
            " AND EXISTS (SELECT 1 FROM experts_application_communities ac2 WHERE ac2.application_id = a.id "
            "AND "
            "ac2.community_id = ?)";
        params.push_back({false, *q.community_id, {}});
    }
    if (q.before) {
        sql += " AND a.id < ?";
        params.push_back({false, *q.before, {}});
    }
    sql += " ORDER BY a.id DESC LIMIT ?";
    params.push_back({false, q.limit, {}});
    auto& st = tx.Prepare(sql);
    st.Reset();
    int i = 1;
    for (const auto& p : params) {
        if (p.is_text)
            st.BindText(i++, p.s);
        else
            st.BindInt(i++, p.i);
    }
    std::vector<Application> out;
    while (st.Step()) out.push_back(Read(tx, st));
    for (auto& a : out) LoadCommunities(tx, a);
    return out;
}

ApplicationEvent AddApplicationEvent(Tx& tx, Id application_id, std::string type, std::optional<Id> actor,
                                     std::string text, std::string data_json) {
    ApplicationEvent e{GlobalIds().Next(), std::move(type),      actor,
                       std::move(text),    std::move(data_json), NowMs()};
    tx.Exec(
        "INSERT INTO experts_application_events(id, application_id, type, actor_id, text, data, at) VALUES "
        "(?, ?, "
        "?, ?, ?, ?, ?)",
        e.id, application_id, e.type, e.actor_id, e.text, e.data_json, e.at);
    return e;
}

std::vector<ApplicationEvent> LoadApplicationEvents(Tx& tx, Id application_id) {
    std::vector<ApplicationEvent> out;
    auto& st = tx.Query(
        "SELECT id, type, actor_id, text, data, at FROM experts_application_events WHERE application_id = ? "
        "ORDER BY id",
        application_id);
    while (st.Step()) out.push_back({st.Int(0), st.Text(1), st.OptInt(2), st.Text(3), st.Text(4), st.Int(5)});
    return out;
}

}  // namespace veche::experts::store
