#pragma once
// The business-objects module's REST routes (docs/api.md, "Business objects").

#include "veche/api/kit.hpp"
#include "veche/api/router.hpp"

namespace veche::accounts {
class AccountService;
}
namespace veche::chat {
class ChatService;
}

namespace veche::objects {

class ObjectService;

struct ObjectRoutes {
    const api::HttpKit& kit;
    accounts::AccountService& accounts;
    chat::ChatService& chats;
    ObjectService& objects;
};

void AddObjectRoutes(api::Router& router, ObjectRoutes& r);

}  // namespace veche::objects
