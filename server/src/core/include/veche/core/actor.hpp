#pragma once
// Who acts: a user and the system role that decides what they may do beyond their own objects.
// Every module's services take an Actor and check permissions with it, on the server.

#include "veche/core/ids.hpp"

namespace veche {

struct Actor {
    Id user_id = 0;
    bool is_admin = false;  // system administrator (moderation powers, see docs/api.md)
    // A guest account (users.role = 'guest'): sees only the chats it was added to and the users it
    // shares one with, creates no chat and invites no one (docs/api.md, "Account roles").
    bool is_guest = false;
};

}  // namespace veche
