// The consultations' registry, suggested experts, statistics and settings
// (veche/experts/consultations.hpp); the state machine is in consultations.cpp.
#include <algorithm>
#include <map>
#include <set>

#include "community_store.hpp"
#include "consultation_ops.hpp"
#include "consultation_store.hpp"
#include "veche/core/clock.hpp"
#include "veche/experts/consultations.hpp"
#include "veche/experts/outcomes.hpp"
#include "veche/search/search_index.hpp"

namespace veche::experts {

using storage::Tx;
using namespace consult;

namespace {

constexpr int kSearchPage = 100;
constexpr int kSearchMaxOffset = 1000;

// The ids of consultations whose title or question match `text` in the given communities, best
// first, at most 1,100 (the search facility's deepest page): the registry filters and pages them.
Result<std::vector<Id>> SearchIds(Tx& tx, const std::string& text, const std::vector<Id>& communities) {
    std::vector<Id> out;
    if (search::MatchExpression(text).empty()) return out;
    search::Query q;
    q.kinds = {"consultation"};
    q.text = text;
    q.scopes = communities;
    q.limit = kSearchPage;
    for (int offset = 0; offset <= kSearchMaxOffset; offset += kSearchPage) {
        q.offset = offset;
        VECHE_ASSIGN_OR_RETURN(auto hits, search::Find(tx, q));
        for (const auto& h : hits) out.push_back(h.id);
        if (hits.size() < static_cast<std::size_t>(kSearchPage)) break;
    }
    return out;
}

ConsultationOutcome OutcomeFrom(const Consultation& c) {
    ConsultationOutcome o;
    o.id = c.id;
    o.community_id = c.community_id;
    o.requester_id = c.requester_id;
    o.expert_id = c.expert_id;
    o.curator_id = c.curator_id;
    o.difficulty = c.difficulty;
    o.state = c.state;
    o.rating = c.rating;
    o.changed_at = c.updated_at;
    if (c.state == "resolved") o.resolved_at = c.resolved_at;
    return o;
}

}  // namespace

Result<std::vector<Consultation>> ConsultationService::List(const Actor& actor,
                                                            const ConsultationFilter& filter) {
    if (actor.is_guest) return GuestError();
    for (const auto& s : filter.states)
        if (!IsConsultationState(s)) return Error::InvalidArgument("unknown state '" + s + "'");
    if (filter.difficulty && !IsDifficulty(*filter.difficulty))
        return Error::InvalidArgument("difficulty is beginner, basic or advanced");
    return db_.Read([&](Tx& tx) -> Result<std::vector<Consultation>> {
        store::ConsultationQuery q;
        q.communities = access_.VisibleCommunities(tx, actor.user_id);
        if (filter.community_id) {
            if (std::find(q.communities.begin(), q.communities.end(), *filter.community_id) ==
                q.communities.end())
                return Error::NotFound("community");
            q.communities = {*filter.community_id};
        }
        if (filter.q) {
            VECHE_ASSIGN_OR_RETURN(auto ids, SearchIds(tx, *filter.q, q.communities));
            q.ids = std::move(ids);
        }
        q.states = filter.states;
        q.difficulty = filter.difficulty;
        q.expert_id = filter.expert_id;
        if (filter.mine) q.requester_id = actor.user_id;
        q.overdue = filter.overdue;
        q.from = filter.from;
        q.to = filter.to;
        q.before = filter.before;
        q.limit = filter.limit;
        return store::FindConsultations(tx, q);
    });
}

Result<std::vector<SuggestedExpert>> ConsultationService::Suggest(const Actor& actor, Id id) {
    if (actor.is_guest) return Error::NotFound("consultation");
    return db_.Read([&](Tx& tx) -> Result<std::vector<SuggestedExpert>> {
        auto c = store::LoadConsultation(tx, id);
        if (!c || !access_.CommunityVisible(tx, actor.user_id, c->community_id))
            return Error::NotFound("consultation");
        if (!PartyOf(tx, access_, actor, *c).curator)
            return Error::Forbidden("only the community's curators see the suggested experts");
        std::int64_t now = NowMs();
        std::vector<SuggestedExpert> out;
        for (Id u : access_.Holders(tx, kRoleExpert, c->community_id)) {
            if (u == c->requester_id) continue;  // nobody answers their own request
            SuggestedExpert s;
            s.user_id = u;
            auto profile = store::LoadProfile(tx, u);
            if (profile) {
                if (profile->vacation_until && *profile->vacation_until > now) continue;
                bool community_bound = false;
                for (const auto& comp : profile->competences) {
                    if (comp.community_id && *comp.community_id != c->community_id) continue;
                    if (comp.community_id) community_bound = true;
                    if (std::find(c->tags.begin(), c->tags.end(), comp.tag) != c->tags.end() &&
                        std::find(s.matched_tags.begin(), s.matched_tags.end(), comp.tag) ==
                            s.matched_tags.end())
                        s.matched_tags.push_back(comp.tag);
                }
                s.match = static_cast<int>(s.matched_tags.size()) + (community_bound ? 1 : 0);
                s.takes_level = std::find(profile->levels.begin(), profile->levels.end(), c->difficulty) !=
                                profile->levels.end();
            }
            s.open = tx.QueryInt(
                           "SELECT COUNT(*) FROM experts_consultations WHERE expert_id = ? AND state IN "
                           "('assigned', 'in_progress', 'returned_for_clarification')",
                           u)
                         .value_or(0);
            s.last_assigned_at =
                tx.QueryInt("SELECT MAX(assigned_at) FROM experts_consultations WHERE expert_id = ?", u);
            auto& st = tx.Query("SELECT username, display_name FROM users WHERE id = ?", u);
            if (st.Step()) {
                s.username = st.Text(0);
                s.display_name = st.Text(1);
                while (st.Step()) {
                }
            }
            out.push_back(std::move(s));
        }
        // Competence first, then the lighter load, then the longest since the last assignment (never first).
        std::stable_sort(out.begin(), out.end(), [](const SuggestedExpert& a, const SuggestedExpert& b) {
            if (a.match != b.match) return a.match > b.match;
            if (a.open != b.open) return a.open < b.open;
            std::int64_t la = a.last_assigned_at.value_or(-1), lb = b.last_assigned_at.value_or(-1);
            if (la != lb) return la < lb;
            return a.user_id < b.user_id;
        });
        return out;
    });
}

Result<CommunityStats> ConsultationService::Stats(const Actor& actor, Id community_id,
                                                  std::optional<std::int64_t> from,
                                                  std::optional<std::int64_t> to) {
    if (actor.is_guest) return Error::NotFound("community");
    return db_.Read([&](Tx& tx) -> Result<CommunityStats> {
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        CommunityStats s;
        s.community_id = community_id;
        s.from = from;
        s.to = to;
        std::map<std::string, StatsRow> rows;
        for (const char* d : kLevels) rows[d].difficulty = d;
        auto& st = tx.Query(
            "SELECT difficulty, state, COUNT(*) FROM experts_consultations WHERE community_id = ? AND "
            "created_at >= ? "
            "AND created_at < ? GROUP BY difficulty, state",
            community_id, from.value_or(0), to.value_or(INT64_MAX));
        while (st.Step()) {
            auto& r = rows[st.Text(0)];
            std::string state = st.Text(1);
            std::int64_t n = st.Int(2);
            if (state == "new")
                r.new_count += n;
            else if (state == "resolved")
                r.resolved += n;
            else if (state == "rejected")
                r.rejected += n;
            else if (state == "cancelled")
                r.cancelled += n;
            else
                r.in_progress += n;
        }
        for (const char* d : kLevels) s.rows.push_back(rows[d]);
        auto& rt = tx.Query(
            "SELECT COUNT(rating), SUM(rating) FROM experts_consultations WHERE community_id = ? AND "
            "created_at >= ? "
            "AND created_at < ? AND rating IS NOT NULL",
            community_id, from.value_or(0), to.value_or(INT64_MAX));
        if (rt.Step()) {
            s.ratings = rt.Int(0);
            if (s.ratings > 0) s.rating_avg = static_cast<double>(rt.Int(1)) / static_cast<double>(s.ratings);
            while (rt.Step()) {
            }
        }
        return s;
    });
}

Result<ExpertStats> ConsultationService::StatsOfExpert(const Actor& actor, Id user_id) {
    if (actor.is_guest) return GuestError();
    return db_.Read([&](Tx& tx) -> Result<ExpertStats> {
        if (!store::IsPerson(tx, user_id)) return Error::NotFound("user");
        ExpertStats s;
        s.user_id = user_id;
        // Over the communities the caller may see, as the registry would count them.
        auto communities = access_.VisibleCommunities(tx, actor.user_id);
        if (communities.empty()) return s;
        std::string in;
        std::vector<store::SqlParam> params{{false, user_id, {}}};
        for (Id c : communities) {
            in += in.empty() ? "?" : ", ?";
            params.push_back({false, c, {}});
        }
        auto& st = tx.Prepare(
            "SELECT state, COUNT(*), COUNT(rating), SUM(rating) FROM experts_consultations WHERE expert_id = "
            "? AND "
            "community_id IN (" +
            in + ") GROUP BY state");
        store::BindAll(st, params);
        std::int64_t sum = 0;
        while (st.Step()) {
            std::string state = st.Text(0);
            if (state == "resolved")
                s.resolved += st.Int(1);
            else if (state == "rejected")
                s.rejected += st.Int(1);
            else if (IsOpenState(state))
                s.open += st.Int(1);
            s.ratings += st.Int(2);
            if (!st.IsNull(3)) sum += st.Int(3);
        }
        if (s.ratings > 0) s.rating_avg = static_cast<double>(sum) / static_cast<double>(s.ratings);
        return s;
    });
}

Result<ConsultationSettings> ConsultationService::GetSettings(const Actor& actor, Id community_id) {
    if (actor.is_guest) return Error::NotFound("community");
    return db_.Read([&](Tx& tx) -> Result<ConsultationSettings> {
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        return store::LoadSettings(tx, community_id);
    });
}

Result<ConsultationSettings> ConsultationService::PutSettings(const Actor& actor, Id community_id,
                                                              int assign_within_working_days) {
    if (actor.is_guest) return Error::NotFound("community");
    if (assign_within_working_days < 0 || assign_within_working_days > kMaxAssignWithinWorkingDays)
        return Error::InvalidArgument("assign_within_working_days is 0 to 30");
    return db_.Write([&](Tx& tx) -> Result<ConsultationSettings> {
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        if (!access_.IsCurator(tx, actor.user_id, community_id) && !access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("only the community's curators and moderators change its settings");
        ConsultationSettings s;
        s.community_id = community_id;
        s.assign_within_working_days = assign_within_working_days;
        s.updated_at = NowMs();
        store::SaveSettings(tx, s);
        return s;
    });
}

Status ForEachConsultationOutcome(Tx& tx, std::int64_t since_ms,
                                  const std::function<Status(const ConsultationOutcome&)>& fn) {
    return store::ForEachChangedSince(tx, since_ms,
                                      [&](const Consultation& c) { return fn(OutcomeFrom(c)); });
}

}  // namespace veche::experts
