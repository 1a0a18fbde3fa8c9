#include <set>

#include "access.hpp"
#include "chat_events.hpp"
#include "chat_internal.hpp"
#include "chat_store.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"

namespace veche::chat {

namespace {

bool ValidRole(const std::string& role) {
    return role == "owner" || role == "admin" || role == "member" || role == "guest";
}

}  // namespace

void AddMemberRow(Tx& tx, Id chat_id, Id user_id, const std::string& role) {
    tx.Exec(
        "INSERT INTO members(chat_id, user_id, role, joined_at, last_read_message_id) "
        "VALUES (?, ?, ?, ?, COALESCE((SELECT last_message_id FROM chats WHERE id = ?), 0))",
        chat_id, user_id, role, NowMs(), chat_id);
    EmitMember(tx, chat_id, user_id, role, "member.added", MembershipChange::kAdd);
}

Result<std::vector<Member>> ChatService::ListMembers(const Actor& actor, Id chat_id) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Member>> {
        VECHE_RETURN_IF_ERROR(SeeAsMember(tx, actor, chat_id));
        std::vector<Member> out;
        auto& st = tx.Query(
            "SELECT user_id, role, joined_at FROM members WHERE chat_id = ? ORDER BY joined_at, user_id",
            chat_id);
        while (st.Step()) out.push_back({st.Int(0), st.Text(1), st.Int(2)});
        return out;
    });
}

Result<std::vector<Member>> ChatService::AddMembers(const Actor& actor, Id chat_id,
                                                    const std::vector<Id>& user_ids,
                                                    const std::string& role) {
    if (role != "member" && role != "guest" && role != "admin")
        return Error::InvalidArgument("field 'role' must be member, guest or admin");
    if (user_ids.empty()) return Error::InvalidArgument("field 'user_ids' must not be empty");
    // A guest knows only its chats' members: inviting by id would tell it which other ids exist.
    if (actor.is_guest) return GuestForbidden("guest accounts cannot invite");
    VECHE_ASSIGN_OR_RETURN(auto users, accounts_.GetUsers(user_ids));
    std::set<Id> found;
    for (const auto& u : users) {
        if (!u.deactivated) found.insert(u.id);
    }
    auto r = db_.Write([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (a.chat.type == "direct") return Error::Forbidden("direct chats have exactly two members");
        VECHE_RETURN_IF_ERROR(CheckManaged(a.chat));
        if (a.chat.archived) return ArchivedError();
        bool allowed = a.chat.type == "group" ? a.can_write() : a.is_manager();
        if (!allowed) return Error::Forbidden("you may not invite to this chat");
        if (role == "admin" && !a.is_manager())
            return Error::Forbidden("only owners and admins appoint admins");
        for (Id u : user_ids) {
            if (!found.count(u)) return Error::NotFound("user");
        }
        for (Id u : user_ids) {
            if (RoleOf(tx, chat_id, u)) continue;
            AddMemberRow(tx, chat_id, u, role);
            VECHE_RETURN_IF_ERROR(RecordHistory(tx, chat_id, actor.user_id, "member_added",
                                                {{"user_id", IdToString(u)}, {"role", role}}));
        }
        return {};
    });
    if (!r.ok()) return std::move(r).error();
    return ListMembers(actor, chat_id);
}

Result<Member> ChatService::SetMemberRole(const Actor& actor, Id chat_id, Id user_id,
                                          const std::string& role) {
    if (!ValidRole(role)) return Error::InvalidArgument("field 'role' must be owner, admin, member or guest");
    return db_.Write([&](Tx& tx) -> Result<Member> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (a.chat.type == "direct") return Error::Forbidden("direct chats have no roles");
        VECHE_RETURN_IF_ERROR(CheckManaged(a.chat));
        if (a.role != "owner") return Error::Forbidden("only owners change roles");
        auto current = RoleOf(tx, chat_id, user_id);
        if (!current) return Error::NotFound("member");
        if (*current == "owner" && role != "owner" &&
            tx.QueryInt("SELECT COUNT(*) FROM members WHERE chat_id = ? AND role = 'owner'", chat_id)
                    .value_or(0) <= 1)
            return Error::Conflict("last_owner", "a chat must keep at least one owner");
        tx.Exec("UPDATE members SET role = ? WHERE chat_id = ? AND user_id = ?", role, chat_id, user_id);
        EmitMember(tx, chat_id, user_id, role, "member.updated", MembershipChange::kNone);
        if (*current != role) {
            VECHE_RETURN_IF_ERROR(
                RecordHistory(tx, chat_id, actor.user_id, "member_role_changed",
                              {{"user_id", IdToString(user_id)}, {"from", *current}, {"to", role}}));
        }
        auto joined =
            tx.QueryInt("SELECT joined_at FROM members WHERE chat_id = ? AND user_id = ?", chat_id, user_id);
        return Member{user_id, role, joined.value_or(0)};
    });
}

Status ChatService::RemoveMember(const Actor& actor, Id chat_id, Id user_id) {
    if (user_id == actor.user_id) return Leave(actor, chat_id);
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (a.chat.type == "direct") return Error::Forbidden("direct chats have exactly two members");
        VECHE_RETURN_IF_ERROR(CheckManaged(a.chat));
        if (!a.is_manager()) return Error::Forbidden("only owners and admins remove members");
        auto target = RoleOf(tx, chat_id, user_id);
        if (!target) return Error::NotFound("member");
        if (*target == "owner" && a.role != "owner") return Error::Forbidden("admins cannot remove owners");
        tx.Exec("DELETE FROM members WHERE chat_id = ? AND user_id = ?", chat_id, user_id);
        EmitMember(tx, chat_id, user_id, "", "member.removed", MembershipChange::kRemove);
        VECHE_RETURN_IF_ERROR(
            RecordHistory(tx, chat_id, actor.user_id, "member_removed", {{"user_id", IdToString(user_id)}}));
        return {};
    });
}

Result<ReadState> ChatService::MarkRead(const Actor& actor, Id chat_id, Id message_id) {
    return db_.Write([&](Tx& tx) -> Result<ReadState> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (!tx.QueryInt("SELECT 1 FROM messages WHERE id = ? AND chat_id = ?", message_id, chat_id))
            return Error::NotFound("message");
        // The marker only moves forward: a late request from another device must not resurrect unreads.
        if (tx.Exec("UPDATE members SET last_read_message_id = ? WHERE chat_id = ? AND user_id = ? AND "
                    "last_read_message_id < ?",
                    message_id, chat_id, actor.user_id, message_id) > 0) {
            // Small chats show "seen by", so everyone there learns of the new marker; in large chats
            // only the reader's own devices do.
            Event e;
            e.target_user_id = actor.user_id;
            if (a.chat.member_count <= kMaxSeenByMembers) e.topic = ChatTopic(chat_id);
            e.kind = "chat.read";
            e.data_json =
                json::Serialize(boost::json::object{{"chat_id", IdToString(chat_id)},
                                                    {"user_id", IdToString(actor.user_id)},
                                                    {"last_read_message_id", IdToString(message_id)}});
            tx.Emit(std::move(e));
        }
        ReadState rs;
        rs.last_read_message_id =
            tx.QueryInt("SELECT last_read_message_id FROM members WHERE chat_id = ? AND user_id = ?", chat_id,
                        actor.user_id)
                .value_or(0);
        rs.unread_count =
            tx.QueryInt(
                  "SELECT COUNT(*) FROM messages WHERE chat_id = ? AND id > ? AND deleted_at IS NULL "
                  "AND author_id <> ? AND thread_root_id IS NULL",
                  chat_id, rs.last_read_message_id, actor.user_id)
                .value_or(0);
        return rs;
    });
}

Result<std::vector<Id>> ChatService::SeenBy(const Actor& actor, Id message_id) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Id>> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        auto& [m, a] = found;
        if (!a.is_member()) return Error::NotFound("message");
        if (a.chat.member_count > kMaxSeenByMembers)
            return Error::Conflict("chat_too_large", "read receipts are kept for chats of up to 50 members");
        std::vector<Id> out;
        auto& st = tx.Query(
            "SELECT user_id FROM members WHERE chat_id = ? AND user_id <> ? AND last_read_message_id >= ? "
            "ORDER BY user_id",
            m.chat_id, m.author_id, m.id);
        while (st.Step()) out.push_back(st.Int(0));
        return out;
    });
}

Result<ChatView> ChatService::SetNotify(const Actor& actor, Id chat_id, const std::string& level) {
    if (level != "all" && level != "mentions" && level != "none")
        return Error::InvalidArgument("field 'notify' must be all, mentions or none");
    return db_.Write([&](Tx& tx) -> Result<ChatView> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        tx.Exec("UPDATE members SET notify = ? WHERE chat_id = ? AND user_id = ?", level, chat_id,
                actor.user_id);
        return BuildView(tx, actor.user_id, std::move(a.chat), a.role);
    });
}

Result<std::vector<Id>> ChatService::ChatIdsOf(Id user_id) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Id>> {
        std::vector<Id> out;
        auto& st = tx.Query("SELECT chat_id FROM members WHERE user_id = ?", user_id);
        while (st.Step()) out.push_back(st.Int(0));
        return out;
    });
}

}  // namespace veche::chat
