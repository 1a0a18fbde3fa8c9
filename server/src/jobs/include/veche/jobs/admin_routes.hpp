#pragma once
// /api/v1/admin/jobs… (docs/api.md, "Jobs"): the queue as administrators inspect and repair it.
// Registered on the main thread before serving; the handlers are thread-safe.

#include <boost/json/object.hpp>

#include "veche/api/router.hpp"
#include "veche/jobs/scheduler.hpp"

namespace veche::api {
struct HttpKit;
}
namespace veche::roles {
class RoleService;
}

namespace veche::jobs {

boost::json::object JobToJson(const Job& job);
// Both routes require the permission jobs.manage (veche/roles/role_service.hpp).
void AddAdminRoutes(api::Router& router, const api::HttpKit& kit, Scheduler& scheduler,
                    roles::RoleService& roles);

}  // namespace veche::jobs
