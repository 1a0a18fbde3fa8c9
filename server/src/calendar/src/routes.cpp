#include "veche/calendar/routes.hpp"

#include <array>
#include <string_view>

#include "veche/api/kit.hpp"
#include "veche/core/json.hpp"
#include "veche/roles/role_service.hpp"

namespace veche::calendar {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

constexpr std::array<std::string_view, 7> kWeekdays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::int64_t kMaxMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

Who WhoOf(const Request& req, const Caller& ctx) { return {ctx.user_id(), req.remote_ip}; }

std::string FormatMinute(int m) {
    std::string out = std::to_string(m / 60 / 10) + std::to_string(m / 60 % 10) + ":";
    return out + std::to_string(m % 60 / 10) + std::to_string(m % 10);
}

// "09:00" … "24:00" (the end of a day).
std::optional<int> ParseMinute(std::string_view t) {
    if (t.size() != 5 || t[2] != ':') return std::nullopt;
    for (std::size_t i : {0u, 1u, 3u, 4u})
        if (t[i] < '0' || t[i] > '9') return std::nullopt;
    int h = (t[0] - '0') * 10 + (t[1] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
    return h * 60 + m;
}

bj::array WeekToJson(const WeekHours& week) {
    bj::array out;
    for (const auto& day : week) {
        bj::array d;
        for (const auto& iv : day)
            d.push_back(
                bj::object{{"start", FormatMinute(iv.start_minute)}, {"end", FormatMinute(iv.end_minute)}});
        out.push_back(std::move(d));
    }
    return out;
}

Result<WeekHours> WeekFromJson(const bj::value& v) {
    Error bad = Error::InvalidArgument(
        "'week' must be 7 arrays (Monday first) of {\"start\": \"HH:MM\", \"end\": \"HH:MM\"}");
    if (!v.is_array() || v.as_array().size() != 7) return bad;
    WeekHours week;
    for (std::size_t i = 0; i < 7; ++i) {
        const auto& day = v.as_array()[i];
        if (!day.is_array() || day.as_array().size() > kMaxIntervalsPerDay) return bad;
        for (const auto& iv : day.as_array()) {
            if (!iv.is_object()) return bad;
            const auto* s = iv.as_object().if_contains("start");
            const auto* e = iv.as_object().if_contains("end");
            if (!s || !e || !s->is_string() || !e->is_string()) return bad;
            auto start = ParseMinute(s->as_string()), end = ParseMinute(e->as_string());
            if (!start || !end) return bad;
            week[i].push_back({*start, *end});
        }
    }
    return week;
}

bj::object CalendarToJson(const Calendar& c) {
    return bj::object{{"id", IdToString(c.id)},     {"name", c.name},
                      {"time_zone", c.time_zone},   {"week", WeekToJson(c.week)},
                      {"is_default", c.is_default}, {"created_at", c.created_at},
                      {"updated_at", c.updated_at}};
}

bj::object DayToJson(const Day& d) {
    return bj::object{{"date", FormatDate(d.date)}, {"kind", KindName(d.kind)}, {"note", d.note}};
}

Result<std::chrono::year_month_day> PathDate(const Request& req, std::size_t index) {
    auto date = index < req.params.size() ? ParseDate(req.params[index]) : std::nullopt;
    if (!date) return Error::InvalidArgument("the date must be a real date as YYYY-MM-DD");
    return *date;
}

Result<std::int64_t> RequiredInt(const Request& req, const std::string& name, std::int64_t min,
                                 std::int64_t max) {
    VECHE_ASSIGN_OR_RETURN(auto v, api::QueryInt(req, name, min, max));
    if (!v) return Error::InvalidArgument("query parameter '" + name + "' is required");
    return *v;
}

// BusinessCalendar throws when ten years hold too little working time for the request.
template <class F>
Result<Response> Computed(F&& f) {
    try {
        return api::Json(200, bj::object{{"at", f()}});
    } catch (const std::logic_error&) {
        return Error::InvalidArgument("the result lies more than ten years ahead");
    }
}

}  // namespace

void AddRoutes(api::Router& router, const api::HttpKit& kit, CalendarService& svc,
               roles::RoleService& roles) {
    router.Add("GET", "/api/v1/calendars",
               api::Authed(kit, [&svc](Request&, const Caller&) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto list, svc.List());
                   bj::array arr;
                   for (const auto& c : list) arr.push_back(CalendarToJson(c));
                   return api::Json(200, bj::object{{"calendars", std::move(arr)}});
               }));

    router.Add("POST", "/api/v1/calendars",
               api::Authed(kit, [&svc, &roles](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(roles.Require(ctx.user_id(), roles::kCalendarManage));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   CalendarInput in;
                   VECHE_ASSIGN_OR_RETURN(in.name, json::ReqString(body, "name", {kMaxNameChars, 1, true}));
                   VECHE_ASSIGN_OR_RETURN(auto zone, json::OptString(body, "time_zone", {64, 1, true}));
                   in.time_zone = zone.value_or("Europe/Moscow");
                   if (const auto* w = body.if_contains("week")) {
                       VECHE_ASSIGN_OR_RETURN(in.week, WeekFromJson(*w));
                   } else {
                       in.week = StandardOfficeWeek();
                   }
                   VECHE_ASSIGN_OR_RETURN(auto def, json::OptBool(body, "is_default"));
                   in.is_default = def.value_or(false);
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.Create(WhoOf(req, ctx), std::move(in)));
                   return api::Json(201, CalendarToJson(c));
               }));

    router.Add("GET", "/api/v1/calendars/{id}",
               api::Authed(kit, [&svc](Request& req, const Caller&) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.Info(id));
                   return api::Json(200, CalendarToJson(c));
               }));

    router.Add("PATCH", "/api/v1/calendars/{id}",
               api::Authed(kit, [&svc, &roles](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(roles.Require(ctx.user_id(), roles::kCalendarManage));
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   CalendarPatch p;
                   VECHE_ASSIGN_OR_RETURN(p.name, json::OptString(body, "name", {kMaxNameChars, 1, true}));
                   VECHE_ASSIGN_OR_RETURN(p.time_zone, json::OptString(body, "time_zone", {64, 1, true}));
                   if (const auto* w = body.if_contains("week")) {
                       VECHE_ASSIGN_OR_RETURN(auto week, WeekFromJson(*w));
                       p.week = std::move(week);
                   }
                   VECHE_ASSIGN_OR_RETURN(p.is_default, json::OptBool(body, "is_default"));
                   VECHE_ASSIGN_OR_RETURN(auto c, svc.Update(WhoOf(req, ctx), id, std::move(p)));
                   return api::Json(200, CalendarToJson(c));
               }));

    router.Add("GET", "/api/v1/calendars/{id}/days",
               api::Authed(kit, [&svc](Request& req, const Caller&) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto year, RequiredInt(req, "year", 1970, 2199));
                   VECHE_ASSIGN_OR_RETURN(auto days, svc.Days(id, static_cast<int>(year)));
                   bj::array arr;
                   for (const auto& d : days) arr.push_back(DayToJson(d));
                   return api::Json(200, bj::object{{"year", year}, {"days", std::move(arr)}});
               }));

    router.Add("PUT", "/api/v1/calendars/{id}/days/{date}",
               api::Authed(kit, [&svc, &roles](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(roles.Require(ctx.user_id(), roles::kCalendarManage));
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto date, PathDate(req, 1));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto kind_name, json::ReqString(body, "kind", {16, 1}));
                   auto kind = KindFromName(kind_name);
                   if (!kind)
                       return Error::InvalidArgument("'kind' must be holiday, day_off, working or shortened");
                   VECHE_ASSIGN_OR_RETURN(auto note, json::OptString(body, "note", {kMaxNoteChars, 0, true}));
                   VECHE_ASSIGN_OR_RETURN(auto day,
                                          svc.SetDay(WhoOf(req, ctx), id, {date, *kind, note.value_or("")}));
                   return api::Json(200, DayToJson(day));
               }));

    router.Add("DELETE", "/api/v1/calendars/{id}/days/{date}",
               api::Authed(kit, [&svc, &roles](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(roles.Require(ctx.user_id(), roles::kCalendarManage));
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto date, PathDate(req, 1));
                   VECHE_RETURN_IF_ERROR(svc.DeleteDay(WhoOf(req, ctx), id, date));
                   Response r;
                   r.status = 204;
                   return r;
               }));

    router.Add("GET", "/api/v1/calendars/{id}/add",
               api::Authed(kit, [&svc](Request& req, const Caller&) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto from, RequiredInt(req, "from", 0, kMaxMs));
                   VECHE_ASSIGN_OR_RETURN(auto minutes, api::QueryInt(req, "working_minutes", 0, 1'000'000));
                   VECHE_ASSIGN_OR_RETURN(auto days, api::QueryInt(req, "working_days", 0, 2'500));
                   if (minutes.has_value() == days.has_value())
                       return Error::InvalidArgument("give either 'working_minutes' or 'working_days'");
                   VECHE_ASSIGN_OR_RETURN(auto cal, svc.Get(id));
                   if (minutes) return Computed([&] { return cal.AddWorkingMinutes(from, *minutes); });
                   return Computed([&] { return cal.AddWorkingDays(from, static_cast<int>(*days)); });
               }));

    router.Add("GET", "/api/v1/calendars/{id}/next-working-day",
               api::Authed(kit, [&svc](Request& req, const Caller&) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto from, RequiredInt(req, "from", 0, kMaxMs));
                   int at = 9 * 60;
                   if (auto it = req.query.find("at"); it != req.query.end()) {
                       auto m = ParseMinute(it->second);
                       if (!m || *m >= 24 * 60)
                           return Error::InvalidArgument("query parameter 'at' must be HH:MM");
                       at = *m;
                   }
                   VECHE_ASSIGN_OR_RETURN(auto cal, svc.Get(id));
                   return Computed([&] { return cal.NextWorkingDayAt(from, at); });
               }));
}

}  // namespace veche::calendar
