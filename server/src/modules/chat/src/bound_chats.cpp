#include "veche/chat/bound_chats.hpp"

#include <algorithm>
#include <map>

#include "access.hpp"
#include "chat_events.hpp"
#include "chat_internal.hpp"
#include "chat_store.hpp"
#include "message_store.hpp"
#include "veche/chat/interactions.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/text.hpp"

namespace veche::chat {

Result<Chat> CreateBoundChat(Tx& tx, const BoundChatSpec& spec) {
    if (spec.kind.empty() || spec.kind == "chat") return Error::InvalidArgument("a bound chat needs a kind");
    Chat c;
    c.id = GlobalIds().Next();
    c.type = "group";
    c.visibility = "private";
    c.kind = spec.kind;
    c.name = std::string(text::Trim(spec.name));
    c.topic = spec.topic;
    c.immutable_after_minutes = spec.immutable_after_minutes;
    c.edit_window_minutes = spec.edit_window_minutes;
    c.created_by = spec.owner_id;
    c.created_at = c.last_activity_at = NowMs();
    tx.Exec(
        "INSERT INTO chats(id, type, visibility, name, topic, immutable_after_minutes, created_by, "
        "created_at, last_activity_at, kind, edit_window_minutes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        c.id, c.type, c.visibility, c.name, c.topic, c.immutable_after_minutes, c.created_by, c.created_at,
        c.last_activity_at, c.kind, c.edit_window_minutes);
    AddMemberRow(tx, c.id, spec.owner_id, "owner");
    boost::json::array invited;
    for (const auto& m : spec.members) {
        if (m.user_id == spec.owner_id || RoleOf(tx, c.id, m.user_id)) continue;
        AddMemberRow(tx, c.id, m.user_id, m.role);
        invited.push_back(boost::json::value(IdToString(m.user_id)));
    }
    c.member_count = tx.QueryInt("SELECT COUNT(*) FROM members WHERE chat_id = ?", c.id).value_or(0);
    EmitToChat(tx, c.id, "chat.created", ChatToJson(c));
    VECHE_RETURN_IF_ERROR(RecordHistory(tx, c.id, spec.owner_id, "created",
                                        {{"type", c.type}, {"kind", c.kind}, {"name", c.name},
                                         {"member_ids", std::move(invited)}}));
    return c;
}

std::optional<Chat> LoadBoundChat(Tx& tx, Id chat_id, std::string_view kind) {
    auto c = LoadChat(tx, chat_id);
    if (!c || c->kind != kind) return std::nullopt;
    return c;
}

std::vector<Member> BoundMembers(Tx& tx, Id chat_id) {
    std::vector<Member> out;
    auto& st = tx.Query(
        "SELECT user_id, role, joined_at FROM members WHERE chat_id = ? ORDER BY joined_at, user_id", chat_id);
    while (st.Step()) out.push_back({st.Int(0), st.Text(1), st.Int(2)});
    return out;
}

Status SetBoundMembers(Tx& tx, Id chat_id, Id actor_id, const std::vector<BoundMember>& members) {
    std::map<Id, std::string> want;
    for (const auto& m : members) want[m.user_id] = m.role;
    for (const auto& have : BoundMembers(tx, chat_id)) {
        if (have.role == "owner") {
            want.erase(have.user_id);
            continue;
        }
        auto it = want.find(have.user_id);
        if (it == want.end()) {
            tx.Exec("DELETE FROM members WHERE chat_id = ? AND user_id = ?", chat_id, have.user_id);
            EmitMember(tx, chat_id, have.user_id, "", "member.removed", MembershipChange::kRemove);
            VECHE_RETURN_IF_ERROR(RecordHistory(tx, chat_id, actor_id, "member_removed",
                                                {{"user_id", IdToString(have.user_id)}}));
            continue;
        }
        if (it->second != have.role) {
            tx.Exec("UPDATE members SET role = ? WHERE chat_id = ? AND user_id = ?", it->second, chat_id,
                    have.user_id);
            EmitMember(tx, chat_id, have.user_id, it->second, "member.updated", MembershipChange::kNone);
            VECHE_RETURN_IF_ERROR(RecordHistory(
                tx, chat_id, actor_id, "member_role_changed",
                {{"user_id", IdToString(have.user_id)}, {"from", have.role}, {"to", it->second}}));
        }
        want.erase(it);
    }
    for (const auto& [user_id, role] : want) {
        AddMemberRow(tx, chat_id, user_id, role);
        VECHE_RETURN_IF_ERROR(
            RecordHistory(tx, chat_id, actor_id, "member_added", {{"user_id", IdToString(user_id)}}));
    }
    return {};
}

Status ArchiveBoundChat(Tx& tx, Id chat_id, Id actor_id) {
    auto c = LoadChat(tx, chat_id);
    if (!c) return Error::NotFound("chat");
    if (c->archived) return {};
    c->archived = true;
    tx.Exec("UPDATE chats SET archived = ? WHERE id = ?", true, chat_id);
    EmitToChat(tx, chat_id, "chat.updated", ChatToJson(*c));
    return RecordHistory(tx, chat_id, actor_id, "archived");
}

Result<Message> PostSystemMessage(Tx& tx, Id chat_id, Id author_id, std::string text, const ButtonRows& buttons) {
    VECHE_RETURN_IF_ERROR(ChatService::ValidateText(text));
    if (!buttons.empty()) VECHE_RETURN_IF_ERROR(ValidateButtons(buttons));
    Message m;
    m.id = GlobalIds().Next();
    m.chat_id = chat_id;
    m.author_id = author_id;
    m.text = std::move(text);
    m.created_at = NowMs();
    tx.Exec("INSERT INTO messages(id, chat_id, author_id, text, created_at, buttons) VALUES (?, ?, ?, ?, ?, ?)", m.id,
            m.chat_id, m.author_id, m.text, m.created_at,
            buttons.empty() ? std::nullopt : SerializeButtons(buttons));
    IndexMessage(tx, m.id, m.text);
    tx.Exec("UPDATE chats SET last_activity_at = ?, last_message_id = ? WHERE id = ?", m.created_at, m.id,
            chat_id);
    tx.Exec("UPDATE members SET last_read_message_id = ? WHERE chat_id = ? AND user_id = ?", m.id, chat_id,
            author_id);
    auto fresh = LoadMessage(tx, m.id);
    EmitMessage(tx, "message.created", *fresh);
    return std::move(*fresh);
}

Status PinSystemMessage(Tx& tx, Id message_id, Id by, bool pin) {
    auto m = LoadMessage(tx, message_id);
    if (!m || m->deleted) return Error::NotFound("message");
    if (pin == m->pinned_at.has_value()) return {};
    if (pin)
        tx.Exec("UPDATE messages SET pinned_at = ?, pinned_by = ? WHERE id = ?", NowMs(), by, message_id);
    else
        tx.Exec("UPDATE messages SET pinned_at = NULL, pinned_by = NULL WHERE id = ?", message_id);
    EmitMessage(tx, "message.updated", *LoadMessage(tx, message_id));
    return {};
}

}  // namespace veche::chat
