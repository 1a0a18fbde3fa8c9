#pragma once
// The rate limits of the routes (docs/api.md, "Rate limits"). A limited route calls one of these
// before any other work, so a refused request costs neither storage nor password hashing.

#include "route_util.hpp"
#include "veche/ratelimit/rate_limiter.hpp"

namespace veche::api {

// The caller's bucket for `action`; always ok when the server runs without a limiter.
Status CheckRate(Services& services, ratelimit::Action action, Id user_id);
inline Status CheckRate(Services& services, ratelimit::Action action, const accounts::AuthContext& ctx) {
    return CheckRate(services, action, ctx.user.id);
}

// The bucket of the client's address (request.remote_ip, which the transport derives from the peer
// and the trusted proxies): for endpoints that run before anyone is authenticated.
Status CheckRateOfAddress(Services& services, ratelimit::Action action, const Request& request);

}  // namespace veche::api
