#include "chat_events.hpp"

#include "message_store.hpp"
#include "veche/core/json.hpp"
#include "veche/timeline/timeline.hpp"

namespace veche::chat {

void EmitToChat(Tx& tx, Id chat_id, std::string kind, const boost::json::object& data,
                MembershipChange membership, Id target) {
    Event e;
    e.topic = ChatTopic(chat_id);
    e.target_user_id = target;
    e.kind = std::move(kind);
    e.data_json = json::Serialize(data);
    e.membership = membership;
    tx.Emit(std::move(e));
}

void EmitMessage(Tx& tx, std::string kind, const Message& m) {
    Event e;
    e.topic = ChatTopic(m.chat_id);
    e.kind = std::move(kind);
    e.data_json = json::Serialize(MessageToJson(m, 0));
    e.subject_id = m.id;
    tx.Emit(std::move(e));
}

void RedactMessage(Tx& tx, Id message_id) {
    if (auto m = LoadMessage(tx, message_id)) tx.RedactEvents(m->id, json::Serialize(MessageToJson(*m, 0)));
    std::vector<Id> quoting;
    {
        auto& st = tx.Query("SELECT id FROM messages WHERE quote_id = ?", message_id);
        while (st.Step()) quoting.push_back(st.Int(0));
    }
    for (Id q : quoting) {
        if (auto m = LoadMessage(tx, q)) tx.RedactEvents(m->id, json::Serialize(MessageToJson(*m, 0)));
    }
}

void EmitMember(Tx& tx, Id chat_id, Id user_id, const std::string& role, std::string kind,
                MembershipChange membership) {
    boost::json::object data{{"chat_id", IdToString(chat_id)}, {"user_id", IdToString(user_id)}};
    if (!role.empty()) data["role"] = role;
    EmitToChat(tx, chat_id, std::move(kind), data, membership, user_id);
}

Status RecordHistory(Tx& tx, Id chat_id, std::optional<Id> actor_id, std::string type,
                     boost::json::object data) {
    timeline::Entry entry;
    entry.item = ChatTopic(chat_id);
    entry.type = std::move(type);
    entry.actor_id = actor_id;
    entry.data_json = json::Serialize(data);
    auto recorded = timeline::Record(tx, std::move(entry));
    if (!recorded.ok()) return std::move(recorded).error();
    return {};
}

}  // namespace veche::chat
