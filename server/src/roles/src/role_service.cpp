#include "veche/roles/role_service.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "veche/audit/audit.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/text.hpp"

namespace veche::roles {
namespace {

namespace bj = boost::json;
using storage::Tx;

constexpr std::string_view kRoleColumns =
    "id, name, title, description, system, archived_at, created_at, updated_at";

Role ReadRole(storage::Statement& st) {
    Role r;
    r.id = st.Int(0);
    r.name = st.Text(1);
    r.title = st.Text(2);
    r.description = st.Text(3);
    r.system = st.Int(4) != 0;
    r.archived_at = st.OptInt(5);
    r.created_at = st.Int(6);
    r.updated_at = st.Int(7);
    return r;
}

std::vector<std::string> RolePermissions(Tx& tx, Id role_id) {
    std::vector<std::string> out;
    auto& st =
        tx.Query("SELECT permission FROM roles_permissions WHERE role_id = ? ORDER BY permission", role_id);
    while (st.Step()) out.push_back(st.Text(0));
    return out;
}

void SetPermissions(Tx& tx, Id role_id, const std::vector<std::string>& permissions) {
    tx.Exec("DELETE FROM roles_permissions WHERE role_id = ?", role_id);
    for (const auto& p : permissions)
        tx.Exec("INSERT INTO roles_permissions(role_id, permission) VALUES (?, ?) ON CONFLICT DO NOTHING",
                role_id, p);
}

bool IsAdminUser(Tx& tx, Id user_id) {
    return tx.QueryInt("SELECT 1 FROM users WHERE id = ? AND role = 'admin' AND deactivated = 0", user_id)
        .has_value();
}

Status Audit(Tx& tx, const By& by, std::string action, std::string target_kind, Id target, bj::object data) {
    return audit::Record(
        tx, {by.user_id, by.ip, std::move(action), std::move(target_kind), target, bj::serialize(data)});
}

bj::array ToJsonArray(const std::vector<std::string>& v) {
    bj::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
}

std::vector<std::string> Normalized(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

Status ValidateTitle(const std::string& title) {
    std::size_t n = text::CodePointCount(title);
    if (n < 1 || n > kMaxTitleChars)
        return Error::InvalidArgument("field 'title' must be 1 to " + std::to_string(kMaxTitleChars) +
                                      " characters");
    return {};
}

Status ValidateDescription(const std::string& d) {
    if (text::CodePointCount(d) > kMaxDescriptionChars)
        return Error::InvalidArgument("field 'description' must be up to " +
                                      std::to_string(kMaxDescriptionChars) + " characters");
    return {};
}

bj::object ScopeData(const Scope& scope) {
    if (scope.global()) return {};
    return bj::object{{"scope_kind", scope.kind}, {"scope_id", IdToString(scope.id)}};
}

}  // namespace

bool ValidName(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameBytes) return false;
    if (name[0] < 'a' || name[0] > 'z') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    });
}

RoleService::RoleService(storage::Database& db, std::vector<platform::PermissionSpec> permissions,
                         std::vector<platform::RoleSpec> system_roles)
    : db_(db), permissions_(std::move(permissions)), system_roles_(std::move(system_roles)) {
    for (const auto& p : permissions_) {
        if (!ValidName(p.name)) throw std::logic_error("malformed permission name: " + std::string(p.name));
        if (!permission_names_.emplace(p.name).second)
            throw std::logic_error("permission declared twice: " + std::string(p.name));
    }
    std::set<std::string_view> role_names{kAdminRole};
    for (const auto& r : system_roles_) {
        if (!ValidName(r.name) || !role_names.insert(r.name).second)
            throw std::logic_error("malformed or duplicate system role: " + std::string(r.name));
        for (auto p : r.permissions)
            if (!IsPermission(p))
                throw std::logic_error("role " + std::string(r.name) + " names undeclared permission " +
                                       std::string(p));
    }
}

bool RoleService::IsPermission(std::string_view name) const { return permission_names_.count(name) != 0; }

std::vector<std::string> RoleService::AllPermissionNames() const {
    return {permission_names_.begin(), permission_names_.end()};
}

Status RoleService::SyncSystemRoles() {
    return db_.Write([&](Tx& tx) -> Status {
        auto upsert = [&](std::string_view name, std::string_view title, std::string_view description) -> Id {
            std::int64_t now = NowMs();
            // ON CONFLICT keeps the id (and archived_at: a system role is never archived).
            tx.Exec(
                "INSERT INTO roles_catalog(id, name, title, description, system, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT(name) DO UPDATE SET title = excluded.title, "
                "description = excluded.description, system = 1",
                GlobalIds().Next(), name, title, description, now, now);
            return *tx.QueryInt("SELECT id FROM roles_catalog WHERE name = ?", name);
        };
        upsert(kAdminRole, "Administrator", "Every permission; the users whose role is admin.");
        for (const auto& r : system_roles_) {
            Id id = upsert(r.name, r.title, r.description);
            SetPermissions(tx, id, Normalized({r.permissions.begin(), r.permissions.end()}));
        }
        return {};
    });
}

Result<bool> RoleService::Can(Tx& tx, Id user_id, std::string_view permission, const Scope& scope) const {
    auto hit = tx.QueryInt(
        "SELECT 1 FROM users WHERE id = ? AND role = 'admin' AND deactivated = 0 "
        "UNION ALL "
        "SELECT 1 FROM roles_grants g JOIN roles_permissions p ON p.role_id = g.role_id AND p.permission = ? "
        "JOIN roles_catalog r ON r.id = g.role_id AND r.archived_at IS NULL "
        "JOIN users u ON u.id = g.user_id AND u.deactivated = 0 "
        "WHERE g.user_id = ? AND (g.scope_kind = '' OR (g.scope_kind = ? AND g.scope_id = ?)) "
        "LIMIT 1",
        user_id, permission, user_id, scope.kind, scope.id);
    return hit.has_value();
}

Status RoleService::Require(Tx& tx, Id user_id, std::string_view permission, const Scope& scope) const {
    VECHE_ASSIGN_OR_RETURN(bool ok, Can(tx, user_id, permission, scope));
    if (!ok) return Error::Forbidden("the permission '" + std::string(permission) + "' is required");
    return {};
}

Status RoleService::Require(Id user_id, std::string_view permission, const Scope& scope) {
    return db_.Read([&](Tx& tx) -> Status { return Require(tx, user_id, permission, scope); });
}

Result<std::vector<std::string>> RoleService::GlobalPermissionsOf(Id user_id) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<std::string>> {
        if (IsAdminUser(tx, user_id)) return AllPermissionNames();
        std::vector<std::string> out;
        auto& st = tx.Query(
            "SELECT DISTINCT p.permission FROM roles_grants g "
            "JOIN roles_permissions p ON p.role_id = g.role_id "
            "JOIN roles_catalog r ON r.id = g.role_id AND r.archived_at IS NULL "
            "WHERE g.user_id = ? AND g.scope_kind = '' ORDER BY p.permission",
            user_id);
        while (st.Step()) {
            // A permission no module declares any more (a module removed) confers nothing visible.
            if (IsPermission(st.Text(0))) out.push_back(st.Text(0));
        }
        return out;
    });
}

Result<Role> RoleService::LoadRole(Tx& tx, Id role_id) const {
    auto& st = tx.Query("SELECT " + std::string(kRoleColumns) + " FROM roles_catalog WHERE id = ?", role_id);
    if (!st.Step()) return Error::NotFound("role");
    Role r = ReadRole(st);
    while (st.Step()) {
    }
    r.permissions = r.name == kAdminRole ? AllPermissionNames() : RolePermissions(tx, r.id);
    return r;
}

Status RoleService::CheckPermissions(const std::vector<std::string>& permissions) const {
    if (permissions.size() > kMaxPermissionsPerRole)
        return Error::InvalidArgument("a role holds at most " + std::to_string(kMaxPermissionsPerRole) +
                                      " permissions");
    for (const auto& p : permissions)
        if (!IsPermission(p))
            return Error{ErrorCode::kInvalidArgument, "unknown_permission", "unknown permission '" + p + "'"};
    return {};
}

Status RoleService::CheckCanManage(Tx& tx, Id by, const std::vector<std::string>& permissions) const {
    if (IsAdminUser(tx, by)) return {};
    VECHE_RETURN_IF_ERROR(Require(tx, by, kRolesManage));
    for (const auto& p : permissions) {
        VECHE_ASSIGN_OR_RETURN(bool held, Can(tx, by, p));
        if (!held)
            return Error{ErrorCode::kForbidden, "permission_not_held",
                         "only a holder of '" + p + "' may give it to others"};
    }
    return {};
}

Result<std::vector<Role>> RoleService::ListRoles(Id by, bool include_archived) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Role>> {
        VECHE_RETURN_IF_ERROR(Require(tx, by, kRolesManage));
        std::vector<Role> out;
        {
            auto& st = tx.Query("SELECT " + std::string(kRoleColumns) + " FROM roles_catalog " +
                                (include_archived ? "" : "WHERE archived_at IS NULL ") +
                                "ORDER BY system DESC, name");
            while (st.Step()) out.push_back(ReadRole(st));
        }
        for (auto& r : out)
            r.permissions = r.name == kAdminRole ? AllPermissionNames() : RolePermissions(tx, r.id);
        return out;
    });
}

Result<Role> RoleService::CreateRole(const By& by, const NewRole& spec_in) {
    NewRole spec = spec_in;
    if (!ValidName(spec.name))
        return Error::InvalidArgument(
            "field 'name' must be 1 to 64 of a-z, 0-9, '_', '.', '-', starting with a letter");
    // Dotted names are the modules' ("support.agent"): a custom role must not take one first.
    if (spec.name.find('.') != std::string::npos || spec.name == kAdminRole)
        return Error{ErrorCode::kInvalidArgument, "role_name_reserved",
                     "names with a '.' and 'admin' are reserved for system roles"};
    VECHE_RETURN_IF_ERROR(ValidateTitle(spec.title));
    VECHE_RETURN_IF_ERROR(ValidateDescription(spec.description));
    spec.permissions = Normalized(spec.permissions);
    VECHE_RETURN_IF_ERROR(CheckPermissions(spec.permissions));
    return db_.Write([&](Tx& tx) -> Result<Role> {
        VECHE_RETURN_IF_ERROR(CheckCanManage(tx, by.user_id, spec.permissions));
        Id id = GlobalIds().Next();
        std::int64_t now = NowMs();
        // DO NOTHING rather than a check first: two nodes creating one name both get an answer.
        tx.Exec(
            "INSERT INTO roles_catalog(id, name, title, description, system, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT(name) DO NOTHING",
            id, spec.name, spec.title, spec.description, now, now);
        if (tx.Changes() == 0) return Error::Conflict("role_name_taken", "a role with this name exists");
        SetPermissions(tx, id, spec.permissions);
        VECHE_RETURN_IF_ERROR(Audit(tx, by, "role.created", "role", id,
                                    {{"name", spec.name}, {"permissions", ToJsonArray(spec.permissions)}}));
        return LoadRole(tx, id);
    });
}

Result<Role> RoleService::UpdateRole(const By& by, Id role_id, const RoleChange& change_in) {
    RoleChange change = change_in;
    if (change.title) VECHE_RETURN_IF_ERROR(ValidateTitle(*change.title));
    if (change.description) VECHE_RETURN_IF_ERROR(ValidateDescription(*change.description));
    if (change.permissions) {
        change.permissions = Normalized(*change.permissions);
        VECHE_RETURN_IF_ERROR(CheckPermissions(*change.permissions));
    }
    return db_.Write([&](Tx& tx) -> Result<Role> {
        VECHE_RETURN_IF_ERROR(Require(tx, by.user_id, kRolesManage));
        VECHE_ASSIGN_OR_RETURN(Role before, LoadRole(tx, role_id));
        if (before.system)
            return Error::Conflict("system_role",
                                   "system roles are defined by the server and cannot be changed");
        if (before.archived_at) return Error::Conflict("role_archived", "the role is archived");
        // The escalation rule covers what the role holds before and after the change.
        std::vector<std::string> touched = before.permissions;
        if (change.permissions)
            touched.insert(touched.end(), change.permissions->begin(), change.permissions->end());
        VECHE_RETURN_IF_ERROR(CheckCanManage(tx, by.user_id, Normalized(touched)));
        Role after = before;
        if (change.title) after.title = *change.title;
        if (change.description) after.description = *change.description;
        if (change.permissions) after.permissions = *change.permissions;
        tx.Exec("UPDATE roles_catalog SET title = ?, description = ?, updated_at = ? WHERE id = ?",
                after.title, after.description, NowMs(), role_id);
        if (change.permissions) SetPermissions(tx, role_id, after.permissions);
        bj::object data{{"name", before.name}};
        if (after.title != before.title)
            data["title"] = bj::object{{"from", before.title}, {"to", after.title}};
        if (after.description != before.description) data["description_changed"] = true;
        if (after.permissions != before.permissions)
            data["permissions"] =
                bj::object{{"from", ToJsonArray(before.permissions)}, {"to", ToJsonArray(after.permissions)}};
        VECHE_RETURN_IF_ERROR(Audit(tx, by, "role.updated", "role", role_id, std::move(data)));
        if (after.permissions != before.permissions) VECHE_RETURN_IF_ERROR(NotifyHolders(tx, role_id, touched));
        return LoadRole(tx, role_id);
    });
}

Result<Role> RoleService::ArchiveRole(const By& by, Id role_id) {
    return db_.Write([&](Tx& tx) -> Result<Role> {
        VECHE_RETURN_IF_ERROR(Require(tx, by.user_id, kRolesManage));
        VECHE_ASSIGN_OR_RETURN(Role role, LoadRole(tx, role_id));
        if (role.system) return Error::Conflict("system_role", "system roles cannot be archived");
        if (role.archived_at) return Error::Conflict("role_archived", "the role is already archived");
        VECHE_RETURN_IF_ERROR(CheckCanManage(tx, by.user_id, role.permissions));
        std::int64_t now = NowMs();
        tx.Exec("UPDATE roles_catalog SET archived_at = ?, updated_at = ? WHERE id = ?", now, now, role_id);
        auto holders =
            tx.QueryInt("SELECT COUNT(*) FROM roles_grants WHERE role_id = ?", role_id).value_or(0);
        VECHE_RETURN_IF_ERROR(
            Audit(tx, by, "role.archived", "role", role_id, {{"name", role.name}, {"grants_kept", holders}}));
        VECHE_RETURN_IF_ERROR(NotifyHolders(tx, role_id, role.permissions));
        return LoadRole(tx, role_id);
    });
}

Result<std::vector<Grant>> RoleService::ListGrants(Id by, Id user_id) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Grant>> {
        if (by != user_id) VECHE_RETURN_IF_ERROR(Require(tx, by, kRolesManage));
        auto is_user = tx.QueryInt("SELECT 1 FROM users WHERE id = ?", user_id);
        if (!is_user) return Error::NotFound("user");
        std::vector<Grant> out;
        if (tx.QueryInt("SELECT 1 FROM users WHERE id = ? AND role = 'admin'", user_id)) {
            auto& st = tx.Query("SELECT id, title FROM roles_catalog WHERE name = ?", kAdminRole);
            if (st.Step())
                out.push_back({user_id, st.Int(0), std::string(kAdminRole), st.Text(1), false, {}, {}, 0});
            while (st.Step()) {
            }
        }
        auto& st = tx.Query(
            "SELECT g.role_id, r.name, r.title, r.archived_at, g.scope_kind, g.scope_id, g.granted_by, "
            "g.granted_at "
            "FROM roles_grants g JOIN roles_catalog r ON r.id = g.role_id WHERE g.user_id = ? "
            "ORDER BY r.name, g.scope_kind, g.scope_id",
            user_id);
        while (st.Step()) {
            Grant g;
            g.user_id = user_id;
            g.role_id = st.Int(0);
            g.role_name = st.Text(1);
            g.role_title = st.Text(2);
            g.role_archived = !st.IsNull(3);
            g.scope = {st.Text(4), st.Int(5)};
            g.granted_by = st.OptInt(6);
            g.granted_at = st.Int(7);
            out.push_back(std::move(g));
        }
        return out;
    });
}

Result<Grant> RoleService::GrantRole(const By& by, Id user_id, Id role_id, const Scope& scope) {
    if (!scope.global() && (!ValidName(scope.kind) || scope.id <= 0))
        return Error::InvalidArgument("a scope is a kind (a-z, 0-9, '_', '.', '-') and a positive id");
    return db_.Write([&](Tx& tx) -> Result<Grant> {
        VECHE_RETURN_IF_ERROR(Require(tx, by.user_id, kRolesManage));
        VECHE_ASSIGN_OR_RETURN(Role role, LoadRole(tx, role_id));
        auto username = [&]() -> std::optional<std::string> {
            auto& st = tx.Query("SELECT username FROM users WHERE id = ?", user_id);
            if (!st.Step()) return std::nullopt;
            std::string name = st.Text(0);
            while (st.Step()) {
            }
            return name;
        }();
        if (!username) return Error::NotFound("user");
        if (role.archived_at) return Error::Conflict("role_archived", "an archived role cannot be granted");
        bj::object data = ScopeData(scope);
        data["role"] = role.name;
        data["username"] = *username;
        Grant g{user_id, role_id, role.name, role.title, false, scope, by.user_id, NowMs()};
        if (role.name == kAdminRole) {
            if (!scope.global()) return Error::InvalidArgument("the admin role is granted globally only");
            if (!IsAdminUser(tx, by.user_id))
                return Error::Forbidden("only administrators grant the admin role");
            if (tx.QueryInt("SELECT 1 FROM users WHERE id = ? AND role = 'admin'", user_id))
                return Error::Conflict("already_granted", "the user already holds this role");
            // The same rule as accounts' PATCH /users/{id}: a guest is made a user first, a bot never.
            if (tx.QueryInt("SELECT 1 FROM users WHERE id = ? AND role IN ('guest', 'bot')", user_id))
                return Error::Conflict(
                    "role_change_refused",
                    "guests and bots cannot hold the admin role (make a guest a user first)");
            tx.Exec("UPDATE users SET role = 'admin', updated_at = ? WHERE id = ?", NowMs(), user_id);
            if (user_changed_) VECHE_RETURN_IF_ERROR(user_changed_(tx, user_id));
            g.granted_by.reset();
            g.granted_at = 0;
        } else {
            VECHE_RETURN_IF_ERROR(CheckCanManage(tx, by.user_id, role.permissions));
            tx.Exec(
                "INSERT INTO roles_grants(user_id, role_id, scope_kind, scope_id, granted_by, granted_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                user_id, role_id, scope.kind, scope.id, by.user_id, g.granted_at);
            if (tx.Changes() == 0)
                return Error::Conflict("already_granted", "the user already holds this role");
        }
        VECHE_RETURN_IF_ERROR(Audit(tx, by, "role.granted", "user", user_id, std::move(data)));
        VECHE_RETURN_IF_ERROR(NotifyGrantsChanged(tx, {user_id, role.permissions, role.name == kAdminRole}));
        return g;
    });
}

Status RoleService::RevokeRole(const By& by, Id user_id, Id role_id, const Scope& scope) {
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_RETURN_IF_ERROR(Require(tx, by.user_id, kRolesManage));
        VECHE_ASSIGN_OR_RETURN(Role role, LoadRole(tx, role_id));
        if (!tx.QueryInt("SELECT 1 FROM users WHERE id = ?", user_id)) return Error::NotFound("user");
        bj::object data = ScopeData(scope);
        data["role"] = role.name;
        if (role.name == kAdminRole) {
            if (!IsAdminUser(tx, by.user_id))
                return Error::Forbidden("only administrators revoke the admin role");
            if (!scope.global() ||
                !tx.QueryInt("SELECT 1 FROM users WHERE id = ? AND role = 'admin'", user_id))
                return Error::NotFound("grant");
            // Two nodes revoking two admins at once must not both see the other one still there: in
            // PostgreSQL the admins' rows are locked (a waiter re-reads them after the first commits);
            // SQLite's one writer is alone anyway.
            std::int64_t admins = 0;
            auto& st =
                tx.Query(tx.dialect() == storage::Dialect::kPostgres
                             ? "SELECT id FROM users WHERE role = 'admin' AND deactivated = 0 FOR UPDATE"
                             : "SELECT id FROM users WHERE role = 'admin' AND deactivated = 0");
            while (st.Step()) ++admins;
            if (IsAdminUser(tx, user_id) && admins <= 1)
                return Error::Conflict("last_admin",
                                       "the last active administrator cannot lose the admin role");
            tx.Exec("UPDATE users SET role = 'user', updated_at = ? WHERE id = ?", NowMs(), user_id);
            if (user_changed_) VECHE_RETURN_IF_ERROR(user_changed_(tx, user_id));
        } else {
            // Revoking an archived role's grant is allowed (it confers nothing; this only tidies).
            if (!role.archived_at) VECHE_RETURN_IF_ERROR(CheckCanManage(tx, by.user_id, role.permissions));
            tx.Exec(
                "DELETE FROM roles_grants WHERE user_id = ? AND role_id = ? AND scope_kind = ? AND scope_id "
                "= ?",
                user_id, role_id, scope.kind, scope.id);
            if (tx.Changes() == 0) return Error::NotFound("grant");
        }
        VECHE_RETURN_IF_ERROR(Audit(tx, by, "role.revoked", "user", user_id, std::move(data)));
        return NotifyGrantsChanged(tx, {user_id, role.permissions, role.name == kAdminRole});
    });
}

Status RoleService::NotifyGrantsChanged(Tx& tx, const GrantsChange& change) const {
    for (const auto& hook : grants_changed_) VECHE_RETURN_IF_ERROR(hook(tx, change));
    return {};
}

Status RoleService::NotifyHolders(Tx& tx, Id role_id, const std::vector<std::string>& permissions) const {
    if (grants_changed_.empty()) return {};
    std::vector<Id> holders;
    auto& st = tx.Query("SELECT DISTINCT user_id FROM roles_grants WHERE role_id = ? ORDER BY user_id", role_id);
    while (st.Step()) holders.push_back(st.Int(0));
    for (Id user : holders) VECHE_RETURN_IF_ERROR(NotifyGrantsChanged(tx, {user, permissions, false}));
    return {};
}

namespace {

// A system role's id by name (not admin: that one is the users.role column).
Result<Id> SystemRoleId(Tx& tx, std::string_view role_name) {
    if (role_name == kAdminRole) return Error::InvalidArgument("the admin role is not granted by modules");
    auto id = tx.QueryInt("SELECT id FROM roles_catalog WHERE name = ? AND system = 1", role_name);
    if (!id) return Error::NotFound("role");
    return *id;
}

Status AuditSystemGrant(Tx& tx, Id by, std::string action, Id user_id, std::string_view role_name,
                        const Scope& scope) {
    bj::object data = ScopeData(scope);
    data["role"] = role_name;
    std::optional<Id> actor;
    if (by != 0) actor = by;
    return audit::Record(tx, {actor, "", std::move(action), "user", user_id, bj::serialize(data)});
}

}  // namespace

Result<bool> RoleService::GrantSystemRole(Tx& tx, Id by, Id user_id, std::string_view role_name,
                                          const Scope& scope) const {
    VECHE_ASSIGN_OR_RETURN(Id role_id, SystemRoleId(tx, role_name));
    std::optional<Id> granted_by;
    if (by != 0) granted_by = by;
    tx.Exec(
        "INSERT INTO roles_grants(user_id, role_id, scope_kind, scope_id, granted_by, granted_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        user_id, role_id, scope.kind, scope.id, granted_by, NowMs());
    if (tx.Changes() == 0) return false;
    VECHE_RETURN_IF_ERROR(AuditSystemGrant(tx, by, "role.granted", user_id, role_name, scope));
    VECHE_RETURN_IF_ERROR(NotifyGrantsChanged(tx, {user_id, RolePermissions(tx, role_id), false}));
    return true;
}

Result<bool> RoleService::RevokeSystemRole(Tx& tx, Id by, Id user_id, std::string_view role_name,
                                           const Scope& scope) const {
    VECHE_ASSIGN_OR_RETURN(Id role_id, SystemRoleId(tx, role_name));
    tx.Exec("DELETE FROM roles_grants WHERE user_id = ? AND role_id = ? AND scope_kind = ? AND scope_id = ?",
            user_id, role_id, scope.kind, scope.id);
    if (tx.Changes() == 0) return false;
    VECHE_RETURN_IF_ERROR(AuditSystemGrant(tx, by, "role.revoked", user_id, role_name, scope));
    VECHE_RETURN_IF_ERROR(NotifyGrantsChanged(tx, {user_id, RolePermissions(tx, role_id), false}));
    return true;
}

}  // namespace veche::roles
