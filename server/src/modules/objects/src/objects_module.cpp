#include <optional>

#include "object_store.hpp"
#include "routes.hpp"
#include "veche/accounts/account_service.hpp"
#include "veche/calendar/calendar_service.hpp"
#include "veche/chat/bound_chats.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/chat/interactions.hpp"
#include "veche/files/file_store.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/objects/approvals.hpp"
#include "veche/objects/documents.hpp"
#include "veche/objects/votes.hpp"
#include "veche/signing/signing_service.hpp"
#include "veche/objects/module.hpp"
#include "veche/objects/object_service.hpp"
#include "veche/realtime/audience.hpp"
#include "veche/realtime/hub.hpp"
#include "veche/roles/role_service.hpp"
#include "veche/timeline/timeline.hpp"

namespace veche::objects {
namespace {

constexpr platform::PermissionSpec kPermissions[] = {
    {"objects.manage", "Define object types and manage every business object"},
    {"objects.integrate", "Register business objects and their counterparties from an external system"},
};
constexpr std::string_view kManagerPermissions[] = {"objects.manage", "objects.integrate"};
constexpr std::string_view kIntegratorPermissions[] = {"objects.integrate"};
constexpr platform::RoleSpec kRoles[] = {
    {"objects.manager", "Business objects manager",
     "Defines object types and runs every business object, its stages and counterparties", kManagerPermissions},
    {"objects.integrator", "Business objects integration",
     "The service account of an ERP or procurement system: registers objects and counterparties",
     kIntegratorPermissions},
};

// The topic "object:<id>" is followed by the object's staff (its object roles).
class ObjectAudience final : public realtime::Audience {
public:
    std::string_view kind() const override { return "object"; }
    std::vector<Id> FollowedBy(storage::Tx& tx, Id user_id) const override {
        std::vector<Id> out;
        auto& st = tx.Query("SELECT DISTINCT object_id FROM objects_roles WHERE user_id = ?", user_id);
        while (st.Step()) out.push_back(st.Int(0));
        return out;
    }
};

class ObjectsModule final : public platform::Module {
public:
    std::string_view name() const override { return "objects"; }
    std::vector<std::string_view> depends_on() const override { return {"accounts", "chat"}; }
    std::span<const storage::ModuleMigration> migrations() const override { return Schema().migrations; }
    std::span<const platform::PermissionSpec> permissions() const override { return kPermissions; }
    std::span<const platform::RoleSpec> roles() const override { return kRoles; }

    void Start(platform::ModuleContext& ctx) override {
        auto& accounts = ctx.Find<accounts::AccountService>();
        auto& chats = ctx.Find<chat::ChatService>();
        // The assistant bot ("Системный помощник") owns the object chats and posts their system events.
        service_.emplace(ctx.db(), ctx.Find<roles::RoleService>(),
                         [&accounts] { return accounts.SystemUserId("assistant", "Системный помощник"); });
        documents_.emplace(ctx.db(), *service_, chats);
        approvals_.emplace(ctx.db(), *service_, *documents_, ctx.Find<signing::SigningService>(),
                           ctx.Find<calendar::CalendarService>(), ctx.Find<jobs::Scheduler>(), ctx.Find<files::FileStore>());
        approvals_->RegisterJobs();
        votes_.emplace(ctx.db(), *service_, chats, ctx.Find<jobs::Scheduler>(), ctx.Find<files::FileStore>());
        votes_->RegisterJobs();
        // Display names as the accounts module keeps them (read in the caller's transaction).
        approvals_->SetNamer([](storage::Tx& tx, const std::vector<Id>& ids) {
            std::string out;
            for (Id id : ids) {
                auto& st = tx.Query("SELECT display_name, username FROM users WHERE id = ?", id);
                if (st.Step()) out += (out.empty() ? "" : ", ") + (st.Text(0).empty() ? st.Text(1) : st.Text(0));
                while (st.Step()) {
                }
            }
            return out;
        });
        // Files posted in an object's chats are its documents; a new version supersedes a pending route.
        ctx.Find<chat::BoundChatHooks>().OnPosted(
            "object", [this](storage::Tx& tx, const chat::Chat& c, const chat::Message& m) {
                return documents_->OnPosted(tx, c, m);
            });
        documents_->OnVersionAdded([this](storage::Tx& tx, const Document& d, const DocumentVersion& v) {
            return approvals_->OnVersionAdded(tx, d, v);
        });
        // The assistant's buttons: "/approve" decides the clicker's task on the route.
        auto& handlers = ctx.Find<chat::InteractionHandlers>();
        service_->OnAssistantKnown([this, &handlers](Id bot) {
            handlers.Register(bot, [this](const chat::Interaction& click) { return OnClick(click); });
        });
        if (auto ids = accounts.IdsOfUsernames({"assistant"}); ids.ok() && !ids->empty()) service_->KnowAssistant(ids->front());
        routes_.emplace(ObjectRoutes{ctx.Find<api::HttpKit>(), accounts, chats, *service_, *documents_, *approvals_, *votes_,
                                     ctx.Find<files::FileStore>()});
        // An object's history names its counterparties: for its staff only.
        ctx.Find<timeline::Readers>().Add("object", [this](storage::Tx& tx, const Actor& actor, Id id) -> Status {
            VECHE_ASSIGN_OR_RETURN(auto view, service_->ViewIn(tx, actor, id));
            if (!view.staff) return Error::NotFound("object");
            return {};
        });
    }

    void AddRoutes(api::Router& router) override {
        AddDocumentRoutes(router, *routes_);
        AddVoteRoutes(router, *routes_);
        AddObjectRoutes(router, *routes_);
    }
    void AddRealtime(realtime::Hub& hub) override { hub.AddAudience(audience_); }

private:
    Result<chat::InteractionReply> OnClick(const chat::Interaction& click) {
        chat::InteractionReply reply;
        if (click.command == "/vote") {
            auto vit = click.data.find("vote_id");
            auto oit = click.data.find("option");
            auto vote = vit != click.data.end() && vit->value().is_string() ? ParseId(vit->value().get_string()) : std::nullopt;
            if (!vote || oit == click.data.end() || !oit->value().is_int64()) {
                reply.alert = "Кнопка без голосования";
                return reply;
            }
            auto cast = votes_->Cast(Actor{click.user_id, false}, *vote, static_cast<int>(oit->value().get_int64()));
            reply.alert = cast.ok() ? std::string("Ваш голос учтён") : cast.error().message;
            return reply;
        }
        if (click.command != "/approve") {
            reply.alert = "Неизвестная команда";
            return reply;
        }
        auto it = click.data.find("approval_id");
        auto id = it != click.data.end() && it->value().is_string() ? ParseId(it->value().get_string()) : std::nullopt;
        if (!id) {
            reply.alert = "Кнопка без маршрута согласования";
            return reply;
        }
        auto decided = approvals_->Decide(Actor{click.user_id, false}, *id, {"approve", ""});
        // A refusal is the clicker's answer (not the bot's failure): shown to them alone.
        reply.alert = decided.ok() ? std::string("Согласовано: «") + decided->title + "»" : decided.error().message;
        return reply;
    }

    std::optional<ObjectService> service_;
    std::optional<DocumentService> documents_;
    std::optional<ApprovalService> approvals_;
    std::optional<VoteService> votes_;
    std::optional<ObjectRoutes> routes_;
    ObjectAudience audience_;
};

}  // namespace

std::unique_ptr<platform::Module> MakeModule() { return std::make_unique<ObjectsModule>(); }

}  // namespace veche::objects
