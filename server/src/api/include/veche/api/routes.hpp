#pragma once
// Registers the REST API of each module on a router (docs/api.md).

#include "veche/api/router.hpp"

namespace veche::accounts { class AccountService; }
namespace veche::chat { class ChatService; }
namespace veche::realtime { class Hub; }
namespace veche::storage { class Database; }

namespace veche::api {

struct Services {
    accounts::AccountService& accounts;
    chat::ChatService& chats;
    realtime::Hub& hub;
    storage::Database& db;
};

void AddSystemRoutes(Router& router, Services& services);
void AddAccountRoutes(Router& router, Services& services);
void AddChatRoutes(Router& router, Services& services);

// Everything above.
void AddAllRoutes(Router& router, Services& services);

}  // namespace veche::api
