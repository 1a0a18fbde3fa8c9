#include "store.hpp"

#include "desk_events.hpp"

#include <algorithm>
#include <cstdio>

#include "veche/chat/bound_chats.hpp"
#include "veche/core/clock.hpp"
#include "veche/roles/role_service.hpp"

namespace veche::support {

using storage::Statement;
using storage::Tx;

std::string NumberText(std::int64_t number) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "SUP-%06lld", static_cast<long long>(number));
    return buf;
}

Result<Viewer> ViewerOf(Tx& tx, const roles::RoleService& roles, Id user_id) {
    Viewer v;
    v.user_id = user_id;
    VECHE_ASSIGN_OR_RETURN(v.admin, roles.Can(tx, user_id, kAdminPermission));
    if (!v.admin) VECHE_RETURN_IF_ERROR(roles.Require(tx, user_id, kAgentPermission));
    Agent a = LoadAgent(tx, user_id);
    v.scope = v.admin ? "all" : a.scope;
    v.team_ids = a.team_ids;
    return v;
}

Status RequireAdmin(Tx& tx, const roles::RoleService& roles, Id user_id) {
    return roles.Require(tx, user_id, kAdminPermission);
}

bool CanSee(const Viewer& viewer, const Conversation& c) {
    if (viewer.admin || viewer.scope == "all") return true;
    if (c.assignee_id == viewer.user_id) return true;
    if (viewer.scope != "team" || !c.team_id) return false;
    return std::find(viewer.team_ids.begin(), viewer.team_ids.end(), *c.team_id) != viewer.team_ids.end();
}

Statement& SqlBuilder::Run(Tx& tx) const {
    Statement& st = tx.Prepare(sql);
    st.Reset();
    int i = 1;
    for (const auto& p : params) {
        if (const auto* n = std::get_if<std::int64_t>(&p)) st.BindInt(i++, *n);
        else st.BindText(i++, std::get<std::string>(p));
    }
    return st;
}

void AddScopeCondition(SqlBuilder& q, const Viewer& viewer) {
    if (viewer.admin || viewer.scope == "all") return;
    if (viewer.scope == "team") {
        q.Add(" AND (c.assignee_id = ? OR c.team_id IN (SELECT team_id FROM support_team_members WHERE user_id = ?))")
            .Param(viewer.user_id)
            .Param(viewer.user_id);
        return;
    }
    q.Add(" AND c.assignee_id = ?").Param(viewer.user_id);
}

std::int64_t NextCounter(Tx& tx, std::string_view name) {
    return tx
        .QueryInt("INSERT INTO support_counters(name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = "
                  "support_counters.value + 1 RETURNING value",
                  name)
        .value_or(0);
}

namespace {

// support_inboxes.allowed_origins: the normalized origins, one space between (an origin has none).
std::vector<std::string> SplitOrigins(std::string_view stored) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < stored.size()) {
        std::size_t end = stored.find(' ', at);
        if (end == std::string_view::npos) end = stored.size();
        if (end > at) out.emplace_back(stored.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

constexpr const char* kInboxColumns =
    "SELECT id, name, CASE WHEN EXISTS (SELECT 1 FROM support_mailboxes m WHERE m.inbox_id = "
    "support_inboxes.id) "
    "THEN 'email' ELSE channel END, team_id, token, hmac_mandatory, hmac_secret, reopen_window_days, "
    "greeting, created_at, "
    "allowed_origins FROM support_inboxes ";

Inbox ReadInbox(const Statement& st) {
    Inbox i;
    i.id = st.Int(0);
    i.name = st.Text(1);
    i.channel = st.Text(2);
    i.team_id = st.OptInt(3);
    i.token = st.Text(4);
    i.hmac_mandatory = st.Int(5) != 0;
    i.hmac_secret = st.Text(6);
    i.reopen_window_days = static_cast<int>(st.Int(7));
    i.greeting = st.Text(8);
    i.created_at = st.Int(9);
    i.allowed_origins = SplitOrigins(st.Text(10));
    return i;
}

constexpr const char* kConversationColumns =
    "SELECT id, number, chat_id, inbox_id, team_id, topic_id, contact_id, assignee_id, last_assignee_id, status, "
    "snoozed_until, snooze_until_reply, waiting_since, first_reply_at, resolved_at, reopen_count, previous_id, "
    "created_at, updated_at FROM support_conversations ";

Conversation ReadConversation(const Statement& st) {
    Conversation c;
    c.id = st.Int(0);
    c.number = st.Int(1);
    c.chat_id = st.Int(2);
    c.inbox_id = st.Int(3);
    c.team_id = st.OptInt(4);
    c.topic_id = st.OptInt(5);
    c.contact_id = st.Int(6);
    c.assignee_id = st.OptInt(7);
    c.last_assignee_id = st.OptInt(8);
    c.status = st.Text(9);
    c.snoozed_until = st.OptInt(10);
    c.snooze_until_reply = st.Int(11) != 0;
    c.waiting_since = st.OptInt(12);
    c.first_reply_at = st.OptInt(13);
    c.resolved_at = st.OptInt(14);
    c.reopen_count = st.Int(15);
    c.previous_id = st.OptInt(16);
    c.created_at = st.Int(17);
    c.updated_at = st.Int(18);
    return c;
}

void FinishRows(Statement& st) {
    while (st.Step()) {
    }
}

}  // namespace

std::string JoinOrigins(const std::vector<std::string>& origins) {
    std::string out;
    for (const auto& o : origins) out += (out.empty() ? "" : " ") + o;
    return out;
}

std::optional<Inbox> LoadInbox(Tx& tx, Id id) {
    auto& st = tx.Query(std::string(kInboxColumns) + "WHERE id = ?", id);
    if (!st.Step()) return std::nullopt;
    Inbox i = ReadInbox(st);
    FinishRows(st);
    return i;
}

std::optional<Inbox> LoadInboxByToken(Tx& tx, std::string_view token) {
    auto& st = tx.Query(std::string(kInboxColumns) + "WHERE token = ?", token);
    if (!st.Step()) return std::nullopt;
    Inbox i = ReadInbox(st);
    FinishRows(st);
    return i;
}

std::vector<Inbox> LoadInboxes(Tx& tx) {
    std::vector<Inbox> out;
    auto& st = tx.Query(std::string(kInboxColumns) + "ORDER BY id");
    while (st.Step()) out.push_back(ReadInbox(st));
    return out;
}

namespace {

std::vector<TeamMember> TeamMembers(Tx& tx, Id team_id) {
    std::vector<TeamMember> out;
    auto& st = tx.Query("SELECT user_id, capacity FROM support_team_members WHERE team_id = ? ORDER BY user_id", team_id);
    while (st.Step()) out.push_back({st.Int(0), static_cast<int>(st.Int(1))});
    return out;
}

}  // namespace

std::optional<Team> LoadTeam(Tx& tx, Id id) {
    auto& st = tx.Query("SELECT id, name, created_at, calendar_id FROM support_teams WHERE id = ?", id);
    if (!st.Step()) return std::nullopt;
    Team t{st.Int(0), st.Text(1), st.Int(2), {}, st.OptInt(3)};
    FinishRows(st);
    t.members = TeamMembers(tx, t.id);
    return t;
}

std::vector<Team> LoadTeams(Tx& tx) {
    std::vector<Team> out;
    auto& st = tx.Query("SELECT id, name, created_at, calendar_id FROM support_teams ORDER BY name, id");
    while (st.Step()) out.push_back({st.Int(0), st.Text(1), st.Int(2), {}, st.OptInt(3)});
    for (auto& t : out) t.members = TeamMembers(tx, t.id);
    return out;
}

std::optional<Topic> LoadTopic(Tx& tx, Id id) {
    auto& st = tx.Query("SELECT id, team_id, title, archived_at FROM support_topics WHERE id = ?", id);
    if (!st.Step()) return std::nullopt;
    Topic t{st.Int(0), st.Int(1), st.Text(2), st.OptInt(3)};
    FinishRows(st);
    return t;
}

std::optional<Contact> LoadContact(Tx& tx, Id id) {
    auto& st = tx.Query(
        "SELECT id, inbox_id, name, email, external_id, verified, created_at, merged_into FROM support_contacts WHERE "
        "id = ?",
        id);
    if (!st.Step()) return std::nullopt;
    Contact c;
    c.id = st.Int(0);
    c.inbox_id = st.Int(1);
    c.name = st.Text(2);
    c.email = st.Text(3);
    if (!st.IsNull(4)) c.external_id = st.Text(4);
    c.verified = st.Int(5) != 0;
    c.created_at = st.Int(6);
    c.merged_into = st.OptInt(7);
    FinishRows(st);
    return c;
}

Agent LoadAgent(Tx& tx, Id user_id) {
    Agent a;
    a.user_id = user_id;
    auto& st = tx.Query("SELECT scope, availability, last_assigned_at FROM support_agents WHERE user_id = ?", user_id);
    if (st.Step()) {
        a.scope = st.Text(0);
        a.availability = st.Text(1);
        a.last_assigned_at = st.OptInt(2);
        FinishRows(st);
    }
    a.open_count =
        tx.QueryInt("SELECT COUNT(*) FROM support_conversations WHERE assignee_id = ? AND status = 'open' AND "
                    "deleted_at IS NULL",
                    user_id)
            .value_or(0);
    auto& teams = tx.Query("SELECT team_id FROM support_team_members WHERE user_id = ? ORDER BY team_id", user_id);
    while (teams.Step()) a.team_ids.push_back(teams.Int(0));
    return a;
}

void SaveAgent(Tx& tx, const Agent& a) {
    tx.Exec(
        "INSERT INTO support_agents(user_id, scope, availability, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT "
        "(user_id) DO UPDATE SET scope = excluded.scope, availability = excluded.availability, updated_at = "
        "excluded.updated_at",
        a.user_id, a.scope, a.availability, NowMs());
}

std::optional<Conversation> LoadConversation(Tx& tx, Id id) {
    auto& st = tx.Query(std::string(kConversationColumns) + "WHERE id = ?", id);
    if (!st.Step()) return std::nullopt;
    Conversation c = ReadConversation(st);
    FinishRows(st);
    return c;
}

std::vector<Conversation> SelectConversations(Tx& tx, const SqlBuilder& tail) {
    SqlBuilder q = tail;
    q.sql = std::string(kConversationColumns) + "c " + tail.sql;
    std::vector<Conversation> out;
    auto& st = q.Run(tx);
    while (st.Step()) out.push_back(ReadConversation(st));
    return out;
}

Status RequireAgentUser(Tx& tx, const roles::RoleService& roles, Id user_id) {
    if (!tx.QueryInt("SELECT id FROM users WHERE id = ? AND deactivated = 0 AND role <> 'bot'", user_id))
        return Error::NotFound("user");
    VECHE_ASSIGN_OR_RETURN(bool admin, roles.Can(tx, user_id, kAdminPermission));
    VECHE_ASSIGN_OR_RETURN(bool agent, roles.Can(tx, user_id, kAgentPermission));
    if (!admin && !agent)
        return Error{ErrorCode::kConflict, "not_an_agent", "the user holds neither support.agent nor support.admin"};
    return {};
}

Status EnsureChatMember(Tx& tx, Id chat_id, Id bot_id, Id user_id) {
    std::vector<chat::BoundMember> members;
    for (const auto& m : chat::BoundMembers(tx, chat_id)) {
        if (m.user_id == user_id) return {};
        if (m.role != "owner") members.push_back({m.user_id, m.role});
    }
    members.push_back({user_id, "member"});
    return chat::SetBoundMembers(tx, chat_id, bot_id, members);
}

std::vector<Conversation> ConversationsOfContact(Tx& tx, Id contact_id) {
    std::vector<Conversation> out;
    auto& st = tx.Query(std::string(kConversationColumns) + "WHERE contact_id = ? AND deleted_at IS NULL ORDER BY id DESC",
                        contact_id);
    while (st.Step()) out.push_back(ReadConversation(st));
    return out;
}

namespace {

ConversationObserver& Observer() {
    static ConversationObserver observer;
    return observer;
}

}  // namespace

void SetConversationObserver(ConversationObserver observer) { Observer() = std::move(observer); }

void InsertConversation(Tx& tx, const Conversation& c) {
    tx.Exec(
        "INSERT INTO support_conversations(id, number, chat_id, inbox_id, team_id, topic_id, contact_id, assignee_id, "
        "last_assignee_id, status, snoozed_until, snooze_until_reply, waiting_since, first_reply_at, resolved_at, "
        "reopen_count, previous_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?)",
        c.id, c.number, c.chat_id, c.inbox_id, c.team_id, c.topic_id, c.contact_id, c.assignee_id, c.last_assignee_id,
        c.status, c.snoozed_until, c.snooze_until_reply, c.waiting_since, c.first_reply_at, c.resolved_at,
        c.reopen_count, c.previous_id, c.created_at, c.updated_at);
    if (Observer()) Observer()(tx, std::nullopt, c);
}

void SaveConversation(Tx& tx, const Conversation& c) {
    auto before = LoadConversation(tx, c.id);
    tx.Exec(
        "UPDATE support_conversations SET team_id = ?, topic_id = ?, assignee_id = ?, last_assignee_id = ?, status = ?, "
        "snoozed_until = ?, snooze_until_reply = ?, waiting_since = ?, first_reply_at = ?, resolved_at = ?, "
        "reopen_count = ?, updated_at = ? WHERE id = ?",
        c.team_id, c.topic_id, c.assignee_id, c.last_assignee_id, c.status, c.snoozed_until, c.snooze_until_reply,
        c.waiting_since, c.first_reply_at, c.resolved_at, c.reopen_count, NowMs(), c.id);
    if (!before) return;
    EmitChanges(tx, *before, c);
    if (Observer()) Observer()(tx, before, c);
}

void RecordMessage(Tx& tx, Id message_id, Id conversation_id, std::string_view direction) {
    tx.Exec("INSERT INTO support_messages(message_id, conversation_id, direction, created_at) VALUES (?, ?, ?, ?)",
            message_id, conversation_id, direction, NowMs());
}

}  // namespace veche::support
