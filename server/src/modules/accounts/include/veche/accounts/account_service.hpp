#pragma once
// Accounts, credentials and sessions (SEC-1, MSG-1). Synchronous: call it from worker threads,
// never from I/O threads (password hashing takes tens of milliseconds by design).
// Thread-safe.
//
// Audited (SEC-7, veche/audit/audit.hpp): logins and failed logins, logouts, session revocations,
// password changes and every administrative change, each in the write transaction of the change
// itself. `ip` is the client's address as the transport established it ("" when there is none);
// the CLI's methods (…Unchecked) record no actor and {"via":"cli"}.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"
#include "veche/storage/database.hpp"

namespace veche::roles {
class RoleService;
}

namespace veche::accounts {

struct User {
    Id id = 0;
    std::string username;
    std::string display_name;
    std::string position;
    std::string department;
    std::string site;
    std::string status_text;
    // "admin" | "user" | "guest" (sees only its chats and their members) | "bot" (a system
    // account of the server's modules: never logs in, created by EnsureSystemUser)
    std::string role = "user";
    bool must_change_password = false;
    bool deactivated = false;
    std::string presence_pref = "online";  // what the user chose: online | away | dnd | offline
    std::int64_t created_at = 0;

    bool is_admin() const { return role == "admin"; }
    bool is_guest() const { return role == "guest"; }
    bool is_bot() const { return role == "bot"; }
    Actor actor() const { return Actor{id, is_admin(), is_guest()}; }
};

struct Session {
    Id id = 0;
    Id user_id = 0;
    std::int64_t created_at = 0;
    std::int64_t last_seen_at = 0;
    std::string user_agent;
    std::string ip;
};

struct AuthContext {
    User user;
    Session session;
};

struct LoginResult {
    std::string token;
    Session session;
    User user;
};

struct ProfileUpdate {
    std::optional<std::string> display_name, position, department, site, status_text;
};

struct NewUser {
    std::string username;
    std::optional<std::string> password;  // generated when absent
    std::string display_name;
    std::string role = "user";
};

struct CreatedUser {
    User user;
    std::optional<std::string> generated_password;
};

struct LoginLimits {
    int account_failures = 5;  // per username, within the window below
    int account_window_seconds = 300;
    int address_attempts = 30;  // failed attempts per client address per minute
};

// How long a session lives (SEC-1): it ends after `idle_timeout_ms` without a request, and in any
// case `max_age_ms` after the login.
struct SessionLimits {
    std::int64_t idle_timeout_ms = 30LL * 24 * 3600 * 1000;
    std::int64_t max_age_ms = 90LL * 24 * 3600 * 1000;
};

// Told when sessions end, so that live connections using them are closed at once.
class SessionListener {
public:
    virtual ~SessionListener() = default;
    virtual void OnSessionsRevoked(const std::vector<Id>& session_ids) = 0;
    virtual void OnPresenceChanged(Id user_id) = 0;
};

// The users a guest shares something with (the chat module: the members of its chats), read in
// the caller's transaction. A guest sees a user when any source names them (docs/api.md,
// "Account roles").
using PeerSource = std::function<std::vector<Id>(storage::Tx& tx, Id guest)>;

class AccountService {
public:
    AccountService(storage::Database& db, LoginLimits limits = {});

    void SetListener(SessionListener* listener) { listener_ = listener; }
    void SetSessionLimits(SessionLimits limits) { session_limits_ = limits; }
    const SessionLimits& session_limits() const { return session_limits_; }
    // Effective presence needs to know whether a user has live connections.
    // The roles service (veche/roles/role_service.hpp), for users.manage. Without it only admins
    // administer users. Set before serving.
    void SetRoles(roles::RoleService* roles) { roles_ = roles; }
    void SetConnectedProbe(std::function<bool(Id)> probe) { connected_ = std::move(probe); }
    // Set before serving (modules' Start).
    void AddPeerSource(PeerSource source) { peer_sources_.push_back(std::move(source)); }

    // First run: when there is no user at all, creates "admin" and returns its one-time password
    // (`password` if given, else a random one). nullopt when users already exist.
    Result<std::optional<std::string>> Bootstrap(std::optional<std::string> password);

    Result<LoginResult> Login(std::string_view username, std::string_view password, std::string_view ip,
                              std::string_view user_agent);
    Result<AuthContext> Authenticate(std::string_view token);
    Status Logout(const AuthContext& ctx, std::string_view ip = {});
    Result<std::vector<Session>> ListSessions(Id user_id);
    Status RevokeSession(Id user_id, Id session_id, std::string_view ip = {});
    Status ChangePassword(const AuthContext& ctx, std::string_view old_password,
                          std::string_view new_password, std::string_view ip = {});

    Result<User> GetUser(Id id);
    Result<std::vector<User>> GetUsers(const std::vector<Id>& ids);
    // Ids of the existing users among `usernames` (unknown names are skipped).
    Result<std::vector<Id>> IdsOfUsernames(const std::vector<std::string>& usernames);
    Result<std::vector<User>> SearchUsers(std::string_view query, int limit);
    // The same as `viewer` may see them: a guest sees itself, bots and its peers (PeerSource);
    // anyone else is unknown to it (404, absent from lists).
    Result<User> GetUserAs(const User& viewer, Id id);
    Result<std::vector<User>> SearchUsersAs(const User& viewer, std::string_view query, int limit);
    // Of `ids`, those the account `viewer` may see, in the caller's transaction; every id unless the
    // viewer is a guest. For the realtime hub (realtime::UserVisibility).
    std::vector<Id> VisibleTo(storage::Tx& tx, Id viewer, const std::vector<Id>& ids) const;
    bool IsGuest(storage::Tx& tx, Id user_id) const;

    // The system account `username` (role bot) a module posts as, created on first use: no password
    // logs it in, administrators cannot change its role. Idempotent; 409 username_taken when a person
    // holds the name.
    Result<User> EnsureSystemUser(std::string_view username, std::string_view display_name);
    // EnsureSystemUser's id for a module's bot, made on the module's first use of it, where there is
    // no request to answer: a failure (a person holds the name, the database is down) throws
    // std::runtime_error naming the bot.
    Id SystemUserId(std::string_view username, std::string_view display_name);
    Result<User> UpdateProfile(Id user_id, const ProfileUpdate& update);
    Result<User> SetPresence(Id user_id, std::string_view presence);

    // Administration, checked here in the change's transaction: `actor` is an admin, or holds
    // users.manage (once SetRoles was called) and neither the target nor the change is an admin's —
    // only administrators create, change or reset administrators, or make someone one. Roles given
    // here are admin, user and guest; a guest becomes a user before an admin (409
    // role_change_refused), a bot's role never changes. A change to or from guest ends the user's
    // sessions (their connections were filtered as the old role's).
    Result<CreatedUser> CreateUser(const User& actor, const NewUser& spec, std::string_view ip = {});
    Result<User> UpdateUser(const User& actor, Id user_id, std::optional<std::string> role,
                            std::optional<bool> deactivated, std::string_view ip = {});
    Result<std::string> ResetPassword(const User& actor, Id user_id, std::optional<std::string> password,
                                      std::string_view ip = {});

    // For the CLI, which has no acting user: same checks on the data, no actor check.
    Result<CreatedUser> CreateUserUnchecked(const NewUser& spec);
    Result<std::string> ResetPasswordUnchecked(std::string_view username,
                                               std::optional<std::string> password);
    Result<User> SetRoleUnchecked(std::string_view username, std::string_view role);
    // Tells clients a user changed (user.updated), in the caller's write transaction: the roles
    // service calls it when it grants or revokes the admin role (users.role).
    Status NotifyUserChanged(storage::Tx& tx, Id user_id);

    // False once the session has been idle or alive longer than the session limits allow.
    bool SessionAlive(const Session& session, std::int64_t now_ms) const;

    bool IsConnected(Id user_id) const { return connected_ && connected_(user_id); }
    // "online" | "away" | "dnd" | "offline" as others should see the user now.
    std::string EffectivePresence(const User& user) const;

    static Status ValidateUsername(std::string_view username);
    static Status ValidatePassword(std::string_view password);

private:
    // Who an audited change is by: a user and the address, or no one and how ("cli", "bootstrap").
    struct By {
        std::optional<Id> actor_id;
        std::string ip;
        std::string via;
    };
    // `actor`: the administering user to check (CheckManage), none for the CLI and the bootstrap.
    Result<CreatedUser> CreateUserAs(const By& by, const NewUser& spec, const User* actor = nullptr);
    Result<std::string> ResetPasswordAs(const By& by, std::string_view username,
                                        std::optional<std::string> password, const User* actor = nullptr);
    Status CheckManage(storage::Tx& tx, const User& actor, bool touches_admin) const;
    // The same without the target, before the costly password hashing (so that no one without the
    // right can make the server hash); CheckManage in the transaction still decides.
    Status PreCheckManage(const User& actor);
    Status EndSession(Id user_id, Id session_id, std::string_view ip, std::string_view action);
    void RecordFailedLogin(const std::string& username, std::optional<Id> user_id, std::string_view ip,
                           std::string_view reason);
    Status CheckRateLimit(const std::string& username, const std::string& ip);
    void RecordFailure(const std::string& username, const std::string& ip);
    Status RevokeAllSessions(Id user_id, std::optional<Id> except);
    // The ids a guest may see (itself, bots, its peers), in `tx`.
    std::unordered_set<Id> GuestSees(storage::Tx& tx, Id guest) const;

    storage::Database& db_;
    LoginLimits limits_;
    SessionLimits session_limits_;
    SessionListener* listener_ = nullptr;
    std::function<bool(Id)> connected_;
    roles::RoleService* roles_ = nullptr;
    std::vector<PeerSource> peer_sources_;

    std::mutex rate_mu_;
    std::unordered_map<std::string, std::vector<std::int64_t>> failures_by_account_;  // ms timestamps
    std::unordered_map<std::string, std::vector<std::int64_t>> failures_by_address_;
};

}  // namespace veche::accounts
