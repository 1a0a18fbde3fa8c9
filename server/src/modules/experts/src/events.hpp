#pragma once
// The expert network's realtime events (docs/api.md, "Events": experts.*). Each is addressed to the
// users it concerns as the event's target user (no topic): a role change to its holder, an
// application's change to its applicant and to the curators of the communities it names. The
// lists are short (a community has a handful of curators), so one event per recipient is cheap and
// needs no audience of its own.

#include <boost/json/object.hpp>
#include <string_view>
#include <vector>

#include "veche/core/ids.hpp"
#include "veche/storage/database.hpp"

namespace veche::experts {

// One event of `kind` to each of `users` (duplicates and 0 skipped).
void EmitToUsers(storage::Tx& tx, std::string_view kind, const std::vector<Id>& users,
                 const boost::json::object& data);

}  // namespace veche::experts
