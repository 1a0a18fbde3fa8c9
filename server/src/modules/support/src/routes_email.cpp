// The email channel's routes (docs/api.md, "Support desk", "Email inboxes"): the mailbox settings
// for support admins, the email side of a conversation for agents, and the inbound webhook, which
// takes no session but the mailbox's webhook token (Authorization: Bearer mbx_…).
#include "routes_email.hpp"

#include <boost/json/array.hpp>

#include "email_channel.hpp"
#include "veche/core/json.hpp"
#include "veche/mail/transport.hpp"

namespace veche::support {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

bj::object MailboxToJson(const MailboxView& v) {
    bj::object o{{"inbox_id", IdToString(v.inbox_id)},
                 {"address", v.address},
                 {"display_name", v.display_name},
                 {"imap_url", v.imap_url},
                 {"imap_user", v.imap_user},
                 {"imap_password_set", v.imap_password_set},
                 {"smtp_url", v.smtp_url},
                 {"smtp_user", v.smtp_user},
                 {"smtp_password_set", v.smtp_password_set},
                 {"starttls", v.starttls},
                 {"max_size", v.max_size},
                 {"poll_interval_seconds", v.poll_interval_s},
                 {"last_uid", v.last_uid},
                 {"last_polled_at", v.last_polled_at ? bj::value(*v.last_polled_at) : bj::value(nullptr)},
                 {"last_error", v.last_error}};
    if (!v.webhook_token.empty()) o["webhook_token"] = v.webhook_token;
    return o;
}

bj::object RecordToJson(const EmailRecord& r) {
    return {{"message_id", IdToString(r.message_id)},
            {"direction", r.direction},
            {"rfc_message_id", r.rfc_message_id},
            {"subject", r.subject},
            {"peer", r.peer},
            {"state", r.state},
            {"error", r.error},
            {"created_at", r.created_at},
            {"sent_at", r.sent_at ? bj::value(*r.sent_at) : bj::value(nullptr)}};
}

Result<MailboxSettings> ReadSettings(const bj::object& body) {
    MailboxSettings s;
    VECHE_ASSIGN_OR_RETURN(s.address, json::ReqString(body, "address", {320, 3, true}));
    if (s.address.find('@') == std::string::npos || s.address.find_first_of(" <>\r\n\"") != std::string::npos)
        return Error::InvalidArgument("field 'address' must be an email address");
    VECHE_ASSIGN_OR_RETURN(auto name, json::OptString(body, "display_name", {200, 0, true}));
    s.display_name = name.value_or("");
    VECHE_ASSIGN_OR_RETURN(auto imap_url, json::OptString(body, "imap_url", {500, 0, true}));
    s.imap_url = imap_url.value_or("");
    if (!s.imap_url.empty()) VECHE_RETURN_IF_ERROR(mail::ValidateUrl(s.imap_url, false));
    VECHE_ASSIGN_OR_RETURN(auto imap_user, json::OptString(body, "imap_user", {320, 0}));
    s.imap_user = imap_user.value_or("");
    VECHE_ASSIGN_OR_RETURN(s.imap_password, json::OptString(body, "imap_password", {500, 0}));
    VECHE_ASSIGN_OR_RETURN(auto smtp_url, json::OptString(body, "smtp_url", {500, 0, true}));
    s.smtp_url = smtp_url.value_or("");
    if (!s.smtp_url.empty()) VECHE_RETURN_IF_ERROR(mail::ValidateUrl(s.smtp_url, true));
    VECHE_ASSIGN_OR_RETURN(auto smtp_user, json::OptString(body, "smtp_user", {320, 0}));
    s.smtp_user = smtp_user.value_or("");
    VECHE_ASSIGN_OR_RETURN(s.smtp_password, json::OptString(body, "smtp_password", {500, 0}));
    VECHE_ASSIGN_OR_RETURN(auto starttls, json::OptBool(body, "starttls"));
    s.starttls = starttls.value_or(true);
    VECHE_ASSIGN_OR_RETURN(auto max_size, json::OptInt(body, "max_size", 1024, 100LL * 1024 * 1024));
    s.max_size = max_size.value_or(kDefaultMaxEmailBytes);
    VECHE_ASSIGN_OR_RETURN(auto interval, json::OptInt(body, "poll_interval_seconds", 1, 86400));
    s.poll_interval_s = static_cast<int>(interval.value_or(60));
    VECHE_ASSIGN_OR_RETURN(auto rotate, json::OptBool(body, "rotate_webhook_token"));
    s.rotate_webhook_token = rotate.value_or(false);
    return s;
}

}  // namespace

void AddEmailRoutes(api::Router& router, const api::HttpKit& kit, EmailChannel& email) {
    router.Add("PUT", "/api/v1/support/inboxes/{id}/email",
               api::Authed(kit, [&email](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto settings, ReadSettings(body));
                   VECHE_ASSIGN_OR_RETURN(auto view, email.Configure(ctx.actor, id, settings));
                   return api::Json(200, MailboxToJson(view));
               }));
    router.Add("GET", "/api/v1/support/inboxes/{id}/email",
               api::Authed(kit, [&email](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto view, email.Get(ctx.actor, id));
                   return api::Json(200, MailboxToJson(view));
               }));
    router.Add("POST", "/api/v1/support/inboxes/{id}/email/poll",
               api::Authed(kit, [&email](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_RETURN_IF_ERROR(email.PollNow(ctx.actor, id));
                   return api::Json(202, bj::object{{"scheduled", true}});
               }));
    router.Add("GET", "/api/v1/support/conversations/{id}/email",
               api::Authed(kit, [&email](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto list, email.Records(ctx.actor, id));
                   bj::array out;
                   for (const auto& r : list) out.push_back(RecordToJson(r));
                   return api::Json(200, bj::object{{"emails", std::move(out)}});
               }));
}

}  // namespace veche::support
