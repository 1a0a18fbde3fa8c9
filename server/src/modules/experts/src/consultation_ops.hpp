#pragma once
// What the consultation service's files share (consultations.cpp, consultation_registry.cpp): the
// caller's relation to a consultation, what it lets them do, and the common errors.

#include <string>
#include <string_view>
#include <vector>

#include "veche/core/actor.hpp"
#include "veche/experts/access.hpp"
#include "veche/experts/consultations.hpp"

namespace veche::experts::consult {

struct Party {
    bool requester = false;
    bool expert = false;   // the assigned expert
    bool curator = false;  // a curator of the community, a moderator or an administrator
    bool moderator = false;
};

Party PartyOf(storage::Tx& tx, const Access& access, const Actor& actor, const Consultation& c);
std::vector<std::string> ActionsFor(const Party& p, const Consultation& c);

inline Error InvalidState(const Consultation& c, std::string_view step) {
    return Error::Conflict("invalid_state",
                           "a consultation in state '" + c.state + "' cannot be " + std::string(step));
}
inline Error FieldRequiredError(std::string_view field) {
    return {ErrorCode::kUnprocessable, "field_required", "field '" + std::string(field) + "' is required"};
}
inline Error GuestError() { return Error::Forbidden("guest accounts have no place in the expert network"); }

// Open: not finished (resolved, rejected, cancelled).
inline bool IsOpenState(std::string_view s) {
    return s == "new" || s == "assigned" || s == "in_progress" || s == "returned_for_clarification";
}

}  // namespace veche::experts::consult
