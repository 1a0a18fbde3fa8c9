#pragma once
// The support desk's service (SUP-1…SUP-6, MODULES.md §2): configuration for holders of
// support.admin, the conversations for agents (support.agent) within their access scope, and the
// widget's visitors, who are not accounts and hold a visitor token instead.
//
// Every write is one transaction: a conversation, its number, its chat, its first message and its
// assignment commit together. Visibility is one rule (CanSee in access.cpp): an object the caller
// may not see is reported exactly like an unknown id (404). Messages live in the conversation's
// core chat; the module records each one's direction (incoming, outgoing, note), and whatever it
// did not record as public is never shown to a visitor (notes, messages posted through the
// messenger directly).
//
// Synchronous; call from worker threads. Thread-safe.

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "veche/chat/types.hpp"
#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/storage/database.hpp"
#include "veche/support/types.hpp"
#include "veche/support/widget_origins.hpp"

namespace veche::chat {
class ChatService;
}
namespace veche::roles {
class RoleService;
}
namespace veche::jobs {
class Scheduler;
}

namespace veche::support {

class SlaEngine;

struct NewInbox {
    std::string name;
    std::string channel = "api";
    std::optional<Id> team_id;
    bool hmac_mandatory = false;
    int reopen_window_days = 30;
    std::string greeting;
    std::vector<std::string> allowed_origins;  // normalized (widget_origins.hpp); empty: any origin
};

// What PATCH …/inboxes/{id} changes (absent: unchanged). The channel, the token and the HMAC secret
// are not settings: pages embed the token, and the company's server holds the secret.
struct InboxPatch {
    std::optional<std::string> name;
    std::optional<std::optional<Id>> team_id;  // a value holding nullopt: no team
    std::optional<bool> hmac_mandatory;
    std::optional<int> reopen_window_days;
    std::optional<std::string> greeting;
    std::optional<std::vector<std::string>> allowed_origins;
};

struct ConversationView {
    ConversationView() = default;
    ConversationView(Conversation c, Contact k) : conversation(std::move(c)), contact(std::move(k)) {}

    Conversation conversation;
    Contact contact;
    std::vector<Label> labels;
    std::optional<std::int64_t> deleted_at;  // soft-deleted (SUP-7): only support admins see it
    std::optional<Id> deleted_by;
};

struct ConversationFilter {
    std::optional<std::string> status;  // open | pending | snoozed | resolved | active (open + pending)
    std::optional<std::string> assignee;  // me | none | any, or a user id
    std::optional<Id> team_id;
    std::optional<Id> chat_id;  // the conversation of this core chat (the messenger's link to it)
    std::optional<Id> label_id;
    bool deleted = false;      // the soft-deleted ones instead (support.admin only)
    std::optional<Id> before;  // conversation id: the page before it (newest first)
    int limit = 50;
};

struct DeskMessage {
    DeskMessage() = default;
    DeskMessage(chat::Message m, std::string d) : message(std::move(m)), direction(std::move(d)) {}

    chat::Message message;
    std::string direction;  // incoming | outgoing | note
    // For support admins, a deleted message keeps its text, who deleted it and when.
    bool show_deleted = false;
    std::optional<Id> deleted_by;
    std::optional<std::int64_t> deleted_at;
};

struct StatusChange {
    std::string status;
    std::optional<std::int64_t> snoozed_until;  // snoozed: until then, or (absent) until the customer writes
};

struct AssignRequest {
    bool automatic = false;        // through the balanced engine
    std::optional<Id> agent_id;    // absent (and not automatic): unassign, back to the queue
};

struct ApiConversation {
    Id inbox_id = 0;
    std::optional<Id> topic_id;
    std::string contact_name;
    std::string contact_email;
    std::string text;
};

struct VisitorMessage {
    std::string visitor_token;  // "" for a new visitor
    std::string inbox_token;
    std::optional<Id> conversation_id;
    std::optional<Id> topic_id;
    std::string name;
    std::string email;
    std::optional<std::string> identifier;
    std::optional<std::string> identifier_hash;
    std::string text;
};

struct VisitorPosted {
    std::string visitor_token;  // only for a new visitor: the one time it is shown
    Conversation conversation;
    chat::Message message;
    bool created = false;
};

struct ContactView {
    Contact contact;
    std::vector<Conversation> conversations;  // those the caller may see, newest first
};

class SupportDesk {
public:
    // `make_bot` makes (or finds) the desk's bot account, which owns the conversations' chats and
    // posts the customers' messages; it is called outside any transaction, on first use.
    SupportDesk(storage::Database& db, roles::RoleService& roles, chat::ChatService& chats,
                std::function<Id()> make_bot);

    // Snoozes until a time become durable jobs (kind "support.snooze_wake"); registers the kind.
    void UseScheduler(jobs::Scheduler& scheduler);
    // The job's work: wakes the conversation if it is still snoozed until exactly `until` (idempotent).
    Status WakeSnoozed(Id conversation_id, std::int64_t until);
    // Public replies are reported to the SLA engine (reporting events first_response and reply).
    void UseSla(SlaEngine& sla) { sla_ = &sla; }

    // Configuration: support.admin (teams and topics are read by agents too).
    Result<Inbox> CreateInbox(const Actor& actor, const NewInbox& spec);
    Result<std::vector<Inbox>> ListInboxes(const Actor& actor);
    // Audited as support.inbox_updated with the changed fields (never the secret).
    Result<Inbox> UpdateInbox(const Actor& actor, Id inbox_id, const InboxPatch& patch);
    Result<Team> CreateTeam(const Actor& actor, const std::string& name);
    Result<std::vector<Team>> ListTeams(const Actor& actor);
    // Replaces the members; a newly available member may take queued conversations at once.
    Result<Team> SetTeamMembers(const Actor& actor, Id team_id, const std::vector<TeamMember>& members);
    Result<Topic> CreateTopic(const Actor& actor, Id team_id, const std::string& title);
    Result<std::vector<Topic>> ListTopics(const Actor& actor);
    // Renames, moves to another team (new conversations go there; existing ones stay) or archives;
    // audited as support.topic_updated. 404 topic_not_found, team_not_found.
    Result<Topic> UpdateTopic(const Actor& actor, Id topic_id, const TopicChange& change);
    Result<Agent> SetAgentScope(const Actor& actor, Id user_id, const std::string& scope);
    // The agent themself or a support admin; going online takes queued conversations.
    Result<Agent> SetAvailability(const Actor& actor, Id user_id, const std::string& availability);
    Result<std::vector<Agent>> ListAgents(const Actor& actor);

    // Conversations: support.agent (or support.admin), within the caller's scope.
    Result<ConversationView> OpenByApi(const Actor& actor, const ApiConversation& spec);
    Result<std::vector<ConversationView>> List(const Actor& actor, const ConversationFilter& filter);
    Result<ConversationView> Get(const Actor& actor, Id conversation_id);
    Result<std::vector<DeskMessage>> Messages(const Actor& actor, Id conversation_id);
    // direction: outgoing (a reply the customer sees) or note (agents only).
    Result<DeskMessage> Post(const Actor& actor, Id conversation_id, const std::string& text,
                             const std::string& direction);
    // A customer's message that came through the API channel.
    Result<DeskMessage> PostIncoming(const Actor& actor, Id conversation_id, const std::string& text);
    Result<ConversationView> SetStatus(const Actor& actor, Id conversation_id, const StatusChange& change);
    Result<ConversationView> Assign(const Actor& actor, Id conversation_id, const AssignRequest& request);
    Result<ContactView> GetContact(const Actor& actor, Id contact_id);

    // What hears every public reply (direction outgoing) inside its transaction: the email channel
    // queues the reply's mail there. Set once at start.
    using ReplyHook = std::function<Status(storage::Tx&, const Conversation&, const chat::Message&)>;
    void SetReplyHook(ReplyHook hook) { reply_hook_ = std::move(hook); }

    // Visitors (the widget): no account, a visitor token.
    Result<VisitorPosted> PostAsVisitor(const VisitorMessage& message);
    Result<std::vector<Conversation>> VisitorConversations(const std::string& visitor_token);
    Result<std::vector<DeskMessage>> VisitorMessages(const std::string& visitor_token, Id conversation_id);
    // The widget's files (visitor_files.cpp): an upload goes to the chat of the visitor's own
    // conversation, recorded and posted by the desk's bot as the customer's (incoming) message; a
    // visitor downloads only files of their conversations' public messages.
    struct VisitorUpload {
        Id chat_id = 0;
        Id bot_id = 0;
    };
    Result<VisitorUpload> VisitorUploadTarget(const std::string& visitor_token, Id conversation_id);
    // After VisitorUploadTarget allowed the upload into `conversation_id`, and the bytes are stored.
    Result<DeskMessage> PostVisitorFile(Id conversation_id, const chat::FileInfo& stored);
    Result<chat::FileInfo> VisitorFile(const std::string& visitor_token, Id file_id);
    // The topics a new visitor of the widget inbox may pick (not archived; by title); 404 inbox_not_found.
    Result<std::vector<Topic>> WidgetTopics(const std::string& inbox_token);
    // The origin rule of a widget request (widget_http.hpp). With neither a token nor an inbox (a
    // preflight, which carries no Authorization), every widget inbox counts: nothing when one of them
    // is open, else the union of their lists as one.
    Result<OriginLists> WidgetOrigins(const std::string& visitor_token,
                                      const std::vector<std::string>& inbox_tokens);

private:
    friend class EmailChannel;  // email_channel.hpp: posts the customers' mail with the desk's bot
    Result<Id> Bot();
    Result<std::vector<chat::Message>> ChatMessages(Id chat_id);

    storage::Database& db_;
    roles::RoleService& roles_;
    chat::ChatService& chats_;
    std::function<Id()> make_bot_;
    jobs::Scheduler* scheduler_ = nullptr;
    ReplyHook reply_hook_;
    SlaEngine* sla_ = nullptr;
    std::mutex bot_mu_;
    Id bot_id_ = 0;
};

}  // namespace veche::support
