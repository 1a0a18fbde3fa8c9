#include "chat_store.hpp"

namespace veche::chat {

Chat ReadChat(const storage::Statement& st) {
    Chat c;
    c.id = st.Int(0);
    c.type = st.Text(1);
    c.visibility = st.Text(2);
    c.name = st.Text(3);
    c.topic = st.Text(4);
    c.archived = st.Int(5) != 0;
    c.immutable_after_minutes = st.OptInt(6);
    c.created_by = st.Int(7);
    c.created_at = st.Int(8);
    c.last_activity_at = st.Int(9);
    c.member_count = st.Int(10);
    c.kind = st.Text(11);
    c.edit_window_minutes = st.OptInt(12);
    return c;
}

std::optional<Chat> LoadChat(Tx& tx, Id chat_id) {
    static const std::string sql = S(kChatSelect, "WHERE id = ?");
    auto& st = tx.Query(sql, chat_id);
    if (!st.Step()) return std::nullopt;
    Chat c = ReadChat(st);
    while (st.Step()) {
    }
    return c;
}

std::optional<std::string> RoleOf(Tx& tx, Id chat_id, Id user_id) {
    auto& st = tx.Query("SELECT role FROM members WHERE chat_id = ? AND user_id = ?", chat_id, user_id);
    if (!st.Step()) return std::nullopt;
    std::string role = st.Text(0);
    while (st.Step()) {
    }
    return role;
}

}  // namespace veche::chat
