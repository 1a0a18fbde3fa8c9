#pragma once
// Consultation requests (EXP-3..EXP-6, MODULES.md §3.2, acceptance 4–12): an employee asks a
// community's experts a question; a curator assigns an expert, who answers in the request's own chat.
//
//   new → assigned → in_progress → resolved | rejected(reason_code, text)
//   new | assigned | in_progress → returned_for_clarification (questions) → (the requester edits)
//        → back to the state it left, with the same expert (never reassigned by it)
//   new → cancelled (the requester);  new | assigned | in_progress → assigned (a curator (re)assigns)
//
// Who sees what: a consultation is visible to everyone who may see its community (the registry is
// open so that colleagues learn from answered questions; none is private); its chat only to the
// chat's members (the requester, the expert and the curator who assigned). Anything else is 404,
// as for an unknown id. Acting requires the right party: assign by a curator of the community or
// a moderator (403), accept by the expert, edit, cancel and rate by the requester, return, resolve,
// reject and schedule a call by the expert or a curator; a step the state does not allow is
// 409 invalid_state; a required field missing is 422 field_required.
//
// Every step is one transaction: the change, its history row, the chat's membership and system
// message, the notices of the bot «Экспертная сеть», the experts.consultation.* events, the
// search index entry, the overdue job and the scoring observer (veche/experts/outcomes.hpp).
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

namespace veche::calendar {
class CalendarService;
}
namespace veche::jobs {
class Scheduler;
}
namespace veche::files {
struct StoredFile;
}

namespace veche::experts {

inline constexpr std::size_t kMaxQuestionChars = 10000;
inline constexpr std::size_t kMaxConsultationTextChars =
    5000;  // expected result, questions, answers, reasons
inline constexpr std::size_t kMaxConsultationTags = 20;
inline constexpr std::size_t kMaxCallLinkChars = 500;
inline constexpr int kDefaultAssignWithinWorkingDays = 2;
inline constexpr int kMaxAssignWithinWorkingDays = 30;
inline constexpr std::string_view kConsultationChatKind = "consultation";
inline constexpr std::string_view kOverdueJobKind = "experts.consultation.overdue";

// The reasons a consultation may be rejected with (422 invalid_reason_code for others).
inline constexpr const char* kRejectReasons[] = {"out_of_scope", "duplicate", "insufficient_information",
                                                 "not_expert_question", "other"};

bool IsConsultationState(std::string_view state);
bool IsDifficulty(std::string_view difficulty);
bool IsRejectReason(std::string_view code);
// "EXP-000123"
std::string ConsultationNumberText(std::int64_t number);

struct ConsultationEvent {
    Id id = 0;
    std::string type;  // created, updated, assigned, accepted, returned, resolved, rejected, cancelled,
                       // call_scheduled, rated, rating_changed, escalated
    std::optional<Id> actor_id;
    std::string text;
    std::string data_json = "{}";
    std::int64_t at = 0;
};

inline constexpr std::string_view kAttachmentOwnerKind = "experts_consultation";
inline constexpr std::uint64_t kMaxAttachmentBytes = 25ull << 20;
inline constexpr std::size_t kMaxAttachments = 20;

// A file attached to the request itself (files::RecordAttachment, owner "experts_consultation"),
// downloaded through GET /api/v1/files/{id} by whoever may see the consultation.
struct Attachment {
    Id id = 0;
    std::string name;
    std::int64_t size = 0;
    std::string content_type;
    Id uploader_id = 0;
    std::int64_t created_at = 0;
};

struct Call {
    std::int64_t at = 0;
    std::string link;
};

struct Consultation {
    Id id = 0;
    std::int64_t number = 0;
    Id requester_id = 0;
    Id community_id = 0;
    std::string title;
    std::string question;
    std::string expected_result;
    std::string difficulty;
    std::vector<std::string> tags;  // normalized (NormalizeTag)
    std::string state;
    std::optional<std::string> prior_state;  // returned_for_clarification: the state it goes back to
    std::optional<Id> expert_id;
    std::optional<Id> curator_id;
    std::optional<Id> chat_id;
    std::optional<Call> call;
    std::string questions;  // the latest return's
    std::string answer_text;
    std::optional<Id> answer_message_id;
    std::string reject_reason_code;
    std::string reject_text;
    std::optional<int> rating;
    std::string rating_comment;
    std::optional<std::int64_t> rated_at;
    std::int64_t due_assign_at = 0;
    std::optional<std::int64_t> escalated_at;
    std::optional<std::int64_t> assigned_at;
    std::optional<std::int64_t> resolved_at;  // resolved or rejected
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    // Not stored:
    bool overdue = false;                   // escalated and still without an expert
    std::vector<Attachment> attachments;    // GET one only, oldest first
    std::vector<ConsultationEvent> events;  // GET one only, oldest first
    std::vector<std::string> actions;       // what the caller may do now
};

struct NewConsultation {
    std::optional<Id> community_id;
    std::string title;
    std::string question;
    std::string expected_result;
    std::string difficulty;
    std::vector<std::string> tags;
};

struct ConsultationChange {
    std::optional<std::string> title;
    std::optional<std::string> question;
    std::optional<std::string> expected_result;
    std::optional<std::string> difficulty;
    std::optional<std::vector<std::string>> tags;
};

struct ConsultationFilter {
    std::optional<Id> community_id;
    std::vector<std::string> states;  // any of them; empty: every state
    std::optional<std::string> difficulty;
    std::optional<Id> expert_id;
    std::optional<std::string> q;  // words of the title or question (Russian and English stemming)
    std::optional<bool> overdue;
    bool mine = false;                 // requested by the caller
    std::optional<std::int64_t> from;  // created_at >= from
    std::optional<std::int64_t> to;    // created_at < to
    std::optional<Id> before;
    int limit = 50;
};

struct SuggestedExpert {
    Id user_id = 0;
    std::string username;
    std::string display_name;
    int match = 0;  // competences matching the consultation's tags, plus 1 for one bound to the community
    std::vector<std::string> matched_tags;
    bool takes_level = false;  // the profile's levels include the consultation's difficulty
    std::int64_t open = 0;     // consultations assigned to them and not finished
    std::optional<std::int64_t> last_assigned_at;
};

// Counts of a community's consultations created in [from, to), per difficulty.
struct StatsRow {
    std::string difficulty;
    std::int64_t new_count = 0;    // new
    std::int64_t in_progress = 0;  // assigned, in_progress, returned_for_clarification
    std::int64_t resolved = 0;
    std::int64_t rejected = 0;
    std::int64_t cancelled = 0;
};

struct CommunityStats {
    Id community_id = 0;
    std::optional<std::int64_t> from;
    std::optional<std::int64_t> to;
    std::vector<StatsRow> rows;  // beginner, basic, advanced
    std::int64_t ratings = 0;
    std::optional<double> rating_avg;
};

struct ExpertStats {
    Id user_id = 0;
    std::int64_t open = 0;
    std::int64_t resolved = 0;
    std::int64_t rejected = 0;
    std::int64_t ratings = 0;
    std::optional<double> rating_avg;
};

struct ConsultationSettings {
    Id community_id = 0;
    int assign_within_working_days = kDefaultAssignWithinWorkingDays;  // 0: escalate at once
    std::int64_t updated_at = 0;                                       // 0: the defaults
};

class ConsultationService {
public:
    ConsultationService(storage::Database& db, const Access& access, Notices& notices,
                        calendar::CalendarService& calendars, jobs::Scheduler& scheduler);

    // Registers the overdue job's handler; before the scheduler starts.
    void RegisterJobs();

    Result<Consultation> Create(const Actor& actor, const NewConsultation& spec);
    Result<std::vector<Consultation>> List(const Actor& actor, const ConsultationFilter& filter);
    Result<Consultation> Get(const Actor& actor, Id id);
    Result<Consultation> Update(const Actor& actor, Id id, const ConsultationChange& change);
    Result<Consultation> Assign(const Actor& actor, Id id, Id expert_id);
    Result<std::vector<SuggestedExpert>> Suggest(const Actor& actor, Id id);
    Result<Consultation> Accept(const Actor& actor, Id id);
    Result<Consultation> Return(const Actor& actor, Id id, const std::string& questions);
    // Exactly one of text and message_id (a message of the consultation's chat).
    Result<Consultation> Resolve(const Actor& actor, Id id, const std::string& text,
                                 std::optional<Id> message_id);
    Result<Consultation> Reject(const Actor& actor, Id id, const std::string& reason_code,
                                const std::string& text);
    Result<Consultation> Cancel(const Actor& actor, Id id);
    Result<Consultation> ScheduleCall(const Actor& actor, Id id, const Call& call);
    // change=false: the first rating (409 already_rated after it); change=true: replaces it (404
    // rating_not_found before).
    Result<Consultation> Rate(const Actor& actor, Id id, int rating, const std::string& comment, bool change);

    Result<CommunityStats> Stats(const Actor& actor, Id community_id, std::optional<std::int64_t> from,
                                 std::optional<std::int64_t> to);
    Result<ExpertStats> StatsOfExpert(const Actor& actor, Id user_id);
    Result<ConsultationSettings> GetSettings(const Actor& actor, Id community_id);
    // Curators of the community and moderators.
    Result<ConsultationSettings> PutSettings(const Actor& actor, Id community_id,
                                             int assign_within_working_days);

    // Files: a participant (requester, expert, curator) of an open consultation attaches; whoever
    // sees the consultation downloads. CheckUpload runs before a byte is read.
    Status CheckUpload(const Actor& actor, Id id);
    Result<Attachment> RecordUpload(const Actor& actor, Id id, const std::string& name,
                                    const files::StoredFile& stored);
    Status CheckDownload(storage::Tx& tx, const Actor& actor, Id id) const;

    // The overdue job's work: escalates once if still unassigned. Idempotent.
    Status Escalate(Id id);

private:
    storage::Database& db_;
    const Access& access_;
    Notices& notices_;
    calendar::CalendarService& calendars_;
    jobs::Scheduler& scheduler_;
};

}  // namespace veche::experts
