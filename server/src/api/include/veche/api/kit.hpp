#pragma once
// The kit every module's routes are written with: who is calling (Caller, from the Authenticator
// the accounts module provides), the checks every authenticated request passes (cross-site
// origin, the forced password change), rate limits, and readers of bodies, path ids and query
// parameters. It knows no module: modules depend on it, never the other way round.
//
// Thread safety: an HttpKit is filled in on the main thread before serving and read-only after;
// the functions are safe from any worker thread.

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veche/api/http_types.hpp"
#include "veche/api/router.hpp"
#include "veche/core/actor.hpp"
#include "veche/core/ids.hpp"
#include "veche/ratelimit/rate_limiter.hpp"

namespace veche::api {

// Who sent a request, as its session token establishes.
struct Caller {
    Actor actor;
    bool must_change_password = false;
    Id session_id = 0;
    std::int64_t session_ends_at = 0;  // ms epoch: the session's absolute end (its maximum age)
    Id user_id() const { return actor.user_id; }
};

// Turns a session token into its caller; 401 unauthenticated for an unknown or ended session.
// Implemented by the accounts module. Called on worker threads.
class Authenticator {
public:
    virtual ~Authenticator() = default;
    virtual Result<Caller> Authenticate(std::string_view token) = 0;
};

struct HttpKit {
    Authenticator* authenticator = nullptr;  // set by the accounts module when it starts
    // Origins ("https://veche.example.com") whose pages may use the session cookie to change state
    // or open the WebSocket, besides the server's own (an Origin naming the request's Host).
    std::vector<std::string> allowed_origins{};
    bool secure_cookie = false;  // the public URL is https: the session cookie gets `Secure`
    // Token buckets per user and action, per address for login (docs/api.md, "Rate limits");
    // nullptr: nothing is limited (unit tests of the routes).
    ratelimit::RateLimiter* limiter = nullptr;
};

// Cross-site request forgery: a request that carries an Origin must name an allowed one (the
// server's own or a configured one); without Origin, Sec-Fetch-Site must not say another site did it.
Status CheckRequestOrigin(const HttpKit& kit, const Request& request);

// The session token of a request that may use it: present (else 401), and, when it came as a
// cookie on a request that changes state or opens the WebSocket, from an allowed origin (403
// cross_origin_request: another site's page cannot act with the user's cookie).
Result<std::string> UsableToken(const HttpKit& kit, const Request& request);

// A user who must change the password may only change it, read /users/me and log out (403
// password_change_required).
Status CheckPasswordChangeGate(const Request& request, bool must_change_password);

// The caller of a request, as every route, upload and WebSocket upgrade establishes it: the
// usable token, the authenticator's caller, the password-change gate.
Result<Caller> AuthenticateRequest(const HttpKit& kit, const Request& request);

using AuthedHandler = std::function<Result<Response>(Request&, const Caller&)>;
// Wraps a handler that needs a logged-in caller; turns error results into error responses.
Router::Handler Authed(const HttpKit& kit, AuthedHandler handler);

// The body as a JSON object; a body of another content type is refused.
Result<boost::json::object> JsonBody(const Request& request);

// Path parameter `index` as an id; anything else is 400 invalid_argument.
Result<Id> PathId(const Request& request, std::size_t index);

// Query parameter as an id or a bounded integer.
Result<std::optional<Id>> QueryId(const Request& request, const std::string& name);
Result<std::optional<std::int64_t>> QueryInt(const Request& request, const std::string& name,
                                             std::int64_t min, std::int64_t max);

// A newest-first list's cursor (docs/api.md, paging with `before`): a full page may have more after
// it, so `next_before` is its last item's id; a shorter page is the end and has none.
template <class Item, class IdOf>
void SetNextBefore(boost::json::object& body, const std::vector<Item>& page, int limit, IdOf id_of) {
    if (!page.empty() && page.size() == static_cast<std::size_t>(limit)) body["next_before"] = IdToString(id_of(page.back()));
}

// The caller's bucket for `action`; always ok when the server runs without a limiter. A limited
// route calls it before any other work, so a refused request costs neither storage nor hashing.
Status CheckRate(const HttpKit& kit, ratelimit::Action action, Id user_id);
inline Status CheckRate(const HttpKit& kit, ratelimit::Action action, const Caller& caller) {
    return CheckRate(kit, action, caller.user_id());
}
// The bucket of the client's address (request.remote_ip, which the transport derives from the peer
// and the trusted proxies): for endpoints that run before anyone is authenticated.
Status CheckRateOfAddress(const HttpKit& kit, ratelimit::Action action, const Request& request);

}  // namespace veche::api
