#pragma once
// Who is what in the expert network: the one place that reads the module's roles, for every part
// of the module (communities, applications, and later consultations, events, articles, scores).
//
// Roles are platform grants (veche/roles/role_service.hpp): experts.reservist and experts.moderator
// are global, experts.expert and experts.curator are granted on the scope {"experts_community", id}.
// A system administrator holds every permission, so counts as moderator and as curator and expert
// of every community in the checks (Is…), but never appears in the lists (Holders), which read the
// grants themselves.
//
// Every function runs in the caller's transaction, so a check and the change it guards commit
// together. Stateless apart from the RoleService reference; thread-safe.

#include <string_view>
#include <vector>

#include "veche/core/ids.hpp"
#include "veche/roles/role_service.hpp"
#include "veche/storage/database.hpp"

namespace veche::experts {

inline constexpr std::string_view kScopeKind = "experts_community";

// Permissions (Module::permissions) and the system roles holding them (Module::roles).
inline constexpr std::string_view kPermReservist = "experts.reservist";
inline constexpr std::string_view kPermExpert = "experts.expert";
inline constexpr std::string_view kPermCurate = "experts.curate";
inline constexpr std::string_view kPermModerate = "experts.moderate";

inline constexpr std::string_view kRoleReservist = "experts.reservist";
inline constexpr std::string_view kRoleExpert = "experts.expert";
inline constexpr std::string_view kRoleCurator = "experts.curator";
inline constexpr std::string_view kRoleModerator = "experts.moderator";

inline roles::Scope CommunityScope(Id community_id) { return {std::string(kScopeKind), community_id}; }

class Access {
public:
    explicit Access(const roles::RoleService& roles) : roles_(roles) {}

    const roles::RoleService& roles() const { return roles_; }

    bool IsModerator(storage::Tx& tx, Id user_id) const;
    bool IsCurator(storage::Tx& tx, Id user_id, Id community_id) const;
    bool IsExpert(storage::Tx& tx, Id user_id, Id community_id) const;
    // Holds experts.reservist (an application submitted and not yet decided).
    bool IsReservist(storage::Tx& tx, Id user_id) const;
    // Curator of at least one community (or a moderator or administrator): may open the review queue.
    bool IsAnyCurator(storage::Tx& tx, Id user_id) const;
    // Holds experts.expert in some community, through a grant (not through being an administrator).
    bool HoldsExpertAnywhere(storage::Tx& tx, Id user_id) const;

    // Whether `user_id` may see the community: it exists, and is open to all, or the user is a
    // subscriber, an expert or a curator there, or a moderator. Archived communities stay visible
    // (read-only) to those who could see them.
    bool CommunityVisible(storage::Tx& tx, Id user_id, Id community_id) const;
    // The communities `user_id` may see (ids, ascending), archived ones included.
    std::vector<Id> VisibleCommunities(storage::Tx& tx, Id user_id) const;

    // The users holding `role_name` (kRoleExpert, kRoleCurator) on the community by a grant, ascending,
    // deactivated accounts left out.
    std::vector<Id> Holders(storage::Tx& tx, std::string_view role_name, Id community_id) const;
    // The roles (expert, curator, as short names) `user_id` holds on the community by a grant.
    std::vector<std::string> RolesIn(storage::Tx& tx, Id user_id, Id community_id) const;

private:
    bool Can(storage::Tx& tx, Id user_id, std::string_view permission, const roles::Scope& scope = {}) const;

    const roles::RoleService& roles_;
};

}  // namespace veche::experts
