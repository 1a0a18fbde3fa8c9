// The business-objects module's tables, both dialects side by side (storage/migration.hpp). Append-only.
#include "veche/objects/module.hpp"

namespace veche::objects {
namespace {

#define OBJECTS_V1(ID, INT)                                                                                  \
    "CREATE TABLE objects_types (key TEXT PRIMARY KEY, name TEXT NOT NULL, definition TEXT NOT NULL, "     \
    "created_at " INT " NOT NULL, updated_at " INT " NOT NULL, updated_by " INT " NOT NULL);"               \
    "CREATE TABLE objects_items (id " ID " PRIMARY KEY, type_key TEXT NOT NULL REFERENCES objects_types(key), " \
    "external_id TEXT NOT NULL, system TEXT NOT NULL, url TEXT NOT NULL, title TEXT NOT NULL, "             \
    "attributes TEXT NOT NULL, stage_key TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('active', "    \
    "'closed', 'cancelled')), version " INT " NOT NULL, created_by " INT " NOT NULL, created_at " INT       \
    " NOT NULL, updated_at " INT " NOT NULL, UNIQUE (type_key, external_id));"                             \
    "CREATE TABLE objects_roles (object_id " INT " NOT NULL REFERENCES objects_items(id), user_id " INT      \
    " NOT NULL REFERENCES users(id), role TEXT NOT NULL, PRIMARY KEY (object_id, user_id, role));"          \
    "CREATE INDEX objects_roles_user ON objects_roles(user_id, object_id);"                                 \
    "CREATE TABLE objects_counterparties (id " ID " PRIMARY KEY, object_id " INT                            \
    " NOT NULL REFERENCES objects_items(id), org_ref TEXT NOT NULL, name TEXT NOT NULL, created_at " INT     \
    " NOT NULL, removed_at " INT ", UNIQUE (object_id, org_ref));"                                          \
    "CREATE TABLE objects_counterparty_users (counterparty_id " INT                                         \
    " NOT NULL REFERENCES objects_counterparties(id), object_id " INT " NOT NULL, user_id " INT              \
    " NOT NULL REFERENCES users(id), PRIMARY KEY (counterparty_id, user_id), UNIQUE (object_id, user_id));" \
    "CREATE INDEX objects_counterparty_users_user ON objects_counterparty_users(user_id);"                  \
    "CREATE TABLE objects_chats (chat_id " INT " PRIMARY KEY REFERENCES chats(id), object_id " INT          \
    " NOT NULL REFERENCES objects_items(id), template_key TEXT NOT NULL, stage_key TEXT NOT NULL, "          \
    "category TEXT NOT NULL, counterparty_id " INT " NOT NULL, state TEXT NOT NULL CHECK (state IN "        \
    "('open', 'archived')), created_at " INT " NOT NULL, archived_at " INT ");"                             \
    "CREATE INDEX objects_chats_object ON objects_chats(object_id, created_at)"

constexpr storage::ModuleMigration kMigrations[] = {
    {1, "object types, objects, roles, counterparties, chats", OBJECTS_V1("INTEGER", "INTEGER"),
     OBJECTS_V1("BIGINT", "BIGINT")},
};

#undef OBJECTS_V1

}  // namespace

storage::ModuleSchema Schema() { return {"objects", kMigrations}; }

}  // namespace veche::objects
