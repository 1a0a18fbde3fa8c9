#pragma once
// The server's modules started over the platform's parts: what `veche serve`, `veche routes` and
// the route tests assemble alike. The platform gives every module, through the ModuleContext, the
// database, the route kit (api::HttpKit, whose authenticator the accounts module sets), the blob
// store (files::FileStore) and who may download each module's files (files::AttachmentOwners), the
// job queue (jobs::Scheduler), the roles (roles::RoleService), the business calendars
// (calendar::CalendarService), the signatures (signing::SigningService) and the timeline's readers
// (timeline::Readers); the platform services' own migrations (the audit log's, the job queue's, the
// roles', the calendars', the timeline's, the search index's, the signing keys') come before every
// module's.
//
// Thread safety: built, started and stopped on the main thread; what it hands out is thread-safe.

#include <memory>
#include <optional>
#include <vector>

#include "veche/app/config.hpp"
#include "veche/calendar/calendar_service.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/platform/module.hpp"
#include "veche/files/attachments.hpp"
#include "veche/signing/signing_service.hpp"
#include "veche/timeline/timeline.hpp"
#include "veche/roles/role_service.hpp"

namespace veche::api {
class Router;
class UploadRegistry;
struct HttpKit;
}  // namespace veche::api
namespace veche::files {
class FileStore;
}

namespace veche::app {

class Assembly {
public:
    // `modules`: app::AllModules(config), or that list with more (a test's fixture module).
    Assembly(const Config& config, std::vector<std::unique_ptr<platform::Module>> modules);
    ~Assembly();

    // Every migration list in order, for DatabaseOptions::modules: the audit log's, the job queue's,
    // the roles', the calendars', the timeline's, the search index's, the signing keys', then the
    // modules'.
    std::vector<storage::ModuleSchema> Schemas() const;

    // Starts the modules over these parts (they must outlive the Assembly). The job runner is not
    // started: StartJobs, once serving begins.
    void Start(storage::Database& db, api::HttpKit& kit, files::FileStore& files);
    // The modules' routes, the admin routes of the job queue and the audit log, the timeline's, the
    // calendars' and the signing keys' (/.well-known/veche-signing-keys).
    void AddRoutes(api::Router& router);
    void AddUploads(api::UploadRegistry& uploads);
    // The modules' audiences and WebSocket actions on the hub (before serving).
    void AddRealtime(realtime::Hub& hub) { registry_.AddRealtime(hub); }
    void StartJobs();
    // Stops the job runner (the handler under way finishes), then the modules in reverse order.
    void Stop();

    platform::ModuleContext& context() { return *context_; }
    jobs::Scheduler& jobs() { return *jobs_; }
    roles::RoleService& roles() { return *roles_; }
    calendar::CalendarService& calendars() { return *calendars_; }
    signing::SigningService& signing() { return *signing_; }
    std::vector<std::string_view> Names() const { return registry_.Names(); }

private:
    jobs::SchedulerOptions job_options_;
    platform::ModuleRegistry registry_;
    api::HttpKit* kit_ = nullptr;
    storage::Database* db_ = nullptr;
    std::optional<jobs::Scheduler> jobs_;
    std::optional<roles::RoleService> roles_;
    // Who may read the history of each item kind: the modules Add theirs in Start.
    timeline::Readers timeline_readers_;
    // Who may download the files each module's items own (the messenger's chats: its own rule).
    files::AttachmentOwners attachment_owners_;
    std::optional<calendar::CalendarService> calendars_;
    std::optional<signing::SigningService> signing_;
    std::unique_ptr<platform::ModuleContext> context_;
};

}  // namespace veche::app
