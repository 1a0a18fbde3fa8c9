// Events: scheduling, registrations with the waitlist, reminders, the summary and cancellation
// (veche/experts/meetings.hpp). The calendar export is meetings_ics.cpp.
#include "veche/experts/meetings.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <ctime>
#include <map>
#include <set>

#include "community_store.hpp"
#include "events.hpp"
#include "meeting_store.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/core/text.hpp"
#include "veche/experts/content.hpp"
#include "veche/experts/outcomes.hpp"
#include "veche/experts/sanitize.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/search/search_index.hpp"

namespace veche::experts {

namespace bj = boost::json;
using storage::Tx;

namespace {

constexpr std::string_view kReminderJob = "experts.event_reminder";
constexpr std::string_view kSearchKind = "experts_event";
struct Offset {
    const char* kind;
    std::int64_t before_ms;
    const char* text;
};
constexpr Offset kReminders[] = {{"24h", 24LL * 3600 * 1000, "через сутки"},
                                 {"1h", 3600LL * 1000, "через час"}};

Error Guest() { return Error::Forbidden("guest accounts have no place in the expert network"); }

std::string FormatTime(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

bool SeesMeeting(Tx& tx, const Access& access, const Actor& actor, const Meeting& m) {
    return !m.community_id || access.CommunityVisible(tx, actor.user_id, *m.community_id);
}

bool Organises(Tx& tx, const Access& access, const Actor& actor, std::optional<Id> community_id) {
    if (access.IsModerator(tx, actor.user_id)) return true;
    return community_id && access.IsCurator(tx, actor.user_id, *community_id);
}

std::vector<std::string> ActionsFor(bool organiser, const Meeting& m, std::int64_t now) {
    std::vector<std::string> out;
    if (m.state == "scheduled" && now < m.ends_at) out.emplace_back("register");
    if (organiser && m.state == "scheduled") {
        out.emplace_back("edit");
        out.emplace_back("cancel");
        if (now >= m.ends_at) out.emplace_back("summary");
    }
    return out;
}

// The event for the caller, with its actions: 404 when it does not exist or is not seen.
Result<Meeting> Seen(Tx& tx, const Access& access, const Actor& actor, Id id, bool lock = false) {
    if (lock) store::LockMeeting(tx, id);
    auto m = store::LoadMeeting(tx, id, actor.user_id);
    if (!m || !SeesMeeting(tx, access, actor, *m)) return Error::NotFound("event");
    m->actions = ActionsFor(Organises(tx, access, actor, m->community_id), *m, NowMs());
    return std::move(*m);
}

Status IndexMeeting(Tx& tx, const Meeting& m) {
    search::Document doc;
    doc.kind = std::string(kSearchKind);
    doc.id = m.id;
    doc.scope_id = m.community_id.value_or(0);
    doc.title = m.title;
    doc.body = m.topic + " " + m.agenda + " " + (m.summary ? HtmlToText(*m.summary) : "");
    if (doc.body.size() > search::kMaxBodyBytes) doc.body.resize(0);
    doc.at = m.starts_at;
    return search::Index(tx, doc);
}

std::string ReminderKey(Id id, const Offset& o) {
    return "experts.event_reminder:" + IdToString(id) + ":" + o.kind;
}

Status ScheduleReminders(Tx& tx, jobs::Scheduler* scheduler, const Meeting& m) {
    if (!scheduler) return {};
    std::int64_t now = NowMs();
    for (const auto& o : kReminders) {
        std::int64_t due = m.starts_at - o.before_ms;
        if (m.state != "scheduled" || due <= now) {
            scheduler->Cancel(tx, ReminderKey(m.id, o));
            continue;
        }
        bj::object payload{{"event_id", IdToString(m.id)}, {"kind", o.kind}, {"starts_at", m.starts_at}};
        jobs::ScheduleOptions opts;
        opts.dedupe_key = ReminderKey(m.id, o);
        VECHE_ASSIGN_OR_RETURN(auto job,
                               scheduler->Schedule(tx, kReminderJob, bj::serialize(payload), due, opts));
        (void)job;
    }
    return {};
}

void Tell(Tx& tx, const Access& access, const Meeting& m, std::string_view kind, std::vector<Id> to,
          bj::object extra = {}) {
    if (m.community_id)
        for (Id u : access.Holders(tx, kRoleCurator, *m.community_id)) to.push_back(u);
    to.push_back(m.created_by);
    extra["event_id"] = IdToString(m.id);
    extra["state"] = m.state;
    if (m.community_id) extra["community_id"] = IdToString(*m.community_id);
    EmitToUsers(tx, kind, to, extra);
}

// Moves the first of the waitlist to going while there is room; tells each one promoted.
Status Promote(Tx& tx, const Access& access, Notices& notices, Id bot, const Meeting& m) {
    while (true) {
        std::int64_t going = store::CountStatus(tx, m.id, "going");
        if (m.capacity && going >= *m.capacity) return {};
        auto next = store::FirstWaitlisted(tx, m.id);
        if (!next) return {};
        store::SetStatus(tx, m.id, *next, "going", GlobalIds().Next());
        VECHE_RETURN_IF_ERROR(notices.Send(
            tx, bot, {*next},
            "Освободилось место: вы записаны на «" + m.title + "» (" + FormatTime(m.starts_at) + ")."));
        Tell(tx, access, m, "experts.event.promoted", {*next}, bj::object{{"user_id", IdToString(*next)}});
    }
}

}  // namespace

bool IsRegistrationStatus(std::string_view s) {
    return s == "going" || s == "interested" || s == "not_going";
}

MeetingService::MeetingService(storage::Database& db, const Access& access, Notices& notices)
    : db_(db), access_(access), notices_(notices) {}

void MeetingService::UseScheduler(jobs::Scheduler& scheduler) {
    scheduler_ = &scheduler;
    scheduler.Register(std::string(kReminderJob), [this](const jobs::Job& job) -> Status {
        boost::system::error_code ec;
        bj::value v = bj::parse(job.payload, ec);
        if (ec || !v.is_object()) return {};  // not ours to retry
        const auto& o = v.get_object();
        auto id = o.if_contains("event_id") && o.at("event_id").is_string()
                      ? ParseId(o.at("event_id").get_string())
                      : std::nullopt;
        if (!id || !o.if_contains("kind") || !o.at("kind").is_string() || !o.if_contains("starts_at") ||
            !o.at("starts_at").is_int64())
            return {};
        return Remind(*id, std::string(o.at("kind").get_string()), o.at("starts_at").get_int64());
    });
}

Status MeetingService::Remind(Id event_id, const std::string& kind, std::int64_t starts_at) {
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return db_.Write([&](Tx& tx) -> Status {
        auto m = store::LoadMeeting(tx, event_id, 0);
        if (!m || m->state != "scheduled" || m->starts_at != starts_at) return {};  // stale
        // Once per event, offset and start (a moved start reminds again).
        std::string key = kind + "@" + std::to_string(starts_at);
        if (tx.Exec("INSERT INTO experts_event_reminders(event_id, kind, sent_at) VALUES (?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    event_id, key, NowMs()) == 0)
            return {};
        const char* when = kind == "1h" ? "через час" : "через сутки";
        std::vector<Id> to = store::UsersWithStatus(tx, event_id, {"going", "interested"});
        std::string text =
            "Напоминание: «" + m->title + "» начнётся " + when + ", " + FormatTime(m->starts_at) + ".";
        if (!m->link.empty()) text += " Ссылка: " + m->link;
        VECHE_RETURN_IF_ERROR(notices_.Send(tx, bot, to, text));
        EmitToUsers(tx, "experts.event.reminder", to,
                    bj::object{{"event_id", IdToString(event_id)}, {"kind", kind}});
        return {};
    });
}

Result<std::vector<Meeting>> MeetingService::List(const Actor& actor, const MeetingFilter& filter) {
    if (actor.is_guest) return Guest();
    if (filter.from && filter.to && *filter.to <= *filter.from)
        return Error::InvalidArgument("'to' must be after 'from'");
    return db_.Read([&](Tx& tx) -> Result<std::vector<Meeting>> {
        std::vector<Id> scopes = access_.VisibleCommunities(tx, actor.user_id);
        if (filter.community_id) {
            if (std::find(scopes.begin(), scopes.end(), *filter.community_id) == scopes.end())
                return Error::NotFound("community");
            scopes = {*filter.community_id};
        } else {
            scopes.push_back(0);  // events of no community
        }
        std::vector<Id> ids;
        std::map<Id, std::string> snippets;
        if (filter.q && !text::Trim(*filter.q).empty()) {
            search::Query q;
            q.kinds = {std::string(kSearchKind)};
            q.text = *filter.q;
            q.scopes = scopes;
            q.limit = 100;
            VECHE_ASSIGN_OR_RETURN(auto hits, search::Find(tx, q));
            for (const auto& h : hits) {
                ids.push_back(h.id);
                snippets[h.id] = h.snippet;
            }
        } else {
            ids = store::MeetingsInWindow(tx, scopes, filter.from, filter.to, filter.limit);
        }
        std::vector<Meeting> out;
        std::int64_t now = NowMs();
        for (Id id : ids) {
            auto m = store::LoadMeeting(tx, id, actor.user_id);
            if (!m || !SeesMeeting(tx, access_, actor, *m)) continue;
            if (filter.q &&
                ((filter.from && m->ends_at <= *filter.from) || (filter.to && m->starts_at >= *filter.to)))
                continue;
            if (auto it = snippets.find(id); it != snippets.end()) m->snippet = it->second;
            m->actions = ActionsFor(Organises(tx, access_, actor, m->community_id), *m, now);
            out.push_back(std::move(*m));
        }
        return out;
    });
}

Result<Meeting> MeetingService::Create(const Actor& actor, const NewMeeting& spec) {
    if (actor.is_guest) return Guest();
    if (spec.ends_at <= spec.starts_at)
        return Error{ErrorCode::kUnprocessable, "invalid_time", "ends_at must be after starts_at"};
    return db_.Write([&](Tx& tx) -> Result<Meeting> {
        if (spec.community_id) {
            if (!access_.CommunityVisible(tx, actor.user_id, *spec.community_id))
                return Error::NotFound("community");
            auto c = store::LoadCommunity(tx, *spec.community_id);
            if (!c) return Error::NotFound("community");
            if (c->archived_at)
                return Error::Conflict("community_archived", "an archived community is read-only");
        }
        if (!Organises(tx, access_, actor, spec.community_id))
            return Error::Forbidden(spec.community_id ? "a curator of the community creates its events"
                                                      : "a moderator creates events of no community");
        Meeting m;
        m.id = GlobalIds().Next();
        m.community_id = spec.community_id;
        m.title = spec.title;
        m.topic = spec.topic;
        m.agenda = spec.agenda;
        m.starts_at = spec.starts_at;
        m.ends_at = spec.ends_at;
        m.tz = spec.tz;
        m.link = spec.link;
        m.capacity = spec.capacity;
        m.state = "scheduled";
        m.created_by = actor.user_id;
        m.created_at = m.updated_at = NowMs();
        store::InsertMeeting(tx, m);
        VECHE_RETURN_IF_ERROR(IndexMeeting(tx, m));
        VECHE_RETURN_IF_ERROR(ScheduleReminders(tx, scheduler_, m));
        Tell(tx, access_, m, "experts.event.created", {});
        return Seen(tx, access_, actor, m.id);
    });
}

Result<Meeting> MeetingService::Get(const Actor& actor, Id id) {
    if (actor.is_guest) return Guest();
    return db_.Read([&](Tx& tx) { return Seen(tx, access_, actor, id); });
}

Result<Meeting> MeetingService::Update(const Actor& actor, Id id, const MeetingChange& change) {
    if (actor.is_guest) return Guest();
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return db_.Write([&](Tx& tx) -> Result<Meeting> {
        VECHE_ASSIGN_OR_RETURN(auto m, Seen(tx, access_, actor, id, true));
        if (!Organises(tx, access_, actor, m.community_id))
            return Error::Forbidden("the organisers edit an event");
        if (m.state != "scheduled")
            return Error::Conflict("invalid_state", "an event in state '" + m.state + "' cannot be edited");
        if (change.title) m.title = *change.title;
        if (change.topic) m.topic = *change.topic;
        if (change.agenda) m.agenda = *change.agenda;
        if (change.starts_at) m.starts_at = *change.starts_at;
        if (change.ends_at) m.ends_at = *change.ends_at;
        if (change.tz) m.tz = *change.tz;
        if (change.link) m.link = *change.link;
        if (change.capacity) m.capacity = *change.capacity;
        if (m.ends_at <= m.starts_at)
            return Error{ErrorCode::kUnprocessable, "invalid_time", "ends_at must be after starts_at"};
        m.updated_at = NowMs();
        store::UpdateMeeting(tx, m);
        VECHE_RETURN_IF_ERROR(IndexMeeting(tx, m));
        VECHE_RETURN_IF_ERROR(ScheduleReminders(tx, scheduler_, m));
        VECHE_RETURN_IF_ERROR(
            Promote(tx, access_, notices_, bot, m));  // a larger capacity takes the waitlist
        if (change.starts_at || change.ends_at || change.link) {
            std::vector<Id> to = store::UsersWithStatus(tx, id, {"going", "interested", "waitlist"});
            VECHE_RETURN_IF_ERROR(notices_.Send(tx, bot, to,
                                                "Изменилось событие «" + m.title +
                                                    "»: " + FormatTime(m.starts_at) +
                                                    (m.link.empty() ? "" : ", " + m.link) + "."));
        }
        Tell(tx, access_, m, "experts.event.updated", {});
        return Seen(tx, access_, actor, id);
    });
}

Result<Meeting> MeetingService::Register(const Actor& actor, Id id, const std::string& status) {
    if (actor.is_guest) return Guest();
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return db_.Write([&](Tx& tx) -> Result<Meeting> {
        VECHE_ASSIGN_OR_RETURN(auto m, Seen(tx, access_, actor, id, true));
        if (m.state != "scheduled")
            return Error::Conflict("invalid_state",
                                   "an event in state '" + m.state + "' takes no registrations");
        if (NowMs() >= m.ends_at) return Error::Conflict("event_ended", "the event has ended");
        auto old = store::StatusOf(tx, id, actor.user_id);
        std::string next = status;
        if (status == "going") {
            if (old == "going" || old == "waitlist") return m;  // idempotent: the place in the queue is kept
            if (m.capacity && store::CountStatus(tx, id, "going") >= *m.capacity) next = "waitlist";
        } else if (old == status) {
            return m;
        }
        store::SetStatus(tx, id, actor.user_id, next, GlobalIds().Next());
        if (old == "going") VECHE_RETURN_IF_ERROR(Promote(tx, access_, notices_, bot, m));
        Tell(tx, access_, m, "experts.event.registration", {actor.user_id},
             bj::object{{"user_id", IdToString(actor.user_id)}, {"status", next}});
        return Seen(tx, access_, actor, id);
    });
}

Result<Meeting> MeetingService::Unregister(const Actor& actor, Id id) {
    if (actor.is_guest) return Guest();
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return db_.Write([&](Tx& tx) -> Result<Meeting> {
        VECHE_ASSIGN_OR_RETURN(auto m, Seen(tx, access_, actor, id, true));
        auto old = store::StatusOf(tx, id, actor.user_id);
        if (!old) return m;
        store::DeleteRegistration(tx, id, actor.user_id);
        if (*old == "going" && m.state == "scheduled")
            VECHE_RETURN_IF_ERROR(Promote(tx, access_, notices_, bot, m));
        Tell(tx, access_, m, "experts.event.registration", {actor.user_id},
             bj::object{{"user_id", IdToString(actor.user_id)}, {"status", nullptr}});
        return Seen(tx, access_, actor, id);
    });
}

Result<std::vector<Registration>> MeetingService::Registrations(const Actor& actor, Id id) {
    if (actor.is_guest) return Guest();
    return db_.Read([&](Tx& tx) -> Result<std::vector<Registration>> {
        VECHE_ASSIGN_OR_RETURN(auto m, Seen(tx, access_, actor, id));
        if (!Organises(tx, access_, actor, m.community_id))
            return Error::Forbidden("the organisers see the registrations");
        return store::LoadRegistrations(tx, id);
    });
}

Result<Meeting> MeetingService::PostSummary(const Actor& actor, Id id, const std::string& html) {
    if (actor.is_guest) return Guest();
    if (html.size() > kMaxSummaryBytes)
        return Error{ErrorCode::kPayloadTooLarge, "summary_too_large", "the summary is at most 50000 bytes"};
    std::string summary = SanitizeHtml(html);
    if (HtmlToText(summary).empty())
        return Error{ErrorCode::kUnprocessable, "field_required", "field 'text' is required"};
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return db_.Write([&](Tx& tx) -> Result<Meeting> {
        VECHE_ASSIGN_OR_RETURN(auto m, Seen(tx, access_, actor, id, true));
        if (!Organises(tx, access_, actor, m.community_id))
            return Error::Forbidden("the organisers post an event's summary");
        if (m.state != "scheduled")
            return Error::Conflict("invalid_state", "an event in state '" + m.state + "' takes no summary");
        std::int64_t now = NowMs();
        if (now < m.ends_at)
            return Error::Conflict("event_not_ended", "the summary comes after the event's end");
        m.state = "held";
        m.summary = summary;
        m.summary_by = actor.user_id;
        m.summary_at = now;
        m.updated_at = now;
        store::UpdateMeeting(tx, m);
        VECHE_RETURN_IF_ERROR(IndexMeeting(tx, m));
        VECHE_RETURN_IF_ERROR(ScheduleReminders(tx, scheduler_, m));  // cancels any left
        if (m.community_id) AddFeedItem(tx, *m.community_id, "event_summary", actor.user_id, summary, m.id);
        std::vector<Id> attendees = store::UsersWithStatus(tx, id, {"going"});
        VECHE_RETURN_IF_ERROR(notices_.Send(
            tx, bot, attendees, "Итоги события «" + m.title + "»: " + HtmlToText(summary).substr(0, 500)));
        Tell(tx, access_, m, "experts.event.summary_posted", attendees);
        VECHE_RETURN_IF_ERROR(ReportContentOutcome(
            tx, {"event_summary", m.id, m.community_id.value_or(0), actor.user_id, !attendees.empty(), now}));
        return Seen(tx, access_, actor, id);
    });
}

Result<Meeting> MeetingService::Cancel(const Actor& actor, Id id, const std::string& reason) {
    if (actor.is_guest) return Guest();
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return db_.Write([&](Tx& tx) -> Result<Meeting> {
        VECHE_ASSIGN_OR_RETURN(auto m, Seen(tx, access_, actor, id, true));
        if (!Organises(tx, access_, actor, m.community_id))
            return Error::Forbidden("the organisers cancel an event");
        if (m.state != "scheduled")
            return Error::Conflict("invalid_state",
                                   "an event in state '" + m.state + "' cannot be cancelled");
        m.state = "cancelled";
        m.updated_at = NowMs();
        store::UpdateMeeting(tx, m);
        search::Remove(tx, std::string(kSearchKind), m.id);
        VECHE_RETURN_IF_ERROR(ScheduleReminders(tx, scheduler_, m));  // cancels them
        std::vector<Id> to = store::UsersWithStatus(tx, id, {"going", "interested", "waitlist"});
        VECHE_RETURN_IF_ERROR(notices_.Send(tx, bot, to,
                                            "Событие «" + m.title + "» (" + FormatTime(m.starts_at) +
                                                ") отменено" + (reason.empty() ? "." : ": " + reason)));
        Tell(tx, access_, m, "experts.event.cancelled", to);
        return Seen(tx, access_, actor, id);
    });
}

}  // namespace veche::experts
