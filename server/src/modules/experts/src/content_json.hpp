#pragma once
// JSON of the communities' content and events (docs/api.md, "Expert network (EXP)").

#include <boost/json/object.hpp>

#include "veche/experts/content.hpp"
#include "veche/experts/meetings.hpp"

namespace veche::experts {

boost::json::object FeedItemToJson(const FeedItem& f);
boost::json::object TopicToJson(const Topic& t);
boost::json::object ArticleFileToJson(const ArticleFile& f);
boost::json::object ArticleToJson(const Article& a, bool full);
boost::json::object MeetingToJson(const Meeting& m);
boost::json::object RegistrationToJson(const Registration& r);

}  // namespace veche::experts
