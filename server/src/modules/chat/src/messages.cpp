#include <algorithm>

#include "access.hpp"
#include "chat_events.hpp"
#include "chat_internal.hpp"
#include "message_store.hpp"
#include "veche/chat/bound_chats.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/chat/interactions.hpp"
#include "veche/chat/mentions.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/core/text.hpp"

namespace veche::chat {

namespace {

// A thread root counts and shows only the replies that are not deleted.
void RecountReplies(Tx& tx, Id root_id) {
    tx.Exec(
        "UPDATE messages SET reply_count = (SELECT COUNT(*) FROM messages r WHERE r.thread_root_id = ? AND "
        "r.deleted_at IS NULL), last_reply_at = (SELECT MAX(r.created_at) FROM messages r WHERE "
        "r.thread_root_id = ? AND r.deleted_at IS NULL) WHERE id = ?",
        root_id, root_id, root_id);
    if (auto root = LoadMessage(tx, root_id)) {
        tx.RedactEvents(root->id, json::Serialize(MessageToJson(*root, 0)));
        EmitMessage(tx, "message.updated", *root);
    }
}

}  // namespace

Status ValidatePaging(const HistoryQuery& q) {
    if (q.before && q.after) return Error::InvalidArgument("use either 'before' or 'after', not both");
    if (q.limit < 1 || q.limit > kMaxPageSize)
        return Error::InvalidArgument("'limit' must be between 1 and 200");
    return {};
}

Status ChatService::ValidateText(std::string_view t) {
    if (text::Trim(t).empty()) return Error::InvalidArgument("field 'text' must not be empty");
    if (t.find('\0') != std::string_view::npos)
        return Error::InvalidArgument("field 'text' must not contain NUL");
    if (text::CodePointCount(t) > kMaxMessageChars)
        return Error::InvalidArgument("field 'text' is longer than " + std::to_string(kMaxMessageChars) +
                                      " characters");
    return {};
}

Result<std::pair<Message, bool>> ChatService::Post(const Actor& actor, Id chat_id, const NewMessage& nm) {
    if (nm.file_ids.size() > kMaxFilesPerMessage)
        return Error::InvalidArgument("at most 10 files per message");
    if (!(nm.text.empty() && !nm.file_ids.empty())) VECHE_RETURN_IF_ERROR(ValidateText(nm.text));
    if (nm.buttons) VECHE_RETURN_IF_ERROR(ValidateButtons(*nm.buttons));
    const auto& client_id = nm.client_id;
    if (client_id && (client_id->empty() || client_id->size() > kMaxClientIdBytes))
        return Error::InvalidArgument("field 'client_id' must be 1 to 64 bytes");
    MentionTargets targets;
    {
        auto names = ParseMentions(nm.text);
        targets.everyone = names.erase("channel") + names.erase("all") > 0;
        targets.here = names.erase("here") > 0;
        if (!names.empty()) {
            VECHE_ASSIGN_OR_RETURN(
                auto ids, accounts_.IdsOfUsernames(std::vector<std::string>(names.begin(), names.end())));
            targets.named.insert(ids.begin(), ids.end());
        }
    }
    auto is_connected = [this](Id u) { return accounts_.IsConnected(u); };
    return db_.Write([&](Tx& tx) -> Result<std::pair<Message, bool>> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (client_id) {
            if (auto existing = tx.QueryInt(
                    "SELECT id FROM messages WHERE chat_id = ? AND author_id = ? AND client_id = ?", chat_id,
                    actor.user_id, *client_id)) {
                return std::pair<Message, bool>{*LoadMessage(tx, *existing, actor.user_id), false};
            }
        }
        VECHE_RETURN_IF_ERROR(CheckWritable(a));
        std::optional<Message> root;
        if (nm.thread_root_id) {
            root = LoadMessage(tx, nm.thread_root_id);
            if (!root || root->chat_id != chat_id || root->deleted) return Error::NotFound("message");
            if (root->thread_root_id)
                return Error::InvalidArgument("replies go to the thread's root message");
        }
        if (nm.quote_id) {
            auto quoted = LoadMessage(tx, nm.quote_id);
            if (!quoted || quoted->chat_id != chat_id || quoted->deleted) return Error::NotFound("message");
        }
        Message m;
        m.id = GlobalIds().Next();
        m.chat_id = chat_id;
        m.author_id = actor.user_id;
        m.text = nm.text;
        m.client_id = client_id;
        m.created_at = NowMs();
        m.thread_root_id = nm.thread_root_id;
        tx.Exec(
            "INSERT INTO messages(id, chat_id, author_id, text, client_id, created_at, thread_root_id, "
            "quote_id, buttons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            m.id, m.chat_id, m.author_id, m.text, m.client_id, m.created_at,
            nm.thread_root_id ? std::optional<Id>(nm.thread_root_id) : std::nullopt,
            nm.quote_id ? std::optional<Id>(nm.quote_id) : std::nullopt,
            nm.buttons ? SerializeButtons(*nm.buttons) : std::nullopt);
        IndexMessage(tx, m.id, m.text);
        for (Id fid : nm.file_ids) {
            if (tx.Exec("UPDATE files SET message_id = ? WHERE id = ? AND chat_id = ? AND "
                        "uploader_id = ? AND message_id IS NULL",
                        m.id, fid, chat_id, actor.user_id) != 1)
                return Error::NotFound("file");
        }
        if (root) {
            tx.Exec("UPDATE messages SET reply_count = reply_count + 1, last_reply_at = ? WHERE id = ?",
                    m.created_at, root->id);
            tx.Exec("UPDATE chats SET last_activity_at = ? WHERE id = ?", m.created_at, chat_id);
            // Followers hear about replies; the root's author and everyone who replies follow.
            std::vector<Id> followers;
            {
                auto& st = tx.Query("SELECT user_id FROM thread_followers WHERE root_id = ?", root->id);
                while (st.Step()) followers.push_back(st.Int(0));
            }
            // The root's author starts following with the first reply (so an unfollow sticks later);
            // whoever replies follows from then on.
            if (root->reply_count == 0) {
                tx.Exec("INSERT INTO thread_followers(root_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                        root->id, root->author_id);
                if (std::find(followers.begin(), followers.end(), root->author_id) == followers.end())
                    followers.push_back(root->author_id);
            }
            tx.Exec("INSERT INTO thread_followers(root_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    root->id, actor.user_id);
            for (Id f : followers) {
                if (f == actor.user_id || targets.named.count(f)) continue;
                auto level = tx.QueryInt(
                    "SELECT CASE notify WHEN 'all' THEN 1 ELSE 0 END FROM members "
                    "WHERE chat_id = ? AND user_id = ?",
                    chat_id, f);
                if (level.value_or(0) == 1) Notify(tx, f, "thread_reply", chat_id, m.id, actor.user_id);
            }
        } else {
            tx.Exec("UPDATE chats SET last_activity_at = ?, last_message_id = ? WHERE id = ?", m.created_at,
                    m.id, chat_id);
            // Your own message is read by you.
            tx.Exec("UPDATE members SET last_read_message_id = ? WHERE chat_id = ? AND user_id = ?", m.id,
                    chat_id, actor.user_id);
        }
        RecordMentions(tx, targets, m, is_connected);
        auto fresh = LoadMessage(tx, m.id);
        if (a.chat.kind != "chat" && bound_hooks_) VECHE_RETURN_IF_ERROR(bound_hooks_->Posted(tx, a.chat, *fresh));
        EmitMessage(tx, "message.created", *fresh);
        if (root) {
            auto updated_root = LoadMessage(tx, root->id);
            EmitMessage(tx, "message.updated", *updated_root);
        }
        return std::pair<Message, bool>{std::move(*fresh), true};
    });
}

Result<HistoryPage> ChatService::History(const Actor& actor, Id chat_id, const HistoryQuery& q) {
    VECHE_RETURN_IF_ERROR(ValidatePaging(q));
    if (q.include_deleted && !actor.is_admin)
        return Error::Forbidden("only administrators see deleted messages");
    return db_.Read([&](Tx& tx) -> Result<HistoryPage> {
        VECHE_ASSIGN_OR_RETURN(Access a, See(tx, actor, chat_id));
        if (!a.is_member() && !actor.is_admin) return Error::NotFound("chat");
        // Thread replies live in their threads, not in the chat's history.
        static const std::string after_sql =
            S(kMessageSelect,
              "WHERE chat_id = ? AND id > ? AND thread_root_id IS NULL ORDER BY id ASC LIMIT ?");
        static const std::string before_sql =
            S(kMessageSelect,
              "WHERE chat_id = ? AND id < ? AND thread_root_id IS NULL ORDER BY id DESC LIMIT ?");
        return PageMessages(tx, after_sql, before_sql, chat_id, q, actor.user_id);
    });
}

Result<Message> ChatService::GetMessage(const Actor& actor, Id message_id) {
    return db_.Read([&](Tx& tx) -> Result<Message> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        return std::move(found.first);
    });
}

Result<Message> ChatService::Edit(const Actor& actor, Id message_id, std::string_view body) {
    VECHE_RETURN_IF_ERROR(ValidateText(body));
    return db_.Write([&](Tx& tx) -> Result<Message> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        auto& [m, a] = found;
        if (m.deleted) return Error::NotFound("message");
        if (m.author_id != actor.user_id) return Error::Forbidden("only the author edits a message");
        VECHE_RETURN_IF_ERROR(CheckWritable(a));
        VECHE_RETURN_IF_ERROR(CheckMutable(a.chat, m, Change::kEdit));
        if (m.text == body) return std::move(m);
        std::int64_t now = NowMs();
        std::int64_t version =
            tx.QueryInt("SELECT COALESCE(MAX(version), 0) + 1 FROM message_versions WHERE message_id = ?",
                        m.id)
                .value_or(1);
        // The previous text becomes a version, stamped with when it was written.
        tx.Exec(
            "INSERT INTO message_versions(message_id, version, text, editor_id, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            m.id, version, m.text, m.author_id, m.edited_at.value_or(m.created_at));
        tx.Exec("UPDATE messages SET text = ?, edited_at = ? WHERE id = ?", body, now, m.id);
        UnindexMessage(tx, m.id, m.text);
        IndexMessage(tx, m.id, std::string(body));
        m.text = std::string(body);
        m.edited_at = now;
        RedactMessage(tx, m.id);
        EmitMessage(tx, "message.updated", m);
        return std::move(m);
    });
}

Status ChatService::Delete(const Actor& actor, Id message_id) {
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        auto& [m, a] = found;
        if (m.deleted) return Error::NotFound("message");
        bool may = m.author_id == actor.user_id || a.is_manager() || actor.is_admin;
        if (!may) return Error::Forbidden("you may not delete this message");
        if (a.chat.archived) return ArchivedError();
        VECHE_RETURN_IF_ERROR(CheckMutable(a.chat, m, Change::kDelete));
        tx.Exec("UPDATE messages SET deleted_at = ?, deleted_by = ? WHERE id = ?", NowMs(), actor.user_id,
                m.id);
        UnindexMessage(tx, m.id, m.text);
        RedactMessage(tx, m.id);
        if (m.thread_root_id) RecountReplies(tx, m.thread_root_id);
        EmitToChat(tx, m.chat_id, "message.deleted",
                   boost::json::object{{"id", IdToString(m.id)}, {"chat_id", IdToString(m.chat_id)}});
        return {};
    });
}

Result<std::vector<MessageVersion>> ChatService::Versions(const Actor& actor, Id message_id) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<MessageVersion>> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        if (!actor.is_admin) return Error::Forbidden("only administrators read edit history");
        std::vector<MessageVersion> out;
        auto& st = tx.Query(
            "SELECT text, editor_id, created_at FROM message_versions WHERE message_id = ? ORDER BY version",
            message_id);
        while (st.Step()) out.push_back({st.Text(0), st.Int(1), st.Int(2)});
        const Message& m = found.first;
        out.push_back({m.text, m.author_id, m.edited_at.value_or(m.created_at)});
        return out;
    });
}

Result<Message> ChatService::Restore(const Actor& actor, Id message_id) {
    return db_.Write([&](Tx& tx) -> Result<Message> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        if (!actor.is_admin) return Error::Forbidden("only administrators restore messages");
        auto& m = found.first;
        if (m.deleted) {
            tx.Exec("UPDATE messages SET deleted_at = NULL, deleted_by = NULL WHERE id = ?", m.id);
            IndexMessage(tx, m.id, m.text);
            m.deleted = false;
            RedactMessage(tx, m.id);
            EmitMessage(tx, "message.restored", m);
            if (m.thread_root_id) RecountReplies(tx, m.thread_root_id);
        }
        return std::move(m);
    });
}

Result<Message> ChatService::React(const Actor& actor, Id message_id, std::string_view emoji, bool add) {
    if (emoji.empty() || emoji.size() > kMaxEmojiBytes || !text::IsValidUtf8(emoji) ||
        emoji.find_first_of(" \t\r\n") != std::string_view::npos)
        return Error::InvalidArgument("emoji must be 1 to 32 bytes of UTF-8 without spaces");
    return db_.Write([&](Tx& tx) -> Result<Message> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        auto& [m, a] = found;
        if (m.deleted) return Error::NotFound("message");
        if (!a.is_member()) return Error::NotFound("message");
        VECHE_RETURN_IF_ERROR(CheckWritable(a));
        std::int64_t changed;
        if (add) {
            if (tx.QueryInt("SELECT COUNT(DISTINCT emoji) FROM reactions WHERE message_id = ?", m.id)
                        .value_or(0) >= 50 &&
                !tx.QueryInt("SELECT 1 FROM reactions WHERE message_id = ? AND emoji = ? LIMIT 1", m.id,
                             emoji))
                return Error::Conflict("too_many_reactions", "a message has at most 50 different reactions");
            changed = tx.Exec(
                "INSERT INTO reactions(message_id, emoji, user_id, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                m.id, emoji, actor.user_id, NowMs());
        } else {
            changed = tx.Exec("DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?",
                              m.id, emoji, actor.user_id);
        }
        auto fresh = LoadMessage(tx, m.id);
        if (changed > 0) EmitMessage(tx, "message.updated", *fresh);
        return std::move(*fresh);
    });
}

}  // namespace veche::chat
