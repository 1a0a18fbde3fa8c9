#pragma once
// The email channel's REST routes (docs/api.md, "Support desk", "Email inboxes").

#include "veche/api/kit.hpp"
#include "veche/api/router.hpp"

namespace veche::support {

class EmailChannel;

// /api/v1/support/inboxes/{id}/email…, /api/v1/support/conversations/{id}/email, and the inbound
// webhook /api/v1/support/email/inbound/{inbox_id} (a mailbox token, not a session).
void AddEmailRoutes(api::Router& router, const api::HttpKit& kit, EmailChannel& email);

}  // namespace veche::support
