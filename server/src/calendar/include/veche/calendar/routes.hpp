#pragma once
// /api/v1/calendars… (docs/api.md, "Business calendar"): any logged-in user reads the calendars
// and computes with them (agents need working hours); holders of calendar.manage (administrators
// among them) create and edit them.
// Registered on the main thread before serving; the handlers are thread-safe.

#include "veche/api/router.hpp"
#include "veche/calendar/calendar_service.hpp"

namespace veche::api {
struct HttpKit;
}

namespace veche::roles {
class RoleService;
}

namespace veche::calendar {

void AddRoutes(api::Router& router, const api::HttpKit& kit, CalendarService& service,
               roles::RoleService& roles);

}  // namespace veche::calendar
