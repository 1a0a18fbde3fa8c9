#pragma once
// The business calendars as a platform service (MODULES.md §0.2): named calendars (a team's or a
// site's working week in its time zone) with their production-calendar days, kept in the
// calendar_* tables, and the pure BusinessCalendar each one builds for SLA clocks, reminders and
// deadlines. Published in the ModuleContext: ctx.Find<calendar::CalendarService>().
//
// Seeding. EnsureSeeded (called by the assembly at start) makes the default calendar ("Russia,
// 5-day week", Europe/Moscow, 09:00–18:00 with lunch 13:00–14:00) when there is none and copies
// RussianProductionCalendar(year) into it for each shipped year not yet in calendar_seeded_years.
// A year is seeded once: an administrator's later edits are never overwritten by a restart, and
// two nodes starting together seed it once (the year's row is the claim).
//
// Edits. Every write runs in one transaction with its audit::Record entry and increments the
// one-row calendar_head.version. Get keeps the BusinessCalendars it built and drops them all when
// the version it reads (one indexed row, in the same read as any reload) has moved: an edit on any
// node of a cluster is seen by the next Get on every node.
//
// Thread safety: every member is safe to call from any thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veche/calendar/business_calendar.hpp"
#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"
#include "veche/storage/database.hpp"
#include "veche/storage/migration.hpp"

namespace veche::calendar {

// The module key of the calendar_* tables; listed after the job queue's.
storage::ModuleSchema Schema();

// The years whose Russian production calendar ships with this binary.
inline constexpr int kShippedYears[] = {2026, 2027};
inline constexpr std::size_t kMaxNameChars = 100;
inline constexpr std::size_t kMaxNoteChars = 200;
inline constexpr std::size_t kMaxIntervalsPerDay = 8;

struct Calendar {
    Id id = 0;
    std::string name;
    std::string time_zone;
    WeekHours week;
    bool is_default = false;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

struct Day {
    std::chrono::year_month_day date;
    DayKind kind = DayKind::kHoliday;
    std::string note;
};

// What the audit log records as the actor.
struct Who {
    std::optional<Id> user_id;
    std::string ip;
};

struct CalendarInput {
    std::string name;
    std::string time_zone;
    WeekHours week;
    bool is_default = false;
};

// Absent fields stay as they are.
struct CalendarPatch {
    std::optional<std::string> name;
    std::optional<std::string> time_zone;
    std::optional<WeekHours> week;
    std::optional<bool> is_default;  // only true: another calendar becomes the default by its own patch
};

std::string_view KindName(DayKind kind);
std::optional<DayKind> KindFromName(std::string_view name);
// "2026-01-01" (exactly that shape, a real date, years 1970–2199).
std::optional<std::chrono::year_month_day> ParseDate(std::string_view text);
std::string FormatDate(std::chrono::year_month_day date);

class CalendarService {
public:
    explicit CalendarService(storage::Database& db) : db_(db) {}

    // See the top of the file. Returns the years it seeded now.
    Result<std::vector<int>> EnsureSeeded();

    Result<std::vector<Calendar>> List();
    // kNotFound (calendar_not_found) for an unknown id.
    Result<Calendar> Info(Id id);
    // The calendar's working time with its days; nullopt: the default calendar.
    Result<BusinessCalendar> Get(std::optional<Id> id = std::nullopt);
    // The day rules of one year, by date.
    Result<std::vector<Day>> Days(Id id, int year);

    // invalid_argument for a bad name, zone or week; 409 calendar_name_taken. A new calendar starts
    // with a copy of the default calendar's days (the production calendar), then goes its own way.
    Result<Calendar> Create(const Who& who, CalendarInput input);
    Result<Calendar> Update(const Who& who, Id id, CalendarPatch patch);
    // Sets (inserts or replaces) one date's rule.
    Result<Day> SetDay(const Who& who, Id id, Day day);
    // kNotFound day_not_found when the date has no rule.
    Status DeleteDay(const Who& who, Id id, std::chrono::year_month_day date);

private:
    struct Cached {
        std::int64_t version = -1;
        std::map<Id, BusinessCalendar> calendars;
        std::optional<Id> default_id;
    };

    storage::Database& db_;
    std::mutex mu_;
    Cached cache_;
};

}  // namespace veche::calendar
