#pragma once
// The support desk's REST routes (docs/api.md, "Support desk").

#include "veche/api/kit.hpp"
#include "veche/api/router.hpp"

namespace veche::support {

class SupportDesk;

// /api/v1/support/{inboxes,teams,topics,agents,conversations,contacts}…: signed-in agents and admins.
void AddDeskRoutes(api::Router& router, const api::HttpKit& kit, SupportDesk& desk);
// /api/v1/support/widget/…: the widget's visitors, who carry a visitor token, not a session.
void AddWidgetRoutes(api::Router& router, const api::HttpKit& kit, SupportDesk& desk);

}  // namespace veche::support
