#include "route_limits.hpp"

namespace veche::api {

Status CheckRate(Services& services, ratelimit::Action action, Id user_id) {
    if (!services.limiter) return {};
    return services.limiter->Check(action, "u:" + IdToString(user_id));
}

Status CheckRateOfAddress(Services& services, ratelimit::Action action, const Request& request) {
    if (!services.limiter) return {};
    return services.limiter->Check(action, "ip:" + request.remote_ip);
}

}  // namespace veche::api
