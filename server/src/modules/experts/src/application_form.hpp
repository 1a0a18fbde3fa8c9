#pragma once
// The questionnaire's description for clients (GET /api/v1/experts/application-form): each field's
// key, type, limits, whether submitting requires it, and a label, a hint and an example in Russian
// and English (EXP-2: "with examples and hints per field"). The limits are the ones the routes
// enforce (veche/experts/applications.hpp), so a form built from this never sends what the server
// refuses.

#include <boost/json/object.hpp>

namespace veche::experts {

boost::json::object ApplicationFormJson();

}  // namespace veche::experts
