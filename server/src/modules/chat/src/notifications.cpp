#include <set>

#include "chat_internal.hpp"
#include "chat_store.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"

namespace veche::chat {

void Notify(Tx& tx, Id user_id, const std::string& kind, Id chat_id, Id message_id, Id actor_id) {
    Notification n{GlobalIds().Next(), kind, chat_id, message_id, actor_id, NowMs(), false};
    tx.Exec(
        "INSERT INTO notifications(id, user_id, kind, chat_id, message_id, actor_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        n.id, user_id, n.kind, n.chat_id, n.message_id, n.actor_id, n.created_at);
    Event e;
    e.target_user_id = user_id;
    e.kind = "notification.created";
    e.data_json = json::Serialize(NotificationToJson(n));
    tx.Emit(std::move(e));
}

void RecordMentions(Tx& tx, const MentionTargets& targets, const Message& m,
                    const std::function<bool(Id)>& is_connected) {
    std::set<Id> users;
    if (targets.everyone || targets.here) {
        auto& st = tx.Query("SELECT user_id FROM members WHERE chat_id = ?", m.chat_id);
        while (st.Step()) {
            Id u = st.Int(0);
            if (targets.everyone || is_connected(u)) users.insert(u);
        }
    }
    for (Id u : targets.named) {
        if (RoleOf(tx, m.chat_id, u)) users.insert(u);
    }
    users.erase(m.author_id);
    for (Id u : users) {
        tx.Exec("INSERT INTO mentions(user_id, chat_id, message_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                u, m.chat_id, m.id);
        auto notify = tx.QueryInt(
            "SELECT CASE notify WHEN 'none' THEN 0 ELSE 1 END FROM members WHERE chat_id = ? AND user_id = ?",
            m.chat_id, u);
        if (notify.value_or(0) == 1) Notify(tx, u, "mention", m.chat_id, m.id, m.author_id);
    }
}

Result<std::vector<Notification>> ChatService::Notifications(const Actor& actor, std::optional<Id> before,
                                                             int limit, bool unread_only) {
    if (limit < 1 || limit > kMaxPageSize) return Error::InvalidArgument("'limit' must be between 1 and 200");
    return db_.Read([&](Tx& tx) -> Result<std::vector<Notification>> {
        std::vector<Notification> out;
        // Only notifications of chats the user is still in (leaving a chat takes its notifications away),
        // and of messages that are not deleted.
        auto& st = tx.Query(
            "SELECT n.id, n.kind, n.chat_id, n.message_id, n.actor_id, n.created_at, n.read_at FROM "
            "notifications n JOIN members mb ON mb.chat_id = n.chat_id AND mb.user_id = n.user_id "
            "JOIN messages msg ON msg.id = n.message_id AND msg.deleted_at IS NULL "
            "WHERE n.user_id = ? AND n.id < ? AND (? = 0 OR n.read_at IS NULL) ORDER BY n.id DESC LIMIT ?",
            actor.user_id, before.value_or(INT64_MAX), unread_only, static_cast<std::int64_t>(limit));
        while (st.Step())
            out.push_back({st.Int(0), st.Text(1), st.Int(2), st.Int(3), st.Int(4), st.Int(5), !st.IsNull(6)});
        return out;
    });
}

Status ChatService::MarkNotificationsRead(const Actor& actor, const std::vector<Id>& ids) {
    return db_.Write([&](Tx& tx) -> Status {
        std::int64_t now = NowMs();
        if (ids.empty()) {
            tx.Exec("UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", now,
                    actor.user_id);
        } else {
            for (Id id : ids)
                tx.Exec(
                    "UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL",
                    now, id, actor.user_id);
        }
        return {};
    });
}

}  // namespace veche::chat
