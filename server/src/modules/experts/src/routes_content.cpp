// /api/v1/experts/communities/{id}/{feed,topics,articles}, /topics/{id}/join, /articles/{id}…,
// /practices (docs/api.md, "Expert network (EXP)", "Communities' content").
#include <boost/json/array.hpp>

#include "content_json.hpp"
#include "request_fields.hpp"
#include "routes.hpp"
#include "veche/experts/communities.hpp"
#include "veche/experts/content.hpp"

namespace veche::experts {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

// Rich text is read up to the request's own limit; the service answers 413 past its bound.
constexpr std::size_t kRawHtmlChars = 1 << 20;

bool ValidUrl(const std::string& link) {
    if (link.rfind("https://", 0) != 0 && link.rfind("http://", 0) != 0) return false;
    for (char c : link)
        if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>' || c == 0x7f)
            return false;
    return link.size() > 8;
}

Result<std::string> Html(const bj::object& body, std::string_view key, std::size_t max_bytes) {
    VECHE_ASSIGN_OR_RETURN(auto v, OptionalText(body, key, kRawHtmlChars, false));
    if (v && v->size() > max_bytes)
        return Error{ErrorCode::kPayloadTooLarge, std::string(key) + "_too_large",
                     "field '" + std::string(key) + "' is at most " + std::to_string(max_bytes) + " bytes"};
    return v.value_or("");
}

Result<std::optional<std::vector<std::string>>> Slides(const bj::object& body) {
    auto it = body.find("slides");
    if (it == body.end() || it->value().is_null()) return std::optional<std::vector<std::string>>();
    if (!it->value().is_array()) return Error::InvalidArgument("field 'slides' must be an array of strings");
    const auto& arr = it->value().get_array();
    if (arr.size() > kMaxSlides)
        return Error{ErrorCode::kUnprocessable, "too_many_slides", "at most 50 slides"};
    std::vector<std::string> out;
    for (const auto& v : arr) {
        if (!v.is_string()) return Error::InvalidArgument("field 'slides' must be an array of strings");
        if (v.get_string().size() > kMaxSlideBytes)
            return Error{ErrorCode::kPayloadTooLarge, "slide_too_large", "a slide is at most 20000 bytes"};
        out.emplace_back(v.get_string());
    }
    return std::optional<std::vector<std::string>>(std::move(out));
}

Result<int> Limit(const Request& req, int fallback, int max) {
    VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, max));
    return static_cast<int>(limit.value_or(fallback));
}

std::optional<std::string> QueryText(const Request& req, const std::string& name) {
    auto it = req.query.find(name);
    if (it == req.query.end() || it->second.empty()) return std::nullopt;
    return it->second;
}

template <class T, class F>
bj::array List(const std::vector<T>& items, F to_json) {
    bj::array out;
    for (const auto& i : items) out.push_back(to_json(i));
    return out;
}

using Step = Result<Article> (ContentService::*)(const Actor&, Id);

void AddStep(api::Router& router, const api::HttpKit& kit, ContentService& svc, const std::string& name,
             Step step) {
    router.Add("POST", "/api/v1/experts/articles/{id}/" + name,
               api::Authed(kit, [&svc, step](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto a, (svc.*step)(ctx.actor, id));
                   return api::Json(200, ArticleToJson(a, true));
               }));
}

}  // namespace

void AddContentRoutes(api::Router& router, const api::HttpKit& kit, ContentService& content) {
    auto& svc = content;
    router.Add("GET", "/api/v1/experts/communities/{id}/feed",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto before, api::QueryId(req, "before"));
                   VECHE_ASSIGN_OR_RETURN(int limit, Limit(req, 50, 200));
                   VECHE_ASSIGN_OR_RETURN(auto items, svc.Feed(ctx.actor, id, before, limit));
                   bj::object out{{"items", List(items, FeedItemToJson)}};
                   api::SetNextBefore(out, items, limit, [](const FeedItem& f) { return f.id; });
                   return api::Json(200, out);
               }));
    router.Add("POST", "/api/v1/experts/communities/{id}/feed",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   NewPost post;
                   VECHE_ASSIGN_OR_RETURN(post.text, Html(body, "text", kMaxPostBytes));
                   VECHE_ASSIGN_OR_RETURN(auto links, OptionalStrings(body, "links", kMaxPostLinks, 500));
                   post.links = links.value_or(std::vector<std::string>{});
                   for (const auto& l : post.links)
                       if (!ValidUrl(l))
                           return Error{ErrorCode::kUnprocessable, "invalid_link",
                                        "each link is an http(s) URL without spaces"};
                   VECHE_ASSIGN_OR_RETURN(auto f, svc.Post(ctx.actor, id, post));
                   return api::Json(201, FeedItemToJson(f));
               }));
    router.Add("GET", "/api/v1/experts/communities/{id}/topics",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto topics, svc.Topics(ctx.actor, id));
                   return api::Json(200, bj::object{{"topics", List(topics, TopicToJson)}});
               }));
    router.Add("POST", "/api/v1/experts/communities/{id}/topics",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto title, RequiredText(body, "title", kMaxTitleChars));
                   VECHE_ASSIGN_OR_RETURN(auto t, svc.CreateTopic(ctx.actor, id, title));
                   return api::Json(201, TopicToJson(t));
               }));
    router.Add("POST", "/api/v1/experts/topics/{id}/join",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto t, svc.JoinTopic(ctx.actor, id));
                   return api::Json(200, TopicToJson(t));
               }));
    router.Add("GET", "/api/v1/experts/communities/{id}/articles",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   ArticleFilter f;
                   f.state = QueryText(req, "state");
                   VECHE_ASSIGN_OR_RETURN(f.before, api::QueryId(req, "before"));
                   VECHE_ASSIGN_OR_RETURN(f.limit, Limit(req, 50, 200));
                   VECHE_ASSIGN_OR_RETURN(auto list, svc.Articles(ctx.actor, id, f));
                   bj::object out{
                       {"articles", List(list, [](const Article& a) { return ArticleToJson(a, false); })}};
                   api::SetNextBefore(out, list, f.limit, [](const Article& a) { return a.id; });
                   return api::Json(200, out);
               }));
    router.Add("POST", "/api/v1/experts/communities/{id}/articles",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   NewArticle spec;
                   VECHE_ASSIGN_OR_RETURN(spec.kind, RequiredText(body, "kind", 20));
                   VECHE_ASSIGN_OR_RETURN(spec.title, RequiredText(body, "title", kMaxTitleChars));
                   VECHE_ASSIGN_OR_RETURN(auto summary,
                                          OptionalText(body, "summary", kMaxArticleSummaryChars));
                   spec.summary = summary.value_or("");
                   VECHE_ASSIGN_OR_RETURN(spec.body, Html(body, "body", kMaxArticleBodyBytes));
                   VECHE_ASSIGN_OR_RETURN(auto slides, Slides(body));
                   spec.slides = slides.value_or(std::vector<std::string>{});
                   VECHE_ASSIGN_OR_RETURN(auto a, svc.CreateArticle(ctx.actor, id, spec));
                   return api::Json(201, ArticleToJson(a, true));
               }));
    router.Add("GET", "/api/v1/experts/articles/{id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto a, svc.GetArticle(ctx.actor, id));
                   return api::Json(200, ArticleToJson(a, true));
               }));
    router.Add("PATCH", "/api/v1/experts/articles/{id}",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   ArticleChange c;
                   VECHE_ASSIGN_OR_RETURN(c.kind, OptionalText(body, "kind", 20));
                   VECHE_ASSIGN_OR_RETURN(c.title, OptionalText(body, "title", kMaxTitleChars));
                   if (c.title && c.title->empty()) return FieldRequired("title");
                   VECHE_ASSIGN_OR_RETURN(c.summary, OptionalText(body, "summary", kMaxArticleSummaryChars));
                   if (body.contains("body") && !body.at("body").is_null()) {
                       VECHE_ASSIGN_OR_RETURN(auto html, Html(body, "body", kMaxArticleBodyBytes));
                       c.body = std::move(html);
                   }
                   VECHE_ASSIGN_OR_RETURN(c.slides, Slides(body));
                   VECHE_ASSIGN_OR_RETURN(auto a, svc.UpdateArticle(ctx.actor, id, c));
                   return api::Json(200, ArticleToJson(a, true));
               }));
    AddStep(router, kit, svc, "submit", &ContentService::Submit);
    AddStep(router, kit, svc, "publish", &ContentService::Publish);
    AddStep(router, kit, svc, "archive", &ContentService::Archive);
    router.Add("POST", "/api/v1/experts/articles/{id}/return",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto reason, RequiredText(body, "reason", kMaxReasonChars));
                   VECHE_ASSIGN_OR_RETURN(auto a, svc.Return(ctx.actor, id, reason));
                   return api::Json(200, ArticleToJson(a, true));
               }));
    router.Add("GET", "/api/v1/experts/practices",
               api::Authed(kit, [&svc](Request& req, const Caller& ctx) -> Result<Response> {
                   CatalogQuery q;
                   q.q = QueryText(req, "q");
                   if (q.q && q.q->size() > 500) return Error::InvalidArgument("q is at most 500 bytes");
                   q.kind = QueryText(req, "kind");
                   VECHE_ASSIGN_OR_RETURN(q.community_id, api::QueryId(req, "community"));
                   VECHE_ASSIGN_OR_RETURN(q.before, api::QueryId(req, "before"));
                   VECHE_ASSIGN_OR_RETURN(q.limit, Limit(req, 50, 100));
                   VECHE_ASSIGN_OR_RETURN(auto offset, api::QueryInt(req, "offset", 0, 1000));
                   q.offset = static_cast<int>(offset.value_or(0));
                   VECHE_ASSIGN_OR_RETURN(auto list, svc.Catalog(ctx.actor, q));
                   bj::object out{
                       {"articles", List(list, [](const Article& a) { return ArticleToJson(a, false); })}};
                   if (!q.q) api::SetNextBefore(out, list, q.limit, [](const Article& a) { return a.id; });
                   return api::Json(200, out);
               }));
}

}  // namespace veche::experts
