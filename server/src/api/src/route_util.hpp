#pragma once
// Shared plumbing of the route files: authentication, body parsing, path ids.

#include <functional>

#include "veche/accounts/account_service.hpp"
#include "veche/api/routes.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/json.hpp"

namespace veche::api {

using AuthedHandler = std::function<Result<Response>(Request&, const accounts::AuthContext&)>;

// Cross-site request forgery: a request that carries an Origin must name an allowed one (the
// server's own or a configured one); without Origin, Sec-Fetch-Site must not say another site did it.
Status CheckRequestOrigin(const Services& services, const Request& request);

// Wraps a handler that needs a logged-in caller (AuthenticateRequest); turns error results into error responses.
Router::Handler Authed(Services& services, AuthedHandler handler);

// The body as a JSON object; a body of another content type is refused.
Result<boost::json::object> JsonBody(const Request& request);

// Path parameter `index` as an id; anything else is 400 invalid_argument.
Result<Id> PathId(const Request& request, std::size_t index);

// Query parameter as an id or a bounded integer.
Result<std::optional<Id>> QueryId(const Request& request, const std::string& name);
Result<std::optional<std::int64_t>> QueryInt(const Request& request, const std::string& name, std::int64_t min,
                                             std::int64_t max);

chat::Actor ActorOf(const accounts::AuthContext& ctx);

}  // namespace veche::api
