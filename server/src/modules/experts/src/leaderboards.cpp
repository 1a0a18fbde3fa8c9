// Leaderboards and the experts' profile cards (veche/experts/scores.hpp): dense ranks over the
// monthly totals of unvoided ledger rows, in the company's time zone.
#include <algorithm>

#include "community_store.hpp"
#include "score_store.hpp"
#include "veche/core/clock.hpp"
#include "veche/experts/scores.hpp"

namespace veche::experts {

using storage::Tx;

namespace {

Status RequireEmployee(const Actor& actor) {
    if (actor.is_guest) return Error::Forbidden("guest accounts have no place in the expert network");
    return {};
}

std::vector<Ranked> Page(const std::vector<Ranked>& ranked, const LeaderboardQuery& q) {
    std::vector<Ranked> out;
    for (std::size_t i = static_cast<std::size_t>(q.offset);
         i < ranked.size() && out.size() < static_cast<std::size_t>(q.limit); ++i)
        out.push_back(ranked[i]);
    return out;
}

std::pair<std::string, std::string> UserNames(Tx& tx, Id user_id) {
    auto& st = tx.Query("SELECT username, display_name FROM users WHERE id = ?", user_id);
    std::pair<std::string, std::string> out;
    if (st.Step()) out = {st.Text(0), st.Text(1)};
    while (st.Step()) {
    }
    return out;
}

}  // namespace

Result<Board<LeaderEntry>> ScoreService::Experts(const Actor& actor, const LeaderboardQuery& q) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    Refresh();
    std::int64_t from_day = PeriodStartDay(q.period, DayOf(NowMs()));
    return db_.Read([&](Tx& tx) -> Result<Board<LeaderEntry>> {
        if (q.community_id && !access_.CommunityVisible(tx, actor.user_id, *q.community_id))
            return Error::NotFound("community");
        auto settings = store::LoadSettings(tx);
        auto ranked = DenseRank(store::UserTotals(tx, store::SpanOf(q.period, from_day), q.community_id,
                                                  settings.excluded_roles));
        Board<LeaderEntry> b;
        b.period = q.period;
        b.from_day = from_day;
        b.community_id = q.community_id;
        b.total = static_cast<std::int64_t>(ranked.size());
        for (const auto& r : Page(ranked, q)) {
            auto [username, display_name] = UserNames(tx, r.id);
            b.entries.push_back({r.rank, r.id, std::move(username), std::move(display_name), r.points});
        }
        return b;
    });
}

Result<Board<CommunityEntry>> ScoreService::Communities(const Actor& actor, const LeaderboardQuery& q) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    Refresh();
    std::int64_t from_day = PeriodStartDay(q.period, DayOf(NowMs()));
    return db_.Read([&](Tx& tx) -> Result<Board<CommunityEntry>> {
        auto settings = store::LoadSettings(tx);
        auto visible = access_.VisibleCommunities(tx, actor.user_id);
        std::vector<std::pair<Id, std::int64_t>> totals;
        for (const auto& t : store::CommunityTotals(tx, store::SpanOf(q.period, from_day), settings.excluded_roles))
            if (std::binary_search(visible.begin(), visible.end(), t.first)) totals.push_back(t);
        auto ranked = DenseRank(std::move(totals));
        Board<CommunityEntry> b;
        b.period = q.period;
        b.from_day = from_day;
        b.total = static_cast<std::int64_t>(ranked.size());
        for (const auto& r : Page(ranked, q)) {
            auto c = store::LoadCommunity(tx, r.id);
            b.entries.push_back({r.rank, r.id, c ? c->slug : "", c ? c->title : "", r.points});
        }
        return b;
    });
}

Result<ExpertCard> ScoreService::Card(const Actor& actor, Id user_id, Period period) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    Refresh();
    std::int64_t from_day = PeriodStartDay(period, DayOf(NowMs()));
    return db_.Read([&](Tx& tx) -> Result<ExpertCard> {
        if (!store::IsPerson(tx, user_id)) return Error::NotFound("user");
        ExpertCard card;
        card.user_id = user_id;
        std::tie(card.username, card.display_name) = UserNames(tx, user_id);
        card.profile = store::LoadProfile(tx, user_id).value_or(Profile{});
        card.profile.user_id = user_id;
        for (Id c : store::ExpertCommunities(tx, user_id)) {
            if (!access_.CommunityVisible(tx, actor.user_id, c)) continue;
            if (auto community = store::LoadCommunity(tx, c)) card.expert_in.push_back(std::move(*community));
        }
        card.profile.expert_in.clear();
        for (const auto& c : card.expert_in) card.profile.expert_in.push_back(c.id);
        card.period = period;
        auto settings = store::LoadSettings(tx);
        const store::Span span = store::SpanOf(period, from_day), all = store::SpanOf(Period::kAll, 0);
        card.period_points = store::UserSum(tx, user_id, span).first;
        card.total_points = store::UserSum(tx, user_id, all).first;
        auto rank_in = [&](store::Span s) -> std::optional<std::int64_t> {
            for (const auto& r : DenseRank(store::UserTotals(tx, s, std::nullopt, settings.excluded_roles)))
                if (r.id == user_id) return r.rank;
            return std::nullopt;
        };
        card.period_rank = rank_in(span);
        card.total_rank = period == Period::kAll ? card.period_rank : rank_in(all);
        card.consultations = CountExpertConsultations(tx, user_id);
        return card;
    });
}

}  // namespace veche::experts
