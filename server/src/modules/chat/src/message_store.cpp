#include "message_store.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace veche::chat {

namespace {

void LoadPoll(Tx& tx, Message& m, Id viewer) {
    auto& st = tx.Query(
        "SELECT question, multiple, anonymous, deadline, closed_at FROM polls WHERE message_id = ?", m.id);
    if (!st.Step()) return;
    Poll p;
    p.question = st.Text(0);
    p.multiple = st.Int(1) != 0;
    p.anonymous = st.Int(2) != 0;
    p.deadline = st.OptInt(3);
    p.closed_at = st.OptInt(4);
    while (st.Step()) {
    }
    auto& ost = tx.Query("SELECT text FROM poll_options WHERE message_id = ? ORDER BY idx", m.id);
    while (ost.Step()) p.options.push_back({ost.Text(0), {}, 0});
    auto& vst = tx.Query(
        "SELECT idx, user_id FROM poll_votes WHERE message_id = ? ORDER BY created_at, user_id", m.id);
    std::set<Id> voters;
    while (vst.Step()) {
        auto idx = static_cast<std::size_t>(vst.Int(0));
        Id user = vst.Int(1);
        if (idx >= p.options.size()) continue;
        p.options[idx].votes++;
        if (!p.anonymous) p.options[idx].voter_ids.push_back(user);
        if (user == viewer && viewer != 0) p.my_votes.push_back(static_cast<int>(idx));
        voters.insert(user);
    }
    p.voters = static_cast<std::int64_t>(voters.size());
    m.poll = std::move(p);
}

void AddReaction(Message& m, std::string emoji, Id user) {
    auto& reactions = m.reactions;
    auto r =
        std::find_if(reactions.begin(), reactions.end(), [&](const Reaction& x) { return x.emoji == emoji; });
    if (r == reactions.end()) {
        reactions.push_back({std::move(emoji), {}});
        r = reactions.end() - 1;
    }
    r->user_ids.push_back(user);
}

void LoadReactions(Tx& tx, std::vector<Message>& messages) {
    if (messages.empty()) return;
    bool one_chat = std::all_of(messages.begin(), messages.end(),
                                [&](const Message& m) { return m.chat_id == messages.front().chat_id; });
    if (!one_chat) {
        // Search results span chats: one indexed lookup per message.
        for (auto& m : messages) {
            auto& st = tx.Query(
                "SELECT emoji, user_id FROM reactions WHERE message_id = ? ORDER BY created_at", m.id);
            while (st.Step()) AddReaction(m, st.Text(0), st.Int(1));
        }
        return;
    }
    std::map<Id, Message*> by_id;
    Id lo = messages.front().id, hi = messages.front().id;
    for (auto& m : messages) {
        by_id[m.id] = &m;
        lo = std::min(lo, m.id);
        hi = std::max(hi, m.id);
    }
    // A history page is a contiguous id range of one chat: one range scan instead of N lookups.
    auto& st = tx.Query(
        "SELECT r.message_id, r.emoji, r.user_id FROM messages m JOIN reactions r ON r.message_id = m.id "
        "WHERE m.chat_id = ? AND m.id BETWEEN ? AND ? ORDER BY r.message_id, r.created_at",
        messages.front().chat_id, lo, hi);
    while (st.Step()) {
        auto it = by_id.find(st.Int(0));
        if (it != by_id.end()) AddReaction(*it->second, st.Text(1), st.Int(2));
    }
}

}  // namespace

Message ReadMessage(const storage::Statement& st) {
    Message m;
    m.id = st.Int(0);
    m.chat_id = st.Int(1);
    m.author_id = st.Int(2);
    m.text = st.Text(3);
    if (!st.IsNull(4)) m.client_id = st.Text(4);
    m.created_at = st.Int(5);
    m.edited_at = st.OptInt(6);
    m.deleted = !st.IsNull(7);
    m.thread_root_id = st.OptInt(8).value_or(0);
    m.reply_count = st.Int(9);
    m.last_reply_at = st.OptInt(10);
    m.forwarded_author_id = st.OptInt(11).value_or(0);
    m.forwarded_at = st.OptInt(12);
    if (auto q = st.OptInt(13)) m.quote = QuotedMessage{*q, 0, "", true};
    m.pinned_at = st.OptInt(14);
    m.pinned_by = st.OptInt(15).value_or(0);
    m.kind = st.Text(16);
    if (!st.IsNull(17)) m.buttons = ParseStoredButtons(st.Text(17));
    return m;
}

FileInfo ReadFile(const storage::Statement& st) {
    FileInfo f;
    f.id = st.Int(0);
    f.chat_id = st.OptInt(1).value_or(0);  // null for a file another module owns
    f.uploader_id = st.Int(2);
    f.message_id = st.OptInt(3).value_or(0);
    f.name = st.Text(4);
    f.size = st.Int(5);
    f.content_type = st.Text(6);
    f.sha256 = st.Text(7);
    f.width = static_cast<int>(st.Int(8));
    f.height = static_cast<int>(st.Int(9));
    f.has_thumbnail = st.Int(10) != 0;
    f.created_at = st.Int(11);
    f.owner_kind = st.Text(12);
    f.owner_id = st.Int(13);
    return f;
}

void LoadExtras(Tx& tx, std::vector<Message>& messages, Id viewer) {
    LoadReactions(tx, messages);
    for (auto& m : messages) {
        if (m.quote) {
            static const std::string sql =
                "SELECT author_id, substr(text, 1, 300), deleted_at FROM messages WHERE id = ?";
            auto& st = tx.Query(sql, m.quote->id);
            if (st.Step()) {
                m.quote->author_id = st.Int(0);
                m.quote->deleted = !st.IsNull(2);
                m.quote->text = m.quote->deleted ? "" : st.Text(1);
            }
            while (st.Step()) {
            }
        }
        if (m.kind == "poll") LoadPoll(tx, m, viewer);
        {
            static const std::string sql = S(kFileSelect, "WHERE message_id = ? ORDER BY id");
            auto& st = tx.Query(sql, m.id);
            while (st.Step()) m.files.push_back(ReadFile(st));
        }
        if (m.reply_count > 0) {
            auto& st = tx.Query(
                "SELECT author_id FROM messages WHERE thread_root_id = ? AND deleted_at IS NULL GROUP BY "
                "author_id ORDER BY MAX(id) DESC LIMIT 5",
                m.id);
            while (st.Step()) m.thread_participants.push_back(st.Int(0));
        }
    }
}

std::optional<Message> LoadMessage(Tx& tx, Id message_id, Id viewer) {
    static const std::string sql = S(kMessageSelect, "WHERE id = ?");
    auto& st = tx.Query(sql, message_id);
    if (!st.Step()) return std::nullopt;
    std::vector<Message> one{ReadMessage(st)};
    while (st.Step()) {
    }
    LoadExtras(tx, one, viewer);
    return std::move(one.front());
}

HistoryPage PageMessages(Tx& tx, const std::string& after_sql, const std::string& before_sql, Id key,
                         const HistoryQuery& q, Id viewer) {
    HistoryPage page;
    std::int64_t fetch = q.limit + 1;
    auto& st = q.after ? tx.Query(after_sql, key, *q.after, fetch)
                       : tx.Query(before_sql, key, q.before.value_or(INT64_MAX), fetch);
    while (st.Step()) page.messages.push_back(ReadMessage(st));
    page.has_more = static_cast<std::int64_t>(page.messages.size()) > q.limit;
    if (page.has_more) page.messages.pop_back();
    if (!q.after) std::reverse(page.messages.begin(), page.messages.end());
    LoadExtras(tx, page.messages, viewer);
    return page;
}

void IndexMessage(Tx& tx, Id id, const std::string& text) {
    if (tx.dialect() == storage::Dialect::kPostgres) {
        tx.Exec(
            "INSERT INTO message_search(message_id, search) VALUES (?, to_tsvector('veche', translate(?, "
            "'Ёё', 'Ее'))) ON CONFLICT (message_id) DO UPDATE SET search = excluded.search",
            id, text);
        return;
    }
    tx.Defer([id, text](Tx& t) { t.Exec("INSERT INTO messages_fts(rowid, text) VALUES (?, ?)", id, text); });
}
void UnindexMessage(Tx& tx, Id id, const std::string& text) {
    if (tx.dialect() == storage::Dialect::kPostgres) {
        tx.Exec("DELETE FROM message_search WHERE message_id = ?", id);
        return;
    }
    tx.Defer([id, text](Tx& t) {
        t.Exec("INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', ?, ?)", id, text);
    });
}

}  // namespace veche::chat
