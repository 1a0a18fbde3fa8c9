#include <optional>

#include "desk_events.hpp"
#include "email_channel.hpp"
#include "email_inbound.hpp"
#include "routes.hpp"
#include "routes_email.hpp"
#include "routes_reports.hpp"
#include "store.hpp"
#include "veche/calendar/calendar_service.hpp"
#include "widget_files.hpp"
#include "widget_http.hpp"
#include "veche/accounts/account_service.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/files/file_store.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/realtime/hub.hpp"
#include "veche/roles/role_service.hpp"
#include "veche/support/desk.hpp"
#include "veche/support/module.hpp"
#include "veche/support/tools.hpp"

namespace veche::support {
namespace {

constexpr platform::PermissionSpec kPermissions[] = {
    {"support.agent", "Work support conversations within one's access scope"},
    {"support.admin", "Configure the support desk (inboxes, teams, topics, agents) and see every conversation"},
};
constexpr std::string_view kAgentPermissions[] = {"support.agent"};
constexpr std::string_view kAdminPermissions[] = {"support.agent", "support.admin"};
constexpr platform::RoleSpec kRoles[] = {
    {"support.agent", "Support agent", "Answers the conversations of their teams, as their access scope allows",
     kAgentPermissions},
    {"support.admin", "Support administrator",
     "Sets up inboxes, teams, topics and agents, and sees every conversation", kAdminPermissions},
};

class SupportModule final : public platform::Module {
public:
    ~SupportModule() override { SetConversationObserver(nullptr); }
    std::string_view name() const override { return "support"; }
    std::vector<std::string_view> depends_on() const override { return {"accounts", "chat"}; }
    std::span<const storage::ModuleMigration> migrations() const override { return Schema().migrations; }
    std::span<const platform::PermissionSpec> permissions() const override { return kPermissions; }
    std::span<const platform::RoleSpec> roles() const override { return kRoles; }

    void Start(platform::ModuleContext& ctx) override {
        auto& accounts = ctx.Find<accounts::AccountService>();
        desk_.emplace(ctx.db(), ctx.Find<roles::RoleService>(), ctx.Find<chat::ChatService>(),
                      // The desk's bot owns the conversations' chats and posts the customers' messages,
                      // made on first use (so the first run's administrator comes first).
                      [&accounts] { return accounts.SystemUserId("support", "Служба поддержки"); });
        desk_->UseScheduler(ctx.Find<jobs::Scheduler>());
        email_.emplace(ctx.db(), ctx.Find<roles::RoleService>(), *desk_, ctx.Find<files::FileStore>(),
                       ctx.Find<jobs::Scheduler>());
        auto& calendars = ctx.Find<calendar::CalendarService>();
        sla_.emplace(ctx.db(), ctx.Find<roles::RoleService>(),
                     [&calendars](std::optional<Id> id) { return calendars.Get(id); });
        sla_->UseScheduler(ctx.Find<jobs::Scheduler>());
        desk_->UseSla(*sla_);
        SetConversationObserver([this](storage::Tx& tx, const std::optional<Conversation>& before,
                                       const Conversation& after) { sla_->OnSaved(tx, before, after); });
        reports_.emplace(ctx.db(), ctx.Find<roles::RoleService>());
        // Losing (or gaining) the desk's permissions re-addresses the user's topics at once.
        const roles::RoleService* role_service = &ctx.Find<roles::RoleService>();
        ctx.Find<roles::RoleService>().AddGrantsChangedHook(
            [role_service](storage::Tx& tx, const roles::GrantsChange& change) -> Status {
                if (!change.Touches(kAgentPermission) && !change.Touches(kAdminPermission)) return {};
                return ReaddressAgent(tx, *role_service, change.user_id);
            });
        desk_audience_.emplace(ctx.Find<roles::RoleService>());
        team_audience_.emplace(ctx.Find<roles::RoleService>());
        tools_.emplace(ctx.db(), ctx.Find<roles::RoleService>(), calendars,
                       [&accounts] { return accounts.SystemUserId("support", "Служба поддержки"); });
        kit_ = &ctx.Find<api::HttpKit>();
        files_ = &ctx.Find<files::FileStore>();
        gate_.emplace(*desk_);
        uploads_.emplace(*kit_, *desk_, *files_, *gate_);
        inbound_mail_.emplace(*email_, *files_);
    }

    void AddRoutes(api::Router& router) override {
        AddDeskRoutes(router, *kit_, *desk_, *tools_);
        AddToolRoutes(router, *kit_, *desk_, *tools_);
        AddWidgetRoutes(router, *kit_, *desk_, *gate_);
        AddEmailRoutes(router, *kit_, *email_);
        AddSlaRoutes(router, *kit_, *sla_, *reports_, *gate_);
        AddWidgetFileRoutes(router, *desk_, *files_, *gate_);
    }
    void AddUploads(api::UploadRegistry& uploads) override {
        uploads.Add(*uploads_);
        uploads.Add(*inbound_mail_);
    }
    void AddRealtime(realtime::Hub& hub) override {
        hub.AddAudience(*desk_audience_);
        hub.AddAudience(*team_audience_);
    }

private:
    std::optional<SupportDesk> desk_;
    std::optional<EmailChannel> email_;
    std::optional<SlaEngine> sla_;
    std::optional<Reports> reports_;
    std::optional<DeskTools> tools_;
    const api::HttpKit* kit_ = nullptr;
    files::FileStore* files_ = nullptr;
    std::optional<WidgetGate> gate_;  // the widget routes' CORS and origin rule
    std::optional<VisitorUploads> uploads_;
    std::optional<InboundMailUploads> inbound_mail_;
    std::optional<DeskAudience> desk_audience_;
    std::optional<TeamAudience> team_audience_;
};

}  // namespace

std::unique_ptr<platform::Module> MakeModule() { return std::make_unique<SupportModule>(); }

}  // namespace veche::support
