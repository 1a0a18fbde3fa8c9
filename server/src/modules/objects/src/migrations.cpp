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

#define OBJECTS_V2(ID, INT)                                                                                    \
    "CREATE TABLE objects_documents (id " ID " PRIMARY KEY, object_id " INT " NOT NULL REFERENCES objects_items(id), " \
    "counterparty_id " INT " NOT NULL, title TEXT NOT NULL, doc_type TEXT NOT NULL, number TEXT NOT NULL, "          \
    "series TEXT NOT NULL, valid_until TEXT NOT NULL, created_by " INT " NOT NULL, created_at " INT " NOT NULL, "    \
    "updated_at " INT " NOT NULL, UNIQUE (object_id, counterparty_id, doc_type, number));"                          \
    "CREATE TABLE objects_document_versions (id " ID " PRIMARY KEY, document_id " INT                                 \
    " NOT NULL REFERENCES objects_documents(id), object_id " INT " NOT NULL, n " INT " NOT NULL, file_id " INT        \
    " NOT NULL, sha256 TEXT NOT NULL, size " INT " NOT NULL, name TEXT NOT NULL, content_type TEXT NOT NULL, "        \
    "uploaded_by " INT " NOT NULL, uploaded_at " INT " NOT NULL, chat_id " INT " NOT NULL, UNIQUE (document_id, n));" \
    "CREATE TABLE objects_approvals (id " ID " PRIMARY KEY, object_id " INT " NOT NULL REFERENCES objects_items(id), " \
    "document_id " INT " NOT NULL REFERENCES objects_documents(id), version_id " INT                                  \
    " NOT NULL REFERENCES objects_document_versions(id), chat_id " INT " NOT NULL, initiator " INT " NOT NULL, "       \
    "state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'expired', 'cancelled', 'superseded')), " \
    "require_signature " INT " NOT NULL, reject_requires_comment " INT " NOT NULL, file_sha256 TEXT NOT NULL, "       \
    "title TEXT NOT NULL, deadline_at " INT " NOT NULL, created_at " INT " NOT NULL, finished_at " INT ");"           \
    "CREATE INDEX objects_approvals_object ON objects_approvals(object_id, id);"                                       \
    "CREATE INDEX objects_approvals_document ON objects_approvals(document_id, state);"                                \
    "CREATE TABLE objects_approval_steps (id " ID " PRIMARY KEY, approval_id " INT                                     \
    " NOT NULL REFERENCES objects_approvals(id), ord " INT " NOT NULL, rule TEXT NOT NULL, required " INT              \
    " NOT NULL, state TEXT NOT NULL, started_at " INT ", finished_at " INT ", UNIQUE (approval_id, ord));"            \
    "CREATE TABLE objects_approval_tasks (step_id " INT " NOT NULL REFERENCES objects_approval_steps(id), "             \
    "approval_id " INT " NOT NULL, user_id " INT " NOT NULL REFERENCES users(id), state TEXT NOT NULL, "               \
    "comment TEXT NOT NULL, decided_at " INT ", signature_id " INT " NOT NULL DEFAULT 0, "                            \
    "PRIMARY KEY (step_id, user_id));"                                                                                 \
    "CREATE INDEX objects_approval_tasks_user ON objects_approval_tasks(user_id, state);"                              \
    "CREATE INDEX objects_approval_tasks_signature ON objects_approval_tasks(signature_id)"

#define OBJECTS_V3(ID, INT)                                                                                      \
    "CREATE TABLE objects_votes (id " ID " PRIMARY KEY, object_id " INT " NOT NULL REFERENCES objects_items(id), "    \
    "chat_id " INT " NOT NULL, creator " INT " NOT NULL, title TEXT NOT NULL, fields TEXT NOT NULL, options TEXT "     \
    "NOT NULL, quorum " INT " NOT NULL, secret " INT " NOT NULL, deadline_at " INT " NOT NULL, state TEXT NOT NULL "    \
    "CHECK (state IN ('open', 'closed', 'cancelled')), result TEXT NOT NULL, card_message_id " INT " NOT NULL, "       \
    "result_message_id " INT " NOT NULL, protocol_file_id " INT " NOT NULL, created_at " INT " NOT NULL, closed_at "  \
    INT ");"                                                                                                           \
    "CREATE INDEX objects_votes_chat ON objects_votes(chat_id, id);"                                                   \
    "CREATE TABLE objects_vote_electors (vote_id " INT " NOT NULL REFERENCES objects_votes(id), user_id " INT          \
    " NOT NULL REFERENCES users(id), voted_at " INT ", PRIMARY KEY (vote_id, user_id));"                               \
    "CREATE TABLE objects_vote_ballots (id " ID " PRIMARY KEY, vote_id " INT " NOT NULL REFERENCES objects_votes(id), " \
    "option " INT " NOT NULL, voter_id " INT ", cast_at " INT " NOT NULL);"                                             \
    "CREATE INDEX objects_vote_ballots_vote ON objects_vote_ballots(vote_id)"

constexpr storage::ModuleMigration kMigrations[] = {
    {1, "object types, objects, roles, counterparties, chats", OBJECTS_V1("INTEGER", "INTEGER"),
     OBJECTS_V1("BIGINT", "BIGINT")},
    {2, "documents, their versions, approval routes, steps and tasks", OBJECTS_V2("INTEGER", "INTEGER"),
     OBJECTS_V2("BIGINT", "BIGINT")},
    {3, "voting cards, their electorates and ballots", OBJECTS_V3("INTEGER", "INTEGER"), OBJECTS_V3("BIGINT", "BIGINT")},
};

#undef OBJECTS_V1
#undef OBJECTS_V2
#undef OBJECTS_V3

}  // namespace

storage::ModuleSchema Schema() { return {"objects", kMigrations}; }

}  // namespace veche::objects
