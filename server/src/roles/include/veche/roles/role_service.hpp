#pragma once
// Roles and permissions (SEC-4, SUP-10, EXP-1): a platform service below every module.
//
// A permission is a string a module declares ("audit.read", later "support.agent"); a role is a
// named set of permissions, stored in roles_catalog / roles_permissions; a grant gives a role to a
// user, globally or within one scope (a queue, a community: scope kind + id), in roles_grants.
// System roles are declared in code (platform::RoleSpec) and written at start by SyncSystemRoles:
// their permissions follow the code; they cannot be renamed, edited or archived. Custom roles are
// made by holders of roles.manage.
//
// The administrator. The system role `admin` holds every permission. Its holders are exactly the
// users with users.role = 'admin' (what `is_admin` has always meant): granting or revoking `admin`
// here writes that column, and PATCH /api/v1/users/{id} {"role"} is the same grant seen from
// accounts, so the two can never disagree; there is no roles_grants row for admin. The last active
// administrator cannot lose the role (409 last_admin).
//
// Archiving. An archived role keeps its row, its permissions and its grants (history, reports
// naming it), cannot be granted any more, and its grants confer nothing: Can ignores them.
//
// Escalation. A holder of roles.manage who is not an administrator may create, change, grant and
// revoke only roles whose every permission they hold themselves; only administrators grant `admin`.
//
// Every change is recorded in the audit log in its own transaction (role.created, role.updated,
// role.archived, role.granted, role.revoked). There is no cache: Can is one indexed query, so a
// change is seen at once on every node of a cluster.
//
// Thread safety: built and synced on the main thread; then every method is thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"
#include "veche/platform/permissions.hpp"
#include "veche/storage/database.hpp"
#include "veche/storage/migration.hpp"

namespace veche::roles {

// The module key of the roles_ tables in module_migrations; after the job queue's.
storage::ModuleSchema Schema();

inline constexpr std::string_view kAdminRole = "admin";
// The platform's own permissions (the Assembly declares them beside the modules').
inline constexpr std::string_view kAuditRead = "audit.read";
inline constexpr std::string_view kJobsManage = "jobs.manage";
inline constexpr std::string_view kUsersManage = "users.manage";
inline constexpr std::string_view kRolesManage = "roles.manage";
inline constexpr std::string_view kCalendarManage = "calendar.manage";

inline constexpr std::size_t kMaxNameBytes = 64;
inline constexpr std::size_t kMaxTitleChars = 100;
inline constexpr std::size_t kMaxDescriptionChars = 1000;
inline constexpr std::size_t kMaxPermissionsPerRole = 200;

// Where a grant applies. kind "" is everywhere; otherwise ("support_queue", 42) for one object.
struct Scope {
    std::string kind;
    Id id = 0;
    bool global() const { return kind.empty(); }
};

struct Role {
    Id id = 0;
    std::string name;
    std::string title;
    std::string description;
    bool system = false;
    std::optional<std::int64_t> archived_at;
    std::vector<std::string> permissions;  // sorted; for admin: every declared permission
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

struct Grant {
    Id user_id = 0;
    Id role_id = 0;
    std::string role_name;
    std::string role_title;
    bool role_archived = false;
    Scope scope;
    std::optional<Id> granted_by;  // none for admin (see above) and for grants by the system
    std::int64_t granted_at = 0;   // 0 for admin
};

struct NewRole {
    std::string name;
    std::string title;
    std::string description;
    std::vector<std::string> permissions;
};

struct RoleChange {
    std::optional<std::string> title;
    std::optional<std::string> description;
    std::optional<std::vector<std::string>> permissions;
};

// A change of what one user may do, told to the modules in the transaction that makes it.
struct GrantsChange {
    Id user_id = 0;
    // The permissions of the role granted, revoked, changed (before and after) or archived.
    std::vector<std::string> permissions;
    // The user became an administrator or stopped being one (every permission changed).
    bool admin_changed = false;
    bool Touches(std::string_view permission) const {
        if (admin_changed) return true;
        for (const auto& p : permissions)
            if (p == permission) return true;
        return false;
    }
};

// Who asks, for the checks and the audit entry.
struct By {
    Id user_id = 0;
    std::string ip;
};

class RoleService {
public:
    // `permissions` and `system_roles`: the platform's and every module's. Throws std::logic_error
    // for a duplicate, a malformed name, or a role naming an undeclared permission (wiring bugs).
    RoleService(storage::Database& db, std::vector<platform::PermissionSpec> permissions,
                std::vector<platform::RoleSpec> system_roles);

    // Writes the declared system roles (and `admin`) into the catalog: created, or their title,
    // description and permissions brought to what the code says. Idempotent; every node runs it.
    Status SyncSystemRoles();

    const std::vector<platform::PermissionSpec>& permissions() const { return permissions_; }
    bool IsPermission(std::string_view name) const;

    // Whether `user_id` holds `permission` (globally, or within `scope`): an administrator always;
    // else through a grant of an unarchived role holding it, global or on exactly that scope.
    // In the caller's transaction, so that the check and the change it guards commit together.
    Result<bool> Can(storage::Tx& tx, Id user_id, std::string_view permission, const Scope& scope = {}) const;
    // Can, or kForbidden with the code `permission_required` naming the permission.
    Status Require(storage::Tx& tx, Id user_id, std::string_view permission, const Scope& scope = {}) const;
    // Require in a read transaction of its own, for routes that only read.
    Status Require(Id user_id, std::string_view permission, const Scope& scope = {});

    // The permissions `user_id` holds everywhere (sorted), and their grants: GET /users/me/permissions.
    Result<std::vector<std::string>> GlobalPermissionsOf(Id user_id);

    // The catalog (roles.manage). Archived roles too when asked.
    Result<std::vector<Role>> ListRoles(Id by, bool include_archived);
    Result<Role> CreateRole(const By& by, const NewRole& spec);
    Result<Role> UpdateRole(const By& by, Id role_id, const RoleChange& change);
    Result<Role> ArchiveRole(const By& by, Id role_id);

    // A user's grants, archived roles' included (roles.manage, or the user themself).
    Result<std::vector<Grant>> ListGrants(Id by, Id user_id);
    // 409 role_archived, already_granted; 404 user_not_found, role_not_found.
    Result<Grant> GrantRole(const By& by, Id user_id, Id role_id, const Scope& scope = {});
    // 404 grant_not_found; 409 last_admin.
    Status RevokeRole(const By& by, Id user_id, Id role_id, const Scope& scope = {});

    // For a module that hands out its own system roles by its own rules (the expert network grants
    // experts.reservist when an application is submitted, a moderator grants experts.curator): in
    // the caller's write transaction, without the roles.manage check (the caller has decided),
    // audited as role.granted / role.revoked by `by` (0: the system) and told to the grants-changed
    // hooks like any grant. Only system roles other than admin. GrantSystemRole returns false when
    // the grant was already there; RevokeSystemRole false when there was none.
    Result<bool> GrantSystemRole(storage::Tx& tx, Id by, Id user_id, std::string_view role_name,
                                 const Scope& scope = {}) const;
    Result<bool> RevokeSystemRole(storage::Tx& tx, Id by, Id user_id, std::string_view role_name,
                                  const Scope& scope = {}) const;

    // Called in the transaction that makes a user an administrator or not (users.role changed),
    // so that the accounts module can tell clients (user.updated). Set before serving.
    void SetUserChangedHook(std::function<Status(storage::Tx&, Id user_id)> hook) {
        user_changed_ = std::move(hook);
    }

    // Modules whose realtime audiences follow from permissions (support's desk and team topics)
    // re-address a user's topics here, so a revoked role stops the events at once rather than at
    // the user's next connection. Called in the change's transaction, for a grant or revoke (the
    // admin role's too, and accounts' role changes), and for every holder of a role whose
    // permissions change or which is archived. Add before serving; an error rolls the change back.
    using GrantsChangedHook = std::function<Status(storage::Tx&, const GrantsChange&)>;
    void AddGrantsChangedHook(GrantsChangedHook hook) { grants_changed_.push_back(std::move(hook)); }
    Status NotifyGrantsChanged(storage::Tx& tx, const GrantsChange& change) const;

private:
    // NotifyGrantsChanged for every holder of `role_id` (updated or archived).
    Status NotifyHolders(storage::Tx& tx, Id role_id, const std::vector<std::string>& permissions) const;
    Result<Role> LoadRole(storage::Tx& tx, Id role_id) const;
    // kForbidden unless `by` may manage a role holding `permissions` (the escalation rule).
    Status CheckCanManage(storage::Tx& tx, Id by, const std::vector<std::string>& permissions) const;
    Status CheckPermissions(const std::vector<std::string>& permissions) const;
    std::vector<std::string> AllPermissionNames() const;

    storage::Database& db_;
    std::vector<platform::PermissionSpec> permissions_;
    std::set<std::string, std::less<>> permission_names_;
    std::vector<platform::RoleSpec> system_roles_;
    std::function<Status(storage::Tx&, Id)> user_changed_;
    std::vector<GrantsChangedHook> grants_changed_;
};

// Names of roles and permissions: 1 to 64 bytes of [a-z0-9_.-], starting with a letter.
bool ValidName(std::string_view name);

}  // namespace veche::roles
