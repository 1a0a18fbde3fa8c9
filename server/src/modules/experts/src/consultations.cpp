// Consultations: the state machine, the chat, the notices and events it moves
// (veche/experts/consultations.hpp). The registry, suggestions and statistics are in
// consultation_registry.cpp.
#include "veche/experts/consultations.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <set>

#include "community_store.hpp"
#include "consultation_events.hpp"
#include "consultation_ops.hpp"
#include "consultation_store.hpp"
#include "veche/calendar/calendar_service.hpp"
#include "veche/chat/bound_chats.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/core/text.hpp"
#include "veche/experts/communities.hpp"
#include "veche/experts/outcomes.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/search/search_index.hpp"

namespace veche::experts {

namespace bj = boost::json;
using storage::Tx;
using namespace consult;

namespace {

constexpr std::string_view kStates[] = {"new",      "assigned", "in_progress", "returned_for_clarification",
                                        "resolved", "rejected", "cancelled"};
constexpr std::string_view kDifficulties[] = {"beginner", "basic", "advanced"};
constexpr std::string_view kSearchKind = "consultation";

std::mutex g_observer_mu;
ConsultationObserver g_observer;

ConsultationObserver Observer() {
    std::lock_guard lock(g_observer_mu);
    return g_observer;
}

ConsultationOutcome OutcomeOf(const Consultation& c) {
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

std::string JobKey(Id id) { return "experts.consultation.overdue." + IdToString(id); }

std::string FormatTime(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

std::string UserName(Tx& tx, Id user_id) {
    auto& st = tx.Query("SELECT username, display_name FROM users WHERE id = ?", user_id);
    if (!st.Step()) return "#" + IdToString(user_id);
    std::string name = st.Text(1).empty() ? st.Text(0) : st.Text(1);
    while (st.Step()) {
    }
    return name;
}

// The first `max_chars` code points of valid UTF-8, "…" marking a cut.
std::string Clip(const std::string& s, std::size_t max_chars) {
    if (text::CodePointCount(s) <= max_chars) return s;
    std::size_t i = 0, n = 0;
    while (i < s.size() && n + 1 < max_chars) {
        unsigned char b = static_cast<unsigned char>(s[i]);
        i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        ++n;
    }
    return s.substr(0, std::min(i, s.size())) + "…";
}

std::string Label(const Consultation& c) { return ConsultationNumberText(c.number) + " «" + c.title + "»"; }

std::vector<std::string> NormalizeTags(const std::vector<std::string>& tags) {
    std::vector<std::string> out;
    for (const auto& t : tags) {
        std::string n = NormalizeTag(t);
        if (!n.empty() && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
    }
    return out;
}

Status Index(Tx& tx, const Consultation& c) {
    search::Document d;
    d.kind = std::string(kSearchKind);
    d.id = c.id;
    d.scope_id = c.community_id;
    d.title = c.title;
    d.body = c.question + "\n" + c.expected_result;
    d.at = c.created_at;
    return search::Index(tx, d);
}

Status Observe(Tx& tx, const Consultation& c) {
    auto observer = Observer();
    return observer ? observer(tx, OutcomeOf(c)) : Status{};
}

// Posts to the consultation's chat, when it has one.
Status ChatNote(Tx& tx, const Consultation& c, Id bot, const std::string& text) {
    if (!c.chat_id) return {};
    VECHE_ASSIGN_OR_RETURN(auto m, chat::PostSystemMessage(tx, *c.chat_id, bot, text));
    (void)m;
    return {};
}

std::vector<chat::BoundMember> ChatMembers(const Consultation& c) {
    std::vector<chat::BoundMember> out;
    std::set<Id> seen;
    for (std::optional<Id> u : {std::optional<Id>(c.requester_id), c.expert_id, c.curator_id})
        if (u && *u != 0 && seen.insert(*u).second) out.push_back({*u, "member"});
    return out;
}

bool ValidLink(const std::string& link) {
    return (link.rfind("https://", 0) == 0 || link.rfind("http://", 0) == 0) && link.size() > 8 &&
           link.find_first_of(" \t\r\n<>\"") == std::string::npos;
}

}  // namespace

bool IsConsultationState(std::string_view state) {
    return std::find(std::begin(kStates), std::end(kStates), state) != std::end(kStates);
}
bool IsDifficulty(std::string_view d) {
    return std::find(std::begin(kDifficulties), std::end(kDifficulties), d) != std::end(kDifficulties);
}
bool IsRejectReason(std::string_view code) {
    return std::find_if(std::begin(kRejectReasons), std::end(kRejectReasons),
                        [&](const char* r) { return code == r; }) != std::end(kRejectReasons);
}
std::string ConsultationNumberText(std::int64_t number) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "EXP-%06lld", static_cast<long long>(number));
    return buf;
}

void SetConsultationObserver(ConsultationObserver observer) {
    std::lock_guard lock(g_observer_mu);
    g_observer = std::move(observer);
}

namespace consult {

Party PartyOf(Tx& tx, const Access& access, const Actor& actor, const Consultation& c) {
    Party p;
    p.requester = c.requester_id == actor.user_id;
    p.expert = c.expert_id && *c.expert_id == actor.user_id;
    p.moderator = access.IsModerator(tx, actor.user_id);
    p.curator = p.moderator || access.IsCurator(tx, actor.user_id, c.community_id);
    return p;
}

std::vector<std::string> ActionsFor(const Party& p, const Consultation& c) {
    std::vector<std::string> out;
    auto add = [&out](const char* a) {
        if (std::find(out.begin(), out.end(), a) == out.end()) out.emplace_back(a);
    };
    const std::string& s = c.state;
    if (p.requester) {
        if (s == "new" || s == "returned_for_clarification") add("update");
        if (s == "new") add("cancel");
        if (s == "resolved") add(c.rating ? "change_rating" : "rate");
    }
    if (p.curator && (s == "new" || s == "assigned" || s == "in_progress")) add("assign");
    if (p.expert && s == "assigned") add("accept");
    if ((p.curator || p.expert) && (s == "new" || s == "assigned" || s == "in_progress")) {
        if (s != "new" || p.curator) {
            add("return");
            add("reject");
        }
    }
    if ((p.curator || p.expert) &&
        (s == "assigned" || s == "in_progress" || s == "returned_for_clarification"))
        add("call");
    if ((p.curator || p.expert) && s == "in_progress") add("resolve");
    return out;
}

}  // namespace consult

ConsultationService::ConsultationService(storage::Database& db, const Access& access, Notices& notices,
                                         calendar::CalendarService& calendars, jobs::Scheduler& scheduler)
    : db_(db), access_(access), notices_(notices), calendars_(calendars), scheduler_(scheduler) {}

void ConsultationService::RegisterJobs() {
    scheduler_.Register(std::string(kOverdueJobKind), [this](const jobs::Job& job) -> Status {
        boost::system::error_code ec;
        bj::value v = bj::parse(job.payload, ec);
        if (ec || !v.is_object()) return {};  // nothing a retry could fix
        const auto& o = v.get_object();
        auto it = o.find("id");
        if (it == o.end() || !it->value().is_string()) return {};
        auto id = ParseId(it->value().get_string());
        if (!id) return {};
        return Escalate(*id);
    });
}

namespace {

// Every step: load, check visibility (404), run the step (403, 409, 422 and the change), save,
// reindex, tell the scoring observer, and answer with the history and the caller's actions.
template <class F>
Result<Consultation> RunStep(storage::Database& db, const Access& access, const Actor& actor, Id id,
                             F&& step) {
    if (actor.is_guest) return Error::NotFound("consultation");
    return db.Write([&](Tx& tx) -> Result<Consultation> {
        auto c = store::LoadConsultation(tx, id);
        if (!c || !access.CommunityVisible(tx, actor.user_id, c->community_id))
            return Error::NotFound("consultation");
        Party p = PartyOf(tx, access, actor, *c);
        VECHE_RETURN_IF_ERROR(step(tx, p, *c));
        c->updated_at = NowMs();
        store::SaveConsultation(tx, *c);
        VECHE_RETURN_IF_ERROR(Index(tx, *c));
        VECHE_RETURN_IF_ERROR(Observe(tx, *c));
        c->events = store::LoadConsultationEvents(tx, c->id);
        c->attachments = store::LoadAttachments(tx, c->id);
        c->actions = ActionsFor(p, *c);
        return std::move(*c);
    });
}

}  // namespace

Result<Consultation> ConsultationService::Create(const Actor& actor, const NewConsultation& spec) {
    if (actor.is_guest) return GuestError();
    if (!spec.community_id) return FieldRequiredError("community_id");
    if (spec.title.empty()) return FieldRequiredError("title");
    if (spec.question.empty()) return FieldRequiredError("question");
    if (spec.expected_result.empty()) return FieldRequiredError("expected_result");
    if (spec.difficulty.empty()) return FieldRequiredError("difficulty");
    if (!IsDifficulty(spec.difficulty))
        return Error{ErrorCode::kUnprocessable, "invalid_difficulty",
                     "difficulty is beginner, basic or advanced"};
    VECHE_ASSIGN_OR_RETURN(auto cal, calendars_.Get());
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    std::int64_t due = 0;
    auto result = db_.Write([&](Tx& tx) -> Result<Consultation> {
        Id community_id = *spec.community_id;
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        auto community = store::LoadCommunity(tx, community_id);
        if (!community) return Error::NotFound("community");
        if (community->archived_at)
            return Error::Conflict("community_archived", "an archived community takes no consultations");
        auto settings = store::LoadSettings(tx, community_id);
        Consultation c;
        c.id = GlobalIds().Next();
        c.number = store::NextConsultationNumber(tx);
        c.requester_id = actor.user_id;
        c.community_id = community_id;
        c.title = spec.title;
        c.question = spec.question;
        c.expected_result = spec.expected_result;
        c.difficulty = spec.difficulty;
        c.tags = NormalizeTags(spec.tags);
        c.state = "new";
        c.created_at = c.updated_at = NowMs();
        // 0 working days: escalate as soon as the queue runs, whatever the calendar says of today.
        c.due_assign_at = settings.assign_within_working_days == 0
                              ? c.created_at
                              : cal.AddWorkingDays(c.created_at, settings.assign_within_working_days);
        due = c.due_assign_at;
        store::InsertConsultation(tx, c);
        store::AddConsultationEvent(tx, c.id, "created", actor.user_id, "");
        VECHE_RETURN_IF_ERROR(Index(tx, c));
        jobs::ScheduleOptions options;
        options.dedupe_key = JobKey(c.id);
        VECHE_ASSIGN_OR_RETURN(
            Id job,
            scheduler_.Schedule(tx, kOverdueJobKind, json::Serialize(bj::object{{"id", IdToString(c.id)}}),
                                c.due_assign_at, options));
        (void)job;
        VECHE_RETURN_IF_ERROR(Observe(tx, c));
        EmitFollow(tx, c, c.requester_id, true);
        EmitConsultationEvent(tx, access_, c, "created");
        VECHE_RETURN_IF_ERROR(notices_.Send(tx, bot, access_.Holders(tx, kRoleCurator, community_id),
                                            "Новый запрос на консультацию " + Label(c) + " в сообществе «" +
                                                community->title + "»: назначьте эксперта."));
        c.events = store::LoadConsultationEvents(tx, c.id);
        c.actions = ActionsFor(PartyOf(tx, access_, actor, c), c);
        return c;
    });
    if (result.ok() && due <= NowMs() + 1000) scheduler_.Wake();
    return result;
}

Result<Consultation> ConsultationService::Get(const Actor& actor, Id id) {
    if (actor.is_guest) return Error::NotFound("consultation");
    return db_.Read([&](Tx& tx) -> Result<Consultation> {
        auto c = store::LoadConsultation(tx, id);
        if (!c || !access_.CommunityVisible(tx, actor.user_id, c->community_id))
            return Error::NotFound("consultation");
        c->events = store::LoadConsultationEvents(tx, c->id);
        c->attachments = store::LoadAttachments(tx, c->id);
        c->actions = ActionsFor(PartyOf(tx, access_, actor, *c), *c);
        return std::move(*c);
    });
}

Result<Consultation> ConsultationService::Update(const Actor& actor, Id id,
                                                 const ConsultationChange& change) {
    if (change.difficulty && !IsDifficulty(*change.difficulty))
        return Error{ErrorCode::kUnprocessable, "invalid_difficulty",
                     "difficulty is beginner, basic or advanced"};
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Consultation& c) -> Status {
        if (!p.requester) return Error::Forbidden("only the requester edits the request");
        if (c.state != "new" && c.state != "returned_for_clarification") return InvalidState(c, "edited");
        if (change.title) c.title = *change.title;
        if (change.question) c.question = *change.question;
        if (change.expected_result) c.expected_result = *change.expected_result;
        if (change.difficulty) c.difficulty = *change.difficulty;
        if (change.tags) c.tags = NormalizeTags(*change.tags);
        bool back = c.state == "returned_for_clarification";
        if (back) {
            // Back to the queue it left, with the same expert: a clarification never reassigns.
            c.state = c.prior_state.value_or(c.expert_id ? "assigned" : "new");
            c.prior_state.reset();
        }
        store::AddConsultationEvent(tx, c.id, "updated", actor.user_id, "",
                                    json::Serialize(bj::object{{"state", c.state}, {"clarified", back}}));
        if (back) {
            VECHE_RETURN_IF_ERROR(ChatNote(tx, c, bot, "Заявитель уточнил запрос."));
            if (c.expert_id)
                VECHE_RETURN_IF_ERROR(notices_.Send(tx, bot, {*c.expert_id},
                                                    "Заявитель уточнил консультацию " + Label(c) + "."));
        }
        EmitConsultationEvent(tx, access_, c, "updated");
        return {};
    });
}

Result<Consultation> ConsultationService::Assign(const Actor& actor, Id id, Id expert_id) {
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Consultation& c) -> Status {
        if (!p.curator) return Error::Forbidden("only the community's curators assign experts");
        if (c.state != "new" && c.state != "assigned" && c.state != "in_progress")
            return InvalidState(c, "assigned");
        auto experts = access_.Holders(tx, kRoleExpert, c.community_id);
        if (std::find(experts.begin(), experts.end(), expert_id) == experts.end())
            return Error{ErrorCode::kUnprocessable, "not_an_expert",
                         "the user is not an expert of this community"};
        auto profile = store::LoadProfile(tx, expert_id);
        std::int64_t now = NowMs();
        if (profile && profile->vacation_until && *profile->vacation_until > now)
            return Error::Conflict("expert_on_vacation", "the expert is on vacation");
        std::vector<Id> before = Participants(c);
        c.expert_id = expert_id;
        c.curator_id = actor.user_id;
        c.state = "assigned";
        c.prior_state.reset();
        c.assigned_at = now;
        std::string expert_name = UserName(tx, expert_id);
        if (c.chat_id) {
            VECHE_RETURN_IF_ERROR(chat::SetBoundMembers(tx, *c.chat_id, bot, ChatMembers(c)));
        } else {
            chat::BoundChatSpec spec;
            spec.kind = std::string(kConsultationChatKind);
            spec.owner_id = bot;
            // Within the messenger's limit for chat names.
            spec.name = Clip(ConsultationNumberText(c.number) + " · " + c.title, chat::kMaxNameChars);
            spec.topic = "Консультация " + ConsultationNumberText(c.number);
            spec.members = ChatMembers(c);
            VECHE_ASSIGN_OR_RETURN(auto chat, chat::CreateBoundChat(tx, spec));
            c.chat_id = chat.id;
        }
        VECHE_RETURN_IF_ERROR(ChatNote(tx, c, bot, "Назначен эксперт: " + expert_name + "."));
        scheduler_.Cancel(tx, JobKey(c.id));
        store::AddConsultationEvent(tx, c.id, "assigned", actor.user_id, "",
                                    json::Serialize(bj::object{{"expert_id", IdToString(expert_id)}}));
        VECHE_RETURN_IF_ERROR(
            notices_.Send(tx, bot, {expert_id}, "Вам назначена консультация " + Label(c) + "."));
        // The topic moves to the new participants: they follow before the event, a replaced expert
        // (or curator) hears it and then stops following.
        std::vector<Id> after = Participants(c);
        for (Id u : after)
            if (std::find(before.begin(), before.end(), u) == before.end()) EmitFollow(tx, c, u, true);
        EmitConsultationEvent(tx, access_, c, "assigned");
        for (Id u : before)
            if (std::find(after.begin(), after.end(), u) == after.end()) EmitFollow(tx, c, u, false);
        return {};
    });
}

Result<Consultation> ConsultationService::Accept(const Actor& actor, Id id) {
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Consultation& c) -> Status {
        if (!p.expert) return Error::Forbidden("only the assigned expert accepts the request");
        if (c.state != "assigned") return InvalidState(c, "accepted");
        c.state = "in_progress";
        store::AddConsultationEvent(tx, c.id, "accepted", actor.user_id, "");
        VECHE_RETURN_IF_ERROR(ChatNote(tx, c, bot, "Эксперт принял запрос в работу."));
        EmitConsultationEvent(tx, access_, c, "accepted");
        return {};
    });
}

Result<Consultation> ConsultationService::Return(const Actor& actor, Id id, const std::string& questions) {
    if (questions.empty()) return FieldRequiredError("questions");
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Consultation& c) -> Status {
        if (!p.expert && !p.curator)
            return Error::Forbidden("only the expert or a curator asks for clarification");
        if (c.state != "new" && c.state != "assigned" && c.state != "in_progress")
            return InvalidState(c, "returned for clarification");
        c.prior_state = c.state;
        c.state = "returned_for_clarification";
        c.questions = questions;
        store::AddConsultationEvent(tx, c.id, "returned", actor.user_id, questions);
        VECHE_RETURN_IF_ERROR(ChatNote(tx, c, bot, "Запрос возвращён на уточнение:\n" + questions));
        VECHE_RETURN_IF_ERROR(
            notices_.Send(tx, bot, {c.requester_id},
                          "Консультация " + Label(c) + " возвращена на уточнение:\n" + questions));
        EmitConsultationEvent(tx, access_, c, "returned");
        return {};
    });
}

Result<Consultation> ConsultationService::Resolve(const Actor& actor, Id id, const std::string& text,
                                                  std::optional<Id> message_id) {
    if (text.empty() && !message_id) return FieldRequiredError("text");
    if (!text.empty() && message_id) return Error::InvalidArgument("give either 'text' or 'message_id'");
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Consultation& c) -> Status {
        if (!p.expert && !p.curator)
            return Error::Forbidden("only the expert or a curator resolves the request");
        if (c.state != "in_progress") return InvalidState(c, "resolved");
        std::string answer = text;
        if (message_id) {
            auto& st =
                tx.Query("SELECT text FROM messages WHERE id = ? AND chat_id = ? AND deleted_at IS NULL",
                         *message_id, c.chat_id.value_or(0));
            if (!st.Step())
                return Error{ErrorCode::kUnprocessable, "message_not_in_chat",
                             "the answer must be a message of the consultation's chat"};
            answer = st.Text(0);
            while (st.Step()) {
            }
            c.answer_message_id = message_id;
        }
        c.answer_text = answer;
        c.state = "resolved";
        c.resolved_at = NowMs();
        store::AddConsultationEvent(tx, c.id, "resolved", actor.user_id, answer);
        if (!message_id) VECHE_RETURN_IF_ERROR(ChatNote(tx, c, bot, "Ответ эксперта:\n" + answer));
        VECHE_RETURN_IF_ERROR(notices_.Send(tx, bot, {c.requester_id},
                                            "Консультация " + Label(c) + " решена. Оцените ответ эксперта."));
        EmitConsultationEvent(tx, access_, c, "resolved");
        return {};
    });
}

Result<Consultation> ConsultationService::Reject(const Actor& actor, Id id, const std::string& reason_code,
                                                 const std::string& text) {
    if (reason_code.empty()) return FieldRequiredError("reason_code");
    if (!IsRejectReason(reason_code))
        return Error{
            ErrorCode::kUnprocessable, "invalid_reason_code",
            "reason_code is one of out_of_scope, duplicate, insufficient_information, not_expert_question, "
            "other"};
    if (text.empty()) return FieldRequiredError("text");
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Consultation& c) -> Status {
        if (!p.expert && !p.curator)
            return Error::Forbidden("only the expert or a curator rejects the request");
        if (c.state != "new" && c.state != "assigned" && c.state != "in_progress")
            return InvalidState(c, "rejected");
        c.state = "rejected";
        c.prior_state.reset();
        c.reject_reason_code = reason_code;
        c.reject_text = text;
        c.resolved_at = NowMs();
        scheduler_.Cancel(tx, JobKey(c.id));
        store::AddConsultationEvent(tx, c.id, "rejected", actor.user_id, text,
                                    json::Serialize(bj::object{{"reason_code", reason_code}}));
        VECHE_RETURN_IF_ERROR(ChatNote(tx, c, bot, "Запрос отклонён (" + reason_code + "):\n" + text));
        VECHE_RETURN_IF_ERROR(
            notices_.Send(tx, bot, {c.requester_id}, "Консультация " + Label(c) + " отклонена:\n" + text));
        EmitConsultationEvent(tx, access_, c, "rejected");
        return {};
    });
}

Result<Consultation> ConsultationService::Cancel(const Actor& actor, Id id) {
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Consultation& c) -> Status {
        if (!p.requester) return Error::Forbidden("only the requester cancels the request");
        if (c.state != "new") return InvalidState(c, "cancelled");
        c.state = "cancelled";
        scheduler_.Cancel(tx, JobKey(c.id));
        store::AddConsultationEvent(tx, c.id, "cancelled", actor.user_id, "");
        EmitConsultationEvent(tx, access_, c, "cancelled");
        return {};
    });
}

Result<Consultation> ConsultationService::ScheduleCall(const Actor& actor, Id id, const Call& call) {
    if (call.link.empty()) return FieldRequiredError("link");
    if (!ValidLink(call.link))
        return Error{ErrorCode::kUnprocessable, "invalid_link", "the link is an http(s) address"};
    if (call.at <= NowMs())
        return Error{ErrorCode::kUnprocessable, "invalid_at", "the call must be in the future"};
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Consultation& c) -> Status {
        if (!p.expert && !p.curator)
            return Error::Forbidden("only the expert or a curator schedules the call");
        if (c.state != "assigned" && c.state != "in_progress" && c.state != "returned_for_clarification")
            return InvalidState(c, "given a call");
        c.call = call;
        store::AddConsultationEvent(tx, c.id, "call_scheduled", actor.user_id, call.link,
                                    json::Serialize(bj::object{{"at", call.at}}));
        VECHE_RETURN_IF_ERROR(
            ChatNote(tx, c, bot, "Созвон назначен на " + FormatTime(call.at) + ": " + call.link));
        EmitConsultationEvent(tx, access_, c, "call_scheduled");
        return {};
    });
}

Result<Consultation> ConsultationService::Rate(const Actor& actor, Id id, int rating,
                                               const std::string& comment, bool change) {
    if (rating < 1 || rating > 5)
        return Error{ErrorCode::kUnprocessable, "invalid_rating", "the rating is 1 to 5"};
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Consultation& c) -> Status {
        if (!p.requester) return Error::Forbidden("only the requester rates the answer");
        if (c.state != "resolved") return InvalidState(c, "rated");
        if (!change && c.rating) return Error::Conflict("already_rated", "the consultation is rated already");
        if (change && !c.rating) return Error::NotFound("rating");
        c.rating = rating;
        c.rating_comment = comment;
        c.rated_at = NowMs();
        store::AddConsultationEvent(tx, c.id, change ? "rating_changed" : "rated", actor.user_id, comment,
                                    json::Serialize(bj::object{{"rating", rating}}));
        EmitConsultationEvent(tx, access_, c, "rated");
        return {};
    });
}

Status ConsultationService::Escalate(Id id) {
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    auto done = db_.Write([&](Tx& tx) -> Result<bool> {
        auto c = store::LoadConsultation(tx, id);
        // Assigned, finished or escalated already (a second run of the job): nothing to do.
        if (!c || c->escalated_at || c->expert_id ||
            (c->state != "new" && c->state != "returned_for_clarification"))
            return false;
        c->escalated_at = NowMs();
        c->overdue = true;
        store::SaveConsultation(tx, *c);
        store::AddConsultationEvent(tx, c->id, "escalated", std::nullopt, "");
        std::vector<Id> to = access_.Holders(tx, kRoleCurator, c->community_id);
        auto moderators = store::Moderators(tx);
        to.insert(to.end(), moderators.begin(), moderators.end());
        VECHE_RETURN_IF_ERROR(notices_.Send(tx, bot, to,
                                            "Консультация " + Label(*c) +
                                                " не назначена эксперту в срок: назначьте "
                                                "эксперта."));
        EmitConsultationEvent(tx, access_, *c, "overdue", moderators);
        return true;
    });
    if (!done.ok()) return done.error();
    return {};
}

}  // namespace veche::experts
