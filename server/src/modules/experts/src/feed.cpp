// The feed and the discussion topics of a community (veche/experts/content.hpp), and the content
// observer (veche/experts/outcomes.hpp).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "json_strings.hpp"
#include "community_store.hpp"
#include "events.hpp"
#include "veche/chat/bound_chats.hpp"
#include "veche/core/clock.hpp"
#include "veche/experts/content.hpp"
#include "veche/experts/outcomes.hpp"
#include "veche/experts/sanitize.hpp"

namespace veche::experts {

namespace bj = boost::json;
using storage::Tx;

namespace {

ContentObserver& Observer() {
    static ContentObserver observer;
    return observer;
}

}  // namespace

void SetContentObserver(ContentObserver observer) { Observer() = std::move(observer); }

Status ReportContentOutcome(Tx& tx, const ContentOutcome& outcome) {
    if (!Observer()) return {};
    return Observer()(tx, outcome);
}

inline constexpr std::string_view kTopicChatKind = "community_topic";

bool IsCommunityMember(Tx& tx, const Access& access, Id user_id, Id community_id) {
    return store::IsSubscribed(tx, community_id, user_id) || access.IsModerator(tx, user_id) ||
           access.IsCurator(tx, user_id, community_id) || access.IsExpert(tx, user_id, community_id);
}

Id AddFeedItem(Tx& tx, Id community_id, std::string_view kind, Id author_id, const std::string& text,
               std::optional<Id> source_id) {
    Id id = GlobalIds().Next();
    tx.Exec(
        "INSERT INTO experts_feed(id, community_id, kind, author_id, text, links, source_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, '[]', ?, ?)",
        id, community_id, kind, author_id, text, source_id, NowMs());
    return id;
}

ContentService::ContentService(storage::Database& db, const Access& access, Notices& notices)
    : db_(db), access_(access), notices_(notices) {}

namespace {

Error Guest() { return Error::Forbidden("guest accounts have no place in the expert network"); }

// The community, seen by the caller (404 otherwise).
Result<Community> Visible(Tx& tx, const Access& access, const Actor& actor, Id community_id) {
    if (!access.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
    auto c = store::LoadCommunity(tx, community_id);
    if (!c) return Error::NotFound("community");
    return std::move(*c);
}

// The community, for a member's write: visible (404), a member (403), not archived (409).
Result<Community> Writable(Tx& tx, const Access& access, const Actor& actor, Id community_id) {
    VECHE_ASSIGN_OR_RETURN(auto c, Visible(tx, access, actor, community_id));
    if (!IsCommunityMember(tx, access, actor.user_id, community_id))
        return Error::Forbidden("subscribe to the community to contribute to it");
    if (c.archived_at) return Error::Conflict("community_archived", "an archived community is read-only");
    return c;
}

constexpr std::string_view kFeedSelect =
    "SELECT f.id, f.community_id, f.kind, f.author_id, COALESCE(NULLIF(u.display_name, ''), u.username), "
    "f.text, "
    "f.links, f.source_id, f.created_at, COALESCE(a.title, e.title) FROM experts_feed f "
    "JOIN users u ON u.id = f.author_id "
    "LEFT JOIN experts_articles a ON f.kind = 'article' AND a.id = f.source_id "
    "LEFT JOIN experts_events e ON f.kind = 'event_summary' AND e.id = f.source_id ";

FeedItem ReadFeedItem(storage::Statement& st) {
    FeedItem f;
    f.id = st.Int(0);
    f.community_id = st.Int(1);
    f.kind = st.Text(2);
    f.author_id = st.Int(3);
    f.author_name = st.Text(4);
    f.text = st.Text(5);
    f.links = StringsFromText(st.Text(6));
    f.source_id = st.OptInt(7);
    f.created_at = st.Int(8);
    if (!st.IsNull(9)) f.title = st.Text(9);
    return f;
}

Topic ReadTopic(Tx& tx, Id topic_id, Id viewer) {
    Topic t;
    auto& st = tx.Query(
        "SELECT id, community_id, chat_id, title, created_by, created_at FROM experts_topics "
        "WHERE id = ?",
        topic_id);
    if (st.Step()) {
        t.id = st.Int(0);
        t.community_id = st.Int(1);
        t.chat_id = st.Int(2);
        t.title = st.Text(3);
        t.created_by = st.Int(4);
        t.created_at = st.Int(5);
    }
    while (st.Step()) {
    }
    t.members = tx.QueryInt("SELECT COUNT(*) FROM members WHERE chat_id = ?", t.chat_id).value_or(0);
    t.joined =
        tx.QueryInt("SELECT 1 FROM members WHERE chat_id = ? AND user_id = ?", t.chat_id, viewer).has_value();
    return t;
}

}  // namespace

Result<std::vector<FeedItem>> ContentService::Feed(const Actor& actor, Id community_id,
                                                   std::optional<Id> before, int limit) {
    if (actor.is_guest) return Guest();
    return db_.Read([&](Tx& tx) -> Result<std::vector<FeedItem>> {
        VECHE_ASSIGN_OR_RETURN(auto c, Visible(tx, access_, actor, community_id));
        std::vector<FeedItem> out;
        auto& st =
            before
                ? tx.Query(std::string(kFeedSelect) +
                               "WHERE f.community_id = ? AND f.id < ? ORDER BY f.id DESC LIMIT ?",
                           c.id, *before, limit)
                : tx.Query(std::string(kFeedSelect) + "WHERE f.community_id = ? ORDER BY f.id DESC LIMIT ?",
                           c.id, limit);
        while (st.Step()) out.push_back(ReadFeedItem(st));
        return out;
    });
}

Result<FeedItem> ContentService::Post(const Actor& actor, Id community_id, const NewPost& post) {
    if (actor.is_guest) return Guest();
    std::string text = SanitizeHtml(post.text);
    if (HtmlToText(text).empty() && post.links.empty())
        return Error{ErrorCode::kUnprocessable, "field_required", "field 'text' is required"};
    return db_.Write([&](Tx& tx) -> Result<FeedItem> {
        VECHE_ASSIGN_OR_RETURN(auto c, Writable(tx, access_, actor, community_id));
        Id id = GlobalIds().Next();
        bj::array links;
        for (const auto& l : post.links) links.emplace_back(l);
        tx.Exec(
            "INSERT INTO experts_feed(id, community_id, kind, author_id, text, links, source_id, created_at) "
            "VALUES (?, ?, 'post', ?, ?, ?, NULL, ?)",
            id, c.id, actor.user_id, text, bj::serialize(links), NowMs());
        auto& st = tx.Query(std::string(kFeedSelect) + "WHERE f.id = ?", id);
        if (!st.Step()) return Error::Internal();
        FeedItem f = ReadFeedItem(st);
        while (st.Step()) {
        }
        return f;
    });
}

Result<std::vector<Topic>> ContentService::Topics(const Actor& actor, Id community_id) {
    if (actor.is_guest) return Guest();
    return db_.Read([&](Tx& tx) -> Result<std::vector<Topic>> {
        VECHE_ASSIGN_OR_RETURN(auto c, Visible(tx, access_, actor, community_id));
        std::vector<Id> ids;
        auto& st =
            tx.Query("SELECT id FROM experts_topics WHERE community_id = ? ORDER BY id DESC LIMIT 500", c.id);
        while (st.Step()) ids.push_back(st.Int(0));
        std::vector<Topic> out;
        for (Id id : ids) out.push_back(ReadTopic(tx, id, actor.user_id));
        return out;
    });
}

Result<Topic> ContentService::CreateTopic(const Actor& actor, Id community_id, const std::string& title) {
    if (actor.is_guest) return Guest();
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return db_.Write([&](Tx& tx) -> Result<Topic> {
        VECHE_ASSIGN_OR_RETURN(auto c, Writable(tx, access_, actor, community_id));
        chat::BoundChatSpec spec;
        spec.kind = std::string(kTopicChatKind);
        spec.owner_id = bot;
        spec.name = title;
        spec.topic = "Тема сообщества «" + c.title + "»";
        spec.members = {{actor.user_id, "admin"}};
        VECHE_ASSIGN_OR_RETURN(auto chat, chat::CreateBoundChat(tx, spec));
        Id id = GlobalIds().Next();
        tx.Exec(
            "INSERT INTO experts_topics(id, community_id, chat_id, title, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            id, c.id, chat.id, title, actor.user_id, NowMs());
        return ReadTopic(tx, id, actor.user_id);
    });
}

Result<Topic> ContentService::JoinTopic(const Actor& actor, Id topic_id) {
    if (actor.is_guest) return Guest();
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return db_.Write([&](Tx& tx) -> Result<Topic> {
        auto community_id = tx.QueryInt("SELECT community_id FROM experts_topics WHERE id = ?", topic_id);
        if (!community_id || !access_.CommunityVisible(tx, actor.user_id, *community_id))
            return Error::NotFound("topic");
        VECHE_ASSIGN_OR_RETURN(auto c, Visible(tx, access_, actor, *community_id));
        Topic t = ReadTopic(tx, topic_id, actor.user_id);
        if (t.joined) return t;
        if (c.archived_at) return Error::Conflict("community_archived", "an archived community is read-only");
        std::vector<chat::BoundMember> members;
        for (const auto& m : chat::BoundMembers(tx, t.chat_id))
            if (m.user_id != bot) members.push_back({m.user_id, m.role});
        members.push_back({actor.user_id, "member"});
        VECHE_RETURN_IF_ERROR(chat::SetBoundMembers(tx, t.chat_id, bot, members));
        return ReadTopic(tx, topic_id, actor.user_id);
    });
}

}  // namespace veche::experts
