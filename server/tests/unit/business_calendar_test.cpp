// The business calendar against facts that do not come from its own code: the official 2026
// production calendar's monthly working days and hours (Russia, five-day week, 40-hour week), and
// hand-worked deadlines across lunch, nights, weekends, holidays and time zones.
#include "veche/calendar/business_calendar.hpp"

#include <date/tz.h>
#include <gtest/gtest.h>

namespace veche::calendar {
namespace {

using namespace std::chrono;

std::int64_t At(std::string_view zone, int y, unsigned m, unsigned d, int hh, int mm) {
    date::local_time<milliseconds> local{
        date::days(sys_days(year(y) / month(m) / day(d)).time_since_epoch().count()) + hours(hh) +
        minutes(mm)};
    return date::locate_zone(zone)->to_sys(local).time_since_epoch().count();
}

BusinessCalendar Moscow2026() {
    auto rules = RussianProductionCalendar(2026);
    auto more = RussianProductionCalendar(2027);
    rules.insert(rules.end(), more.begin(), more.end());
    auto c = BusinessCalendar::Make("Europe/Moscow", StandardOfficeWeek(), rules);
    EXPECT_TRUE(c.ok()) << c.error().message;
    return *c;
}

TEST(BusinessCalendar, Russia2026MatchesTheOfficialMonthlyDaysAndHours) {
    // Working days and the norm of hours at 40 hours a week, January to December 2026.
    const int days[12] = {15, 19, 21, 22, 19, 21, 23, 21, 22, 22, 20, 22};
    const int hours_norm[12] = {120, 152, 168, 175, 151, 167, 184, 168, 176, 176, 159, 176};
    auto cal = Moscow2026();
    int year_days = 0, year_hours = 0;
    for (unsigned m = 1; m <= 12; ++m) {
        int wd = 0, minutes_total = 0;
        for (unsigned d = 1; d <= static_cast<unsigned>((year(2026) / month(m) / last).day()); ++d) {
            auto date = year(2026) / month(m) / day(d);
            if (!cal.IsWorkingDay(date)) continue;
            ++wd;
            for (const auto& iv : cal.HoursOn(date)) minutes_total += iv.end_minute - iv.start_minute;
        }
        EXPECT_EQ(wd, days[m - 1]) << "working days in month " << m;
        EXPECT_EQ(minutes_total, hours_norm[m - 1] * 60) << "working hours in month " << m;
        year_days += wd;
        year_hours += minutes_total / 60;
    }
    EXPECT_EQ(year_days, 247);
    EXPECT_EQ(year_hours, 1972);
}

TEST(BusinessCalendar, HolidaysTransfersAndShortenedDays2026) {
    auto cal = Moscow2026();
    EXPECT_FALSE(cal.IsWorkingDay(year(2026) / 1 / 9));    // moved from Sat 3 January
    EXPECT_FALSE(cal.IsWorkingDay(year(2026) / 12 / 31));  // moved from Sun 4 January
    EXPECT_FALSE(cal.IsWorkingDay(year(2026) / 3 / 9));    // for Sun 8 March
    EXPECT_TRUE(cal.IsWorkingDay(year(2026) / 1 / 12));
    EXPECT_FALSE(cal.IsWorkingDay(year(2026) / 2 / 21));  // an ordinary Saturday
    // The day before a holiday loses its last hour: 09:00–13:00, 14:00–17:00.
    std::vector<Interval> shortened{{9 * 60, 13 * 60}, {14 * 60, 17 * 60}};
    EXPECT_EQ(cal.HoursOn(year(2026) / 11 / 3), shortened);
    EXPECT_EQ(cal.HoursOn(year(2026) / 11 / 4), std::vector<Interval>{});
}

TEST(BusinessCalendar, AddWorkingHoursSkipsLunchNightsWeekendsAndHolidays) {
    auto cal = Moscow2026();
    const auto msk = "Europe/Moscow";
    // Wed 1 Jul 10:00 + 4 h: 10–13 (3 h), lunch, 14–15.
    EXPECT_EQ(cal.AddWorkingMinutes(At(msk, 2026, 7, 1, 10, 0), 240), At(msk, 2026, 7, 1, 15, 0));
    // Fri 3 Jul 17:00 + 2 h: one hour on Friday, then Monday 09:00–10:00.
    EXPECT_EQ(cal.AddWorkingMinutes(At(msk, 2026, 7, 3, 17, 0), 120), At(msk, 2026, 7, 6, 10, 0));
    // A request at night waits for the morning: Tue 22:30 + 30 min = Wed 09:30.
    EXPECT_EQ(cal.AddWorkingMinutes(At(msk, 2026, 7, 7, 22, 30), 30), At(msk, 2026, 7, 8, 9, 30));
    // Across the New Year holidays: Wed 30 Dec 2026 17:00 + 2 h = one hour on the 30th, then
    // 31 Dec (moved day off), 1–8 Jan 2027 (holidays), 9–10 Jan (weekend): Mon 11 Jan 10:00.
    EXPECT_EQ(cal.AddWorkingMinutes(At(msk, 2026, 12, 30, 17, 0), 120), At(msk, 2027, 1, 11, 10, 0));
    // Exactly the end of an interval is reached, not the next start.
    EXPECT_EQ(cal.AddWorkingMinutes(At(msk, 2026, 7, 1, 12, 0), 60), At(msk, 2026, 7, 1, 13, 0));
    EXPECT_EQ(cal.AddWorkingMinutes(At(msk, 2026, 7, 1, 12, 0), 0), At(msk, 2026, 7, 1, 12, 0));
    // ... and the working time between is the inverse.
    EXPECT_EQ(cal.WorkingMinutesBetween(At(msk, 2026, 7, 3, 17, 0), At(msk, 2026, 7, 6, 10, 0)), 120);
    EXPECT_EQ(cal.WorkingMinutesBetween(At(msk, 2026, 12, 30, 17, 0), At(msk, 2027, 1, 11, 10, 0)), 120);
    EXPECT_EQ(cal.WorkingMinutesBetween(At(msk, 2026, 7, 6, 10, 0), At(msk, 2026, 7, 3, 17, 0)), 0);
}

TEST(BusinessCalendar, WorkingDaysAndNextWorkingMorning) {
    auto cal = Moscow2026();
    const auto msk = "Europe/Moscow";
    // Thu 30 Apr 11:00 + 1 working day: 1–3 May off (holiday, weekend), Mon 4 May 11:00.
    EXPECT_EQ(cal.AddWorkingDays(At(msk, 2026, 4, 30, 11, 0), 1), At(msk, 2026, 5, 4, 11, 0));
    // Fri 8 May + 2: 9–11 May off, so Tue 12 May and Wed 13 May.
    EXPECT_EQ(cal.AddWorkingDays(At(msk, 2026, 5, 8, 16, 0), 2), At(msk, 2026, 5, 13, 16, 0));
    // "Next working day 09:00" from a Friday evening is Monday, from before a holiday past it.
    EXPECT_EQ(cal.NextWorkingDayAt(At(msk, 2026, 7, 3, 19, 0), 9 * 60), At(msk, 2026, 7, 6, 9, 0));
    EXPECT_EQ(cal.NextWorkingDayAt(At(msk, 2026, 6, 11, 8, 0), 9 * 60), At(msk, 2026, 6, 15, 9, 0));
    EXPECT_EQ(cal.LocalDate(At(msk, 2026, 6, 11, 23, 59)), year(2026) / 6 / 11);
}

TEST(BusinessCalendar, TimeZonesAndSeveralIntervalsADay) {
    // A site in Novosibirsk (UTC+7) with a split shift 08:00–12:00, 16:00–20:00 every day.
    WeekHours week;
    for (auto& d : week) d = {{8 * 60, 12 * 60}, {16 * 60, 20 * 60}};
    auto cal = BusinessCalendar::Make("Asia/Novosibirsk", week, {});
    ASSERT_TRUE(cal.ok());
    // 11:00 local + 3 h: 11–12, then 16–18.
    EXPECT_EQ(cal->AddWorkingMinutes(At("Asia/Novosibirsk", 2026, 7, 4, 11, 0), 180),
              At("Asia/Novosibirsk", 2026, 7, 4, 18, 0));
    // The same instant is 07:00 in Moscow: the Moscow office calendar counts from 09:00 there.
    std::int64_t t = At("Asia/Novosibirsk", 2026, 7, 1, 11, 0);
    EXPECT_EQ(t, At("Europe/Moscow", 2026, 7, 1, 7, 0));
    EXPECT_EQ(Moscow2026().AddWorkingMinutes(t, 30), At("Europe/Moscow", 2026, 7, 1, 9, 30));
    // A zone with daylight saving: Berlin's spring-forward night is skipped, not doubled.
    auto berlin = BusinessCalendar::Make("Europe/Berlin", StandardOfficeWeek(), {});
    ASSERT_TRUE(berlin.ok());
    EXPECT_EQ(berlin->AddWorkingMinutes(At("Europe/Berlin", 2026, 3, 27, 17, 30), 60),
              At("Europe/Berlin", 2026, 3, 30, 9, 30));  // Fri 27 Mar 17:30 + 1 h, DST on Sun 29 Mar
}

TEST(BusinessCalendar, RefusesBadDefinitions) {
    EXPECT_FALSE(BusinessCalendar::Make("Mars/Olympus_Mons", StandardOfficeWeek(), {}).ok());
    WeekHours empty;
    EXPECT_FALSE(BusinessCalendar::Make("UTC", empty, {}).ok());
    WeekHours overlap = StandardOfficeWeek();
    overlap[0] = {{9 * 60, 13 * 60}, {12 * 60, 18 * 60}};
    EXPECT_FALSE(BusinessCalendar::Make("UTC", overlap, {}).ok());
    WeekHours outside = StandardOfficeWeek();
    outside[1] = {{20 * 60, 25 * 60}};
    EXPECT_FALSE(BusinessCalendar::Make("UTC", outside, {}).ok());
    EXPECT_TRUE(RussianProductionCalendar(2031).empty());
}

TEST(BusinessCalendar, WorkingWeekendWorksTheUsualHours) {
    // A Saturday made a working day (as transfer decrees do) works the week's first working hours.
    auto cal = BusinessCalendar::Make("Europe/Moscow", StandardOfficeWeek(),
                                      {{year(2026) / 11 / 14, DayKind::kWorking}});
    ASSERT_TRUE(cal.ok());
    EXPECT_TRUE(cal->IsWorkingDay(year(2026) / 11 / 14));
    EXPECT_EQ(cal->HoursOn(year(2026) / 11 / 14), StandardOfficeWeek()[0]);
    EXPECT_EQ(cal->AddWorkingMinutes(At("Europe/Moscow", 2026, 11, 13, 17, 30), 60),
              At("Europe/Moscow", 2026, 11, 14, 9, 30));
}

}  // namespace
}  // namespace veche::calendar
