#pragma once
// The expert network's wire shapes (docs/api.md, "Expert network (EXP)"). Ids are decimal strings,
// times ms since the epoch.

#include <boost/json/object.hpp>

#include "veche/experts/types.hpp"

namespace veche::experts {

boost::json::object CommunityToJson(const CommunityView& v);
boost::json::object MemberToJson(const CommunityMember& m);
boost::json::object ProfileToJson(const Profile& p);
boost::json::object MeToJson(const Me& me);

}  // namespace veche::experts
