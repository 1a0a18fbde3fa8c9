#pragma once
// Registers the REST API of each module on a router (docs/api.md).

#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <optional>

#include "veche/api/router.hpp"

namespace veche::accounts { class AccountService; struct AuthContext; }
namespace veche::chat { class ChatService; }
namespace veche::realtime { class Hub; }
namespace veche::storage { class Database; }
namespace veche::files { class FileStore; class Upload; }
namespace veche::ratelimit { class RateLimiter; }

namespace veche::api {

struct Services {
    accounts::AccountService& accounts;
    chat::ChatService& chats;
    realtime::Hub& hub;
    storage::Database& db;
    files::FileStore& files;
    std::uint64_t max_upload_bytes = 100ull << 20;
    // Origins ("https://veche.example.com") whose pages may use the session cookie to change state
    // or open the WebSocket, besides the server's own (an Origin naming the request's Host).
    std::vector<std::string> allowed_origins{};
    bool secure_cookie = false;  // the public URL is https: the session cookie gets `Secure`
    // Cluster mode: whether the event bus (Redis) is connected, for /api/v1/ready. Unset: no bus.
    std::function<bool()> bus_ready{};
    // Token buckets per user and action, per address for login (docs/api.md, "Rate limits");
    // nullptr: nothing is limited (unit tests of the routes).
    ratelimit::RateLimiter* limiter = nullptr;
    std::uint64_t upload_quota_bytes = 10ull << 30;  // per user; 0 = unlimited
};

void AddSystemRoutes(Router& router, Services& services);
void AddAccountRoutes(Router& router, Services& services);
void AddChatRoutes(Router& router, Services& services);
void AddFileRoutes(Router& router, Services& services);

// Uploads are streamed by the transport, so they are not ordinary routes: the transport asks
// whether a request is one, authorizes it before reading the body, then hands over the stored bytes.
struct UploadTicket {
    std::int64_t user_id = 0;
    bool user_is_admin = false;
    std::int64_t chat_id = 0;
    std::string name;
    // Bytes this upload may take before the user's quota is exceeded; unset: no quota.
    std::optional<std::uint64_t> quota_left;
};
// What the transport answers when an upload would exceed the user's quota (413 quota_exceeded).
Error QuotaExceeded(const Services& services);
bool IsUploadRequest(const Request& request);
Result<UploadTicket> AuthorizeUpload(Services& services, const Request& request);
Response CompleteUpload(Services& services, const UploadTicket& ticket, std::unique_ptr<files::Upload> upload);

// The caller of a request, as every route, upload and WebSocket upgrade establishes it: the session
// token (Bearer or cookie) must be valid; a cookie-authenticated request that changes state, or a
// cookie-authenticated WebSocket upgrade, must come from an allowed origin (403 cross_origin_request:
// another site's page cannot act with the user's cookie); and a user who must change the password
// may only change it, read /users/me and log out (403 password_change_required).
Result<accounts::AuthContext> AuthenticateRequest(Services& services, const Request& request);

// Everything above.
void AddAllRoutes(Router& router, Services& services);

}  // namespace veche::api
