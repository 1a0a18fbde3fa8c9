#pragma once
// /api/v1/admin/audit and /api/v1/admin/audit.csv (docs/api.md, "Audit log"): the log as
// administrators read and export it. Registered on the main thread before serving; the handlers
// are thread-safe.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "veche/api/router.hpp"
#include "veche/audit/audit.hpp"

namespace veche::api {
struct HttpKit;
}
namespace veche::roles {
class RoleService;
}

namespace veche::audit {

boost::json::object RowToJson(const Row& row);

// One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF, quotes doubled; a
// field a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a leading
// single quote first (OWASP "CSV injection").
std::string CsvField(std::string_view value);

// Both routes require the permission audit.read (veche/roles/role_service.hpp).
void AddAdminRoutes(api::Router& router, const api::HttpKit& kit, storage::Database& db,
                    roles::RoleService& roles);

}  // namespace veche::audit
