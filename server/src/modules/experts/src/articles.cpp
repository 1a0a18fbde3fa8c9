// Articles — best practices and success stories — and the catalogue (veche/experts/content.hpp).
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "json_strings.hpp"
#include "community_store.hpp"
#include "events.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/text.hpp"
#include "veche/experts/content.hpp"
#include "veche/experts/outcomes.hpp"
#include "veche/experts/sanitize.hpp"
#include "veche/files/attachments.hpp"
#include "veche/search/search_index.hpp"

namespace veche::experts {

namespace bj = boost::json;
using storage::Tx;

inline constexpr std::string_view kArticleSearchKind = "experts_article";

bool IsArticleKind(std::string_view kind) { return kind == "best_practice" || kind == "success_story"; }

namespace {

constexpr std::string_view kArticleSelect =
    "SELECT a.id, a.community_id, a.kind, a.title, a.summary, a.body, a.slides, a.state, a.author_id, "
    "COALESCE(NULLIF(u.display_name, ''), u.username), a.reviewer_id, a.return_reason, a.created_at, "
    "a.updated_at, "
    "a.submitted_at, a.published_at, a.archived_at FROM experts_articles a JOIN users u ON u.id = "
    "a.author_id ";

Article ReadArticle(storage::Statement& st) {
    Article a;
    a.id = st.Int(0);
    a.community_id = st.Int(1);
    a.kind = st.Text(2);
    a.title = st.Text(3);
    a.summary = st.Text(4);
    a.body = st.Text(5);
    a.slides = StringsFromText(st.Text(6));
    a.state = st.Text(7);
    a.author_id = st.Int(8);
    a.author_name = st.Text(9);
    a.reviewer_id = st.OptInt(10);
    if (!st.IsNull(11)) a.return_reason = st.Text(11);
    a.created_at = st.Int(12);
    a.updated_at = st.Int(13);
    a.submitted_at = st.OptInt(14);
    a.published_at = st.OptInt(15);
    a.archived_at = st.OptInt(16);
    return a;
}

std::optional<Article> LoadArticle(Tx& tx, Id id) {
    auto& st = tx.Query(std::string(kArticleSelect) + "WHERE a.id = ?", id);
    if (!st.Step()) return std::nullopt;
    Article a = ReadArticle(st);
    while (st.Step()) {
    }
    return a;
}

std::vector<ArticleFile> LoadFiles(Tx& tx, Id article_id);

void SaveArticle(Tx& tx, const Article& a) {
    tx.Exec(
        "UPDATE experts_articles SET kind = ?, title = ?, summary = ?, body = ?, slides = ?, state = ?, "
        "reviewer_id = ?, return_reason = ?, updated_at = ?, submitted_at = ?, published_at = ?, archived_at "
        "= ? "
        "WHERE id = ?",
        a.kind, a.title, a.summary, a.body, StringsText(a.slides), a.state, a.reviewer_id, a.return_reason,
        a.updated_at, a.submitted_at, a.published_at, a.archived_at, a.id);
}

struct Party {
    bool author = false;
    bool curator = false;  // of the article's community, or a moderator
};

bool Sees(const Party& p, const Article& a) { return a.state == "published" || p.author || p.curator; }

std::vector<std::string> ActionsFor(const Party& p, const Article& a) {
    std::vector<std::string> out;
    if (p.author && a.state == "draft") out = {"update", "submit"};
    if (p.curator && a.state == "in_review") {
        out.emplace_back("publish");
        out.emplace_back("return");
    }
    if ((p.curator || p.author) && a.state == "published") out.emplace_back("archive");
    return out;
}

Error InvalidState(const Article& a, std::string_view step) {
    return Error::Conflict("invalid_state",
                           "an article in state '" + a.state + "' cannot be " + std::string(step));
}

Status CheckBody(const std::string& body, const std::vector<std::string>& slides) {
    if (body.size() > kMaxArticleBodyBytes)
        return Error{ErrorCode::kPayloadTooLarge, "body_too_large", "the body is at most 200000 bytes"};
    if (slides.size() > kMaxSlides)
        return Error{ErrorCode::kUnprocessable, "too_many_slides", "at most 50 slides"};
    for (const auto& s : slides)
        if (s.size() > kMaxSlideBytes)
            return Error{ErrorCode::kPayloadTooLarge, "slide_too_large", "a slide is at most 20000 bytes"};
    return {};
}

std::vector<std::string> SanitizeAll(const std::vector<std::string>& in) {
    std::vector<std::string> out;
    out.reserve(in.size());
    for (const auto& s : in) out.push_back(SanitizeHtml(s));
    return out;
}

std::string SearchBody(const Article& a) {
    std::string body = a.summary + " " + HtmlToText(a.body);
    for (const auto& s : a.slides) body += " " + HtmlToText(s);
    if (body.size() > search::kMaxBodyBytes) {
        body.resize(search::kMaxBodyBytes);
        while (!body.empty() && (static_cast<unsigned char>(body.back()) & 0xC0) == 0x80) body.pop_back();
        if (!body.empty() && static_cast<unsigned char>(body.back()) >= 0xC0) body.pop_back();
    }
    return body;
}

}  // namespace

namespace {

Party PartyOf(Tx& tx, const Access& access, const Actor& actor, const Article& a) {
    return {a.author_id == actor.user_id,
            access.IsCurator(tx, actor.user_id, a.community_id) || access.IsModerator(tx, actor.user_id)};
}

void Tell(Tx& tx, const Access& access, const Article& a, std::string_view kind) {
    std::vector<Id> to = access.Holders(tx, kRoleCurator, a.community_id);
    to.push_back(a.author_id);
    EmitToUsers(tx, kind, to,
                bj::object{{"article_id", IdToString(a.id)},
                           {"community_id", IdToString(a.community_id)},
                           {"state", a.state}});
}

// Load, check visibility (404) and the party, run the step, save, and answer with the actions.
template <class F>
Result<Article> RunStep(storage::Database& db, const Access& access, const Actor& actor, Id id, F&& step) {
    if (actor.is_guest) return Error::Forbidden("guest accounts have no place in the expert network");
    return db.Write([&](Tx& tx) -> Result<Article> {
        auto a = LoadArticle(tx, id);
        if (!a || !access.CommunityVisible(tx, actor.user_id, a->community_id))
            return Error::NotFound("article");
        Party p = PartyOf(tx, access, actor, *a);
        if (!Sees(p, *a)) return Error::NotFound("article");
        VECHE_RETURN_IF_ERROR(step(tx, p, *a));
        a->updated_at = NowMs();
        SaveArticle(tx, *a);
        a->actions = ActionsFor(p, *a);
        a->files = LoadFiles(tx, a->id);
        return std::move(*a);
    });
}

}  // namespace

Result<std::vector<Article>> ContentService::Articles(const Actor& actor, Id community_id,
                                                      const ArticleFilter& filter) {
    if (actor.is_guest) return Error::Forbidden("guest accounts have no place in the expert network");
    if (filter.state && *filter.state != "draft" && *filter.state != "in_review" &&
        *filter.state != "published" && *filter.state != "archived")
        return Error::InvalidArgument("state is one of draft, in_review, published, archived");
    return db_.Read([&](Tx& tx) -> Result<std::vector<Article>> {
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        bool curator =
            access_.IsCurator(tx, actor.user_id, community_id) || access_.IsModerator(tx, actor.user_id);
        // Published to everyone; the rest to the author, and to curators.
        std::string sql = std::string(kArticleSelect) + "WHERE a.community_id = ? AND ";
        if (filter.state && *filter.state == "published")
            sql += "a.state = 'published' ";
        else if (filter.state)
            sql += curator ? "a.state = ? " : "a.state = ? AND a.author_id = ? ";
        else
            sql += curator ? "(a.state IN ('published', 'in_review') OR a.author_id = ?) "
                           : "(a.state = 'published' OR a.author_id = ?) ";
        if (filter.before) sql += "AND a.id < " + std::to_string(*filter.before) + " ";
        sql += "ORDER BY a.id DESC LIMIT " + std::to_string(filter.limit);
        std::vector<Article> out;
        storage::Statement* st = nullptr;
        if (filter.state && *filter.state == "published")
            st = &tx.Query(sql, community_id);
        else if (filter.state)
            st = curator ? &tx.Query(sql, community_id, *filter.state)
                         : &tx.Query(sql, community_id, *filter.state, actor.user_id);
        else
            st = &tx.Query(sql, community_id, actor.user_id);
        while (st->Step()) out.push_back(ReadArticle(*st));
        for (auto& a : out) {
            a.actions = ActionsFor({a.author_id == actor.user_id, curator}, a);
            a.body.clear();  // lists carry the summary; GET one for the body and slides
            a.slides.clear();
        }
        return out;
    });
}

Result<Article> ContentService::CreateArticle(const Actor& actor, Id community_id, const NewArticle& spec) {
    if (actor.is_guest) return Error::Forbidden("guest accounts have no place in the expert network");
    if (!IsArticleKind(spec.kind))
        return Error{ErrorCode::kUnprocessable, "invalid_kind", "kind is best_practice or success_story"};
    VECHE_RETURN_IF_ERROR(CheckBody(spec.body, spec.slides));
    Article a;
    a.body = SanitizeHtml(spec.body);
    a.slides = SanitizeAll(spec.slides);
    return db_.Write([&](Tx& tx) -> Result<Article> {
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        auto c = store::LoadCommunity(tx, community_id);
        if (!c) return Error::NotFound("community");
        if (!IsCommunityMember(tx, access_, actor.user_id, community_id))
            return Error::Forbidden("subscribe to the community to write for it");
        if (c->archived_at)
            return Error::Conflict("community_archived", "an archived community is read-only");
        a.id = GlobalIds().Next();
        a.community_id = community_id;
        a.kind = spec.kind;
        a.title = spec.title;
        a.summary = spec.summary;
        a.state = "draft";
        a.author_id = actor.user_id;
        a.created_at = a.updated_at = NowMs();
        tx.Exec(
            "INSERT INTO experts_articles(id, community_id, kind, title, summary, body, slides, state, "
            "author_id, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?)",
            a.id, a.community_id, a.kind, a.title, a.summary, a.body, StringsText(a.slides), a.author_id,
            a.created_at, a.updated_at);
        auto loaded = LoadArticle(tx, a.id);
        if (!loaded) return Error::Internal();
        loaded->actions = ActionsFor({true, false}, *loaded);
        return std::move(*loaded);
    });
}

Result<Article> ContentService::GetArticle(const Actor& actor, Id id) {
    if (actor.is_guest) return Error::Forbidden("guest accounts have no place in the expert network");
    return db_.Read([&](Tx& tx) -> Result<Article> {
        auto a = LoadArticle(tx, id);
        if (!a || !access_.CommunityVisible(tx, actor.user_id, a->community_id))
            return Error::NotFound("article");
        Party p = PartyOf(tx, access_, actor, *a);
        if (!Sees(p, *a)) return Error::NotFound("article");
        a->actions = ActionsFor(p, *a);
        a->files = LoadFiles(tx, a->id);
        return std::move(*a);
    });
}

Result<Article> ContentService::UpdateArticle(const Actor& actor, Id id, const ArticleChange& change) {
    if (change.kind && !IsArticleKind(*change.kind))
        return Error{ErrorCode::kUnprocessable, "invalid_kind", "kind is best_practice or success_story"};
    VECHE_RETURN_IF_ERROR(
        CheckBody(change.body.value_or(""), change.slides.value_or(std::vector<std::string>{})));
    std::optional<std::string> body;
    if (change.body) body = SanitizeHtml(*change.body);
    std::optional<std::vector<std::string>> slides;
    if (change.slides) slides = SanitizeAll(*change.slides);
    return RunStep(db_, access_, actor, id, [&](Tx&, const Party& p, Article& a) -> Status {
        if (!p.author) return Error::Forbidden("only the author edits an article");
        if (a.state != "draft") return InvalidState(a, "edited");
        if (change.kind) a.kind = *change.kind;
        if (change.title) a.title = *change.title;
        if (change.summary) a.summary = *change.summary;
        if (body) a.body = *body;
        if (slides) a.slides = *slides;
        return {};
    });
}

Result<Article> ContentService::Submit(const Actor& actor, Id id) {
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Article& a) -> Status {
        if (!p.author) return Error::Forbidden("only the author submits an article");
        if (a.state != "draft") return InvalidState(a, "submitted");
        if (HtmlToText(a.body).empty() && a.slides.empty())
            return Error{ErrorCode::kUnprocessable, "field_required", "field 'body' is required"};
        a.state = "in_review";
        a.submitted_at = NowMs();
        a.return_reason.reset();
        std::vector<Id> curators = access_.Holders(tx, kRoleCurator, a.community_id);
        VECHE_RETURN_IF_ERROR(notices_.Send(
            tx, bot, curators, "Материал на проверку: «" + a.title + "» (" + a.author_name + ")."));
        Tell(tx, access_, a, "experts.article.submitted");
        return {};
    });
}

Result<Article> ContentService::Publish(const Actor& actor, Id id) {
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Article& a) -> Status {
        if (!p.curator) return Error::Forbidden("a curator of the community publishes articles");
        if (a.state != "in_review") return InvalidState(a, "published");
        a.state = "published";
        a.reviewer_id = actor.user_id;
        a.published_at = NowMs();
        search::Document doc;
        doc.kind = std::string(kArticleSearchKind);
        doc.id = a.id;
        doc.scope_id = a.community_id;
        doc.title = a.title;
        doc.body = SearchBody(a);
        doc.at = *a.published_at;
        VECHE_RETURN_IF_ERROR(search::Index(tx, doc));
        std::string summary = a.summary.empty() ? "" : "<p>" + EscapeHtml(a.summary) + "</p>";
        AddFeedItem(tx, a.community_id, "article", a.author_id, summary, a.id);
        VECHE_RETURN_IF_ERROR(
            notices_.Send(tx, bot, {a.author_id}, "Ваш материал «" + a.title + "» опубликован."));
        Tell(tx, access_, a, "experts.article.published");
        return ReportContentOutcome(tx, {a.kind, a.id, a.community_id, a.author_id, true, *a.published_at});
    });
}

Result<Article> ContentService::Return(const Actor& actor, Id id, const std::string& reason) {
    VECHE_ASSIGN_OR_RETURN(Id bot, notices_.Bot());
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Article& a) -> Status {
        if (!p.curator) return Error::Forbidden("a curator of the community returns articles");
        if (a.state != "in_review") return InvalidState(a, "returned");
        a.state = "draft";
        a.reviewer_id = actor.user_id;
        a.return_reason = reason;
        VECHE_RETURN_IF_ERROR(notices_.Send(tx, bot, {a.author_id},
                                            "Материал «" + a.title + "» возвращён на доработку: " + reason));
        Tell(tx, access_, a, "experts.article.returned");
        return {};
    });
}

Result<Article> ContentService::Archive(const Actor& actor, Id id) {
    return RunStep(db_, access_, actor, id, [&](Tx& tx, const Party& p, Article& a) -> Status {
        if (!p.curator && !p.author) return Error::Forbidden("the author or a curator archives an article");
        if (a.state != "published") return InvalidState(a, "archived");
        a.state = "archived";
        a.archived_at = NowMs();
        search::Remove(tx, std::string(kArticleSearchKind), a.id);
        tx.Exec("DELETE FROM experts_feed WHERE kind = 'article' AND source_id = ?", a.id);
        Tell(tx, access_, a, "experts.article.archived");
        return {};
    });
}

Result<std::vector<Article>> ContentService::Catalog(const Actor& actor, const CatalogQuery& query) {
    if (actor.is_guest) return Error::Forbidden("guest accounts have no place in the expert network");
    if (query.kind && !IsArticleKind(*query.kind))
        return Error::InvalidArgument("kind is best_practice or success_story");
    return db_.Read([&](Tx& tx) -> Result<std::vector<Article>> {
        std::vector<Id> scopes = access_.VisibleCommunities(tx, actor.user_id);
        if (query.community_id) {
            if (std::find(scopes.begin(), scopes.end(), *query.community_id) == scopes.end())
                return Error::NotFound("community");
            scopes = {*query.community_id};
        }
        std::vector<Article> out;
        auto finish = [&](Article a) {
            a.body.clear();
            a.slides.clear();
            a.actions = ActionsFor({a.author_id == actor.user_id, false}, a);
            out.push_back(std::move(a));
        };
        if (query.q && !text::Trim(*query.q).empty()) {
            search::Query sq;
            sq.kinds = {std::string(kArticleSearchKind)};
            sq.text = *query.q;
            sq.scopes = scopes;
            sq.limit = 100;
            sq.offset = query.offset;
            VECHE_ASSIGN_OR_RETURN(auto hits, search::Find(tx, sq));
            for (const auto& h : hits) {
                if (static_cast<int>(out.size()) >= query.limit) break;
                auto a = LoadArticle(tx, h.id);
                if (!a || a->state != "published" || (query.kind && a->kind != *query.kind)) continue;
                a->snippet = h.snippet;
                finish(std::move(*a));
            }
            return out;
        }
        if (scopes.empty()) return out;
        std::string in;
        for (Id s : scopes) in += (in.empty() ? "" : ", ") + std::to_string(s);
        std::string sql =
            std::string(kArticleSelect) + "WHERE a.state = 'published' AND a.community_id IN (" + in + ") ";
        if (query.kind) sql += "AND a.kind = ? ";
        if (query.before) sql += "AND a.id < " + std::to_string(*query.before) + " ";
        sql += "ORDER BY a.id DESC LIMIT " + std::to_string(query.limit);
        auto& st = query.kind ? tx.Query(sql, *query.kind) : tx.Query(sql);
        std::vector<Article> rows;
        while (st.Step()) rows.push_back(ReadArticle(st));
        for (auto& a : rows) finish(std::move(a));
        return out;
    });
}

}  // namespace veche::experts

// -- attachments -----------------------------------------------------------------------------------

namespace veche::experts {

namespace {

std::vector<ArticleFile> LoadFiles(Tx& tx, Id article_id) {
    std::vector<ArticleFile> out;
    auto& st = tx.Query(
        "SELECT id, name, size, content_type FROM files WHERE owner_kind = ? AND owner_id = ? "
        "ORDER BY id",
        kArticleFileOwner, article_id);
    while (st.Step()) out.push_back({st.Int(0), st.Text(1), st.Int(2), st.Text(3)});
    return out;
}

Status CheckAttach(Tx& tx, const Access& access, const Actor& actor, Id article_id) {
    if (actor.is_guest) return Error::Forbidden("guest accounts have no place in the expert network");
    auto a = LoadArticle(tx, article_id);
    if (!a || !access.CommunityVisible(tx, actor.user_id, a->community_id)) return Error::NotFound("article");
    Party p = PartyOf(tx, access, actor, *a);
    if (!Sees(p, *a)) return Error::NotFound("article");
    if (!p.author) return Error::Forbidden("only the author attaches files to an article");
    if (a->state != "draft") return InvalidState(*a, "given files");
    if (tx.QueryInt("SELECT COUNT(*) FROM files WHERE owner_kind = ? AND owner_id = ?", kArticleFileOwner,
                    article_id)
            .value_or(0) >= kMaxArticleFiles)
        return Error{ErrorCode::kUnprocessable, "too_many_files", "an article has at most 50 files"};
    return {};
}

}  // namespace

Status ContentService::CheckCanAttach(const Actor& actor, Id article_id) {
    return db_.Read([&](Tx& tx) { return CheckAttach(tx, access_, actor, article_id); });
}

Result<ArticleFile> ContentService::RecordFile(const Actor& actor, Id article_id, const std::string& name,
                                               const files::StoredFile& stored) {
    return db_.Write([&](Tx& tx) -> Result<ArticleFile> {
        VECHE_RETURN_IF_ERROR(CheckAttach(tx, access_, actor, article_id));
        VECHE_ASSIGN_OR_RETURN(
            Id id, files::RecordAttachment(tx, {std::string(kArticleFileOwner), article_id}, actor.user_id,
                                           name, stored));
        return ArticleFile{id, name, static_cast<std::int64_t>(stored.size), stored.content_type};
    });
}

Status ContentService::CanDownload(Tx& tx, const Actor& actor, Id article_id) const {
    if (actor.is_guest) return Error::NotFound("file");
    auto a = LoadArticle(tx, article_id);
    if (!a || !access_.CommunityVisible(tx, actor.user_id, a->community_id)) return Error::NotFound("file");
    if (!Sees(PartyOf(tx, access_, actor, *a), *a)) return Error::NotFound("file");
    return {};
}

}  // namespace veche::experts
