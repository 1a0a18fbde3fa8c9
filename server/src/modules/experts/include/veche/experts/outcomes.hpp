#pragma once
// Outcomes of the expert network that other parts (gamification) act on, reported in the
// transaction of the change that made them, so an award commits or rolls back with it. One
// observer per kind of outcome, set at start-up (before serving); unset: nothing is called.

#include <cstdint>
#include <functional>
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

}  // namespace veche::experts
