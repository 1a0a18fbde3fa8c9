#pragma once
// Private to the scheduled module: /api/v1/chats/{id}/scheduled-messages and
// /api/v1/scheduled-messages… (docs/api.md, "Scheduled messages").

#include "veche/api/router.hpp"
#include "veche/scheduled/scheduled_service.hpp"

namespace veche::api {
struct HttpKit;
}

namespace veche::scheduled {

void AddRoutes(api::Router& router, const api::HttpKit& kit, ScheduledService& service);

}  // namespace veche::scheduled
