#pragma once
// Reading the event log back for a client that resumes from a position (MSG-8), and trimming it.

#include <cstdint>
#include <span>
#include <vector>

#include "veche/core/event.hpp"
#include "veche/realtime/audience.hpp"
#include "veche/storage/database.hpp"

namespace veche::realtime {

using Audiences = std::span<const Audience* const>;

// Events after `after_pos` that `user_id` may see now, oldest first, at most `limit`: of the topics
// the audiences say they follow, addressed to them, or broadcast. Reads one index range per topic,
// plus the user's and the broadcast ranges, each bounded by the page, so its cost follows the page
// and the number of the user's topics, not the log's length.
Result<std::vector<Event>> ReadEventsFor(storage::Database& db, Audiences audiences, Id user_id,
                                         std::int64_t after_pos, int limit);

// One page of a resume. `gap` is set when events after `after_pos` have been purged (retention),
// read in the same snapshot as the page, so the caller cannot replay across a hole unknowingly.
struct ReplayPage {
    std::vector<Event> events;
    bool gap = false;
};
Result<ReplayPage> ReadReplayPage(storage::Database& db, Audiences audiences, Id user_id,
                                  std::int64_t after_pos, int limit);

// Every event after `after_pos`, oldest first, at most `limit` (a node catching up on the log).
Result<std::vector<Event>> ReadEventsAfter(storage::Database& db, std::int64_t after_pos, int limit);
// Position of the newest event in the log (0 when empty).
Result<std::int64_t> HeadPosition(storage::Database& db);

// Deletes up to `limit` of the oldest events created before `created_before_ms`, in one write
// job so that the writer is never held for long; returns how many went. The newest event is always
// kept, so the head position survives a restart even when every event is old.
Result<int> PurgeEventsBefore(storage::Database& db, std::int64_t created_before_ms, int limit);

}  // namespace veche::realtime
