#pragma once
// The modules this binary serves (the one list, src/modules.cpp) and the routes that belong to
// the server itself rather than to a module.

#include <functional>
#include <memory>
#include <vector>

#include "veche/app/config.hpp"
#include "veche/platform/module.hpp"

namespace veche::api {
class Router;
}
namespace veche::storage {
class Database;
}

namespace veche::app {

// Every module, each configured from `config`; the registry puts them in dependency order.
std::vector<std::unique_ptr<platform::Module>> AllModules(const Config& config);

// /api/v1/health (liveness), /api/v1/ready (the database and, in cluster mode, the bus: `bus_ready`)
// and /metrics. `db` must outlive the router.
void AddSystemRoutes(api::Router& router, storage::Database& db, std::function<bool()> bus_ready);

}  // namespace veche::app
