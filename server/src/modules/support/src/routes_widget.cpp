// /api/v1/support/widget/… (docs/api.md, "Support desk", "The widget"): the visitor's side. These
// routes take no session: a visitor token (Authorization: Bearer vis_…) names the contact, and a
// session token is never one.
#include <boost/json/array.hpp>

#include "routes.hpp"
#include "support_json.hpp"
#include "widget_http.hpp"
#include "veche/core/json.hpp"
#include "veche/support/desk.hpp"

namespace veche::support {
namespace {

namespace bj = boost::json;
using api::Request;
using api::Response;

Result<VisitorMessage> ReadVisitorMessage(const Request& req) {
    VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
    VisitorMessage m;
    m.visitor_token = api::BearerToken(req);
    VECHE_ASSIGN_OR_RETURN(m.inbox_token, json::ReqString(body, "inbox", {100, 1}));
    VECHE_ASSIGN_OR_RETURN(m.text, json::ReqString(body, "text", {10000, 1}));
    VECHE_ASSIGN_OR_RETURN(m.conversation_id, json::OptId(body, "conversation_id"));
    VECHE_ASSIGN_OR_RETURN(m.topic_id, json::OptId(body, "topic_id"));
    VECHE_ASSIGN_OR_RETURN(auto name, json::OptString(body, "name", {200, 0, true}));
    VECHE_ASSIGN_OR_RETURN(auto email, json::OptString(body, "email", {320, 0, true}));
    m.name = name.value_or("");
    m.email = email.value_or("");
    VECHE_ASSIGN_OR_RETURN(m.identifier, json::OptString(body, "identifier", {200, 1}));
    VECHE_ASSIGN_OR_RETURN(m.identifier_hash, json::OptString(body, "identifier_hash", {128, 1}));
    return m;
}

}  // namespace

void AddWidgetRoutes(api::Router& router, const api::HttpKit& kit, SupportDesk& desk,
                     const WidgetGate& gate) {
    router.AddPreflight("/api/v1/support/widget/", WidgetPreflight(gate));
    router.Add("POST", "/api/v1/support/widget/messages",
               WidgetHandler(gate, [&desk, &kit](Request& req) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(api::CheckRateOfAddress(kit, ratelimit::Action::kSend, req));
                   VECHE_ASSIGN_OR_RETURN(auto message, ReadVisitorMessage(req));
                   VECHE_ASSIGN_OR_RETURN(auto posted, desk.PostAsVisitor(message));
                   bj::object out{{"conversation", VisitorConversationToJson(posted.conversation)},
                                  {"message", VisitorMessageToJson({posted.message, "incoming"})},
                                  {"created", posted.created}};
                   if (!posted.visitor_token.empty()) out["visitor_token"] = posted.visitor_token;
                   return api::Json(201, out);
               }));
    router.Add("GET", "/api/v1/support/widget/conversations",
               WidgetHandler(gate, [&desk](Request& req) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto token, RequiredVisitor(req));
                   VECHE_ASSIGN_OR_RETURN(auto list, desk.VisitorConversations(token));
                   bj::array out;
                   for (const auto& c : list) out.push_back(VisitorConversationToJson(c));
                   return api::Json(200, bj::object{{"conversations", std::move(out)}});
               }));
    router.Add("GET", "/api/v1/support/widget/conversations/{id}/messages",
               WidgetHandler(gate, [&desk](Request& req) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto token, RequiredVisitor(req));
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto list, desk.VisitorMessages(token, id));
                   bj::array out;
                   for (const auto& m : list) out.push_back(VisitorMessageToJson(m));
                   return api::Json(200, bj::object{{"messages", std::move(out)}});
               }));
    // Before the first message, so no visitor token: the inbox is named in the query.
    router.Add("GET", "/api/v1/support/widget/topics",
               WidgetHandler(gate, [&desk](Request& req) -> Result<Response> {
                   auto inbox = req.query.find("inbox");
                   if (inbox == req.query.end() || inbox->second.empty())
                       return Error::InvalidArgument("query parameter 'inbox' (the inbox token) is required");
                   if (inbox->second.size() > 100) return Error::NotFound("inbox");
                   VECHE_ASSIGN_OR_RETURN(auto topics, desk.WidgetTopics(inbox->second));
                   bj::array out;
                   for (const auto& t : topics)
                       out.push_back(bj::object{{"id", IdToString(t.id)}, {"title", t.title}});
                   return api::Json(200, bj::object{{"topics", std::move(out)}});
               }));
}

}  // namespace veche::support
