#include "veche/chat/chat_service.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

#include "veche/chat/mentions.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/core/search_text.hpp"
#include "veche/core/text.hpp"

namespace veche::chat {
namespace {

using storage::Tx;

constexpr std::string_view kChatSelect =
    "SELECT id, type, visibility, name, topic, archived, immutable_after_minutes, created_by, created_at, "
    "last_activity_at, (SELECT COUNT(*) FROM members m WHERE m.chat_id = chats.id) FROM chats ";
#define VECHE_MESSAGE_COLUMNS(p)                                                                              \
    p "id, " p "chat_id, " p "author_id, " p "text, " p "client_id, " p "created_at, " p "edited_at, " p          \
      "deleted_at, " p "thread_root_id, " p "reply_count, " p "last_reply_at, " p "forwarded_author_id, " p     \
      "forwarded_at, " p "quote_id, " p "pinned_at, " p "pinned_by, " p "kind"
constexpr int kMessageColumnCount = 17;
constexpr std::string_view kMessageSelect = "SELECT " VECHE_MESSAGE_COLUMNS("") " FROM messages ";

std::string S(std::string_view a, std::string_view b) { return std::string(a) + std::string(b); }

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
    return c;
}

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
    return m;
}

std::optional<Chat> LoadChat(Tx& tx, Id chat_id) {
    static const std::string sql = S(kChatSelect, "WHERE id = ?");
    auto& st = tx.Query(sql, chat_id);
    if (!st.Step()) return std::nullopt;
    Chat c = ReadChat(st);
    while (st.Step()) {}
    return c;
}

std::optional<std::string> RoleOf(Tx& tx, Id chat_id, Id user_id) {
    auto& st = tx.Query("SELECT role FROM members WHERE chat_id = ? AND user_id = ?", chat_id, user_id);
    if (!st.Step()) return std::nullopt;
    std::string role = st.Text(0);
    while (st.Step()) {}
    return role;
}

void LoadPoll(Tx& tx, Message& m, Id viewer) {
    auto& st = tx.Query("SELECT question, multiple, anonymous, deadline, closed_at FROM polls WHERE message_id = ?", m.id);
    if (!st.Step()) return;
    Poll p;
    p.question = st.Text(0);
    p.multiple = st.Int(1) != 0;
    p.anonymous = st.Int(2) != 0;
    p.deadline = st.OptInt(3);
    p.closed_at = st.OptInt(4);
    while (st.Step()) {}
    auto& ost = tx.Query("SELECT text FROM poll_options WHERE message_id = ? ORDER BY idx", m.id);
    while (ost.Step()) p.options.push_back({ost.Text(0), {}, 0});
    auto& vst = tx.Query("SELECT idx, user_id FROM poll_votes WHERE message_id = ? ORDER BY created_at, user_id", m.id);
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

void LoadReactions(Tx& tx, std::vector<Message>& messages);

constexpr std::string_view kFileSelect =
    "SELECT id, chat_id, uploader_id, message_id, name, size, content_type, sha256, width, height, has_thumbnail, "
    "created_at FROM files ";

FileInfo ReadFile(const storage::Statement& st) {
    FileInfo f;
    f.id = st.Int(0);
    f.chat_id = st.Int(1);
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
    return f;
}

// Everything a message shows beyond its row: reactions, the quoted message, the poll, thread repliers.
void LoadExtras(Tx& tx, std::vector<Message>& messages, Id viewer) {
    LoadReactions(tx, messages);
    for (auto& m : messages) {
        if (m.quote) {
            static const std::string sql = "SELECT author_id, substr(text, 1, 300), deleted_at FROM messages WHERE id = ?";
            auto& st = tx.Query(sql, m.quote->id);
            if (st.Step()) {
                m.quote->author_id = st.Int(0);
                m.quote->deleted = !st.IsNull(2);
                m.quote->text = m.quote->deleted ? "" : st.Text(1);
            }
            while (st.Step()) {}
        }
        if (m.kind == "poll") LoadPoll(tx, m, viewer);
        {
            static const std::string sql = S(kFileSelect, "WHERE message_id = ? ORDER BY id");
            auto& st = tx.Query(sql, m.id);
            while (st.Step()) m.files.push_back(ReadFile(st));
        }
        if (m.reply_count > 0) {
            auto& st = tx.Query(
                "SELECT author_id FROM messages WHERE thread_root_id = ? AND deleted_at IS NULL GROUP BY author_id "
                "ORDER BY MAX(id) DESC LIMIT 5",
                m.id);
            while (st.Step()) m.thread_participants.push_back(st.Int(0));
        }
    }
}

void AddReaction(Message& m, std::string emoji, Id user) {
    auto& reactions = m.reactions;
    auto r = std::find_if(reactions.begin(), reactions.end(), [&](const Reaction& x) { return x.emoji == emoji; });
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
            auto& st = tx.Query("SELECT emoji, user_id FROM reactions WHERE message_id = ? ORDER BY created_at", m.id);
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

std::optional<Message> LoadMessage(Tx& tx, Id message_id, Id viewer = 0) {
    static const std::string sql = S(kMessageSelect, "WHERE id = ?");
    auto& st = tx.Query(sql, message_id);
    if (!st.Step()) return std::nullopt;
    std::vector<Message> one{ReadMessage(st)};
    while (st.Step()) {}
    LoadExtras(tx, one, viewer);
    return std::move(one.front());
}

struct Access {
    Chat chat;
    std::optional<std::string> role;  // nullopt: not a member

    bool is_member() const { return role.has_value(); }
    bool is_manager() const { return role == "owner" || role == "admin"; }
    bool can_write() const { return role && *role != "guest"; }
};

// The chat as the actor may see it: members see their chats; anyone sees public channels.
// Anything else is reported as not found, exactly like an unknown id.
Result<Access> See(Tx& tx, const Actor& actor, Id chat_id) {
    auto chat = LoadChat(tx, chat_id);
    if (!chat) return Error::NotFound("chat");
    auto role = RoleOf(tx, chat_id, actor.user_id);
    if (!role && !(chat->type == "channel" && chat->visibility == "public")) return Error::NotFound("chat");
    return Access{std::move(*chat), std::move(role)};
}

Result<Access> SeeAsMember(Tx& tx, const Actor& actor, Id chat_id) {
    VECHE_ASSIGN_OR_RETURN(Access a, See(tx, actor, chat_id));
    if (!a.is_member()) return Error::NotFound("chat");
    return a;
}

// A message is visible to members of its chat; system administrators also reach messages of public
// channels for moderation.
Result<std::pair<Message, Access>> SeeMessage(Tx& tx, const Actor& actor, Id message_id) {
    auto m = LoadMessage(tx, message_id, actor.user_id);
    if (!m) return Error::NotFound("message");
    auto access = See(tx, actor, m->chat_id);
    if (!access.ok() || !(access->is_member() || actor.is_admin)) return Error::NotFound("message");
    return std::pair<Message, Access>{std::move(*m), std::move(*access)};
}

Status CheckWritable(const Access& a) {
    if (a.chat.archived) return Error::Conflict("chat_archived", "chat is archived");
    if (!a.can_write()) return Error::Forbidden("read-only members cannot do this");
    return {};
}

Status CheckMutable(const Chat& chat, const Message& m) {
    if (!chat.immutable_after_minutes) return {};
    std::int64_t n = *chat.immutable_after_minutes;
    if (n == 0 || NowMs() - m.created_at >= n * 60'000)
        return Error::Conflict("immutable_history", "history of this chat can no longer be changed");
    return {};
}

void EmitToChat(Tx& tx, Id chat_id, std::string kind, const boost::json::object& data,
                MembershipChange membership = MembershipChange::kNone, Id target = 0) {
    Event e;
    e.chat_id = chat_id;
    e.target_user_id = target;
    e.kind = std::move(kind);
    e.data_json = json::Serialize(data);
    e.membership = membership;
    tx.Emit(std::move(e));
}

// A message's event carries the message as everyone in the chat sees it, and names it as the
// event's subject so that RedactMessage can bring the event to the message's later state.
void EmitMessage(Tx& tx, std::string kind, const Message& m) {
    Event e;
    e.chat_id = m.chat_id;
    e.kind = std::move(kind);
    e.data_json = json::Serialize(MessageToJson(m, 0));
    e.subject_id = m.id;
    tx.Emit(std::move(e));
}

// After an edit, a deletion or a restore: every logged event of the message, and of the messages
// quoting it (they show its text), is rewritten to what they show now, so that a client replaying
// the log never sees deleted text, deleted files or superseded versions (docs/architecture.md).
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

// A thread root counts and shows only the replies that are not deleted.
void RecountReplies(Tx& tx, Id root_id) {
    tx.Exec("UPDATE messages SET reply_count = (SELECT COUNT(*) FROM messages r WHERE r.thread_root_id = ? AND "
            "r.deleted_at IS NULL), last_reply_at = (SELECT MAX(r.created_at) FROM messages r WHERE r.thread_root_id = ? "
            "AND r.deleted_at IS NULL) WHERE id = ?",
            root_id, root_id, root_id);
    if (auto root = LoadMessage(tx, root_id)) {
        tx.RedactEvents(root->id, json::Serialize(MessageToJson(*root, 0)));
        EmitMessage(tx, "message.updated", *root);
    }
}

void EmitMember(Tx& tx, Id chat_id, Id user_id, const std::string& role, std::string kind,
                MembershipChange membership) {
    boost::json::object data{{"chat_id", IdToString(chat_id)}, {"user_id", IdToString(user_id)}};
    if (!role.empty()) data["role"] = role;
    EmitToChat(tx, chat_id, std::move(kind), data, membership, user_id);
}

void AddMemberRow(Tx& tx, Id chat_id, Id user_id, const std::string& role) {
    tx.Exec("INSERT INTO members(chat_id, user_id, role, joined_at, last_read_message_id) "
            "VALUES (?, ?, ?, ?, COALESCE((SELECT last_message_id FROM chats WHERE id = ?), 0))",
            chat_id, user_id, role, NowMs(), chat_id);
    EmitMember(tx, chat_id, user_id, role, "member.added", MembershipChange::kAdd);
}

// Full-text index upkeep. SQLite (FTS5 external-content table: removal must name the old text) is
// deferred to the end of the write batch: FTS5 flushes at every savepoint, and one flush per batch
// instead of per message keeps the index from turning into thousands of one-row segments.
// PostgreSQL keeps a tsvector per message (configuration `veche`, see pg_migrations.cpp: Snowball
// Russian for Cyrillic, Snowball English for Latin words, no stop words, Ё folded to Е).
void IndexMessage(Tx& tx, Id id, const std::string& text) {
    if (tx.dialect() == storage::Dialect::kPostgres) {
        tx.Exec("INSERT INTO message_search(message_id, search) VALUES (?, to_tsvector('veche', translate(?, 'Ёё', 'Ее'))) "
                "ON CONFLICT (message_id) DO UPDATE SET search = excluded.search",
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

// Every word of the user's query as a quoted FTS5 phrase (implicit AND), so that operators and
// punctuation typed by the user are never parsed as query syntax.
std::string MatchExpression(std::string_view query) {
    std::string out;
    std::size_t i = 0;
    while (i < query.size()) {
        while (i < query.size() && (query[i] == ' ' || query[i] == '\t' || query[i] == '\n' || query[i] == '\r')) ++i;
        std::size_t j = i;
        while (j < query.size() && !(query[j] == ' ' || query[j] == '\t' || query[j] == '\n' || query[j] == '\r')) ++j;
        std::string word;
        for (char c : query.substr(i, j - i)) {
            if (c != '"') word.push_back(c);
        }
        // Words that hold no searchable term (punctuation, emoji) would make an empty phrase.
        thread_local search::TermExtractor extractor;
        if (!word.empty() && !extractor.Terms(word).empty()) {
            if (!out.empty()) out.push_back(' ');
            out += '"' + word + '"';
        }
        i = j;
    }
    return out;
}

Status ValidatePaging(const HistoryQuery& q) {
    if (q.before && q.after) return Error::InvalidArgument("use either 'before' or 'after', not both");
    if (q.limit < 1 || q.limit > kMaxPageSize) return Error::InvalidArgument("'limit' must be between 1 and 200");
    return {};
}

// Keyset paging over one message id sequence, oldest first. `after_sql` and `before_sql` select by
// `key` and an id bound (ascending and descending respectively), with a LIMIT.
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

ChatView BuildView(Tx& tx, Id viewer, Chat chat, std::optional<std::string> role) {
    ChatView v;
    v.my_role = std::move(role);
    static const std::string last_sql =
        S(kMessageSelect, "WHERE chat_id = ? AND deleted_at IS NULL AND thread_root_id IS NULL ORDER BY id DESC LIMIT 1");
    {
        auto& st = tx.Query(last_sql, chat.id);
        if (st.Step()) v.last_message = ReadMessage(st);
        while (st.Step()) {}
    }
    if (v.last_message) {
        std::vector<Message> one{std::move(*v.last_message)};
        LoadExtras(tx, one, viewer);
        v.last_message = std::move(one.front());
    }
    if (v.my_role) {
        auto& st = tx.Query("SELECT last_read_message_id, notify FROM members WHERE chat_id = ? AND user_id = ?", chat.id,
                            viewer);
        if (st.Step()) {
            v.last_read_message_id = st.Int(0);
            v.notify = st.Text(1);
        }
        while (st.Step()) {}
        v.unread_count = tx.QueryInt("SELECT COUNT(*) FROM messages WHERE chat_id = ? AND id > ? AND "
                                     "deleted_at IS NULL AND author_id <> ? AND thread_root_id IS NULL",
                                     chat.id, v.last_read_message_id, viewer)
                             .value_or(0);
        v.mention_count = tx.QueryInt("SELECT COUNT(*) FROM mentions n JOIN messages m ON m.id = n.message_id WHERE "
                                      "n.user_id = ? AND n.chat_id = ? AND n.message_id > ? AND m.deleted_at IS NULL",
                                      viewer, chat.id, v.last_read_message_id)
                              .value_or(0);
    }
    if (chat.type == "direct") {
        v.direct_user_id =
            tx.QueryInt("SELECT user_id FROM members WHERE chat_id = ? AND user_id <> ? LIMIT 1", chat.id, viewer)
                .value_or(viewer);
    }
    v.chat = std::move(chat);
    return v;
}

Result<ChatView> ViewOf(Tx& tx, const Actor& actor, Id chat_id) {
    VECHE_ASSIGN_OR_RETURN(Access a, See(tx, actor, chat_id));
    return BuildView(tx, actor.user_id, std::move(a.chat), std::move(a.role));
}

bool ValidRole(const std::string& role) {
    return role == "owner" || role == "admin" || role == "member" || role == "guest";
}

}  // namespace

ChatService::ChatService(storage::Database& db, accounts::AccountService& accounts)
    : db_(db), accounts_(accounts) {}

Status ChatService::ValidateText(std::string_view t) {
    if (text::Trim(t).empty()) return Error::InvalidArgument("field 'text' must not be empty");
    if (t.find('\0') != std::string_view::npos) return Error::InvalidArgument("field 'text' must not contain NUL");
    if (text::CodePointCount(t) > kMaxMessageChars)
        return Error::InvalidArgument("field 'text' is longer than " + std::to_string(kMaxMessageChars) +
                                      " characters");
    return {};
}

Result<std::pair<ChatView, bool>> ChatService::CreateChat(const Actor& actor, const NewChat& spec) {
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
            Id a = std::min(actor.user_id, spec.direct_user_id), b = std::max(actor.user_id, spec.direct_user_id);
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
        tx.Exec("INSERT INTO chats(id, type, visibility, name, topic, immutable_after_minutes, created_by, "
                "created_at, last_activity_at, direct_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                c.id, c.type, c.visibility, c.name, c.topic, c.immutable_after_minutes, c.created_by, c.created_at,
                c.last_activity_at, direct_key);
        AddMemberRow(tx, c.id, actor.user_id, spec.type == "direct" ? "member" : "owner");
        for (Id u : invitees) {
            if (u != actor.user_id) AddMemberRow(tx, c.id, u, "member");
        }
        c.member_count = 1 + static_cast<std::int64_t>(
                                 std::count_if(invitees.begin(), invitees.end(), [&](Id u) { return u != actor.user_id; }));
        EmitToChat(tx, c.id, "chat.created", ChatToJson(c));
        VECHE_ASSIGN_OR_RETURN(auto view, ViewOf(tx, actor, c.id));
        return std::pair<ChatView, bool>{std::move(view), true};
    });
}

Result<std::vector<ChatView>> ChatService::ListMyChats(const Actor& actor) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<ChatView>> {
        static const std::string sql =
            S(kChatSelect,
              ", members me WHERE me.chat_id = chats.id AND me.user_id = ? ORDER BY chats.last_activity_at DESC, chats.id DESC");
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

Result<std::vector<ChatView>> ChatService::ListPublicChannels(const Actor& actor, std::string_view query, int limit) {
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
    if (up.name && text::Trim(*up.name).empty()) return Error::InvalidArgument("field 'name' must not be empty");
    return db_.Write([&](Tx& tx) -> Result<ChatView> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (a.chat.type == "direct") return Error::Forbidden("direct chats have no settings");
        if (!a.is_manager()) return Error::Forbidden("only owners and admins change the chat");
        if (a.chat.archived) return Error::Conflict("chat_archived", "chat is archived");
        Chat c = a.chat;
        if (up.name) c.name = std::string(text::Trim(*up.name));
        if (up.topic) c.topic = *up.topic;
        if (up.set_immutable) {
            // Loosening protection would let agreements be altered: only a system administrator may.
            bool loosens = c.immutable_after_minutes &&
                           (!up.immutable_after_minutes || *up.immutable_after_minutes > *c.immutable_after_minutes);
            if (loosens && !actor.is_admin)
                return Error::Forbidden("immutable history can only be tightened");
            c.immutable_after_minutes = up.immutable_after_minutes;
        }
        tx.Exec("UPDATE chats SET name = ?, topic = ?, immutable_after_minutes = ? WHERE id = ?", c.name, c.topic,
                c.immutable_after_minutes, c.id);
        EmitToChat(tx, c.id, "chat.updated", ChatToJson(c));
        return BuildView(tx, actor.user_id, std::move(c), a.role);
    });
}

Result<ChatView> ChatService::SetArchived(const Actor& actor, Id chat_id, bool archived) {
    return db_.Write([&](Tx& tx) -> Result<ChatView> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (a.chat.type == "direct") return Error::Forbidden("direct chats cannot be archived");
        if (!a.is_manager()) return Error::Forbidden("only owners and admins archive the chat");
        Chat c = a.chat;
        if (c.archived != archived) {
            c.archived = archived;
            tx.Exec("UPDATE chats SET archived = ? WHERE id = ?", archived, c.id);
            EmitToChat(tx, c.id, "chat.updated", ChatToJson(c));
        }
        return BuildView(tx, actor.user_id, std::move(c), a.role);
    });
}

Result<ChatView> ChatService::Join(const Actor& actor, Id chat_id) {
    return db_.Write([&](Tx& tx) -> Result<ChatView> {
        VECHE_ASSIGN_OR_RETURN(Access a, See(tx, actor, chat_id));
        if (!a.is_member()) {
            if (a.chat.archived) return Error::Conflict("chat_archived", "chat is archived");
            AddMemberRow(tx, chat_id, actor.user_id, "member");
        }
        return ViewOf(tx, actor, chat_id);
    });
}

Status ChatService::Leave(const Actor& actor, Id chat_id) {
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (a.chat.type == "direct") return Error::Forbidden("direct chats cannot be left");
        tx.Exec("DELETE FROM members WHERE chat_id = ? AND user_id = ?", chat_id, actor.user_id);
        EmitMember(tx, chat_id, actor.user_id, "", "member.removed", MembershipChange::kRemove);
        if (*a.role == "owner" && !tx.QueryInt("SELECT 1 FROM members WHERE chat_id = ? AND role = 'owner'", chat_id)) {
            // A chat always keeps an owner: the longest-standing admin, else member, else guest.
            auto& st = tx.Query(
                "SELECT user_id FROM members WHERE chat_id = ? ORDER BY CASE role WHEN 'admin' THEN 0 "
                "WHEN 'member' THEN 1 ELSE 2 END, joined_at LIMIT 1",
                chat_id);
            std::optional<Id> heir;
            if (st.Step()) heir = st.Int(0);
            while (st.Step()) {}
            if (heir) {
                tx.Exec("UPDATE members SET role = 'owner' WHERE chat_id = ? AND user_id = ?", chat_id, *heir);
                EmitMember(tx, chat_id, *heir, "owner", "member.updated", MembershipChange::kNone);
            }
        }
        return {};
    });
}

Result<std::vector<Member>> ChatService::ListMembers(const Actor& actor, Id chat_id) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Member>> {
        VECHE_RETURN_IF_ERROR(SeeAsMember(tx, actor, chat_id));
        std::vector<Member> out;
        auto& st = tx.Query("SELECT user_id, role, joined_at FROM members WHERE chat_id = ? ORDER BY joined_at, user_id",
                            chat_id);
        while (st.Step()) out.push_back({st.Int(0), st.Text(1), st.Int(2)});
        return out;
    });
}

Result<std::vector<Member>> ChatService::AddMembers(const Actor& actor, Id chat_id, const std::vector<Id>& user_ids,
                                                    const std::string& role) {
    if (role != "member" && role != "guest" && role != "admin")
        return Error::InvalidArgument("field 'role' must be member, guest or admin");
    if (user_ids.empty()) return Error::InvalidArgument("field 'user_ids' must not be empty");
    VECHE_ASSIGN_OR_RETURN(auto users, accounts_.GetUsers(user_ids));
    std::set<Id> found;
    for (const auto& u : users) {
        if (!u.deactivated) found.insert(u.id);
    }
    auto r = db_.Write([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (a.chat.type == "direct") return Error::Forbidden("direct chats have exactly two members");
        if (a.chat.archived) return Error::Conflict("chat_archived", "chat is archived");
        bool allowed = a.chat.type == "group" ? a.can_write() : a.is_manager();
        if (!allowed) return Error::Forbidden("you may not invite to this chat");
        if (role == "admin" && !a.is_manager()) return Error::Forbidden("only owners and admins appoint admins");
        for (Id u : user_ids) {
            if (!found.count(u)) return Error::NotFound("user");
        }
        for (Id u : user_ids) {
            if (!RoleOf(tx, chat_id, u)) AddMemberRow(tx, chat_id, u, role);
        }
        return {};
    });
    if (!r.ok()) return std::move(r).error();
    return ListMembers(actor, chat_id);
}

Result<Member> ChatService::SetMemberRole(const Actor& actor, Id chat_id, Id user_id, const std::string& role) {
    if (!ValidRole(role)) return Error::InvalidArgument("field 'role' must be owner, admin, member or guest");
    return db_.Write([&](Tx& tx) -> Result<Member> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (a.chat.type == "direct") return Error::Forbidden("direct chats have no roles");
        if (a.role != "owner") return Error::Forbidden("only owners change roles");
        auto current = RoleOf(tx, chat_id, user_id);
        if (!current) return Error::NotFound("member");
        if (*current == "owner" && role != "owner" &&
            tx.QueryInt("SELECT COUNT(*) FROM members WHERE chat_id = ? AND role = 'owner'", chat_id).value_or(0) <= 1)
            return Error::Conflict("last_owner", "a chat must keep at least one owner");
        tx.Exec("UPDATE members SET role = ? WHERE chat_id = ? AND user_id = ?", role, chat_id, user_id);
        EmitMember(tx, chat_id, user_id, role, "member.updated", MembershipChange::kNone);
        auto joined = tx.QueryInt("SELECT joined_at FROM members WHERE chat_id = ? AND user_id = ?", chat_id, user_id);
        return Member{user_id, role, joined.value_or(0)};
    });
}

Status ChatService::RemoveMember(const Actor& actor, Id chat_id, Id user_id) {
    if (user_id == actor.user_id) return Leave(actor, chat_id);
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (a.chat.type == "direct") return Error::Forbidden("direct chats have exactly two members");
        if (!a.is_manager()) return Error::Forbidden("only owners and admins remove members");
        auto target = RoleOf(tx, chat_id, user_id);
        if (!target) return Error::NotFound("member");
        if (*target == "owner" && a.role != "owner") return Error::Forbidden("admins cannot remove owners");
        tx.Exec("DELETE FROM members WHERE chat_id = ? AND user_id = ?", chat_id, user_id);
        EmitMember(tx, chat_id, user_id, "", "member.removed", MembershipChange::kRemove);
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
            if (a.chat.member_count <= kMaxSeenByMembers) e.chat_id = chat_id;
            e.kind = "chat.read";
            e.data_json = json::Serialize(boost::json::object{{"chat_id", IdToString(chat_id)},
                                                              {"user_id", IdToString(actor.user_id)},
                                                              {"last_read_message_id", IdToString(message_id)}});
            tx.Emit(std::move(e));
        }
        ReadState rs;
        rs.last_read_message_id =
            tx.QueryInt("SELECT last_read_message_id FROM members WHERE chat_id = ? AND user_id = ?", chat_id,
                        actor.user_id)
                .value_or(0);
        rs.unread_count = tx.QueryInt("SELECT COUNT(*) FROM messages WHERE chat_id = ? AND id > ? AND deleted_at IS NULL "
                                      "AND author_id <> ? AND thread_root_id IS NULL",
                                      chat_id, rs.last_read_message_id, actor.user_id)
                              .value_or(0);
        return rs;
    });
}

namespace {


void Notify(Tx& tx, Id user_id, const std::string& kind, Id chat_id, Id message_id, Id actor_id) {
    Notification n{GlobalIds().Next(), kind, chat_id, message_id, actor_id, NowMs(), false};
    tx.Exec("INSERT INTO notifications(id, user_id, kind, chat_id, message_id, actor_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            n.id, user_id, n.kind, n.chat_id, n.message_id, n.actor_id, n.created_at);
    Event e;
    e.target_user_id = user_id;
    e.kind = "notification.created";
    e.data_json = json::Serialize(NotificationToJson(n));
    tx.Emit(std::move(e));
}

// Who a new message mentions, as member ids: named users who are members, and everyone for
// @channel/@all (or everyone connected, for @here).
struct MentionTargets {
    std::set<Id> named;  // resolved before the write (accounts are never deleted)
    bool everyone = false;
    bool here = false;
};

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
        tx.Exec("INSERT INTO mentions(user_id, chat_id, message_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", u,
                m.chat_id, m.id);
        auto notify = tx.QueryInt("SELECT CASE notify WHEN 'none' THEN 0 ELSE 1 END FROM members WHERE chat_id = ? AND user_id = ?",
                                  m.chat_id, u);
        if (notify.value_or(0) == 1) Notify(tx, u, "mention", m.chat_id, m.id, m.author_id);
    }
}

Status CheckPoll(const NewPoll& p) {
    if (text::Trim(p.question).empty()) return Error::InvalidArgument("field 'question' must not be empty");
    if (text::CodePointCount(p.question) > 300) return Error::InvalidArgument("field 'question' is longer than 300 characters");
    if (p.options.size() < 2 || p.options.size() > kMaxPollOptions)
        return Error::InvalidArgument("a poll has 2 to 20 options");
    std::set<std::string> seen;
    for (const auto& o : p.options) {
        if (text::Trim(o).empty() || text::CodePointCount(o) > 100)
            return Error::InvalidArgument("each option must be 1 to 100 characters");
        if (o.find('\0') != std::string::npos) return Error::InvalidArgument("options must not contain NUL");
        if (!seen.insert(std::string(text::Trim(o))).second) return Error::InvalidArgument("options must differ");
    }
    if (p.deadline && *p.deadline <= NowMs()) return Error::InvalidArgument("field 'deadline' must be in the future");
    return {};
}

}  // namespace

Result<std::pair<Message, bool>> ChatService::Post(const Actor& actor, Id chat_id, const NewMessage& nm) {
    if (nm.file_ids.size() > kMaxFilesPerMessage) return Error::InvalidArgument("at most 10 files per message");
    if (!(nm.text.empty() && !nm.file_ids.empty())) VECHE_RETURN_IF_ERROR(ValidateText(nm.text));
    const auto& client_id = nm.client_id;
    if (client_id && (client_id->empty() || client_id->size() > kMaxClientIdBytes))
        return Error::InvalidArgument("field 'client_id' must be 1 to 64 bytes");
    MentionTargets targets;
    {
        auto names = ParseMentions(nm.text);
        targets.everyone = names.erase("channel") + names.erase("all") > 0;
        targets.here = names.erase("here") > 0;
        if (!names.empty()) {
            VECHE_ASSIGN_OR_RETURN(auto ids, accounts_.IdsOfUsernames(std::vector<std::string>(names.begin(), names.end())));
            targets.named.insert(ids.begin(), ids.end());
        }
    }
    auto is_connected = [this](Id u) { return accounts_.IsConnected(u); };
    return db_.Write([&](Tx& tx) -> Result<std::pair<Message, bool>> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (client_id) {
            if (auto existing = tx.QueryInt("SELECT id FROM messages WHERE chat_id = ? AND author_id = ? AND client_id = ?",
                                            chat_id, actor.user_id, *client_id)) {
                return std::pair<Message, bool>{*LoadMessage(tx, *existing, actor.user_id), false};
            }
        }
        VECHE_RETURN_IF_ERROR(CheckWritable(a));
        std::optional<Message> root;
        if (nm.thread_root_id) {
            root = LoadMessage(tx, nm.thread_root_id);
            if (!root || root->chat_id != chat_id || root->deleted) return Error::NotFound("message");
            if (root->thread_root_id) return Error::InvalidArgument("replies go to the thread's root message");
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
        tx.Exec("INSERT INTO messages(id, chat_id, author_id, text, client_id, created_at, thread_root_id, quote_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                m.id, m.chat_id, m.author_id, m.text, m.client_id, m.created_at,
                nm.thread_root_id ? std::optional<Id>(nm.thread_root_id) : std::nullopt,
                nm.quote_id ? std::optional<Id>(nm.quote_id) : std::nullopt);
        IndexMessage(tx, m.id, m.text);
        for (Id fid : nm.file_ids) {
            if (tx.Exec("UPDATE files SET message_id = ? WHERE id = ? AND chat_id = ? AND uploader_id = ? AND "
                        "message_id IS NULL",
                        m.id, fid, chat_id, actor.user_id) != 1)
                return Error::NotFound("file");
        }
        if (root) {
            tx.Exec("UPDATE messages SET reply_count = reply_count + 1, last_reply_at = ? WHERE id = ?", m.created_at,
                    root->id);
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
                tx.Exec("INSERT INTO thread_followers(root_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", root->id,
                        root->author_id);
                if (std::find(followers.begin(), followers.end(), root->author_id) == followers.end())
                    followers.push_back(root->author_id);
            }
            tx.Exec("INSERT INTO thread_followers(root_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", root->id,
                    actor.user_id);
            for (Id f : followers) {
                if (f == actor.user_id || targets.named.count(f)) continue;
                auto level = tx.QueryInt("SELECT CASE notify WHEN 'all' THEN 1 ELSE 0 END FROM members WHERE chat_id = ? AND user_id = ?",
                                         chat_id, f);
                if (level.value_or(0) == 1) Notify(tx, f, "thread_reply", chat_id, m.id, actor.user_id);
            }
        } else {
            tx.Exec("UPDATE chats SET last_activity_at = ?, last_message_id = ? WHERE id = ?", m.created_at, m.id, chat_id);
            // Your own message is read by you.
            tx.Exec("UPDATE members SET last_read_message_id = ? WHERE chat_id = ? AND user_id = ?", m.id, chat_id,
                    actor.user_id);
        }
        RecordMentions(tx, targets, m, is_connected);
        auto fresh = LoadMessage(tx, m.id);
        EmitMessage(tx, "message.created", *fresh);
        if (root) {
            auto updated_root = LoadMessage(tx, root->id);
            EmitMessage(tx, "message.updated", *updated_root);
        }
        return std::pair<Message, bool>{std::move(*fresh), true};
    });
}

Result<std::pair<Message, bool>> ChatService::CreatePoll(const Actor& actor, Id chat_id, const NewPoll& poll) {
    VECHE_RETURN_IF_ERROR(CheckPoll(poll));
    if (poll.client_id && (poll.client_id->empty() || poll.client_id->size() > kMaxClientIdBytes))
        return Error::InvalidArgument("field 'client_id' must be 1 to 64 bytes");
    return db_.Write([&](Tx& tx) -> Result<std::pair<Message, bool>> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (poll.client_id) {
            if (auto existing = tx.QueryInt("SELECT id FROM messages WHERE chat_id = ? AND author_id = ? AND client_id = ?",
                                            chat_id, actor.user_id, *poll.client_id)) {
                return std::pair<Message, bool>{*LoadMessage(tx, *existing, actor.user_id), false};
            }
        }
        VECHE_RETURN_IF_ERROR(CheckWritable(a));
        Id id = GlobalIds().Next();
        std::int64_t now = NowMs();
        std::string question(text::Trim(poll.question));
        tx.Exec("INSERT INTO messages(id, chat_id, author_id, text, client_id, created_at, kind) VALUES (?, ?, ?, ?, ?, ?, 'poll')",
                id, chat_id, actor.user_id, question, poll.client_id, now);
        tx.Exec("INSERT INTO polls(message_id, question, multiple, anonymous, deadline) VALUES (?, ?, ?, ?, ?)", id,
                question, poll.multiple, poll.anonymous, poll.deadline);
        for (std::size_t i = 0; i < poll.options.size(); ++i) {
            tx.Exec("INSERT INTO poll_options(message_id, idx, text) VALUES (?, ?, ?)", id, static_cast<std::int64_t>(i),
                    std::string(text::Trim(poll.options[i])));
        }
        IndexMessage(tx, id, question);
        tx.Exec("UPDATE chats SET last_activity_at = ?, last_message_id = ? WHERE id = ?", now, id, chat_id);
        tx.Exec("UPDATE members SET last_read_message_id = ? WHERE chat_id = ? AND user_id = ?", id, chat_id, actor.user_id);
        auto m = LoadMessage(tx, id);
        EmitMessage(tx, "message.created", *m);
        return std::pair<Message, bool>{*LoadMessage(tx, id, actor.user_id), true};
    });
}

Result<Message> ChatService::Vote(const Actor& actor, Id message_id, const std::vector<int>& options) {
    return db_.Write([&](Tx& tx) -> Result<Message> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        auto& [m, a] = found;
        if (!a.is_member() || m.deleted) return Error::NotFound("message");
        if (!m.poll) return Error::InvalidArgument("this message is not a poll");
        VECHE_RETURN_IF_ERROR(CheckWritable(a));
        if (m.poll->closed(NowMs())) return Error::Conflict("poll_closed", "the poll is closed");
        std::set<int> chosen(options.begin(), options.end());
        if (chosen.size() != options.size()) return Error::InvalidArgument("each option may be chosen once");
        if (!m.poll->multiple && chosen.size() > 1) return Error::InvalidArgument("this poll takes one option");
        for (int i : chosen) {
            if (i < 0 || i >= static_cast<int>(m.poll->options.size()))
                return Error::InvalidArgument("no such option: " + std::to_string(i));
        }
        // A new vote replaces the previous one; an empty list takes the vote back.
        tx.Exec("DELETE FROM poll_votes WHERE message_id = ? AND user_id = ?", m.id, actor.user_id);
        for (int i : chosen) {
            tx.Exec("INSERT INTO poll_votes(message_id, user_id, idx, created_at) VALUES (?, ?, ?, ?)", m.id, actor.user_id,
                    i, NowMs());
        }
        auto shared = LoadMessage(tx, m.id);
        EmitMessage(tx, "message.updated", *shared);
        return *LoadMessage(tx, m.id, actor.user_id);
    });
}

Result<Message> ChatService::ClosePoll(const Actor& actor, Id message_id) {
    return db_.Write([&](Tx& tx) -> Result<Message> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        auto& [m, a] = found;
        if (!a.is_member() || m.deleted) return Error::NotFound("message");
        if (!m.poll) return Error::InvalidArgument("this message is not a poll");
        if (m.author_id != actor.user_id && !a.is_manager()) return Error::Forbidden("only the author or chat admins close a poll");
        if (!m.poll->closed_at) {
            tx.Exec("UPDATE polls SET closed_at = ? WHERE message_id = ?", NowMs(), m.id);
            auto shared = LoadMessage(tx, m.id);
            EmitMessage(tx, "message.updated", *shared);
        }
        return *LoadMessage(tx, m.id, actor.user_id);
    });
}

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
            tx.Exec("INSERT INTO thread_followers(root_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", root_id, actor.user_id);
        else
            tx.Exec("DELETE FROM thread_followers WHERE root_id = ? AND user_id = ?", root_id, actor.user_id);
        return {};
    });
}

Result<Message> ChatService::Forward(const Actor& actor, Id message_id, Id to_chat_id, std::optional<std::string> comment) {
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
            tx.Exec("INSERT INTO messages(id, chat_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?)", cid, to_chat_id,
                    actor.user_id, *comment, now);
            IndexMessage(tx, cid, *comment);
            auto c = LoadMessage(tx, cid);
            EmitMessage(tx, "message.created", *c);
        }
        // A forward of a forward credits the original author.
        Id original_author = src.forwarded_author_id ? src.forwarded_author_id : src.author_id;
        std::int64_t original_at = src.forwarded_at.value_or(src.created_at);
        Id id = GlobalIds().Next();
        tx.Exec("INSERT INTO messages(id, chat_id, author_id, text, created_at, forwarded_author_id, forwarded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                id, to_chat_id, actor.user_id, src.text, NowMs(), original_author, original_at);
        IndexMessage(tx, id, src.text);
        // The files travel with the text: new rows in the target chat over the same stored bytes, so
        // that who may download them follows the target chat's membership from now on.
        for (const auto& f : src.files) {
            tx.Exec("INSERT INTO files(id, chat_id, uploader_id, message_id, name, size, content_type, sha256, width, "
                    "height, has_thumbnail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    GlobalIds().Next(), to_chat_id, f.uploader_id, id, f.name, f.size, f.content_type, f.sha256,
                    static_cast<std::int64_t>(f.width), static_cast<std::int64_t>(f.height), f.has_thumbnail, now);
        }
        tx.Exec("UPDATE chats SET last_activity_at = ?, last_message_id = ? WHERE id = ?", now, id, to_chat_id);
        tx.Exec("UPDATE members SET last_read_message_id = ? WHERE chat_id = ? AND user_id = ?", id, to_chat_id, actor.user_id);
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
        if (a.chat.type == "channel" && !a.is_manager()) return Error::Forbidden("only owners and admins pin in channels");
        if (pin != m.pinned_at.has_value()) {
            if (pin && tx.QueryInt("SELECT COUNT(*) FROM messages WHERE chat_id = ? AND pinned_at IS NOT NULL", m.chat_id)
                               .value_or(0) >= 100)
                return Error::Conflict("too_many_pins", "a chat has at most 100 pinned messages");
            if (pin)
                tx.Exec("UPDATE messages SET pinned_at = ?, pinned_by = ? WHERE id = ?", NowMs(), actor.user_id, m.id);
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
        static const std::string sql =
            S(kMessageSelect, "WHERE chat_id = ? AND pinned_at IS NOT NULL AND deleted_at IS NULL ORDER BY pinned_at DESC, id DESC");
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

Result<std::vector<Id>> ChatService::SeenBy(const Actor& actor, Id message_id) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Id>> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        auto& [m, a] = found;
        if (!a.is_member()) return Error::NotFound("message");
        if (a.chat.member_count > kMaxSeenByMembers)
            return Error::Conflict("chat_too_large", "read receipts are kept for chats of up to 50 members");
        std::vector<Id> out;
        auto& st = tx.Query(
            "SELECT user_id FROM members WHERE chat_id = ? AND user_id <> ? AND last_read_message_id >= ? ORDER BY user_id",
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
        tx.Exec("UPDATE members SET notify = ? WHERE chat_id = ? AND user_id = ?", level, chat_id, actor.user_id);
        return BuildView(tx, actor.user_id, std::move(a.chat), a.role);
    });
}

Result<std::vector<Notification>> ChatService::Notifications(const Actor& actor, std::optional<Id> before, int limit,
                                                              bool unread_only) {
    if (limit < 1 || limit > kMaxPageSize) return Error::InvalidArgument("'limit' must be between 1 and 200");
    return db_.Read([&](Tx& tx) -> Result<std::vector<Notification>> {
        std::vector<Notification> out;
        // Only notifications of chats the user is still in (leaving a chat takes its notifications away),
        // and of messages that are not deleted.
        auto& st = tx.Query(
            "SELECT n.id, n.kind, n.chat_id, n.message_id, n.actor_id, n.created_at, n.read_at FROM notifications n "
            "JOIN members mb ON mb.chat_id = n.chat_id AND mb.user_id = n.user_id "
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
            tx.Exec("UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", now, actor.user_id);
        } else {
            for (Id id : ids)
                tx.Exec("UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL", now, id,
                        actor.user_id);
        }
        return {};
    });
}

Status ChatService::CheckCanUpload(const Actor& actor, Id chat_id) {
    return db_.Read([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        return CheckWritable(a);
    });
}

namespace {
// Orders the transactions that add and remove rows naming one content hash across PostgreSQL nodes
// (SQLite has one writer, so they are ordered already): a cleanup that finds no row left and moves
// the bytes aside commits before a concurrent upload of the same bytes records its row, and that
// upload then sees the bytes gone and stores its own copy (FileStore::EnsureStored).
void LockContentHash(Tx& tx, const std::string& sha256) {
    if (tx.dialect() == storage::Dialect::kPostgres)
        tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", "veche.file." + sha256);
}
}  // namespace

Result<std::int64_t> ChatService::UploadedBytes(Id user_id) {
    return db_.Read([&](Tx& tx) -> Result<std::int64_t> {
        return tx.QueryInt("SELECT COALESCE(SUM(size), 0) FROM files WHERE uploader_id = ?", user_id).value_or(0);
    });
}

Result<bool> ChatService::ContentInUse(const std::string& sha256) {
    return db_.Read([&](Tx& tx) -> Result<bool> {
        return tx.QueryInt("SELECT 1 FROM files WHERE sha256 = ? LIMIT 1", sha256).has_value();
    });
}

Result<int> ChatService::DeleteUnattachedFiles(std::int64_t created_before_ms, int limit,
                                               const std::function<void(const std::string&)>& release) {
    return db_.Write([&](Tx& tx) -> Result<int> {
        std::vector<std::pair<Id, std::string>> old;
        auto& st = tx.Query("SELECT id, sha256 FROM files WHERE message_id IS NULL AND created_at < ? "
                            "ORDER BY created_at LIMIT ?",
                            created_before_ms, limit);
        while (st.Step()) old.emplace_back(st.Int(0), st.Text(1));
        std::set<std::string> hashes;
        for (const auto& [id, sha] : old) hashes.insert(sha);
        // In hash order, so that two nodes cleaning up at once take the locks in the same order.
        for (const auto& sha : hashes) LockContentHash(tx, sha);
        int deleted = 0;
        std::set<std::string> touched;
        for (const auto& [id, sha] : old) {
            // Re-checked: another node may have deleted it, or its uploader posted it meanwhile.
            if (tx.Exec("DELETE FROM files WHERE id = ? AND message_id IS NULL", id) == 1) {
                ++deleted;
                touched.insert(sha);
            }
        }
        for (const auto& sha : touched) {
            if (!tx.QueryInt("SELECT 1 FROM files WHERE sha256 = ? LIMIT 1", sha)) release(sha);
        }
        return deleted;
    });
}

Result<FileInfo> ChatService::RecordFile(const Actor& actor, Id chat_id, const FileInfo& file) {
    return db_.Write([&](Tx& tx) -> Result<FileInfo> {
        // Checked again in the writing transaction: membership may have changed during the upload.
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        VECHE_RETURN_IF_ERROR(CheckWritable(a));
        FileInfo f = file;
        f.id = GlobalIds().Next();
        f.chat_id = chat_id;
        f.uploader_id = actor.user_id;
        f.message_id = 0;
        f.created_at = NowMs();
        LockContentHash(tx, f.sha256);
        tx.Exec("INSERT INTO files(id, chat_id, uploader_id, name, size, content_type, sha256, width, height, "
                "has_thumbnail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                f.id, f.chat_id, f.uploader_id, f.name, f.size, f.content_type, f.sha256, f.width, f.height,
                f.has_thumbnail, f.created_at);
        return f;
    });
}

Result<FileInfo> ChatService::GetFile(const Actor& actor, Id file_id) {
    return db_.Read([&](Tx& tx) -> Result<FileInfo> {
        static const std::string sql = S(kFileSelect, "WHERE id = ?");
        auto& st = tx.Query(sql, file_id);
        if (!st.Step()) return Error::NotFound("file");
        FileInfo f = ReadFile(st);
        while (st.Step()) {}
        if (!RoleOf(tx, f.chat_id, actor.user_id)) return Error::NotFound("file");
        if (f.message_id == 0) {
            if (f.uploader_id != actor.user_id) return Error::NotFound("file");
        } else if (tx.QueryInt("SELECT 1 FROM messages WHERE id = ? AND deleted_at IS NULL", f.message_id) != 1) {
            return Error::NotFound("file");  // deleting the message hides its files
        }
        return f;
    });
}

Result<std::vector<FileInfo>> ChatService::ListFiles(const Actor& actor, Id chat_id, std::optional<Id> before, int limit) {
    if (limit < 1 || limit > kMaxPageSize) return Error::InvalidArgument("'limit' must be between 1 and 200");
    return db_.Read([&](Tx& tx) -> Result<std::vector<FileInfo>> {
        VECHE_RETURN_IF_ERROR(SeeAsMember(tx, actor, chat_id));
        std::vector<FileInfo> out;
        auto& st = tx.Query(
            "SELECT f.id, f.chat_id, f.uploader_id, f.message_id, f.name, f.size, f.content_type, f.sha256, f.width, "
            "f.height, f.has_thumbnail, f.created_at FROM files f JOIN messages m ON m.id = f.message_id "
            "WHERE f.chat_id = ? AND f.id < ? AND m.deleted_at IS NULL ORDER BY f.id DESC LIMIT ?",
            chat_id, before.value_or(INT64_MAX), static_cast<std::int64_t>(limit));
        while (st.Step()) out.push_back(ReadFile(st));
        return out;
    });
}


Result<HistoryPage> ChatService::History(const Actor& actor, Id chat_id, const HistoryQuery& q) {
    VECHE_RETURN_IF_ERROR(ValidatePaging(q));
    if (q.include_deleted && !actor.is_admin) return Error::Forbidden("only administrators see deleted messages");
    return db_.Read([&](Tx& tx) -> Result<HistoryPage> {
        VECHE_ASSIGN_OR_RETURN(Access a, See(tx, actor, chat_id));
        if (!a.is_member() && !actor.is_admin) return Error::NotFound("chat");
        // Thread replies live in their threads, not in the chat's history.
        static const std::string after_sql =
            S(kMessageSelect, "WHERE chat_id = ? AND id > ? AND thread_root_id IS NULL ORDER BY id ASC LIMIT ?");
        static const std::string before_sql =
            S(kMessageSelect, "WHERE chat_id = ? AND id < ? AND thread_root_id IS NULL ORDER BY id DESC LIMIT ?");
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
        VECHE_RETURN_IF_ERROR(CheckMutable(a.chat, m));
        if (m.text == body) return std::move(m);
        std::int64_t now = NowMs();
        std::int64_t version =
            tx.QueryInt("SELECT COALESCE(MAX(version), 0) + 1 FROM message_versions WHERE message_id = ?", m.id).value_or(1);
        // The previous text becomes a version, stamped with when it was written.
        tx.Exec("INSERT INTO message_versions(message_id, version, text, editor_id, created_at) VALUES (?, ?, ?, ?, ?)",
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
        if (a.chat.archived) return Error::Conflict("chat_archived", "chat is archived");
        VECHE_RETURN_IF_ERROR(CheckMutable(a.chat, m));
        tx.Exec("UPDATE messages SET deleted_at = ?, deleted_by = ? WHERE id = ?", NowMs(), actor.user_id, m.id);
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
            "SELECT text, editor_id, created_at FROM message_versions WHERE message_id = ? ORDER BY version", message_id);
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
            if (tx.QueryInt("SELECT COUNT(DISTINCT emoji) FROM reactions WHERE message_id = ?", m.id).value_or(0) >= 50 &&
                !tx.QueryInt("SELECT 1 FROM reactions WHERE message_id = ? AND emoji = ? LIMIT 1", m.id, emoji))
                return Error::Conflict("too_many_reactions", "a message has at most 50 different reactions");
            changed = tx.Exec("INSERT INTO reactions(message_id, emoji, user_id, created_at) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT DO NOTHING",
                              m.id, emoji, actor.user_id, NowMs());
        } else {
            changed = tx.Exec("DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?", m.id, emoji,
                              actor.user_id);
        }
        auto fresh = LoadMessage(tx, m.id);
        if (changed > 0) EmitMessage(tx, "message.updated", *fresh);
        return std::move(*fresh);
    });
}

Result<SearchPage> ChatService::Search(const Actor& actor, const SearchQuery& q) {
    std::string match = MatchExpression(q.text);
    if (match.empty()) return Error::InvalidArgument("query parameter 'query' must contain a word");
    if (q.limit < 1 || q.limit > 100) return Error::InvalidArgument("'limit' must be between 1 and 100");
    return db_.Read([&](Tx& tx) -> Result<SearchPage> {
        if (q.chat_id) VECHE_RETURN_IF_ERROR(SeeAsMember(tx, actor, *q.chat_id));
        // FTS5 walks its index newest-first (rowids are time-ordered ids), so the filters and LIMIT
        // stop the scan early instead of ranking every match.
#define VECHE_SEARCH_FILTERS                                                   \
    "AND m.chat_id IN (SELECT chat_id FROM members WHERE user_id = ?) "          \
    "AND (CAST(? AS BIGINT) IS NULL OR m.chat_id = ?) "                          \
    "AND (CAST(? AS BIGINT) IS NULL OR m.author_id = ?) "                        \
    "AND (CAST(? AS BIGINT) IS NULL OR m.created_at >= ?) "                      \
    "AND (CAST(? AS BIGINT) IS NULL OR m.created_at < ?) "                       \
    "AND (? = 0 OR EXISTS (SELECT 1 FROM files f WHERE f.message_id = m.id)) "
        // The query's words are quoted phrases in both engines: FTS5 MATCH syntax, and PostgreSQL's
        // websearch_to_tsquery, which reads "…" as a phrase and never fails on user input.
        auto& st = tx.dialect() == storage::Dialect::kPostgres
            ? tx.Query(
                  "SELECT " VECHE_MESSAGE_COLUMNS("m.") ", ts_headline('veche', m.text, q.q, "
                  "'StartSel=\uE000, StopSel=\uE001, MaxWords=24, MinWords=8, MaxFragments=1, "
                  "FragmentDelimiter=…') "
                  "FROM (SELECT websearch_to_tsquery('veche', translate(?, 'Ёё', 'Ее')) AS q) q "
                  "JOIN message_search s ON s.search @@ q.q JOIN messages m ON m.id = s.message_id "
                  "WHERE s.message_id < ? AND m.deleted_at IS NULL " VECHE_SEARCH_FILTERS
                  "ORDER BY s.message_id DESC LIMIT ?",
                  match, q.before.value_or(INT64_MAX), actor.user_id, q.chat_id, q.chat_id, q.author_id,
                  q.author_id, q.from_ms, q.from_ms, q.to_ms, q.to_ms, q.has_file,
                  static_cast<std::int64_t>(q.limit) + 1)
            : tx.Query(
                  "SELECT " VECHE_MESSAGE_COLUMNS("m.") ", snippet(messages_fts, 0, char(57344), char(57345), '…', 24) "
                  "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
                  "WHERE messages_fts MATCH ? AND messages_fts.rowid < ? AND m.deleted_at IS NULL " VECHE_SEARCH_FILTERS
                  "ORDER BY messages_fts.rowid DESC LIMIT ?",
                  match, q.before.value_or(INT64_MAX), actor.user_id, q.chat_id, q.chat_id, q.author_id,
                  q.author_id, q.from_ms, q.from_ms, q.to_ms, q.to_ms, q.has_file,
                  static_cast<std::int64_t>(q.limit) + 1);
#undef VECHE_SEARCH_FILTERS
        SearchPage page;
        while (st.Step()) page.hits.push_back({ReadMessage(st), st.Text(kMessageColumnCount)});
        if (static_cast<int>(page.hits.size()) > q.limit) {
            page.hits.pop_back();
            page.next_before = page.hits.back().message.id;
        }
        std::vector<Message> messages;
        for (auto& h : page.hits) messages.push_back(std::move(h.message));
        LoadExtras(tx, messages, actor.user_id);
        for (std::size_t i = 0; i < messages.size(); ++i) page.hits[i].message = std::move(messages[i]);
        return page;
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
