#pragma once
// SLA policies and clocks, the reporting events and CSAT (issue 13 §8, §9; docs/api.md "Support
// desk", "SLA, CSAT and reports").
//
// The clocks follow the conversation's state, not the routes: every write of a conversation
// (store.cpp, InsertConversation and SaveConversation) calls OnSaved with the row before and after,
// in the same transaction, so the widget's, the API's and the mail channel's paths all count the
// same way. Per conversation there is one clock per metric: frt (created → the first public agent
// reply), nrt (the customer wrote after being answered → the next public reply), rt (created or
// reopened → resolved). A clock runs while the conversation is open, is paused (keeping what is
// left of it, in working time when business hours only) while pending or snoozed, and ends hit,
// missed (its due time passed first) or stopped (resolved before any reply). The warning and the
// due time are durable jobs (kind "support.sla"), which emit support.sla.warning and
// support.sla.missed to the assignee; a hit emits support.sla.hit.
//
// The reporting events (support_report_events) are written in the same transactions: first_response
// and reply (OnReply, from a public agent reply), resolved, reopened, assigned, sla_hit, sla_missed.
//
// Thread-safe; the hooks run inside the caller's write transaction.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "veche/calendar/business_calendar.hpp"
#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/storage/database.hpp"
#include "veche/support/types.hpp"

namespace veche::jobs {
class Scheduler;
}
namespace veche::roles {
class RoleService;
}

namespace veche::support {

struct SlaPolicy {
    Id team_id = 0;
    std::optional<int> frt_minutes;  // absent: no target for the metric
    std::optional<int> nrt_minutes;
    std::optional<int> rt_minutes;
    bool business_hours_only = true;
    int warn_before_minutes = 15;
    std::optional<Id> calendar_id;  // the team's business calendar; absent: the default calendar
    std::int64_t updated_at = 0;
};

struct SlaClock {
    Id conversation_id = 0;
    std::string metric;  // frt | nrt | rt
    std::string state;   // running | paused | hit | missed | stopped
    std::int64_t threshold_ms = 0;
    bool business = false;
    std::optional<Id> calendar_id;
    std::int64_t warn_lead_ms = 0;
    std::int64_t started_at = 0;
    std::optional<std::int64_t> due_at;        // running, missed
    std::optional<std::int64_t> remaining_ms;  // paused: (working) time left
    bool warned = false;
    std::optional<std::int64_t> stopped_at;
};

struct Csat {
    Id conversation_id = 0;
    std::optional<Id> agent_id;  // who and which team it counts for: the assignee at resolve time
    std::optional<Id> team_id;
    std::int64_t requested_at = 0;
    std::optional<int> rating;
    std::string comment;
    std::optional<std::int64_t> rated_at;
};

struct ConversationSla {
    std::vector<SlaClock> clocks;
    std::optional<Csat> csat;
};

// The business calendar by id (absent: the default one).
using CalendarSource = std::function<Result<calendar::BusinessCalendar>(std::optional<Id>)>;

class SlaEngine {
public:
    SlaEngine(storage::Database& db, const roles::RoleService& roles, CalendarSource calendars);

    // Registers the job kind "support.sla"; without a scheduler no warning or breach fires.
    void UseScheduler(jobs::Scheduler& scheduler);
    // The job's work: the warning or the breach of one clock, if it is still due then (idempotent).
    Status Fire(Id conversation_id, const std::string& metric, std::int64_t due_at, bool warning);

    // Hooks, in the caller's write transaction. `before` is absent for a new conversation.
    void OnSaved(storage::Tx& tx, const std::optional<Conversation>& before, const Conversation& after);
    // A public agent reply at `at`, with the conversation as it was before the reply.
    void OnReply(storage::Tx& tx, const Conversation& before, Id agent_id, std::int64_t at);

    // support.agent or support.admin reads, support.admin writes (404 team_not_found).
    Result<SlaPolicy> Policy(const Actor& actor, Id team_id);
    Result<SlaPolicy> SetPolicy(const Actor& actor, const SlaPolicy& policy);
    // The conversation's clocks and CSAT, for agents who may see it (else 404).
    Result<ConversationSla> OfConversation(const Actor& actor, Id conversation_id);
    // The clocks of those conversations the caller may see (others are left out), by conversation.
    Result<std::vector<SlaClock>> ClocksOf(const Actor& actor, const std::vector<Id>& conversation_ids);
    // Whether resolving asks the customer for a rating (support.admin).
    Result<bool> CsatEnabled(const Actor& actor, Id inbox_id);
    Result<bool> SetCsatEnabled(const Actor& actor, Id inbox_id, bool enabled);

    // The widget: the visitor's view and rating of their conversation's CSAT (404 for another's
    // conversation, 409 csat_not_requested before a resolve asked, 409 csat_already_rated).
    Result<std::optional<Csat>> VisitorCsat(const std::string& visitor_token, Id conversation_id);
    Result<Csat> Rate(const std::string& visitor_token, Id conversation_id, int rating,
                      const std::string& comment);

private:
    std::optional<calendar::BusinessCalendar> CalendarOf(storage::Tx& tx, std::optional<Id> team_id);
    void Start(storage::Tx& tx, const Conversation& c, const SlaPolicy& policy, const std::string& metric,
               int minutes, std::int64_t at);
    void Pause(storage::Tx& tx, SlaClock clock, std::int64_t now);
    void Resume(storage::Tx& tx, const Conversation& c, SlaClock clock, std::int64_t now);
    void Finish(storage::Tx& tx, const Conversation& c, SlaClock clock, std::int64_t at, bool hit);
    void Schedule(storage::Tx& tx, const SlaClock& clock, std::int64_t now);
    void Unschedule(storage::Tx& tx, const SlaClock& clock);
    void Report(storage::Tx& tx, std::string_view kind, const Conversation& c, std::optional<Id> agent_id,
                std::optional<std::string> metric, std::optional<std::int64_t> from, std::int64_t at);

    storage::Database& db_;
    const roles::RoleService& roles_;
    CalendarSource calendars_;
    jobs::Scheduler* scheduler_ = nullptr;
};

// The team's policy in this transaction; nullopt when it has none.
std::optional<SlaPolicy> LoadSlaPolicy(storage::Tx& tx, Id team_id);
std::vector<SlaClock> LoadSlaClocks(storage::Tx& tx, Id conversation_id);

}  // namespace veche::support
