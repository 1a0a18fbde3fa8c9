#include "veche/calendar/business_calendar.hpp"

#include <date/tz.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace veche::calendar {

namespace {

using Ms = std::chrono::milliseconds;
constexpr std::int64_t kMsPerMinute = 60'000;
// Walking days: ten years of days is more than any deadline needs; past it the calendar is broken.
constexpr int kMaxDays = 3660;

std::int64_t DayNumber(std::chrono::year_month_day d) {
    return std::chrono::sys_days(d).time_since_epoch().count();
}

std::chrono::year_month_day DateOf(std::int64_t day_number) {
    return std::chrono::year_month_day(std::chrono::sys_days(std::chrono::days(day_number)));
}

// Monday = 0.
int WeekdayIndex(std::int64_t day_number) {
    unsigned c = std::chrono::weekday(std::chrono::sys_days(std::chrono::days(day_number))).c_encoding();
    return static_cast<int>((c + 6) % 7);
}

Status CheckDay(const std::vector<Interval>& day) {
    for (std::size_t i = 0; i < day.size(); ++i) {
        const Interval& iv = day[i];
        if (iv.start_minute < 0 || iv.end_minute > 24 * 60 || iv.start_minute >= iv.end_minute)
            return Error::InvalidArgument(
                "a working interval must lie within the day and end after it starts");
        if (i > 0 && iv.start_minute < day[i - 1].end_minute)
            return Error::InvalidArgument("working intervals must be in order and must not overlap");
    }
    return {};
}

}  // namespace

struct BusinessCalendar::Impl {
    const date::time_zone* zone = nullptr;
    WeekHours week;
    std::vector<Interval> extra_working_day;  // the hours of a working weekend
    std::map<std::int64_t, DayKind> rules;    // by day number

    std::vector<Interval> Hours(std::int64_t day) const {
        auto rule = rules.find(day);
        const std::vector<Interval>& usual = week[static_cast<std::size_t>(WeekdayIndex(day))];
        if (rule == rules.end()) return usual;
        switch (rule->second) {
            case DayKind::kHoliday:
            case DayKind::kDayOff:
                return {};
            case DayKind::kWorking:
                return usual.empty() ? extra_working_day : usual;
            case DayKind::kShortened: {
                std::vector<Interval> out = usual.empty() ? extra_working_day : usual;
                int cut = 60;
                while (cut > 0 && !out.empty()) {
                    Interval& last = out.back();
                    int take = std::min(cut, last.end_minute - last.start_minute);
                    last.end_minute -= take;
                    cut -= take;
                    if (last.end_minute <= last.start_minute) out.pop_back();
                }
                return out;
            }
        }
        return usual;
    }

    // The local day number and the milliseconds since local midnight of an instant.
    std::pair<std::int64_t, std::int64_t> Local(std::int64_t at_ms) const {
        auto local = zone->to_local(date::sys_time<Ms>(Ms(at_ms)));
        auto day = date::floor<date::days>(local);
        return {day.time_since_epoch().count(), (local - day).count()};
    }

    // The instant of a local time; in a daylight-saving gap or overlap, the earliest that exists.
    std::int64_t Instant(std::int64_t day, std::int64_t ms_of_day) const {
        date::local_time<Ms> local{date::days(day) + Ms(ms_of_day)};
        return zone->to_sys(local, date::choose::earliest).time_since_epoch().count();
    }
};

Result<BusinessCalendar> BusinessCalendar::Make(std::string_view time_zone, WeekHours week,
                                                std::vector<DayRule> rules) {
    auto impl = std::make_shared<Impl>();
    try {
        impl->zone = date::locate_zone(time_zone);
    } catch (const std::runtime_error&) {
        return Error::InvalidArgument("unknown time zone '" + std::string(time_zone) + "'");
    }
    bool any = false;
    for (const auto& day : week) {
        VECHE_RETURN_IF_ERROR(CheckDay(day));
        if (!day.empty() && impl->extra_working_day.empty()) impl->extra_working_day = day;
        any = any || !day.empty();
    }
    if (!any) return Error::InvalidArgument("a week needs some working time");
    impl->week = std::move(week);
    for (const auto& r : rules) {
        if (!r.date.ok()) return Error::InvalidArgument("a calendar rule names an invalid date");
        impl->rules[DayNumber(r.date)] = r.kind;
    }
    return BusinessCalendar(std::move(impl));
}

bool BusinessCalendar::IsWorkingDay(std::chrono::year_month_day date) const {
    return !impl_->Hours(DayNumber(date)).empty();
}

std::vector<Interval> BusinessCalendar::HoursOn(std::chrono::year_month_day date) const {
    return impl_->Hours(DayNumber(date));
}

std::chrono::year_month_day BusinessCalendar::LocalDate(std::int64_t at_ms) const {
    return DateOf(impl_->Local(at_ms).first);
}

std::int64_t BusinessCalendar::AddWorkingMinutes(std::int64_t at_ms, std::int64_t minutes) const {
    return AddWorkingMs(at_ms, minutes * kMsPerMinute);
}

std::int64_t BusinessCalendar::AddWorkingMs(std::int64_t at_ms, std::int64_t ms) const {
    std::int64_t remaining = ms;
    if (remaining <= 0) return at_ms;
    auto [first, ms_of_day] = impl_->Local(at_ms);
    for (std::int64_t day = first; day < first + kMaxDays; ++day) {
        for (const Interval& iv : impl_->Hours(day)) {
            std::int64_t start = iv.start_minute * kMsPerMinute, end = iv.end_minute * kMsPerMinute;
            if (day == first) start = std::max(start, ms_of_day);
            if (start >= end) continue;
            if (end - start >= remaining) return impl_->Instant(day, start + remaining);
            remaining -= end - start;
        }
    }
    throw std::logic_error("a business calendar without working time for ten years");
}

std::int64_t BusinessCalendar::AddWorkingDays(std::int64_t at_ms, int days) const {
    if (days <= 0) return at_ms;
    auto [day, ms_of_day] = impl_->Local(at_ms);
    for (int found = 0, walked = 0; found < days; ++walked) {
        if (walked > kMaxDays)
            throw std::logic_error("a business calendar without working days for ten years");
        ++day;
        if (!impl_->Hours(day).empty()) ++found;
    }
    return impl_->Instant(day, ms_of_day);
}

std::int64_t BusinessCalendar::LocalAt(std::chrono::year_month_day date, int minute_of_day) const {
    return impl_->Instant(DayNumber(date), static_cast<std::int64_t>(minute_of_day) * kMsPerMinute);
}

std::int64_t BusinessCalendar::NextWorkingDayAt(std::int64_t at_ms, int minute_of_day) const {
    auto [day, ms_of_day] = impl_->Local(at_ms);
    (void)ms_of_day;
    for (int walked = 0;; ++walked) {
        if (walked > kMaxDays)
            throw std::logic_error("a business calendar without working days for ten years");
        ++day;
        if (!impl_->Hours(day).empty()) break;
    }
    return impl_->Instant(day, static_cast<std::int64_t>(minute_of_day) * kMsPerMinute);
}

std::int64_t BusinessCalendar::WorkingMinutesBetween(std::int64_t from_ms, std::int64_t to_ms) const {
    return WorkingMsBetween(from_ms, to_ms) / kMsPerMinute;
}

std::int64_t BusinessCalendar::WorkingMsBetween(std::int64_t from_ms, std::int64_t to_ms) const {
    if (to_ms <= from_ms) return 0;
    auto [first, from_of_day] = impl_->Local(from_ms);
    auto [last, to_of_day] = impl_->Local(to_ms);
    std::int64_t total = 0;
    for (std::int64_t day = first; day <= last; ++day) {
        for (const Interval& iv : impl_->Hours(day)) {
            std::int64_t start = iv.start_minute * kMsPerMinute, end = iv.end_minute * kMsPerMinute;
            if (day == first) start = std::max(start, from_of_day);
            if (day == last) end = std::min(end, to_of_day);
            if (end > start) total += end - start;
        }
    }
    return total;
}

Result<LocalZone> LocalZone::Make(std::string_view time_zone) {
    try {
        return LocalZone(date::locate_zone(time_zone));
    } catch (const std::runtime_error&) {
        return Error::InvalidArgument("unknown time zone '" + std::string(time_zone) + "'");
    }
}

std::pair<int, int> LocalZone::WeekdayHour(std::int64_t at_ms) const {
    auto local = static_cast<const date::time_zone*>(zone_)->to_local(date::sys_time<Ms>(Ms(at_ms)));
    auto day = date::floor<date::days>(local);
    auto hour = std::chrono::duration_cast<std::chrono::hours>(local - day).count();
    return {WeekdayIndex(day.time_since_epoch().count()), static_cast<int>(hour)};
}

std::int64_t LocalZone::StartOfDay(std::chrono::year_month_day ymd) const {
    date::local_time<Ms> local{date::days(DayNumber(ymd))};
    return static_cast<const date::time_zone*>(zone_)->to_sys(local, date::choose::earliest).time_since_epoch().count();
}

WeekHours StandardOfficeWeek() {
    WeekHours w;
    for (int d = 0; d < 5; ++d) w[static_cast<std::size_t>(d)] = {{9 * 60, 13 * 60}, {14 * 60, 18 * 60}};
    return w;
}

std::vector<DayRule> RussianProductionCalendar(int y) {
    using std::chrono::day;
    using std::chrono::month;
    using std::chrono::year;
    std::vector<DayRule> out;
    auto add = [&](unsigned m, unsigned d, DayKind k) { out.push_back({year(y) / month(m) / day(d), k}); };
    // Non-working public holidays (Labour Code art. 112), every year.
    for (unsigned d = 1; d <= 8; ++d) add(1, d, DayKind::kHoliday);
    add(2, 23, DayKind::kHoliday);
    add(3, 8, DayKind::kHoliday);
    add(5, 1, DayKind::kHoliday);
    add(5, 9, DayKind::kHoliday);
    add(6, 12, DayKind::kHoliday);
    add(11, 4, DayKind::kHoliday);
    if (y == 2026) {
        // Decree No. 1466 of 24.09.2025: Sat 3 Jan -> Fri 9 Jan, Sun 4 Jan -> Thu 31 Dec.
        add(1, 9, DayKind::kDayOff);
        add(12, 31, DayKind::kDayOff);
        // Holidays on a weekend move to the next working day (art. 112): Sun 8 Mar, Sat 9 May.
        add(3, 9, DayKind::kDayOff);
        add(5, 11, DayKind::kDayOff);
        for (auto [m, d] : {std::pair{4u, 30u}, {5u, 8u}, {6u, 11u}, {11u, 3u}})
            add(m, d, DayKind::kShortened);
        return out;
    }
    if (y == 2027) {
        // Holidays on a weekend move to the next working day (art. 112): Sat 1 May, Sun 9 May,
        // Sat 12 Jun. (The moves of Sat 2 and Sun 3 Jan are the government's, by decree.)
        add(5, 3, DayKind::kDayOff);
        add(5, 10, DayKind::kDayOff);
        add(6, 14, DayKind::kDayOff);
        for (auto [m, d] : {std::pair{2u, 22u}, {4u, 30u}, {6u, 11u}, {11u, 3u}, {12u, 31u}})
            add(m, d, DayKind::kShortened);
        return out;
    }
    return {};
}

}  // namespace veche::calendar
