#pragma once
// /api/v1/admin/permissions, /api/v1/admin/roles…, /api/v1/admin/users/{id}/roles… and
// /api/v1/users/me/permissions (docs/api.md, "Roles and permissions"). Registered on the main
// thread before serving; the handlers are thread-safe.

#include <boost/json/object.hpp>

#include "veche/api/router.hpp"
#include "veche/roles/role_service.hpp"

namespace veche::api {
struct HttpKit;
}

namespace veche::roles {

boost::json::object RoleToJson(const Role& role);
boost::json::object GrantToJson(const Grant& grant);
void AddAdminRoutes(api::Router& router, const api::HttpKit& kit, RoleService& roles);

}  // namespace veche::roles
