#include <boost/json/array.hpp>

#include <algorithm>

#include "veche/chat/chat_service.hpp"

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
    o["client_id"] = m.client_id ? bj::value(*m.client_id) : bj::value(nullptr);
    o["edited_at"] = m.edited_at ? bj::value(*m.edited_at) : bj::value(nullptr);
    bj::array reactions;
    for (const auto& r : m.reactions) {
        bj::array users;
        for (Id u : r.user_ids) users.push_back(bj::value(IdToString(u)));
        bj::object ro{{"emoji", r.emoji}, {"count", static_cast<std::int64_t>(r.user_ids.size())},
                      {"user_ids", std::move(users)}};
        if (viewer != 0)
            ro["me"] = std::find(r.user_ids.begin(), r.user_ids.end(), viewer) != r.user_ids.end();
        reactions.push_back(std::move(ro));
    }
    o["reactions"] = std::move(reactions);
    return o;
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
            {"member_count", c.member_count}};
}

bj::object ChatViewToJson(const ChatView& v, Id viewer) {
    bj::object o = ChatToJson(v.chat);
    o["my_role"] = v.my_role ? bj::value(*v.my_role) : bj::value(nullptr);
    o["last_message"] = v.last_message ? bj::value(MessageToJson(*v.last_message, viewer)) : bj::value(nullptr);
    o["unread_count"] = v.unread_count;
    o["last_read_message_id"] = IdToString(v.last_read_message_id);
    if (v.chat.type == "direct") o["direct_user_id"] = IdToString(v.direct_user_id);
    return o;
}

}  // namespace veche::chat
