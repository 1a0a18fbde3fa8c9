#pragma once
// The expert network's REST routes (docs/api.md, "Expert network (EXP)"). Every route is for
// signed-in users; the services decide who may do what.

#include "veche/api/kit.hpp"
#include "veche/api/router.hpp"

namespace veche::experts {

class CommunityService;
class ApplicationService;

// /api/v1/experts/{communities,moderators,me,profiles}…
void AddCommunityRoutes(api::Router& router, const api::HttpKit& kit, CommunityService& communities);
// /api/v1/experts/applications… (routes_applications.cpp)
void AddApplicationRoutes(api::Router& router, const api::HttpKit& kit, ApplicationService& applications);

}  // namespace veche::experts
