#include <algorithm>
#include <boost/json/array.hpp>

#include "veche/chat/chat_service.hpp"
#include "veche/chat/interactions.hpp"
#include "veche/chat/mentions.hpp"
#include "veche/core/clock.hpp"

namespace veche::chat {

namespace bj = boost::json;

bj::object MessageToJson(const Message& m, Id viewer, bool show_deleted_text) {
    bj::object o{{"id", IdToString(m.id)},
                 {"chat_id", IdToString(m.chat_id)},
                 {"author_id", IdToString(m.author_id)},
                 {"created_at", m.created_at},
                 {"deleted", m.deleted}};
    if (m.deleted && !show_deleted_text) {
        o["text"] = "";
        o["reactions"] = bj::array();
        return o;
    }
    o["text"] = m.text;
    bj::array mentions;
    for (const auto& name : ParseMentions(m.text)) mentions.push_back(bj::value(name));
    o["mentions"] = std::move(mentions);
    o["client_id"] = m.client_id ? bj::value(*m.client_id) : bj::value(nullptr);
    o["edited_at"] = m.edited_at ? bj::value(*m.edited_at) : bj::value(nullptr);
    bj::array reactions;
    for (const auto& r : m.reactions) {
        bj::array users;
        for (Id u : r.user_ids) users.push_back(bj::value(IdToString(u)));
        bj::object ro{{"emoji", r.emoji},
                      {"count", static_cast<std::int64_t>(r.user_ids.size())},
                      {"user_ids", std::move(users)}};
        if (viewer != 0)
            ro["me"] = std::find(r.user_ids.begin(), r.user_ids.end(), viewer) != r.user_ids.end();
        reactions.push_back(std::move(ro));
    }
    o["reactions"] = std::move(reactions);
    o["kind"] = m.kind;
    o["thread_root_id"] = m.thread_root_id ? bj::value(IdToString(m.thread_root_id)) : bj::value(nullptr);
    o["reply_count"] = m.reply_count;
    o["last_reply_at"] = m.last_reply_at ? bj::value(*m.last_reply_at) : bj::value(nullptr);
    bj::array participants;
    for (Id u : m.thread_participants) participants.push_back(bj::value(IdToString(u)));
    o["thread_participants"] = std::move(participants);
    o["forwarded_from"] = m.forwarded_author_id
                              ? bj::value(bj::object{{"author_id", IdToString(m.forwarded_author_id)},
                                                     {"created_at", m.forwarded_at.value_or(0)}})
                              : bj::value(nullptr);
    if (m.quote) {
        o["quote"] = bj::object{{"id", IdToString(m.quote->id)},
                                {"author_id", IdToString(m.quote->author_id)},
                                {"text", m.quote->text},
                                {"deleted", m.quote->deleted}};
    } else {
        o["quote"] = nullptr;
    }
    o["pinned"] = m.pinned_at.has_value();
    bj::array files;
    for (const auto& f : m.files) files.push_back(FileToJson(f));
    o["files"] = std::move(files);
    if (m.poll) {
        const Poll& p = *m.poll;
        bj::array options;
        for (const auto& opt : p.options) {
            bj::object oo{{"text", opt.text}, {"votes", opt.votes}};
            if (!p.anonymous) {
                bj::array voters;
                for (Id u : opt.voter_ids) voters.push_back(bj::value(IdToString(u)));
                oo["voter_ids"] = std::move(voters);
            }
            options.push_back(std::move(oo));
        }
        bj::object po{{"question", p.question},
                      {"multiple", p.multiple},
                      {"anonymous", p.anonymous},
                      {"deadline", p.deadline ? bj::value(*p.deadline) : bj::value(nullptr)},
                      {"closed", p.closed(NowMs())},
                      {"closed_at", p.closed_at ? bj::value(*p.closed_at) : bj::value(nullptr)},
                      {"voters", p.voters},
                      {"options", std::move(options)}};
        if (viewer != 0) {
            bj::array mine;
            for (int i : p.my_votes) mine.push_back(i);
            po["my_votes"] = std::move(mine);
        }
        o["poll"] = std::move(po);
    } else {
        o["poll"] = nullptr;
    }
    if (!m.buttons.empty()) o["buttons"] = ButtonsToJson(m.buttons);
    return o;
}

bj::object InteractionResultToJson(const InteractionResult& r, Id viewer) {
    return {{"interaction_id", IdToString(r.interaction_id)},
            {"alert", r.alert ? bj::value(*r.alert) : bj::value(nullptr)},
            {"repeated", r.repeated},
            {"message", MessageToJson(r.message, viewer)}};
}

bj::object FileToJson(const FileInfo& f) {
    std::string url = "/api/v1/files/" + IdToString(f.id);
    return {{"id", IdToString(f.id)},
            {"chat_id", IdToString(f.chat_id)},
            {"message_id", f.message_id ? bj::value(IdToString(f.message_id)) : bj::value(nullptr)},
            {"uploader_id", IdToString(f.uploader_id)},
            {"name", f.name},
            {"size", f.size},
            {"content_type", f.content_type},
            {"width", f.width},
            {"height", f.height},
            {"url", url},
            {"thumbnail_url", f.has_thumbnail ? bj::value(url + "/thumbnail") : bj::value(nullptr)},
            {"created_at", f.created_at}};
}

bj::object NotificationToJson(const Notification& n) {
    return {{"id", IdToString(n.id)},
            {"kind", n.kind},
            {"chat_id", IdToString(n.chat_id)},
            {"message_id", IdToString(n.message_id)},
            {"actor_id", IdToString(n.actor_id)},
            {"created_at", n.created_at},
            {"read", n.read}};
}

bj::object ChatToJson(const Chat& c) {
    return {{"id", IdToString(c.id)},
            {"type", c.type},
            {"visibility", c.visibility},
            {"name", c.name},
            {"topic", c.topic},
            {"archived", c.archived},
            {"immutable_after_minutes",
             c.immutable_after_minutes ? bj::value(*c.immutable_after_minutes) : bj::value(nullptr)},
            {"created_by", IdToString(c.created_by)},
            {"created_at", c.created_at},
            {"last_activity_at", c.last_activity_at},
            {"member_count", c.member_count},
            {"kind", c.kind},
            {"edit_window_minutes",
             c.edit_window_minutes ? bj::value(*c.edit_window_minutes) : bj::value(nullptr)}};
}

bj::object ChatViewToJson(const ChatView& v, Id viewer) {
    bj::object o = ChatToJson(v.chat);
    o["my_role"] = v.my_role ? bj::value(*v.my_role) : bj::value(nullptr);
    o["last_message"] =
        v.last_message ? bj::value(MessageToJson(*v.last_message, viewer)) : bj::value(nullptr);
    o["unread_count"] = v.unread_count;
    o["mention_count"] = v.mention_count;
    o["notify"] = v.notify;
    o["last_read_message_id"] = IdToString(v.last_read_message_id);
    if (v.chat.type == "direct") o["direct_user_id"] = IdToString(v.direct_user_id);
    return o;
}

}  // namespace veche::chat
