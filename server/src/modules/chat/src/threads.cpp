#include "access.hpp"
#include "chat_events.hpp"
#include "chat_internal.hpp"
#include "message_store.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/clock.hpp"

namespace veche::chat {

Result<HistoryPage> ChatService::Thread(const Actor& actor, Id root_id, const HistoryQuery& q) {
    VECHE_RETURN_IF_ERROR(ValidatePaging(q));
    return db_.Read([&](Tx& tx) -> Result<HistoryPage> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, root_id));
        if (!found.second.is_member() && !actor.is_admin) return Error::NotFound("message");
        static const std::string after_sql =
            S(kMessageSelect, "WHERE thread_root_id = ? AND id > ? ORDER BY id ASC LIMIT ?");
        static const std::string before_sql =
            S(kMessageSelect, "WHERE thread_root_id = ? AND id < ? ORDER BY id DESC LIMIT ?");
        return PageMessages(tx, after_sql, before_sql, root_id, q, actor.user_id);
    });
}

Status ChatService::FollowThread(const Actor& actor, Id root_id, bool follow) {
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, root_id));
        if (!found.second.is_member() || found.first.thread_root_id) return Error::NotFound("message");
        if (follow)
            tx.Exec("INSERT INTO thread_followers(root_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    root_id, actor.user_id);
        else
            tx.Exec("DELETE FROM thread_followers WHERE root_id = ? AND user_id = ?", root_id, actor.user_id);
        return {};
    });
}

Result<Message> ChatService::Forward(const Actor& actor, Id message_id, Id to_chat_id,
                                     std::optional<std::string> comment) {
    if (comment) VECHE_RETURN_IF_ERROR(ValidateText(*comment));
    return db_.Write([&](Tx& tx) -> Result<Message> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        auto& [src, sa] = found;
        if (!sa.is_member() || src.deleted) return Error::NotFound("message");
        if (src.kind != "text") return Error::InvalidArgument("only text messages can be forwarded");
        VECHE_ASSIGN_OR_RETURN(Access to, SeeAsMember(tx, actor, to_chat_id));
        VECHE_RETURN_IF_ERROR(CheckWritable(to));
        std::int64_t now = NowMs();
        if (comment) {
            Id cid = GlobalIds().Next();
            tx.Exec("INSERT INTO messages(id, chat_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
                    cid, to_chat_id, actor.user_id, *comment, now);
            IndexMessage(tx, cid, *comment);
            auto c = LoadMessage(tx, cid);
            EmitMessage(tx, "message.created", *c);
        }
        // A forward of a forward credits the original author.
        Id original_author = src.forwarded_author_id ? src.forwarded_author_id : src.author_id;
        std::int64_t original_at = src.forwarded_at.value_or(src.created_at);
        Id id = GlobalIds().Next();
        tx.Exec(
            "INSERT INTO messages(id, chat_id, author_id, text, created_at, forwarded_author_id, "
            "forwarded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            id, to_chat_id, actor.user_id, src.text, NowMs(), original_author, original_at);
        IndexMessage(tx, id, src.text);
        // The files travel with the text: new rows in the target chat over the same stored bytes, so
        // that who may download them follows the target chat's membership from now on.
        for (const auto& f : src.files) {
            tx.Exec(
                "INSERT INTO files(id, owner_kind, owner_id, chat_id, uploader_id, message_id, name, size, "
                "content_type, sha256, width, height, has_thumbnail, created_at) "
                "VALUES (?, 'chat', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                GlobalIds().Next(), to_chat_id, to_chat_id, f.uploader_id, id, f.name, f.size, f.content_type,
                f.sha256, static_cast<std::int64_t>(f.width), static_cast<std::int64_t>(f.height),
                f.has_thumbnail, now);
        }
        tx.Exec("UPDATE chats SET last_activity_at = ?, last_message_id = ? WHERE id = ?", now, id,
                to_chat_id);
        tx.Exec("UPDATE members SET last_read_message_id = ? WHERE chat_id = ? AND user_id = ?", id,
                to_chat_id, actor.user_id);
        auto m = LoadMessage(tx, id);
        EmitMessage(tx, "message.created", *m);
        return std::move(*m);
    });
}

Result<Message> ChatService::Pin(const Actor& actor, Id message_id, bool pin) {
    return db_.Write([&](Tx& tx) -> Result<Message> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        auto& [m, a] = found;
        if (!a.is_member() || m.deleted) return Error::NotFound("message");
        if (m.thread_root_id) return Error::InvalidArgument("thread replies cannot be pinned");
        VECHE_RETURN_IF_ERROR(CheckWritable(a));
        if (a.chat.type == "channel" && !a.is_manager())
            return Error::Forbidden("only owners and admins pin in channels");
        if (pin != m.pinned_at.has_value()) {
            if (pin &&
                tx.QueryInt("SELECT COUNT(*) FROM messages WHERE chat_id = ? AND pinned_at IS NOT NULL",
                            m.chat_id)
                        .value_or(0) >= 100)
                return Error::Conflict("too_many_pins", "a chat has at most 100 pinned messages");
            if (pin)
                tx.Exec("UPDATE messages SET pinned_at = ?, pinned_by = ? WHERE id = ?", NowMs(),
                        actor.user_id, m.id);
            else
                tx.Exec("UPDATE messages SET pinned_at = NULL, pinned_by = NULL WHERE id = ?", m.id);
            auto fresh = LoadMessage(tx, m.id);
            EmitMessage(tx, "message.updated", *fresh);
        }
        return *LoadMessage(tx, m.id, actor.user_id);
    });
}

Result<std::vector<Message>> ChatService::Pins(const Actor& actor, Id chat_id) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Message>> {
        VECHE_RETURN_IF_ERROR(SeeAsMember(tx, actor, chat_id));
        static const std::string sql = S(kMessageSelect,
                                         "WHERE chat_id = ? AND pinned_at IS NOT NULL AND deleted_at IS NULL "
                                         "ORDER BY pinned_at DESC, id DESC");
        std::vector<Message> out;
        auto& st = tx.Query(sql, chat_id);
        while (st.Step()) out.push_back(ReadMessage(st));
        for (auto& m : out) {
            std::vector<Message> one{std::move(m)};
            LoadExtras(tx, one, actor.user_id);
            m = std::move(one.front());
        }
        return out;
    });
}

}  // namespace veche::chat
