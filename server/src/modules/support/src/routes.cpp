// /api/v1/support/… for agents and admins (docs/api.md, "Support desk").
#include "routes.hpp"

#include <boost/json/array.hpp>

#include "support_json.hpp"
#include "veche/core/json.hpp"
#include "veche/core/clock.hpp"
#include "veche/support/desk.hpp"
#include "veche/support/tools.hpp"

namespace veche::support {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

constexpr json::StringLimits kName{200, 1, true};
constexpr json::StringLimits kText{10000, 1, false};

Status OneOf(const std::string& value, std::initializer_list<std::string_view> allowed, std::string_view field) {
    for (auto a : allowed)
        if (value == a) return {};
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return Error::InvalidArgument("field '" + std::string(field) + "' must be one of " + list);
}

Result<std::vector<TeamMember>> ReadMembers(const bj::object& body) {
    auto it = body.find("members");
    if (it == body.end() || !it->value().is_array()) return Error::InvalidArgument("field 'members' must be an array");
    const auto& arr = it->value().get_array();
    if (arr.size() > 500) return Error::InvalidArgument("field 'members' has more than 500 entries");
    std::vector<TeamMember> out;
    for (const auto& v : arr) {
        if (!v.is_object()) return Error::InvalidArgument("each of 'members' is {\"user_id\", \"capacity\"}");
        TeamMember m;
        VECHE_ASSIGN_OR_RETURN(m.user_id, json::ReqId(v.get_object(), "user_id"));
        VECHE_ASSIGN_OR_RETURN(auto cap, json::OptInt(v.get_object(), "capacity", 0, 1000));
        m.capacity = static_cast<int>(cap.value_or(5));
        out.push_back(m);
    }
    return out;
}

// "allowed_origins": ["https://shop.example", …] (absent: nullopt), normalized.
Result<std::optional<std::vector<std::string>>> ReadOrigins(const bj::object& body) {
    auto it = body.find("allowed_origins");
    if (it == body.end() || it->value().is_null()) return std::optional<std::vector<std::string>>();
    if (!it->value().is_array())
        return Error::InvalidArgument("field 'allowed_origins' must be an array of origins");
    std::vector<std::string> raw;
    for (const auto& v : it->value().get_array()) {
        if (!v.is_string())
            return Error::InvalidArgument("field 'allowed_origins' must be an array of origins");
        raw.emplace_back(v.get_string());
    }
    VECHE_ASSIGN_OR_RETURN(auto origins, NormalizeOrigins(raw));
    return std::optional(std::move(origins));
}

Result<InboxPatch> ReadInboxPatch(const bj::object& body) {
    InboxPatch p;
    VECHE_ASSIGN_OR_RETURN(p.name, json::OptString(body, "name", kName));
    if (body.find("team_id") != body.end()) {
        VECHE_ASSIGN_OR_RETURN(auto team, json::OptId(body, "team_id"));
        p.team_id.emplace(team);  // null: no team
    }
    VECHE_ASSIGN_OR_RETURN(p.hmac_mandatory, json::OptBool(body, "hmac_mandatory"));
    VECHE_ASSIGN_OR_RETURN(auto days, json::OptInt(body, "reopen_window_days", 1, 3650));
    if (days) p.reopen_window_days = static_cast<int>(*days);
    VECHE_ASSIGN_OR_RETURN(p.greeting, json::OptString(body, "greeting", {1000, 0}));
    VECHE_ASSIGN_OR_RETURN(p.allowed_origins, ReadOrigins(body));
    for (const char* fixed : {"channel", "token", "hmac_secret"})
        if (body.find(fixed) != body.end())
            return Error::InvalidArgument("field '" + std::string(fixed) + "' of an inbox cannot be changed");
    return p;
}

Result<NewInbox> ReadInbox(const bj::object& body) {
    NewInbox n;
    VECHE_ASSIGN_OR_RETURN(n.name, json::ReqString(body, "name", kName));
    VECHE_ASSIGN_OR_RETURN(auto channel, json::OptString(body, "channel", {20, 1}));
    n.channel = channel.value_or("api");
    VECHE_RETURN_IF_ERROR(OneOf(n.channel, {"api", "widget"}, "channel"));  // email: PUT …/inboxes/{id}/email
    VECHE_ASSIGN_OR_RETURN(n.team_id, json::OptId(body, "team_id"));
    VECHE_ASSIGN_OR_RETURN(auto hmac, json::OptBool(body, "hmac_mandatory"));
    n.hmac_mandatory = hmac.value_or(false);
    VECHE_ASSIGN_OR_RETURN(auto days, json::OptInt(body, "reopen_window_days", 1, 3650));
    n.reopen_window_days = static_cast<int>(days.value_or(30));
    VECHE_ASSIGN_OR_RETURN(auto greeting, json::OptString(body, "greeting", {1000, 0}));
    n.greeting = greeting.value_or("");
    VECHE_ASSIGN_OR_RETURN(auto origins, ReadOrigins(body));
    n.allowed_origins = origins.value_or(std::vector<std::string>{});
    return n;
}

Result<std::string> ReadText(const Request& req) {
    VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
    return json::ReqString(body, "text", kText);
}

template <class T, class F>
bj::array JsonList(const std::vector<T>& items, F to_json) {
    bj::array out;
    for (const auto& i : items) out.push_back(to_json(i));
    return out;
}

void AddConfigRoutes(api::Router& router, const api::HttpKit& kit, SupportDesk& desk) {
    router.Add("POST", "/api/v1/support/inboxes", api::Authed(kit, [&desk](Request& req, const Caller& ctx) -> Result<Response> {
        VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
        VECHE_ASSIGN_OR_RETURN(auto spec, ReadInbox(body));
        VECHE_ASSIGN_OR_RETURN(auto inbox, desk.CreateInbox(ctx.actor, spec));
        return api::Json(201, InboxToJson(inbox));
    }));
    router.Add("GET", "/api/v1/support/inboxes", api::Authed(kit, [&desk](Request&, const Caller& ctx) -> Result<Response> {
        VECHE_ASSIGN_OR_RETURN(auto list, desk.ListInboxes(ctx.actor));
        return api::Json(200, bj::object{{"inboxes", JsonList(list, InboxToJson)}});
    }));
    router.Add("PATCH", "/api/v1/support/inboxes/{id}",
               api::Authed(kit, [&desk](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto patch, ReadInboxPatch(body));
                   VECHE_ASSIGN_OR_RETURN(auto inbox, desk.UpdateInbox(ctx.actor, id, patch));
                   return api::Json(200, InboxToJson(inbox));
               }));
    router.Add("POST", "/api/v1/support/teams", api::Authed(kit, [&desk](Request& req, const Caller& ctx) -> Result<Response> {
        VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
        VECHE_ASSIGN_OR_RETURN(auto name, json::ReqString(body, "name", kName));
        VECHE_ASSIGN_OR_RETURN(auto team, desk.CreateTeam(ctx.actor, name));
        return api::Json(201, TeamToJson(team));
    }));
    router.Add("GET", "/api/v1/support/teams", api::Authed(kit, [&desk](Request&, const Caller& ctx) -> Result<Response> {
        VECHE_ASSIGN_OR_RETURN(auto list, desk.ListTeams(ctx.actor));
        return api::Json(200, bj::object{{"teams", JsonList(list, TeamToJson)}});
    }));
    router.Add("PUT", "/api/v1/support/teams/{id}/members",
               api::Authed(kit, [&desk](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto members, ReadMembers(body));
                   VECHE_ASSIGN_OR_RETURN(auto team, desk.SetTeamMembers(ctx.actor, id, members));
                   return api::Json(200, TeamToJson(team));
               }));
    router.Add("POST", "/api/v1/support/topics", api::Authed(kit, [&desk](Request& req, const Caller& ctx) -> Result<Response> {
        VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
        VECHE_ASSIGN_OR_RETURN(Id team, json::ReqId(body, "team_id"));
        VECHE_ASSIGN_OR_RETURN(auto title, json::ReqString(body, "title", kName));
        VECHE_ASSIGN_OR_RETURN(auto topic, desk.CreateTopic(ctx.actor, team, title));
        return api::Json(201, TopicToJson(topic));
    }));
    router.Add("PATCH", "/api/v1/support/topics/{id}",
               api::Authed(kit, [&desk](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   for (const char* key : {"title", "team_id", "archived"})
                       if (json::IsNull(body, key))
                           return Error::InvalidArgument("field '" + std::string(key) + "' may not be null");
                   TopicChange change;
                   VECHE_ASSIGN_OR_RETURN(change.title, json::OptString(body, "title", kName));
                   VECHE_ASSIGN_OR_RETURN(change.team_id, json::OptId(body, "team_id"));
                   VECHE_ASSIGN_OR_RETURN(change.archived, json::OptBool(body, "archived"));
                   if (!change.title && !change.team_id && !change.archived)
                       return Error::InvalidArgument("give at least one of 'title', 'team_id', 'archived'");
                   VECHE_ASSIGN_OR_RETURN(auto topic, desk.UpdateTopic(ctx.actor, id, change));
                   return api::Json(200, TopicToJson(topic));
               }));
    router.Add("GET", "/api/v1/support/topics", api::Authed(kit, [&desk](Request&, const Caller& ctx) -> Result<Response> {
        VECHE_ASSIGN_OR_RETURN(auto list, desk.ListTopics(ctx.actor));
        return api::Json(200, bj::object{{"topics", JsonList(list, TopicToJson)}});
    }));
    router.Add("GET", "/api/v1/support/agents", api::Authed(kit, [&desk](Request&, const Caller& ctx) -> Result<Response> {
        VECHE_ASSIGN_OR_RETURN(auto list, desk.ListAgents(ctx.actor));
        return api::Json(200, bj::object{{"agents", JsonList(list, AgentToJson)}});
    }));
    router.Add("PUT", "/api/v1/support/agents/{id}/scope",
               api::Authed(kit, [&desk](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto scope, json::ReqString(body, "scope", {20, 1}));
                   VECHE_RETURN_IF_ERROR(OneOf(scope, {"all", "team", "assigned"}, "scope"));
                   VECHE_ASSIGN_OR_RETURN(auto agent, desk.SetAgentScope(ctx.actor, id, scope));
                   return api::Json(200, AgentToJson(agent));
               }));
    router.Add("PUT", "/api/v1/support/agents/{id}/availability",
               api::Authed(kit, [&desk](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto availability, json::ReqString(body, "availability", {20, 1}));
                   VECHE_RETURN_IF_ERROR(OneOf(availability, {"online", "offline"}, "availability"));
                   VECHE_ASSIGN_OR_RETURN(auto agent, desk.SetAvailability(ctx.actor, id, availability));
                   return api::Json(200, AgentToJson(agent));
               }));
}

Result<ConversationFilter> ReadFilter(const Request& req) {
    ConversationFilter f;
    auto q = [&](const char* k) -> std::optional<std::string> {
        auto it = req.query.find(k);
        if (it == req.query.end() || it->second.empty()) return std::nullopt;
        return it->second;
    };
    f.status = q("status");
    if (f.status)
        VECHE_RETURN_IF_ERROR(OneOf(*f.status, {"open", "pending", "snoozed", "resolved", "active"}, "status"));
    f.assignee = q("assignee");
    if (f.assignee && *f.assignee != "me" && *f.assignee != "none" && *f.assignee != "any" && !ParseId(*f.assignee))
        return Error::InvalidArgument("query parameter 'assignee' must be me, none, any or a user id");
    VECHE_ASSIGN_OR_RETURN(f.team_id, api::QueryId(req, "team"));
    VECHE_ASSIGN_OR_RETURN(f.chat_id, api::QueryId(req, "chat"));
    VECHE_ASSIGN_OR_RETURN(f.label_id, api::QueryId(req, "label"));
    if (auto deleted = q("deleted")) {
        if (*deleted != "true" && *deleted != "false")
            return Error::InvalidArgument("query parameter 'deleted' must be true or false");
        f.deleted = *deleted == "true";
    }
    VECHE_ASSIGN_OR_RETURN(f.before, api::QueryId(req, "before"));
    VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, 200));
    f.limit = static_cast<int>(limit.value_or(50));
    return f;
}

void AddConversationRoutes(api::Router& router, const api::HttpKit& kit, SupportDesk& desk, DeskTools& tools) {
    router.Add("POST", "/api/v1/support/conversations",
               api::Authed(kit, [&desk, &kit](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(api::CheckRate(kit, ratelimit::Action::kSend, ctx));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   ApiConversation spec;
                   VECHE_ASSIGN_OR_RETURN(spec.inbox_id, json::ReqId(body, "inbox_id"));
                   VECHE_ASSIGN_OR_RETURN(spec.topic_id, json::OptId(body, "topic_id"));
                   VECHE_ASSIGN_OR_RETURN(spec.text, json::ReqString(body, "text", kText));
                   auto it = body.find("contact");
                   if (it == body.end() || !it->value().is_object())
                       return Error::InvalidArgument("field 'contact' must be an object");
                   VECHE_ASSIGN_OR_RETURN(auto name, json::OptString(it->value().get_object(), "name", {200, 0, true}));
                   VECHE_ASSIGN_OR_RETURN(auto email, json::OptString(it->value().get_object(), "email", {320, 0, true}));
                   spec.contact_name = name.value_or("");
                   spec.contact_email = email.value_or("");
                   VECHE_ASSIGN_OR_RETURN(auto view, desk.OpenByApi(ctx.actor, spec));
                   return api::Json(201, ConversationViewToJson(view));
               }));
    router.Add("GET", "/api/v1/support/conversations",
               api::Authed(kit, [&desk](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto filter, ReadFilter(req));
                   VECHE_ASSIGN_OR_RETURN(auto list, desk.List(ctx.actor, filter));
                   bj::object res{{"conversations", JsonList(list, ConversationViewToJson)}};
                   api::SetNextBefore(res, list, filter.limit,
                                      [](const auto& v) { return v.conversation.id; });
                   return api::Json(200, std::move(res));
               }));
    router.Add("GET", "/api/v1/support/conversations/{id}",
               api::Authed(kit, [&desk](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto view, desk.Get(ctx.actor, id));
                   return api::Json(200, ConversationViewToJson(view));
               }));
    router.Add("GET", "/api/v1/support/conversations/{id}/messages",
               api::Authed(kit, [&desk](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto list, desk.Messages(ctx.actor, id));
                   bj::array out;
                   for (const auto& m : list) out.push_back(DeskMessageToJson(m, ctx.user_id()));
                   return api::Json(200, bj::object{{"messages", std::move(out)}});
               }));
    auto post = [&desk, &kit](std::string direction) {
        return api::Authed(kit, [&desk, &kit, direction](Request& req, const Caller& ctx) -> Result<Response> {
            VECHE_RETURN_IF_ERROR(api::CheckRate(kit, ratelimit::Action::kSend, ctx));
            VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
            VECHE_ASSIGN_OR_RETURN(auto text, ReadText(req));
            auto posted = direction == "incoming" ? desk.PostIncoming(ctx.actor, id, text)
                                                  : desk.Post(ctx.actor, id, text, direction);
            if (!posted.ok()) return std::move(posted).error();
            return api::Json(201, DeskMessageToJson(*posted, ctx.user_id()));
        });
    };
    router.Add("POST", "/api/v1/support/conversations/{id}/messages", post("outgoing"));
    router.Add("POST", "/api/v1/support/conversations/{id}/notes", post("note"));
    router.Add("POST", "/api/v1/support/conversations/{id}/incoming", post("incoming"));
    router.Add("POST", "/api/v1/support/conversations/{id}/status",
               api::Authed(kit, [&desk, &tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   StatusChange change;
                   VECHE_ASSIGN_OR_RETURN(change.status, json::ReqString(body, "status", {20, 1}));
                   VECHE_RETURN_IF_ERROR(OneOf(change.status, {"open", "pending", "snoozed", "resolved"}, "status"));
                   VECHE_ASSIGN_OR_RETURN(change.snoozed_until, json::OptInt(body, "snoozed_until", 0, INT64_MAX));
                   if (change.snoozed_until && change.status != "snoozed")
                       return Error::InvalidArgument("field 'snoozed_until' goes with status 'snoozed' only");
                   VECHE_ASSIGN_OR_RETURN(auto preset, json::OptString(body, "preset", {30, 1}));
                   if (preset) {
                       if (change.status != "snoozed" || change.snoozed_until)
                           return Error::InvalidArgument("field 'preset' goes with status 'snoozed' and no 'snoozed_until'");
                       // Resolved through the team's business calendar (snooze_presets.hpp).
                       VECHE_ASSIGN_OR_RETURN(change.snoozed_until, tools.ResolveSnooze(ctx.actor, id, *preset, NowMs()));
                   }
                   VECHE_ASSIGN_OR_RETURN(auto view, desk.SetStatus(ctx.actor, id, change));
                   return api::Json(200, ConversationViewToJson(view));
               }));
    router.Add("POST", "/api/v1/support/conversations/{id}/assign",
               api::Authed(kit, [&desk](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   AssignRequest request;
                   VECHE_ASSIGN_OR_RETURN(auto automatic, json::OptBool(body, "auto"));
                   request.automatic = automatic.value_or(false);
                   VECHE_ASSIGN_OR_RETURN(request.agent_id, json::OptId(body, "agent_id"));
                   if (!request.automatic && !request.agent_id && !json::IsNull(body, "agent_id"))
                       return Error::InvalidArgument("give 'agent_id' (null to unassign) or 'auto': true");
                   if (request.automatic && request.agent_id)
                       return Error::InvalidArgument("give either 'agent_id' or 'auto', not both");
                   VECHE_ASSIGN_OR_RETURN(auto view, desk.Assign(ctx.actor, id, request));
                   return api::Json(200, ConversationViewToJson(view));
               }));
    router.Add("GET", "/api/v1/support/contacts/{id}",
               api::Authed(kit, [&desk, &tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto view, desk.GetContact(ctx.actor, id));
                   auto out = ContactToJson(view.contact);
                   out["conversations"] = JsonList(view.conversations, ConversationToJson);
                   // A merged contact has none of its own left: identities() refuses it.
                   if (!view.contact.merged_into) {
                       VECHE_ASSIGN_OR_RETURN(auto identities, tools.Identities(ctx.actor, id));
                       out["identities"] = JsonList(identities, IdentityToJson);
                   } else {
                       out["identities"] = bj::array();
                   }
                   return api::Json(200, std::move(out));
               }));
}

}  // namespace

void AddDeskRoutes(api::Router& router, const api::HttpKit& kit, SupportDesk& desk, DeskTools& tools) {
    AddConfigRoutes(router, kit, desk);
    AddConversationRoutes(router, kit, desk, tools);
}

}  // namespace veche::support
