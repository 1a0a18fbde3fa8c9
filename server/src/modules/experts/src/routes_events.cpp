// /api/v1/experts/events… and /events.ics (docs/api.md, "Expert network (EXP)", "Events").
#include <boost/json/array.hpp>

#include "content_json.hpp"
#include "request_fields.hpp"
#include "routes.hpp"
#include "veche/calendar/business_calendar.hpp"
#include "veche/experts/communities.hpp"
#include "veche/experts/meetings.hpp"

namespace veche::experts {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

constexpr std::int64_t kMaxTime = 253402300799999;  // 9999-12-31

bool ValidLink(const std::string& link) {
    if (link.empty()) return true;
    if (link.rfind("https://", 0) != 0 && link.rfind("http://", 0) != 0) return false;
    for (char c : link)
        if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>' || c == 0x7f)
            return false;
    return link.size() > 8;
}

// A zone the tz database knows ("Europe/Moscow", "UTC").
bool ValidZone(const std::string& tz) {
    if (tz.empty() || tz.size() > 64) return false;
    return calendar::LocalZone::Make(tz).ok();
}

Error BadLink() {
    return {ErrorCode::kUnprocessable, "invalid_link", "the link is an http(s) URL without spaces"};
}
Error BadZone() { return {ErrorCode::kUnprocessable, "invalid_tz", "tz is an IANA time zone name"}; }

Result<std::optional<std::int64_t>> Capacity(const bj::object& body) {
    return json::OptInt(body, "capacity", 1, kMaxCapacity);
}

Result<NewMeeting> ReadNewMeeting(const bj::object& body) {
    NewMeeting m;
    VECHE_ASSIGN_OR_RETURN(m.community_id, json::OptId(body, "community_id"));
    VECHE_ASSIGN_OR_RETURN(m.title, RequiredText(body, "title", kMaxTitleChars));
    VECHE_ASSIGN_OR_RETURN(auto topic, OptionalText(body, "topic", kMaxEventTopicChars));
    m.topic = topic.value_or("");
    VECHE_ASSIGN_OR_RETURN(auto agenda, OptionalText(body, "agenda", kMaxAgendaChars, false));
    m.agenda = std::string(text::Trim(agenda.value_or("")));
    VECHE_ASSIGN_OR_RETURN(auto starts, json::OptInt(body, "starts_at", 0, kMaxTime));
    if (!starts) return FieldRequired("starts_at");
    m.starts_at = *starts;
    VECHE_ASSIGN_OR_RETURN(auto ends, json::OptInt(body, "ends_at", 0, kMaxTime));
    if (!ends) return FieldRequired("ends_at");
    m.ends_at = *ends;
    VECHE_ASSIGN_OR_RETURN(auto tz, OptionalText(body, "tz", 64));
    m.tz = tz.value_or("UTC");
    if (!ValidZone(m.tz)) return BadZone();
    VECHE_ASSIGN_OR_RETURN(auto link, OptionalText(body, "link", 500));
    m.link = link.value_or("");
    if (!ValidLink(m.link)) return BadLink();
    VECHE_ASSIGN_OR_RETURN(m.capacity, Capacity(body));
    return m;
}

Result<MeetingChange> ReadChange(const bj::object& body) {
    MeetingChange c;
    VECHE_ASSIGN_OR_RETURN(c.title, OptionalText(body, "title", kMaxTitleChars));
    if (c.title && c.title->empty()) return FieldRequired("title");
    VECHE_ASSIGN_OR_RETURN(c.topic, OptionalText(body, "topic", kMaxEventTopicChars));
    VECHE_ASSIGN_OR_RETURN(c.agenda, OptionalText(body, "agenda", kMaxAgendaChars, false));
    VECHE_ASSIGN_OR_RETURN(c.starts_at, json::OptInt(body, "starts_at", 0, kMaxTime));
    VECHE_ASSIGN_OR_RETURN(c.ends_at, json::OptInt(body, "ends_at", 0, kMaxTime));
    VECHE_ASSIGN_OR_RETURN(c.tz, OptionalText(body, "tz", 64));
    if (c.tz && !ValidZone(*c.tz)) return BadZone();
    VECHE_ASSIGN_OR_RETURN(c.link, OptionalText(body, "link", 500));
    if (c.link && !ValidLink(*c.link)) return BadLink();
    if (json::IsNull(body, "capacity")) {
        c.capacity = std::optional<std::int64_t>();
    } else {
        VECHE_ASSIGN_OR_RETURN(auto cap, Capacity(body));
        if (cap) c.capacity = cap;
    }
    return c;
}

}  // namespace

void AddEventRoutes(api::Router& router, const api::HttpKit& kit, MeetingService& meetings) {
    auto& svc = meetings;
    router.Add("GET", "/api/v1/experts/events",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   MeetingFilter f;
                   VECHE_ASSIGN_OR_RETURN(f.from, api::QueryInt(req, "from", 0, kMaxTime));
                   VECHE_ASSIGN_OR_RETURN(f.to, api::QueryInt(req, "to", 0, kMaxTime));
                   if (f.from && f.to && *f.to - *f.from > kMaxEventWindowMs)
                       return Error::InvalidArgument("the window from..to is at most 400 days");
                   VECHE_ASSIGN_OR_RETURN(f.community_id, api::QueryId(req, "community"));
                   if (auto it = req.query.find("q"); it != req.query.end() && !it->second.empty()) {
                       if (it->second.size() > 500) return Error::InvalidArgument("q is at most 500 bytes");
                       f.q = it->second;
                   }
                   VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, 500));
                   f.limit = static_cast<int>(limit.value_or(500));
                   VECHE_ASSIGN_OR_RETURN(auto list, svc.List(ctx.actor, f));
                   bj::array items;
                   for (const auto& m : list) items.push_back(MeetingToJson(m));
                   return api::Json(200, bj::object{{"events", std::move(items)}});
               }));
    router.Add("GET", "/api/v1/experts/events.ics",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto community, api::QueryId(req, "community"));
                   VECHE_ASSIGN_OR_RETURN(auto text, svc.Ics(ctx.actor, community));
                   Response r;
                   r.status = 200;
                   r.body = std::move(text);
                   r.content_type = "text/calendar; charset=utf-8";
                   r.headers.emplace_back("Content-Disposition",
                                          "attachment; filename=\"experts-events.ics\"");
                   return r;
               }));
    router.Add("POST", "/api/v1/experts/events",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto spec, ReadNewMeeting(body));
                   VECHE_ASSIGN_OR_RETURN(auto m, svc.Create(ctx.actor, spec));
                   return api::Json(201, MeetingToJson(m));
               }));
    router.Add("GET", "/api/v1/experts/events/{id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto m, svc.Get(ctx.actor, id));
                   return api::Json(200, MeetingToJson(m));
               }));
    router.Add("PATCH", "/api/v1/experts/events/{id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto change, ReadChange(body));
                   VECHE_ASSIGN_OR_RETURN(auto m, svc.Update(ctx.actor, id, change));
                   return api::Json(200, MeetingToJson(m));
               }));
    router.Add("GET", "/api/v1/experts/events/{id}/registrations",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto list, svc.Registrations(ctx.actor, id));
                   bj::array items;
                   for (const auto& r : list) items.push_back(RegistrationToJson(r));
                   return api::Json(200, bj::object{{"registrations", std::move(items)}});
               }));
    router.Add("POST", "/api/v1/experts/events/{id}/registrations",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, OptionalBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto status, OptionalText(body, "status", 20));
                   std::string s = status.value_or("going");
                   if (!IsRegistrationStatus(s))
                       return Error{ErrorCode::kUnprocessable, "invalid_status",
                                    "status is going, interested or not_going"};
                   VECHE_ASSIGN_OR_RETURN(auto m, svc.Register(ctx.actor, id, s));
                   return api::Json(200, MeetingToJson(m));
               }));
    router.Add("DELETE", "/api/v1/experts/events/{id}/registrations/me",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto m, svc.Unregister(ctx.actor, id));
                   return api::Json(200, MeetingToJson(m));
               }));
    router.Add("POST", "/api/v1/experts/events/{id}/summary",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto text, OptionalText(body, "text", 1 << 20, false));
                   if (!text || text::Trim(*text).empty()) return FieldRequired("text");
                   VECHE_ASSIGN_OR_RETURN(auto m, svc.PostSummary(ctx.actor, id, *text));
                   return api::Json(200, MeetingToJson(m));
               }));
    router.Add("POST", "/api/v1/experts/events/{id}/cancel",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, OptionalBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto reason, OptionalText(body, "reason", kMaxReasonChars));
                   VECHE_ASSIGN_OR_RETURN(auto m, svc.Cancel(ctx.actor, id, reason.value_or("")));
                   return api::Json(200, MeetingToJson(m));
               }));
}

}  // namespace veche::experts
