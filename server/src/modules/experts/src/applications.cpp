// Expert applications: the state machine, the roles it moves and who is told
// (veche/experts/applications.hpp).
#include "veche/experts/applications.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <ctime>
#include <set>

#include "application_store.hpp"
#include "community_store.hpp"
#include "events.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/experts/communities.hpp"

namespace veche::experts {

namespace bj = boost::json;
using storage::Tx;

namespace {

constexpr std::string_view kStates[] = {
    "draft",    "submitted", "in_review", "clarification_requested", "interview_scheduled",
    "approved", "rejected",  "withdrawn"};

Error FieldRequiredError(std::string_view field) {
    return {ErrorCode::kUnprocessable, "field_required", "field '" + std::string(field) + "' is required"};
}

bool IsOpen(std::string_view s) {
    return s == "draft" || s == "submitted" || s == "in_review" || s == "clarification_requested" ||
           s == "interview_scheduled";
}

Error InvalidState(const Application& a, std::string_view step) {
    return Error::Conflict("invalid_state",
                           "an application in state '" + a.state + "' cannot be " + std::string(step));
}

Status CheckComplete(const Answers& a) {
    if (a.full_name.empty()) return FieldRequiredError("answers.full_name");
    if (a.position.empty()) return FieldRequiredError("answers.position");
    if (!a.experience_years) return FieldRequiredError("answers.experience_years");
    if (a.experience.empty()) return FieldRequiredError("answers.experience");
    if (a.competences.empty()) return FieldRequiredError("answers.competences");
    if (a.skills.empty()) return FieldRequiredError("answers.skills");
    return {};
}

bj::object IdsData(std::string_view key, const std::vector<Id>& ids) {
    bj::array a;
    for (Id id : ids) a.emplace_back(IdToString(id));
    return bj::object{{key, std::move(a)}};
}

std::string Name(const Application& a) { return a.display_name.empty() ? a.username : a.display_name; }

std::string CommunityTitles(Tx& tx, const std::vector<Id>& ids) {
    std::string out;
    for (Id id : ids)
        if (auto c = store::LoadCommunity(tx, id)) out += (out.empty() ? "«" : ", «") + c->title + "»";
    return out;
}

std::string FormatTime(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

}  // namespace

bool IsApplicationState(std::string_view state) {
    return std::find(std::begin(kStates), std::end(kStates), state) != std::end(kStates);
}

ApplicationService::ApplicationService(storage::Database& db, const Access& access, Notices& notices)
    : db_(db), access_(access), notices_(notices) {}

namespace {

// What the service needs around one application in one transaction: the caller's relation to it.
struct Party {
    bool applicant = false;
    bool curator = false;  // of one of the applied communities, or a moderator
    bool moderator = false;
};

Party PartyOf(Tx& tx, const Access& access, const Actor& actor, const Application& a) {
    Party p;
    p.applicant = a.user_id == actor.user_id;
    p.moderator = access.IsModerator(tx, actor.user_id);
    p.curator = p.moderator;
    for (Id c : a.community_ids)
        if (!p.curator && access.IsCurator(tx, actor.user_id, c)) p.curator = true;
    return p;
}

bool Visible(const Party& p, const Application& a) {
    return p.applicant || (p.curator && a.state != "draft");
}

// The curators of the application's communities (by grant), who are told of its steps.
std::vector<Id> CuratorsOf(Tx& tx, const Access& access, const Application& a) {
    std::set<Id> out;
    for (Id c : a.community_ids)
        for (Id u : access.Holders(tx, kRoleCurator, c)) out.insert(u);
    out.erase(a.user_id);
    return {out.begin(), out.end()};
}

std::vector<std::string> ActionsFor(const Party& p, const Application& a) {
    std::vector<std::string> out;
    if (p.applicant) {
        if (a.state == "draft") out = {"update", "submit"};
        if (a.state == "clarification_requested") out = {"update", "answer"};
        if (IsOpen(a.state)) out.emplace_back("withdraw");
    }
    if (p.curator && !p.applicant) {
        if (a.state == "submitted") out.emplace_back("review");
        if (a.state == "in_review" || a.state == "clarification_requested") out.emplace_back("question");
        if (a.state == "in_review" || a.state == "interview_scheduled") {
            out.emplace_back("interview");
            out.emplace_back("decide");
        }
    }
    return out;
}

void Tell(Tx& tx, const Access& access, const Application& a, std::string_view kind) {
    std::vector<Id> to = CuratorsOf(tx, access, a);
    to.push_back(a.user_id);
    EmitToUsers(
        tx, kind, to,
        bj::object{
            {"application_id", IdToString(a.id)}, {"user_id", IdToString(a.user_id)}, {"state", a.state}});
}

// An approved expert's profile gets the competences of the questionnaire (the ones it lacks, up to
// the profile's limit), so that consultations are suggested to them by those tags from day one.
void CopyCompetences(Tx& tx, const Application& a) {
    Profile p = store::LoadProfile(tx, a.user_id).value_or(Profile{});
    p.user_id = a.user_id;
    bool changed = false;
    for (const auto& tag : a.answers.competences) {
        bool present = std::any_of(p.competences.begin(), p.competences.end(),
                                   [&](const Competence& c) { return c.tag == tag && !c.community_id; });
        if (present || p.competences.size() >= kMaxCompetences) continue;
        p.competences.push_back({tag, std::nullopt});
        changed = true;
    }
    if (!changed) return;
    p.updated_at = NowMs();
    store::SaveProfile(tx, p);
}

// Every step: load, check visibility (404) and the party (403), check the state (409), change, write
// the history row, move roles, tell. `step` does the change and returns what to tell.
template <class F>
Result<Application> RunStep(storage::Database& db, const Access& access, const Actor& actor, Id id,
                            F&& step) {
    return db.Write([&](Tx& tx) -> Result<Application> {
        auto a = store::LoadApplication(tx, id);
        if (!a) return Error::NotFound("application");
        Party p = PartyOf(tx, access, actor, *a);
        if (!Visible(p, *a)) return Error::NotFound("application");
        VECHE_RETURN_IF_ERROR(step(tx, p, *a));
        a->updated_at = NowMs();
        store::SaveApplication(tx, *a);
        a->events = store::LoadApplicationEvents(tx, a->id);
        a->actions = ActionsFor(p, *a);
        return std::move(*a);
    });
}

}  // namespace

Result<Application> ApplicationService::Create(const Actor& actor, const NewApplication& spec) {
    if (actor.is_guest) return Error::Forbidden("guest accounts have no place in the expert network");
    if (spec.community_ids.empty()) return FieldRequiredError("community_ids");
    if (spec.submit) VECHE_RETURN_IF_ERROR(CheckComplete(spec.answers));
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return db_.Write([&](Tx& tx) -> Result<Application> {
        for (Id c : spec.community_ids) {
            if (!access_.CommunityVisible(tx, actor.user_id, c)) return Error::NotFound("community");
            auto community = store::LoadCommunity(tx, c);
            if (!community) return Error::NotFound("community");
            if (community->archived_at)
                return Error::Conflict("community_archived", "an archived community takes no applications");
        }
        if (store::OpenApplicationOf(tx, actor.user_id))
            return Error::Conflict("application_exists",
                                   "you have an open application already; update or withdraw it");
        Application a;
        a.id = GlobalIds().Next();
        a.user_id = actor.user_id;
        a.state = "draft";
        a.answers = spec.answers;
        a.community_ids = spec.community_ids;
        std::sort(a.community_ids.begin(), a.community_ids.end());
        a.community_ids.erase(std::unique(a.community_ids.begin(), a.community_ids.end()),
                              a.community_ids.end());
        a.created_at = a.updated_at = NowMs();
        store::InsertApplication(tx, a);
        store::AddApplicationEvent(tx, a.id, "created", actor.user_id, "",
                                   json::Serialize(IdsData("community_ids", a.community_ids)));
        if (spec.submit) {
            a.state = "submitted";
            a.submitted_at = NowMs();
            store::SaveApplication(tx, a);
            store::AddApplicationEvent(tx, a.id, "submitted", actor.user_id, "");
        }
        auto loaded = store::LoadApplication(tx, a.id);
        if (!loaded) return Error::Internal();
        if (spec.submit) {
            if (!access_.HoldsExpertAnywhere(tx, actor.user_id))
                VECHE_RETURN_IF_ERROR(access_.roles().GrantSystemRole(tx, 0, actor.user_id, kRoleReservist));
            VECHE_RETURN_IF_ERROR(notices_.Send(tx, bot, CuratorsOf(tx, access_, *loaded),
                                                "Новая заявка в эксперты: " + Name(*loaded) + " — " +
                                                    CommunityTitles(tx, loaded->community_ids) + "."));
            Tell(tx, access_, *loaded, "experts.application.submitted");
        } else {
            Tell(tx, access_, *loaded, "experts.application.created");
        }
        Party p{true, access_.IsModerator(tx, actor.user_id), access_.IsModerator(tx, actor.user_id)};
        loaded->events = store::LoadApplicationEvents(tx, a.id);
        loaded->actions = ActionsFor(p, *loaded);
        return std::move(*loaded);
    });
}

Result<std::vector<Application>> ApplicationService::List(const Actor& actor,
                                                          const ApplicationFilter& filter) {
    if (actor.is_guest) return Error::Forbidden("guest accounts have no place in the expert network");
    if (filter.state && !IsApplicationState(*filter.state))
        return Error::InvalidArgument(
            "state is one of draft, submitted, in_review, clarification_requested, "
            "interview_scheduled, approved, rejected, withdrawn");
    return db_.Read([&](Tx& tx) -> Result<std::vector<Application>> {
        store::ApplicationQuery q;
        q.state = filter.state;
        q.community_id = filter.community_id;
        q.before = filter.before;
        q.limit = filter.limit;
        bool moderator = access_.IsModerator(tx, actor.user_id);
        if (filter.mine) {
            q.user_id = actor.user_id;
        } else if (moderator) {
            // every submitted application, and the moderator's own drafts
            q.all_submitted = true;
            q.or_user_id = actor.user_id;
        } else {
            std::vector<Id> curated;
            auto& st = tx.Query(
                "SELECT DISTINCT g.scope_id FROM roles_grants g JOIN roles_catalog r ON r.id = g.role_id "
                "WHERE g.user_id = ? AND r.name = ? AND g.scope_kind = ? AND r.archived_at IS NULL",
                actor.user_id, kRoleCurator, kScopeKind);
            while (st.Step()) curated.push_back(st.Int(0));
            if (curated.empty()) {
                q.user_id = actor.user_id;
            } else {
                q.communities = curated;
                q.or_user_id = actor.user_id;
            }
        }
        auto list = store::FindApplications(tx, q);
        for (auto& a : list) a.actions = ActionsFor(PartyOf(tx, access_, actor, a), a);
        return list;
    });
}

Result<Application> ApplicationService::Get(const Actor& actor, Id id) {
    if (actor.is_guest) return Error::NotFound("application");
    return db_.Read([&](Tx& tx) -> Result<Application> {
        auto a = store::LoadApplication(tx, id);
        if (!a) return Error::NotFound("application");
        Party p = PartyOf(tx, access_, actor, *a);
        if (!Visible(p, *a)) return Error::NotFound("application");
        a->events = store::LoadApplicationEvents(tx, a->id);
        a->actions = ActionsFor(p, *a);
        return std::move(*a);
    });
}

Result<Application> ApplicationService::Update(const Actor& actor, Id id, const ApplicationChange& change) {
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Application& a) -> Status {
        if (!p.applicant) return Error::Forbidden("only the applicant edits an application");
        if (a.state != "draft" && a.state != "clarification_requested") return InvalidState(a, "edited");
        if (change.community_ids) {
            if (a.state != "draft")
                return Error::Conflict("invalid_state",
                                       "the communities of a submitted application cannot change");
            if (change.community_ids->empty()) return FieldRequiredError("community_ids");
            for (Id c : *change.community_ids) {
                if (!access_.CommunityVisible(tx, actor.user_id, c)) return Error::NotFound("community");
                auto community = store::LoadCommunity(tx, c);
                if (!community || community->archived_at) return Error::NotFound("community");
            }
            a.community_ids = *change.community_ids;
            std::sort(a.community_ids.begin(), a.community_ids.end());
            a.community_ids.erase(std::unique(a.community_ids.begin(), a.community_ids.end()),
                                  a.community_ids.end());
        }
        if (change.answers) {
            if (a.state != "draft") VECHE_RETURN_IF_ERROR(CheckComplete(*change.answers));
            a.answers = *change.answers;
        }
        store::AddApplicationEvent(tx, a.id, "updated", actor.user_id, "");
        if (a.state != "draft") Tell(tx, access_, a, "experts.application.updated");
        return {};
    });
}

Result<Application> ApplicationService::Submit(const Actor& actor, Id id) {
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Application& a) -> Status {
        if (!p.applicant) return Error::Forbidden("only the applicant submits an application");
        if (a.state != "draft") return InvalidState(a, "submitted");
        VECHE_RETURN_IF_ERROR(CheckComplete(a.answers));
        for (Id c : a.community_ids) {
            auto community = store::LoadCommunity(tx, c);
            if (!community || community->archived_at)
                return Error::Conflict("community_archived", "an archived community takes no applications");
        }
        a.state = "submitted";
        a.submitted_at = NowMs();
        store::AddApplicationEvent(tx, a.id, "submitted", actor.user_id, "");
        if (!access_.HoldsExpertAnywhere(tx, a.user_id))
            VECHE_RETURN_IF_ERROR(access_.roles().GrantSystemRole(tx, 0, a.user_id, kRoleReservist));
        VECHE_RETURN_IF_ERROR(notices_.Send(
            tx, bot, CuratorsOf(tx, access_, a),
            "Новая заявка в эксперты: " + Name(a) + " — " + CommunityTitles(tx, a.community_ids) + "."));
        Tell(tx, access_, a, "experts.application.submitted");
        return {};
    });
}

Result<Application> ApplicationService::Withdraw(const Actor& actor, Id id) {
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Application& a) -> Status {
        if (!p.applicant) return Error::Forbidden("only the applicant withdraws an application");
        if (!IsOpen(a.state)) return InvalidState(a, "withdrawn");
        bool was_draft = a.state == "draft";
        a.state = "withdrawn";
        store::AddApplicationEvent(tx, a.id, "withdrawn", actor.user_id, "");
        VECHE_RETURN_IF_ERROR(access_.roles().RevokeSystemRole(tx, 0, a.user_id, kRoleReservist));
        if (!was_draft)
            VECHE_RETURN_IF_ERROR(notices_.Send(tx, bot, CuratorsOf(tx, access_, a),
                                                Name(a) + " отозвал(а) заявку в эксперты."));
        Tell(tx, access_, a, "experts.application.withdrawn");
        return {};
    });
}

Result<Application> ApplicationService::Review(const Actor& actor, Id id) {
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Application& a) -> Status {
        if (!p.curator || p.applicant)
            return Error::Forbidden("only a curator of the applied communities reviews it");
        if (a.state != "submitted") return InvalidState(a, "taken into review");
        a.state = "in_review";
        a.curator_id = actor.user_id;
        store::AddApplicationEvent(tx, a.id, "review_started", actor.user_id, "");
        Tell(tx, access_, a, "experts.application.review_started");
        return {};
    });
}

Result<Application> ApplicationService::Ask(const Actor& actor, Id id, const std::string& text) {
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Application& a) -> Status {
        if (!p.curator || p.applicant)
            return Error::Forbidden("only a curator of the applied communities asks");
        if (a.state != "in_review" && a.state != "clarification_requested")
            return InvalidState(a, "questioned");
        a.state = "clarification_requested";
        if (!a.curator_id) a.curator_id = actor.user_id;
        store::AddApplicationEvent(tx, a.id, "question", actor.user_id, text);
        VECHE_RETURN_IF_ERROR(
            notices_.Send(tx, bot, {a.user_id}, "Куратор задал вопрос по вашей заявке в эксперты:\n" + text));
        Tell(tx, access_, a, "experts.application.question");
        return {};
    });
}

Result<Application> ApplicationService::Answer(const Actor& actor, Id id, const std::string& text) {
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Application& a) -> Status {
        if (!p.applicant) return Error::Forbidden("only the applicant answers");
        if (a.state != "clarification_requested") return InvalidState(a, "answered");
        a.state = "in_review";
        store::AddApplicationEvent(tx, a.id, "answer", actor.user_id, text);
        Tell(tx, access_, a, "experts.application.answer");
        return {};
    });
}

Result<Application> ApplicationService::ScheduleInterview(const Actor& actor, Id id,
                                                          const Interview& interview) {
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Application& a) -> Status {
        if (!p.curator || p.applicant)
            return Error::Forbidden("only a curator of the applied communities schedules it");
        if (a.state != "in_review" && a.state != "interview_scheduled")
            return InvalidState(a, "given an interview");
        if (interview.at <= NowMs())
            return Error{ErrorCode::kUnprocessable, "interview_in_past",
                         "the interview must be in the future"};
        a.state = "interview_scheduled";
        a.interview = interview;
        if (!a.curator_id) a.curator_id = actor.user_id;
        store::AddApplicationEvent(
            tx, a.id, "interview_scheduled", actor.user_id, "",
            json::Serialize(bj::object{{"at", interview.at}, {"link", interview.link}}));
        VECHE_RETURN_IF_ERROR(notices_.Send(tx, bot, {a.user_id},
                                            "Собеседование по вашей заявке в эксперты назначено на " +
                                                FormatTime(interview.at) + ". Ссылка: " + interview.link));
        Tell(tx, access_, a, "experts.application.interview_scheduled");
        return {};
    });
}

Result<Application> ApplicationService::Decide(const Actor& actor, Id id, const DecisionSpec& spec) {
    if (spec.decision != "approve" && spec.decision != "reject")
        return Error{ErrorCode::kUnprocessable, "invalid_decision", "decision is approve or reject"};
    if (spec.decision == "reject" && spec.reason.empty()) return FieldRequiredError("reason");
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Application& a) -> Status {
        if (!p.curator || p.applicant)
            return Error::Forbidden("only a curator of the applied communities decides");
        if (a.state != "in_review" && a.state != "interview_scheduled") return InvalidState(a, "decided");
        Decision d{spec.decision, spec.reason, actor.user_id, NowMs(), {}};
        if (spec.decision == "approve") {
            // Among the applied communities, those the caller curates (a moderator: any of them).
            std::vector<Id> chosen = spec.community_ids.value_or(a.community_ids);
            std::sort(chosen.begin(), chosen.end());
            chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
            std::vector<Id> granted;
            for (Id c : chosen) {
                bool applied =
                    std::find(a.community_ids.begin(), a.community_ids.end(), c) != a.community_ids.end();
                if (!applied) {
                    if (spec.community_ids)
                        return Error{ErrorCode::kUnprocessable, "community_not_applied",
                                     "experts are approved only in the communities applied for"};
                    continue;
                }
                if (!p.moderator && !access_.IsCurator(tx, actor.user_id, c)) {
                    if (spec.community_ids)
                        return Error::Forbidden("you curate only some of these communities");
                    continue;
                }
                granted.push_back(c);
            }
            if (granted.empty()) return FieldRequiredError("community_ids");
            for (Id c : granted)
                VECHE_RETURN_IF_ERROR(access_.roles().GrantSystemRole(tx, actor.user_id, a.user_id,
                                                                      kRoleExpert, CommunityScope(c)));
            VECHE_RETURN_IF_ERROR(
                access_.roles().RevokeSystemRole(tx, actor.user_id, a.user_id, kRoleReservist));
            d.community_ids = granted;
            CopyCompetences(tx, a);
            a.state = "approved";
            store::AddApplicationEvent(tx, a.id, "approved", actor.user_id, spec.reason,
                                       json::Serialize(IdsData("community_ids", granted)));
            VECHE_RETURN_IF_ERROR(notices_.Send(
                tx, bot, {a.user_id},
                "Ваша заявка одобрена: теперь вы эксперт сообщества " + CommunityTitles(tx, granted) + "."));
        } else {
            a.state = "rejected";
            VECHE_RETURN_IF_ERROR(
                access_.roles().RevokeSystemRole(tx, actor.user_id, a.user_id, kRoleReservist));
            store::AddApplicationEvent(tx, a.id, "rejected", actor.user_id, spec.reason);
            VECHE_RETURN_IF_ERROR(notices_.Send(tx, bot, {a.user_id},
                                                "Ваша заявка в эксперты отклонена. Причина: " + spec.reason));
        }
        a.decision = std::move(d);
        Tell(tx, access_, a, "experts.application.decided");
        return {};
    });
}

}  // namespace veche::experts
