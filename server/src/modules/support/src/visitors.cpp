// The widget's visitors: no account, a visitor token bound to one contact of one inbox. A visitor
// reads only their own conversations and only what the desk recorded as public (their messages and
// the agents' replies), never notes. Identity verification (MODULES.md §2.3, the Chatwoot rule):
// identifier_hash = hex HMAC-SHA-256(inbox secret, identifier); an identifier links to an earlier
// contact only when verified, and an inbox with hmac_mandatory accepts nothing unverified.
#include <algorithm>
#include <map>

#include "conversation_ops.hpp"
#include "store.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/crypto.hpp"
#include "veche/support/desk.hpp"
#include "visitor_auth.hpp"

namespace veche::support {

using storage::Tx;

namespace {

constexpr std::string_view kTokenPrefix = "vis_";

Error VisitorUnauthenticated() {
    return {ErrorCode::kUnauthenticated, "visitor_unauthenticated", "a valid visitor token is required"};
}
Error IdentityUnverified() {
    return {ErrorCode::kUnauthenticated, "identity_unverified", "the identifier's hash does not verify"};
}

}  // namespace

// The contact the visitor token stands for.
Result<Contact> VisitorContact(Tx& tx, const std::string& token) {
    if (token.size() < kTokenPrefix.size() || token.compare(0, kTokenPrefix.size(), kTokenPrefix) != 0)
        return VisitorUnauthenticated();
    auto& st = tx.Query("SELECT contact_id, inbox_id FROM support_visitors WHERE token_hash = ?", crypto::Sha256Hex(token));
    if (!st.Step()) return VisitorUnauthenticated();
    Id id = st.Int(0);
    Id token_inbox = st.Int(1);
    while (st.Step()) {
    }
    auto contact = LoadContact(tx, id);
    if (!contact) return VisitorUnauthenticated();
    // A token moved by a contact merge keeps the inbox it was issued in.
    contact->inbox_id = token_inbox;
    auto inbox = LoadInbox(tx, token_inbox);
    // An inbox made mandatory later: earlier anonymous visitors are refused too.
    if (!inbox || (inbox->hmac_mandatory && !contact->verified)) return IdentityUnverified();
    return *contact;
}

namespace {

std::string IssueToken(Tx& tx, const Contact& contact) {
    std::string token = std::string(kTokenPrefix) + crypto::RandomToken(32);
    tx.Exec("INSERT INTO support_visitors(token_hash, contact_id, inbox_id, created_at) VALUES (?, ?, ?, ?)",
            crypto::Sha256Hex(token), contact.id, contact.inbox_id, NowMs());
    return token;
}

Contact NewContact(Tx& tx, const Inbox& inbox, const VisitorMessage& m, bool verified) {
    Contact c;
    c.id = GlobalIds().Next();
    c.inbox_id = inbox.id;
    c.name = m.name;
    c.email = m.email;
    if (verified) c.external_id = m.identifier;
    c.verified = verified;
    c.created_at = NowMs();
    tx.Exec(
        "INSERT INTO support_contacts(id, inbox_id, name, email, external_id, verified, created_at) VALUES (?, ?, ?, ?, "
        "?, ?, ?)",
        c.id, c.inbox_id, c.name, c.email, c.external_id, c.verified, c.created_at);
    return c;
}

// Who is writing: the token's contact, a verified identifier's contact, or a new anonymous one.
Result<std::pair<Contact, std::string>> Identify(Tx& tx, const Inbox& inbox, const VisitorMessage& m) {
    bool verified = false;
    if (m.identifier && m.identifier_hash) {
        verified = crypto::ConstantTimeEqual(crypto::HmacSha256Hex(inbox.hmac_secret, *m.identifier), *m.identifier_hash);
        if (!verified) return IdentityUnverified();
    }
    if (inbox.hmac_mandatory && !verified && m.visitor_token.empty()) return IdentityUnverified();
    if (!m.visitor_token.empty()) {
        VECHE_ASSIGN_OR_RETURN(auto contact, VisitorContact(tx, m.visitor_token));
        if (contact.inbox_id != inbox.id) return VisitorUnauthenticated();
        if (verified && contact.external_id != m.identifier) return IdentityUnverified();
        return std::pair{std::move(contact), std::string()};
    }
    if (verified) {
        // A merged contact's identifier finds the contact it was merged into.
        auto id = tx.QueryInt(
            "SELECT COALESCE(merged_into, id) FROM support_contacts WHERE inbox_id = ? AND external_id = ?", inbox.id,
            *m.identifier);
        if (id) {
            auto contact = *LoadContact(tx, *id);
            contact.inbox_id = inbox.id;
            std::string token = IssueToken(tx, contact);
            return std::pair{std::move(contact), std::move(token)};
        }
    }
    Contact contact = NewContact(tx, inbox, m, verified);
    std::string token = IssueToken(tx, contact);
    return std::pair{std::move(contact), std::move(token)};
}

}  // namespace

Result<VisitorPosted> SupportDesk::PostAsVisitor(const VisitorMessage& m) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    return db_.Write([&](Tx& tx) -> Result<VisitorPosted> {
        auto inbox = LoadInboxByToken(tx, m.inbox_token);
        if (!inbox || inbox->channel != "widget") return Error::NotFound("inbox");
        VECHE_RETURN_IF_ERROR(chat::ChatService::ValidateText(m.text));
        VECHE_ASSIGN_OR_RETURN(auto who, Identify(tx, *inbox, m));
        auto& [contact, token] = who;
        Assigner assigner(roles_, bot);
        std::optional<Conversation> current;
        if (m.conversation_id) {
            current = LoadConversation(tx, *m.conversation_id);
            if (!current || current->contact_id != contact.id) return Error::NotFound("conversation");
        } else {
            auto all = ConversationsOfContact(tx, contact.id);
            if (!all.empty()) current = all.front();
        }
        VisitorPosted out;
        out.visitor_token = token;
        std::int64_t now = NowMs();
        if (!current || (current->status == "resolved" && !WithinReopenWindow(*current, *inbox, now))) {
            std::optional<Id> previous = current ? std::optional<Id>(current->id) : std::nullopt;
            VECHE_ASSIGN_OR_RETURN(auto started,
                                   StartConversation(tx, assigner, bot, *inbox, contact, m.topic_id, m.text, previous));
            out.conversation = std::move(started.conversation);
            out.message = std::move(started.message);
            out.created = true;
            return out;
        }
        VECHE_ASSIGN_OR_RETURN(out.message, AddIncoming(tx, assigner, bot, *current, m.text));
        out.conversation = *LoadConversation(tx, current->id);
        return out;
    });
}

Result<std::vector<Conversation>> SupportDesk::VisitorConversations(const std::string& token) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Conversation>> {
        VECHE_ASSIGN_OR_RETURN(auto contact, VisitorContact(tx, token));
        return ConversationsOfContact(tx, contact.id);
    });
}

Result<std::vector<DeskMessage>> SupportDesk::VisitorMessages(const std::string& token, Id conversation_id) {
    VECHE_ASSIGN_OR_RETURN(auto found, db_.Read([&](Tx& tx) -> Result<std::pair<Id, std::map<Id, std::string>>> {
        VECHE_ASSIGN_OR_RETURN(auto contact, VisitorContact(tx, token));
        auto c = LoadConversation(tx, conversation_id);
        if (!c || c->contact_id != contact.id) return Error::NotFound("conversation");
        std::map<Id, std::string> shown;
        auto& st = tx.Query(
            "SELECT message_id, direction FROM support_messages WHERE conversation_id = ? AND direction IN ("
            "'incoming', 'outgoing')",
            conversation_id);
        while (st.Step()) shown[st.Int(0)] = st.Text(1);
        return std::pair{c->chat_id, std::move(shown)};
    }));
    VECHE_ASSIGN_OR_RETURN(auto all, ChatMessages(found.first));
    std::vector<DeskMessage> out;
    // Only what the desk recorded as public: a note, or anything posted around the desk, stays out.
    for (auto& msg : all) {
        auto it = found.second.find(msg.id);
        if (it != found.second.end() && !msg.deleted) out.push_back({std::move(msg), it->second});
    }
    return out;
}

Result<std::vector<Topic>> SupportDesk::WidgetTopics(const std::string& inbox_token) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Topic>> {
        auto inbox = LoadInboxByToken(tx, inbox_token);
        if (!inbox || inbox->channel != "widget") return Error::NotFound("inbox");
        // Topics are the desk's (each routes to its team), so every widget inbox offers them all but
        // the archived ones, which no new conversation may take.
        std::vector<Topic> out;
        auto& st = tx.Query(
            "SELECT id, team_id, title FROM support_topics WHERE archived_at IS NULL ORDER BY title, id");
        while (st.Step()) out.push_back({st.Int(0), st.Int(1), st.Text(2), std::nullopt});
        return out;
    });
}

Result<OriginLists> SupportDesk::WidgetOrigins(const std::string& visitor_token,
                                               const std::vector<std::string>& inbox_tokens) {
    return db_.Read([&](Tx& tx) -> Result<OriginLists> {
        std::vector<Inbox> named;
        if (!visitor_token.empty()) {
            // The inbox the token was issued in, whether or not the token still works there.
            auto id = tx.QueryInt("SELECT inbox_id FROM support_visitors WHERE token_hash = ?",
                                  crypto::Sha256Hex(visitor_token));
            if (id)
                if (auto inbox = LoadInbox(tx, *id)) named.push_back(std::move(*inbox));
        }
        bool asked = !visitor_token.empty();
        for (const auto& token : inbox_tokens) {
            asked = true;
            if (auto inbox = LoadInboxByToken(tx, token)) named.push_back(std::move(*inbox));
        }
        OriginLists out;
        if (asked) {
            for (auto& i : named)
                if (!i.allowed_origins.empty()) out.push_back(std::move(i.allowed_origins));
            return out;
        }
        std::vector<std::string> any;
        for (auto& i : LoadInboxes(tx)) {
            if (i.channel != "widget") continue;
            if (i.allowed_origins.empty()) return OriginLists{};
            for (auto& o : i.allowed_origins)
                if (std::find(any.begin(), any.end(), o) == any.end()) any.push_back(std::move(o));
        }
        if (!any.empty()) out.push_back(std::move(any));
        return out;
    });
}

}  // namespace veche::support
