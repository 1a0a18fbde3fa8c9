#pragma once
// Outcomes of the expert network that other parts (gamification) act on, reported in the
// transaction of the change that made them, so an award commits or rolls back with it. One
// observer per kind of outcome, set at start-up (before serving); unset: nothing is called.
//
// Consultations (EXP-10, MODULES.md §3.4): after each change of a consultation's state or rating
// the consultation service calls the consultation observer; ForEachConsultationOutcome feeds a
// recalculation from the source table. Its observer is set on the main thread before serving (or
// in Stop) and read from worker threads under a lock.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"
#include "veche/storage/database.hpp"

namespace veche::experts {

// Content outcomes (feed.cpp, articles.cpp, meetings.cpp): an article published, an event's summary
// posted. `deserved` is false when the outcome should not score: an event summary no one registered
// as going attended. `at` is ms epoch.
struct ContentOutcome {
    std::string kind;     // best_practice | success_story | event_summary
    Id source_id = 0;     // the article or the event
    Id community_id = 0;  // 0: an event of no community
    Id author_id = 0;     // the article's author; the curator who posted the summary
    bool deserved = true;
    std::int64_t at = 0;
};
using ContentObserver = std::function<Status(storage::Tx&, const ContentOutcome&)>;

// Not synchronized: call before the server serves.
void SetContentObserver(ContentObserver observer);
// Calls the observer if one is set (ok otherwise); its error rolls the change back.
Status ReportContentOutcome(storage::Tx& tx, const ContentOutcome& outcome);

// What gamification needs to know of a consultation, after each change, in the change's transaction.
struct ConsultationOutcome {
    Id id = 0;
    Id community_id = 0;
    Id requester_id = 0;
    std::optional<Id> expert_id;
    std::optional<Id> curator_id;
    std::string difficulty;  // beginner | basic | advanced
    std::string
        state;  // new, assigned, in_progress, returned_for_clarification, resolved, rejected, cancelled
    std::optional<int> rating;
    std::int64_t changed_at = 0;
    std::optional<std::int64_t> resolved_at;
};

// An error rolls the change back (the caller of the consultation's route gets it).
using ConsultationObserver = std::function<Status(storage::Tx&, const ConsultationOutcome&)>;
void SetConsultationObserver(ConsultationObserver observer);  // set at Start by the scoring part

// Every consultation changed at or after `since_ms` (updated_at), oldest change first.
Status ForEachConsultationOutcome(storage::Tx& tx, std::int64_t since_ms,
                                  const std::function<Status(const ConsultationOutcome&)>& fn);

// An expert's consultations as their profile card shows them (GET /experts/experts/{id}/card):
// consultation_counts.cpp, over experts_consultations.
struct ExpertCounts {
    std::int64_t resolved = 0;
    std::int64_t rejected = 0;
    std::int64_t in_progress = 0;  // assigned, in_progress or returned_for_clarification
    std::int64_t rated = 0;
    std::optional<double> rating_average;  // of the rated ones; none when rated = 0
};
ExpertCounts CountExpertConsultations(storage::Tx& tx, Id expert_id);

}  // namespace veche::experts
