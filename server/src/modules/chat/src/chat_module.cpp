#include <memory>
#include <optional>

#include "access.hpp"
#include "routes.hpp"
#include "veche/chat/bound_chats.hpp"
#include "veche/chat/module.hpp"
#include "veche/chat/realtime.hpp"
#include "veche/realtime/hub.hpp"
#include "veche/timeline/timeline.hpp"

namespace veche::chat {
namespace {

// The messenger's tables are the frozen baseline (storage); what changes them since is here,
// append-only (veche/storage/migration.hpp).
constexpr storage::ModuleMigration kMigrations[] = {
    // Files name their owner (veche/files/attachments.hpp): every existing one is its chat's. SQLite
    // cannot drop NOT NULL from chat_id, so the table is rebuilt (nothing references it).
    {1, "files owned by (owner_kind, owner_id)",
     "CREATE TABLE files_owned (id INTEGER PRIMARY KEY, owner_kind TEXT NOT NULL, owner_id INTEGER NOT NULL, "
     "chat_id INTEGER REFERENCES chats(id), uploader_id INTEGER NOT NULL REFERENCES users(id), "
     "message_id INTEGER REFERENCES messages(id), name TEXT NOT NULL, size INTEGER NOT NULL, "
     "content_type TEXT NOT NULL, sha256 TEXT NOT NULL, width INTEGER NOT NULL DEFAULT 0, "
     "height INTEGER NOT NULL DEFAULT 0, has_thumbnail INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT "
     "NULL);"
     "INSERT INTO files_owned(id, owner_kind, owner_id, chat_id, uploader_id, message_id, name, size, "
     "content_type, sha256, width, height, has_thumbnail, created_at) SELECT id, 'chat', chat_id, chat_id, "
     "uploader_id, message_id, name, size, content_type, sha256, width, height, has_thumbnail, created_at "
     "FROM files;"
     "DROP TABLE files;"
     "ALTER TABLE files_owned RENAME TO files;"
     "CREATE INDEX files_by_chat ON files(chat_id, id);"
     "CREATE INDEX files_by_message ON files(message_id) WHERE message_id IS NOT NULL;"
     "CREATE INDEX files_by_uploader ON files(uploader_id, size);"
     "CREATE INDEX files_unattached ON files(created_at) WHERE message_id IS NULL AND owner_kind = 'chat';"
     "CREATE INDEX files_by_sha256 ON files(sha256);"
     "CREATE INDEX files_by_owner ON files(owner_kind, owner_id, id)",
     "ALTER TABLE files ADD COLUMN owner_kind TEXT;"
     "ALTER TABLE files ADD COLUMN owner_id BIGINT;"
     "UPDATE files SET owner_kind = 'chat', owner_id = chat_id;"
     "ALTER TABLE files ALTER COLUMN owner_kind SET NOT NULL;"
     "ALTER TABLE files ALTER COLUMN owner_id SET NOT NULL;"
     "ALTER TABLE files ALTER COLUMN chat_id DROP NOT NULL;"
     "DROP INDEX files_unattached;"
     "CREATE INDEX files_unattached ON files(created_at) WHERE message_id IS NULL AND owner_kind = 'chat';"
     "CREATE INDEX files_by_owner ON files(owner_kind, owner_id, id)"},
    // Chats that another module owns (veche/chat/bound_chats.hpp) and the edit window of immutable chats.
    {2, "chats: kind and edit window",
     "ALTER TABLE chats ADD COLUMN kind TEXT NOT NULL DEFAULT 'chat';"
     "ALTER TABLE chats ADD COLUMN edit_window_minutes INTEGER",
     "ALTER TABLE chats ADD COLUMN kind TEXT NOT NULL DEFAULT 'chat';"
     "ALTER TABLE chats ADD COLUMN edit_window_minutes BIGINT"},
    // Buttons on bots' messages and the clicks on them (veche/chat/interactions.hpp). The primary
    // key is the idempotency key, so two nodes sharing PostgreSQL claim a click once.
    {3, "buttons on messages, chat_interactions",
     "ALTER TABLE messages ADD COLUMN buttons TEXT;"
     "CREATE TABLE chat_interactions (message_id INTEGER NOT NULL REFERENCES messages(id), "
     "user_id INTEGER NOT NULL REFERENCES users(id), command TEXT NOT NULL, id INTEGER NOT NULL, "
     "bot_id INTEGER NOT NULL, chat_id INTEGER NOT NULL, state TEXT NOT NULL, alert TEXT, "
     "claimed_at INTEGER NOT NULL, done_at INTEGER, PRIMARY KEY (message_id, user_id, command))",
     "ALTER TABLE messages ADD COLUMN buttons TEXT;"
     "CREATE TABLE chat_interactions (message_id BIGINT NOT NULL REFERENCES messages(id), "
     "user_id BIGINT NOT NULL REFERENCES users(id), command TEXT NOT NULL, id BIGINT NOT NULL, "
     "bot_id BIGINT NOT NULL, chat_id BIGINT NOT NULL, state TEXT NOT NULL, alert TEXT, "
     "claimed_at BIGINT NOT NULL, done_at BIGINT, PRIMARY KEY (message_id, user_id, command))"},
};

class ChatModule final : public platform::Module {
public:
    explicit ChatModule(ChatOptions options) : options_(options) {}
    std::string_view name() const override { return "chat"; }
    std::vector<std::string_view> depends_on() const override { return {"accounts"}; }
    std::span<const storage::ModuleMigration> migrations() const override { return kMigrations; }

    void Start(platform::ModuleContext& ctx) override {
        auto& accounts = ctx.Find<accounts::AccountService>();
        service_.emplace(ctx.db(), accounts);
        // A guest sees the users it shares a chat with.
        accounts.AddPeerSource([](storage::Tx& tx, Id guest) {
            std::vector<Id> out;
            auto& st = tx.Query(
                "SELECT DISTINCT other.user_id FROM members mine JOIN members other ON other.chat_id = "
                "mine.chat_id WHERE mine.user_id = ?",
                guest);
            while (st.Step()) out.push_back(st.Int(0));
            return out;
        });
        service_->SetAttachmentOwners(ctx.Find<files::AttachmentOwners>());
        service_->SetBoundHooks(bound_hooks_);
        service_->SetInteractionHandlers(interaction_handlers_);
        ctx.Publish<ChatService>(*service_);
        ctx.Publish<BoundChatHooks>(bound_hooks_);
        // Where the modules that own bots register their click handlers (their Start runs after
        // this one: they depend on "chat").
        ctx.Publish<InteractionHandlers>(interaction_handlers_);
        routes_.emplace(ChatRoutes{ctx.Find<api::HttpKit>(), accounts, *service_,
                                   ctx.Find<files::FileStore>(), options_.max_upload_bytes,
                                   options_.upload_quota_bytes});
        uploads_.emplace(*routes_);
        // A chat's history (who added whom, renames, archiving) is for its members, as its member list is.
        ctx.Find<timeline::Readers>().Add("chat",
                                          [](storage::Tx& tx, const Actor& actor, Id chat_id) -> Status {
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
        hub.actions().Add("typing",
                          [typing = typing_](const realtime::ClientFrame& f) { return (*typing)(f); });
    }

private:
    ChatOptions options_;
    BoundChatHooks bound_hooks_;  // filled by the modules started after this one
    InteractionHandlers interaction_handlers_;
    std::optional<ChatService> service_;
    std::optional<ChatRoutes> routes_;
    std::optional<AttachmentUploads> uploads_;
    ChatAudience audience_;
    std::shared_ptr<TypingAction> typing_;
};

}  // namespace

storage::ModuleSchema Schema() { return {"chat", kMigrations}; }

std::unique_ptr<platform::Module> MakeModule(ChatOptions options) {
    return std::make_unique<ChatModule>(options);
}

}  // namespace veche::chat
