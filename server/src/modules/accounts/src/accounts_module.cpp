#include <optional>

#include "routes.hpp"
#include "veche/accounts/module.hpp"
#include "veche/api/kit.hpp"
#include "veche/realtime/hub.hpp"
#include "veche/roles/role_service.hpp"

namespace veche::accounts {
namespace {

// Sessions as every other module sees them: a caller with a role, and when the session ends.
class SessionAuthenticator final : public api::Authenticator {
public:
    explicit SessionAuthenticator(AccountService& accounts) : accounts_(accounts) {}
    Result<api::Caller> Authenticate(std::string_view token) override {
        VECHE_ASSIGN_OR_RETURN(auto ctx, accounts_.Authenticate(token));
        api::Caller c;
        c.actor = ctx.user.actor();
        c.must_change_password = ctx.user.must_change_password;
        c.session_id = ctx.session.id;
        c.session_ends_at = ctx.session.created_at + accounts_.session_limits().max_age_ms;
        return c;
    }

private:
    AccountService& accounts_;
};

// Guests hear of the users they may see only (AccountService::VisibleTo).
class GuestVisibility final : public realtime::UserVisibility {
public:
    explicit GuestVisibility(AccountService& accounts) : accounts_(accounts) {}
    bool Restricted(storage::Tx& tx, Id viewer) const override { return accounts_.IsGuest(tx, viewer); }
    std::vector<Id> VisibleTo(storage::Tx& tx, Id viewer, const std::vector<Id>& users) const override {
        return accounts_.VisibleTo(tx, viewer, users);
    }

private:
    AccountService& accounts_;
};

// Revoked sessions lose their connections; a changed presence reaches the others' clients.
class HubListener final : public SessionListener {
public:
    explicit HubListener(realtime::Hub& hub) : hub_(hub) {}
    void OnSessionsRevoked(const std::vector<Id>& session_ids) override { hub_.OnSessionsRevoked(session_ids); }
    void OnPresenceChanged(Id user_id) override { hub_.OnPresenceChanged(user_id); }

private:
    realtime::Hub& hub_;
};

class AccountsModule final : public platform::Module {
public:
    explicit AccountsModule(AccountsOptions options) : options_(options) {}
    std::string_view name() const override { return "accounts"; }

    void Start(platform::ModuleContext& ctx) override {
        kit_ = &ctx.Find<api::HttpKit>();
        service_.emplace(ctx.db(), options_.login);
        service_->SetSessionLimits(options_.sessions);
        authenticator_.emplace(*service_);
        kit_->authenticator = &*authenticator_;
        ctx.Publish<AccountService>(*service_);
        routes_.emplace(AccountRoutes{*kit_, *service_});
        // Granting `admin` through the roles API writes users.role; clients learn it from us.
        if (ctx.Has<roles::RoleService>()) {
            service_->SetRoles(&ctx.Find<roles::RoleService>());
            ctx.Find<roles::RoleService>().SetUserChangedHook(
                [this](storage::Tx& tx, Id user_id) { return service_->NotifyUserChanged(tx, user_id); });
        }
    }

    void AddRoutes(api::Router& router) override { AddAccountRoutes(router, *routes_); }

    void AddRealtime(realtime::Hub& hub) override {
        listener_.emplace(hub);
        visibility_.emplace(*service_);
        hub.SetUserVisibility(&*visibility_);
        service_->SetListener(&*listener_);
        service_->SetConnectedProbe([&hub](Id user) { return hub.IsConnected(user); });
        hub.SetPresenceLookup([this](Id user) -> std::string {
            auto u = service_->GetUser(user);
            return u.ok() ? u->presence_pref : std::string();
        });
    }

    void Stop() override {
        if (kit_ && kit_->authenticator == &*authenticator_) kit_->authenticator = nullptr;
        if (listener_) service_->SetListener(nullptr);
    }

private:
    AccountsOptions options_;
    api::HttpKit* kit_ = nullptr;
    std::optional<AccountService> service_;
    std::optional<SessionAuthenticator> authenticator_;
    std::optional<AccountRoutes> routes_;
    std::optional<HubListener> listener_;
    std::optional<GuestVisibility> visibility_;
};

}  // namespace

std::unique_ptr<platform::Module> MakeModule(AccountsOptions options) {
    return std::make_unique<AccountsModule>(options);
}

}  // namespace veche::accounts
