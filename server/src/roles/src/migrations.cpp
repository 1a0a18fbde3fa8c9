// The roles tables, both dialects side by side (storage/migration.hpp). Append-only.
// Grants have no foreign key to users (the baseline's table, but the roles service must not depend
// on how accounts deletes) and scope_kind '' / scope_id 0 for a global grant, so that the primary
// key covers it (NULLs are distinct in a unique index on both engines).
#include "veche/roles/role_service.hpp"

namespace veche::roles {
namespace {

constexpr storage::ModuleMigration kMigrations[] = {
    {1, "create roles_catalog, roles_permissions and roles_grants",
     R"(CREATE TABLE roles_catalog (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    system INTEGER NOT NULL DEFAULT 0,
    archived_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE roles_permissions (
    role_id INTEGER NOT NULL REFERENCES roles_catalog(id),
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);
CREATE INDEX roles_permissions_permission ON roles_permissions(permission, role_id);
CREATE TABLE roles_grants (
    user_id INTEGER NOT NULL,
    role_id INTEGER NOT NULL REFERENCES roles_catalog(id),
    scope_kind TEXT NOT NULL DEFAULT '',
    scope_id INTEGER NOT NULL DEFAULT 0,
    granted_by INTEGER,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, role_id, scope_kind, scope_id)
);
CREATE INDEX roles_grants_role ON roles_grants(role_id, user_id);)",
     R"(CREATE TABLE roles_catalog (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    system BIGINT NOT NULL DEFAULT 0,
    archived_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE roles_permissions (
    role_id BIGINT NOT NULL REFERENCES roles_catalog(id),
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);
CREATE INDEX roles_permissions_permission ON roles_permissions(permission, role_id);
CREATE TABLE roles_grants (
    user_id BIGINT NOT NULL,
    role_id BIGINT NOT NULL REFERENCES roles_catalog(id),
    scope_kind TEXT NOT NULL DEFAULT '',
    scope_id BIGINT NOT NULL DEFAULT 0,
    granted_by BIGINT,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, role_id, scope_kind, scope_id)
);
CREATE INDEX roles_grants_role ON roles_grants(role_id, user_id);)"},
};

}  // namespace

storage::ModuleSchema Schema() { return {"roles", kMigrations}; }

}  // namespace veche::roles
