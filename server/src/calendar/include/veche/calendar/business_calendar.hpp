#pragma once
// Working time, for SLA deadlines, reminders and "answer by" (MODULES.md §0): the working hours of
// a team or site (several intervals a day), its time zone (IANA name, e.g. "Europe/Moscow"), and a
// production calendar of holidays, transferred days off, working weekends and shortened
// pre-holiday days. Pure: no storage and no clock, the caller passes instants (milliseconds since
// the epoch, as everywhere in Veche). An immutable value: safe to share between threads.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "veche/core/error.hpp"

namespace veche::calendar {

// Minutes after local midnight: start < end <= 1440.
struct Interval {
    int start_minute = 0;
    int end_minute = 0;
    bool operator==(const Interval&) const = default;
};

// Working intervals of each weekday, Monday first; an empty day is a day off.
using WeekHours = std::array<std::vector<Interval>, 7>;

// What the production calendar says of one date, overriding the week.
enum class DayKind {
    kHoliday,    // a public holiday: no work
    kDayOff,     // a day off moved here from a holiday that fell on a weekend
    kWorking,    // a working day on a weekend (works the hours of the week's first working day)
    kShortened,  // a working day shortened by one hour (the day before a holiday)
};

struct DayRule {
    std::chrono::year_month_day date;
    DayKind kind;
};

class BusinessCalendar {
public:
    // invalid_argument for an unknown time zone, an interval outside 0..1440 or overlapping
    // another, or a week without any working time.
    static Result<BusinessCalendar> Make(std::string_view time_zone, WeekHours week,
                                         std::vector<DayRule> rules);

    bool IsWorkingDay(std::chrono::year_month_day date) const;
    // The working intervals of a date (empty on days off); a shortened day loses its last hour.
    std::vector<Interval> HoursOn(std::chrono::year_month_day date) const;
    // The local date of an instant in the calendar's time zone.
    std::chrono::year_month_day LocalDate(std::int64_t at_ms) const;

    // The instant of `minute_of_day` local wall-clock time on a date; in a daylight-saving gap or
    // overlap, the earliest that exists.
    std::int64_t LocalAt(std::chrono::year_month_day date, int minute_of_day) const;

    // The instant at which `minutes` of working time after `at_ms` have passed (at_ms itself for 0).
    std::int64_t AddWorkingMinutes(std::int64_t at_ms, std::int64_t minutes) const;
    // The same to the millisecond (SLA clocks resumed with what was left of them).
    std::int64_t AddWorkingMs(std::int64_t at_ms, std::int64_t ms) const;
    // The same local time of day on the `days`-th working day after at_ms's local date.
    std::int64_t AddWorkingDays(std::int64_t at_ms, int days) const;
    // `minute_of_day` local time (9 * 60 for "09:00") on the first working day after at_ms's date.
    std::int64_t NextWorkingDayAt(std::int64_t at_ms, int minute_of_day) const;
    // Working minutes within [from_ms, to_ms) (0 when to_ms <= from_ms), for SLA reports.
    std::int64_t WorkingMinutesBetween(std::int64_t from_ms, std::int64_t to_ms) const;
    // The same to the millisecond.
    std::int64_t WorkingMsBetween(std::int64_t from_ms, std::int64_t to_ms) const;

    struct Impl;

private:
    explicit BusinessCalendar(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const Impl> impl_;
};

// An IANA time zone, for the local weekday and hour of instants (the support reports' heatmap).
// An immutable value: safe to share between threads.
class LocalZone {
public:
    // invalid_argument for an unknown zone name.
    static Result<LocalZone> Make(std::string_view time_zone);
    // The local weekday (Monday = 0) and hour (0..23) of an instant.
    std::pair<int, int> WeekdayHour(std::int64_t at_ms) const;
    // The instant of the local midnight that starts `date` (the earliest, across a DST change).
    std::int64_t StartOfDay(std::chrono::year_month_day date) const;

private:
    explicit LocalZone(const void* zone) : zone_(zone) {}
    const void* zone_;  // a date::time_zone, owned by the tz database for the process's life
};

// The Russian production calendar for a five-day week: holidays (Labour Code art. 112), the days
// off the government moved (2026: decree No. 1466 of 24 September 2025) and the shortened
// pre-holiday days. Shipped for 2026 and 2027; empty for other years. 2027 holds the statutory
// holidays and the Labour Code's own moves (a holiday on a weekend moves to the next working day);
// the transfers of the 2027 decree are entered by an administrator until a release ships them.
std::vector<DayRule> RussianProductionCalendar(int year);

// Monday to Friday 09:00–18:00 with a lunch break 13:00–14:00: 8 working hours a day.
WeekHours StandardOfficeWeek();

}  // namespace veche::calendar
