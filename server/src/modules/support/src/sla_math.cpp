#include "veche/support/sla_math.hpp"

#include <algorithm>

namespace veche::support {

std::int64_t SlaDueAt(const calendar::BusinessCalendar* calendar, std::int64_t from_ms,
                      std::int64_t span_ms) {
    if (span_ms <= 0) return from_ms;
    return calendar ? calendar->AddWorkingMs(from_ms, span_ms) : from_ms + span_ms;
}

std::int64_t SlaSpanBetween(const calendar::BusinessCalendar* calendar, std::int64_t from_ms,
                            std::int64_t to_ms) {
    if (to_ms <= from_ms) return 0;
    return calendar ? calendar->WorkingMsBetween(from_ms, to_ms) : to_ms - from_ms;
}

std::int64_t SlaWarnLead(std::int64_t threshold_ms, std::int64_t warn_before_ms) {
    std::int64_t at_80 = threshold_ms / 5;  // what is left when 80% has elapsed
    if (warn_before_ms <= 0) return at_80;
    if (warn_before_ms >= threshold_ms) return at_80;
    return std::max(warn_before_ms, at_80);
}

std::optional<std::int64_t> SlaWarnAt(const calendar::BusinessCalendar* calendar, std::int64_t now_ms,
                                      std::int64_t due_ms, std::int64_t lead_ms) {
    if (due_ms <= now_ms) return std::nullopt;
    std::int64_t left = SlaSpanBetween(calendar, now_ms, due_ms);
    if (left <= lead_ms) return now_ms;
    return SlaDueAt(calendar, now_ms, left - lead_ms);
}

}  // namespace veche::support
