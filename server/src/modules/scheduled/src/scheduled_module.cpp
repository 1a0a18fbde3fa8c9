#include <optional>

#include "routes.hpp"
#include "veche/api/kit.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/scheduled/module.hpp"
#include "veche/scheduled/scheduled_service.hpp"

namespace veche::scheduled {
namespace {

class ScheduledModule final : public platform::Module {
public:
    std::string_view name() const override { return "scheduled"; }
    std::vector<std::string_view> depends_on() const override { return {"accounts", "chat"}; }
    std::span<const storage::ModuleMigration> migrations() const override { return Schema().migrations; }

    void Start(platform::ModuleContext& ctx) override {
        kit_ = &ctx.Find<api::HttpKit>();
        service_.emplace(ctx.db(), ctx.Find<chat::ChatService>(), ctx.Find<accounts::AccountService>(),
                         ctx.Find<jobs::Scheduler>());
        service_->RegisterJobs();  // before the platform starts the runner
    }

    void AddRoutes(api::Router& router) override { scheduled::AddRoutes(router, *kit_, *service_); }

private:
    api::HttpKit* kit_ = nullptr;
    std::optional<ScheduledService> service_;
};

}  // namespace

std::unique_ptr<platform::Module> MakeModule() { return std::make_unique<ScheduledModule>(); }

}  // namespace veche::scheduled
