#include "veche/calendar/calendar_service.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <stdexcept>

#include "veche/audit/audit.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"

namespace veche::calendar {
namespace {

namespace bj = boost::json;
using storage::Tx;

constexpr std::string_view kDefaultName = "Russia, 5-day week";
constexpr std::string_view kDefaultZone = "Europe/Moscow";

std::string WeekToText(const WeekHours& week) {
    bj::array out;
    for (const auto& day : week) {
        bj::array d;
        for (const auto& iv : day) d.push_back(bj::array{iv.start_minute, iv.end_minute});
        out.push_back(std::move(d));
    }
    return bj::serialize(out);
}

// The stored text was written by WeekToText; anything else is a damaged row (a 500, logged).
WeekHours WeekFromText(const std::string& text) {
    WeekHours week;
    bj::value v = bj::parse(text);
    const auto& days = v.as_array();
    for (std::size_t i = 0; i < 7 && i < days.size(); ++i)
        for (const auto& iv : days[i].as_array())
            week[i].push_back({static_cast<int>(iv.as_array()[0].to_number<std::int64_t>()),
                               static_cast<int>(iv.as_array()[1].to_number<std::int64_t>())});
    return week;
}

Status CheckName(const std::string& name) {
    if (name.empty() || name.size() > kMaxNameChars * 4)
        return Error::InvalidArgument("a calendar needs a name of 1 to 100 characters");
    return {};
}

// The zone and the week, as BusinessCalendar checks them, and a bound on intervals.
Status CheckZoneAndWeek(const std::string& zone, const WeekHours& week) {
    for (const auto& day : week)
        if (day.size() > kMaxIntervalsPerDay)
            return Error::InvalidArgument("at most 8 working intervals a day");
    auto made = BusinessCalendar::Make(zone, week, {});
    if (!made.ok()) return std::move(made).error();
    return {};
}

void BumpVersion(Tx& tx) {
    tx.Exec(
        "INSERT INTO calendar_head(id, version) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = calendar_head.version + 1");
}

Calendar ReadCalendar(storage::Statement& st) {
    Calendar c;
    c.id = st.Int(0);
    c.name = st.Text(1);
    c.time_zone = st.Text(2);
    c.week = WeekFromText(st.Text(3));
    c.is_default = st.Int(4) != 0;
    c.created_at = st.Int(5);
    c.updated_at = st.Int(6);
    return c;
}

constexpr std::string_view kSelectCalendar =
    "SELECT id, name, time_zone, week, is_default, created_at, updated_at FROM calendar_calendars";

Result<Calendar> LoadCalendar(Tx& tx, Id id) {
    auto& st = tx.Query(std::string(kSelectCalendar) + " WHERE id = ?", id);
    if (!st.Step()) return Error::NotFound("calendar");
    Calendar c = ReadCalendar(st);
    while (st.Step()) {
    }
    return c;
}

std::vector<Day> LoadDays(Tx& tx, Id id, std::string_view from, std::string_view to) {
    std::vector<Day> out;
    auto& st = tx.Query(
        "SELECT day, kind, note FROM calendar_days WHERE calendar_id = ? AND day >= ? AND day <= ? ORDER BY "
        "day",
        id, from, to);
    while (st.Step()) {
        auto date = ParseDate(st.Text(0));
        auto kind = KindFromName(st.Text(1));
        if (date && kind) out.push_back({*date, *kind, st.Text(2)});
    }
    return out;
}

Status Audit(Tx& tx, const Who& who, std::string action, Id calendar_id, bj::object data) {
    return audit::Record(
        tx, {who.user_id, who.ip, std::move(action), "calendar", calendar_id, json::Serialize(data)});
}

bool IsNameTaken(Tx& tx, const std::string& name, Id except) {
    return tx.QueryInt("SELECT id FROM calendar_calendars WHERE name = ? AND id <> ?", name, except)
        .has_value();
}

Error NameTaken() { return Error::Conflict("calendar_name_taken", "another calendar has this name"); }

}  // namespace

std::string_view KindName(DayKind kind) {
    switch (kind) {
        case DayKind::kHoliday:
            return "holiday";
        case DayKind::kDayOff:
            return "day_off";
        case DayKind::kWorking:
            return "working";
        case DayKind::kShortened:
            return "shortened";
    }
    return "holiday";
}

std::optional<DayKind> KindFromName(std::string_view name) {
    if (name == "holiday") return DayKind::kHoliday;
    if (name == "day_off") return DayKind::kDayOff;
    if (name == "working") return DayKind::kWorking;
    if (name == "shortened") return DayKind::kShortened;
    return std::nullopt;
}

std::optional<std::chrono::year_month_day> ParseDate(std::string_view t) {
    if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
    auto digits = [&](std::size_t from, std::size_t n) -> int {
        int v = 0;
        for (std::size_t i = from; i < from + n; ++i) {
            if (t[i] < '0' || t[i] > '9') return -1;
            v = v * 10 + (t[i] - '0');
        }
        return v;
    };
    int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
    if (y < 1970 || y > 2199 || m < 1 || d < 1) return std::nullopt;
    std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                                     std::chrono::day(static_cast<unsigned>(d))};
    if (!date.ok()) return std::nullopt;
    return date;
}

std::string FormatDate(std::chrono::year_month_day d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return buf;
}

Result<std::vector<int>> CalendarService::EnsureSeeded() {
    return db_.Write([&](Tx& tx) -> Result<std::vector<int>> {
        std::vector<int> seeded;
        std::int64_t now = NowMs();
        for (int year : kShippedYears) {
            // The year's row is the claim: a second node (or a restart) finds it and leaves the
            // days, and whatever administrators made of them, alone.
            if (tx.Exec("INSERT INTO calendar_seeded_years(seeded_year, seeded_at) VALUES (?, ?) "
                        "ON CONFLICT (seeded_year) DO NOTHING",
                        year, now) != 1)
                continue;
            auto def = tx.QueryInt("SELECT id FROM calendar_calendars WHERE is_default = 1");
            if (!def) {
                def = GlobalIds().Next();
                tx.Exec(
                    "INSERT INTO calendar_calendars(id, name, time_zone, week, is_default, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
                    *def, kDefaultName, kDefaultZone, WeekToText(StandardOfficeWeek()), now, now);
                VECHE_RETURN_IF_ERROR(
                    Audit(tx, {}, "calendar.created", *def, {{"name", kDefaultName}, {"via", "seed"}}));
            }
            std::int64_t days = 0;
            for (const auto& r : RussianProductionCalendar(year))
                days += tx.Exec(
                    "INSERT INTO calendar_days(calendar_id, day, kind, note, updated_at) VALUES (?, ?, ?, "
                    "'', ?) "
                    "ON CONFLICT (calendar_id, day) DO NOTHING",
                    *def, FormatDate(r.date), KindName(r.kind), now);
            VECHE_RETURN_IF_ERROR(
                Audit(tx, {}, "calendar.seeded", *def, {{"year", year}, {"days", days}, {"via", "seed"}}));
            seeded.push_back(year);
        }
        if (!seeded.empty()) BumpVersion(tx);
        return seeded;
    });
}

Result<std::vector<Calendar>> CalendarService::List() {
    return db_.Read([](Tx& tx) -> Result<std::vector<Calendar>> {
        std::vector<Calendar> out;
        auto& st = tx.Query(std::string(kSelectCalendar) + " ORDER BY is_default DESC, name");
        while (st.Step()) out.push_back(ReadCalendar(st));
        return out;
    });
}

Result<Calendar> CalendarService::Info(Id id) {
    return db_.Read([&](Tx& tx) { return LoadCalendar(tx, id); });
}

Result<BusinessCalendar> CalendarService::Get(std::optional<Id> id) {
    return db_.Read([&](Tx& tx) -> Result<BusinessCalendar> {
        std::int64_t version = tx.QueryInt("SELECT version FROM calendar_head WHERE id = 1").value_or(0);
        {
            std::lock_guard lock(mu_);
            if (cache_.version != version) cache_ = Cached{version, {}, std::nullopt};
            std::optional<Id> want = id ? id : cache_.default_id;
            if (want) {
                auto it = cache_.calendars.find(*want);
                if (it != cache_.calendars.end()) return it->second;
            }
        }
        Id target = 0;
        if (id) {
            target = *id;
        } else {
            auto def = tx.QueryInt("SELECT id FROM calendar_calendars WHERE is_default = 1");
            if (!def) return Error::NotFound("calendar");
            target = *def;
        }
        VECHE_ASSIGN_OR_RETURN(Calendar c, LoadCalendar(tx, target));
        std::vector<DayRule> rules;
        for (auto& d : LoadDays(tx, target, "0000-00-00", "9999-99-99")) rules.push_back({d.date, d.kind});
        VECHE_ASSIGN_OR_RETURN(BusinessCalendar made,
                               BusinessCalendar::Make(c.time_zone, c.week, std::move(rules)));
        std::lock_guard lock(mu_);
        if (cache_.version == version) {
            cache_.calendars.insert_or_assign(target, made);
            if (!id) cache_.default_id = target;
        }
        return made;
    });
}

Result<std::vector<Day>> CalendarService::Days(Id id, int year) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Day>> {
        VECHE_RETURN_IF_ERROR(LoadCalendar(tx, id));
        std::string y = std::to_string(year);
        return LoadDays(tx, id, y + "-01-01", y + "-12-31");
    });
}

Result<Calendar> CalendarService::Create(const Who& who, CalendarInput in) {
    VECHE_RETURN_IF_ERROR(CheckName(in.name));
    VECHE_RETURN_IF_ERROR(CheckZoneAndWeek(in.time_zone, in.week));
    return db_.Write([&](Tx& tx) -> Result<Calendar> {
        if (IsNameTaken(tx, in.name, 0)) return NameTaken();
        Id id = GlobalIds().Next();
        std::int64_t now = NowMs();
        auto def = tx.QueryInt("SELECT id FROM calendar_calendars WHERE is_default = 1");
        bool make_default = in.is_default || !def;
        if (make_default)
            tx.Exec("UPDATE calendar_calendars SET is_default = 0, updated_at = ? WHERE is_default = 1", now);
        try {
            tx.Exec(
                "INSERT INTO calendar_calendars(id, name, time_zone, week, is_default, created_at, "
                "updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                id, in.name, in.time_zone, WeekToText(in.week), make_default ? 1 : 0, now, now);
        } catch (const storage::StorageError& e) {
            if (!e.constraint()) throw;
            // A concurrent create on another node took the name, or the default mark.
            // (No query here: a failed statement has aborted the PostgreSQL savepoint.)
            if (!make_default) return NameTaken();
            return Error::Conflict("calendar_conflict",
                                   "another change to the calendars came first; try again");
        }
        if (def)
            tx.Exec(
                "INSERT INTO calendar_days(calendar_id, day, kind, note, updated_at) "
                "SELECT ?, day, kind, note, ? FROM calendar_days WHERE calendar_id = ?",
                id, now, *def);
        BumpVersion(tx);
        VECHE_RETURN_IF_ERROR(
            Audit(tx, who, "calendar.created", id,
                  {{"name", in.name}, {"time_zone", in.time_zone}, {"is_default", make_default}}));
        return LoadCalendar(tx, id);
    });
}

Result<Calendar> CalendarService::Update(const Who& who, Id id, CalendarPatch p) {
    if (p.name) VECHE_RETURN_IF_ERROR(CheckName(*p.name));
    if (p.is_default && !*p.is_default)
        return Error::InvalidArgument("make another calendar the default instead");
    return db_.Write([&](Tx& tx) -> Result<Calendar> {
        VECHE_ASSIGN_OR_RETURN(Calendar c, LoadCalendar(tx, id));
        bj::object changed;
        if (p.name && *p.name != c.name) {
            if (IsNameTaken(tx, *p.name, id)) return NameTaken();
            changed["name"] = bj::array{bj::string_view(c.name), bj::string_view(*p.name)};
            c.name = *p.name;
        }
        if (p.time_zone && *p.time_zone != c.time_zone) {
            changed["time_zone"] = bj::array{bj::string_view(c.time_zone), bj::string_view(*p.time_zone)};
            c.time_zone = *p.time_zone;
        }
        if (p.week && *p.week != c.week) {
            changed["week"] = true;
            c.week = *p.week;
        }
        VECHE_RETURN_IF_ERROR(CheckZoneAndWeek(c.time_zone, c.week));
        std::int64_t now = NowMs();
        if (p.is_default && !c.is_default) {
            tx.Exec("UPDATE calendar_calendars SET is_default = 0, updated_at = ? WHERE is_default = 1", now);
            changed["is_default"] = true;
            c.is_default = true;
        }
        if (changed.empty()) return c;
        try {
            tx.Exec(
                "UPDATE calendar_calendars SET name = ?, time_zone = ?, week = ?, is_default = ?, updated_at "
                "= ? "
                "WHERE id = ?",
                c.name, c.time_zone, WeekToText(c.week), c.is_default ? 1 : 0, now, id);
        } catch (const storage::StorageError& e) {
            if (!e.constraint()) throw;
            // Another node renamed a calendar to this name, or moved the default mark, first.
            if (!changed.if_contains("is_default")) return NameTaken();
            return Error::Conflict("calendar_conflict",
                                   "another change to the calendars came first; try again");
        }
        BumpVersion(tx);
        VECHE_RETURN_IF_ERROR(Audit(tx, who, "calendar.updated", id, {{"changed", std::move(changed)}}));
        return LoadCalendar(tx, id);
    });
}

Result<Day> CalendarService::SetDay(const Who& who, Id id, Day day) {
    if (!day.date.ok()) return Error::InvalidArgument("not a date");
    if (day.note.size() > kMaxNoteChars * 4)
        return Error::InvalidArgument("a note is at most 200 characters");
    return db_.Write([&](Tx& tx) -> Result<Day> {
        VECHE_RETURN_IF_ERROR(LoadCalendar(tx, id));
        std::string date = FormatDate(day.date);
        tx.Exec(
            "INSERT INTO calendar_days(calendar_id, day, kind, note, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (calendar_id, day) DO UPDATE SET kind = excluded.kind, note = excluded.note, "
            "updated_at = excluded.updated_at",
            id, date, KindName(day.kind), day.note, NowMs());
        BumpVersion(tx);
        VECHE_RETURN_IF_ERROR(Audit(tx, who, "calendar.day_set", id,
                                    {{"date", date}, {"kind", KindName(day.kind)}, {"note", day.note}}));
        return day;
    });
}

Status CalendarService::DeleteDay(const Who& who, Id id, std::chrono::year_month_day date) {
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_RETURN_IF_ERROR(LoadCalendar(tx, id));
        std::string d = FormatDate(date);
        if (tx.Exec("DELETE FROM calendar_days WHERE calendar_id = ? AND day = ?", id, d) == 0)
            return Error::NotFound("day");
        BumpVersion(tx);
        return Audit(tx, who, "calendar.day_deleted", id, {{"date", d}});
    });
}

}  // namespace veche::calendar
