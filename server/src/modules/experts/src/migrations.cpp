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

// Expert applications (EXP-2): the questionnaire as JSON text, the applied communities normalized
// for the curators' queue, the history of every step, and the bot's notice chat of each user. One
// open application per user is the service's check (409 application_exists) and, against two nodes
// racing, a partial unique index.
#define EXPERTS_V2(ID, INT)                                                                                     \
    "CREATE TABLE experts_applications (id " ID " PRIMARY KEY, user_id " INT " NOT NULL REFERENCES users(id), " \
    "state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'in_review', 'clarification_requested', "       \
    "'interview_scheduled', 'approved', 'rejected', 'withdrawn')), answers TEXT NOT NULL, curator_id " INT     \
    ", interview_at " INT ", interview_link TEXT, decision TEXT, decision_reason TEXT, decided_by " INT         \
    ", decided_at " INT ", granted_community_ids TEXT, created_at " INT " NOT NULL, updated_at " INT            \
    " NOT NULL, submitted_at " INT ");"                                                                         \
    "CREATE INDEX experts_applications_user ON experts_applications(user_id, id);"                              \
    "CREATE INDEX experts_applications_state ON experts_applications(state, id);"                               \
    "CREATE UNIQUE INDEX experts_applications_one_open ON experts_applications(user_id) WHERE state IN "        \
    "('draft', 'submitted', 'in_review', 'clarification_requested', 'interview_scheduled');"                   \
    "CREATE TABLE experts_application_communities (application_id " INT                                         \
    " NOT NULL REFERENCES experts_applications(id), community_id " INT                                          \
    " NOT NULL REFERENCES experts_communities(id), PRIMARY KEY (application_id, community_id));"                \
    "CREATE INDEX experts_application_communities_community ON experts_application_communities(community_id, "  \
    "application_id);"                                                                                          \
    "CREATE TABLE experts_application_events (id " ID " PRIMARY KEY, application_id " INT                       \
    " NOT NULL REFERENCES experts_applications(id), type TEXT NOT NULL, actor_id " INT ", text TEXT NOT NULL, "  \
    "data TEXT NOT NULL, at " INT " NOT NULL);"                                                                 \
    "CREATE INDEX experts_application_events_application ON experts_application_events(application_id, id);"    \
    "CREATE TABLE experts_notice_chats (user_id " INT " PRIMARY KEY REFERENCES users(id), chat_id " INT         \
    " NOT NULL REFERENCES chats(id), created_at " INT " NOT NULL)"

constexpr storage::ModuleMigration kMigrations[] = {
    {1, "communities, subscriptions, expert profiles and their competences", EXPERTS_V1("INTEGER", "INTEGER"),
     EXPERTS_V1("BIGINT", "BIGINT")},
    {2, "expert applications, their communities and history; the bot's notice chats",
     EXPERTS_V2("INTEGER", "INTEGER"), EXPERTS_V2("BIGINT", "BIGINT")},
};

#undef EXPERTS_V1
#undef EXPERTS_V2

}  // namespace

storage::ModuleSchema Schema() { return {"experts", kMigrations}; }

}  // namespace veche::experts
