#include <algorithm>

#include "access.hpp"
#include "chat_events.hpp"
#include "chat_internal.hpp"
#include "chat_store.hpp"
#include "message_store.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/text.hpp"

namespace veche::chat {

ChatView BuildView(Tx& tx, Id viewer, Chat chat, std::optional<std::string> role) {
    ChatView v;
    v.my_role = std::move(role);
    static const std::string last_sql =
        S(kMessageSelect,
          "WHERE chat_id = ? AND deleted_at IS NULL AND thread_root_id IS NULL ORDER BY id DESC LIMIT 1");
    {
        auto& st = tx.Query(last_sql, chat.id);
        if (st.Step()) v.last_message = ReadMessage(st);
        while (st.Step()) {
        }
    }
    if (v.last_message) {
        std::vector<Message> one{std::move(*v.last_message)};
        LoadExtras(tx, one, viewer);
        v.last_message = std::move(one.front());
    }
    if (v.my_role) {
        auto& st =
            tx.Query("SELECT last_read_message_id, notify FROM members WHERE chat_id = ? AND user_id = ?",
                     chat.id, viewer);
        if (st.Step()) {
            v.last_read_message_id = st.Int(0);
            v.notify = st.Text(1);
        }
        while (st.Step()) {
        }
        v.unread_count = tx.QueryInt(
                               "SELECT COUNT(*) FROM messages WHERE chat_id = ? AND id > ? AND "
                               "deleted_at IS NULL AND author_id <> ? AND thread_root_id IS NULL",
                               chat.id, v.last_read_message_id, viewer)
                             .value_or(0);
        v.mention_count =
            tx.QueryInt(
                  "SELECT COUNT(*) FROM mentions n JOIN messages m ON m.id = n.message_id WHERE "
                  "n.user_id = ? AND n.chat_id = ? AND n.message_id > ? AND m.deleted_at IS NULL",
                  viewer, chat.id, v.last_read_message_id)
                .value_or(0);
    }
    if (chat.type == "direct") {
        v.direct_user_id =
            tx.QueryInt("SELECT user_id FROM members WHERE chat_id = ? AND user_id <> ? LIMIT 1", chat.id,
                        viewer)
                .value_or(viewer);
    }
    v.chat = std::move(chat);
    return v;
}

Result<ChatView> ViewOf(Tx& tx, const Actor& actor, Id chat_id) {
    VECHE_ASSIGN_OR_RETURN(Access a, See(tx, actor, chat_id));
    return BuildView(tx, actor.user_id, std::move(a.chat), std::move(a.role));
}

ChatService::ChatService(storage::Database& db, accounts::AccountService& accounts)
    : db_(db), accounts_(accounts) {}

Result<std::pair<ChatView, bool>> ChatService::CreateChat(const Actor& actor, const NewChat& spec) {
    // Guests are brought into chats; a direct chat of their own would reach anyone by id.
    if (actor.is_guest) return GuestForbidden("guest accounts cannot create chats");
    if (spec.type != "direct" && spec.type != "group" && spec.type != "channel")
        return Error::InvalidArgument("field 'type' must be direct, group or channel");
    std::vector<Id> invitees;
    if (spec.type == "direct") {
        invitees = {spec.direct_user_id};
    } else {
        for (Id id : spec.member_ids) {
            if (id != actor.user_id && std::find(invitees.begin(), invitees.end(), id) == invitees.end())
                invitees.push_back(id);
        }
    }
    // Invitees must be real, active users (accounts are never deleted, so checking before the write is safe).
    VECHE_ASSIGN_OR_RETURN(auto users, accounts_.GetUsers(invitees));
    if (users.size() != invitees.size()) return Error::NotFound("user");
    for (const auto& u : users) {
        if (u.deactivated) return Error::NotFound("user");
    }
    if (spec.type == "channel" && text::Trim(spec.name).empty())
        return Error::InvalidArgument("field 'name' is required for channels");
    if (spec.type == "channel" && spec.visibility != "public" && spec.visibility != "private")
        return Error::InvalidArgument("field 'visibility' must be public or private");

    return db_.Write([&](Tx& tx) -> Result<std::pair<ChatView, bool>> {
        std::int64_t now = NowMs();
        std::optional<std::string> direct_key;
        if (spec.type == "direct") {
            Id a = std::min(actor.user_id, spec.direct_user_id),
               b = std::max(actor.user_id, spec.direct_user_id);
            direct_key = IdToString(a) + ":" + IdToString(b);
            if (auto existing = tx.QueryInt("SELECT id FROM chats WHERE direct_key = ?", *direct_key)) {
                VECHE_ASSIGN_OR_RETURN(auto view, ViewOf(tx, actor, *existing));
                return std::pair<ChatView, bool>{std::move(view), false};
            }
        }
        Chat c;
        c.id = GlobalIds().Next();
        c.type = spec.type;
        c.visibility = spec.type == "channel" ? spec.visibility : "private";
        c.name = spec.type == "direct" ? "" : std::string(text::Trim(spec.name));
        c.topic = spec.topic;
        c.immutable_after_minutes = spec.immutable_after_minutes;
        c.created_by = actor.user_id;
        c.created_at = c.last_activity_at = now;
        tx.Exec(
            "INSERT INTO chats(id, type, visibility, name, topic, immutable_after_minutes, created_by, "
            "created_at, last_activity_at, direct_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            c.id, c.type, c.visibility, c.name, c.topic, c.immutable_after_minutes, c.created_by,
            c.created_at, c.last_activity_at, direct_key);
        AddMemberRow(tx, c.id, actor.user_id, spec.type == "direct" ? "member" : "owner");
        for (Id u : invitees) {
            if (u != actor.user_id) AddMemberRow(tx, c.id, u, "member");
        }
        c.member_count = 1 + static_cast<std::int64_t>(std::count_if(
                                 invitees.begin(), invitees.end(), [&](Id u) { return u != actor.user_id; }));
        EmitToChat(tx, c.id, "chat.created", ChatToJson(c));
        boost::json::array invited;
        for (Id u : invitees) {
            if (u != actor.user_id) invited.push_back(boost::json::value(IdToString(u)));
        }
        VECHE_RETURN_IF_ERROR(RecordHistory(tx, c.id, actor.user_id, "created",
                                            {{"type", c.type}, {"name", c.name}, {"member_ids", std::move(invited)}}));
        VECHE_ASSIGN_OR_RETURN(auto view, ViewOf(tx, actor, c.id));
        return std::pair<ChatView, bool>{std::move(view), true};
    });
}

Result<std::vector<ChatView>> ChatService::ListMyChats(const Actor& actor) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<ChatView>> {
        static const std::string sql = S(kChatSelect,
                                         ", members me WHERE me.chat_id = chats.id AND me.user_id = ? ORDER "
                                         "BY chats.last_activity_at DESC, chats.id DESC");
        std::vector<std::pair<Chat, std::string>> rows;
        {
            // The member role is read in a second query to keep the shared SELECT prefix.
            auto& st = tx.Query(sql, actor.user_id);
            while (st.Step()) rows.emplace_back(ReadChat(st), "");
        }
        std::vector<ChatView> out;
        out.reserve(rows.size());
        for (auto& [chat, unused] : rows) {
            auto role = RoleOf(tx, chat.id, actor.user_id);
            out.push_back(BuildView(tx, actor.user_id, std::move(chat), std::move(role)));
        }
        return out;
    });
}

Result<std::vector<ChatView>> ChatService::ListPublicChannels(const Actor& actor, std::string_view query,
                                                              int limit) {
    if (actor.is_guest) return GuestForbidden("guest accounts see only the chats they were added to");
    std::string pattern = "%";
    for (char c : query) {
        if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
        pattern.push_back(c);
    }
    pattern += "%";
    return db_.Read([&](Tx& tx) -> Result<std::vector<ChatView>> {
        static const std::string sql =
            S(kChatSelect,
              "WHERE type = 'channel' AND visibility = 'public' AND archived = 0 AND name LIKE ? ESCAPE '\\' "
              "ORDER BY last_activity_at DESC LIMIT ?");
        std::vector<Chat> rows;
        {
            auto& st = tx.Query(sql, pattern, limit);
            while (st.Step()) rows.push_back(ReadChat(st));
        }
        std::vector<ChatView> out;
        for (auto& chat : rows) {
            auto role = RoleOf(tx, chat.id, actor.user_id);
            out.push_back(BuildView(tx, actor.user_id, std::move(chat), std::move(role)));
        }
        return out;
    });
}

Result<ChatView> ChatService::GetChat(const Actor& actor, Id chat_id) {
    return db_.Read([&](Tx& tx) { return ViewOf(tx, actor, chat_id); });
}

Result<ChatView> ChatService::UpdateChat(const Actor& actor, Id chat_id, const ChatUpdate& up) {
    if (up.name && text::Trim(*up.name).empty())
        return Error::InvalidArgument("field 'name' must not be empty");
    return db_.Write([&](Tx& tx) -> Result<ChatView> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (a.chat.type == "direct") return Error::Forbidden("direct chats have no settings");
        VECHE_RETURN_IF_ERROR(CheckManaged(a.chat));
        if (!a.is_manager()) return Error::Forbidden("only owners and admins change the chat");
        if (a.chat.archived) return ArchivedError();
        Chat c = a.chat;
        boost::json::object changed;
        if (up.name) c.name = std::string(text::Trim(*up.name));
        if (up.topic) c.topic = *up.topic;
        if (c.name != a.chat.name) changed["name"] = {{"from", a.chat.name}, {"to", c.name}};
        if (c.topic != a.chat.topic) changed["topic"] = {{"from", a.chat.topic}, {"to", c.topic}};
        if (up.set_immutable) {
            // Loosening protection would let agreements be altered: only a system administrator may.
            bool loosens =
                c.immutable_after_minutes &&
                (!up.immutable_after_minutes || *up.immutable_after_minutes > *c.immutable_after_minutes);
            if (loosens && !actor.is_admin)
                return Error::Forbidden("immutable history can only be tightened");
            c.immutable_after_minutes = up.immutable_after_minutes;
            if (c.immutable_after_minutes != a.chat.immutable_after_minutes) {
                auto minutes = [](const std::optional<std::int64_t>& m) {
                    return m ? boost::json::value(*m) : boost::json::value(nullptr);
                };
                changed["immutable_after_minutes"] = {{"from", minutes(a.chat.immutable_after_minutes)},
                                                      {"to", minutes(c.immutable_after_minutes)}};
            }
        }
        tx.Exec("UPDATE chats SET name = ?, topic = ?, immutable_after_minutes = ? WHERE id = ?", c.name,
                c.topic, c.immutable_after_minutes, c.id);
        EmitToChat(tx, c.id, "chat.updated", ChatToJson(c));
        if (!changed.empty()) VECHE_RETURN_IF_ERROR(RecordHistory(tx, c.id, actor.user_id, "updated", std::move(changed)));
        return BuildView(tx, actor.user_id, std::move(c), a.role);
    });
}

Result<ChatView> ChatService::SetArchived(const Actor& actor, Id chat_id, bool archived) {
    return db_.Write([&](Tx& tx) -> Result<ChatView> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (a.chat.type == "direct") return Error::Forbidden("direct chats cannot be archived");
        VECHE_RETURN_IF_ERROR(CheckManaged(a.chat));
        if (!a.is_manager()) return Error::Forbidden("only owners and admins archive the chat");
        Chat c = a.chat;
        if (c.archived != archived) {
            c.archived = archived;
            tx.Exec("UPDATE chats SET archived = ? WHERE id = ?", archived, c.id);
            EmitToChat(tx, c.id, "chat.updated", ChatToJson(c));
            VECHE_RETURN_IF_ERROR(RecordHistory(tx, c.id, actor.user_id, archived ? "archived" : "unarchived"));
        }
        return BuildView(tx, actor.user_id, std::move(c), a.role);
    });
}

Result<ChatView> ChatService::Join(const Actor& actor, Id chat_id) {
    return db_.Write([&](Tx& tx) -> Result<ChatView> {
        VECHE_ASSIGN_OR_RETURN(Access a, See(tx, actor, chat_id));
        if (!a.is_member()) {
            if (a.chat.archived) return ArchivedError();
            AddMemberRow(tx, chat_id, actor.user_id, "member");
            VECHE_RETURN_IF_ERROR(RecordHistory(tx, chat_id, actor.user_id, "member_joined",
                                                {{"user_id", IdToString(actor.user_id)}}));
        }
        return ViewOf(tx, actor, chat_id);
    });
}

Status ChatService::Leave(const Actor& actor, Id chat_id) {
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (a.chat.type == "direct") return Error::Forbidden("direct chats cannot be left");
        VECHE_RETURN_IF_ERROR(CheckManaged(a.chat));
        tx.Exec("DELETE FROM members WHERE chat_id = ? AND user_id = ?", chat_id, actor.user_id);
        EmitMember(tx, chat_id, actor.user_id, "", "member.removed", MembershipChange::kRemove);
        VECHE_RETURN_IF_ERROR(
            RecordHistory(tx, chat_id, actor.user_id, "member_left", {{"user_id", IdToString(actor.user_id)}}));
        if (*a.role == "owner" &&
            !tx.QueryInt("SELECT 1 FROM members WHERE chat_id = ? AND role = 'owner'", chat_id)) {
            // A chat always keeps an owner: the longest-standing admin, else member, else guest.
            auto& st = tx.Query(
                "SELECT user_id FROM members WHERE chat_id = ? ORDER BY CASE role WHEN 'admin' THEN 0 "
                "WHEN 'member' THEN 1 ELSE 2 END, joined_at LIMIT 1",
                chat_id);
            std::optional<Id> heir;
            if (st.Step()) heir = st.Int(0);
            while (st.Step()) {
            }
            if (heir) {
                tx.Exec("UPDATE members SET role = 'owner' WHERE chat_id = ? AND user_id = ?", chat_id,
                        *heir);
                EmitMember(tx, chat_id, *heir, "owner", "member.updated", MembershipChange::kNone);
                VECHE_RETURN_IF_ERROR(RecordHistory(tx, chat_id, std::nullopt, "owner_inherited",
                                                    {{"user_id", IdToString(*heir)}}));
            }
        }
        return {};
    });
}

}  // namespace veche::chat
