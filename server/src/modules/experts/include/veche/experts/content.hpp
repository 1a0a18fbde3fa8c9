#pragma once
// Communities' content (EXP-5, EXP-6, EXP-9; MODULES.md §3.2, acceptance 16): the feed, discussion
// topics and articles (best practices and success stories) with the cross-community catalogue.
//
// Who may do what: everything of a community the caller may not see (Access::CommunityVisible) is
// 404 like an unknown id. Members of a community (subscribers, its experts and curators, moderators)
// post to its feed, open topics and write articles; anyone who sees the community reads the feed,
// the topics and the published articles, and joins a topic (which adds them to its chat). An article
// is its author's until published:
//
//   draft → in_review (the author submits) → published (a curator of the community publishes)
//                     in_review → draft (a curator returns it, with a reason)
//   published → archived (a curator, or the author)
//
// Drafts and articles in review are seen by their author and the community's curators; archived
// ones too; published ones by everyone who sees the community. Only the author edits, and only a
// draft. Publishing indexes the article for search (kind experts_article, scope the community), adds
// it to the community's feed, tells the author (a notice and experts.article.published) and reports
// a ContentOutcome (veche/experts/outcomes.hpp). Rich text (body, slides, posts) is sanitized
// (veche/experts/sanitize.hpp) before it is stored.
//
// Synchronous; call from worker threads. Thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/experts/access.hpp"
#include "veche/experts/notices.hpp"
#include "veche/files/file_store.hpp"
#include "veche/storage/database.hpp"

namespace veche::experts {

inline constexpr std::size_t kMaxPostBytes = 20000;  // a post's HTML, before sanitizing
inline constexpr std::size_t kMaxPostLinks = 10;
inline constexpr std::size_t kMaxArticleBodyBytes = 200000;  // before sanitizing
inline constexpr std::size_t kMaxSlides = 50;
inline constexpr std::size_t kMaxSlideBytes = 20000;
inline constexpr std::size_t kMaxArticleSummaryChars = 1000;
inline constexpr std::size_t kMaxReasonChars = 2000;

struct FeedItem {
    Id id = 0;
    Id community_id = 0;
    std::string kind;  // post | article | event_summary
    Id author_id = 0;
    std::string author_name;
    std::string text;  // sanitized HTML: the post, the article's summary, the event's summary
    std::vector<std::string> links;
    std::optional<Id> source_id;       // the article or the event
    std::optional<std::string> title;  // of the article or the event
    std::int64_t created_at = 0;
};

struct NewPost {
    std::string text;
    std::vector<std::string> links;  // http(s) URLs
};

struct Topic {
    Id id = 0;
    Id community_id = 0;
    Id chat_id = 0;
    std::string title;
    Id created_by = 0;
    std::int64_t created_at = 0;
    std::int64_t members = 0;
    bool joined = false;
};

// A file attached to an article (images, videos, documents the body or slides refer to as
// /api/v1/files/{id}): a `files` row owned by ("experts_article", article id).
struct ArticleFile {
    Id id = 0;
    std::string name;
    std::int64_t size = 0;
    std::string content_type;
};

inline constexpr std::string_view kArticleFileOwner = "experts_article";
inline constexpr std::uint64_t kMaxArticleFileBytes = 200ull << 20;
inline constexpr std::int64_t kMaxArticleFiles = 50;

struct Article {
    Id id = 0;
    Id community_id = 0;
    std::string kind;  // best_practice | success_story
    std::string title;
    std::string summary;              // plain text
    std::string body;                 // sanitized HTML
    std::vector<std::string> slides;  // sanitized HTML each, in order
    std::string state;
    Id author_id = 0;
    std::string author_name;
    std::optional<Id> reviewer_id;
    std::optional<std::string> return_reason;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::optional<std::int64_t> submitted_at;
    std::optional<std::int64_t> published_at;
    std::optional<std::int64_t> archived_at;
    std::vector<std::string> actions;    // update, submit, publish, return, archive
    std::vector<ArticleFile> files;      // GET one only
    std::optional<std::string> snippet;  // catalogue search hits: the matched words marked
};

struct NewArticle {
    std::string kind;
    std::string title;
    std::string summary;
    std::string body;
    std::vector<std::string> slides;
};

struct ArticleChange {
    std::optional<std::string> kind;
    std::optional<std::string> title;
    std::optional<std::string> summary;
    std::optional<std::string> body;
    std::optional<std::vector<std::string>> slides;
};

struct ArticleFilter {
    std::optional<std::string> state;  // default: published (and, for its curators, what awaits review)
    std::optional<Id> before;
    int limit = 50;
};

struct CatalogQuery {
    std::optional<std::string> q;  // searched with Russian and English stemming
    std::optional<std::string> kind;
    std::optional<Id> community_id;
    std::optional<Id> before;  // without q: newest first, keyset
    int limit = 50;
    int offset = 0;  // with q: ranked, by offset
};

bool IsArticleKind(std::string_view kind);

class ContentService {
public:
    ContentService(storage::Database& db, const Access& access, Notices& notices);

    Result<std::vector<FeedItem>> Feed(const Actor& actor, Id community_id, std::optional<Id> before,
                                       int limit);
    Result<FeedItem> Post(const Actor& actor, Id community_id, const NewPost& post);

    Result<std::vector<Topic>> Topics(const Actor& actor, Id community_id);
    Result<Topic> CreateTopic(const Actor& actor, Id community_id, const std::string& title);
    Result<Topic> JoinTopic(const Actor& actor, Id topic_id);

    Result<std::vector<Article>> Articles(const Actor& actor, Id community_id, const ArticleFilter& filter);
    Result<Article> CreateArticle(const Actor& actor, Id community_id, const NewArticle& spec);
    Result<Article> GetArticle(const Actor& actor, Id id);
    Result<Article> UpdateArticle(const Actor& actor, Id id, const ArticleChange& change);
    Result<Article> Submit(const Actor& actor, Id id);
    Result<Article> Publish(const Actor& actor, Id id);
    Result<Article> Return(const Actor& actor, Id id, const std::string& reason);
    Result<Article> Archive(const Actor& actor, Id id);
    // Published articles of the communities the caller sees.
    Result<std::vector<Article>> Catalog(const Actor& actor, const CatalogQuery& query);

    // Attachments (article_files.cpp): the author of a draft attaches (404 unseen, 403 another,
    // 409 not a draft, 422 too_many_files); whoever sees the article downloads.
    Status CheckCanAttach(const Actor& actor, Id article_id);
    Result<ArticleFile> RecordFile(const Actor& actor, Id article_id, const std::string& name,
                                   const files::StoredFile& stored);
    Status CanDownload(storage::Tx& tx, const Actor& actor, Id article_id) const;

private:
    storage::Database& db_;
    const Access& access_;
    Notices& notices_;
};

// Whether the user is a member of the community: subscriber, expert, curator, or moderator.
bool IsCommunityMember(storage::Tx& tx, const Access& access, Id user_id, Id community_id);
// Adds a feed item in the caller's transaction (articles, event summaries). Returns its id.
Id AddFeedItem(storage::Tx& tx, Id community_id, std::string_view kind, Id author_id, const std::string& text,
               std::optional<Id> source_id);

}  // namespace veche::experts
