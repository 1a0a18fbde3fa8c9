#pragma once
// The routes of SLA policies and clocks, CSAT and the reports (routes_reports.cpp).

#include "reports.hpp"
#include "sla.hpp"
#include "veche/api/kit.hpp"
#include "veche/api/router.hpp"

namespace veche::support {

class WidgetGate;

// The visitors' CSAT routes pass `gate` (widget_http.hpp).
void AddSlaRoutes(api::Router& router, const api::HttpKit& kit, SlaEngine& sla, Reports& reports,
                  const WidgetGate& gate);

}  // namespace veche::support
