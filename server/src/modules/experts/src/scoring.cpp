// The scoring rules as pure functions (veche/experts/scoring.hpp).
#include "veche/experts/scoring.hpp"

#include <algorithm>
#include <cstdio>

namespace veche::experts {

std::vector<Award> ConsultationAwards(const ConsultationOutcome& o, const RulePoints& rules, const DayOf& day_of) {
    std::vector<Award> out;
    if (!o.expert_id || *o.expert_id == o.requester_id) return out;
    std::int64_t day = day_of(o.resolved_at.value_or(o.changed_at));
    auto add = [&](std::string_view key) {
        auto it = rules.find(key);
        if (it == rules.end()) return;
        out.push_back({*o.expert_id, o.community_id, std::string(key), it->second, day});
    };
    if (o.state == "resolved") {
        if (o.difficulty == "beginner") add(kRuleResolvedBeginner);
        if (o.difficulty == "basic") add(kRuleResolvedBasic);
        if (o.difficulty == "advanced") add(kRuleResolvedAdvanced);
        if (o.rating && *o.rating >= 4 && *o.rating <= 5) add(kRuleRatingBonus);
    } else if (o.state == "rejected") {
        add(kRuleRejectedWithReason);
    }
    return out;
}

std::string_view ContentSourceKind(const ContentOutcome& outcome) {
    return outcome.kind == "event_summary" ? kSourceEvent : kSourceArticle;
}

std::vector<Award> ContentAwards(const ContentOutcome& o, const RulePoints& rules, const DayOf& day_of) {
    std::vector<Award> out;
    if (!o.deserved || o.author_id == 0) return out;
    std::string_view key;
    if (o.kind == "best_practice") key = kRuleBestPractice;
    if (o.kind == "success_story") key = kRuleSuccessStory;
    if (o.kind == "event_summary") key = kRuleEventSummary;
    auto it = key.empty() ? rules.end() : rules.find(key);
    if (it == rules.end()) return out;
    std::optional<Id> community;
    if (o.community_id != 0) community = o.community_id;
    out.push_back({o.author_id, community, std::string(key), it->second, day_of(o.at)});
    return out;
}

Reconciliation Reconcile(const std::vector<LedgerRow>& existing, const std::vector<Award>& desired) {
    Reconciliation r;
    std::vector<bool> kept(existing.size(), false);
    for (const auto& want : desired) {
        bool found = false;
        for (std::size_t i = 0; i < existing.size(); ++i) {
            if (!kept[i] && existing[i].award == want) {
                kept[i] = true;
                found = true;
                break;
            }
        }
        if (!found) r.to_insert.push_back(want);
    }
    for (std::size_t i = 0; i < existing.size(); ++i)
        if (!kept[i]) r.to_void.push_back(existing[i].id);
    return r;
}

std::optional<Period> PeriodFromName(std::string_view name) {
    if (name == "month") return Period::kMonth;
    if (name == "quarter") return Period::kQuarter;
    if (name == "year") return Period::kYear;
    if (name == "all") return Period::kAll;
    return std::nullopt;
}

std::string_view PeriodName(Period period) {
    switch (period) {
        case Period::kMonth: return "month";
        case Period::kQuarter: return "quarter";
        case Period::kYear: return "year";
        case Period::kAll: return "all";
    }
    return "all";
}

namespace {

std::chrono::year_month_day DateOf(std::int64_t day) {
    return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{day}}};
}

std::int64_t DaysSinceEpoch(std::chrono::year_month_day date) {
    return std::chrono::sys_days{date}.time_since_epoch().count();
}

}  // namespace

std::int64_t PeriodStartDay(Period period, std::int64_t today) {
    using namespace std::chrono;
    year_month_day d = DateOf(today);
    unsigned m = static_cast<unsigned>(d.month());
    switch (period) {
        case Period::kMonth: return DaysSinceEpoch(d.year() / d.month() / 1);
        case Period::kQuarter: return DaysSinceEpoch(d.year() / month((m - 1) / 3 * 3 + 1) / 1);
        case Period::kYear: return DaysSinceEpoch(d.year() / January / 1);
        case Period::kAll: return 0;
    }
    return 0;
}

std::int64_t MonthOfDay(std::int64_t day) {
    auto d = DateOf(day);
    return static_cast<std::int64_t>(static_cast<int>(d.year())) * 12 + static_cast<unsigned>(d.month()) - 1;
}

std::string DayToIso(std::int64_t day) {
    auto d = DateOf(day);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                  static_cast<unsigned>(d.day()));
    return buf;
}

std::vector<Ranked> DenseRank(std::vector<std::pair<Id, std::int64_t>> totals) {
    std::sort(totals.begin(), totals.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::vector<Ranked> out;
    out.reserve(totals.size());
    std::int64_t rank = 0;
    for (std::size_t i = 0; i < totals.size(); ++i) {
        if (i == 0 || totals[i].second != totals[i - 1].second) ++rank;
        out.push_back({totals[i].first, totals[i].second, rank});
    }
    return out;
}

}  // namespace veche::experts
