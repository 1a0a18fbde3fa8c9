#include "support_json.hpp"

#include <boost/json/array.hpp>

#include "veche/chat/chat_service.hpp"

namespace veche::support {
namespace {

namespace bj = boost::json;

bj::value OptId(const std::optional<Id>& id) { return id ? bj::value(IdToString(*id)) : bj::value(nullptr); }
bj::value OptInt(const std::optional<std::int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

}  // namespace

bj::object InboxToJson(const Inbox& i) {
    return {{"id", IdToString(i.id)},
            {"name", i.name},
            {"channel", i.channel},
            {"team_id", OptId(i.team_id)},
            {"token", i.token},
            {"hmac_mandatory", i.hmac_mandatory},
            {"hmac_secret", i.hmac_secret},
            {"reopen_window_days", i.reopen_window_days},
            {"greeting", i.greeting},
            {"allowed_origins",
             [&] {
                 bj::array a;
                 for (const auto& o : i.allowed_origins) a.emplace_back(o);
                 return a;
             }()},
            {"created_at", i.created_at}};
}

bj::object TeamToJson(const Team& t) {
    bj::array members;
    for (const auto& m : t.members) members.push_back(bj::object{{"user_id", IdToString(m.user_id)}, {"capacity", m.capacity}});
    return {{"id", IdToString(t.id)},
            {"name", t.name},
            {"created_at", t.created_at},
            {"members", std::move(members)},
            {"calendar_id", OptId(t.calendar_id)}};
}

bj::object TopicToJson(const Topic& t) {
    return {{"id", IdToString(t.id)},
            {"team_id", IdToString(t.team_id)},
            {"title", t.title},
            {"archived", t.archived_at.has_value()},
            {"archived_at", OptInt(t.archived_at)}};
}

bj::object AgentToJson(const Agent& a) {
    bj::array teams;
    for (Id t : a.team_ids) teams.push_back(bj::value(IdToString(t)));
    return {{"user_id", IdToString(a.user_id)},       {"scope", a.scope},
            {"availability", a.availability},         {"open_count", a.open_count},
            {"last_assigned_at", OptInt(a.last_assigned_at)}, {"team_ids", std::move(teams)}};
}

bj::object ContactToJson(const Contact& c) {
    return {{"id", IdToString(c.id)},
            {"inbox_id", IdToString(c.inbox_id)},
            {"name", c.name},
            {"email", c.email},
            {"external_id", c.external_id ? bj::value(*c.external_id) : bj::value(nullptr)},
            {"verified", c.verified},
            {"created_at", c.created_at},
            {"merged_into", OptId(c.merged_into)}};
}

bj::object ConversationToJson(const Conversation& c) {
    return {{"id", IdToString(c.id)},
            {"number", NumberText(c.number)},
            {"chat_id", IdToString(c.chat_id)},
            {"inbox_id", IdToString(c.inbox_id)},
            {"team_id", OptId(c.team_id)},
            {"topic_id", OptId(c.topic_id)},
            {"contact_id", IdToString(c.contact_id)},
            {"assignee_id", OptId(c.assignee_id)},
            {"last_assignee_id", OptId(c.last_assignee_id)},
            {"status", c.status},
            {"snoozed_until", OptInt(c.snoozed_until)},
            {"snooze_until_reply", c.snooze_until_reply},
            {"waiting_since", OptInt(c.waiting_since)},
            {"first_reply_at", OptInt(c.first_reply_at)},
            {"resolved_at", OptInt(c.resolved_at)},
            {"reopen_count", c.reopen_count},
            {"previous_id", OptId(c.previous_id)},
            {"created_at", c.created_at},
            {"updated_at", c.updated_at}};
}

bj::object ConversationViewToJson(const ConversationView& v) {
    auto out = ConversationToJson(v.conversation);
    out["contact"] = ContactToJson(v.contact);
    bj::array labels;
    for (const auto& l : v.labels) labels.push_back(LabelToJson(l));
    out["labels"] = std::move(labels);
    out["deleted_at"] = OptInt(v.deleted_at);
    out["deleted_by"] = OptId(v.deleted_by);
    return out;
}

bj::object DeskMessageToJson(const DeskMessage& m, Id viewer) {
    auto out = chat::MessageToJson(m.message, viewer, m.show_deleted);
    out["direction"] = m.direction;
    if (m.show_deleted) {
        out["deleted_by"] = OptId(m.deleted_by);
        out["deleted_at"] = OptInt(m.deleted_at);
    }
    return out;
}

bj::object LabelToJson(const Label& l) {
    return {{"id", IdToString(l.id)}, {"title", l.title}, {"color", l.color}, {"created_at", l.created_at}};
}

bj::object CannedReplyToJson(const CannedReply& r) {
    return {{"id", IdToString(r.id)},         {"scope", r.scope},
            {"owner_id", OptId(r.owner_id)},  {"team_id", OptId(r.team_id)},
            {"short_code", r.short_code},     {"content", r.content},
            {"created_at", r.created_at},     {"updated_at", r.updated_at}};
}

bj::object IdentityToJson(const ContactIdentity& i) {
    return {{"kind", i.kind},
            {"value", i.value},
            {"inbox_id", IdToString(i.inbox_id)},
            {"from_contact_id", IdToString(i.from_contact_id)},
            {"added_at", i.added_at}};
}

bj::object VisitorConversationToJson(const Conversation& c) {
    return {{"id", IdToString(c.id)},
            {"number", NumberText(c.number)},
            {"status", c.status},
            {"previous_id", OptId(c.previous_id)},
            {"created_at", c.created_at}};
}

bj::object VisitorMessageToJson(const DeskMessage& m) {
    bj::array files;
    for (const auto& f : m.message.files)
        files.push_back(bj::object{{"id", IdToString(f.id)},
                                   {"name", f.name},
                                   {"size", f.size},
                                   {"content_type", f.content_type}});
    return {{"id", IdToString(m.message.id)},
            {"from", m.direction == "incoming" ? "visitor" : "agent"},
            {"text", m.message.text},
            {"files", std::move(files)},
            {"created_at", m.message.created_at},
            {"edited_at", OptInt(m.message.edited_at)}};
}

}  // namespace veche::support
