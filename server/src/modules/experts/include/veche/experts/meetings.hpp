#pragma once
// Events of the expert network (EXP-6; MODULES.md §3.2, acceptance 17 and 18): meetings a
// community's curators (or moderators) schedule, with registrations, a waitlist, reminders and a
// summary afterwards. ("Meetings" in the code, so as not to collide with the realtime events.)
//
//   scheduled → held (a curator posts the summary after the end) | cancelled (a curator cancels)
//
// Who: an event of a community is seen by whoever sees the community (404 otherwise); an event of
// no community by every signed-in member of the network (not guests). Curators of its community and
// moderators create, edit, cancel and sum it up (403 for others); events of no community are the
// moderators'.
//
// Registrations: going | interested | not_going, one row per user. With a capacity, a `going`
// past it is stored as `waitlist` (not an error); when a going user leaves (another status, or
// DELETE), the first of the waitlist (by the order they asked) becomes going and is notified. Each
// registration locks the event's row first (PostgreSQL: SELECT … FOR UPDATE; SQLite has one
// writer), so registrations racing from any node never exceed the capacity. Registering for a
// cancelled or held event, or one that has ended, is 409.
//
// Reminders are durable jobs (experts.event_reminder) 24 h and 1 h before the start, keyed per event
// and offset and re-scheduled when the start moves; the handler sends once per (event, offset)
// (experts_event_reminders) and only if the event is still scheduled at that start, so a repeated
// or stale run does nothing. The summary (sanitized HTML) notifies the going attendees, becomes an
// item of the community's feed, is indexed for search (kind experts_event) and reports a
// ContentOutcome (veche/experts/outcomes.hpp).
//
// Synchronous; call from worker threads. Thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/experts/access.hpp"
#include "veche/experts/notices.hpp"
#include "veche/storage/database.hpp"

namespace veche::jobs {
class Scheduler;
}

namespace veche::experts {

inline constexpr std::size_t kMaxEventTopicChars = 500;
inline constexpr std::size_t kMaxAgendaChars = 10000;
inline constexpr std::size_t kMaxSummaryBytes = 50000;
inline constexpr std::int64_t kMaxCapacity = 100000;
inline constexpr std::int64_t kMaxEventWindowMs = 400LL * 24 * 3600 * 1000;  // a list's from..to

struct Meeting {
    Id id = 0;
    std::optional<Id> community_id;
    std::string title;
    std::string topic;
    std::string agenda;  // plain text
    std::int64_t starts_at = 0;
    std::int64_t ends_at = 0;
    std::string tz;  // IANA zone the organiser meant (display only; times are UTC ms)
    std::string link;
    std::optional<std::int64_t> capacity;
    std::string state;                   // scheduled | held | cancelled
    std::optional<std::string> summary;  // sanitized HTML
    std::optional<Id> summary_by;
    std::optional<std::int64_t> summary_at;
    Id created_by = 0;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t going = 0;
    std::int64_t interested = 0;
    std::int64_t waitlist = 0;
    std::optional<std::string> my_status;
    std::optional<std::int64_t> my_waitlist_position;  // 1-based
    std::vector<std::string> actions;                  // edit, cancel, summary, register
    std::optional<std::string> snippet;                // search hits
};

struct NewMeeting {
    std::optional<Id> community_id;
    std::string title;
    std::string topic;
    std::string agenda;
    std::int64_t starts_at = 0;
    std::int64_t ends_at = 0;
    std::string tz = "UTC";
    std::string link;
    std::optional<std::int64_t> capacity;
};

struct MeetingChange {
    std::optional<std::string> title;
    std::optional<std::string> topic;
    std::optional<std::string> agenda;
    std::optional<std::int64_t> starts_at;
    std::optional<std::int64_t> ends_at;
    std::optional<std::string> tz;
    std::optional<std::string> link;
    std::optional<std::optional<std::int64_t>> capacity;  // set, or removed with null
};

struct MeetingFilter {
    std::optional<std::int64_t> from;  // events overlapping [from, to)
    std::optional<std::int64_t> to;
    std::optional<Id> community_id;
    std::optional<std::string> q;  // searched in the title, topic, agenda and summary
    int limit = 500;
};

struct Registration {
    Id user_id = 0;
    std::string name;
    std::string status;
    std::int64_t registered_at = 0;
};

bool IsRegistrationStatus(std::string_view status);

class MeetingService {
public:
    MeetingService(storage::Database& db, const Access& access, Notices& notices);

    // Registers the reminder handler; before the scheduler starts.
    void UseScheduler(jobs::Scheduler& scheduler);

    Result<std::vector<Meeting>> List(const Actor& actor, const MeetingFilter& filter);
    Result<Meeting> Create(const Actor& actor, const NewMeeting& spec);
    Result<Meeting> Get(const Actor& actor, Id id);
    Result<Meeting> Update(const Actor& actor, Id id, const MeetingChange& change);
    Result<Meeting> Register(const Actor& actor, Id id, const std::string& status);
    Result<Meeting> Unregister(const Actor& actor, Id id);
    // The organisers' view: everyone registered, by status and order.
    Result<std::vector<Registration>> Registrations(const Actor& actor, Id id);
    Result<Meeting> PostSummary(const Actor& actor, Id id, const std::string& html);
    Result<Meeting> Cancel(const Actor& actor, Id id, const std::string& reason);
    // RFC 5545 text of the scheduled and held events the caller sees (of one community, or all).
    Result<std::string> Ics(const Actor& actor, std::optional<Id> community_id);

private:
    Status Remind(Id event_id, const std::string& kind, std::int64_t starts_at);

    storage::Database& db_;
    const Access& access_;
    Notices& notices_;
    jobs::Scheduler* scheduler_ = nullptr;
};

}  // namespace veche::experts
