#pragma once
// Reading the event log back for a client that resumes from a position (MSG-8).

#include <cstdint>
#include <vector>

#include "veche/core/event.hpp"
#include "veche/storage/database.hpp"

namespace veche::realtime {

// Events after `after_pos` that `user_id` may see now, oldest first, at most `limit`.
Result<std::vector<Event>> ReadEventsFor(storage::Database& db, Id user_id, std::int64_t after_pos, int limit);
// Every event after `after_pos`, oldest first, at most `limit` (a node catching up on the log).
Result<std::vector<Event>> ReadEventsAfter(storage::Database& db, std::int64_t after_pos, int limit);
// Position of the newest event in the log (0 when empty).
Result<std::int64_t> HeadPosition(storage::Database& db);

}  // namespace veche::realtime
