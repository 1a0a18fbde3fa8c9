// The server's own routes: liveness, readiness and metrics (docs/api.md, "System"; docs/operations.md).
#include <boost/json/object.hpp>

#include "veche/api/http_types.hpp"
#include "veche/api/router.hpp"
#include "veche/app/modules.hpp"
#include "veche/core/metrics.hpp"
#include "veche/storage/database.hpp"

namespace veche::app {

namespace bj = boost::json;
using api::Json;
using api::Request;
using api::Response;

void AddSystemRoutes(api::Router& router, storage::Database& db, std::function<bool()> bus_ready) {
    // Liveness: the process answers. Never checks dependencies, so that a database outage does not
    // make an orchestrator restart every node at once.
    router.Add("GET", "/api/v1/health", [](Request&) {
        return Json(200, bj::object{{"status", "ok"}, {"version", "0.1.0"}});
    });
    // Readiness: whether this node can serve now (docs/operations.md, load balancers).
    router.Add("GET", "/api/v1/ready", [&db, bus_ready](Request&) {
        bj::object checks;
        auto probe = db.Read(
            [](storage::Tx& tx) -> Result<std::int64_t> { return tx.QueryInt("SELECT 1").value_or(0); });
        bool ready = probe.ok() && *probe == 1;
        checks["database"] = ready ? "ok" : "unavailable";
        if (bus_ready) {
            bool bus = bus_ready();
            checks["bus"] = bus ? "ok" : "unavailable";
            ready = ready && bus;
        }
        Response r = ready ? Json(200, bj::object{{"status", "ready"}, {"checks", checks}})
                           : Json(503, bj::object{{"status", "unavailable"},
                                                  {"checks", checks},
                                                  {"error",
                                                   {{"code", "not_ready"},
                                                    {"message", "a dependency of this node is down"}}}});
        r.headers.emplace_back("Cache-Control", "no-store");
        if (!ready) r.headers.emplace_back("Retry-After", "5");
        return r;
    });
    router.Add("GET", "/metrics", [](Request&) {
        Response r;
        r.body = metrics::Global().RenderText();
        r.content_type = "text/plain; version=0.0.4";
        return r;
    });
}

}  // namespace veche::app
