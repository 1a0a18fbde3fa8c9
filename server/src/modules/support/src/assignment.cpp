#include "assignment.hpp"

#include <vector>

#include "store.hpp"
#include "veche/core/clock.hpp"
#include "veche/roles/role_service.hpp"

namespace veche::support {

using storage::Tx;

namespace {

struct Candidate {
    Id user_id = 0;
    std::int64_t capacity = 0;
    std::int64_t open = 0;
};

// Online members of the team, in the engine's order: fewest open, longest since the last assignment.
std::vector<Candidate> Candidates(Tx& tx, Id team_id, std::optional<Id> only) {
    std::vector<Candidate> out;
    auto& st = tx.Query(
        "SELECT m.user_id, m.capacity, (SELECT COUNT(*) FROM support_conversations c WHERE c.assignee_id = m.user_id "
        "AND c.status = 'open' AND c.deleted_at IS NULL) AS open_count FROM support_team_members m JOIN support_agents a ON a.user_id = "
        "m.user_id JOIN users u ON u.id = m.user_id WHERE m.team_id = ? AND a.availability = 'online' AND "
        "u.deactivated = 0 ORDER BY open_count, COALESCE(a.last_assigned_seq, 0), m.user_id",
        team_id);
    while (st.Step()) {
        Candidate c{st.Int(0), st.Int(1), st.Int(2)};
        if (c.open < c.capacity && (!only || *only == c.user_id)) out.push_back(c);
    }
    return out;
}

}  // namespace

bool Assigner::Eligible(Tx& tx, Id team_id, Id user_id) const {
    for (const auto& c : Candidates(tx, team_id, user_id)) {
        auto can = roles_.Can(tx, c.user_id, kAgentPermission);
        if (can.ok() && *can) return true;
    }
    return false;
}

std::optional<Id> Assigner::Pick(Tx& tx, Id team_id) const {
    for (const auto& c : Candidates(tx, team_id, std::nullopt)) {
        auto can = roles_.Can(tx, c.user_id, kAgentPermission);
        if (can.ok() && *can) return c.user_id;
    }
    return std::nullopt;
}

Status Assigner::AssignTo(Tx& tx, Conversation& c, std::optional<Id> agent_id) const {
    if (agent_id) {
        std::int64_t seq = NextCounter(tx, "assignment");
        tx.Exec(
            "INSERT INTO support_agents(user_id, scope, availability, last_assigned_seq, last_assigned_at, updated_at) "
            "VALUES (?, 'assigned', 'offline', ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET last_assigned_seq = "
            "excluded.last_assigned_seq, last_assigned_at = excluded.last_assigned_at",
            *agent_id, seq, NowMs(), NowMs());
        VECHE_RETURN_IF_ERROR(EnsureChatMember(tx, c.chat_id, bot_id_, *agent_id));
        c.last_assignee_id = agent_id;
    }
    c.assignee_id = agent_id;
    SaveConversation(tx, c);
    return {};
}

Status Assigner::AutoAssign(Tx& tx, Conversation& c) const { return AssignPreferring(tx, c, std::nullopt); }

Status Assigner::AssignPreferring(Tx& tx, Conversation& c, std::optional<Id> preferred) const {
    if (c.status != "open" || !c.team_id) return AssignTo(tx, c, std::nullopt);
    // The lock first: what we read next is what the other nodes' committed assignments left.
    NextCounter(tx, "assignment_lock");
    if (preferred && Eligible(tx, *c.team_id, *preferred)) return AssignTo(tx, c, preferred);
    return AssignTo(tx, c, Pick(tx, *c.team_id));
}

Status Assigner::DrainTeam(Tx& tx, Id team_id) const {
    NextCounter(tx, "assignment_lock");
    for (;;) {
        auto id = tx.QueryInt(
            "SELECT id FROM support_conversations WHERE team_id = ? AND status = 'open' AND assignee_id IS NULL AND "
            "deleted_at IS NULL "
            "ORDER BY COALESCE(waiting_since, created_at), id LIMIT 1",
            team_id);
        if (!id) return {};
        auto agent = Pick(tx, team_id);
        if (!agent) return {};
        auto c = LoadConversation(tx, *id);
        VECHE_RETURN_IF_ERROR(AssignTo(tx, *c, agent));
    }
}

Status Assigner::DrainForAgent(Tx& tx, Id user_id) const {
    std::vector<Id> teams;
    auto& st = tx.Query("SELECT team_id FROM support_team_members WHERE user_id = ? ORDER BY team_id", user_id);
    while (st.Step()) teams.push_back(st.Int(0));
    for (Id t : teams) VECHE_RETURN_IF_ERROR(DrainTeam(tx, t));
    return {};
}

}  // namespace veche::support
