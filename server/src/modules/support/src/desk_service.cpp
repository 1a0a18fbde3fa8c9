// The desk's configuration: inboxes, teams and their members, topics, agents (support.admin).
#include <boost/json/array.hpp>
#include <set>

#include "assignment.hpp"
#include "desk_events.hpp"
#include "store.hpp"
#include "veche/audit/audit.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/crypto.hpp"
#include "veche/core/json.hpp"
#include "veche/roles/role_service.hpp"
#include "veche/support/desk.hpp"

namespace veche::support {

using storage::Tx;

SupportDesk::SupportDesk(storage::Database& db, roles::RoleService& roles, chat::ChatService& chats,
                         std::function<Id()> make_bot)
    : db_(db), roles_(roles), chats_(chats), make_bot_(std::move(make_bot)) {}

Result<Id> SupportDesk::Bot() {
    std::lock_guard lock(bot_mu_);
    if (!bot_id_) {
        try {
            bot_id_ = make_bot_();
        } catch (const std::exception&) {
            return Error::Unavailable("the support desk's bot account cannot be created now");
        }
    }
    return bot_id_;
}

namespace {

Status Audit(Tx& tx, Id actor, std::string action, std::string kind, Id target, boost::json::object data = {}) {
    return audit::Record(tx, {actor, "", std::move(action), std::move(kind), target, json::Serialize(data), 0});
}

// Whether the user's WebSocket follows the topics of their teams (scope team, not an administrator,
// who follows the desk's topic instead); the hub's live view must match TeamAudience.
bool FollowsTeams(Tx& tx, const roles::RoleService& roles, Id user_id) {
    auto admin = roles.Can(tx, user_id, kAdminPermission);
    if (!admin.ok() || *admin) return false;
    return LoadAgent(tx, user_id).scope == "team";
}

}  // namespace

Result<Inbox> SupportDesk::CreateInbox(const Actor& actor, const NewInbox& spec) {
    return db_.Write([&](Tx& tx) -> Result<Inbox> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        if (spec.team_id && !LoadTeam(tx, *spec.team_id)) return Error::NotFound("team");
        Inbox i;
        i.id = GlobalIds().Next();
        i.name = spec.name;
        i.channel = spec.channel;
        i.team_id = spec.team_id;
        i.token = crypto::RandomToken(18);
        i.hmac_mandatory = spec.hmac_mandatory;
        i.hmac_secret = crypto::RandomToken(32);
        i.reopen_window_days = spec.reopen_window_days;
        i.greeting = spec.greeting;
        i.allowed_origins = spec.allowed_origins;
        i.created_at = NowMs();
        tx.Exec(
            "INSERT INTO support_inboxes(id, name, channel, team_id, token, hmac_mandatory, hmac_secret, "
            "reopen_window_days, greeting, created_at, allowed_origins) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?)",
            i.id, i.name, i.channel, i.team_id, i.token, i.hmac_mandatory, i.hmac_secret,
            i.reopen_window_days, i.greeting, i.created_at, JoinOrigins(i.allowed_origins));
        VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "support.inbox_created", "support_inbox", i.id,
                                    {{"name", i.name}, {"channel", i.channel}}));
        return i;
    });
}

Result<std::vector<Inbox>> SupportDesk::ListInboxes(const Actor& actor) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Inbox>> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        return LoadInboxes(tx);
    });
}

Result<Inbox> SupportDesk::UpdateInbox(const Actor& actor, Id inbox_id, const InboxPatch& p) {
    return db_.Write([&](Tx& tx) -> Result<Inbox> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        auto found = LoadInbox(tx, inbox_id);
        if (!found) return Error::NotFound("inbox");
        Inbox i = *found;
        boost::json::object changed;
        if (p.name && *p.name != i.name) {
            i.name = *p.name;
            changed["name"] = i.name;
        }
        if (p.team_id && *p.team_id != i.team_id) {
            if (*p.team_id && !LoadTeam(tx, **p.team_id)) return Error::NotFound("team");
            i.team_id = *p.team_id;
            changed["team_id"] =
                i.team_id ? boost::json::value(IdToString(*i.team_id)) : boost::json::value(nullptr);
        }
        if (p.hmac_mandatory && *p.hmac_mandatory != i.hmac_mandatory) {
            i.hmac_mandatory = *p.hmac_mandatory;
            changed["hmac_mandatory"] = i.hmac_mandatory;
        }
        if (p.reopen_window_days && *p.reopen_window_days != i.reopen_window_days) {
            i.reopen_window_days = *p.reopen_window_days;
            changed["reopen_window_days"] = i.reopen_window_days;
        }
        if (p.greeting && *p.greeting != i.greeting) {
            i.greeting = *p.greeting;
            changed["greeting"] = i.greeting;
        }
        if (p.allowed_origins && *p.allowed_origins != i.allowed_origins) {
            i.allowed_origins = *p.allowed_origins;
            boost::json::array list;
            for (const auto& o : i.allowed_origins) list.emplace_back(o);
            changed["allowed_origins"] = std::move(list);
        }
        if (changed.empty()) return i;
        tx.Exec(
            "UPDATE support_inboxes SET name = ?, team_id = ?, hmac_mandatory = ?, reopen_window_days = ?, "
            "greeting = ?, "
            "allowed_origins = ? WHERE id = ?",
            i.name, i.team_id, i.hmac_mandatory, i.reopen_window_days, i.greeting,
            JoinOrigins(i.allowed_origins), i.id);
        VECHE_RETURN_IF_ERROR(
            Audit(tx, actor.user_id, "support.inbox_updated", "support_inbox", i.id, std::move(changed)));
        return i;
    });
}

Result<Team> SupportDesk::CreateTeam(const Actor& actor, const std::string& name) {
    return db_.Write([&](Tx& tx) -> Result<Team> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        if (tx.QueryInt("SELECT id FROM support_teams WHERE name = ?", name))
            return Error::Conflict("team_exists", "a team with this name exists");
        Team t{GlobalIds().Next(), name, NowMs(), {}};
        tx.Exec("INSERT INTO support_teams(id, name, created_at) VALUES (?, ?, ?)", t.id, t.name, t.created_at);
        VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "support.team_created", "support_team", t.id, {{"name", name}}));
        return t;
    });
}

Result<std::vector<Team>> SupportDesk::ListTeams(const Actor& actor) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Team>> {
        VECHE_RETURN_IF_ERROR(ViewerOf(tx, roles_, actor.user_id));
        return LoadTeams(tx);
    });
}

Result<Team> SupportDesk::SetTeamMembers(const Actor& actor, Id team_id, const std::vector<TeamMember>& members) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    return db_.Write([&](Tx& tx) -> Result<Team> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        if (!LoadTeam(tx, team_id)) return Error::NotFound("team");
        std::set<Id> seen;
        for (const auto& m : members) {
            if (!seen.insert(m.user_id).second) return Error::InvalidArgument("a user is named twice in 'members'");
            auto ok = tx.QueryInt("SELECT id FROM users WHERE id = ? AND deactivated = 0 AND role <> 'bot'", m.user_id);
            if (!ok) return Error::NotFound("user");
        }
        std::set<Id> before;
        auto team = LoadTeam(tx, team_id);
        for (const auto& m : team->members) before.insert(m.user_id);
        tx.Exec("DELETE FROM support_team_members WHERE team_id = ?", team_id);
        boost::json::array ids;
        for (const auto& m : members) {
            tx.Exec("INSERT INTO support_team_members(team_id, user_id, capacity) VALUES (?, ?, ?)", team_id, m.user_id,
                    m.capacity);
            ids.push_back(boost::json::value(IdToString(m.user_id)));
        }
        VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "support.team_members_set", "support_team", team_id,
                                    {{"user_ids", std::move(ids)}}));
        // Members of scope team follow the team's events from now on, or no longer.
        for (Id user : before)
            if (!seen.count(user) && FollowsTeams(tx, roles_, user)) EmitFollow(tx, user, kTeamTopic, team_id, false);
        for (Id user : seen)
            if (!before.count(user) && FollowsTeams(tx, roles_, user)) EmitFollow(tx, user, kTeamTopic, team_id, true);
        // New members, or more capacity: the queue may move.
        VECHE_RETURN_IF_ERROR(Assigner(roles_, bot).DrainTeam(tx, team_id));
        return *LoadTeam(tx, team_id);
    });
}

Result<Topic> SupportDesk::CreateTopic(const Actor& actor, Id team_id, const std::string& title) {
    return db_.Write([&](Tx& tx) -> Result<Topic> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        if (!LoadTeam(tx, team_id)) return Error::NotFound("team");
        Topic t{GlobalIds().Next(), team_id, title, std::nullopt};
        tx.Exec("INSERT INTO support_topics(id, team_id, title, created_at) VALUES (?, ?, ?, ?)", t.id, t.team_id,
                t.title, NowMs());
        VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "support.topic_created", "support_topic", t.id,
                                    {{"title", title}, {"team_id", IdToString(team_id)}}));
        return t;
    });
}

Result<Topic> SupportDesk::UpdateTopic(const Actor& actor, Id topic_id, const TopicChange& change) {
    return db_.Write([&](Tx& tx) -> Result<Topic> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        auto topic = LoadTopic(tx, topic_id);
        if (!topic) return Error::NotFound("topic");
        if (change.team_id && !LoadTeam(tx, *change.team_id)) return Error::NotFound("team");
        boost::json::object changed;
        if (change.title && *change.title != topic->title) {
            changed["title"] = boost::json::object{{"from", topic->title}, {"to", *change.title}};
            topic->title = *change.title;
        }
        if (change.team_id && *change.team_id != topic->team_id) {
            changed["team_id"] = boost::json::object{{"from", IdToString(topic->team_id)},
                                                     {"to", IdToString(*change.team_id)}};
            topic->team_id = *change.team_id;
        }
        if (change.archived && *change.archived != topic->archived_at.has_value()) {
            changed["archived"] = *change.archived;
            topic->archived_at = *change.archived ? std::optional<std::int64_t>(NowMs()) : std::nullopt;
        }
        if (changed.empty()) return *topic;
        tx.Exec("UPDATE support_topics SET title = ?, team_id = ?, archived_at = ? WHERE id = ?",
                topic->title, topic->team_id, topic->archived_at, topic_id);
        VECHE_RETURN_IF_ERROR(
            Audit(tx, actor.user_id, "support.topic_updated", "support_topic", topic_id, std::move(changed)));
        return *topic;
    });
}

Result<std::vector<Topic>> SupportDesk::ListTopics(const Actor& actor) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Topic>> {
        VECHE_RETURN_IF_ERROR(ViewerOf(tx, roles_, actor.user_id));
        std::vector<Topic> out;
        auto& st = tx.Query("SELECT id, team_id, title, archived_at FROM support_topics ORDER BY title, id");
        while (st.Step()) out.push_back({st.Int(0), st.Int(1), st.Text(2), st.OptInt(3)});
        return out;
    });
}

Result<Agent> SupportDesk::SetAgentScope(const Actor& actor, Id user_id, const std::string& scope) {
    return db_.Write([&](Tx& tx) -> Result<Agent> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        VECHE_RETURN_IF_ERROR(RequireAgentUser(tx, roles_, user_id));
        Agent a = LoadAgent(tx, user_id);
        const std::string was = a.scope;
        a.scope = scope;
        SaveAgent(tx, a);
        // What the agent's WebSocket follows changes with the scope (an administrator sees all anyway).
        VECHE_ASSIGN_OR_RETURN(bool admin, roles_.Can(tx, user_id, kAdminPermission));
        if (!admin && was != scope) {
            if (was == "all" || scope == "all") EmitFollow(tx, user_id, kDeskTopic, kDeskTopicId, scope == "all");
            if (was == "team" || scope == "team")
                for (Id team : a.team_ids) EmitFollow(tx, user_id, kTeamTopic, team, scope == "team");
        }
        VECHE_RETURN_IF_ERROR(
            Audit(tx, actor.user_id, "support.agent_scope_set", "user", user_id, {{"scope", scope}}));
        return LoadAgent(tx, user_id);
    });
}

Result<Agent> SupportDesk::SetAvailability(const Actor& actor, Id user_id, const std::string& availability) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    return db_.Write([&](Tx& tx) -> Result<Agent> {
        if (user_id == actor.user_id) {
            VECHE_RETURN_IF_ERROR(ViewerOf(tx, roles_, actor.user_id));
        } else {
            VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
            VECHE_RETURN_IF_ERROR(RequireAgentUser(tx, roles_, user_id));
        }
        Agent a = LoadAgent(tx, user_id);
        a.availability = availability;
        SaveAgent(tx, a);
        if (availability == "online") VECHE_RETURN_IF_ERROR(Assigner(roles_, bot).DrainForAgent(tx, user_id));
        return LoadAgent(tx, user_id);
    });
}

Result<std::vector<Agent>> SupportDesk::ListAgents(const Actor& actor) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Agent>> {
        VECHE_RETURN_IF_ERROR(ViewerOf(tx, roles_, actor.user_id));
        std::vector<Id> ids;
        auto& st = tx.Query(
            "SELECT user_id FROM support_agents UNION SELECT user_id FROM support_team_members ORDER BY 1");
        while (st.Step()) ids.push_back(st.Int(0));
        std::vector<Agent> out;
        for (Id id : ids) out.push_back(LoadAgent(tx, id));
        return out;
    });
}

}  // namespace veche::support
