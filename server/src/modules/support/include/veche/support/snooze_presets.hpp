#pragma once
// Snooze presets (MODULES.md §2.4, the Veche defaults): what "in 1 hour", "tomorrow", "next working
// day" and "next Monday" mean as an instant, in the team's business calendar and its time zone.
// The morning of a day is its opening time: the start of its first working interval, or, on a day
// off, the usual opening of the calendar's week (09:00 when the week opens at 09:00).
//   in_1_hour         now + 60 min
//   tomorrow          the next local date, at its morning (a Saturday too: "tomorrow" is literal)
//   next_working_day  the first working date after today (weekends and holidays skipped), at its opening
//   next_monday       the next Monday after today, at its morning
//   until_reply       no instant: until the customer writes
// Pure; thread-safe.

#include <cstdint>
#include <optional>
#include <string_view>

#include "veche/calendar/business_calendar.hpp"
#include "veche/core/error.hpp"

namespace veche::support {

inline constexpr std::string_view kSnoozePresets[] = {"in_1_hour", "tomorrow", "next_working_day", "next_monday",
                                                      "until_reply"};

// nullopt for until_reply; invalid_argument for an unknown preset.
Result<std::optional<std::int64_t>> ResolveSnoozePreset(std::string_view preset, std::int64_t now_ms,
                                                        const calendar::BusinessCalendar& calendar);

}  // namespace veche::support
