// Scoring, rules, settings, the ledger and recalculation (veche/experts/scores.hpp).
#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "community_store.hpp"
#include "events.hpp"
#include "score_store.hpp"
#include "veche/audit/audit.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/experts/scores.hpp"

namespace veche::experts {

namespace bj = boost::json;
using storage::Tx;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kCalendarTtlMs = 60'000;

Status RequireEmployee(const Actor& actor) {
    if (actor.is_guest) return Error::Forbidden("guest accounts have no place in the expert network");
    return {};
}

Status Audit(Tx& tx, Id actor, std::string action, std::string target_kind, std::optional<Id> target,
             bj::object data) {
    return audit::Record(tx, {actor, "", std::move(action), std::move(target_kind), target, json::Serialize(data), 0});
}

bj::object AwardData(const ScoreEvent& e) {
    return bj::object{{"event_id", IdToString(e.id)},
                      {"rule_key", e.rule_key},
                      {"points", e.points},
                      {"source_kind", e.source_kind},
                      {"source_id", IdToString(e.source_id)},
                      {"community_id", e.community_id ? bj::value(IdToString(*e.community_id)) : bj::value(nullptr)}};
}

}  // namespace

ScoreService::ScoreService(storage::Database& db, const Access& access, calendar::CalendarService& calendars)
    : db_(db), access_(access), calendars_(calendars) {}

void ScoreService::Refresh() {
    std::int64_t now = NowMs();
    {
        std::lock_guard lock(mu_);
        if (calendar_ && now - calendar_at_ < kCalendarTtlMs) return;
    }
    auto cal = calendars_.Get();
    std::lock_guard lock(mu_);
    if (cal.ok()) calendar_.emplace(*cal);
    calendar_at_ = now;
}

std::int64_t ScoreService::DayOf(std::int64_t at_ms) {
    {
        std::lock_guard lock(mu_);
        if (calendar_) return std::chrono::sys_days{calendar_->LocalDate(at_ms)}.time_since_epoch().count();
    }
    // Only before the first read of the default calendar succeeded: UTC days.
    return at_ms >= 0 ? at_ms / kDayMs : (at_ms - kDayMs + 1) / kDayMs;
}

Status ScoreService::Apply(Tx& tx, std::string_view source_kind, Id source_id, const std::vector<Award>& desired,
                           std::string_view void_reason, std::int64_t* inserted, std::int64_t* voided) {
    auto existing = store::UnvoidedRows(tx, source_kind, source_id);
    Reconciliation r = Reconcile(existing, desired);
    std::int64_t now = NowMs();
    for (Id id : r.to_void) {
        auto row = std::find_if(existing.begin(), existing.end(), [id](const LedgerRow& l) { return l.id == id; });
        if (!store::VoidEvent(tx, id, std::string(void_reason), now)) continue;
        if (voided) ++*voided;
        EmitToUsers(tx, "experts.score.voided", {row->award.user_id},
                    bj::object{{"event_id", IdToString(id)}, {"rule_key", row->award.rule_key},
                               {"points", row->award.points}, {"reason", void_reason}});
    }
    for (const auto& a : r.to_insert) {
        ScoreEvent e;
        e.id = GlobalIds().Next();
        e.user_id = a.user_id;
        e.community_id = a.community_id;
        e.rule_key = a.rule_key;
        e.points = a.points;
        e.source_kind = std::string(source_kind);
        e.source_id = source_id;
        e.day = a.day;
        e.created_at = now;
        store::InsertEvent(tx, e);
        if (inserted) ++*inserted;
        EmitToUsers(tx, "experts.score.awarded", {e.user_id}, AwardData(e));
    }
    return {};
}

Status ScoreService::EnsureDefaults() {
    return db_.Write([](Tx& tx) -> Status {
        store::InsertDefaults(tx);
        return {};
    });
}

Status ScoreService::Score(Tx& tx, const ConsultationOutcome& outcome) {
    bool have_calendar = false;
    {
        std::lock_guard lock(mu_);
        have_calendar = calendar_.has_value();
    }
    if (!have_calendar) Refresh();
    auto desired = ConsultationAwards(outcome, store::ActiveRulePoints(tx), [this](std::int64_t at) { return DayOf(at); });
    return Apply(tx, kSourceConsultation, outcome.id, desired, "no_longer_deserved", nullptr, nullptr);
}

Status ScoreService::Score(Tx& tx, const ContentOutcome& outcome) {
    bool have_calendar = false;
    {
        std::lock_guard lock(mu_);
        have_calendar = calendar_.has_value();
    }
    if (!have_calendar) Refresh();
    auto desired = ContentAwards(outcome, store::ActiveRulePoints(tx), [this](std::int64_t at) { return DayOf(at); });
    return Apply(tx, ContentSourceKind(outcome), outcome.source_id, desired, "no_longer_deserved", nullptr, nullptr);
}

Result<std::vector<ScoreRule>> ScoreService::Rules(const Actor& actor) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    return db_.Read([&](Tx& tx) -> Result<std::vector<ScoreRule>> { return store::LoadRules(tx); });
}

Result<ScoreRule> ScoreService::Rule(const Actor& actor, const std::string& key) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    return db_.Read([&](Tx& tx) -> Result<ScoreRule> {
        auto r = store::LoadRule(tx, key);
        if (!r) return Error::NotFound("score_rule");
        return *r;
    });
}

Result<ScoreRule> ScoreService::PutRule(const Actor& actor, const std::string& key, const RuleChange& change) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    if (change.points && (*change.points < 0 || *change.points > kMaxRulePoints))
        return Error{ErrorCode::kUnprocessable, "invalid_points", "a rule's points are 0 to 1000"};
    return db_.Write([&](Tx& tx) -> Result<ScoreRule> {
        if (!access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("only the expert network's moderators edit score rules");
        auto r = store::LoadRule(tx, key);
        if (!r) return Error::NotFound("score_rule");
        bj::object data{{"key", key}};
        if (change.points) r->points = *change.points, data["points"] = *change.points;
        if (change.active) r->active = *change.active, data["active"] = *change.active;
        r->updated_by = actor.user_id;
        r->updated_at = NowMs();
        store::SaveRule(tx, *r);
        VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "experts.score_rule_changed", "experts_score_rule",
                                    std::nullopt, std::move(data)));
        return *r;
    });
}

Result<ScoreSettings> ScoreService::Settings(const Actor& actor) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    return db_.Read([&](Tx& tx) -> Result<ScoreSettings> { return store::LoadSettings(tx); });
}

Result<ScoreSettings> ScoreService::PutSettings(const Actor& actor, const ScoreSettings& settings) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    if (settings.recalculations_per_day < 0 || settings.recalculations_per_day > kMaxRecalculationsPerDay)
        return Error{ErrorCode::kUnprocessable, "invalid_limit", "recalculations_per_day is 0 to 100"};
    return db_.Write([&](Tx& tx) -> Result<ScoreSettings> {
        if (!access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("only the expert network's moderators edit the leaderboards' settings");
        ScoreSettings s = settings;
        std::sort(s.excluded_roles.begin(), s.excluded_roles.end());
        s.excluded_roles.erase(std::unique(s.excluded_roles.begin(), s.excluded_roles.end()), s.excluded_roles.end());
        bj::array roles;
        for (const auto& name : s.excluded_roles) {
            if (!tx.QueryInt("SELECT 1 FROM roles_catalog WHERE name = ?", name))
                return Error{ErrorCode::kUnprocessable, "unknown_role", "no role is named '" + name + "'"};
            roles.emplace_back(name);
        }
        store::SaveSettings(tx, s);
        VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "experts.score_settings_changed", "", std::nullopt,
                                    {{"excluded_roles", std::move(roles)},
                                     {"recalculations_per_day", s.recalculations_per_day}}));
        return s;
    });
}

Result<std::vector<ScoreEvent>> ScoreService::AwardManual(const Actor& actor, const std::vector<ManualAward>& awards) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    std::int64_t now = NowMs();
    for (const auto& a : awards) {
        if (a.points == 0 || a.points < -kMaxManualPoints || a.points > kMaxManualPoints)
            return Error{ErrorCode::kUnprocessable, "invalid_points", "points are non-zero, -1000 to 1000"};
        if (a.reason.empty()) return Error{ErrorCode::kUnprocessable, "field_required", "field 'reason' is required"};
        if (a.at && *a.at > now + 60'000)
            return Error{ErrorCode::kUnprocessable, "invalid_at", "an award is for work done, not in the future"};
    }
    Refresh();
    return db_.Write([&](Tx& tx) -> Result<std::vector<ScoreEvent>> {
        if (!access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("only the expert network's moderators award points by hand");
        std::vector<ScoreEvent> out;
        out.reserve(awards.size());
        for (const auto& a : awards) {
            if (!store::IsPerson(tx, a.user_id)) return Error::NotFound("user");
            if (a.community_id && !store::LoadCommunity(tx, *a.community_id)) return Error::NotFound("community");
            ScoreEvent e;
            e.id = GlobalIds().Next();
            e.user_id = a.user_id;
            e.community_id = a.community_id;
            e.rule_key = std::string(kRuleManual);
            e.points = a.points;
            e.source_kind = std::string(kSourceManual);
            e.source_id = e.id;
            e.day = DayOf(a.at.value_or(now));
            e.created_at = now;
            e.created_by = actor.user_id;
            e.reason = a.reason;
            store::InsertEvent(tx, e);
            EmitToUsers(tx, "experts.score.awarded", {e.user_id}, AwardData(e));
            out.push_back(std::move(e));
        }
        if (awards.size() <= 10) {
            for (const auto& e : out)
                VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "experts.score_awarded", "user", e.user_id,
                                            {{"event_id", IdToString(e.id)}, {"points", e.points},
                                             {"reason", e.reason}}));
        } else {
            VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "experts.score_awarded", "", std::nullopt,
                                        {{"count", out.size()}}));
        }
        return out;
    });
}

Result<ScoreEvent> ScoreService::VoidManual(const Actor& actor, Id event_id, const std::string& reason) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    return db_.Write([&](Tx& tx) -> Result<ScoreEvent> {
        if (!access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("only the expert network's moderators void awards");
        auto e = store::LoadEvent(tx, event_id);
        if (!e) return Error::NotFound("score_event");
        if (e->source_kind != kSourceManual)
            return Error::Conflict("not_manual", "a rule's award is voided by recalculation, not by hand");
        if (e->voided_at) return Error::Conflict("already_voided", "the award is already void");
        store::VoidEvent(tx, event_id, reason, NowMs());
        EmitToUsers(tx, "experts.score.voided", {e->user_id},
                    bj::object{{"event_id", IdToString(e->id)}, {"rule_key", e->rule_key}, {"points", e->points},
                               {"reason", reason}});
        VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "experts.score_voided", "user", e->user_id,
                                    {{"event_id", IdToString(e->id)}, {"reason", reason}}));
        return *store::LoadEvent(tx, event_id);
    });
}

Result<std::vector<ScoreEvent>> ScoreService::Ledger(const Actor& actor, const LedgerFilter& filter) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    return db_.Read([&](Tx& tx) -> Result<std::vector<ScoreEvent>> {
        LedgerFilter f = filter;
        if (!access_.IsModerator(tx, actor.user_id)) {
            if (f.user_id && *f.user_id != actor.user_id)
                return Error::Forbidden("only moderators read another user's score events");
            f.user_id = actor.user_id;
        }
        return store::ListEvents(tx, f);
    });
}

Result<Recalculation> ScoreService::Recalculate(const Actor& actor, std::int64_t since_ms) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    std::int64_t now = NowMs();
    if (since_ms < 0 || since_ms > now)
        return Error{ErrorCode::kUnprocessable, "invalid_since", "since is an instant in the past (ms)"};
    Refresh();
    std::int64_t today_start = 0;
    {
        std::lock_guard lock(mu_);
        today_start = calendar_ ? calendar_->LocalAt(calendar_->LocalDate(now), 0) : now - now % kDayMs;
    }
    return db_.Write([&](Tx& tx) -> Result<Recalculation> {
        if (!access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("only the expert network's moderators recalculate scores");
        auto settings = store::LoadSettings(tx);
        std::int64_t done = store::RecalculationsSince(tx, today_start);
        if (done >= settings.recalculations_per_day) {
            Error e = Error::RateLimited(static_cast<int>(std::max<std::int64_t>(1, (today_start + kDayMs - now) / 1000)));
            e.api_code = "recalculation_limit";
            e.message = "the day's recalculations are used up";
            return e;
        }
        Recalculation r;
        r.id = GlobalIds().Next();
        r.since = since_ms;
        RulePoints rules = store::ActiveRulePoints(tx);
        auto day_of = [this](std::int64_t at) { return DayOf(at); };
        VECHE_RETURN_IF_ERROR(ForEachConsultationOutcome(tx, since_ms, [&](const ConsultationOutcome& o) -> Status {
            ++r.sources;
            return Apply(tx, kSourceConsultation, o.id, ConsultationAwards(o, rules, day_of), "recalculated",
                         &r.inserted, &r.voided);
        }));
        store::InsertRecalculation(tx, actor.user_id, r, now);
        r.remaining_today = static_cast<int>(settings.recalculations_per_day - done - 1);
        VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "experts.scores_recalculated", "", std::nullopt,
                                    {{"since", since_ms}, {"sources", r.sources}, {"inserted", r.inserted},
                                     {"voided", r.voided}}));
        return r;
    });
}

}  // namespace veche::experts
