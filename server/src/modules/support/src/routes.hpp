#pragma once
// The support desk's REST routes (docs/api.md, "Support desk").

#include "veche/api/kit.hpp"
#include "veche/api/router.hpp"

namespace veche::support {

class SupportDesk;
class DeskTools;
class WidgetGate;

// /api/v1/support/{inboxes,teams,topics,agents,conversations,contacts}…: signed-in agents and admins.
void AddDeskRoutes(api::Router& router, const api::HttpKit& kit, SupportDesk& desk, DeskTools& tools);
// The agents' tools (routes_tools.cpp): canned replies, labels, contact search and merge, soft
// delete and restore, team calendars.
void AddToolRoutes(api::Router& router, const api::HttpKit& kit, SupportDesk& desk, DeskTools& tools);
// /api/v1/support/widget/…: the widget's visitors, who carry a visitor token, not a session.
void AddWidgetRoutes(api::Router& router, const api::HttpKit& kit, SupportDesk& desk, const WidgetGate& gate);

}  // namespace veche::support
