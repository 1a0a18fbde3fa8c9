#pragma once
// The expert network's REST routes (docs/api.md, "Expert network (EXP)"). Every route is for
// signed-in users; the services decide who may do what.

#include "veche/api/kit.hpp"
#include "veche/api/router.hpp"

namespace veche::experts {

class CommunityService;
class ApplicationService;
class ContentService;
class MeetingService;
class ConsultationService;
class ScoreService;

// /api/v1/experts/{communities,moderators,me,profiles}…
void AddCommunityRoutes(api::Router& router, const api::HttpKit& kit, CommunityService& communities);
// /api/v1/experts/applications… (routes_applications.cpp)
void AddApplicationRoutes(api::Router& router, const api::HttpKit& kit, ApplicationService& applications);
// /api/v1/experts/communities/{id}/{feed,topics,articles}, /topics…, /articles…, /practices (routes_content.cpp)
void AddContentRoutes(api::Router& router, const api::HttpKit& kit, ContentService& content);
// /api/v1/experts/events… (routes_events.cpp)
void AddEventRoutes(api::Router& router, const api::HttpKit& kit, MeetingService& meetings);
// /api/v1/experts/consultations…, communities/{id}/{stats,consultation-settings}, profiles/{id}/stats
// (routes_consultations.cpp)
void AddConsultationRoutes(api::Router& router, const api::HttpKit& kit, ConsultationService& consultations);
// /api/v1/experts/{score-rules,score-settings,score-events,scores,leaderboards,experts/{id}/card} (routes_scores.cpp)
void AddScoreRoutes(api::Router& router, const api::HttpKit& kit, ScoreService& scores);

}  // namespace veche::experts
