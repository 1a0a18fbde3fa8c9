#include "veche/experts/access.hpp"

namespace veche::experts {

using storage::Tx;

bool Access::Can(Tx& tx, Id user_id, std::string_view permission, const roles::Scope& scope) const {
    auto ok = roles_.Can(tx, user_id, permission, scope);
    return ok.ok() && *ok;
}

bool Access::IsModerator(Tx& tx, Id user_id) const { return Can(tx, user_id, kPermModerate); }

bool Access::IsCurator(Tx& tx, Id user_id, Id community_id) const {
    return Can(tx, user_id, kPermCurate, CommunityScope(community_id));
}

bool Access::IsExpert(Tx& tx, Id user_id, Id community_id) const {
    return Can(tx, user_id, kPermExpert, CommunityScope(community_id));
}

bool Access::IsReservist(Tx& tx, Id user_id) const {
    return tx
        .QueryInt(
            "SELECT 1 FROM roles_grants g JOIN roles_catalog r ON r.id = g.role_id "
            "WHERE g.user_id = ? AND r.name = ? LIMIT 1",
            user_id, kRoleReservist)
        .has_value();
}

bool Access::IsAnyCurator(Tx& tx, Id user_id) const {
    if (IsModerator(tx, user_id)) return true;
    return tx
        .QueryInt(
            "SELECT 1 FROM roles_grants g JOIN roles_permissions p ON p.role_id = g.role_id "
            "JOIN roles_catalog r ON r.id = g.role_id AND r.archived_at IS NULL "
            "WHERE g.user_id = ? AND p.permission = ? LIMIT 1",
            user_id, kPermCurate)
        .has_value();
}

bool Access::HoldsExpertAnywhere(Tx& tx, Id user_id) const {
    return tx
        .QueryInt(
            "SELECT 1 FROM roles_grants g JOIN roles_catalog r ON r.id = g.role_id "
            "WHERE g.user_id = ? AND r.name = ? LIMIT 1",
            user_id, kRoleExpert)
        .has_value();
}

bool Access::CommunityVisible(Tx& tx, Id user_id, Id community_id) const {
    auto& st = tx.Query("SELECT visibility FROM experts_communities WHERE id = ?", community_id);
    if (!st.Step()) return false;
    std::string visibility = st.Text(0);
    while (st.Step()) {
    }
    if (visibility == "all") return true;
    if (tx.QueryInt("SELECT 1 FROM experts_members WHERE community_id = ? AND user_id = ?", community_id,
                    user_id))
        return true;
    if (IsModerator(tx, user_id)) return true;
    return !RolesIn(tx, user_id, community_id).empty();
}

std::vector<Id> Access::VisibleCommunities(Tx& tx, Id user_id) const {
    std::vector<Id> out;
    if (IsModerator(tx, user_id)) {
        auto& st = tx.Query("SELECT id FROM experts_communities ORDER BY id");
        while (st.Step()) out.push_back(st.Int(0));
        return out;
    }
    auto& st = tx.Query(
        "SELECT c.id FROM experts_communities c WHERE c.visibility = 'all' "
        "OR EXISTS (SELECT 1 FROM experts_members m WHERE m.community_id = c.id AND m.user_id = ?) "
        "OR EXISTS (SELECT 1 FROM roles_grants g WHERE g.user_id = ? AND g.scope_kind = ? AND g.scope_id = "
        "c.id) "
        "ORDER BY c.id",
        user_id, user_id, kScopeKind);
    while (st.Step()) out.push_back(st.Int(0));
    return out;
}

std::vector<Id> Access::Holders(Tx& tx, std::string_view role_name, Id community_id) const {
    std::vector<Id> out;
    auto& st = tx.Query(
        "SELECT g.user_id FROM roles_grants g JOIN roles_catalog r ON r.id = g.role_id "
        "JOIN users u ON u.id = g.user_id AND u.deactivated = 0 "
        "WHERE r.name = ? AND g.scope_kind = ? AND g.scope_id = ? ORDER BY g.user_id",
        role_name, kScopeKind, community_id);
    while (st.Step()) out.push_back(st.Int(0));
    return out;
}

std::vector<std::string> Access::RolesIn(Tx& tx, Id user_id, Id community_id) const {
    std::vector<std::string> out;
    auto& st = tx.Query(
        "SELECT r.name FROM roles_grants g JOIN roles_catalog r ON r.id = g.role_id "
        "WHERE g.user_id = ? AND g.scope_kind = ? AND g.scope_id = ? ORDER BY r.name",
        user_id, kScopeKind, community_id);
    while (st.Step()) {
        std::string name = st.Text(0);
        if (name == kRoleCurator) out.emplace_back("curator");
        if (name == kRoleExpert) out.emplace_back("expert");
    }
    return out;
}

}  // namespace veche::experts
