// Snooze presets against hand-worked dates of the 2026 Russian production calendar (8 March 2026
// is a Sunday, so Monday 9 March is a day off) and a calendar of its own in another time zone.
#include "veche/support/snooze_presets.hpp"

#include <date/tz.h>
#include <gtest/gtest.h>

namespace veche::support {
namespace {

using namespace std::chrono;
using calendar::BusinessCalendar;

std::int64_t At(std::string_view zone, int y, unsigned m, unsigned d, int hh, int mm) {
    date::local_time<milliseconds> local{
        date::days(sys_days(year(y) / month(m) / day(d)).time_since_epoch().count()) + hours(hh) + minutes(mm)};
    return date::locate_zone(zone)->to_sys(local).time_since_epoch().count();
}

BusinessCalendar Moscow() {
    auto c = BusinessCalendar::Make("Europe/Moscow", calendar::StandardOfficeWeek(),
                                    calendar::RussianProductionCalendar(2026));
    EXPECT_TRUE(c.ok());
    return *c;
}

std::int64_t Resolve(std::string_view preset, std::int64_t now, const BusinessCalendar& cal) {
    auto r = ResolveSnoozePreset(preset, now, cal);
    EXPECT_TRUE(r.ok()) << preset;
    EXPECT_TRUE(r.ok() && r->has_value()) << preset;
    return r.ok() && r->has_value() ? **r : 0;
}

constexpr std::string_view kMsk = "Europe/Moscow";

TEST(SnoozePresets, NextWorkingDaySkipsTheWeekendToMonday) {
    EXPECT_EQ(Resolve("next_working_day", At(kMsk, 2026, 3, 13, 15, 0), Moscow()), At(kMsk, 2026, 3, 16, 9, 0));
    // Thursday evening: Friday morning.
    EXPECT_EQ(Resolve("next_working_day", At(kMsk, 2026, 3, 12, 22, 30), Moscow()), At(kMsk, 2026, 3, 13, 9, 0));
}

TEST(SnoozePresets, NextWorkingDaySkipsAMondayHoliday) {
    // Friday 6 March 2026; Monday 9 March is the day off for Sunday 8 March.
    EXPECT_EQ(Resolve("next_working_day", At(kMsk, 2026, 3, 6, 15, 0), Moscow()), At(kMsk, 2026, 3, 10, 9, 0));
}

TEST(SnoozePresets, TomorrowIsTheNextDateAtItsOpeningEvenOnADayOff) {
    EXPECT_EQ(Resolve("tomorrow", At(kMsk, 2026, 3, 12, 22, 30), Moscow()), At(kMsk, 2026, 3, 13, 9, 0));
    EXPECT_EQ(Resolve("tomorrow", At(kMsk, 2026, 3, 13, 15, 0), Moscow()), At(kMsk, 2026, 3, 14, 9, 0));
    // Just after midnight, "tomorrow" is the next date, not today's morning.
    EXPECT_EQ(Resolve("tomorrow", At(kMsk, 2026, 3, 12, 0, 5), Moscow()), At(kMsk, 2026, 3, 13, 9, 0));
}

TEST(SnoozePresets, NextMondayIsAlwaysAheadAndInHourIsSixtyMinutes) {
    EXPECT_EQ(Resolve("next_monday", At(kMsk, 2026, 3, 11, 12, 0), Moscow()), At(kMsk, 2026, 3, 16, 9, 0));
    EXPECT_EQ(Resolve("next_monday", At(kMsk, 2026, 3, 16, 10, 0), Moscow()), At(kMsk, 2026, 3, 23, 9, 0));
    EXPECT_EQ(Resolve("next_monday", At(kMsk, 2026, 3, 15, 23, 0), Moscow()), At(kMsk, 2026, 3, 16, 9, 0));
    std::int64_t now = At(kMsk, 2026, 3, 11, 12, 0);
    EXPECT_EQ(Resolve("in_1_hour", now, Moscow()), now + 3'600'000);
}

TEST(SnoozePresets, UseTheCalendarsOwnZoneAndOpeningTime) {
    calendar::WeekHours week;
    for (int d = 0; d < 5; ++d) week[static_cast<std::size_t>(d)] = {{10 * 60, 19 * 60}};
    auto cal = BusinessCalendar::Make("Asia/Vladivostok", week,
                                      {{year(2026) / month(3) / day(16), calendar::DayKind::kHoliday}});
    ASSERT_TRUE(cal.ok());
    constexpr std::string_view kVvo = "Asia/Vladivostok";
    // Friday afternoon in Vladivostok (still Friday morning in Moscow); Monday is a holiday there.
    std::int64_t friday = At(kVvo, 2026, 3, 13, 16, 0);
    EXPECT_EQ(Resolve("next_working_day", friday, *cal), At(kVvo, 2026, 3, 17, 10, 0));
    EXPECT_EQ(Resolve("tomorrow", friday, *cal), At(kVvo, 2026, 3, 14, 10, 0));
    EXPECT_EQ(Resolve("next_monday", friday, *cal), At(kVvo, 2026, 3, 16, 10, 0));
    // Late Friday evening in Moscow is already Saturday in Vladivostok: tomorrow is Sunday there.
    EXPECT_EQ(Resolve("tomorrow", At(kMsk, 2026, 3, 13, 23, 0), *cal), At(kVvo, 2026, 3, 15, 10, 0));
}

TEST(SnoozePresets, TomorrowOnADayOffOpensAsTheWeekDoesEvenWhenTheNextWorkingDayIsAHoliday) {
    calendar::WeekHours week;
    week[0] = {{10 * 60, 17 * 60}};  // Mondays only
    auto cal = BusinessCalendar::Make("Europe/Moscow", week,
                                      {{year(2026) / month(3) / day(16), calendar::DayKind::kHoliday}});
    ASSERT_TRUE(cal.ok());
    EXPECT_EQ(Resolve("tomorrow", At(kMsk, 2026, 3, 12, 12, 0), *cal), At(kMsk, 2026, 3, 13, 10, 0));
    EXPECT_EQ(Resolve("next_working_day", At(kMsk, 2026, 3, 12, 12, 0), *cal), At(kMsk, 2026, 3, 23, 10, 0));
}

TEST(SnoozePresets, UntilReplyHasNoInstantAndAnUnknownPresetIsRefused) {
    auto r = ResolveSnoozePreset("until_reply", 0, Moscow());
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->has_value());
    auto bad = ResolveSnoozePreset("next_year", 0, Moscow());
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace veche::support
