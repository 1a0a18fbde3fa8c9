#pragma once
// The business-objects module's REST routes (docs/api.md, "Business objects").

#include "veche/api/kit.hpp"
#include "veche/api/router.hpp"

#include <boost/json/value.hpp>
#include <vector>

namespace veche::accounts {
class AccountService;
}
namespace veche::chat {
class ChatService;
}
namespace veche::files {
class FileStore;
}

namespace veche::objects {

class ObjectService;
class DocumentService;
class ApprovalService;
class VoteService;

struct ObjectRoutes {
    const api::HttpKit& kit;
    accounts::AccountService& accounts;
    chat::ChatService& chats;
    ObjectService& objects;
    DocumentService& documents;
    ApprovalService& approvals;
    VoteService& votes;
    files::FileStore& files;
};

void AddObjectRoutes(api::Router& router, ObjectRoutes& r);
// /api/v1/objects/{id}/documents, /documents, /document-versions, /approvals, /signatures (routes_documents.cpp).
void AddDocumentRoutes(api::Router& router, ObjectRoutes& r);
// /api/v1/chats/{id}/votes, /api/v1/votes/… (routes_votes.cpp).
void AddVoteRoutes(api::Router& router, ObjectRoutes& r);
// Users named as {"user_id"} / {"username"} or a bare username: active accounts, else 404 user_not_found.
Result<std::vector<Id>> ResolveUsers(accounts::AccountService& accounts, const std::vector<boost::json::value>& refs);

}  // namespace veche::objects
