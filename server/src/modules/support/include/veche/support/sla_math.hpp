#pragma once
// The SLA clocks' arithmetic (issue 13 §8), pure: no storage and no clock. A span of an SLA is
// counted in working time of the team's business calendar when its policy says business hours
// only, else in wall-clock time (`calendar` null). Instants and spans are milliseconds.

#include <cstdint>
#include <optional>

#include "veche/calendar/business_calendar.hpp"

namespace veche::support {

// The instant `span_ms` of (working) time after `from_ms`.
std::int64_t SlaDueAt(const calendar::BusinessCalendar* calendar, std::int64_t from_ms, std::int64_t span_ms);
// The (working) time from `now_ms` to `due_ms`; 0 when due is not after now.
std::int64_t SlaSpanBetween(const calendar::BusinessCalendar* calendar, std::int64_t from_ms,
                            std::int64_t to_ms);
// How long before the due time the warning fires: the earlier of "warn_before before the due time"
// and "80% of the threshold elapsed"; when warn_before is not shorter than the threshold, at 80%.
std::int64_t SlaWarnLead(std::int64_t threshold_ms, std::int64_t warn_before_ms);
// The instant of the warning for a clock due at `due_ms` seen at `now_ms`: `lead_ms` of (working)
// time before the due time, or `now_ms` when that is already past (nullopt once the clock is due).
std::optional<std::int64_t> SlaWarnAt(const calendar::BusinessCalendar* calendar, std::int64_t now_ms,
                                      std::int64_t due_ms, std::int64_t lead_ms);

}  // namespace veche::support
