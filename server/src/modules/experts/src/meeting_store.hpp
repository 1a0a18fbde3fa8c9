#pragma once
// All SQL of events and their registrations (experts_events, experts_registrations). In the
// caller's transaction; no checks.

#include <optional>
#include <string>
#include <vector>

#include "veche/experts/meetings.hpp"
#include "veche/storage/database.hpp"

namespace veche::experts::store {

// Locks the event's row until the transaction ends (PostgreSQL; SQLite's writer is alone anyway).
void LockMeeting(storage::Tx& tx, Id id);
// With the counts, and `viewer`'s registration (viewer 0: none).
std::optional<Meeting> LoadMeeting(storage::Tx& tx, Id id, Id viewer);
void InsertMeeting(storage::Tx& tx, const Meeting& m);
void UpdateMeeting(storage::Tx& tx, const Meeting& m);
// Ids of events of those communities (0: of no community) overlapping [from, to), by start.
std::vector<Id> MeetingsInWindow(storage::Tx& tx, const std::vector<Id>& scopes,
                                 std::optional<std::int64_t> from, std::optional<std::int64_t> to, int limit);

std::optional<std::string> StatusOf(storage::Tx& tx, Id event_id, Id user_id);
std::int64_t CountStatus(storage::Tx& tx, Id event_id, std::string_view status);
std::optional<Id> FirstWaitlisted(storage::Tx& tx, Id event_id);
// Inserts or changes the user's registration; `seq` orders the waitlist.
void SetStatus(storage::Tx& tx, Id event_id, Id user_id, std::string_view status, std::int64_t seq);
void DeleteRegistration(storage::Tx& tx, Id event_id, Id user_id);
std::vector<Id> UsersWithStatus(storage::Tx& tx, Id event_id, const std::vector<std::string>& statuses);
std::vector<Registration> LoadRegistrations(storage::Tx& tx, Id event_id);

}  // namespace veche::experts::store
