// The SLA clocks' arithmetic (veche/support/sla_math.hpp) on business hours, against hand-worked
// deadlines: MODULES.md §2.7 item 11 (FRT 1 h, Mon–Fri 09–17, created Friday 16:30 → due Monday
// 09:30), pauses that keep what was left, warnings 15 minutes or 20% before, time zones.
#include <date/tz.h>
#include <gtest/gtest.h>

#include "veche/support/sla_math.hpp"

namespace veche::support {
namespace {

using namespace std::chrono;
using calendar::BusinessCalendar;

constexpr std::int64_t kMin = 60'000;

std::int64_t At(std::string_view zone, int y, unsigned m, unsigned d, int hh, int mm) {
    date::local_time<milliseconds> local{
        date::days(sys_days(year(y) / month(m) / day(d)).time_since_epoch().count()) + hours(hh) +
        minutes(mm)};
    return date::locate_zone(zone)->to_sys(local).time_since_epoch().count();
}

BusinessCalendar NineToFive(std::string_view zone, std::vector<calendar::DayRule> rules = {}) {
    calendar::WeekHours week;
    for (std::size_t d = 0; d < 5; ++d) week[d] = {{9 * 60, 17 * 60}};
    auto c = BusinessCalendar::Make(zone, week, std::move(rules));
    EXPECT_TRUE(c.ok());
    return *c;
}

TEST(SupportSla, FridayAfternoonFirstResponseIsDueMondayMorning) {
    auto cal = NineToFive("Europe/Moscow");
    // 2026-12-04 is a Friday; the next Monday is 2026-12-07.
    std::int64_t created = At("Europe/Moscow", 2026, 12, 4, 16, 30);
    EXPECT_EQ(SlaDueAt(&cal, created, 60 * kMin), At("Europe/Moscow", 2026, 12, 7, 9, 30));
    // The warning 15 minutes before the due time: Monday 09:15.
    auto warn =
        SlaWarnAt(&cal, created, SlaDueAt(&cal, created, 60 * kMin), SlaWarnLead(60 * kMin, 15 * kMin));
    ASSERT_TRUE(warn);
    EXPECT_EQ(*warn, At("Europe/Moscow", 2026, 12, 7, 9, 15));
    // Wall clock: an hour later, Friday 17:30.
    EXPECT_EQ(SlaDueAt(nullptr, created, 60 * kMin), At("Europe/Moscow", 2026, 12, 4, 17, 30));
}

TEST(SupportSla, OutsideHoursTheClockStartsAtTheNextOpening) {
    auto cal = NineToFive("Europe/Moscow");
    std::int64_t saturday = At("Europe/Moscow", 2026, 12, 5, 11, 0);
    EXPECT_EQ(SlaDueAt(&cal, saturday, 60 * kMin), At("Europe/Moscow", 2026, 12, 7, 10, 0));
    std::int64_t night = At("Europe/Moscow", 2026, 12, 8, 3, 0);
    EXPECT_EQ(SlaDueAt(&cal, night, 30 * kMin), At("Europe/Moscow", 2026, 12, 8, 9, 30));
    // Exactly at closing: the next morning.
    std::int64_t closing = At("Europe/Moscow", 2026, 12, 8, 17, 0);
    EXPECT_EQ(SlaDueAt(&cal, closing, kMin), At("Europe/Moscow", 2026, 12, 9, 9, 1));
    // A full day's worth of hours crosses into the next day at the same time.
    std::int64_t morning = At("Europe/Moscow", 2026, 12, 8, 10, 0);
    EXPECT_EQ(SlaDueAt(&cal, morning, 8 * 60 * kMin), At("Europe/Moscow", 2026, 12, 9, 10, 0));
}

TEST(SupportSla, AHolidayIsSkipped) {
    // Monday 2026-12-07 a holiday: Friday 16:30 + 1 h is Tuesday 09:30.
    auto cal = NineToFive("Europe/Moscow", {{year(2026) / month(12) / day(7), calendar::DayKind::kHoliday}});
    EXPECT_EQ(SlaDueAt(&cal, At("Europe/Moscow", 2026, 12, 4, 16, 30), 60 * kMin),
              At("Europe/Moscow", 2026, 12, 8, 9, 30));
}

TEST(SupportSla, APauseKeepsTheWorkingTimeLeft) {
    auto cal = NineToFive("Europe/Moscow");
    std::int64_t created = At("Europe/Moscow", 2026, 12, 8, 16, 0);  // Tuesday
    std::int64_t due = SlaDueAt(&cal, created, 120 * kMin);          // Wednesday 10:00
    EXPECT_EQ(due, At("Europe/Moscow", 2026, 12, 9, 10, 0));
    // Paused at 16:40 (80 minutes left: 20 today, 60 tomorrow), resumed Thursday 15:00.
    std::int64_t paused = At("Europe/Moscow", 2026, 12, 8, 16, 40);
    std::int64_t left = SlaSpanBetween(&cal, paused, due);
    EXPECT_EQ(left, 80 * kMin);
    std::int64_t resumed = At("Europe/Moscow", 2026, 12, 10, 15, 0);
    EXPECT_EQ(SlaDueAt(&cal, resumed, left), At("Europe/Moscow", 2026, 12, 10, 16, 20));
    // Resumed at 16:30 Friday: 30 minutes on Friday, 50 on Monday.
    EXPECT_EQ(SlaDueAt(&cal, At("Europe/Moscow", 2026, 12, 11, 16, 30), left),
              At("Europe/Moscow", 2026, 12, 14, 9, 50));
    // Seconds count too: a pause a few seconds into a clock keeps them.
    EXPECT_EQ(SlaSpanBetween(&cal, created + 1500, due), 120 * kMin - 1500);
    EXPECT_EQ(SlaDueAt(&cal, resumed, 90'500), resumed + 90'500);
}

TEST(SupportSla, TheWarningComesAtTheEarlierOfFifteenMinutesBeforeAndEightyPercent) {
    EXPECT_EQ(SlaWarnLead(60 * kMin, 15 * kMin), 15 * kMin);   // 45 min elapsed before 48
    EXPECT_EQ(SlaWarnLead(240 * kMin, 15 * kMin), 48 * kMin);  // 192 min elapsed before 225
    EXPECT_EQ(SlaWarnLead(10 * kMin, 15 * kMin), 2 * kMin);    // 15 min before would be before the start
    EXPECT_EQ(SlaWarnLead(kMin, 15 * kMin), 12'000);           // a one-minute target warns at 48 s
    EXPECT_EQ(SlaWarnLead(60 * kMin, 0), 12 * kMin);
    // Seen after the warning point: warn now; once due: no warning.
    EXPECT_EQ(SlaWarnAt(nullptr, 1000, 2000, 5000), 1000);
    EXPECT_EQ(SlaWarnAt(nullptr, 2000, 2000, 500), std::nullopt);
    EXPECT_EQ(SlaWarnAt(nullptr, 0, 60 * kMin, 15 * kMin), 45 * kMin);
}

TEST(SupportSla, WorkingHoursAreTheTeamsLocalHours) {
    // The same 09–17 in Vladivostok (UTC+10) and Moscow (UTC+3): a moment that is 16:30 in
    // Vladivostok is 09:30 in Moscow.
    auto vvo = NineToFive("Asia/Vladivostok");
    auto msk = NineToFive("Europe/Moscow");
    std::int64_t t = At("Asia/Vladivostok", 2026, 12, 8, 16, 30);
    EXPECT_EQ(SlaDueAt(&vvo, t, 60 * kMin), At("Asia/Vladivostok", 2026, 12, 9, 9, 30));
    EXPECT_EQ(SlaDueAt(&msk, t, 60 * kMin), t + 60 * kMin);
}

TEST(SupportSla, LocalZoneGivesTheWeekdayAndHourOfTheHeatmap) {
    auto zone = calendar::LocalZone::Make("Asia/Vladivostok");
    ASSERT_TRUE(zone.ok());
    // Sunday 2026-12-06 23:30 UTC is Monday 09:30 in Vladivostok.
    std::int64_t t = At("UTC", 2026, 12, 6, 23, 30);
    EXPECT_EQ(zone->WeekdayHour(t), (std::pair<int, int>{0, 9}));
    auto utc = calendar::LocalZone::Make("UTC");
    EXPECT_EQ(utc->WeekdayHour(t), (std::pair<int, int>{6, 23}));
    EXPECT_EQ(zone->StartOfDay(year(2026) / month(12) / day(7)), At("Asia/Vladivostok", 2026, 12, 7, 0, 0));
    EXPECT_FALSE(calendar::LocalZone::Make("Mars/Olympus").ok());
}

}  // namespace
}  // namespace veche::support
