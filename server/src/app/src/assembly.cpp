#include "veche/app/assembly.hpp"

#include <stdexcept>

#include "veche/api/kit.hpp"
#include "veche/audit/admin_routes.hpp"
#include "veche/calendar/routes.hpp"
#include "veche/files/file_store.hpp"
#include "veche/jobs/admin_routes.hpp"
#include "veche/roles/admin_routes.hpp"
#include "veche/search/search_index.hpp"
#include "veche/signing/routes.hpp"
#include "veche/timeline/routes.hpp"

namespace veche::app {

namespace {

jobs::SchedulerOptions JobOptions(const Config& cfg) {
    jobs::SchedulerOptions o;
    o.lease = std::chrono::milliseconds(cfg.jobs_lease_ms);
    o.poll = std::chrono::milliseconds(cfg.jobs_poll_ms);
    o.backoff_base = std::chrono::milliseconds(cfg.jobs_backoff_base_ms);
    return o;
}

// The platform's own permissions; modules declare theirs (platform::Module::permissions).
constexpr platform::PermissionSpec kPlatformPermissions[] = {
    {roles::kAuditRead, "Read and export the audit log"},
    {roles::kJobsManage, "Inspect and retry background jobs"},
    {roles::kUsersManage, "Create, change and deactivate users"},
    {roles::kRolesManage, "Manage roles and grant them"},
    {roles::kCalendarManage, "Edit working hours and the production calendar"},
};

}  // namespace

Assembly::Assembly(const Config& config, std::vector<std::unique_ptr<platform::Module>> modules)
    : job_options_(JobOptions(config)), registry_(std::move(modules)) {}

Assembly::~Assembly() { Stop(); }

std::vector<storage::ModuleSchema> Assembly::Schemas() const {
    std::vector<storage::ModuleSchema> out{audit::Schema(),    jobs::Schema(),     roles::Schema(),
                                           calendar::Schema(), timeline::Schema(), search::Schema(),
                                           signing::Schema()};
    for (auto& s : registry_.Schemas()) out.push_back(std::move(s));
    return out;
}

void Assembly::Start(storage::Database& db, api::HttpKit& kit, files::FileStore& files) {
    kit_ = &kit;
    db_ = &db;
    jobs_.emplace(db, job_options_);
    context_ = std::make_unique<platform::ModuleContext>(db);
    context_->Publish(kit);
    context_->Publish(files);
    context_->Publish(attachment_owners_);
    context_->Publish(*jobs_);
    auto permissions = registry_.Permissions();
    permissions.insert(permissions.begin(), std::begin(kPlatformPermissions), std::end(kPlatformPermissions));
    roles_.emplace(db, std::move(permissions), registry_.Roles());
    if (auto st = roles_->SyncSystemRoles(); !st.ok())
        throw std::runtime_error("cannot store the system roles: " + st.error().message);
    context_->Publish(*roles_);
    context_->Publish(timeline_readers_);
    calendars_.emplace(db);
    if (auto seeded = calendars_->EnsureSeeded(); !seeded.ok())
        throw std::runtime_error("cannot seed the business calendar: " + seeded.error().message);
    context_->Publish(*calendars_);
    signing_.emplace(db);
    if (auto key = signing_->EnsureKey(); !key.ok())
        throw std::runtime_error("cannot create the signing key: " + key.error().message);
    context_->Publish(*signing_);
    registry_.Start(*context_);
}

void Assembly::AddRoutes(api::Router& router) {
    registry_.AddRoutes(router);
    jobs::AddAdminRoutes(router, *kit_, *jobs_, *roles_);
    audit::AddAdminRoutes(router, *kit_, *db_, *roles_);
    roles::AddAdminRoutes(router, *kit_, *roles_);
    timeline::AddRoutes(router, *kit_, *db_, timeline_readers_);
    calendar::AddRoutes(router, *kit_, *calendars_, *roles_);
    signing::AddRoutes(router, *signing_);
}

void Assembly::AddUploads(api::UploadRegistry& uploads) { registry_.AddUploads(uploads); }

void Assembly::StartJobs() { jobs_->Start(); }

void Assembly::Stop() {
    if (jobs_) jobs_->Stop();
    registry_.Stop();
}

}  // namespace veche::app
