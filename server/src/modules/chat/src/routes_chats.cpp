// /api/v1/chats/… and /api/v1/messages/… (docs/api.md, "Chats" and "Messages").
#include <boost/json/array.hpp>

#include "routes.hpp"
#include "veche/accounts/user_json.hpp"
#include "veche/core/text.hpp"

namespace veche::chat {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::ErrorResponse;
using api::Json;
using api::JsonBody;
using api::NoContent;
using api::PathId;
using api::QueryId;
using api::QueryInt;
using api::Request;
using api::Response;
using api::Router;
using ratelimit::Action;

bj::array ViewsJson(const std::vector<ChatView>& views, Id viewer) {
    bj::array arr;
    for (const auto& v : views) arr.push_back(ChatViewToJson(v, viewer));
    return arr;
}

Result<bj::array> MembersJson(ChatRoutes& s, const std::vector<Member>& members) {
    std::vector<Id> ids;
    for (const auto& m : members) ids.push_back(m.user_id);
    VECHE_ASSIGN_OR_RETURN(auto users, s.accounts.GetUsers(ids));
    bj::array arr;
    for (std::size_t i = 0; i < members.size() && i < users.size(); ++i) {
        arr.push_back(
            bj::object{{"user", accounts::UserToJson(users[i], s.accounts.EffectivePresence(users[i]))},
                       {"role", members[i].role},
                       {"joined_at", members[i].joined_at}});
    }
    return arr;
}

}  // namespace

void AddChatRoutes(Router& router, ChatRoutes& s) {
    router.Add(
        "POST", "/api/v1/chats",
        api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
            VECHE_RETURN_IF_ERROR(api::CheckRate(s.kit, Action::kCreateChat, ctx));
            VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
            NewChat spec;
            VECHE_ASSIGN_OR_RETURN(spec.type, json::ReqString(body, "type", {16, 1}));
            if (spec.type == "direct") {
                VECHE_ASSIGN_OR_RETURN(spec.direct_user_id, json::ReqId(body, "user_id"));
            } else {
                VECHE_ASSIGN_OR_RETURN(auto name, json::OptString(body, "name", {kMaxNameChars, 0, true}));
                VECHE_ASSIGN_OR_RETURN(auto visibility, json::OptString(body, "visibility", {16, 1}));
                VECHE_ASSIGN_OR_RETURN(auto topic, json::OptString(body, "topic", {kMaxTopicChars, 0}));
                VECHE_ASSIGN_OR_RETURN(spec.member_ids, json::OptIdArray(body, "member_ids", 1000));
                VECHE_ASSIGN_OR_RETURN(spec.immutable_after_minutes,
                                       json::OptInt(body, "immutable_after_minutes", 0, 525600));
                spec.name = name.value_or("");
                spec.visibility = visibility.value_or("private");
                spec.topic = topic.value_or("");
            }
            VECHE_ASSIGN_OR_RETURN(auto created, s.chats.CreateChat(ctx.actor, spec));
            return Json(created.second ? 201 : 200, ChatViewToJson(created.first, ctx.user_id()));
        }));

    router.Add("GET", "/api/v1/chats",
               api::Authed(s.kit, [&s](Request&, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto views, s.chats.ListMyChats(ctx.actor));
                   return Json(200, bj::object{{"chats", ViewsJson(views, ctx.user_id())}});
               }));

    router.Add("GET", "/api/v1/chats/public",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   std::string query = req.query.count("query") ? req.query.at("query") : "";
                   if (text::CodePointCount(query) > 100)
                       return Error::InvalidArgument("query parameter 'query' is too long");
                   VECHE_ASSIGN_OR_RETURN(auto limit, QueryInt(req, "limit", 1, 200));
                   VECHE_ASSIGN_OR_RETURN(
                       auto views,
                       s.chats.ListPublicChannels(ctx.actor, query, static_cast<int>(limit.value_or(50))));
                   return Json(200, bj::object{{"chats", ViewsJson(views, ctx.user_id())}});
               }));

    router.Add("GET", "/api/v1/chats/{id}",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto view, s.chats.GetChat(ctx.actor, id));
                   return Json(200, ChatViewToJson(view, ctx.user_id()));
               }));

    router.Add("PATCH", "/api/v1/chats/{id}",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                   ChatUpdate up;
                   VECHE_ASSIGN_OR_RETURN(up.name, json::OptString(body, "name", {kMaxNameChars, 0, true}));
                   VECHE_ASSIGN_OR_RETURN(up.topic, json::OptString(body, "topic", {kMaxTopicChars, 0}));
                   if (body.contains("immutable_after_minutes")) {
                       up.set_immutable = true;
                       VECHE_ASSIGN_OR_RETURN(up.immutable_after_minutes,
                                              json::OptInt(body, "immutable_after_minutes", 0, 525600));
                   }
                   VECHE_ASSIGN_OR_RETURN(auto view, s.chats.UpdateChat(ctx.actor, id, up));
                   return Json(200, ChatViewToJson(view, ctx.user_id()));
               }));

    for (bool archive : {true, false}) {
        router.Add("POST", archive ? "/api/v1/chats/{id}/archive" : "/api/v1/chats/{id}/unarchive",
                   api::Authed(s.kit, [&s, archive](Request& req, const Caller& ctx) -> Result<Response> {
                       VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                       VECHE_ASSIGN_OR_RETURN(auto view, s.chats.SetArchived(ctx.actor, id, archive));
                       return Json(200, ChatViewToJson(view, ctx.user_id()));
                   }));
    }

    router.Add("POST", "/api/v1/chats/{id}/join",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto view, s.chats.Join(ctx.actor, id));
                   return Json(200, ChatViewToJson(view, ctx.user_id()));
               }));

    router.Add("POST", "/api/v1/chats/{id}/leave",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_RETURN_IF_ERROR(s.chats.Leave(ctx.actor, id));
                   return NoContent();
               }));

    router.Add("GET", "/api/v1/chats/{id}/members",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto members, s.chats.ListMembers(ctx.actor, id));
                   VECHE_ASSIGN_OR_RETURN(auto arr, MembersJson(s, members));
                   return Json(200, bj::object{{"members", std::move(arr)}});
               }));

    router.Add("POST", "/api/v1/chats/{id}/members",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(api::CheckRate(s.kit, Action::kInvite, ctx));
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                   if (!body.contains("user_ids"))
                       return Error::InvalidArgument("field 'user_ids' is required");
                   VECHE_ASSIGN_OR_RETURN(auto user_ids, json::OptIdArray(body, "user_ids", 1000));
                   VECHE_ASSIGN_OR_RETURN(auto role, json::OptString(body, "role", {16, 1}));
                   VECHE_ASSIGN_OR_RETURN(
                       auto members, s.chats.AddMembers(ctx.actor, id, user_ids, role.value_or("member")));
                   VECHE_ASSIGN_OR_RETURN(auto arr, MembersJson(s, members));
                   return Json(200, bj::object{{"members", std::move(arr)}});
               }));

    router.Add("PATCH", "/api/v1/chats/{id}/members/{user_id}",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(Id user_id, PathId(req, 1));
                   VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto role, json::ReqString(body, "role", {16, 1}));
                   VECHE_ASSIGN_OR_RETURN(auto member,
                                          s.chats.SetMemberRole(ctx.actor, id, user_id, role));
                   return Json(200, bj::object{{"user_id", IdToString(member.user_id)},
                                               {"role", member.role},
                                               {"joined_at", member.joined_at}});
               }));

    router.Add("DELETE", "/api/v1/chats/{id}/members/{user_id}",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(Id user_id, PathId(req, 1));
                   VECHE_RETURN_IF_ERROR(s.chats.RemoveMember(ctx.actor, id, user_id));
                   return NoContent();
               }));

    router.Add("POST", "/api/v1/chats/{id}/read",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(Id message_id, json::ReqId(body, "message_id"));
                   VECHE_ASSIGN_OR_RETURN(auto rs, s.chats.MarkRead(ctx.actor, id, message_id));
                   return Json(200, bj::object{{"last_read_message_id", IdToString(rs.last_read_message_id)},
                                               {"unread_count", rs.unread_count}});
               }));

    router.Add(
        "POST", "/api/v1/chats/{id}/messages",
        api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
            VECHE_RETURN_IF_ERROR(api::CheckRate(s.kit, Action::kSend, ctx));
            VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
            VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
            // Length is checked by the service (in code points), so read the field unbounded here.
            VECHE_ASSIGN_OR_RETURN(auto text_field, json::OptString(body, "text", {SIZE_MAX, 0}));
            if (!text_field && !body.contains("file_ids"))
                return Error::InvalidArgument("field 'text' is required");
            // Buttons come from server-side modules only (ChatService::Post with NewMessage::buttons).
            if (body.contains("buttons"))
                return Error{ErrorCode::kInvalidArgument, "buttons_not_allowed",
                             "buttons are posted by server-side bots only"};
            std::string text = text_field.value_or("");
            NewMessage nm;
            nm.text = std::move(text);
            VECHE_ASSIGN_OR_RETURN(nm.client_id, json::OptString(body, "client_id", {kMaxClientIdBytes, 0}));
            VECHE_ASSIGN_OR_RETURN(auto root, json::OptId(body, "thread_root_id"));
            VECHE_ASSIGN_OR_RETURN(auto quote, json::OptId(body, "quote_id"));
            VECHE_ASSIGN_OR_RETURN(nm.file_ids, json::OptIdArray(body, "file_ids", kMaxFilesPerMessage));
            nm.thread_root_id = root.value_or(0);
            nm.quote_id = quote.value_or(0);
            VECHE_ASSIGN_OR_RETURN(auto posted, s.chats.Post(ctx.actor, id, nm));
            return Json(posted.second ? 201 : 200, MessageToJson(posted.first, ctx.user_id()));
        }));

    router.Add("GET", "/api/v1/chats/{id}/messages",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   HistoryQuery q;
                   VECHE_ASSIGN_OR_RETURN(q.before, QueryId(req, "before"));
                   VECHE_ASSIGN_OR_RETURN(q.after, QueryId(req, "after"));
                   VECHE_ASSIGN_OR_RETURN(auto limit, QueryInt(req, "limit", 1, kMaxPageSize));
                   q.limit = static_cast<int>(limit.value_or(50));
                   auto inc = req.query.find("include_deleted");
                   q.include_deleted =
                       inc != req.query.end() && (inc->second == "true" || inc->second == "1");
                   VECHE_ASSIGN_OR_RETURN(auto page, s.chats.History(ctx.actor, id, q));
                   bj::array arr;
                   for (const auto& m : page.messages)
                       arr.push_back(MessageToJson(m, ctx.user_id(), q.include_deleted));
                   return Json(200, bj::object{{"messages", std::move(arr)}, {"has_more", page.has_more}});
               }));

    router.Add(
        "POST", "/api/v1/chats/{id}/polls",
        api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
            VECHE_RETURN_IF_ERROR(api::CheckRate(s.kit, Action::kSend, ctx));
            VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
            VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
            NewPoll p;
            VECHE_ASSIGN_OR_RETURN(p.question, json::ReqString(body, "question", {300, 1, true}));
            auto it = body.find("options");
            if (it == body.end() || !it->value().is_array())
                return Error::InvalidArgument("field 'options' must be an array of strings");
            for (const auto& o : it->value().get_array()) {
                if (!o.is_string())
                    return Error::InvalidArgument("field 'options' must be an array of strings");
                p.options.emplace_back(o.get_string());
            }
            VECHE_ASSIGN_OR_RETURN(auto multiple, json::OptBool(body, "multiple"));
            VECHE_ASSIGN_OR_RETURN(auto anonymous, json::OptBool(body, "anonymous"));
            VECHE_ASSIGN_OR_RETURN(p.deadline, json::OptInt(body, "deadline", 0, INT64_MAX));
            VECHE_ASSIGN_OR_RETURN(p.client_id, json::OptString(body, "client_id", {kMaxClientIdBytes, 0}));
            p.multiple = multiple.value_or(false);
            p.anonymous = anonymous.value_or(false);
            VECHE_ASSIGN_OR_RETURN(auto posted, s.chats.CreatePoll(ctx.actor, id, p));
            return Json(posted.second ? 201 : 200, MessageToJson(posted.first, ctx.user_id()));
        }));

    router.Add(
        "PUT", "/api/v1/messages/{id}/poll/vote",
        api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
            VECHE_RETURN_IF_ERROR(api::CheckRate(s.kit, Action::kReact, ctx));
            VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
            VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
            auto it = body.find("options");
            if (it == body.end() || !it->value().is_array())
                return Error::InvalidArgument("field 'options' must be an array of option numbers");
            std::vector<int> options;
            for (const auto& o : it->value().get_array()) {
                if (!o.is_int64() || o.get_int64() < 0 || o.get_int64() > 1000)
                    return Error::InvalidArgument("field 'options' must be an array of option numbers");
                options.push_back(static_cast<int>(o.get_int64()));
            }
            VECHE_ASSIGN_OR_RETURN(auto m, s.chats.Vote(ctx.actor, id, options));
            return Json(200, MessageToJson(m, ctx.user_id()));
        }));

    router.Add("POST", "/api/v1/messages/{id}/interactions",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(api::CheckRate(s.kit, Action::kReact, ctx));
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto row, json::OptInt(body, "row", 0, 1000));
                   VECHE_ASSIGN_OR_RETURN(auto col, json::OptInt(body, "col", 0, 1000));
                   if (!row || !col) return Error::InvalidArgument("fields 'row' and 'col' are required");
                   VECHE_ASSIGN_OR_RETURN(auto r, s.chats.Interact(ctx.actor, id, static_cast<int>(*row),
                                                                   static_cast<int>(*col)));
                   return Json(200, InteractionResultToJson(r, ctx.user_id()));
               }));

    router.Add("POST", "/api/v1/messages/{id}/poll/close",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto m, s.chats.ClosePoll(ctx.actor, id));
                   return Json(200, MessageToJson(m, ctx.user_id()));
               }));

    router.Add("GET", "/api/v1/messages/{id}/thread",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   HistoryQuery q;
                   VECHE_ASSIGN_OR_RETURN(q.before, QueryId(req, "before"));
                   VECHE_ASSIGN_OR_RETURN(q.after, QueryId(req, "after"));
                   VECHE_ASSIGN_OR_RETURN(auto limit, QueryInt(req, "limit", 1, kMaxPageSize));
                   q.limit = static_cast<int>(limit.value_or(50));
                   VECHE_ASSIGN_OR_RETURN(auto page, s.chats.Thread(ctx.actor, id, q));
                   bj::array arr;
                   for (const auto& m : page.messages) arr.push_back(MessageToJson(m, ctx.user_id()));
                   return Json(200, bj::object{{"messages", std::move(arr)}, {"has_more", page.has_more}});
               }));

    for (bool follow : {true, false}) {
        router.Add(follow ? "PUT" : "DELETE", "/api/v1/messages/{id}/follow",
                   api::Authed(s.kit, [&s, follow](Request& req, const Caller& ctx) -> Result<Response> {
                       VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                       VECHE_RETURN_IF_ERROR(s.chats.FollowThread(ctx.actor, id, follow));
                       return NoContent();
                   }));
        router.Add(follow ? "PUT" : "DELETE", "/api/v1/messages/{id}/pin",
                   api::Authed(s.kit, [&s, follow](Request& req, const Caller& ctx) -> Result<Response> {
                       VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                       VECHE_ASSIGN_OR_RETURN(auto m, s.chats.Pin(ctx.actor, id, follow));
                       return Json(200, MessageToJson(m, ctx.user_id()));
                   }));
    }

    router.Add("POST", "/api/v1/messages/{id}/forward",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(api::CheckRate(s.kit, Action::kSend, ctx));
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(Id to, json::ReqId(body, "chat_id"));
                   VECHE_ASSIGN_OR_RETURN(auto comment, json::OptString(body, "comment", {SIZE_MAX, 0}));
                   VECHE_ASSIGN_OR_RETURN(auto m, s.chats.Forward(ctx.actor, id, to, comment));
                   return Json(201, MessageToJson(m, ctx.user_id()));
               }));

    router.Add("GET", "/api/v1/chats/{id}/pins",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto pins, s.chats.Pins(ctx.actor, id));
                   bj::array arr;
                   for (const auto& m : pins) arr.push_back(MessageToJson(m, ctx.user_id()));
                   return Json(200, bj::object{{"messages", std::move(arr)}});
               }));

    router.Add("GET", "/api/v1/messages/{id}/seen",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto users, s.chats.SeenBy(ctx.actor, id));
                   bj::array arr;
                   for (Id u : users) arr.push_back(bj::value(IdToString(u)));
                   return Json(200, bj::object{{"user_ids", std::move(arr)}});
               }));

    router.Add("PUT", "/api/v1/chats/{id}/notify",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto level, json::ReqString(body, "notify", {16, 1}));
                   VECHE_ASSIGN_OR_RETURN(auto view, s.chats.SetNotify(ctx.actor, id, level));
                   return Json(200, ChatViewToJson(view, ctx.user_id()));
               }));

    router.Add("GET", "/api/v1/notifications",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(auto before, QueryId(req, "before"));
                   VECHE_ASSIGN_OR_RETURN(auto limit, QueryInt(req, "limit", 1, kMaxPageSize));
                   auto unread = req.query.find("unread");
                   bool unread_only =
                       unread != req.query.end() && (unread->second == "true" || unread->second == "1");
                   VECHE_ASSIGN_OR_RETURN(
                       auto list, s.chats.Notifications(ctx.actor, before,
                                                        static_cast<int>(limit.value_or(50)), unread_only));
                   bj::array arr;
                   for (const auto& n : list) arr.push_back(NotificationToJson(n));
                   return Json(200, bj::object{{"notifications", std::move(arr)}});
               }));

    router.Add("POST", "/api/v1/notifications/read",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   std::vector<Id> ids;
                   if (!req.body.empty()) {
                       VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                       VECHE_ASSIGN_OR_RETURN(ids, json::OptIdArray(body, "ids", 1000));
                   }
                   VECHE_RETURN_IF_ERROR(s.chats.MarkNotificationsRead(ctx.actor, ids));
                   return NoContent();
               }));

    router.Add("GET", "/api/v1/search",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(api::CheckRate(s.kit, Action::kSearch, ctx));
                   SearchQuery q;
                   auto it = req.query.find("query");
                   if (it == req.query.end())
                       return Error::InvalidArgument("query parameter 'query' is required");
                   if (text::CodePointCount(it->second) > 500)
                       return Error::InvalidArgument("query parameter 'query' is too long");
                   if (!text::IsValidUtf8(it->second))
                       return Error::InvalidArgument("query parameter 'query' is not UTF-8");
                   q.text = it->second;
                   VECHE_ASSIGN_OR_RETURN(q.chat_id, QueryId(req, "chat_id"));
                   VECHE_ASSIGN_OR_RETURN(q.author_id, QueryId(req, "author_id"));
                   VECHE_ASSIGN_OR_RETURN(q.before, QueryId(req, "before"));
                   VECHE_ASSIGN_OR_RETURN(q.from_ms, QueryInt(req, "from", 0, INT64_MAX));
                   VECHE_ASSIGN_OR_RETURN(q.to_ms, QueryInt(req, "to", 0, INT64_MAX));
                   VECHE_ASSIGN_OR_RETURN(auto limit, QueryInt(req, "limit", 1, 100));
                   q.limit = static_cast<int>(limit.value_or(20));
                   auto hf = req.query.find("has_file");
                   q.has_file = hf != req.query.end() && (hf->second == "true" || hf->second == "1");
                   VECHE_ASSIGN_OR_RETURN(auto page, s.chats.Search(ctx.actor, q));
                   bj::array results;
                   for (const auto& hit : page.hits) {
                       results.push_back(bj::object{{"message", MessageToJson(hit.message, ctx.user_id())},
                                                    {"snippet", hit.snippet}});
                   }
                   return Json(200, bj::object{{"results", std::move(results)},
                                               {"next_before", page.next_before
                                                                   ? bj::value(IdToString(*page.next_before))
                                                                   : bj::value(nullptr)}});
               }));

    router.Add("GET", "/api/v1/messages/{id}",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto m, s.chats.GetMessage(ctx.actor, id));
                   return Json(200, MessageToJson(m, ctx.user_id(), ctx.actor.is_admin));
               }));

    router.Add("PATCH", "/api/v1/messages/{id}",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(api::CheckRate(s.kit, Action::kEdit, ctx));
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto text, json::ReqString(body, "text", {SIZE_MAX, 0}));
                   VECHE_ASSIGN_OR_RETURN(auto m, s.chats.Edit(ctx.actor, id, text));
                   return Json(200, MessageToJson(m, ctx.user_id()));
               }));

    router.Add("DELETE", "/api/v1/messages/{id}",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(api::CheckRate(s.kit, Action::kEdit, ctx));
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_RETURN_IF_ERROR(s.chats.Delete(ctx.actor, id));
                   return NoContent();
               }));

    router.Add(
        "GET", "/api/v1/messages/{id}/versions",
        api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
            VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
            VECHE_ASSIGN_OR_RETURN(auto versions, s.chats.Versions(ctx.actor, id));
            bj::array arr;
            for (const auto& v : versions)
                arr.push_back(bj::object{
                    {"text", v.text}, {"editor_id", IdToString(v.editor_id)}, {"created_at", v.created_at}});
            return Json(200, bj::object{{"versions", std::move(arr)}});
        }));

    router.Add("POST", "/api/v1/messages/{id}/restore",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(api::CheckRate(s.kit, Action::kEdit, ctx));
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto m, s.chats.Restore(ctx.actor, id));
                   return Json(200, MessageToJson(m, ctx.user_id()));
               }));

    for (bool add : {true, false}) {
        router.Add(add ? "PUT" : "DELETE", "/api/v1/messages/{id}/reactions/{emoji}",
                   api::Authed(s.kit, [&s, add](Request& req, const Caller& ctx) -> Result<Response> {
                       VECHE_RETURN_IF_ERROR(api::CheckRate(s.kit, Action::kReact, ctx));
                       VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                       VECHE_ASSIGN_OR_RETURN(auto m, s.chats.React(ctx.actor, id, req.params.at(1), add));
                       return Json(200, MessageToJson(m, ctx.user_id()));
                   }));
    }
}

}  // namespace veche::chat
