#pragma once
// Who a visitor token stands for (visitors.cpp), for the widget's routes beyond messages (uploads).

#include <string>

#include "veche/core/error.hpp"
#include "veche/storage/database.hpp"
#include "veche/support/types.hpp"

namespace veche::support {

// The token's contact; 401 visitor_unauthenticated for an unknown token, 401 identity_unverified
// when its inbox now demands a verified identity the contact lacks.
Result<Contact> VisitorContact(storage::Tx& tx, const std::string& token);

}  // namespace veche::support
