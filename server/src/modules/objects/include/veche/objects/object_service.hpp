#pragma once
// Object types, objects, counterparties, stages and the chat trees they own (CTX-1 … CTX-4).
//
// Authorization, checked in each operation's transaction:
//   - object types: defined by holders of objects.manage; read by anyone logged in (staff need them
//     to render objects);
//   - objects: upserted by holders of objects.integrate (the external system's service account) or
//     objects.manage; seen whole by their members (object roles) and by those permission holders;
//     seen partly by their counterparties' users (their own counterparty and chats only); anyone
//     else gets 404 as for an unknown id;
//   - stage changes, counterparties and members: objects.integrate / objects.manage, or the
//     object's owner or category manager.
// The chats are bound chats of kind "object" (veche/chat/bound_chats.hpp) owned by the module's
// assistant bot; their membership follows the template's member rules whenever the object changes.
//
// Thread-safe; synchronous, for worker threads.

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "veche/core/actor.hpp"
#include "veche/objects/types.hpp"
#include "veche/storage/database.hpp"

namespace veche::roles {
class RoleService;
}

namespace veche::objects {

class ObjectService {
public:
    // `make_assistant` returns the assistant bot's user id, creating the account the first time; it
    // is called outside any transaction, before the first change that posts (after the first
    // start's bootstrap, so the bot is never the "first user").
    ObjectService(storage::Database& db, roles::RoleService& roles, std::function<Id()> make_assistant);

    Result<ObjectType> PutType(const Actor& actor, const ObjectType& type);
    Result<std::vector<ObjectType>> ListTypes();
    Result<ObjectType> GetType(std::string_view key);

    // Second: true when created. Same (type, external id) → same object and chats (CTX-2).
    Result<std::pair<ObjectView, bool>> Upsert(const Actor& actor, std::string_view type_key,
                                               std::string_view external_id, const ObjectUpsert& spec);
    Result<ObjectView> Get(const Actor& actor, Id object_id);
    Result<ObjectView> GetByExternal(const Actor& actor, std::string_view type_key, std::string_view external_id);
    Result<std::vector<ObjectView>> List(const Actor& actor, const ObjectFilter& filter);
    // `from` must be the current stage (409 stage_conflict) and `to` the next one (409
    // stage_out_of_order): the current stage's chats are archived, the next one's opened, one event.
    Result<ObjectView> ChangeStage(const Actor& actor, Id object_id, std::string_view from, std::string_view to);
    Result<ObjectView> SetState(const Actor& actor, Id object_id, std::string_view state);
    // Idempotent by org_ref: creates the counterparty and its confidential chats of the current
    // stage, or brings its name and users to `spec`.
    Result<std::pair<Counterparty, bool>> UpsertCounterparty(const Actor& actor, Id object_id,
                                                             const CounterpartyUpsert& spec);
    // Its users leave the object's chats; its chats are archived.
    Status RemoveCounterparty(const Actor& actor, Id object_id, Id counterparty_id);
    // The object a chat belongs to, for a member of that chat (404 otherwise).
    Result<std::pair<ObjectView, ObjectChat>> ObjectOfChat(const Actor& actor, Id chat_id);

    // The assistant bot's user id (its account made on first use); call outside transactions.
    Result<Id> Assistant();
    // Called once, with the bot's id, when it is first known (to register its button handler).
    void OnAssistantKnown(std::function<void(Id)> hook) { on_assistant_ = std::move(hook); }
    // At start: the bot's id when its account already exists (a restart), so its buttons answer at once.
    void KnowAssistant(Id id);

    // Inside a transaction: the view of `object_id` for `actor`, or 404.
    Result<ObjectView> ViewIn(storage::Tx& tx, const Actor& actor, Id object_id) const;
    Result<bool> CanManage(storage::Tx& tx, const Actor& actor, const ObjectView& view) const;

private:
    Result<ObjectType> LoadType(storage::Tx& tx, std::string_view key) const;
    Status OpenStageChats(storage::Tx& tx, const BusinessObject& obj, const ObjectType& type,
                          std::optional<Id> only_counterparty);
    Status SyncChatMembers(storage::Tx& tx, const BusinessObject& obj, const ObjectType& type);
    Status RequireManage(storage::Tx& tx, const Actor& actor, const ObjectView& view) const;

    storage::Database& db_;
    roles::RoleService& roles_;
    std::function<Id()> make_assistant_;
    std::function<void(Id)> on_assistant_;
    std::mutex assistant_mu_;
    Id assistant_id_ = 0;
};

}  // namespace veche::objects
