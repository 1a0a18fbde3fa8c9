// /api/v1/support/… routes of the agents' tools (docs/api.md, "Support desk"): canned replies,
// labels, contact search and merge, soft delete and restore, team calendars.
#include <boost/json/array.hpp>
#include <cctype>

#include "routes.hpp"
#include "support_json.hpp"
#include "veche/core/json.hpp"
#include "veche/support/desk.hpp"
#include "veche/support/tools.hpp"

namespace veche::support {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

constexpr json::StringLimits kContent{5000, 1, false};
constexpr json::StringLimits kCode{32, 1, true};
constexpr json::StringLimits kTitle{50, 1, true};

Result<std::string> ReadColor(const bj::object& body) {
    VECHE_ASSIGN_OR_RETURN(auto color, json::OptString(body, "color", {7, 0}));
    std::string c = color.value_or("#6b7280");
    bool ok = c.size() == 7 && c[0] == '#';
    for (std::size_t i = 1; ok && i < c.size(); ++i) ok = std::isxdigit(static_cast<unsigned char>(c[i])) != 0;
    if (!ok) return Error::InvalidArgument("field 'color' must be #rrggbb");
    return c;
}

Result<LabelInput> ReadLabel(const bj::object& body) {
    LabelInput in;
    VECHE_ASSIGN_OR_RETURN(in.title, json::ReqString(body, "title", kTitle));
    VECHE_ASSIGN_OR_RETURN(in.color, ReadColor(body));
    return in;
}

std::string QueryText(const Request& req, const char* key) {
    auto it = req.query.find(key);
    return it == req.query.end() ? std::string() : it->second;
}

bj::array LabelsJson(const std::vector<Label>& labels) {
    bj::array out;
    for (const auto& l : labels) out.push_back(LabelToJson(l));
    return out;
}

bj::array IdentitiesJson(const std::vector<ContactIdentity>& ids) {
    bj::array out;
    for (const auto& i : ids) out.push_back(IdentityToJson(i));
    return out;
}

void AddCannedRoutes(api::Router& router, const api::HttpKit& kit, DeskTools& tools) {
    router.Add("GET", "/api/v1/support/canned-replies",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   std::string q = QueryText(req, "q");
                   if (q.size() > 100) return Error::InvalidArgument("query parameter 'q' is longer than 100 bytes");
                   VECHE_ASSIGN_OR_RETURN(auto list, tools.ListCanned(ctx.actor, q));
                   bj::array out;
                   for (const auto& r : list) out.push_back(CannedReplyToJson(r));
                   return api::Json(200, bj::object{{"canned_replies", std::move(out)}});
               }));
    router.Add("POST", "/api/v1/support/canned-replies",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   CannedInput in;
                   VECHE_ASSIGN_OR_RETURN(auto scope, json::OptString(body, "scope", {20, 1}));
                   in.scope = scope.value_or("personal");
                   if (in.scope != "personal" && in.scope != "team" && in.scope != "global")
                       return Error::InvalidArgument("field 'scope' must be one of personal, team, global");
                   VECHE_ASSIGN_OR_RETURN(in.team_id, json::OptId(body, "team_id"));
                   VECHE_ASSIGN_OR_RETURN(in.short_code, json::ReqString(body, "short_code", kCode));
                   VECHE_ASSIGN_OR_RETURN(in.content, json::ReqString(body, "content", kContent));
                   VECHE_ASSIGN_OR_RETURN(auto reply, tools.CreateCanned(ctx.actor, in));
                   return api::Json(201, CannedReplyToJson(reply));
               }));
    router.Add("PATCH", "/api/v1/support/canned-replies/{id}",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   CannedPatch patch;
                   VECHE_ASSIGN_OR_RETURN(patch.short_code, json::OptString(body, "short_code", kCode));
                   VECHE_ASSIGN_OR_RETURN(patch.content, json::OptString(body, "content", kContent));
                   VECHE_ASSIGN_OR_RETURN(auto reply, tools.UpdateCanned(ctx.actor, id, patch));
                   return api::Json(200, CannedReplyToJson(reply));
               }));
    router.Add("DELETE", "/api/v1/support/canned-replies/{id}",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_RETURN_IF_ERROR(tools.DeleteCanned(ctx.actor, id));
                   return api::NoContent();
               }));
}

void AddLabelRoutes(api::Router& router, const api::HttpKit& kit, DeskTools& tools) {
    router.Add("GET", "/api/v1/support/labels", api::Authed(kit, [&tools](Request&, const Caller& ctx) -> Result<Response> {
        VECHE_ASSIGN_OR_RETURN(auto list, tools.ListLabels(ctx.actor));
        return api::Json(200, bj::object{{"labels", LabelsJson(list)}});
    }));
    router.Add("POST", "/api/v1/support/labels",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto in, ReadLabel(body));
                   VECHE_ASSIGN_OR_RETURN(auto label, tools.CreateLabel(ctx.actor, in));
                   return api::Json(201, LabelToJson(label));
               }));
    router.Add("PATCH", "/api/v1/support/labels/{id}",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto in, ReadLabel(body));
                   VECHE_ASSIGN_OR_RETURN(auto label, tools.UpdateLabel(ctx.actor, id, in));
                   return api::Json(200, LabelToJson(label));
               }));
    router.Add("DELETE", "/api/v1/support/labels/{id}",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_RETURN_IF_ERROR(tools.DeleteLabel(ctx.actor, id));
                   return api::NoContent();
               }));
    router.Add("POST", "/api/v1/support/conversations/{id}/labels",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(Id label, json::ReqId(body, "label_id"));
                   VECHE_ASSIGN_OR_RETURN(auto labels, tools.AddLabel(ctx.actor, id, label));
                   return api::Json(200, bj::object{{"labels", LabelsJson(labels)}});
               }));
    router.Add("DELETE", "/api/v1/support/conversations/{id}/labels/{label_id}",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(Id label, api::PathId(req, 1));
                   VECHE_ASSIGN_OR_RETURN(auto labels, tools.RemoveLabel(ctx.actor, id, label));
                   return api::Json(200, bj::object{{"labels", LabelsJson(labels)}});
               }));
}

void AddContactRoutes(api::Router& router, const api::HttpKit& kit, DeskTools& tools) {
    router.Add("GET", "/api/v1/support/contacts",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto list, tools.SearchContacts(ctx.actor, QueryText(req, "q")));
                   bj::array out;
                   for (const auto& s : list) {
                       auto o = ContactToJson(s.contact);
                       o["identities"] = IdentitiesJson(s.identities);
                       out.push_back(std::move(o));
                   }
                   return api::Json(200, bj::object{{"contacts", std::move(out)}});
               }));
    router.Add("POST", "/api/v1/support/contacts/{id}/merge",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(Id mergee, json::ReqId(body, "mergee_id"));
                   VECHE_ASSIGN_OR_RETURN(auto out, tools.MergeContacts(ctx.actor, id, mergee));
                   auto contact = ContactToJson(out.contact);
                   contact["identities"] = IdentitiesJson(out.identities);
                   return api::Json(200, bj::object{{"contact", std::move(contact)},
                                                    {"moved_conversations", out.moved_conversations},
                                                    {"moved_visitors", out.moved_visitors}});
               }));
}

void AddAdminToolRoutes(api::Router& router, const api::HttpKit& kit, SupportDesk& desk, DeskTools& tools) {
    router.Add("DELETE", "/api/v1/support/conversations/{id}",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_RETURN_IF_ERROR(tools.DeleteConversation(ctx.actor, id));
                   return api::NoContent();
               }));
    router.Add("POST", "/api/v1/support/conversations/{id}/restore",
               api::Authed(kit, [&desk, &tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_RETURN_IF_ERROR(tools.RestoreConversation(ctx.actor, id));
                   VECHE_ASSIGN_OR_RETURN(auto view, desk.Get(ctx.actor, id));
                   return api::Json(200, ConversationViewToJson(view));
               }));
    router.Add("PUT", "/api/v1/support/teams/{id}/calendar",
               api::Authed(kit, [&tools](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto calendar, json::OptId(body, "calendar_id"));
                   if (!calendar && !json::IsNull(body, "calendar_id"))
                       return Error::InvalidArgument("give 'calendar_id' (null for the default calendar)");
                   VECHE_ASSIGN_OR_RETURN(auto team, tools.SetTeamCalendar(ctx.actor, id, calendar));
                   return api::Json(200, TeamToJson(team));
               }));
}

}  // namespace

void AddToolRoutes(api::Router& router, const api::HttpKit& kit, SupportDesk& desk, DeskTools& tools) {
    AddCannedRoutes(router, kit, tools);
    AddLabelRoutes(router, kit, tools);
    AddContactRoutes(router, kit, tools);
    AddAdminToolRoutes(router, kit, desk, tools);
}

}  // namespace veche::support
