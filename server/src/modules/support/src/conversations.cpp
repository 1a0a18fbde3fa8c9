// Conversations as agents work them: open by API, list and read within the scope, reply, note,
// change status, assign; the steps shared with the widget's visitors (conversation_ops.hpp).
#include <map>

#include "conversation_ops.hpp"
#include "desk_events.hpp"
#include "sla.hpp"
#include "store.hpp"
#include "veche/chat/bound_chats.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/roles/role_service.hpp"
#include "veche/support/desk.hpp"

namespace veche::support {

using storage::Tx;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

std::optional<Id> TeamFor(Tx& tx, const Inbox& inbox, std::optional<Id> topic_id) {
    if (topic_id) {
        if (auto t = LoadTopic(tx, *topic_id)) return t->team_id;
    }
    return inbox.team_id;
}

// The conversation if the viewer may see it; otherwise exactly like an unknown id. A soft-deleted
// one is gone for everyone but the support admins who read it (`read_deleted`).
Result<Conversation> Visible(Tx& tx, const Viewer& viewer, Id id, bool read_deleted = false) {
    auto c = LoadConversation(tx, id);
    if (!c || !CanSee(viewer, *c)) return Error::NotFound("conversation");
    if (IsDeleted(tx, id) && !(read_deleted && viewer.admin)) return Error::NotFound("conversation");
    return *c;
}

Result<ConversationView> WithContact(Tx& tx, Conversation c) {
    auto contact = LoadContact(tx, c.contact_id);
    if (!contact) return Error::Internal("a conversation without its contact");
    ConversationView v{std::move(c), std::move(*contact)};
    AddToolFields(tx, v);
    return v;
}

}  // namespace

bool WithinReopenWindow(const Conversation& c, const Inbox& inbox, std::int64_t now) {
    return c.resolved_at && now - *c.resolved_at <= inbox.reopen_window_days * kDayMs;
}

Result<Started> StartConversation(Tx& tx, const Assigner& assigner, Id bot_id, const Inbox& inbox,
                                  const Contact& contact, std::optional<Id> topic_id, const std::string& text,
                                  std::optional<Id> previous_id) {
    VECHE_RETURN_IF_ERROR(chat::ChatService::ValidateText(text));
    if (topic_id) {
        auto topic = LoadTopic(tx, *topic_id);
        if (!topic) return Error::NotFound("topic");
        if (topic->archived_at) return Error::Conflict("topic_archived", "this topic is archived");
    }
    Conversation c;
    c.id = GlobalIds().Next();
    c.number = NextCounter(tx, "conversation_number");
    c.inbox_id = inbox.id;
    c.team_id = TeamFor(tx, inbox, topic_id);
    c.topic_id = topic_id;
    c.contact_id = contact.id;
    c.previous_id = previous_id;
    c.created_at = c.updated_at = NowMs();
    c.waiting_since = c.created_at;
    chat::BoundChatSpec spec;
    spec.kind = "support";
    spec.owner_id = bot_id;
    spec.name = NumberText(c.number) + " · " + (contact.name.empty() ? std::string("Посетитель") : contact.name);
    VECHE_ASSIGN_OR_RETURN(auto chat, chat::CreateBoundChat(tx, spec));
    c.chat_id = chat.id;
    InsertConversation(tx, c);
    VECHE_ASSIGN_OR_RETURN(auto m, chat::PostSystemMessage(tx, c.chat_id, bot_id, text));
    RecordMessage(tx, m.id, c.id, "incoming");
    VECHE_RETURN_IF_ERROR(assigner.AutoAssign(tx, c));
    EmitCreated(tx, c);
    return Started{std::move(c), std::move(m)};
}

Result<chat::Message> AddIncoming(Tx& tx, const Assigner& assigner, Id bot_id, Conversation& c,
                                  const std::string& text) {
    VECHE_RETURN_IF_ERROR(chat::ChatService::ValidateText(text));
    VECHE_ASSIGN_OR_RETURN(auto m, chat::PostSystemMessage(tx, c.chat_id, bot_id, text));
    VECHE_RETURN_IF_ERROR(TakeIncoming(tx, assigner, c, m.id));
    return m;
}

Status TakeIncoming(Tx& tx, const Assigner& assigner, Conversation& c, Id message_id) {
    RecordMessage(tx, message_id, c.id, "incoming");
    if (!c.waiting_since) c.waiting_since = NowMs();
    std::string was = c.status;
    c.status = "open";
    c.snoozed_until = std::nullopt;
    c.snooze_until_reply = false;
    if (was == "resolved") {
        c.reopen_count += 1;
        c.resolved_at = std::nullopt;
        VECHE_RETURN_IF_ERROR(assigner.AssignPreferring(tx, c, c.last_assignee_id));
    } else if (was == "snoozed" || was == "pending") {
        if (c.assignee_id && c.team_id && !assigner.Eligible(tx, *c.team_id, *c.assignee_id)) {
            VECHE_RETURN_IF_ERROR(assigner.AssignPreferring(tx, c, std::nullopt));
        } else if (!c.assignee_id) {
            VECHE_RETURN_IF_ERROR(assigner.AutoAssign(tx, c));
        } else {
            SaveConversation(tx, c);
        }
    } else {
        SaveConversation(tx, c);
    }
    EmitMessage(tx, c, message_id, "incoming");
    return {};
}

Result<ConversationView> SupportDesk::OpenByApi(const Actor& actor, const ApiConversation& spec) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    return db_.Write([&](Tx& tx) -> Result<ConversationView> {
        VECHE_RETURN_IF_ERROR(ViewerOf(tx, roles_, actor.user_id));
        auto inbox = LoadInbox(tx, spec.inbox_id);
        if (!inbox) return Error::NotFound("inbox");
        Contact contact;
        contact.id = GlobalIds().Next();
        contact.inbox_id = inbox->id;
        contact.name = spec.contact_name;
        contact.email = spec.contact_email;
        contact.created_at = NowMs();
        tx.Exec("INSERT INTO support_contacts(id, inbox_id, name, email, verified, created_at) VALUES (?, ?, ?, ?, 0, ?)",
                contact.id, contact.inbox_id, contact.name, contact.email, contact.created_at);
        VECHE_ASSIGN_OR_RETURN(auto started, StartConversation(tx, Assigner(roles_, bot), bot, *inbox, contact,
                                                               spec.topic_id, spec.text, std::nullopt));
        return ConversationView{std::move(started.conversation), std::move(contact)};
    });
}

Result<std::vector<ConversationView>> SupportDesk::List(const Actor& actor, const ConversationFilter& f) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<ConversationView>> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        SqlBuilder q;
        q.Add("WHERE 1 = 1");
        if (f.status == "active") q.Add(" AND c.status IN ('open', 'pending')");
        else if (f.status) q.Add(" AND c.status = ?").Param(*f.status);
        if (f.assignee == "me") q.Add(" AND c.assignee_id = ?").Param(actor.user_id);
        else if (f.assignee == "none") q.Add(" AND c.assignee_id IS NULL");
        else if (f.assignee && f.assignee != "any") q.Add(" AND c.assignee_id = ?").Param(*ParseId(*f.assignee));
        if (f.team_id) q.Add(" AND c.team_id = ?").Param(*f.team_id);
        if (f.chat_id) q.Add(" AND c.chat_id = ?").Param(*f.chat_id);
        if (f.deleted && !viewer.admin) return Error::Forbidden("only support admins list deleted conversations");
        q.Add(f.deleted ? " AND c.deleted_at IS NOT NULL" : " AND c.deleted_at IS NULL");
        if (f.label_id)
            q.Add(" AND EXISTS (SELECT 1 FROM support_conversation_labels l WHERE l.conversation_id = c.id AND "
                  "l.label_id = ?)")
                .Param(*f.label_id);
        if (f.before) q.Add(" AND c.id < ?").Param(*f.before);
        AddScopeCondition(q, viewer);
        q.Add(" ORDER BY c.id DESC LIMIT ?").Param(f.limit);
        std::vector<ConversationView> out;
        for (auto& c : SelectConversations(tx, q)) {
            VECHE_ASSIGN_OR_RETURN(auto v, WithContact(tx, std::move(c)));
            out.push_back(std::move(v));
        }
        return out;
    });
}

Result<ConversationView> SupportDesk::Get(const Actor& actor, Id id) {
    return db_.Read([&](Tx& tx) -> Result<ConversationView> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        VECHE_ASSIGN_OR_RETURN(auto c, Visible(tx, viewer, id, true));
        return WithContact(tx, std::move(c));
    });
}

Result<std::vector<chat::Message>> SupportDesk::ChatMessages(Id chat_id) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    std::vector<chat::Message> out;
    chat::HistoryQuery q;
    q.after = 0;
    q.limit = 200;
    for (int page = 0; page < 50; ++page) {
        VECHE_ASSIGN_OR_RETURN(auto got, chats_.History(Actor{bot, false, false}, chat_id, q));
        for (auto& m : got.messages) out.push_back(std::move(m));
        if (!got.has_more || out.empty()) break;
        q.after = out.back().id;
    }
    return out;
}

Result<std::vector<DeskMessage>> SupportDesk::Messages(const Actor& actor, Id id) {
    using Directions = std::map<Id, std::string>;
    struct Found {
        Conversation conversation;
        Directions directions;
        bool admin = false;
        DeletedMessages deleted;
    };
    VECHE_ASSIGN_OR_RETURN(auto found, db_.Read([&](Tx& tx) -> Result<Found> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        VECHE_ASSIGN_OR_RETURN(auto c, Visible(tx, viewer, id, true));
        Directions d;
        auto& st = tx.Query("SELECT message_id, direction FROM support_messages WHERE conversation_id = ?", id);
        while (st.Step()) d[st.Int(0)] = st.Text(1);
        DeletedMessages deleted = viewer.admin ? LoadDeletedMessages(tx, c.chat_id) : DeletedMessages{};
        return Found{std::move(c), std::move(d), viewer.admin, std::move(deleted)};
    }));
    VECHE_ASSIGN_OR_RETURN(auto messages, ChatMessages(found.conversation.chat_id));
    std::vector<DeskMessage> out;
    for (auto& m : messages) {
        auto it = found.directions.find(m.id);
        // Not posted through the desk (the messenger, a bot): agents only, like a note.
        std::string direction = it == found.directions.end() ? "note" : it->second;
        DeskMessage dm{std::move(m), std::move(direction)};
        if (auto del = found.deleted.find(dm.message.id); del != found.deleted.end() && dm.message.deleted) {
            dm.show_deleted = true;
            dm.deleted_by = del->second.first;
            dm.deleted_at = del->second.second;
        }
        out.push_back(std::move(dm));
    }
    return out;
}

Result<DeskMessage> SupportDesk::Post(const Actor& actor, Id id, const std::string& text,
                                      const std::string& direction) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    return db_.Write([&](Tx& tx) -> Result<DeskMessage> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        VECHE_ASSIGN_OR_RETURN(auto c, Visible(tx, viewer, id));
        VECHE_RETURN_IF_ERROR(EnsureChatMember(tx, c.chat_id, bot, actor.user_id));
        VECHE_ASSIGN_OR_RETURN(auto m, chat::PostSystemMessage(tx, c.chat_id, actor.user_id, text));
        RecordMessage(tx, m.id, c.id, direction);
        if (direction == "outgoing") {
            // A public reply answers the customer; a note does not, for the SLA clocks either.
            if (sla_) sla_->OnReply(tx, c, actor.user_id, m.created_at);
            if (!c.first_reply_at) c.first_reply_at = m.created_at;
            c.waiting_since = std::nullopt;
            SaveConversation(tx, c);
            if (reply_hook_) VECHE_RETURN_IF_ERROR(reply_hook_(tx, c, m));
        }
        EmitMessage(tx, c, m.id, direction);
        return DeskMessage{std::move(m), direction};
    });
}

Result<DeskMessage> SupportDesk::PostIncoming(const Actor& actor, Id id, const std::string& text) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    return db_.Write([&](Tx& tx) -> Result<DeskMessage> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        VECHE_ASSIGN_OR_RETURN(auto c, Visible(tx, viewer, id));
        VECHE_ASSIGN_OR_RETURN(auto m, AddIncoming(tx, Assigner(roles_, bot), bot, c, text));
        return DeskMessage{std::move(m), "incoming"};
    });
}

namespace {

constexpr std::string_view kWakeJob = "support.snooze_wake";

std::string WakeKey(Id id) { return "support.snooze." + IdToString(id); }

}  // namespace

void SupportDesk::UseScheduler(jobs::Scheduler& scheduler) {
    scheduler_ = &scheduler;
    scheduler.Register(std::string(kWakeJob), [this](const jobs::Job& job) -> Status {
        VECHE_ASSIGN_OR_RETURN(auto payload, json::ParseObject(job.payload));
        VECHE_ASSIGN_OR_RETURN(Id id, json::ReqId(payload, "id"));
        VECHE_ASSIGN_OR_RETURN(auto until, json::OptInt(payload, "until", 0, INT64_MAX));
        return WakeSnoozed(id, until.value_or(0));
    });
}

Status SupportDesk::WakeSnoozed(Id id, std::int64_t until) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    return db_.Write([&](Tx& tx) -> Status {
        auto c = LoadConversation(tx, id);
        // Woken, resolved or snoozed again since: this job is stale.
        if (!c || c->status != "snoozed" || c->snoozed_until != until) return {};
        c->status = "open";
        c->snoozed_until = std::nullopt;
        c->snooze_until_reply = false;
        Assigner assigner(roles_, bot);
        return assigner.AssignPreferring(tx, *c, c->assignee_id);
    });
}

namespace {

bool Allowed(const std::string& from, const std::string& to) {
    if (to == "open") return true;
    if (to == "resolved") return from != "resolved";
    if (to == "pending") return from == "open" || from == "snoozed" || from == "pending";
    if (to == "snoozed") return from == "open" || from == "pending" || from == "snoozed";
    return false;
}

}  // namespace

Result<ConversationView> SupportDesk::SetStatus(const Actor& actor, Id id, const StatusChange& change) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    return db_.Write([&](Tx& tx) -> Result<ConversationView> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        VECHE_ASSIGN_OR_RETURN(auto c, Visible(tx, viewer, id));
        const std::string was = c.status;
        if (!Allowed(was, change.status))
            return Error::Conflict("invalid_transition", "a " + was + " conversation cannot become " + change.status);
        std::int64_t now = NowMs();
        if (change.snoozed_until && *change.snoozed_until <= now)
            return Error::InvalidArgument("field 'snoozed_until' must be in the future");
        Assigner assigner(roles_, bot);
        if (scheduler_ && was == "snoozed") scheduler_->Cancel(tx, WakeKey(id));
        if (scheduler_ && change.status == "snoozed" && change.snoozed_until) {
            boost::json::object payload{{"id", IdToString(id)}, {"until", *change.snoozed_until}};
            jobs::ScheduleOptions options;
            options.dedupe_key = WakeKey(id);
            VECHE_RETURN_IF_ERROR(
                scheduler_->Schedule(tx, kWakeJob, json::Serialize(payload), *change.snoozed_until, options));
        }
        c.status = change.status;
        c.snoozed_until = change.status == "snoozed" ? change.snoozed_until : std::nullopt;
        c.snooze_until_reply = change.status == "snoozed" && !change.snoozed_until;
        if (change.status == "resolved") {
            c.resolved_at = now;
            c.waiting_since = std::nullopt;
        }
        if (change.status == "open" && was == "resolved") {
            c.resolved_at = std::nullopt;
            c.reopen_count += 1;
        }
        if (change.status == "open" && was != "open" && !c.assignee_id) {
            VECHE_RETURN_IF_ERROR(assigner.AutoAssign(tx, c));
        } else {
            SaveConversation(tx, c);
        }
        // Leaving "open" frees a place of the assignee's capacity: their teams' queues may move.
        if (was == "open" && c.status != "open" && c.assignee_id)
            VECHE_RETURN_IF_ERROR(assigner.DrainForAgent(tx, *c.assignee_id));
        return WithContact(tx, *LoadConversation(tx, id));
    });
}

Result<ConversationView> SupportDesk::Assign(const Actor& actor, Id id, const AssignRequest& request) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    return db_.Write([&](Tx& tx) -> Result<ConversationView> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        VECHE_ASSIGN_OR_RETURN(auto c, Visible(tx, viewer, id));
        Assigner assigner(roles_, bot);
        std::optional<Id> before = c.assignee_id;
        if (request.automatic) {
            if (c.status != "open") return Error::Conflict("conversation_not_open", "only open conversations are assigned automatically");
            if (!c.team_id) return Error::Conflict("no_team", "the conversation has no team to assign from");
            c.assignee_id = std::nullopt;
            VECHE_RETURN_IF_ERROR(assigner.AutoAssign(tx, c));
        } else if (request.agent_id) {
            VECHE_RETURN_IF_ERROR(RequireAgentUser(tx, roles_, *request.agent_id));
            VECHE_RETURN_IF_ERROR(assigner.AssignTo(tx, c, request.agent_id));
        } else {
            VECHE_RETURN_IF_ERROR(assigner.AssignTo(tx, c, std::nullopt));
        }
        // The previous assignee has one open conversation fewer (an unassigned one waits in the queue).
        if (before && before != c.assignee_id && c.status == "open" && c.assignee_id)
            VECHE_RETURN_IF_ERROR(assigner.DrainForAgent(tx, *before));
        return WithContact(tx, *LoadConversation(tx, id));
    });
}

Result<ContactView> SupportDesk::GetContact(const Actor& actor, Id contact_id) {
    return db_.Read([&](Tx& tx) -> Result<ContactView> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        auto contact = LoadContact(tx, contact_id);
        if (!contact) return Error::NotFound("contact");
        ContactView out{std::move(*contact), {}};
        for (auto& c : ConversationsOfContact(tx, contact_id))
            if (CanSee(viewer, c)) out.conversations.push_back(std::move(c));
        if (out.conversations.empty() && !viewer.admin && viewer.scope != "all") return Error::NotFound("contact");
        return out;
    });
}

}  // namespace veche::support
