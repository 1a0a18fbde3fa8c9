// The expert network's tables, both dialects side by side (storage/migration.hpp). Append-only.
// Roles (reservist, expert, curator, moderator) are roles_grants rows, not tables of this module;
// experts_members holds only subscriptions.
#include "veche/experts/module.hpp"

namespace veche::experts {
namespace {

#define EXPERTS_V1(ID, INT)                                                                                     \
    "CREATE TABLE experts_communities (id " ID " PRIMARY KEY, slug TEXT NOT NULL UNIQUE, title TEXT NOT NULL, " \
    "description TEXT NOT NULL, sections TEXT NOT NULL, visibility TEXT NOT NULL CHECK (visibility IN "         \
    "('all', 'members')), created_by " INT " NOT NULL, created_at " INT " NOT NULL, updated_at " INT            \
    " NOT NULL, archived_at " INT ");"                                                                          \
    "CREATE TABLE experts_members (community_id " INT " NOT NULL REFERENCES experts_communities(id), user_id "   \
    INT " NOT NULL REFERENCES users(id), kind TEXT NOT NULL CHECK (kind IN ('subscriber')), joined_at " INT     \
    " NOT NULL, PRIMARY KEY (community_id, user_id));"                                                          \
    "CREATE INDEX experts_members_user ON experts_members(user_id, community_id);"                              \
    "CREATE TABLE experts_profiles (user_id " INT " PRIMARY KEY REFERENCES users(id), competences TEXT NOT "     \
    "NULL, levels TEXT NOT NULL, vacation_until " INT ", bio TEXT NOT NULL, updated_at " INT " NOT NULL);"      \
    "CREATE TABLE experts_competences (user_id " INT " NOT NULL REFERENCES users(id), community_id " INT        \
    " REFERENCES experts_communities(id), tag TEXT NOT NULL);"                                                  \
    "CREATE INDEX experts_competences_user ON experts_competences(user_id);"                                    \
    "CREATE INDEX experts_competences_tag ON experts_competences(tag, community_id)"

constexpr storage::ModuleMigration kMigrations[] = {
    {1, "communities, subscriptions, expert profiles and their competences", EXPERTS_V1("INTEGER", "INTEGER"),
     EXPERTS_V1("BIGINT", "BIGINT")},
};

#undef EXPERTS_V1

}  // namespace

storage::ModuleSchema Schema() { return {"experts", kMigrations}; }

}  // namespace veche::experts
