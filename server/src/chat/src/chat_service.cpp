#include "veche/chat/chat_service.hpp"

#include <algorithm>
#include <map>
#include <set>

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
constexpr std::string_view kMessageSelect =
    "SELECT id, chat_id, author_id, text, client_id, created_at, edited_at, deleted_at FROM messages ";

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

void LoadReactions(Tx& tx, std::vector<Message>& messages) {
    if (messages.empty()) return;
    std::map<Id, Message*> by_id;
    Id lo = messages.front().id, hi = messages.front().id;
    for (auto& m : messages) {
        by_id[m.id] = &m;
        lo = std::min(lo, m.id);
        hi = std::max(hi, m.id);
    }
    auto& st = tx.Query(
        "SELECT r.message_id, r.emoji, r.user_id FROM messages m JOIN reactions r ON r.message_id = m.id "
        "WHERE m.chat_id = ? AND m.id BETWEEN ? AND ? ORDER BY r.message_id, r.created_at",
        messages.front().chat_id, lo, hi);
    while (st.Step()) {
        auto it = by_id.find(st.Int(0));
        if (it == by_id.end()) continue;
        auto& reactions = it->second->reactions;
        std::string emoji = st.Text(1);
        auto r = std::find_if(reactions.begin(), reactions.end(), [&](const Reaction& x) { return x.emoji == emoji; });
        if (r == reactions.end()) {
            reactions.push_back({emoji, {}});
            r = reactions.end() - 1;
        }
        r->user_ids.push_back(st.Int(2));
    }
}

std::optional<Message> LoadMessage(Tx& tx, Id message_id) {
    static const std::string sql = S(kMessageSelect, "WHERE id = ?");
    auto& st = tx.Query(sql, message_id);
    if (!st.Step()) return std::nullopt;
    std::vector<Message> one{ReadMessage(st)};
    while (st.Step()) {}
    LoadReactions(tx, one);
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
    auto m = LoadMessage(tx, message_id);
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

// Full-text index upkeep (SQLite FTS5 external-content table: removal must name the old text).
void IndexMessage(Tx& tx, Id id, const std::string& text) {
    tx.Exec("INSERT INTO messages_fts(rowid, text) VALUES (?, ?)", id, text);
}
void UnindexMessage(Tx& tx, Id id, const std::string& text) {
    tx.Exec("INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', ?, ?)", id, text);
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

ChatView BuildView(Tx& tx, Id viewer, Chat chat, std::optional<std::string> role) {
    ChatView v;
    v.my_role = std::move(role);
    static const std::string last_sql =
        S(kMessageSelect, "WHERE chat_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT 1");
    {
        auto& st = tx.Query(last_sql, chat.id);
        if (st.Step()) v.last_message = ReadMessage(st);
        while (st.Step()) {}
    }
    if (v.last_message) {
        std::vector<Message> one{std::move(*v.last_message)};
        LoadReactions(tx, one);
        v.last_message = std::move(one.front());
    }
    if (v.my_role) {
        v.last_read_message_id =
            tx.QueryInt("SELECT last_read_message_id FROM members WHERE chat_id = ? AND user_id = ?", chat.id, viewer)
                .value_or(0);
        v.unread_count = tx.QueryInt("SELECT COUNT(*) FROM messages WHERE chat_id = ? AND id > ? AND "
                                     "deleted_at IS NULL AND author_id <> ?",
                                     chat.id, v.last_read_message_id, viewer)
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
        VECHE_RETURN_IF_ERROR(SeeAsMember(tx, actor, chat_id));
        if (!tx.QueryInt("SELECT 1 FROM messages WHERE id = ? AND chat_id = ?", message_id, chat_id))
            return Error::NotFound("message");
        // The marker only moves forward: a late request from another device must not resurrect unreads.
        if (tx.Exec("UPDATE members SET last_read_message_id = ? WHERE chat_id = ? AND user_id = ? AND "
                    "last_read_message_id < ?",
                    message_id, chat_id, actor.user_id, message_id) > 0) {
            Event e;
            e.target_user_id = actor.user_id;
            e.kind = "chat.read";
            e.data_json = json::Serialize(boost::json::object{{"chat_id", IdToString(chat_id)},
                                                              {"last_read_message_id", IdToString(message_id)}});
            tx.Emit(std::move(e));
        }
        ReadState rs;
        rs.last_read_message_id =
            tx.QueryInt("SELECT last_read_message_id FROM members WHERE chat_id = ? AND user_id = ?", chat_id,
                        actor.user_id)
                .value_or(0);
        rs.unread_count = tx.QueryInt("SELECT COUNT(*) FROM messages WHERE chat_id = ? AND id > ? AND deleted_at IS NULL "
                                      "AND author_id <> ?",
                                      chat_id, rs.last_read_message_id, actor.user_id)
                              .value_or(0);
        return rs;
    });
}

Result<std::pair<Message, bool>> ChatService::Post(const Actor& actor, Id chat_id, std::string_view body,
                                                   std::optional<std::string> client_id) {
    VECHE_RETURN_IF_ERROR(ValidateText(body));
    if (client_id && (client_id->empty() || client_id->size() > kMaxClientIdBytes))
        return Error::InvalidArgument("field 'client_id' must be 1 to 64 bytes");
    return db_.Write([&](Tx& tx) -> Result<std::pair<Message, bool>> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (client_id) {
            if (auto existing = tx.QueryInt("SELECT id FROM messages WHERE chat_id = ? AND author_id = ? AND client_id = ?",
                                            chat_id, actor.user_id, *client_id)) {
                return std::pair<Message, bool>{*LoadMessage(tx, *existing), false};
            }
        }
        VECHE_RETURN_IF_ERROR(CheckWritable(a));
        Message m;
        m.id = GlobalIds().Next();
        m.chat_id = chat_id;
        m.author_id = actor.user_id;
        m.text = std::string(body);
        m.client_id = std::move(client_id);
        m.created_at = NowMs();
        tx.Exec("INSERT INTO messages(id, chat_id, author_id, text, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                m.id, m.chat_id, m.author_id, m.text, m.client_id, m.created_at);
        tx.Exec("UPDATE chats SET last_activity_at = ?, last_message_id = ? WHERE id = ?", m.created_at, m.id, chat_id);
        IndexMessage(tx, m.id, m.text);
        // Your own message is read by you.
        tx.Exec("UPDATE members SET last_read_message_id = ? WHERE chat_id = ? AND user_id = ?", m.id, chat_id,
                actor.user_id);
        EmitToChat(tx, chat_id, "message.created", MessageToJson(m, 0));
        return std::pair<Message, bool>{std::move(m), true};
    });
}

Result<HistoryPage> ChatService::History(const Actor& actor, Id chat_id, const HistoryQuery& q) {
    if (q.before && q.after) return Error::InvalidArgument("use either 'before' or 'after', not both");
    if (q.limit < 1 || q.limit > kMaxPageSize) return Error::InvalidArgument("'limit' must be between 1 and 200");
    if (q.include_deleted && !actor.is_admin) return Error::Forbidden("only administrators see deleted messages");
    return db_.Read([&](Tx& tx) -> Result<HistoryPage> {
        VECHE_ASSIGN_OR_RETURN(Access a, See(tx, actor, chat_id));
        if (!a.is_member() && !actor.is_admin) return Error::NotFound("chat");
        HistoryPage page;
        std::int64_t fetch = q.limit + 1;
        if (q.after) {
            static const std::string sql = S(kMessageSelect, "WHERE chat_id = ? AND id > ? ORDER BY id ASC LIMIT ?");
            auto& st = tx.Query(sql, chat_id, *q.after, fetch);
            while (st.Step()) page.messages.push_back(ReadMessage(st));
        } else {
            static const std::string sql = S(kMessageSelect, "WHERE chat_id = ? AND id < ? ORDER BY id DESC LIMIT ?");
            auto& st = tx.Query(sql, chat_id, q.before.value_or(INT64_MAX), fetch);
            while (st.Step()) page.messages.push_back(ReadMessage(st));
        }
        page.has_more = static_cast<std::int64_t>(page.messages.size()) > q.limit;
        if (page.has_more) page.messages.pop_back();
        if (!q.after) std::reverse(page.messages.begin(), page.messages.end());
        LoadReactions(tx, page.messages);
        return page;
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
        EmitToChat(tx, m.chat_id, "message.updated", MessageToJson(m, 0));
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
            EmitToChat(tx, m.chat_id, "message.restored", MessageToJson(m, 0));
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
        if (changed > 0) EmitToChat(tx, m.chat_id, "message.updated", MessageToJson(*fresh, 0));
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
        auto& st = tx.Query(
            "SELECT m.id, m.chat_id, m.author_id, m.text, m.client_id, m.created_at, m.edited_at, m.deleted_at, "
            "snippet(messages_fts, 0, char(57344), char(57345), '…', 24) "
            "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
            "WHERE messages_fts MATCH ? AND messages_fts.rowid < ? AND m.deleted_at IS NULL "
            "AND m.chat_id IN (SELECT chat_id FROM members WHERE user_id = ?) "
            "AND (? IS NULL OR m.chat_id = ?) AND (? IS NULL OR m.author_id = ?) "
            "AND (? IS NULL OR m.created_at >= ?) AND (? IS NULL OR m.created_at < ?) "
            "ORDER BY messages_fts.rowid DESC LIMIT ?",
            match, q.before.value_or(INT64_MAX), actor.user_id, q.chat_id, q.chat_id, q.author_id, q.author_id,
            q.from_ms, q.from_ms, q.to_ms, q.to_ms, static_cast<std::int64_t>(q.limit) + 1);
        SearchPage page;
        while (st.Step()) page.hits.push_back({ReadMessage(st), st.Text(8)});
        if (static_cast<int>(page.hits.size()) > q.limit) {
            page.hits.pop_back();
            page.next_before = page.hits.back().message.id;
        }
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
