#pragma once
// The support desk's SQL: rows in and out, and who may see a conversation (one rule for every route).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "veche/core/error.hpp"
#include "veche/storage/database.hpp"
#include "veche/support/types.hpp"

namespace veche::roles {
class RoleService;
}

namespace veche::support {

struct ConversationView;

inline constexpr std::string_view kAgentPermission = "support.agent";
inline constexpr std::string_view kAdminPermission = "support.admin";

// What the caller is to the desk, read in the request's transaction.
struct Viewer {
    Id user_id = 0;
    bool admin = false;  // support.admin: every conversation, the configuration
    std::string scope = "assigned";
    std::vector<Id> team_ids;
};

// support.agent or support.admin, else 403 forbidden naming the permission.
Result<Viewer> ViewerOf(storage::Tx& tx, const roles::RoleService& roles, Id user_id);
Status RequireAdmin(storage::Tx& tx, const roles::RoleService& roles, Id user_id);
bool CanSee(const Viewer& viewer, const Conversation& c);

// A statement built piece by piece (lists with optional filters): SQL text and its parameters.
struct SqlBuilder {
    std::string sql;
    std::vector<std::variant<std::int64_t, std::string>> params;
    SqlBuilder& Add(std::string_view text) { sql += text; return *this; }
    SqlBuilder& Param(std::int64_t v) { params.emplace_back(v); return *this; }
    SqlBuilder& Param(std::string v) { params.emplace_back(std::move(v)); return *this; }
    storage::Statement& Run(storage::Tx& tx) const;
};
// Appends " AND <what CanSee says>" on alias c.
void AddScopeCondition(SqlBuilder& q, const Viewer& viewer);

// A counter row incremented in the caller's transaction (created at 1): conversation numbers, and
// the assignment sequence, whose row lock also serializes assignments across nodes (PostgreSQL).
std::int64_t NextCounter(storage::Tx& tx, std::string_view name);

std::optional<Inbox> LoadInbox(storage::Tx& tx, Id id);
// support_inboxes.allowed_origins as stored (LoadInbox reads it back).
std::string JoinOrigins(const std::vector<std::string>& origins);
std::optional<Inbox> LoadInboxByToken(storage::Tx& tx, std::string_view token);
std::vector<Inbox> LoadInboxes(storage::Tx& tx);
std::optional<Team> LoadTeam(storage::Tx& tx, Id id);
std::vector<Team> LoadTeams(storage::Tx& tx);
std::optional<Topic> LoadTopic(storage::Tx& tx, Id id);
std::optional<Contact> LoadContact(storage::Tx& tx, Id id);
Agent LoadAgent(storage::Tx& tx, Id user_id);  // defaults when the user has no agent row
void SaveAgent(storage::Tx& tx, const Agent& agent);

std::optional<Conversation> LoadConversation(storage::Tx& tx, Id id);
// The conversations `tail` selects ("WHERE … ORDER BY … LIMIT ?", alias c).
std::vector<Conversation> SelectConversations(storage::Tx& tx, const SqlBuilder& tail);
// Newest first.
std::vector<Conversation> ConversationsOfContact(storage::Tx& tx, Id contact_id);
// Told of every write of a conversation, in the writing transaction, with the row before (absent on
// insert) and after: the SLA clocks and the reporting events (sla.hpp). Set once, before serving.
using ConversationObserver =
    std::function<void(storage::Tx&, const std::optional<Conversation>& before, const Conversation& after)>;
void SetConversationObserver(ConversationObserver observer);
void InsertConversation(storage::Tx& tx, const Conversation& c);
void SaveConversation(storage::Tx& tx, const Conversation& c);  // every mutable column, updated_at = now
// Active users who hold support.agent or support.admin, else 404 user_not_found / 409 not_an_agent.
Status RequireAgentUser(storage::Tx& tx, const roles::RoleService& roles, Id user_id);
// Adds the user to the conversation's chat (kept afterwards: they took part).
Status EnsureChatMember(storage::Tx& tx, Id chat_id, Id bot_id, Id user_id);
void RecordMessage(storage::Tx& tx, Id message_id, Id conversation_id, std::string_view direction);

// The agents' tools' rows (tools_store.cpp).
bool IsDeleted(storage::Tx& tx, Id conversation_id);
std::vector<Label> LabelsOf(storage::Tx& tx, Id conversation_id);
// Fills the view's labels and deletion mark.
void AddToolFields(storage::Tx& tx, ConversationView& view);
// The chat's deleted messages: id → (who deleted it, when).
using DeletedMessages = std::map<Id, std::pair<Id, std::int64_t>>;
DeletedMessages LoadDeletedMessages(storage::Tx& tx, Id chat_id);

}  // namespace veche::support
