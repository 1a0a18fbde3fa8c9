// SLA clocks, reporting events and CSAT (sla.hpp).
#include "sla.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>

#include "desk_events.hpp"
#include "store.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/crypto.hpp"
#include "veche/core/event.hpp"
#include "veche/core/json.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/support/sla_math.hpp"

namespace veche::support {

using storage::Tx;
namespace bj = boost::json;

namespace {

constexpr std::string_view kJobKind = "support.sla";
constexpr std::int64_t kMsPerMinute = 60'000;
const char* const kMetrics[] = {"frt", "nrt", "rt"};

bool Paused(const std::string& status) { return status == "pending" || status == "snoozed"; }

std::string JobKey(const SlaClock& clock, bool warning) {
    return "support.sla." + IdToString(clock.conversation_id) + "." + clock.metric +
           (warning ? ".warn" : ".due");
}

constexpr const char* kClockColumns =
    "SELECT conversation_id, metric, state, threshold_ms, business, calendar_id, warn_lead_ms, started_at, "
    "due_at, "
    "remaining_ms, warned, stopped_at FROM support_sla_clocks ";

SlaClock ReadClock(const storage::Statement& st) {
    SlaClock k;
    k.conversation_id = st.Int(0);
    k.metric = st.Text(1);
    k.state = st.Text(2);
    k.threshold_ms = st.Int(3);
    k.business = st.Int(4) != 0;
    k.calendar_id = st.OptInt(5);
    k.warn_lead_ms = st.Int(6);
    k.started_at = st.Int(7);
    k.due_at = st.OptInt(8);
    k.remaining_ms = st.OptInt(9);
    k.warned = st.Int(10) != 0;
    k.stopped_at = st.OptInt(11);
    return k;
}

std::optional<SlaClock> LoadClock(Tx& tx, Id conversation_id, std::string_view metric) {
    auto& st = tx.Query(std::string(kClockColumns) + "WHERE conversation_id = ? AND metric = ?",
                        conversation_id, std::string(metric));
    if (!st.Step()) return std::nullopt;
    SlaClock k = ReadClock(st);
    while (st.Step()) {
    }
    return k;
}

void SaveClock(Tx& tx, const SlaClock& k) {
    tx.Exec(
        "INSERT INTO support_sla_clocks(conversation_id, metric, state, threshold_ms, business, calendar_id, "
        "warn_lead_ms, started_at, due_at, remaining_ms, warned, stopped_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, "
        "?) ON CONFLICT (conversation_id, metric) DO UPDATE SET state = excluded.state, threshold_ms = "
        "excluded.threshold_ms, business = excluded.business, calendar_id = excluded.calendar_id, "
        "warn_lead_ms = "
        "excluded.warn_lead_ms, started_at = excluded.started_at, due_at = excluded.due_at, remaining_ms = "
        "excluded.remaining_ms, warned = excluded.warned, stopped_at = excluded.stopped_at",
        k.conversation_id, k.metric, k.state, k.threshold_ms, k.business ? 1 : 0, k.calendar_id,
        k.warn_lead_ms, k.started_at, k.due_at, k.remaining_ms, k.warned ? 1 : 0, k.stopped_at);
}

bj::object ClockData(const Conversation& c, const SlaClock& k) {
    bj::object o{{"conversation_id", IdToString(c.id)},
                 {"number", NumberText(c.number)},
                 {"metric", k.metric},
                 {"state", k.state}};
    o["due_at"] = k.due_at ? bj::value(*k.due_at) : bj::value(nullptr);
    return o;
}

// The SLA's events reach whoever may see the conversation (its team, the desk's admins, the assignee),
// by the desk's one addressing rule, queued conversations included: an escalation is for leads too.
void EmitSlaEvent(Tx& tx, const Conversation& c, std::string_view kind, const SlaClock& k) {
    EmitConversationEvent(tx, c, kind, ClockData(c, k));
}

std::optional<Csat> LoadCsat(Tx& tx, Id conversation_id) {
    auto& st = tx.Query(
        "SELECT conversation_id, agent_id, team_id, requested_at, rating, comment, rated_at FROM "
        "support_csat WHERE "
        "conversation_id = ?",
        conversation_id);
    if (!st.Step()) return std::nullopt;
    Csat c;
    c.conversation_id = st.Int(0);
    c.agent_id = st.OptInt(1);
    c.team_id = st.OptInt(2);
    c.requested_at = st.Int(3);
    if (auto r = st.OptInt(4)) c.rating = static_cast<int>(*r);
    c.comment = st.Text(5);
    c.rated_at = st.OptInt(6);
    while (st.Step()) {
    }
    return c;
}

// The contact a visitor token stands for, by the widget's rules (visitors.cpp): a "vis_" token
// whose hash is known, of an inbox that, when verification is mandatory, verified the contact.
Result<Id> VisitorContactId(Tx& tx, const std::string& token) {
    Error unauthenticated{ErrorCode::kUnauthenticated, "visitor_unauthenticated",
                          "a valid visitor token is required"};
    if (token.rfind("vis_", 0) != 0) return unauthenticated;
    auto id =
        tx.QueryInt("SELECT contact_id FROM support_visitors WHERE token_hash = ?", crypto::Sha256Hex(token));
    if (!id) return unauthenticated;
    auto contact = LoadContact(tx, *id);
    if (!contact) return unauthenticated;
    auto inbox = LoadInbox(tx, contact->inbox_id);
    if (!inbox || (inbox->hmac_mandatory && !contact->verified))
        return Error{ErrorCode::kUnauthenticated, "identity_unverified",
                     "the identifier's hash does not verify"};
    return contact->id;
}

Result<Conversation> VisitorConversation(Tx& tx, const std::string& token, Id conversation_id) {
    VECHE_ASSIGN_OR_RETURN(Id contact, VisitorContactId(tx, token));
    auto c = LoadConversation(tx, conversation_id);
    if (!c || c->contact_id != contact) return Error::NotFound("conversation");
    return *c;
}

}  // namespace

std::optional<SlaPolicy> LoadSlaPolicy(Tx& tx, Id team_id) {
    auto& st = tx.Query(
        "SELECT p.frt_minutes, p.nrt_minutes, p.rt_minutes, p.business_hours_only, p.warn_before_minutes, "
        "t.calendar_id, p.updated_at FROM support_sla_policies p JOIN support_teams t ON t.id = p.team_id "
        "WHERE "
        "p.team_id = ?",
        team_id);
    if (!st.Step()) return std::nullopt;
    SlaPolicy p;
    p.team_id = team_id;
    auto minutes = [&](int col) -> std::optional<int> {
        if (auto v = st.OptInt(col)) return static_cast<int>(*v);
        return std::nullopt;
    };
    p.frt_minutes = minutes(0);
    p.nrt_minutes = minutes(1);
    p.rt_minutes = minutes(2);
    p.business_hours_only = st.Int(3) != 0;
    p.warn_before_minutes = static_cast<int>(st.Int(4));
    p.calendar_id = st.OptInt(5);
    p.updated_at = st.Int(6);
    while (st.Step()) {
    }
    return p;
}

std::vector<SlaClock> LoadSlaClocks(Tx& tx, Id conversation_id) {
    std::vector<SlaClock> out;
    auto& st =
        tx.Query(std::string(kClockColumns) + "WHERE conversation_id = ? ORDER BY metric", conversation_id);
    while (st.Step()) out.push_back(ReadClock(st));
    return out;
}

SlaEngine::SlaEngine(storage::Database& db, const roles::RoleService& roles, CalendarSource calendars)
    : db_(db), roles_(roles), calendars_(std::move(calendars)) {}

void SlaEngine::UseScheduler(jobs::Scheduler& scheduler) {
    scheduler_ = &scheduler;
    scheduler.Register(std::string(kJobKind), [this](const jobs::Job& job) -> Status {
        VECHE_ASSIGN_OR_RETURN(auto payload, json::ParseObject(job.payload));
        VECHE_ASSIGN_OR_RETURN(Id id, json::ReqId(payload, "id"));
        VECHE_ASSIGN_OR_RETURN(auto metric, json::ReqString(payload, "metric", {10, 1}));
        VECHE_ASSIGN_OR_RETURN(auto due, json::OptInt(payload, "due", 0, INT64_MAX));
        VECHE_ASSIGN_OR_RETURN(auto warning, json::OptBool(payload, "warning"));
        return Fire(id, metric, due.value_or(0), warning.value_or(false));
    });
}

std::optional<calendar::BusinessCalendar> SlaEngine::CalendarOf(Tx& tx, std::optional<Id> team_id) {
    std::optional<Id> calendar_id;
    if (team_id) calendar_id = tx.QueryInt("SELECT calendar_id FROM support_teams WHERE id = ?", *team_id);
    auto cal = calendars_(calendar_id);
    if (!cal.ok() && calendar_id) cal = calendars_(std::nullopt);  // a calendar gone: the default one
    if (!cal.ok()) {
        spdlog::warn("support: no business calendar for team {}: {}", team_id.value_or(0),
                     cal.error().message);
        return std::nullopt;
    }
    return *cal;
}

void SlaEngine::Schedule(Tx& tx, const SlaClock& k, std::int64_t now) {
    if (!scheduler_ || k.state != "running" || !k.due_at) return;
    auto cal = k.business ? CalendarOf(tx, LoadConversation(tx, k.conversation_id)->team_id) : std::nullopt;
    const calendar::BusinessCalendar* calp = cal ? &*cal : nullptr;
    auto put = [&](bool warning, std::int64_t at) {
        bj::object payload{{"id", IdToString(k.conversation_id)},
                           {"metric", k.metric},
                           {"due", *k.due_at},
                           {"warning", warning}};
        jobs::ScheduleOptions options;
        options.dedupe_key = JobKey(k, warning);
        auto r = scheduler_->Schedule(tx, kJobKind, json::Serialize(payload), at, options);
        if (!r.ok()) spdlog::error("support: cannot schedule an SLA job: {}", r.error().message);
    };
    if (!k.warned) {
        if (auto warn_at = SlaWarnAt(calp, now, *k.due_at, k.warn_lead_ms)) put(true, *warn_at);
    }
    put(false, *k.due_at);
}

void SlaEngine::Unschedule(Tx& tx, const SlaClock& k) {
    if (!scheduler_) return;
    scheduler_->Cancel(tx, JobKey(k, true));
    scheduler_->Cancel(tx, JobKey(k, false));
}

void SlaEngine::Start(Tx& tx, const Conversation& c, const SlaPolicy& policy, const std::string& metric,
                      int minutes, std::int64_t at) {
    if (auto old = LoadClock(tx, c.id, metric)) Unschedule(tx, *old);
    SlaClock k;
    k.conversation_id = c.id;
    k.metric = metric;
    k.state = "running";
    k.threshold_ms = minutes * kMsPerMinute;
    k.business = policy.business_hours_only;
    k.calendar_id = policy.calendar_id;
    k.warn_lead_ms = SlaWarnLead(k.threshold_ms, policy.warn_before_minutes * kMsPerMinute);
    k.started_at = at;
    auto cal = k.business ? CalendarOf(tx, c.team_id) : std::nullopt;
    k.due_at = SlaDueAt(cal ? &*cal : nullptr, at, k.threshold_ms);
    if (Paused(c.status)) {
        k.state = "paused";
        k.remaining_ms = k.threshold_ms;
        k.due_at = std::nullopt;
    }
    SaveClock(tx, k);
    Schedule(tx, k, NowMs());
}

void SlaEngine::Pause(Tx& tx, SlaClock k, std::int64_t now) {
    if (k.state != "running" || !k.due_at) return;
    Unschedule(tx, k);
    auto cal = k.business ? CalendarOf(tx, LoadConversation(tx, k.conversation_id)->team_id) : std::nullopt;
    k.remaining_ms = SlaSpanBetween(cal ? &*cal : nullptr, now, *k.due_at);
    k.due_at = std::nullopt;
    k.state = "paused";
    SaveClock(tx, k);
}

void SlaEngine::Resume(Tx& tx, const Conversation& c, SlaClock k, std::int64_t now) {
    if (k.state != "paused") return;
    auto cal = k.business ? CalendarOf(tx, c.team_id) : std::nullopt;
    k.due_at = SlaDueAt(cal ? &*cal : nullptr, now, k.remaining_ms.value_or(0));
    k.remaining_ms = std::nullopt;
    k.state = "running";
    SaveClock(tx, k);
    Schedule(tx, k, now);
    // Paused with nothing left: due at once (the job fires within the queue's poll).
}

void SlaEngine::Finish(Tx& tx, const Conversation& c, SlaClock k, std::int64_t at, bool hit) {
    if (k.state != "running" && k.state != "paused") return;
    Unschedule(tx, k);
    if (!hit) {
        k.state = "stopped";
        k.stopped_at = at;
        k.remaining_ms = std::nullopt;
        SaveClock(tx, k);
        return;
    }
    // The answer came after the due time, before the breach job ran: a miss all the same.
    bool missed = k.state == "running" && k.due_at && at > *k.due_at;
    k.state = missed ? "missed" : "hit";
    k.stopped_at = missed ? *k.due_at : at;
    k.remaining_ms = std::nullopt;
    SaveClock(tx, k);
    Report(tx, missed ? "sla_missed" : "sla_hit", c, c.assignee_id, k.metric, k.started_at, *k.stopped_at);
    EmitSlaEvent(tx, c, missed ? "support.sla.missed" : "support.sla.hit", k);
}

Status SlaEngine::Fire(Id id, const std::string& metric, std::int64_t due_at, bool warning) {
    return db_.Write([&](Tx& tx) -> Status {
        auto k = LoadClock(tx, id, metric);
        // Hit, paused, restarted or moved since: this job is stale.
        if (!k || k->state != "running" || k->due_at != due_at) return {};
        auto c = LoadConversation(tx, id);
        if (!c) return {};
        if (warning) {
            if (k->warned) return {};
            k->warned = true;
            SaveClock(tx, *k);
            EmitSlaEvent(tx, *c, "support.sla.warning", *k);
            return {};
        }
        k->state = "missed";
        k->stopped_at = due_at;
        SaveClock(tx, *k);
        if (scheduler_) scheduler_->Cancel(tx, JobKey(*k, true));
        Report(tx, "sla_missed", *c, c->assignee_id, k->metric, k->started_at, due_at);
        EmitSlaEvent(tx, *c, "support.sla.missed", *k);
        return {};
    });
}

void SlaEngine::Report(Tx& tx, std::string_view kind, const Conversation& c, std::optional<Id> agent_id,
                       std::optional<std::string> metric, std::optional<std::int64_t> from, std::int64_t at) {
    std::optional<std::int64_t> value_s, business_s;
    if (from) {
        value_s = std::max<std::int64_t>(0, at - *from) / 1000;
        auto cal = CalendarOf(tx, c.team_id);
        business_s = cal ? SlaSpanBetween(&*cal, *from, at) / 1000 : *value_s;
    }
    tx.Exec(
        "INSERT INTO support_report_events(id, kind, conversation_id, team_id, agent_id, metric, value_s, "
        "value_business_s, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        GlobalIds().Next(), std::string(kind), c.id, c.team_id, agent_id, metric, value_s, business_s, at);
}

void SlaEngine::OnReply(Tx& tx, const Conversation& before, Id agent_id, std::int64_t at) {
    if (!before.first_reply_at)
        Report(tx, "first_response", before, agent_id, std::nullopt, before.created_at, at);
    Report(tx, "reply", before, agent_id, std::nullopt, before.waiting_since, at);
}

void SlaEngine::OnSaved(Tx& tx, const std::optional<Conversation>& before, const Conversation& after) {
    std::int64_t now = NowMs();
    auto policy = after.team_id ? LoadSlaPolicy(tx, *after.team_id) : std::nullopt;
    auto start = [&](const std::string& metric, std::optional<int> minutes, std::int64_t at) {
        if (policy && minutes) Start(tx, after, *policy, metric, *minutes, at);
    };
    auto clock = [&](std::string_view metric) { return LoadClock(tx, after.id, metric); };
    if (!before) {
        if (policy) {
            start("frt", policy->frt_minutes, after.created_at);
            start("rt", policy->rt_minutes, after.created_at);
        }
        return;
    }
    const Conversation& was = *before;
    bool resolved = after.status == "resolved" && was.status != "resolved";
    bool reopened = was.status == "resolved" && after.status != "resolved";
    // Answers: the first public reply hits frt; a reply to a waiting customer hits nrt.
    if (!was.first_reply_at && after.first_reply_at) {
        if (auto k = clock("frt")) Finish(tx, after, *k, *after.first_reply_at, true);
    }
    if (was.waiting_since && !after.waiting_since && !resolved) {
        if (auto k = clock("nrt")) Finish(tx, after, *k, now, true);
    }
    if (resolved) {
        std::int64_t at = after.resolved_at.value_or(now);
        if (auto k = clock("rt")) Finish(tx, after, *k, at, true);
        for (const char* m : {"frt", "nrt"})
            if (auto k = clock(m)) Finish(tx, after, *k, at, false);
        Report(tx, "resolved", after, after.assignee_id, std::nullopt, after.created_at, at);
        auto inbox = LoadInbox(tx, after.inbox_id);
        bool csat =
            tx.QueryInt("SELECT csat_enabled FROM support_inboxes WHERE id = ?", after.inbox_id).value_or(0);
        if (inbox && csat) {
            // One rating per conversation: a later resolve re-attributes a request not yet answered.
            tx.Exec(
                "INSERT INTO support_csat(conversation_id, agent_id, team_id, requested_at, comment) VALUES "
                "(?, ?, ?, "
                "?, '') ON CONFLICT (conversation_id) DO UPDATE SET agent_id = excluded.agent_id, team_id = "
                "excluded.team_id, requested_at = excluded.requested_at WHERE support_csat.rating IS NULL",
                after.id, after.assignee_id, after.team_id, at);
        }
    }
    if (reopened) {
        Report(tx, "reopened", after, after.assignee_id, std::nullopt, std::nullopt, now);
        if (policy) start("rt", policy->rt_minutes, now);
    }
    // The customer wrote again after being answered: the next response is due.
    if (!was.waiting_since && after.waiting_since && after.first_reply_at && after.status != "resolved") {
        if (policy) start("nrt", policy->nrt_minutes, *after.waiting_since);
    }
    if (was.assignee_id != after.assignee_id)
        Report(tx, "assigned", after, after.assignee_id, std::nullopt, std::nullopt, now);
    if (Paused(after.status) && !Paused(was.status)) {
        for (const char* m : kMetrics)
            if (auto k = clock(m)) Pause(tx, *k, now);
    } else if (after.status == "open" && was.status != "open") {
        for (const char* m : kMetrics)
            if (auto k = clock(m)) Resume(tx, after, *k, now);
    }
}

// -- the routes' side --------------------------------------------------------------------------

Result<SlaPolicy> SlaEngine::Policy(const Actor& actor, Id team_id) {
    return db_.Read([&](Tx& tx) -> Result<SlaPolicy> {
        VECHE_RETURN_IF_ERROR(ViewerOf(tx, roles_, actor.user_id));
        if (!LoadTeam(tx, team_id)) return Error::NotFound("team");
        if (auto p = LoadSlaPolicy(tx, team_id)) return *p;
        SlaPolicy p;
        p.team_id = team_id;
        p.calendar_id = tx.QueryInt("SELECT calendar_id FROM support_teams WHERE id = ?", team_id);
        return p;
    });
}

Result<SlaPolicy> SlaEngine::SetPolicy(const Actor& actor, const SlaPolicy& policy) {
    return db_.Write([&](Tx& tx) -> Result<SlaPolicy> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        if (!LoadTeam(tx, policy.team_id)) return Error::NotFound("team");
        if (policy.calendar_id &&
            !tx.QueryInt("SELECT id FROM calendar_calendars WHERE id = ?", *policy.calendar_id))
            return Error::NotFound("calendar");
        std::int64_t now = NowMs();
        tx.Exec("UPDATE support_teams SET calendar_id = ? WHERE id = ?", policy.calendar_id, policy.team_id);
        tx.Exec(
            "INSERT INTO support_sla_policies(team_id, frt_minutes, nrt_minutes, rt_minutes, "
            "business_hours_only, "
            "warn_before_minutes, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (team_id) DO UPDATE "
            "SET "
            "frt_minutes = excluded.frt_minutes, nrt_minutes = excluded.nrt_minutes, rt_minutes = "
            "excluded.rt_minutes, "
            "business_hours_only = excluded.business_hours_only, warn_before_minutes = "
            "excluded.warn_before_minutes, "
            "updated_at = excluded.updated_at",
            policy.team_id, policy.frt_minutes, policy.nrt_minutes, policy.rt_minutes,
            policy.business_hours_only ? 1 : 0, policy.warn_before_minutes, now);
        // Clocks already running keep the targets they started with; new clocks take these.
        return *LoadSlaPolicy(tx, policy.team_id);
    });
}

Result<ConversationSla> SlaEngine::OfConversation(const Actor& actor, Id conversation_id) {
    return db_.Read([&](Tx& tx) -> Result<ConversationSla> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        auto c = LoadConversation(tx, conversation_id);
        if (!c || !CanSee(viewer, *c)) return Error::NotFound("conversation");
        return ConversationSla{LoadSlaClocks(tx, conversation_id), LoadCsat(tx, conversation_id)};
    });
}

Result<std::vector<SlaClock>> SlaEngine::ClocksOf(const Actor& actor, const std::vector<Id>& ids) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<SlaClock>> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        std::vector<SlaClock> out;
        for (Id id : ids) {
            auto c = LoadConversation(tx, id);
            if (!c || !CanSee(viewer, *c)) continue;
            for (auto& k : LoadSlaClocks(tx, id)) out.push_back(std::move(k));
        }
        return out;
    });
}

Result<bool> SlaEngine::CsatEnabled(const Actor& actor, Id inbox_id) {
    return db_.Read([&](Tx& tx) -> Result<bool> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        auto v = tx.QueryInt("SELECT csat_enabled FROM support_inboxes WHERE id = ?", inbox_id);
        if (!v) return Error::NotFound("inbox");
        return *v != 0;
    });
}

Result<bool> SlaEngine::SetCsatEnabled(const Actor& actor, Id inbox_id, bool enabled) {
    return db_.Write([&](Tx& tx) -> Result<bool> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        if (!tx.Exec("UPDATE support_inboxes SET csat_enabled = ? WHERE id = ?", enabled ? 1 : 0, inbox_id))
            return Error::NotFound("inbox");
        return enabled;
    });
}

Result<std::optional<Csat>> SlaEngine::VisitorCsat(const std::string& token, Id conversation_id) {
    return db_.Read([&](Tx& tx) -> Result<std::optional<Csat>> {
        VECHE_ASSIGN_OR_RETURN(auto c, VisitorConversation(tx, token, conversation_id));
        return LoadCsat(tx, c.id);
    });
}

Result<Csat> SlaEngine::Rate(const std::string& token, Id conversation_id, int rating,
                             const std::string& comment) {
    return db_.Write([&](Tx& tx) -> Result<Csat> {
        VECHE_ASSIGN_OR_RETURN(auto c, VisitorConversation(tx, token, conversation_id));
        auto csat = LoadCsat(tx, c.id);
        if (!csat)
            return Error::Conflict("csat_not_requested", "the conversation has not asked for a rating");
        if (csat->rating)
            return Error::Conflict("csat_already_rated", "the conversation has been rated already");
        std::int64_t now = NowMs();
        tx.Exec("UPDATE support_csat SET rating = ?, comment = ?, rated_at = ? WHERE conversation_id = ?",
                rating, comment, now, c.id);
        return *LoadCsat(tx, c.id);
    });
}

}  // namespace veche::support
