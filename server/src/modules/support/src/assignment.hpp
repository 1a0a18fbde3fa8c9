#pragma once
// The balanced assignment engine (MODULES.md §0.3, the Intercom rule): among the team's members who
// are online, hold support.agent and have capacity left, the one with the fewest open conversations;
// on a tie, the one whose last assignment is oldest (a sequence, not a clock, so ties are exact);
// then the smaller user id. Deterministic, and transactional: every function runs in the caller's
// write transaction, and each assignment first increments the assignment counter row, whose lock
// orders assignments of different nodes sharing PostgreSQL.

#include <optional>

#include "veche/core/error.hpp"
#include "veche/storage/database.hpp"
#include "veche/support/types.hpp"

namespace veche::roles {
class RoleService;
}

namespace veche::support {

class Assigner {
public:
    Assigner(const roles::RoleService& roles, Id bot_id) : roles_(roles), bot_id_(bot_id) {}

    // Whether `user_id` may take one more conversation of `team_id` now.
    bool Eligible(storage::Tx& tx, Id team_id, Id user_id) const;
    // The engine's pick for the team, if anyone is eligible.
    std::optional<Id> Pick(storage::Tx& tx, Id team_id) const;
    // Sets (or clears) the assignee, makes them a member of the chat; `c` is updated and saved.
    Status AssignTo(storage::Tx& tx, Conversation& c, std::optional<Id> agent_id) const;
    // The engine's pick for an open conversation; left in the queue when nobody is eligible.
    Status AutoAssign(storage::Tx& tx, Conversation& c) const;
    // `preferred` if eligible (a reopen's last agent, a woken conversation's assignee), else the engine.
    Status AssignPreferring(storage::Tx& tx, Conversation& c, std::optional<Id> preferred) const;
    // Hands queued conversations of the team (oldest first) to eligible agents until none is left.
    Status DrainTeam(storage::Tx& tx, Id team_id) const;
    // DrainTeam for every team of the user (they came online, freed capacity, joined a team).
    Status DrainForAgent(storage::Tx& tx, Id user_id) const;

private:
    const roles::RoleService& roles_;
    Id bot_id_;
};

}  // namespace veche::support
