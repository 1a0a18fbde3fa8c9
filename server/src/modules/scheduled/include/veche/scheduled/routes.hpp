#pragma once
// /api/v1/chats/{id}/scheduled-messages and /api/v1/scheduled-messages… (docs/api.md,
// "Scheduled messages"). Registered on the main thread before serving.

#include "veche/api/router.hpp"
#include "veche/scheduled/scheduled_service.hpp"

namespace veche::api {
struct Services;
}

namespace veche::scheduled {

void AddRoutes(api::Router& router, api::Services& services, ScheduledService& service);

}  // namespace veche::scheduled
