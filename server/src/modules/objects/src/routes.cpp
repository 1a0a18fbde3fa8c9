// /api/v1/object-types…, /api/v1/objects…, /api/v1/chats/{id}/object (docs/api.md, "Business objects").
#include "routes.hpp"

#include <boost/json/array.hpp>
#include <algorithm>
#include <map>
#include <set>

#include "object_store.hpp"
#include "veche/accounts/account_service.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/json.hpp"
#include "veche/core/text.hpp"
#include "veche/ratelimit/rate_limiter.hpp"
#include "veche/objects/object_service.hpp"

namespace veche::objects {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

constexpr std::size_t kMaxMembers = 500;
constexpr std::size_t kMaxCounterpartyUsers = 200;

Status CheckExternalId(std::string_view id) {
    if (id.empty() || id.size() > 128 || !text::IsValidUtf8(id))
        return Error::InvalidArgument("the external id must be 1 to 128 bytes of UTF-8");
    for (unsigned char c : id)
        if (c < 0x20 || c == 0x7f || c == '/') return Error::InvalidArgument("the external id has a forbidden character");
    return {};
}

}  // namespace

Result<std::vector<Id>> ResolveUsers(accounts::AccountService& accounts, const std::vector<bj::value>& refs) {
    std::vector<Id> ids;
    std::vector<std::string> names;
    std::vector<int> slots;  // index into ids for each name
    for (const auto& v : refs) {
        if (v.is_string()) {
            names.emplace_back(v.get_string());
            slots.push_back(static_cast<int>(ids.size()));
            ids.push_back(0);
            continue;
        }
        if (!v.is_object()) return Error::InvalidArgument("a user is {\"user_id\"} or {\"username\"}");
        const auto& o = v.get_object();
        VECHE_ASSIGN_OR_RETURN(auto id, json::OptId(o, "user_id"));
        VECHE_ASSIGN_OR_RETURN(auto name, json::OptString(o, "username", {64, 1}));
        if (id) {
            ids.push_back(*id);
        } else if (name) {
            names.push_back(*name);
            slots.push_back(static_cast<int>(ids.size()));
            ids.push_back(0);
        } else {
            return Error::InvalidArgument("a user is {\"user_id\"} or {\"username\"}");
        }
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        VECHE_ASSIGN_OR_RETURN(auto found, accounts.IdsOfUsernames({names[i]}));
        if (found.empty()) return Error::NotFound("user");
        ids[static_cast<std::size_t>(slots[i])] = found.front();
    }
    std::set<Id> unique(ids.begin(), ids.end());
    VECHE_ASSIGN_OR_RETURN(auto users, accounts.GetUsers(std::vector<Id>(unique.begin(), unique.end())));
    if (users.size() != unique.size()) return Error::NotFound("user");
    for (const auto& u : users)
        if (u.deactivated) return Error::NotFound("user");
    return ids;
}

namespace {

bj::object TreeJson(const ObjectView& v) {
    // Open chats by category, in the order a procurement officer reads them; archived ones last.
    static const char* kOrder[] = {"organization", "supplier", "commission", "approval", "specification", "shipment", "other"};
    std::map<std::string, bj::array> open;
    bj::array archived;
    for (const auto& c : v.chats) {
        if (c.state == "archived") archived.push_back(ObjectChatJson(c));
        else open[c.category].push_back(ObjectChatJson(c));
    }
    bj::array groups;
    for (const char* k : kOrder) {
        auto it = open.find(k);
        if (it != open.end()) groups.push_back(bj::object{{"category", k}, {"chats", std::move(it->second)}});
    }
    if (!archived.empty()) groups.push_back(bj::object{{"category", "archived"}, {"chats", std::move(archived)}});
    return {{"object_id", IdToString(v.object.id)}, {"groups", std::move(groups)}};
}

}  // namespace

void AddObjectRoutes(api::Router& router, ObjectRoutes& r) {
    const api::HttpKit& s = r.kit;
    ObjectService& objects = r.objects;

    router.Add("GET", "/api/v1/object-types", api::Authed(s, [&objects](Request&, const Caller&) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto types, objects.ListTypes());
                   bj::array out;
                   for (const auto& t : types) out.push_back(ObjectTypeToJson(t));
                   return api::Json(200, bj::object{{"object_types", std::move(out)}});
               }));
    router.Add("GET", "/api/v1/object-types/{key}",
               api::Authed(s, [&objects](Request& req, const Caller&) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto t, objects.GetType(req.params.at(0)));
                   return api::Json(200, ObjectTypeToJson(t));
               }));
    router.Add("PUT", "/api/v1/object-types/{key}",
               api::Authed(s, [&objects](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto type, ParseObjectType(req.params.at(0), body));
                   VECHE_ASSIGN_OR_RETURN(auto saved, objects.PutType(ctx.actor, type));
                   return api::Json(200, ObjectTypeToJson(saved));
               }));

    router.Add("GET", "/api/v1/objects", api::Authed(s, [&objects](Request& req, const Caller& ctx) -> Result<Response> {
                   ObjectFilter f;
                   auto q = [&](const char* k) -> std::optional<std::string> {
                       auto it = req.query.find(k);
                       if (it == req.query.end() || it->second.empty()) return std::nullopt;
                       return it->second;
                   };
                   f.type_key = q("type");
                   f.stage = q("stage");
                   f.state = q("state");
                   if (f.state && *f.state != "active" && *f.state != "closed" && *f.state != "cancelled")
                       return Error::InvalidArgument("query parameter 'state' must be active, closed or cancelled");
                   f.query = q("q").value_or("");
                   if (f.query.size() > 200) return Error::InvalidArgument("query parameter 'q' is too long");
                   VECHE_ASSIGN_OR_RETURN(f.before, api::QueryId(req, "before"));
                   VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, 200));
                   f.limit = static_cast<int>(limit.value_or(50));
                   VECHE_ASSIGN_OR_RETURN(auto list, objects.List(ctx.actor, f));
                   bj::array out;
                   for (const auto& v : list) {
                       bj::object o = ObjectJson(v.object);
                       bj::array roles;
                       for (const auto& role : v.my_roles) roles.push_back(bj::value(role));
                       o["my_roles"] = std::move(roles);
                       o["counterparty_count"] = static_cast<std::int64_t>(v.counterparties.size());
                       o["chat_count"] = static_cast<std::int64_t>(v.chats.size());
                       out.push_back(std::move(o));
                   }
                   bj::object res{{"objects", std::move(out)}};
                   api::SetNextBefore(res, list, f.limit, [](const auto& v) { return v.object.id; });
                   return api::Json(200, std::move(res));
               }));

    router.Add("GET", "/api/v1/objects/{id}", api::Authed(s, [&objects](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto v, objects.Get(ctx.actor, id));
                   return api::Json(200, ViewJson(v));
               }));
    router.Add("GET", "/api/v1/objects/{id}/chats",
               api::Authed(s, [&objects](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto v, objects.Get(ctx.actor, id));
                   return api::Json(200, TreeJson(v));
               }));
    // Search across every chat of the object the caller is in, archived stages included (CTX, §1.6):
    // each hit names its chat's stage and category.
    router.Add("GET", "/api/v1/objects/{id}/search",
               api::Authed(s, [&r, &objects](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(api::CheckRate(r.kit, ratelimit::Action::kSearch, ctx));
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto view, objects.Get(ctx.actor, id));  // 404 before anything else
                   auto it = req.query.find("query");
                   if (it == req.query.end() || it->second.empty())
                       return Error::InvalidArgument("query parameter 'query' is required");
                   if (text::CodePointCount(it->second) > 500 || !text::IsValidUtf8(it->second))
                       return Error::InvalidArgument("query parameter 'query' must be UTF-8 of at most 500 characters");
                   VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, 100));
                   std::vector<std::pair<chat::SearchHit, const ObjectChat*>> hits;
                   for (const auto& c : view.chats) {
                       chat::SearchQuery q;
                       q.text = it->second;
                       q.chat_id = c.chat_id;
                       q.limit = static_cast<int>(limit.value_or(20));
                       auto page = r.chats.Search(ctx.actor, q);
                       if (!page.ok()) continue;  // a chat the caller is not in: staff see the tree, not every chat
                       for (auto& h : page->hits) hits.emplace_back(std::move(h), &c);
                   }
                   std::sort(hits.begin(), hits.end(),
                             [](const auto& a, const auto& b) { return a.first.message.id > b.first.message.id; });
                   if (hits.size() > static_cast<std::size_t>(limit.value_or(20))) hits.resize(static_cast<std::size_t>(limit.value_or(20)));
                   bj::array out;
                   for (const auto& [h, c] : hits)
                       out.push_back(bj::object{{"message", chat::MessageToJson(h.message, ctx.user_id())},
                                                {"snippet", h.snippet},
                                                {"chat", ObjectChatJson(*c)}});
                   return api::Json(200, bj::object{{"results", std::move(out)}});
               }));
    router.Add("GET", "/api/v1/chats/{id}/object",
               api::Authed(s, [&objects](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto found, objects.ObjectOfChat(ctx.actor, id));
                   return api::Json(200, bj::object{{"object", ViewJson(found.first)},
                                                    {"chat", ObjectChatJson(found.second)}});
               }));
    router.Add("GET", "/api/v1/objects/by-external/{type}/{external_id}",
               api::Authed(s, [&objects](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(CheckExternalId(req.params.at(1)));
                   VECHE_ASSIGN_OR_RETURN(auto v, objects.GetByExternal(ctx.actor, req.params.at(0), req.params.at(1)));
                   return api::Json(200, ViewJson(v));
               }));

    router.Add("POST", "/api/v1/objects/{id}/stage",
               api::Authed(s, [&objects](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto from, json::ReqString(body, "from", {64, 1}));
                   VECHE_ASSIGN_OR_RETURN(auto to, json::ReqString(body, "to", {64, 1}));
                   VECHE_ASSIGN_OR_RETURN(auto v, objects.ChangeStage(ctx.actor, id, from, to));
                   return api::Json(200, ViewJson(v));
               }));
    router.Add("POST", "/api/v1/objects/{id}/state",
               api::Authed(s, [&objects](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto state, json::ReqString(body, "state", {16, 1}));
                   VECHE_ASSIGN_OR_RETURN(auto v, objects.SetState(ctx.actor, id, state));
                   return api::Json(200, ViewJson(v));
               }));
    router.Add("POST", "/api/v1/objects/{id}/counterparties",
               api::Authed(s, [&r, &objects](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   CounterpartyUpsert spec;
                   VECHE_ASSIGN_OR_RETURN(spec.org_ref, json::ReqString(body, "org_ref", {64, 1, true}));
                   VECHE_ASSIGN_OR_RETURN(spec.name, json::ReqString(body, "name", {200, 1, true}));
                   VECHE_ASSIGN_OR_RETURN(const bj::array* users, OptArray(body, "users", kMaxCounterpartyUsers));
                   if (users) {
                       VECHE_ASSIGN_OR_RETURN(spec.user_ids,
                                              ResolveUsers(r.accounts, std::vector<bj::value>(users->begin(), users->end())));
                   }
                   VECHE_ASSIGN_OR_RETURN(auto res, objects.UpsertCounterparty(ctx.actor, id, spec));
                   return api::Json(res.second ? 201 : 200, CounterpartyJson(res.first));
               }));
    router.Add("DELETE", "/api/v1/objects/{id}/counterparties/{cp}",
               api::Authed(s, [&objects](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(Id cp, api::PathId(req, 1));
                   VECHE_RETURN_IF_ERROR(objects.RemoveCounterparty(ctx.actor, id, cp));
                   return api::NoContent();
               }));

    // Registered last: its two parameters would also match /objects/{id}/chats.
    router.Add("PUT", "/api/v1/objects/{type}/{external_id}",
               api::Authed(s, [&r, &objects](Request& req, const Caller& ctx) -> Result<Response> {
                   const std::string& type = req.params.at(0);
                   const std::string& external_id = req.params.at(1);
                   VECHE_RETURN_IF_ERROR(CheckExternalId(external_id));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   ObjectUpsert spec;
                   VECHE_ASSIGN_OR_RETURN(spec.title, json::ReqString(body, "title", {300, 1, true}));
                   VECHE_ASSIGN_OR_RETURN(spec.url, json::OptString(body, "url", {2000, 0}));
                   if (spec.url && !spec.url->empty() && spec.url->rfind("https://", 0) != 0 &&
                       spec.url->rfind("http://", 0) != 0)
                       return Error::InvalidArgument("field 'url' must be an http(s) link");
                   VECHE_ASSIGN_OR_RETURN(spec.system, json::OptString(body, "system", {64, 0}));
                   if (auto it = body.find("attributes"); it != body.end() && !it->value().is_null()) {
                       if (!it->value().is_object()) return Error::InvalidArgument("field 'attributes' must be an object");
                       if (json::Serialize(it->value()).size() > 64 * 1024)
                           return Error::InvalidArgument("field 'attributes' is over 64 KiB");
                       spec.attributes = it->value().get_object();
                   }
                   VECHE_ASSIGN_OR_RETURN(const bj::array* members, OptArray(body, "members", kMaxMembers));
                   if (members) {
                       std::vector<bj::value> refs;
                       std::vector<std::string> roles;
                       for (const auto& m : *members) {
                           if (!m.is_object()) return Error::InvalidArgument("every member is {user_id|username, role}");
                           VECHE_ASSIGN_OR_RETURN(auto role, json::ReqString(m.get_object(), "role", {32, 1}));
                           if (!IsObjectRole(role))
                               return Error::InvalidArgument(
                                   "a member's 'role' must be owner, category_manager, commission or observer");
                           refs.push_back(m);
                           roles.push_back(role);
                       }
                       VECHE_ASSIGN_OR_RETURN(auto ids, ResolveUsers(r.accounts, refs));
                       std::vector<ObjectMember> list;
                       for (std::size_t i = 0; i < ids.size(); ++i) list.push_back({ids[i], roles[i]});
                       spec.members = std::move(list);
                   }
                   VECHE_ASSIGN_OR_RETURN(auto res, objects.Upsert(ctx.actor, type, external_id, spec));
                   return api::Json(res.second ? 201 : 200, ViewJson(res.first));
               }));
}

}  // namespace veche::objects
