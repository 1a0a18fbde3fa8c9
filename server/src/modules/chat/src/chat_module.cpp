#include <memory>
#include <optional>

#include "access.hpp"
#include "routes.hpp"
#include "veche/chat/module.hpp"
#include "veche/chat/realtime.hpp"
#include "veche/realtime/hub.hpp"
#include "veche/timeline/timeline.hpp"

namespace veche::chat {
namespace {

class ChatModule final : public platform::Module {
public:
    explicit ChatModule(ChatOptions options) : options_(options) {}
    std::string_view name() const override { return "chat"; }
    std::vector<std::string_view> depends_on() const override { return {"accounts"}; }

    void Start(platform::ModuleContext& ctx) override {
        auto& accounts = ctx.Find<accounts::AccountService>();
        service_.emplace(ctx.db(), accounts);
        ctx.Publish<ChatService>(*service_);
        routes_.emplace(ChatRoutes{ctx.Find<api::HttpKit>(), accounts, *service_,
                                   ctx.Find<files::FileStore>(), options_.max_upload_bytes,
                                   options_.upload_quota_bytes});
        uploads_.emplace(*routes_);
        // A chat's history (who added whom, renames, archiving) is for its members, as its member list is.
        ctx.Find<timeline::Readers>().Add("chat", [](storage::Tx& tx, const Actor& actor, Id chat_id) -> Status {
            VECHE_RETURN_IF_ERROR(SeeAsMember(tx, actor, chat_id));
            return {};
        });
    }

    void AddRoutes(api::Router& router) override {
        AddChatRoutes(router, *routes_);
        AddFileRoutes(router, *routes_);
    }
    void AddUploads(api::UploadRegistry& uploads) override { uploads.Add(*uploads_); }

    void AddRealtime(realtime::Hub& hub) override {
        hub.AddAudience(audience_);
        typing_ = std::make_shared<TypingAction>(hub);
        hub.actions().Add("typing", [typing = typing_](const realtime::ClientFrame& f) { return (*typing)(f); });
    }

private:
    ChatOptions options_;
    std::optional<ChatService> service_;
    std::optional<ChatRoutes> routes_;
    std::optional<AttachmentUploads> uploads_;
    ChatAudience audience_;
    std::shared_ptr<TypingAction> typing_;
};

}  // namespace

std::unique_ptr<platform::Module> MakeModule(ChatOptions options) {
    return std::make_unique<ChatModule>(options);
}

}  // namespace veche::chat
