#pragma once
// Expert applications (EXP-2, MODULES.md §3.2, acceptance 1–3): a questionnaire an employee fills in
// to become an expert of one or more communities, reviewed by those communities' curators.
//
//   draft → submitted → in_review ⇄ clarification_requested
//                       in_review → interview_scheduled → approved | rejected
//   in_review → approved | rejected;  any open state → withdrawn (by the applicant)
//
// Roles follow the states (veche/experts/access.hpp): submitting grants experts.reservist (unless
// the applicant is an expert already); withdrawal and rejection take it back; approval grants
// experts.expert in the communities the curator chose among the applied ones, takes reservist
// back and adds the questionnaire's competences to the expert's profile. Every step is a history row (experts_application_events) with its actor and text, written
// in the step's transaction with the role change, the notices (veche/experts/notices.hpp) and the
// experts.application.* events.
//
// Who sees what: the applicant their own applications (drafts included); a community's curators the
// applications naming it once submitted; moderators every submitted one. Anyone else gets 404, as
// for an unknown id. Acting requires the right party: curator steps by a curator of one of the
// applied communities (403 for the applicant), applicant steps by the applicant (403 for a curator);
// a step the state does not allow is 409 invalid_state; a required field missing is 422.
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

namespace veche::experts {

inline constexpr std::size_t kMaxApplicationCommunities = 10;
inline constexpr std::size_t kMaxShortAnswerChars = 200;
inline constexpr std::size_t kMaxLongAnswerChars = 5000;
inline constexpr std::size_t kMaxApplicationTextChars = 5000;  // questions, answers, reasons
inline constexpr std::size_t kMaxLinkChars = 500;

// The questionnaire. Drafts may leave anything empty; submitting requires full_name, position,
// experience_years, experience, at least one competence and skills (422 field_required).
struct Answers {
    std::string full_name;
    std::string position;
    std::string department;
    std::string site;  // the enterprise or site the applicant works at
    std::string phone;
    std::optional<std::int64_t> experience_years;
    std::string experience;                // what they did, where, with what result
    std::vector<std::string> competences;  // tags, as in profiles
    std::string skills;
    std::string motivation;
};

struct ApplicationEvent {
    Id id = 0;
    std::string type;  // created, submitted, updated, review_started, question, answer, interview_scheduled,
                       // approved, rejected, withdrawn
    std::optional<Id> actor_id;
    std::string text;
    std::string data_json = "{}";
    std::int64_t at = 0;
};

struct Interview {
    std::int64_t at = 0;
    std::string link;
};

struct Decision {
    std::string decision;  // approve | reject
    std::string reason;
    Id by = 0;
    std::int64_t at = 0;
    std::vector<Id> community_ids;  // approve: where the role was granted
};

struct Application {
    Id id = 0;
    Id user_id = 0;
    std::string username;
    std::string display_name;
    std::string state;
    Answers answers;
    std::vector<Id> community_ids;
    std::optional<Id> curator_id;
    std::optional<Interview> interview;
    std::optional<Decision> decision;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::optional<std::int64_t> submitted_at;
    std::vector<ApplicationEvent> events;  // GET one only: the history, oldest first
    // What the caller may do now (for clients' buttons): submit, update, withdraw, review, question,
    // answer, interview, decide.
    std::vector<std::string> actions;
};

struct NewApplication {
    Answers answers;
    std::vector<Id> community_ids;
    bool submit = false;
};

struct ApplicationChange {
    std::optional<Answers> answers;                // replaces the questionnaire
    std::optional<std::vector<Id>> community_ids;  // drafts only
};

struct ApplicationFilter {
    std::optional<std::string> state;
    std::optional<Id> community_id;
    bool mine = false;  // only the caller's own
    std::optional<Id> before;
    int limit = 50;
};

struct DecisionSpec {
    std::string decision;  // approve | reject
    std::string reason;    // required for reject
    std::optional<std::vector<Id>>
        community_ids;  // approve: among the applied (default: those the caller curates)
};

bool IsApplicationState(std::string_view state);

class ApplicationService {
public:
    ApplicationService(storage::Database& db, const Access& access, Notices& notices);

    Result<Application> Create(const Actor& actor, const NewApplication& spec);
    Result<std::vector<Application>> List(const Actor& actor, const ApplicationFilter& filter);
    Result<Application> Get(const Actor& actor, Id id);
    Result<Application> Update(const Actor& actor, Id id, const ApplicationChange& change);
    Result<Application> Submit(const Actor& actor, Id id);
    Result<Application> Withdraw(const Actor& actor, Id id);
    Result<Application> Review(const Actor& actor, Id id);
    Result<Application> Ask(const Actor& actor, Id id, const std::string& text);
    Result<Application> Answer(const Actor& actor, Id id, const std::string& text);
    Result<Application> ScheduleInterview(const Actor& actor, Id id, const Interview& interview);
    Result<Application> Decide(const Actor& actor, Id id, const DecisionSpec& spec);

private:
    storage::Database& db_;
    const Access& access_;
    Notices& notices_;
};

}  // namespace veche::experts
