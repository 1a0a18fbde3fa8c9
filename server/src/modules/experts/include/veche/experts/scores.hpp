#pragma once
// Gamification of the expert network (EXP-10, MODULES.md §3.4): the rules, the append-only ledger of
// awards, recalculation, leaderboards and the experts' profile cards; the service behind
// /api/v1/experts/{score-rules,score-settings,score-events,scores,leaderboards,experts/{id}/card}.
//
// Scoring. Score(tx, outcome) runs in the transaction of the change that produced the outcome (the
// consultation observer, outcomes.hpp): it computes what the source deserves now (scoring.hpp) and
// reconciles the ledger with it, voiding rows no longer deserved and inserting what is missing, so a
// second call with the same outcome changes nothing. The monthly and yearly totals
// (experts_score_monthly, experts_score_yearly) change in the same transaction, so leaderboards
// always equal the sum of the unvoided ledger rows.
//
// Days. An award's day is the local date, in the company's time zone (the default business
// calendar's zone), of the instant that earned it; periods (month, quarter, year) are that zone's.
//
// Access. Every signed-in employee reads leaderboards and cards (a community they may not see is
// 404); moderators edit rules and settings, award points by hand and recalculate. Users holding an
// excluded role (settings; experts.moderator by default) never appear on a leaderboard.
//
// Synchronous; call from worker threads. Thread-safe.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "veche/calendar/calendar_service.hpp"
#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/experts/access.hpp"
#include "veche/experts/outcomes.hpp"
#include "veche/experts/scoring.hpp"
#include "veche/experts/types.hpp"
#include "veche/storage/database.hpp"

namespace veche::experts {

inline constexpr int kMaxRulePoints = 1000;
inline constexpr int kMaxManualPoints = 1000;
inline constexpr std::size_t kMaxScoreReasonChars = 500;
inline constexpr std::size_t kMaxManualBatch = 1000;
inline constexpr std::size_t kMaxExcludedRoles = 20;
inline constexpr int kMaxRecalculationsPerDay = 100;

struct ScoreRule {
    std::string key;
    int points = 0;
    bool active = true;
    std::string description;
    std::optional<Id> updated_by;
    std::int64_t updated_at = 0;
};

struct RuleChange {
    std::optional<int> points;
    std::optional<bool> active;
};

struct ScoreSettings {
    std::vector<std::string> excluded_roles;  // role names (roles_catalog.name)
    int recalculations_per_day = 5;
};

struct ScoreEvent {
    Id id = 0;
    Id user_id = 0;
    std::optional<Id> community_id;
    std::string rule_key;
    int points = 0;
    std::string source_kind;
    Id source_id = 0;
    std::int64_t day = 0;
    std::int64_t created_at = 0;
    std::optional<Id> created_by;
    std::string reason;
    std::optional<std::int64_t> voided_at;
    std::optional<std::string> void_reason;
};

// A moderator's award by hand (for work no rule covers, or a correction: points may be negative).
struct ManualAward {
    Id user_id = 0;
    std::optional<Id> community_id;
    int points = 0;  // non-zero, |points| <= kMaxManualPoints
    std::string reason;
    std::optional<std::int64_t> at;  // when the work was done (not in the future); absent: now
};

struct LedgerFilter {
    std::optional<Id> user_id;       // moderators: anyone; others: themselves only
    std::optional<Id> community_id;
    std::optional<std::string> source_kind;
    std::optional<Id> source_id;
    bool include_voided = false;
    std::optional<Id> before;  // event id: the page before it (newest first)
    int limit = 100;
};

struct Recalculation {
    Id id = 0;
    std::int64_t since = 0;
    std::int64_t sources = 0;
    std::int64_t inserted = 0;
    std::int64_t voided = 0;
    int remaining_today = 0;
};

struct LeaderboardQuery {
    Period period = Period::kMonth;
    std::optional<Id> community_id;
    int limit = 100;
    int offset = 0;
};

struct LeaderEntry {
    std::int64_t rank = 0;
    Id user_id = 0;
    std::string username;
    std::string display_name;
    std::int64_t points = 0;
};

struct CommunityEntry {
    std::int64_t rank = 0;
    Id community_id = 0;
    std::string slug;
    std::string title;
    std::int64_t points = 0;
};

template <class Entry>
struct Board {
    Period period = Period::kMonth;
    std::int64_t from_day = 0;  // 0 for all time
    std::optional<Id> community_id;
    std::int64_t total = 0;  // entries on the whole board
    std::vector<Entry> entries;
};

struct ExpertCard {
    Id user_id = 0;
    std::string username;
    std::string display_name;
    Profile profile;
    std::vector<Community> expert_in;
    Period period = Period::kMonth;
    std::int64_t period_points = 0;
    std::int64_t total_points = 0;
    std::optional<std::int64_t> period_rank;  // none when excluded or without points in the period
    std::optional<std::int64_t> total_rank;
    ExpertCounts consultations;
};

class ScoreService {
public:
    ScoreService(storage::Database& db, const Access& access, calendar::CalendarService& calendars);

    // Writes the default rules and settings that are missing (at start; two nodes may race: each
    // insert is ON CONFLICT DO NOTHING).
    Status EnsureDefaults();

    // See the top of the file. Errors only from storage.
    Status Score(storage::Tx& tx, const ConsultationOutcome& outcome);
    // The same for an article published or an event's summary posted (the content observer).
    Status Score(storage::Tx& tx, const ContentOutcome& outcome);

    Result<std::vector<ScoreRule>> Rules(const Actor& actor);
    Result<ScoreRule> Rule(const Actor& actor, const std::string& key);
    // Moderators. Takes effect for awards made from now on and for recalculations.
    Result<ScoreRule> PutRule(const Actor& actor, const std::string& key, const RuleChange& change);

    Result<ScoreSettings> Settings(const Actor& actor);
    Result<ScoreSettings> PutSettings(const Actor& actor, const ScoreSettings& settings);

    Result<std::vector<ScoreEvent>> AwardManual(const Actor& actor, const std::vector<ManualAward>& awards);
    // Voids a manual award (a rule's awards are voided only by reconciliation). 409 already_voided.
    Result<ScoreEvent> VoidManual(const Actor& actor, Id event_id, const std::string& reason);
    Result<std::vector<ScoreEvent>> Ledger(const Actor& actor, const LedgerFilter& filter);

    // Re-scores every consultation changed since `since_ms` (moderators; at most settings'
    // recalculations_per_day per local day, else 429 recalculation_limit).
    Result<Recalculation> Recalculate(const Actor& actor, std::int64_t since_ms);

    Result<Board<LeaderEntry>> Experts(const Actor& actor, const LeaderboardQuery& query);
    Result<Board<CommunityEntry>> Communities(const Actor& actor, const LeaderboardQuery& query);
    Result<ExpertCard> Card(const Actor& actor, Id user_id, Period period);

private:
    std::int64_t DayOf(std::int64_t at_ms);
    void Refresh();
    Status Apply(storage::Tx& tx, std::string_view source_kind, Id source_id, const std::vector<Award>& desired,
                 std::string_view void_reason, std::int64_t* inserted, std::int64_t* voided);

    storage::Database& db_;
    const Access& access_;
    calendar::CalendarService& calendars_;
    std::mutex mu_;
    std::optional<calendar::BusinessCalendar> calendar_;  // the default calendar, for the company's zone
    std::int64_t calendar_at_ = 0;                        // when it was last read (ms)
};

}  // namespace veche::experts
