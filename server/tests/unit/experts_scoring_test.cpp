// Gamification of the expert network (veche/experts/scoring.hpp, scores.hpp): the scoring rules as
// pure functions (MODULES.md §3.4 "Proposed Veche scoring"), dense ranking and periods, and the
// ledger on storage (SQLite, or PostgreSQL under VECHE_TEST_STORAGE=postgresql): acceptance 13 (an
// advanced consultation gives 30 once, a rating of 5 adds 5 once, a rating of 2 voids it) and 14
// (self-dealing never scores), through ScoreService::Score as the consultation observer calls it.
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "veche/calendar/calendar_service.hpp"
#include "veche/experts/module.hpp"
#include "veche/experts/scores.hpp"
#include "veche/experts/scoring.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/roles/role_service.hpp"

namespace veche::experts {
namespace {

using namespace std::chrono;

std::int64_t Day(int y, unsigned m, unsigned d) {
    return sys_days{year(y) / month(m) / day(d)}.time_since_epoch().count();
}

RulePoints Defaults() {
    RulePoints r;
    for (const auto& d : kDefaultRules) r.emplace(std::string(d.key), d.points);
    return r;
}

std::int64_t UtcDay(std::int64_t at) { return at / 86'400'000; }

ConsultationOutcome Resolved(std::string difficulty, std::optional<int> rating = std::nullopt) {
    ConsultationOutcome o{};
    o.id = 77;
    o.community_id = 5;
    o.requester_id = 1;
    o.expert_id = 2;
    o.curator_id = 3;
    o.difficulty = std::move(difficulty);
    o.state = "resolved";
    o.rating = rating;
    o.changed_at = 3 * 86'400'000LL + 5;
    o.resolved_at = 2 * 86'400'000LL + 5;
    return o;
}

TEST(ExpertsScoring, ResolvedConsultationGivesTheLevelsPointsToTheExpert) {
    for (auto [level, points] : {std::pair{"beginner", 10}, {"basic", 20}, {"advanced", 30}}) {
        auto awards = ConsultationAwards(Resolved(level), Defaults(), UtcDay);
        ASSERT_EQ(awards.size(), 1u) << level;
        EXPECT_EQ(awards[0].user_id, 2);
        EXPECT_EQ(awards[0].community_id, std::optional<Id>(5));
        EXPECT_EQ(awards[0].points, points);
        EXPECT_EQ(awards[0].rule_key, "consultation.resolved." + std::string(level));
        EXPECT_EQ(awards[0].day, 2) << "dated on the day it was resolved, not of the last change";
    }
    EXPECT_TRUE(ConsultationAwards(Resolved("expert-level"), Defaults(), UtcDay).empty());
}

TEST(ExpertsScoring, RatingOfFourOrFiveAddsTheBonus) {
    EXPECT_EQ(ConsultationAwards(Resolved("basic", 5), Defaults(), UtcDay).size(), 2u);
    auto four = ConsultationAwards(Resolved("basic", 4), Defaults(), UtcDay);
    ASSERT_EQ(four.size(), 2u);
    EXPECT_EQ(four[1].rule_key, kRuleRatingBonus);
    EXPECT_EQ(four[1].points, 5);
    EXPECT_EQ(ConsultationAwards(Resolved("basic", 3), Defaults(), UtcDay).size(), 1u);
    EXPECT_EQ(ConsultationAwards(Resolved("basic", 1), Defaults(), UtcDay).size(), 1u);
}

TEST(ExpertsScoring, SelfDealingAndUnassignedConsultationsNeverScore) {
    auto self = Resolved("advanced", 5);
    self.expert_id = self.requester_id;
    EXPECT_TRUE(ConsultationAwards(self, Defaults(), UtcDay).empty());
    auto nobody = Resolved("advanced", 5);
    nobody.expert_id.reset();
    EXPECT_TRUE(ConsultationAwards(nobody, Defaults(), UtcDay).empty());
}

TEST(ExpertsScoring, RejectionWithReasonScoresAndOpenStatesDoNot) {
    auto rejected = Resolved("advanced", 5);
    rejected.state = "rejected";
    auto awards = ConsultationAwards(rejected, Defaults(), UtcDay);
    ASSERT_EQ(awards.size(), 1u);
    EXPECT_EQ(awards[0].rule_key, kRuleRejectedWithReason);
    EXPECT_EQ(awards[0].points, 2);
    for (const char* state : {"new", "assigned", "in_progress", "returned_for_clarification", "cancelled"}) {
        auto open = Resolved("advanced", 5);
        open.state = state;
        EXPECT_TRUE(ConsultationAwards(open, Defaults(), UtcDay).empty()) << state;
    }
}

TEST(ExpertsScoring, InactiveOrChangedRulesAreRead) {
    RulePoints rules = Defaults();
    rules.erase(std::string(kRuleRatingBonus));
    rules[std::string(kRuleResolvedAdvanced)] = 40;
    auto awards = ConsultationAwards(Resolved("advanced", 5), rules, UtcDay);
    ASSERT_EQ(awards.size(), 1u);
    EXPECT_EQ(awards[0].points, 40);
}

TEST(ExpertsScoring, PublishedArticlesAndEventSummariesScoreTheirAuthors) {
    ContentOutcome practice{"best_practice", 41, 5, 8, true, 86'400'000LL * 3 + 1};
    auto awards = ContentAwards(practice, Defaults(), UtcDay);
    ASSERT_EQ(awards.size(), 1u);
    EXPECT_EQ(awards[0], (Award{8, Id{5}, std::string(kRuleBestPractice), 15, 3}));
    EXPECT_EQ(ContentSourceKind(practice), kSourceArticle);
    ContentOutcome story{"success_story", 42, 5, 8, true, 0};
    EXPECT_EQ(ContentAwards(story, Defaults(), UtcDay).at(0).points, 10);
    ContentOutcome summary{"event_summary", 43, 0, 9, true, 0};
    auto held = ContentAwards(summary, Defaults(), UtcDay);
    ASSERT_EQ(held.size(), 1u);
    EXPECT_EQ(held[0].points, 10);
    EXPECT_EQ(held[0].community_id, std::nullopt) << "an event of no community";
    EXPECT_EQ(ContentSourceKind(summary), kSourceEvent);
    summary.deserved = false;  // nobody attended
    EXPECT_TRUE(ContentAwards(summary, Defaults(), UtcDay).empty());
    ContentOutcome unknown{"poll", 44, 5, 8, true, 0};
    EXPECT_TRUE(ContentAwards(unknown, Defaults(), UtcDay).empty());
}

TEST(ExpertsScoring, ReconcileKeepsEqualRowsVoidsTheRestAndInsertsWhatIsMissing) {
    auto five = ConsultationAwards(Resolved("advanced", 5), Defaults(), UtcDay);
    auto two = ConsultationAwards(Resolved("advanced", 2), Defaults(), UtcDay);
    // nothing yet: both awards go in
    auto first = Reconcile({}, five);
    EXPECT_TRUE(first.to_void.empty());
    EXPECT_EQ(first.to_insert, five);
    std::vector<LedgerRow> ledger{{100, five[0]}, {101, five[1]}};
    // the same outcome again: nothing to do (idempotent)
    auto again = Reconcile(ledger, five);
    EXPECT_TRUE(again.to_void.empty());
    EXPECT_TRUE(again.to_insert.empty());
    // 5 → 2: the bonus row is voided, the resolution stays
    auto lowered = Reconcile(ledger, two);
    EXPECT_EQ(lowered.to_void, std::vector<Id>{101});
    EXPECT_TRUE(lowered.to_insert.empty());
    // 2 → 5 (row 101 now void): a new bonus row
    auto raised = Reconcile({{100, five[0]}}, five);
    EXPECT_TRUE(raised.to_void.empty());
    EXPECT_EQ(raised.to_insert, std::vector<Award>{five[1]});
    // a rule's points changed: a recalculation voids the old row and inserts the new amount
    auto changed = five;
    changed[0].points = 35;
    auto rescored = Reconcile(ledger, changed);
    EXPECT_EQ(rescored.to_void, std::vector<Id>{100});
    EXPECT_EQ(rescored.to_insert, std::vector<Award>{changed[0]});
    // a duplicate row (never made by Apply, but possible by hand) is voided
    auto dup = Reconcile({{100, five[0]}, {101, five[1]}, {102, five[1]}}, five);
    EXPECT_EQ(dup.to_void, std::vector<Id>{102});
}

TEST(ExpertsScoring, DenseRankSharesRanksOnTiesAndSkipsNone) {
    auto ranked = DenseRank({{7, 10}, {3, 30}, {5, 30}, {9, 20}, {1, 10}, {2, -5}});
    std::vector<std::tuple<Id, std::int64_t, std::int64_t>> got;
    for (const auto& r : ranked) got.emplace_back(r.id, r.points, r.rank);
    EXPECT_EQ(got, (std::vector<std::tuple<Id, std::int64_t, std::int64_t>>{
                       {3, 30, 1}, {5, 30, 1}, {9, 20, 2}, {1, 10, 3}, {7, 10, 3}, {2, -5, 4}}));
    EXPECT_TRUE(DenseRank({}).empty());
}

TEST(ExpertsScoring, PeriodsStartOnTheirFirstDay) {
    std::int64_t today = Day(2026, 12, 4);
    EXPECT_EQ(PeriodStartDay(Period::kMonth, today), Day(2026, 12, 1));
    EXPECT_EQ(PeriodStartDay(Period::kQuarter, today), Day(2026, 10, 1));
    EXPECT_EQ(PeriodStartDay(Period::kYear, today), Day(2026, 1, 1));
    EXPECT_EQ(PeriodStartDay(Period::kAll, today), 0);
    EXPECT_EQ(PeriodStartDay(Period::kQuarter, Day(2027, 3, 31)), Day(2027, 1, 1));
    EXPECT_EQ(PeriodStartDay(Period::kQuarter, Day(2027, 4, 1)), Day(2027, 4, 1));
    EXPECT_EQ(MonthOfDay(Day(2026, 12, 31)), 2026 * 12 + 11);
    EXPECT_EQ(MonthOfDay(Day(2027, 1, 1)), 2027 * 12);
    EXPECT_EQ(MonthOfDay(PeriodStartDay(Period::kQuarter, today)), 2026 * 12 + 9);
    EXPECT_EQ(DayToIso(Day(2026, 3, 9)), "2026-03-09");
    EXPECT_EQ(PeriodFromName("quarter"), Period::kQuarter);
    EXPECT_FALSE(PeriodFromName("week"));
    EXPECT_EQ(PeriodName(Period::kAll), "all");
}

class ExpertsLedger : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = test::OpenServiceDatabase(dir_.File("scores.db"), 2,
                                        {jobs::Schema(), calendar::Schema(), roles::Schema(), experts::Schema()});
        calendars_.emplace(*db_);
        ASSERT_TRUE(calendars_->EnsureSeeded().ok());
        roles_.emplace(*db_, std::vector<platform::PermissionSpec>{}, std::vector<platform::RoleSpec>{});
        access_.emplace(*roles_);
        scores_.emplace(*db_, *access_, *calendars_);
        ASSERT_TRUE(scores_->EnsureDefaults().ok());
        ASSERT_TRUE(scores_->EnsureDefaults().ok()) << "a second start changes nothing";
        requester_ = test::InsertUser(*db_, "requester");
        expert_ = test::InsertUser(*db_, "expert");
    }
    void TearDown() override {
        scores_.reset();
        if (db_) db_->Stop();
    }

    void Score(const ConsultationOutcome& o) {
        auto st = db_->Write([&](storage::Tx& tx) { return scores_->Score(tx, o); });
        ASSERT_TRUE(st.ok()) << st.error().message;
    }

    ConsultationOutcome Outcome(std::optional<int> rating) {
        ConsultationOutcome o{};
        o.id = 9001;
        o.community_id = 0;
        o.requester_id = requester_;
        o.expert_id = expert_;
        o.difficulty = "advanced";
        o.state = "resolved";
        o.rating = rating;
        o.changed_at = o.resolved_at.emplace(NowMs());
        return o;
    }

    // (unvoided rows, their sum) of the expert, and the experts' board's points for them.
    std::tuple<std::size_t, std::int64_t, std::int64_t> State() {
        LedgerFilter f;
        f.user_id = expert_;
        auto rows = scores_->Ledger(Actor{expert_}, f);
        EXPECT_TRUE(rows.ok());
        std::int64_t sum = 0;
        for (const auto& e : *rows) sum += e.points;
        LeaderboardQuery q;
        q.period = Period::kMonth;
        auto board = scores_->Experts(Actor{requester_}, q);
        EXPECT_TRUE(board.ok());
        std::int64_t on_board = 0;
        for (const auto& e : board->entries)
            if (e.user_id == expert_) on_board = e.points;
        return {rows->size(), sum, on_board};
    }

    test::TempDir dir_;
    std::unique_ptr<storage::Database> db_;
    std::optional<calendar::CalendarService> calendars_;
    std::optional<roles::RoleService> roles_;
    std::optional<Access> access_;
    std::optional<ScoreService> scores_;
    Id requester_ = 0;
    Id expert_ = 0;
};

TEST_F(ExpertsLedger, AdvancedResolutionScoresOnceAndTheRatingBonusFollowsTheRating) {
    Score(Outcome(std::nullopt));
    Score(Outcome(std::nullopt));
    EXPECT_EQ(State(), std::make_tuple(std::size_t{1}, std::int64_t{30}, std::int64_t{30}));
    Score(Outcome(5));
    Score(Outcome(5));
    EXPECT_EQ(State(), std::make_tuple(std::size_t{2}, std::int64_t{35}, std::int64_t{35}));
    Score(Outcome(2));
    EXPECT_EQ(State(), std::make_tuple(std::size_t{1}, std::int64_t{30}, std::int64_t{30}));
    Score(Outcome(5));
    EXPECT_EQ(State(), std::make_tuple(std::size_t{2}, std::int64_t{35}, std::int64_t{35}));
    // the ledger is append-only: the voided bonus stays, marked
    LedgerFilter all;
    all.user_id = expert_;
    all.include_voided = true;
    auto rows = scores_->Ledger(Actor{expert_}, all);
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 3u);
    int voided = 0;
    for (const auto& e : *rows) {
        if (!e.voided_at) continue;
        ++voided;
        EXPECT_EQ(e.void_reason, std::optional<std::string>("no_longer_deserved"));
    }
    EXPECT_EQ(voided, 1);
    // reopened (no longer resolved): everything is voided
    auto reopened = Outcome(5);
    reopened.state = "in_progress";
    reopened.resolved_at.reset();
    Score(reopened);
    EXPECT_EQ(State(), std::make_tuple(std::size_t{0}, std::int64_t{0}, std::int64_t{0}));
}

TEST_F(ExpertsLedger, SelfDealingNeverScores) {
    auto self = Outcome(5);
    self.requester_id = expert_;
    Score(self);
    EXPECT_EQ(State(), std::make_tuple(std::size_t{0}, std::int64_t{0}, std::int64_t{0}));
}

}  // namespace
}  // namespace veche::experts
