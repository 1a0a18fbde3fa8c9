#pragma once

#include <boost/json/object.hpp>

#include "veche/accounts/account_service.hpp"

namespace veche::accounts {

// The public shape of a user (docs/api.md), with `presence` as others see it.
boost::json::object UserToJson(const User& user, std::string_view presence);
boost::json::object SessionToJson(const Session& session, bool current);

}  // namespace veche::accounts
