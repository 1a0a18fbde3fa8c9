#pragma once
// The scoring rules of the expert network as pure functions (EXP-10, MODULES.md §3.4 "Proposed Veche
// scoring"): what a source deserves now, how that differs from what the ledger holds, the period
// boundaries of leaderboards and dense ranking. No storage and no clock; scores.hpp applies them.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veche/core/ids.hpp"
#include "veche/experts/outcomes.hpp"

namespace veche::experts {

// Rule keys (experts_score_rules) and their defaults. Points of a rule are read when an award is
// made; a rule that is inactive awards nothing, and a recalculation voids what it had awarded.
inline constexpr std::string_view kRuleResolvedBeginner = "consultation.resolved.beginner";
inline constexpr std::string_view kRuleResolvedBasic = "consultation.resolved.basic";
inline constexpr std::string_view kRuleResolvedAdvanced = "consultation.resolved.advanced";
inline constexpr std::string_view kRuleRatingBonus = "consultation.rating_bonus";
inline constexpr std::string_view kRuleRejectedWithReason = "consultation.rejected_with_reason";
inline constexpr std::string_view kRuleCuratorAssignedInSla = "consultation.curator_assigned_in_sla";
inline constexpr std::string_view kRuleBestPractice = "article.best_practice_published";
inline constexpr std::string_view kRuleSuccessStory = "article.success_story_published";
inline constexpr std::string_view kRuleEventSummary = "event.summary_posted";
// A moderator's award by hand: the points are the row's own, not a rule's.
inline constexpr std::string_view kRuleManual = "manual";

struct RuleDefault {
    std::string_view key;
    int points;
    std::string_view description;
};
inline constexpr RuleDefault kDefaultRules[] = {
    {kRuleResolvedBeginner, 10, "A consultation of level beginner resolved: to the expert"},
    {kRuleResolvedBasic, 20, "A consultation of level basic resolved: to the expert"},
    {kRuleResolvedAdvanced, 30, "A consultation of level advanced resolved: to the expert"},
    {kRuleRatingBonus, 5, "The requester rated the resolved consultation 4 or 5: to the expert"},
    {kRuleRejectedWithReason, 2, "A consultation rejected with a reason: to the expert"},
    {kRuleCuratorAssignedInSla, 1, "An expert assigned within the assignment SLA: to the curator"},
    {kRuleBestPractice, 15, "A best practice published: to the author"},
    {kRuleSuccessStory, 10, "A success story published: to the author"},
    {kRuleEventSummary, 10, "An event held with its summary posted: to the curator or host"},
};

inline constexpr std::string_view kSourceConsultation = "consultation";
inline constexpr std::string_view kSourceArticle = "article";
inline constexpr std::string_view kSourceEvent = "event";
inline constexpr std::string_view kSourceManual = "manual";

// The active rules' points by key (inactive rules absent).
using RulePoints = std::map<std::string, int, std::less<>>;

// One award as the ledger holds it (experts_score_events), less its bookkeeping.
struct Award {
    Id user_id = 0;
    std::optional<Id> community_id;
    std::string rule_key;
    int points = 0;
    std::int64_t day = 0;  // days since 1970-01-01 of the local date in the company's time zone
    bool operator==(const Award&) const = default;
};

struct LedgerRow {
    Id id = 0;
    Award award;
};

// What a consultation deserves in its present state: resolved → the level's points to the expert,
// and the rating bonus for a rating of 4–5; rejected → the rejection's points to the expert. Nothing
// when there is no expert or the requester is the expert (self-dealing never scores), and nothing
// for a rule that is not active. Each award is dated on the day of resolved_at (changed_at if absent),
// so a recalculation dates it as the first scoring did. `day_of` maps an instant to its local day.
using DayOf = std::function<std::int64_t(std::int64_t at_ms)>;
std::vector<Award> ConsultationAwards(const ConsultationOutcome& outcome, const RulePoints& rules, const DayOf& day_of);

// What a content outcome deserves: a best practice or a success story published → its rule's points
// to the author; an event's summary posted → the summary's points to its poster. Nothing when the
// outcome is not `deserved`, has no author, or its rule is inactive. The source kind is
// kSourceArticle or kSourceEvent (ContentSourceKind).
std::vector<Award> ContentAwards(const ContentOutcome& outcome, const RulePoints& rules, const DayOf& day_of);
std::string_view ContentSourceKind(const ContentOutcome& outcome);

struct Reconciliation {
    std::vector<Id> to_void;       // ledger rows no longer deserved (or deserved differently)
    std::vector<Award> to_insert;  // awards the ledger lacks
};
// Compares what a source deserves with its unvoided ledger rows: a row equal to a desired award
// (user, community, rule, points, day) stays; every other row is voided and every desired award
// without an equal row is inserted. Applying the result twice changes nothing the second time.
Reconciliation Reconcile(const std::vector<LedgerRow>& existing, const std::vector<Award>& desired);

enum class Period { kMonth, kQuarter, kYear, kAll };
std::optional<Period> PeriodFromName(std::string_view name);
std::string_view PeriodName(Period period);
// The first day (days since the epoch) of the period that holds `today`; 0 for all time.
std::int64_t PeriodStartDay(Period period, std::int64_t today);
// A month as year * 12 + (month - 1), the key of the monthly totals; every period starts on a month.
std::int64_t MonthOfDay(std::int64_t day);
std::string DayToIso(std::int64_t day);

// Dense ranking: `totals` sorted by points descending (ties by id ascending) get ranks 1, 2, …
// where equal points share a rank and the next distinct total takes the next rank.
struct Ranked {
    Id id = 0;
    std::int64_t points = 0;
    std::int64_t rank = 0;
};
std::vector<Ranked> DenseRank(std::vector<std::pair<Id, std::int64_t>> totals);

}  // namespace veche::experts
