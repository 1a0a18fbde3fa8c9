// Documents, approvals and signatures of business objects (docs/api.md, "Documents and approvals").
#include <boost/json/array.hpp>

#include "routes.hpp"
#include "veche/api/file_response.hpp"
#include "veche/files/file_store.hpp"
#include "veche/core/json.hpp"
#include "veche/objects/approvals.hpp"
#include "veche/objects/documents.hpp"
#include "veche/signing/signing_service.hpp"

namespace veche::objects {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

constexpr std::int64_t kMaxMs = 253'402'300'799'999;

Result<StepSpec> ParseStep(accounts::AccountService& accounts, const bj::value& v) {
    if (!v.is_object()) return Error::InvalidArgument("every step is an object {order, rule, participants}");
    const auto& o = v.get_object();
    StepSpec s;
    VECHE_ASSIGN_OR_RETURN(auto order, json::OptInt(o, "order", 1, 100));
    s.order = static_cast<int>(order.value_or(1));
    VECHE_ASSIGN_OR_RETURN(auto rule, json::OptString(o, "rule", {16, 1}));
    s.rule = rule.value_or("all");
    if (s.rule != "all" && s.rule != "any" && s.rule != "n_of_m")
        return Error::InvalidArgument("a step's 'rule' must be all, any or n_of_m");
    VECHE_ASSIGN_OR_RETURN(auto n, json::OptInt(o, "n", 1, 100));
    s.n = static_cast<int>(n.value_or(0));
    if (s.rule == "n_of_m" && !n) return Error::InvalidArgument("a step with rule n_of_m needs 'n'");
    auto it = o.find("participants");
    if (it != o.end() && !it->value().is_null()) {
        if (!it->value().is_array() || it->value().get_array().size() > 100)
            return Error::InvalidArgument("a step's 'participants' must be an array of at most 100 users");
        VECHE_ASSIGN_OR_RETURN(s.users, ResolveUsers(accounts, std::vector<bj::value>(it->value().get_array().begin(),
                                                                                       it->value().get_array().end())));
    }
    it = o.find("groups");
    if (it != o.end() && !it->value().is_null()) {
        if (!it->value().is_array()) return Error::InvalidArgument("a step's 'groups' must be an array of object roles");
        for (const auto& g : it->value().get_array()) {
            if (!g.is_string() || !IsObjectRole(g.get_string()))
                return Error::InvalidArgument("a group is an object role: owner, category_manager, commission or observer");
            s.object_roles.emplace_back(g.get_string());
        }
    }
    return s;
}

Result<Decision> ParseDecision(const bj::object& body) {
    Decision d;
    VECHE_ASSIGN_OR_RETURN(d.decision, json::ReqString(body, "decision", {32, 1}));
    VECHE_ASSIGN_OR_RETURN(auto comment, json::OptString(body, "comment", {4000, 0, true}));
    d.comment = comment.value_or("");
    return d;
}

}  // namespace

void AddDocumentRoutes(api::Router& router, ObjectRoutes& r) {
    const api::HttpKit& s = r.kit;
    DocumentService& documents = r.documents;
    ApprovalService& approvals = r.approvals;

    router.Add("GET", "/api/v1/objects/{id}/documents",
               api::Authed(s, [&documents](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto list, documents.List(ctx.actor, id));
                   bj::array out;
                   for (const auto& d : list) out.push_back(DocumentJson(d));
                   return api::Json(200, bj::object{{"documents", std::move(out)}});
               }));
    router.Add("POST", "/api/v1/objects/{id}/documents",
               api::Authed(s, [&documents](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   DocumentCard card;
                   VECHE_ASSIGN_OR_RETURN(card.file_id, json::ReqId(body, "file_id"));
                   VECHE_ASSIGN_OR_RETURN(card.doc_type, json::ReqString(body, "doc_type", {64, 1, true}));
                   VECHE_ASSIGN_OR_RETURN(card.number, json::ReqString(body, "number", {100, 1, true}));
                   VECHE_ASSIGN_OR_RETURN(auto series, json::OptString(body, "series", {100, 0, true}));
                   VECHE_ASSIGN_OR_RETURN(auto valid, json::OptString(body, "valid_until", {10, 0}));
                   VECHE_ASSIGN_OR_RETURN(auto title, json::OptString(body, "title", {300, 0, true}));
                   card.series = series.value_or("");
                   card.valid_until = valid.value_or("");
                   card.title = title.value_or("");
                   VECHE_ASSIGN_OR_RETURN(auto added, documents.AddVersion(ctx.actor, id, card));
                   return api::Json(201, bj::object{{"document", DocumentJson(added.first)},
                                                    {"version", VersionJson(added.second)}});
               }));
    router.Add("GET", "/api/v1/documents/{id}",
               api::Authed(s, [&documents](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto d, documents.Get(ctx.actor, id));
                   return api::Json(200, DocumentJson(d));
               }));

    router.Add("GET", "/api/v1/document-versions/{id}/download",
               api::Authed(s, [&r, &documents](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto v, documents.GetVersion(ctx.actor, id));
                   return api::ServeFile(req, r.files.PathOf(v.sha256), v.content_type,
                                         files::ContentDisposition(v.name, false));
               }));
    router.Add("POST", "/api/v1/document-versions/{id}/approvals",
               api::Authed(s, [&r, &approvals](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   NewApproval spec;
                   auto it = body.find("steps");
                   if (it == body.end() || !it->value().is_array() || it->value().get_array().empty() ||
                       it->value().get_array().size() > 20)
                       return Error::InvalidArgument("field 'steps' must be an array of 1 to 20 steps");
                   for (const auto& v : it->value().get_array()) {
                       VECHE_ASSIGN_OR_RETURN(auto step, ParseStep(r.accounts, v));
                       spec.steps.push_back(std::move(step));
                   }
                   VECHE_ASSIGN_OR_RETURN(spec.deadline_at, json::OptInt(body, "deadline_at", 0, kMaxMs));
                   VECHE_ASSIGN_OR_RETURN(spec.require_signature, json::OptBool(body, "require_signature"));
                   VECHE_ASSIGN_OR_RETURN(spec.chat_id, json::OptId(body, "chat_id"));
                   VECHE_ASSIGN_OR_RETURN(auto a, approvals.Start(ctx.actor, id, spec));
                   return api::Json(201, ApprovalJson(a));
               }));
    router.Add("GET", "/api/v1/approvals", api::Authed(s, [&approvals](Request& req, const Caller& ctx) -> Result<Response> {
                   std::vector<Approval> list;
                   if (auto it = req.query.find("object_id"); it != req.query.end()) {
                       VECHE_ASSIGN_OR_RETURN(auto id, api::QueryId(req, "object_id"));
                       VECHE_ASSIGN_OR_RETURN(list, approvals.OfObject(ctx.actor, *id));
                   } else {
                       VECHE_ASSIGN_OR_RETURN(list, approvals.Mine(ctx.actor));
                   }
                   bj::array out;
                   for (const auto& a : list) out.push_back(ApprovalJson(a));
                   return api::Json(200, bj::object{{"approvals", std::move(out)}});
               }));
    router.Add("GET", "/api/v1/approvals/{id}",
               api::Authed(s, [&approvals](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto a, approvals.Get(ctx.actor, id));
                   return api::Json(200, ApprovalJson(a));
               }));
    router.Add("POST", "/api/v1/approvals/{id}/decisions",
               api::Authed(s, [&approvals](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto d, ParseDecision(body));
                   VECHE_ASSIGN_OR_RETURN(auto a, approvals.Decide(ctx.actor, id, d));
                   return api::Json(200, ApprovalJson(a));
               }));
    router.Add("POST", "/api/v1/approvals/{id}/cancel",
               api::Authed(s, [&approvals](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto a, approvals.Cancel(ctx.actor, id));
                   return api::Json(200, ApprovalJson(a));
               }));
    router.Add("POST", "/api/v1/approvals/{id}/statement",
               api::Authed(s, [&approvals](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto body, api::JsonBody(req));
                   VECHE_ASSIGN_OR_RETURN(auto d, ParseDecision(body));
                   VECHE_ASSIGN_OR_RETURN(auto text, approvals.Statement(ctx.actor, id, d));
                   return api::Json(200, bj::object{{"statement", text}});
               }));
    router.Add("GET", "/api/v1/signatures/{id}/verify",
               api::Authed(s, [&approvals](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto c, approvals.Verify(ctx.actor, id));
                   bj::object out{{"signature_id", IdToString(c.signature_id)},
                                  {"approval_id", IdToString(c.approval_id)},
                                  {"valid", c.valid},
                                  {"statement", c.statement},
                                  {"alg", c.alg},
                                  {"kid", c.key_id},
                                  {"signature", signing::Base64Url(c.signature)}};
                   if (!c.valid) out["reason"] = c.reason;
                   return api::Json(200, std::move(out));
               }));
}

}  // namespace veche::objects
