#include "veche/jobs/admin_routes.hpp"

#include <boost/json/parse.hpp>

#include "veche/api/kit.hpp"
#include "veche/audit/audit.hpp"
#include "veche/core/json.hpp"
#include "veche/roles/role_service.hpp"

namespace veche::jobs {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

bj::value OptText(const std::optional<std::string>& s) { return s ? bj::value(*s) : bj::value(nullptr); }

}  // namespace

bj::object JobToJson(const Job& j) {
    boost::system::error_code ec;
    bj::value payload = bj::parse(j.payload, ec);
    if (ec) payload = bj::value(j.payload);
    return bj::object{{"id", IdToString(j.id)},
                      {"kind", j.kind},
                      {"payload", std::move(payload)},
                      {"dedupe_key", OptText(j.dedupe_key)},
                      {"state", std::string(StateName(j.state))},
                      {"due_at", j.due_at},
                      {"attempts", j.attempts},
                      {"max_attempts", j.max_attempts},
                      {"last_error", OptText(j.last_error)},
                      {"lease_owner", OptText(j.lease_owner)},
                      {"lease_until", j.lease_until ? bj::value(*j.lease_until) : bj::value(nullptr)},
                      {"created_at", j.created_at},
                      {"updated_at", j.updated_at}};
}

void AddAdminRoutes(api::Router& router, const api::HttpKit& s, Scheduler& scheduler,
                    roles::RoleService& roles) {
    router.Add("GET", "/api/v1/admin/jobs",
               api::Authed(s, [&scheduler, &roles](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(roles.Require(ctx.user_id(), roles::kJobsManage));
                   JobFilter f;
                   if (auto it = req.query.find("state"); it != req.query.end() && !it->second.empty()) {
                       f.state = StateFromName(it->second);
                       if (!f.state)
                           return Error::InvalidArgument(
                               "query parameter 'state' must be pending, running, done "
                               "or dead");
                   }
                   if (auto it = req.query.find("kind"); it != req.query.end() && !it->second.empty()) {
                       if (it->second.size() > kMaxKindBytes)
                           return Error::InvalidArgument("query parameter 'kind' is over 100 bytes");
                       f.kind = it->second;
                   }
                   VECHE_ASSIGN_OR_RETURN(f.before, api::QueryId(req, "before"));
                   VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, 200));
                   f.limit = static_cast<int>(limit.value_or(50));
                   VECHE_ASSIGN_OR_RETURN(auto jobs, scheduler.List(f));
                   bj::array arr;
                   for (const auto& j : jobs) arr.push_back(JobToJson(j));
                   bj::object out{{"jobs", std::move(arr)}};
                   api::SetNextBefore(out, jobs, f.limit, [](const auto& j) { return j.id; });
                   return api::Json(200, out);
               }));

    router.Add("POST", "/api/v1/admin/jobs/{id}/retry",
               api::Authed(s, [&scheduler, &roles](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(roles.Require(ctx.user_id(), roles::kJobsManage));
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto job, scheduler.Retry(id, [&](storage::Tx& tx, const Job& j) {
                       return audit::Record(tx, {ctx.user_id(), req.remote_ip, "job.retried", "job", j.id,
                                                 json::Serialize(bj::object{{"kind", j.kind}})});
                   }));
                   return api::Json(200, JobToJson(job));
               }));
}

}  // namespace veche::jobs
