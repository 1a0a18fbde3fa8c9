// Voting cards (docs/api.md, "Voting cards").
#include <boost/json/array.hpp>

#include "routes.hpp"
#include "veche/core/json.hpp"
#include "veche/objects/types.hpp"
#include "veche/objects/votes.hpp"

namespace veche::objects {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

void AddVoteRoutes(api::Router& router, ObjectRoutes& r) {
    const api::HttpKit& s = r.kit;
    VoteService& votes = r.votes;

    router.Add("POST", "/api/v1/chats/{id}/votes",
               api::Authed(s, [&r, &votes](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id chat_id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   NewVote spec;
                   VECHE_ASSIGN_OR_RETURN(spec.title, json::ReqString(body, "title", {300, 1, true}));
                   if (auto it = body.find("fields"); it != body.end() && !it->value().is_null()) {
                       if (!it->value().is_object() || json::Serialize(it->value()).size() > 16 * 1024)
                           return Error::InvalidArgument("field 'fields' must be an object of at most 16 KiB");
                       spec.fields = it->value().get_object();
                   }
                   if (auto it = body.find("options"); it != body.end() && !it->value().is_null()) {
                       if (!it->value().is_array()) return Error::InvalidArgument("field 'options' must be an array");
                       for (const auto& o : it->value().get_array()) {
                           if (!o.is_string() || o.get_string().empty() || o.get_string().size() > 200)
                               return Error::InvalidArgument("every option is a non-empty string of at most 200 bytes");
                           spec.options.emplace_back(o.get_string());
                       }
                   } else {
                       spec.options = {"За", "Против", "Воздержался"};
                   }
                   if (auto it = body.find("electorate"); it != body.end() && !it->value().is_null()) {
                       if (!it->value().is_array() || it->value().get_array().size() > 200)
                           return Error::InvalidArgument("field 'electorate' must be an array of at most 200 users");
                       VECHE_ASSIGN_OR_RETURN(spec.electorate,
                                              ResolveUsers(r.accounts, std::vector<bj::value>(it->value().get_array().begin(),
                                                                                              it->value().get_array().end())));
                   }
                   if (auto it = body.find("groups"); it != body.end() && !it->value().is_null()) {
                       if (!it->value().is_array()) return Error::InvalidArgument("field 'groups' must be an array of object roles");
                       for (const auto& g : it->value().get_array()) {
                           if (!g.is_string() || !IsObjectRole(g.get_string()))
                               return Error::InvalidArgument("a group is an object role");
                           spec.electorate_roles.emplace_back(g.get_string());
                       }
                   }
                   VECHE_ASSIGN_OR_RETURN(auto quorum, json::OptInt(body, "quorum", 1, 1000));
                   if (quorum) spec.quorum = static_cast<int>(*quorum);
                   VECHE_ASSIGN_OR_RETURN(auto secret, json::OptBool(body, "secret"));
                   spec.secret = secret.value_or(false);
                   VECHE_ASSIGN_OR_RETURN(auto deadline, json::OptInt(body, "deadline_at", 0, 253'402'300'799'999));
                   if (!deadline) return Error::InvalidArgument("field 'deadline_at' (ms since the epoch) is required");
                   spec.deadline_at = *deadline;
                   VECHE_ASSIGN_OR_RETURN(auto v, votes.Create(ctx.actor, chat_id, spec));
                   return api::Json(201, VoteJson(v));
               }));
    router.Add("GET", "/api/v1/votes/{id}", api::Authed(s, [&votes](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto v, votes.Get(ctx.actor, id));
                   return api::Json(200, VoteJson(v));
               }));
    router.Add("POST", "/api/v1/votes/{id}/ballots",
               api::Authed(s, [&votes](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto option, json::OptInt(body, "option", 0, 100));
                   if (!option) return Error::InvalidArgument("field 'option' (the option's index) is required");
                   VECHE_ASSIGN_OR_RETURN(auto v, votes.Cast(ctx.actor, id, static_cast<int>(*option)));
                   return api::Json(200, VoteJson(v));
               }));
    router.Add("POST", "/api/v1/votes/{id}/close",
               api::Authed(s, [&votes](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto v, votes.Close(ctx.actor, id));
                   return api::Json(200, VoteJson(v));
               }));
}

}  // namespace veche::objects
