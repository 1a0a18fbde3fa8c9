#pragma once
// GET /api/v1/timeline/{kind}/{id}?before=&limit=: an item's history, newest first, for a caller
// the kind's module lets read it (docs/api.md, "Timeline").

#include "veche/api/kit.hpp"
#include "veche/timeline/timeline.hpp"

namespace veche::timeline {

void AddRoutes(api::Router& router, const api::HttpKit& kit, storage::Database& db, const Readers& readers);

}  // namespace veche::timeline
