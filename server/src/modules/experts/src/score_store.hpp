#pragma once
// All SQL of gamification (experts_score_*). In the caller's transaction; no checks. The ledger is
// append-only: a row is inserted or voided, and the monthly and yearly totals follow both in the same call.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "veche/experts/scores.hpp"
#include "veche/storage/database.hpp"

namespace veche::experts::store {

// Inserts the rules of kDefaultRules and the default settings that are missing; keeps the rest.
void InsertDefaults(storage::Tx& tx);
RulePoints ActiveRulePoints(storage::Tx& tx);
std::vector<ScoreRule> LoadRules(storage::Tx& tx);
std::optional<ScoreRule> LoadRule(storage::Tx& tx, const std::string& key);
void SaveRule(storage::Tx& tx, const ScoreRule& rule);

ScoreSettings LoadSettings(storage::Tx& tx);
void SaveSettings(storage::Tx& tx, const ScoreSettings& settings);

std::vector<LedgerRow> UnvoidedRows(storage::Tx& tx, std::string_view source_kind, Id source_id);
// Inserts the row (its id, created_at set by the caller) and adds it to the monthly totals.
void InsertEvent(storage::Tx& tx, const ScoreEvent& e);
// Voids an unvoided row and takes it off the monthly totals; false when it was already void.
bool VoidEvent(storage::Tx& tx, Id event_id, const std::string& reason, std::int64_t now);
std::optional<ScoreEvent> LoadEvent(storage::Tx& tx, Id event_id);
std::vector<ScoreEvent> ListEvents(storage::Tx& tx, const LedgerFilter& filter);

// Where a period's sums come from: months from `from_month` (month, quarter), or the yearly totals
// from from_month / 12 (year, all time: from_month a January, or 0).
struct Span {
    std::int64_t from_month = 0;
    bool by_year = true;
};
Span SpanOf(Period period, std::int64_t from_day);

// (id, points) of users (or communities) with unvoided rows in the span, users holding one of
// `excluded_roles` and deactivated accounts left out.
std::vector<std::pair<Id, std::int64_t>> UserTotals(storage::Tx& tx, Span span,
                                                   std::optional<Id> community_id,
                                                   const std::vector<std::string>& excluded_roles);
std::vector<std::pair<Id, std::int64_t>> CommunityTotals(storage::Tx& tx, Span span,
                                                        const std::vector<std::string>& excluded_roles);
// A user's own sum in the span (whether or not excluded), and their number of rows there.
std::pair<std::int64_t, std::int64_t> UserSum(storage::Tx& tx, Id user_id, Span span);

std::int64_t RecalculationsSince(storage::Tx& tx, std::int64_t since_ms);
void InsertRecalculation(storage::Tx& tx, Id by, const Recalculation& r, std::int64_t at);

}  // namespace veche::experts::store
