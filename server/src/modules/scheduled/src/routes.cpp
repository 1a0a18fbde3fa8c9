// /api/v1/chats/{id}/scheduled-messages and /api/v1/scheduled-messages… (docs/api.md,
// "Scheduled messages").
#include "routes.hpp"

#include <boost/json/array.hpp>

#include "veche/api/kit.hpp"
#include "veche/core/json.hpp"

namespace veche::scheduled {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

constexpr std::int64_t kMaxMs = 253'402'300'799'999;  // 9999-12-31: any larger send_at is nonsense

bool KnownState(std::string_view s) {
    return s == "pending" || s == "sending" || s == "sent" || s == "failed";
}

}  // namespace

void AddRoutes(api::Router& router, const api::HttpKit& s, ScheduledService& service) {
    router.Add(
        "POST", "/api/v1/chats/{id}/scheduled-messages",
        api::Authed(s, [&s, &service](Request& req, const Caller& ctx) -> Result<Response> {
            VECHE_RETURN_IF_ERROR(api::CheckRate(s, ratelimit::Action::kSend, ctx));
            VECHE_ASSIGN_OR_RETURN(Id chat_id, api::PathId(req, 0));
            VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
            VECHE_ASSIGN_OR_RETURN(auto text, json::ReqString(body, "text", {chat::kMaxMessageChars, 1}));
            VECHE_ASSIGN_OR_RETURN(auto send_at, json::OptInt(body, "send_at", 0, kMaxMs));
            if (!send_at) return Error::InvalidArgument("field 'send_at' (ms since the epoch) is required");
            VECHE_ASSIGN_OR_RETURN(auto root, json::OptId(body, "thread_root_id"));
            VECHE_ASSIGN_OR_RETURN(
                auto m, service.Create(ctx.actor, chat_id, std::move(text), *send_at, root.value_or(0)));
            return api::Json(201, ScheduledToJson(m));
        }));

    router.Add("GET", "/api/v1/scheduled-messages",
               api::Authed(s, [&service](Request& req, const Caller& ctx) -> Result<Response> {
                   std::optional<std::string> state;
                   if (auto it = req.query.find("state"); it != req.query.end() && !it->second.empty()) {
                       if (!KnownState(it->second))
                           return Error::InvalidArgument(
                               "query parameter 'state' must be pending, sending, sent or failed");
                       state = it->second;
                   }
                   VECHE_ASSIGN_OR_RETURN(auto list, service.ListMine(ctx.actor, state));
                   bj::array arr;
                   for (const auto& m : list) arr.push_back(ScheduledToJson(m));
                   return api::Json(200, bj::object{{"scheduled_messages", std::move(arr)}});
               }));

    router.Add("GET", "/api/v1/scheduled-messages/{id}",
               api::Authed(s, [&service](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto m, service.Get(ctx.actor, id));
                   return api::Json(200, ScheduledToJson(m));
               }));

    router.Add("PATCH", "/api/v1/scheduled-messages/{id}",
               api::Authed(s, [&service](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   ScheduledUpdate u;
                   VECHE_ASSIGN_OR_RETURN(u.text, json::OptString(body, "text", {chat::kMaxMessageChars, 1}));
                   VECHE_ASSIGN_OR_RETURN(u.send_at, json::OptInt(body, "send_at", 0, kMaxMs));
                   if (!u.text && !u.send_at) return Error::InvalidArgument("give 'text', 'send_at' or both");
                   VECHE_ASSIGN_OR_RETURN(auto m, service.Update(ctx.actor, id, u));
                   return api::Json(200, ScheduledToJson(m));
               }));

    router.Add("DELETE", "/api/v1/scheduled-messages/{id}",
               api::Authed(s, [&service](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_RETURN_IF_ERROR(service.Delete(ctx.actor, id));
                   return api::NoContent();
               }));
}

}  // namespace veche::scheduled
