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

// Communities' content (EXP-5, EXP-6, EXP-9): the feed (posts, and the published articles and event
// summaries as items), discussion topics (bound chats), articles with their review states, events
// with registrations (waitlist order by seq) and the reminders already sent.
#define EXPERTS_V3(ID, INT)                                                                                     \
    "CREATE TABLE experts_feed (id " ID " PRIMARY KEY, community_id " INT                                       \
    " NOT NULL REFERENCES experts_communities(id), kind TEXT NOT NULL CHECK (kind IN ('post', 'article', "     \
    "'event_summary')), author_id " INT " NOT NULL REFERENCES users(id), text TEXT NOT NULL, links TEXT NOT "   \
    "NULL, source_id " INT ", created_at " INT " NOT NULL);"                                                    \
    "CREATE INDEX experts_feed_community ON experts_feed(community_id, id);"                                    \
    "CREATE TABLE experts_topics (id " ID " PRIMARY KEY, community_id " INT                                     \
    " NOT NULL REFERENCES experts_communities(id), chat_id " INT " NOT NULL REFERENCES chats(id), title TEXT "  \
    "NOT NULL, created_by " INT " NOT NULL REFERENCES users(id), created_at " INT " NOT NULL);"                 \
    "CREATE INDEX experts_topics_community ON experts_topics(community_id, id);"                                \
    "CREATE TABLE experts_articles (id " ID " PRIMARY KEY, community_id " INT                                   \
    " NOT NULL REFERENCES experts_communities(id), kind TEXT NOT NULL CHECK (kind IN ('best_practice', "       \
    "'success_story')), title TEXT NOT NULL, summary TEXT NOT NULL, body TEXT NOT NULL, slides TEXT NOT NULL, " \
    "state TEXT NOT NULL CHECK (state IN ('draft', 'in_review', 'published', 'archived')), author_id " INT     \
    " NOT NULL REFERENCES users(id), reviewer_id " INT ", return_reason TEXT, created_at " INT                  \
    " NOT NULL, updated_at " INT " NOT NULL, submitted_at " INT ", published_at " INT ", archived_at " INT ");" \
    "CREATE INDEX experts_articles_community ON experts_articles(community_id, state, id);"                     \
    "CREATE INDEX experts_articles_state ON experts_articles(state, id);"                                       \
    "CREATE INDEX experts_articles_author ON experts_articles(author_id, id);"                                  \
    "CREATE TABLE experts_events (id " ID " PRIMARY KEY, community_id " INT                                     \
    " REFERENCES experts_communities(id), title TEXT NOT NULL, topic TEXT NOT NULL, agenda TEXT NOT NULL, "    \
    "starts_at " INT " NOT NULL, ends_at " INT " NOT NULL, tz TEXT NOT NULL, link TEXT NOT NULL, capacity "     \
    INT ", state TEXT NOT NULL CHECK (state IN ('scheduled', 'held', 'cancelled')), summary TEXT, summary_by " \
    INT ", summary_at " INT ", created_by " INT " NOT NULL REFERENCES users(id), created_at " INT               \
    " NOT NULL, updated_at " INT " NOT NULL);"                                                                  \
    "CREATE INDEX experts_events_time ON experts_events(starts_at, id);"                                        \
    "CREATE INDEX experts_events_community ON experts_events(community_id, starts_at);"                         \
    "CREATE TABLE experts_registrations (event_id " INT " NOT NULL REFERENCES experts_events(id), user_id " INT \
    " NOT NULL REFERENCES users(id), status TEXT NOT NULL CHECK (status IN ('going', 'interested', "           \
    "'not_going', 'waitlist')), seq " INT " NOT NULL, registered_at " INT " NOT NULL, updated_at " INT         \
    " NOT NULL, PRIMARY KEY (event_id, user_id));"                                                              \
    "CREATE INDEX experts_registrations_queue ON experts_registrations(event_id, status, seq);"                 \
    "CREATE TABLE experts_event_reminders (event_id " INT " NOT NULL REFERENCES experts_events(id), kind TEXT "  \
    "NOT NULL, sent_at " INT " NOT NULL, PRIMARY KEY (event_id, kind))"

// Consultation requests (EXP-3..6): the request with its state, expert, chat, call, answer and
// rating in one row; its history; the numbers' counter; each community's assignment deadline.
#define EXPERTS_V4(ID, INT)                                                                                     \
    "CREATE TABLE experts_consultations (id " ID " PRIMARY KEY, number " INT " NOT NULL UNIQUE, requester_id "  \
    INT " NOT NULL REFERENCES users(id), community_id " INT " NOT NULL REFERENCES experts_communities(id), "   \
    "title TEXT NOT NULL, question TEXT NOT NULL, expected_result TEXT NOT NULL, difficulty TEXT NOT NULL "     \
    "CHECK (difficulty IN ('beginner', 'basic', 'advanced')), tags TEXT NOT NULL, state TEXT NOT NULL CHECK "    \
    "(state IN ('new', 'assigned', 'in_progress', 'returned_for_clarification', 'resolved', 'rejected', "      \
    "'cancelled')), prior_state TEXT, expert_id " INT ", curator_id " INT ", chat_id " INT ", call_at " INT     \
    ", call_link TEXT, questions TEXT NOT NULL, answer_text TEXT NOT NULL, answer_message_id " INT             \
    ", reject_reason_code TEXT NOT NULL, reject_text TEXT NOT NULL, rating " INT " CHECK (rating BETWEEN 1 "    \
    "AND 5), rating_comment TEXT NOT NULL, rated_at " INT ", due_assign_at " INT " NOT NULL, escalated_at " INT \
    ", assigned_at " INT ", resolved_at " INT ", created_at " INT " NOT NULL, updated_at " INT " NOT NULL);"    \
    "CREATE INDEX experts_consultations_community ON experts_consultations(community_id, id);"                  \
    "CREATE INDEX experts_consultations_state ON experts_consultations(state, id);"                             \
    "CREATE INDEX experts_consultations_expert ON experts_consultations(expert_id, id);"                        \
    "CREATE INDEX experts_consultations_requester ON experts_consultations(requester_id, id);"                  \
    "CREATE INDEX experts_consultations_curator ON experts_consultations(curator_id, id);"                      \
    "CREATE INDEX experts_consultations_updated ON experts_consultations(updated_at);"                          \
    "CREATE TABLE experts_consultation_events (id " ID " PRIMARY KEY, consultation_id " INT                     \
    " NOT NULL REFERENCES experts_consultations(id), type TEXT NOT NULL, actor_id " INT ", text TEXT NOT NULL, " \
    "data TEXT NOT NULL, at " INT " NOT NULL);"                                                                 \
    "CREATE INDEX experts_consultation_events_consultation ON experts_consultation_events(consultation_id, id);" \
    "CREATE TABLE experts_counters (name TEXT PRIMARY KEY, value " INT " NOT NULL);"                            \
    "CREATE TABLE experts_consultation_settings (community_id " INT                                             \
    " PRIMARY KEY REFERENCES experts_communities(id), assign_within_working_days " INT " NOT NULL, updated_at "  \
    INT " NOT NULL)"
// Gamification (EXP-10): the rules, the append-only ledger of awards (a row is voided, never
// changed or deleted), monthly and yearly totals of unvoided rows kept in the ledger's transactions
// for the leaderboards (every leaderboard period starts on a month in the company's time zone; a year
// and all time read the yearly ones; community 0: none), the leaderboards' settings, and the recalculations (limited per day).
#define EXPERTS_V5(ID, INT)                                                                                     \
    "CREATE TABLE experts_score_rules (key TEXT PRIMARY KEY, points " INT " NOT NULL, active " INT              \
    " NOT NULL, description TEXT NOT NULL, updated_by " INT ", updated_at " INT " NOT NULL);"                   \
    "CREATE TABLE experts_score_events (id " ID " PRIMARY KEY, user_id " INT " NOT NULL REFERENCES users(id), "  \
    "community_id " INT ", rule_key TEXT NOT NULL, points " INT " NOT NULL, source_kind TEXT NOT NULL, "         \
    "source_id " INT " NOT NULL, day " INT " NOT NULL, created_at " INT " NOT NULL, created_by " INT            \
    ", reason TEXT NOT NULL, voided_at " INT ", void_reason TEXT);"                                             \
    "CREATE INDEX experts_score_events_source ON experts_score_events(source_kind, source_id);"                 \
    "CREATE INDEX experts_score_events_day ON experts_score_events(day, user_id);"                              \
    "CREATE INDEX experts_score_events_community ON experts_score_events(community_id, day);"                   \
    "CREATE INDEX experts_score_events_user ON experts_score_events(user_id, id);"                              \
    "CREATE TABLE experts_score_monthly (month " INT " NOT NULL, user_id " INT " NOT NULL, community_id " INT   \
    " NOT NULL, points " INT " NOT NULL, events " INT " NOT NULL, PRIMARY KEY (month, user_id, community_id));" \
    "CREATE INDEX experts_score_monthly_community ON experts_score_monthly(community_id, month, user_id);"       \
    "CREATE INDEX experts_score_monthly_user ON experts_score_monthly(user_id, month);"                         \
    "CREATE TABLE experts_score_yearly (year " INT " NOT NULL, user_id " INT " NOT NULL, community_id " INT     \
    " NOT NULL, points " INT " NOT NULL, events " INT " NOT NULL, PRIMARY KEY (year, user_id, community_id));"  \
    "CREATE INDEX experts_score_yearly_community ON experts_score_yearly(community_id, year, user_id);"          \
    "CREATE TABLE experts_score_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"                          \
    "CREATE TABLE experts_score_recalculations (id " ID " PRIMARY KEY, requested_by " INT " NOT NULL, since "   \
    INT " NOT NULL, at " INT " NOT NULL, sources " INT " NOT NULL, inserted " INT " NOT NULL, voided " INT      \
    " NOT NULL);"                                                                                               \
    "CREATE INDEX experts_score_recalculations_at ON experts_score_recalculations(at)"

constexpr storage::ModuleMigration kMigrations[] = {
    {1, "communities, subscriptions, expert profiles and their competences", EXPERTS_V1("INTEGER", "INTEGER"),
     EXPERTS_V1("BIGINT", "BIGINT")},
    {2, "expert applications, their communities and history; the bot's notice chats",
     EXPERTS_V2("INTEGER", "INTEGER"), EXPERTS_V2("BIGINT", "BIGINT")},
    {3, "communities' content: the feed, discussion topics, articles, events and their registrations",
     EXPERTS_V3("INTEGER", "INTEGER"), EXPERTS_V3("BIGINT", "BIGINT")},
    {4, "consultation requests, their history and numbers; each community's assignment deadline",
     EXPERTS_V4("INTEGER", "INTEGER"), EXPERTS_V4("BIGINT", "BIGINT")},
    {5, "gamification: score rules, the score ledger with its monthly and yearly totals, leaderboard settings, "
        "recalculations",
     EXPERTS_V5("INTEGER", "INTEGER"), EXPERTS_V5("BIGINT", "BIGINT")},
};

#undef EXPERTS_V1
#undef EXPERTS_V2
#undef EXPERTS_V3
#undef EXPERTS_V4
#undef EXPERTS_V5

}  // namespace

storage::ModuleSchema Schema() { return {"experts", kMigrations}; }

}  // namespace veche::experts
