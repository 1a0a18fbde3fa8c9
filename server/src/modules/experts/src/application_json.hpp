#pragma once
// The wire shape of an expert application (docs/api.md, "Expert applications").

#include <boost/json/object.hpp>

#include "veche/experts/applications.hpp"

namespace veche::experts {

boost::json::object ApplicationToJson(const Application& a);

}  // namespace veche::experts
