#pragma once
// Consultations on the wire (docs/api.md, "Consultations").

#include <boost/json/object.hpp>

#include "veche/experts/consultations.hpp"

namespace veche::experts {

// `full`: the history too (GET one and the steps' answers); lists leave it out.
boost::json::object ConsultationToJson(const Consultation& c, bool full);
boost::json::object SuggestedExpertToJson(const SuggestedExpert& s);
boost::json::object StatsToJson(const CommunityStats& s);
boost::json::object ExpertStatsToJson(const ExpertStats& s);
boost::json::object SettingsToJson(const ConsultationSettings& s);

}  // namespace veche::experts
