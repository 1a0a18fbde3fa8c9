// The support desk's tables, both dialects side by side (storage/migration.hpp). Append-only.
#include "veche/support/module.hpp"

namespace veche::support {
namespace {

#define SUPPORT_V1(ID, INT)                                                                                       \
    "CREATE TABLE support_teams (id " ID " PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at " INT " NOT NULL);"  \
    "CREATE TABLE support_team_members (team_id " INT " NOT NULL REFERENCES support_teams(id), user_id " INT       \
    " NOT NULL REFERENCES users(id), capacity " INT " NOT NULL, PRIMARY KEY (team_id, user_id));"                 \
    "CREATE INDEX support_team_members_user ON support_team_members(user_id, team_id);"                           \
    "CREATE TABLE support_topics (id " ID " PRIMARY KEY, team_id " INT " NOT NULL REFERENCES support_teams(id), "  \
    "title TEXT NOT NULL, created_at " INT " NOT NULL);"                                                          \
    "CREATE TABLE support_inboxes (id " ID " PRIMARY KEY, name TEXT NOT NULL, channel TEXT NOT NULL CHECK "        \
    "(channel IN ('api', 'widget')), team_id " INT " REFERENCES support_teams(id), token TEXT NOT NULL UNIQUE, "    \
    "hmac_mandatory " INT " NOT NULL, hmac_secret TEXT NOT NULL, reopen_window_days " INT " NOT NULL, "           \
    "greeting TEXT NOT NULL, created_at " INT " NOT NULL);"                                                       \
    "CREATE TABLE support_agents (user_id " INT " PRIMARY KEY REFERENCES users(id), scope TEXT NOT NULL CHECK "   \
    "(scope IN ('all', 'team', 'assigned')), availability TEXT NOT NULL CHECK (availability IN ('online', "       \
    "'offline')), last_assigned_seq " INT ", last_assigned_at " INT ", updated_at " INT " NOT NULL);"             \
    "CREATE TABLE support_contacts (id " ID " PRIMARY KEY, inbox_id " INT " NOT NULL REFERENCES support_inboxes(id), " \
    "name TEXT NOT NULL, email TEXT NOT NULL, external_id TEXT, verified " INT " NOT NULL, created_at " INT        \
    " NOT NULL, UNIQUE (inbox_id, external_id));"                                                                 \
    "CREATE TABLE support_visitors (token_hash TEXT PRIMARY KEY, contact_id " INT                                  \
    " NOT NULL REFERENCES support_contacts(id), inbox_id " INT " NOT NULL, created_at " INT " NOT NULL);"           \
    "CREATE TABLE support_counters (name TEXT PRIMARY KEY, value " INT " NOT NULL);"                              \
    "CREATE TABLE support_conversations (id " ID " PRIMARY KEY, number " INT " NOT NULL UNIQUE, chat_id " INT       \
    " NOT NULL REFERENCES chats(id), inbox_id " INT " NOT NULL REFERENCES support_inboxes(id), team_id " INT       \
    ", topic_id " INT ", contact_id " INT " NOT NULL REFERENCES support_contacts(id), assignee_id " INT            \
    ", last_assignee_id " INT ", status TEXT NOT NULL CHECK (status IN ('open', 'pending', 'snoozed', "           \
    "'resolved')), snoozed_until " INT ", snooze_until_reply " INT " NOT NULL, waiting_since " INT                 \
    ", first_reply_at " INT ", resolved_at " INT ", reopen_count " INT " NOT NULL, previous_id " INT               \
    ", created_at " INT " NOT NULL, updated_at " INT " NOT NULL);"                                                  \
    "CREATE INDEX support_conversations_queue ON support_conversations(team_id, status, assignee_id, id);"        \
    "CREATE INDEX support_conversations_assignee ON support_conversations(assignee_id, status);"                   \
    "CREATE INDEX support_conversations_contact ON support_conversations(contact_id, id);"                         \
    "CREATE TABLE support_messages (message_id " INT " PRIMARY KEY, conversation_id " INT                          \
    " NOT NULL REFERENCES support_conversations(id), direction TEXT NOT NULL CHECK (direction IN ('incoming', "    \
    "'outgoing', 'note')), created_at " INT " NOT NULL);"                                                         \
    "CREATE INDEX support_messages_conversation ON support_messages(conversation_id, message_id)"

// The email channel (issue 13 §1(b)): an inbox with a mailbox row is an email inbox (the channel
// column keeps its v1 CHECK; LoadInbox reports "email"). Secrets stay in these rows and are never
// returned. support_email_messages ties the desk's messages to RFC 5322 Message-IDs (threading) and
// holds the state of each outbound reply.
#define SUPPORT_V2(ID, INT)                                                                                       \
    "CREATE TABLE support_mailboxes (inbox_id " INT " PRIMARY KEY REFERENCES support_inboxes(id), address TEXT "  \
    "NOT NULL, display_name TEXT NOT NULL, imap_url TEXT NOT NULL, imap_user TEXT NOT NULL, imap_password TEXT "  \
    "NOT NULL, smtp_url TEXT NOT NULL, smtp_user TEXT NOT NULL, smtp_password TEXT NOT NULL, starttls " INT       \
    " NOT NULL, max_size " INT " NOT NULL, poll_interval_s " INT " NOT NULL, webhook_token_hash TEXT NOT NULL, "  \
    "uid_validity " INT " NOT NULL, last_uid " INT " NOT NULL, last_polled_at " INT ", last_error TEXT NOT NULL, " \
    "poll_requests " INT " NOT NULL, "                                                                           \
    "updated_at " INT " NOT NULL);"                                                                               \
    "CREATE TABLE support_email_messages (message_id " INT " PRIMARY KEY, conversation_id " INT                    \
    " NOT NULL REFERENCES support_conversations(id), inbox_id " INT " NOT NULL, direction TEXT NOT NULL CHECK "    \
    "(direction IN ('incoming', 'outgoing')), rfc_message_id TEXT NOT NULL, subject TEXT NOT NULL, peer TEXT "    \
    "NOT NULL, state TEXT NOT NULL CHECK (state IN ('received', 'queued', 'sent', 'failed')), error TEXT NOT "   \
    "NULL, created_at " INT " NOT NULL, sent_at " INT ");"                                                         \
    "CREATE UNIQUE INDEX support_email_messages_rfc ON support_email_messages(inbox_id, rfc_message_id, "         \
    "direction);"                                                                                                 \
    "CREATE INDEX support_email_messages_conversation ON support_email_messages(conversation_id, message_id)"

// SLA policies and clocks, the reporting events, CSAT (issue 13 §8, §9).
#define SUPPORT_V3(ID, INT)                                                                                       \
    "ALTER TABLE support_teams ADD COLUMN calendar_id " INT ";"                                                   \
    "ALTER TABLE support_inboxes ADD COLUMN csat_enabled " INT " NOT NULL DEFAULT 1;"                             \
    "CREATE TABLE support_sla_policies (team_id " INT " PRIMARY KEY REFERENCES support_teams(id), frt_minutes "    \
    INT ", nrt_minutes " INT ", rt_minutes " INT ", business_hours_only " INT " NOT NULL, warn_before_minutes "    \
    INT " NOT NULL, updated_at " INT " NOT NULL);"                                                                \
    "CREATE TABLE support_sla_clocks (conversation_id " INT " NOT NULL REFERENCES support_conversations(id), "     \
    "metric TEXT NOT NULL CHECK (metric IN ('frt', 'nrt', 'rt')), state TEXT NOT NULL CHECK (state IN "           \
    "('running', 'paused', 'hit', 'missed', 'stopped')), threshold_ms " INT " NOT NULL, business " INT            \
    " NOT NULL, calendar_id " INT ", warn_lead_ms " INT " NOT NULL, started_at " INT " NOT NULL, due_at " INT      \
    ", remaining_ms " INT ", warned " INT " NOT NULL, stopped_at " INT ", PRIMARY KEY (conversation_id, metric));" \
    "CREATE TABLE support_report_events (id " ID " PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN "                 \
    "('first_response', 'reply', 'resolved', 'reopened', 'assigned', 'sla_hit', 'sla_missed')), conversation_id "  \
    INT " NOT NULL, team_id " INT ", agent_id " INT ", metric TEXT, value_s " INT ", value_business_s " INT        \
    ", at " INT " NOT NULL);"                                                                                     \
    "CREATE INDEX support_report_events_at ON support_report_events(at, kind);"                                   \
    "CREATE INDEX support_report_events_conversation ON support_report_events(conversation_id, at);"              \
    "CREATE TABLE support_csat (conversation_id " INT " PRIMARY KEY REFERENCES support_conversations(id), "        \
    "agent_id " INT ", team_id " INT ", requested_at " INT " NOT NULL, rating " INT                                \
    " CHECK (rating BETWEEN 1 AND 5), comment TEXT NOT NULL, rated_at " INT ");"                                  \
    "CREATE INDEX support_csat_requested ON support_csat(requested_at);"                                          \
    "CREATE INDEX support_conversations_created ON support_conversations(created_at)"

// The agents' tools (issue 13 §2, §5, §7): canned replies unique per scope, labels, contact merge
// (the mergee stays, pointing at the target, so its identifiers still find the customer), soft
// deletion of conversations. (The team's business calendar, support_teams.calendar_id, is v3's.)
#define SUPPORT_V4(ID, INT)                                                                                       \
    "CREATE TABLE support_canned_replies (id " ID " PRIMARY KEY, scope TEXT NOT NULL CHECK (scope IN ("            \
    "'personal', 'team', 'global')), scope_key TEXT NOT NULL, owner_id " INT " REFERENCES users(id), team_id " INT \
    " REFERENCES support_teams(id), short_code TEXT NOT NULL, content TEXT NOT NULL, created_by " INT              \
    " NOT NULL, created_at " INT " NOT NULL, updated_at " INT " NOT NULL, UNIQUE (scope_key, short_code));"        \
    "CREATE TABLE support_labels (id " ID " PRIMARY KEY, title TEXT NOT NULL UNIQUE, color TEXT NOT NULL, "        \
    "created_at " INT " NOT NULL);"                                                                               \
    "CREATE TABLE support_conversation_labels (conversation_id " INT                                               \
    " NOT NULL REFERENCES support_conversations(id), label_id " INT " NOT NULL REFERENCES support_labels(id), "    \
    "added_by " INT " NOT NULL, added_at " INT " NOT NULL, PRIMARY KEY (conversation_id, label_id));"             \
    "CREATE INDEX support_conversation_labels_label ON support_conversation_labels(label_id, conversation_id);"   \
    "CREATE TABLE support_contact_identities (contact_id " INT " NOT NULL REFERENCES support_contacts(id), kind "  \
    "TEXT NOT NULL CHECK (kind IN ('email', 'external_id')), value TEXT NOT NULL, inbox_id " INT " NOT NULL, "     \
    "from_contact_id " INT " NOT NULL, added_at " INT " NOT NULL, PRIMARY KEY (contact_id, kind, value, inbox_id));" \
    "ALTER TABLE support_contacts ADD COLUMN merged_into " INT " REFERENCES support_contacts(id);"                \
    "ALTER TABLE support_contacts ADD COLUMN merged_by " INT ";"                                                   \
    "ALTER TABLE support_contacts ADD COLUMN merged_at " INT ";"                                                   \
    "ALTER TABLE support_conversations ADD COLUMN deleted_at " INT ";"                                             \
    "ALTER TABLE support_conversations ADD COLUMN deleted_by " INT

constexpr storage::ModuleMigration kMigrations[] = {
    {1, "teams, topics, inboxes, agents, contacts, visitors, conversations and their messages",
     SUPPORT_V1("INTEGER", "INTEGER"), SUPPORT_V1("BIGINT", "BIGINT")},
    {2, "the email channel: mailboxes and the Message-IDs of email messages", SUPPORT_V2("INTEGER", "INTEGER"),
     SUPPORT_V2("BIGINT", "BIGINT")},
    {3, "SLA policies and clocks, reporting events, CSAT", SUPPORT_V3("INTEGER", "INTEGER"),
     SUPPORT_V3("BIGINT", "BIGINT")},
    // The messenger's link from a conversation's chat to the conversation (GET …?chat=).
    {4, "conversations by their chat", "CREATE INDEX support_conversations_chat ON support_conversations(chat_id)",
     "CREATE INDEX support_conversations_chat ON support_conversations(chat_id)"},
    {5, "canned replies, labels, contact identities and merges, soft-deleted conversations",
     SUPPORT_V4("INTEGER", "INTEGER"), SUPPORT_V4("BIGINT", "BIGINT")},
    {6, "archived topics", "ALTER TABLE support_topics ADD COLUMN archived_at INTEGER",
     "ALTER TABLE support_topics ADD COLUMN archived_at BIGINT"},
    // The pages whose widget may use an inbox, space-separated; '' is any origin (as before).
    {7, "the allowed origins of an inbox's widget",
     "ALTER TABLE support_inboxes ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT ''",
     "ALTER TABLE support_inboxes ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT ''"},
};

#undef SUPPORT_V1
#undef SUPPORT_V2
#undef SUPPORT_V3

}  // namespace

storage::ModuleSchema Schema() { return {"support", kMigrations}; }

}  // namespace veche::support
