#include "veche/support/snooze_presets.hpp"

#include <chrono>
#include <string>

namespace veche::support {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr int kDefaultOpening = 9 * 60;
constexpr int kMaxDaysAhead = 3660;

year_month_day Plus(year_month_day d, int n) { return year_month_day(sys_days(d) + days(n)); }

// The usual opening: the start of the next working day's first interval (a holiday week is
// skipped, so look a few weeks ahead).
int WeekOpening(const calendar::BusinessCalendar& cal, year_month_day from) {
    for (int i = 0; i < 62; ++i) {
        year_month_day d = Plus(from, i);
        auto hours = cal.HoursOn(d);
        if (!hours.empty() && cal.IsWorkingDay(d)) return hours.front().start_minute;
    }
    return kDefaultOpening;
}

int Morning(const calendar::BusinessCalendar& cal, year_month_day d) {
    auto hours = cal.HoursOn(d);
    return hours.empty() ? WeekOpening(cal, d) : hours.front().start_minute;
}

}  // namespace

Result<std::optional<std::int64_t>> ResolveSnoozePreset(std::string_view preset, std::int64_t now_ms,
                                                        const calendar::BusinessCalendar& cal) {
    if (preset == "until_reply") return std::optional<std::int64_t>();
    if (preset == "in_1_hour") return std::optional<std::int64_t>(now_ms + 3'600'000);
    year_month_day today = cal.LocalDate(now_ms);
    if (preset == "tomorrow") {
        year_month_day d = Plus(today, 1);
        return std::optional<std::int64_t>(cal.LocalAt(d, Morning(cal, d)));
    }
    if (preset == "next_working_day") {
        for (int i = 1; i <= kMaxDaysAhead; ++i) {
            year_month_day d = Plus(today, i);
            if (cal.IsWorkingDay(d) && !cal.HoursOn(d).empty())
                return std::optional<std::int64_t>(cal.LocalAt(d, cal.HoursOn(d).front().start_minute));
        }
        return Error::InvalidArgument("the team's calendar has no working day ahead");
    }
    if (preset == "next_monday") {
        unsigned wd = std::chrono::weekday(sys_days(today)).c_encoding();  // Sunday = 0
        int ahead = wd == 1 ? 7 : static_cast<int>((8 - wd) % 7);
        year_month_day d = Plus(today, ahead);
        return std::optional<std::int64_t>(cal.LocalAt(d, Morning(cal, d)));
    }
    return Error::InvalidArgument("field 'preset' must be one of in_1_hour, tomorrow, next_working_day, "
                                  "next_monday, until_reply");
}

}  // namespace veche::support
