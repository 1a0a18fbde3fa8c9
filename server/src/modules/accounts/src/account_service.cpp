#include "veche/accounts/account_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "veche/accounts/user_json.hpp"
#include "veche/audit/audit.hpp"
#include "veche/roles/role_service.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/crypto.hpp"
#include "veche/core/json.hpp"
#include "veche/core/text.hpp"

namespace veche::accounts {
namespace {

constexpr std::string_view kUserColumns =
    "id, username, display_name, position, department, site, status_text, role, "
    "must_change_password, deactivated, presence_pref, created_at";
constexpr std::int64_t kLastSeenResolutionMs = 60'000;

User ReadUser(const storage::Statement& st) {
    User u;
    u.id = st.Int(0);
    u.username = st.Text(1);
    u.display_name = st.Text(2);
    u.position = st.Text(3);
    u.department = st.Text(4);
    u.site = st.Text(5);
    u.status_text = st.Text(6);
    u.role = st.Text(7);
    u.must_change_password = st.Int(8) != 0;
    u.deactivated = st.Int(9) != 0;
    u.presence_pref = st.Text(10);
    u.created_at = st.Int(11);
    return u;
}

std::string Sql(std::string_view head, std::string_view tail) {
    return std::string(head) + std::string(kUserColumns) + std::string(tail);
}

std::optional<User> FindUserById(storage::Tx& tx, Id id) {
    static const std::string sql = Sql("SELECT ", " FROM users WHERE id = ?");
    auto& st = tx.Query(sql, id);
    if (!st.Step()) return std::nullopt;
    User u = ReadUser(st);
    while (st.Step()) {
    }
    return u;
}

std::optional<std::pair<User, std::string>> FindUserByName(storage::Tx& tx, std::string_view username) {
    static const std::string sql = Sql("SELECT ", ", password_hash FROM users WHERE username = ?");
    auto& st = tx.Query(sql, username);
    if (!st.Step()) return std::nullopt;
    std::pair<User, std::string> out{ReadUser(st), st.Text(12)};
    while (st.Step()) {
    }
    return out;
}

Session ReadSession(const storage::Statement& st) {
    return Session{st.Int(0), st.Int(1), st.Int(2), st.Int(3), st.Text(4), st.Text(5)};
}

void EmitUserUpdated(storage::Tx& tx, const User& u, std::string_view presence) {
    Event e;
    e.broadcast = true;
    e.subject_id = u.id;  // guests hear only of the users they may see (realtime::UserVisibility)
    e.kind = "user.updated";
    e.data_json = json::Serialize(UserToJson(u, presence));
    tx.Emit(std::move(e));
}

// Revocations travel through the event log, so that every node of a cluster closes the sessions'
// WebSockets (the hub of each node acts on the event), not only the node that took the request.
void EmitSessionsRevoked(storage::Tx& tx, Id user_id, const std::vector<Id>& session_ids) {
    boost::json::array ids;
    for (Id id : session_ids) ids.push_back(boost::json::value(IdToString(id)));
    Event e;
    e.target_user_id = user_id;
    e.kind = "session.revoked";
    e.data_json = json::Serialize(boost::json::object{{"session_ids", std::move(ids)}});
    tx.Emit(std::move(e));
}

// An audit entry in the caller's transaction; `data` gains "via" when the change came from the CLI.
Status Audit(storage::Tx& tx, std::optional<Id> actor, std::string_view ip, std::string_view via,
             std::string action, std::string target_kind, std::optional<Id> target,
             boost::json::object data) {
    if (!via.empty()) data["via"] = via;
    return audit::Record(tx, {actor, std::string(ip), std::move(action), std::move(target_kind), target,
                              json::Serialize(data)});
}

// The roles administrators give (a bot is made by EnsureSystemUser only).
bool AssignableRole(std::string_view role) { return role == "admin" || role == "user" || role == "guest"; }
constexpr std::string_view kRoleError = "field 'role' must be 'admin', 'user' or 'guest'";

// Whether `user` may go from its role to `role`: a bot stays a bot, a guest is made a user before
// an admin (so that trusting an outsider with everything takes two deliberate steps).
Status CheckRoleChange(const User& user, std::string_view role) {
    if (user.role == role) return {};
    if (user.is_bot()) return Error::Conflict("role_change_refused", "a bot account's role cannot change");
    if (user.is_guest() && role == "admin")
        return Error::Conflict("role_change_refused", "a guest becomes a user before an administrator");
    return {};
}

void Prune(std::vector<std::int64_t>& v, std::int64_t since) {
    v.erase(std::remove_if(v.begin(), v.end(), [&](std::int64_t t) { return t < since; }), v.end());
}

}  // namespace

boost::json::object UserToJson(const User& u, std::string_view presence) {
    return {{"id", IdToString(u.id)},         {"username", u.username},
            {"display_name", u.display_name}, {"position", u.position},
            {"department", u.department},     {"site", u.site},
            {"status_text", u.status_text},   {"role", u.role},
            {"presence", presence},           {"deactivated", u.deactivated},
            {"created_at", u.created_at}};
}

boost::json::object SessionToJson(const Session& s, bool current) {
    return {{"id", IdToString(s.id)},
            {"created_at", s.created_at},
            {"last_seen_at", s.last_seen_at},
            {"user_agent", s.user_agent},
            {"ip", s.ip},
            {"current", current}};
}

AccountService::AccountService(storage::Database& db, LoginLimits limits) : db_(db), limits_(limits) {}

Status AccountService::ValidateUsername(std::string_view username) {
    if (username.size() < 2 || username.size() > 32)
        return Error::InvalidArgument("field 'username' must be 2 to 32 characters");
    for (char c : username) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok)
            return Error::InvalidArgument("field 'username' may contain only a-z, 0-9, '.', '_' and '-'");
    }
    return {};
}

Status AccountService::ValidatePassword(std::string_view password) {
    if (password.size() < 8 || password.size() > 256)
        return Error::InvalidArgument("password must be 8 to 256 bytes");
    return {};
}

std::string AccountService::EffectivePresence(const User& user) const {
    if (user.deactivated || !connected_ || !connected_(user.id)) return "offline";
    return user.presence_pref;
}

Result<std::optional<std::string>> AccountService::Bootstrap(std::optional<std::string> password) {
    auto count = db_.Read([](storage::Tx& tx) -> Result<std::int64_t> {
        return tx.QueryInt("SELECT COUNT(*) FROM users").value_or(0);
    });
    if (!count.ok()) return std::move(count).error();
    if (*count > 0) return std::optional<std::string>();
    NewUser spec{"admin", password ? password : crypto::RandomPassword(), "Administrator", "admin"};
    auto created = CreateUserAs({std::nullopt, "", "bootstrap"}, spec);
    if (!created.ok()) return std::move(created).error();
    // A generated first password is one-time (it was printed to the console): the administrator
    // must replace it before doing anything else. One the operator chose is theirs to keep.
    if (password) return std::optional<std::string>(*spec.password);
    Id id = created->user.id;
    auto st = db_.Write([&](storage::Tx& tx) -> Status {
        tx.Exec("UPDATE users SET must_change_password = 1 WHERE id = ?", id);
        return {};
    });
    if (!st.ok()) return std::move(st).error();
    return std::optional<std::string>(*spec.password);
}

Status AccountService::CheckRateLimit(const std::string& username, const std::string& ip) {
    std::lock_guard lock(rate_mu_);
    std::int64_t now = NowMs();
    auto& acc = failures_by_account_[username];
    Prune(acc, now - limits_.account_window_seconds * 1000LL);
    if (static_cast<int>(acc.size()) >= limits_.account_failures) {
        int retry =
            static_cast<int>((acc.front() + limits_.account_window_seconds * 1000LL - now) / 1000) + 1;
        return Error::RateLimited(retry);
    }
    auto& addr = failures_by_address_[ip];
    Prune(addr, now - 60'000);
    if (static_cast<int>(addr.size()) >= limits_.address_attempts) {
        int retry = static_cast<int>((addr.front() + 60'000 - now) / 1000) + 1;
        return Error::RateLimited(retry);
    }
    if (acc.empty()) failures_by_account_.erase(username);
    if (addr.empty()) failures_by_address_.erase(ip);
    return {};
}

void AccountService::RecordFailure(const std::string& username, const std::string& ip) {
    std::lock_guard lock(rate_mu_);
    std::int64_t now = NowMs();
    failures_by_account_[username].push_back(now);
    failures_by_address_[ip].push_back(now);
    // Bound memory under a spray of random usernames: forget the oldest half of the map.
    if (failures_by_account_.size() > 100'000) failures_by_account_.clear();
    if (failures_by_address_.size() > 100'000) failures_by_address_.clear();
}

Result<LoginResult> AccountService::Login(std::string_view username_in, std::string_view password,
                                          std::string_view ip, std::string_view user_agent) {
    std::string username = text::ToLowerAscii(username_in);
    VECHE_RETURN_IF_ERROR(CheckRateLimit(username, std::string(ip)));
    auto found = db_.Read([&](storage::Tx& tx) -> Result<std::optional<std::pair<User, std::string>>> {
        return FindUserByName(tx, username);
    });
    if (!found.ok()) return std::move(found).error();
    bool ok = found->has_value() && crypto::VerifyPassword((*found)->second, password);
    if (!ok) {
        if (!found->has_value()) {
            // Spend the same time as a real check so that timing does not reveal which usernames exist.
            static const std::string dummy = crypto::HashPassword("not-a-real-password");
            (void)crypto::VerifyPassword(dummy, password);
        }
        RecordFailure(username, std::string(ip));
        RecordFailedLogin(username, found->has_value() ? std::optional<Id>((*found)->first.id) : std::nullopt,
                          ip, found->has_value() ? "wrong_password" : "unknown_user");
        return Error::Unauthenticated("wrong username or password");
    }
    User user = (*found)->first;
    if (user.is_bot()) {
        // A system account: whatever its stored hash, no password opens it.
        RecordFailure(username, std::string(ip));
        RecordFailedLogin(username, user.id, ip, "bot_account");
        return Error::Unauthenticated("wrong username or password");
    }
    if (user.deactivated) {
        RecordFailedLogin(username, user.id, ip, "deactivated");
        return Error::Unauthenticated("wrong username or password");
    }

    std::string token = "vch_" + crypto::RandomToken(32);
    Session session{GlobalIds().Next(), user.id, NowMs(), NowMs(), std::string(user_agent.substr(0, 200)),
                    std::string(ip)};
    auto st = db_.Write([&](storage::Tx& tx) -> Status {
        tx.Exec(
            "INSERT INTO sessions(id, user_id, token_hash, created_at, last_seen_at, user_agent, ip) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            session.id, session.user_id, crypto::Sha256Hex(token), session.created_at, session.last_seen_at,
            session.user_agent, session.ip);
        return Audit(tx, user.id, ip, "", "auth.login", "session", session.id,
                     {{"username", user.username}, {"user_agent", session.user_agent}});
    });
    if (!st.ok()) return std::move(st).error();
    return LoginResult{std::move(token), std::move(session), std::move(user)};
}

// The attempted username is kept (it may be a typo of a real one, or an attacker's guess), never the
// password. Attempts refused by the rate limit before any check are not recorded: they cost nothing
// and would let a flood of them fill the log.
void AccountService::RecordFailedLogin(const std::string& username, std::optional<Id> user_id,
                                       std::string_view ip, std::string_view reason) {
    auto st = db_.Write([&](storage::Tx& tx) -> Status {
        return Audit(tx, std::nullopt, ip, "", "auth.login_failed", user_id ? "user" : "", user_id,
                     {{"username", username}, {"reason", reason}});
    });
    if (!st.ok())
        spdlog::warn("accounts: cannot record a failed login in the audit log: {}", st.error().message);
}

Result<AuthContext> AccountService::Authenticate(std::string_view token) {
    if (token.empty() || token.size() > 200) return Error::Unauthenticated();
    std::string hash = crypto::Sha256Hex(token);
    auto found = db_.Read([&](storage::Tx& tx) -> Result<std::optional<AuthContext>> {
        auto& st = tx.Query(
            "SELECT id, user_id, created_at, last_seen_at, user_agent, ip FROM sessions "
            "WHERE token_hash = ? AND revoked_at IS NULL",
            hash);
        if (!st.Step()) return std::optional<AuthContext>();
        Session s = ReadSession(st);
        while (st.Step()) {
        }
        auto user = FindUserById(tx, s.user_id);
        if (!user || user->deactivated) return std::optional<AuthContext>();
        return std::optional<AuthContext>(AuthContext{std::move(*user), std::move(s)});
    });
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value()) return Error::Unauthenticated("session expired or revoked");
    AuthContext ctx = std::move(**found);
    std::int64_t now = NowMs();
    if (!SessionAlive(ctx.session, now)) return Error::Unauthenticated("session expired or revoked");
    // last_seen_at is written at most once a minute (or a quarter of the idle timeout, when shorter)
    // so that busy clients do not turn every request into a write.
    if (now - ctx.session.last_seen_at >
        std::min(kLastSeenResolutionMs, session_limits_.idle_timeout_ms / 4)) {
        Id sid = ctx.session.id;
        (void)db_.Write([&](storage::Tx& tx) -> Status {
            tx.Exec("UPDATE sessions SET last_seen_at = ? WHERE id = ?", now, sid);
            return {};
        });
        ctx.session.last_seen_at = now;
    }
    return ctx;
}

bool AccountService::SessionAlive(const Session& session, std::int64_t now_ms) const {
    return now_ms - session.last_seen_at <= session_limits_.idle_timeout_ms &&
           now_ms - session.created_at <= session_limits_.max_age_ms;
}

Status AccountService::Logout(const AuthContext& ctx, std::string_view ip) {
    return EndSession(ctx.user.id, ctx.session.id, ip, "auth.logout");
}

Result<std::vector<Session>> AccountService::ListSessions(Id user_id) {
    return db_.Read([&](storage::Tx& tx) -> Result<std::vector<Session>> {
        std::vector<Session> out;
        auto& st = tx.Query(
            "SELECT id, user_id, created_at, last_seen_at, user_agent, ip FROM sessions "
            "WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC",
            user_id);
        std::int64_t now = NowMs();
        while (st.Step()) {
            Session session = ReadSession(st);
            if (SessionAlive(session, now)) out.push_back(std::move(session));
        }
        return out;
    });
}

Status AccountService::RevokeSession(Id user_id, Id session_id, std::string_view ip) {
    return EndSession(user_id, session_id, ip, "session.revoked");
}

Status AccountService::EndSession(Id user_id, Id session_id, std::string_view ip, std::string_view action) {
    auto st = db_.Write([&](storage::Tx& tx) -> Status {
        if (tx.Exec("UPDATE sessions SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
                    NowMs(), session_id, user_id) == 0)
            return Error::NotFound("session");
        EmitSessionsRevoked(tx, user_id, {session_id});
        return Audit(tx, user_id, ip, "", std::string(action), "session", session_id, {});
    });
    if (st.ok() && listener_) listener_->OnSessionsRevoked({session_id});
    return st;
}

Status AccountService::RevokeAllSessions(Id user_id, std::optional<Id> except) {
    auto ids = db_.Write([&](storage::Tx& tx) -> Result<std::vector<Id>> {
        std::vector<Id> out;
        auto& st = tx.Query("SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL", user_id);
        while (st.Step()) {
            if (!except || st.Int(0) != *except) out.push_back(st.Int(0));
        }
        for (Id id : out) tx.Exec("UPDATE sessions SET revoked_at = ? WHERE id = ?", NowMs(), id);
        if (!out.empty()) EmitSessionsRevoked(tx, user_id, out);
        return out;
    });
    if (!ids.ok()) return std::move(ids).error();
    if (listener_ && !ids->empty()) listener_->OnSessionsRevoked(*ids);
    return {};
}

Status AccountService::ChangePassword(const AuthContext& ctx, std::string_view old_password,
                                      std::string_view new_password, std::string_view ip) {
    VECHE_RETURN_IF_ERROR(ValidatePassword(new_password));
    auto found = db_.Read([&](storage::Tx& tx) -> Result<std::optional<std::pair<User, std::string>>> {
        return FindUserByName(tx, ctx.user.username);
    });
    if (!found.ok()) return std::move(found).error();
    if (!found->has_value() || !crypto::VerifyPassword((*found)->second, old_password))
        return Error::Forbidden("old password is wrong");
    std::string hash = crypto::HashPassword(new_password);
    auto st = db_.Write([&](storage::Tx& tx) -> Status {
        tx.Exec("UPDATE users SET password_hash = ?, must_change_password = 0, updated_at = ? WHERE id = ?",
                hash, NowMs(), ctx.user.id);
        return Audit(tx, ctx.user.id, ip, "", "user.password_changed", "user", ctx.user.id,
                     {{"username", ctx.user.username}});
    });
    if (!st.ok()) return st;
    return RevokeAllSessions(ctx.user.id, ctx.session.id);
}

Result<User> AccountService::GetUser(Id id) {
    auto r = db_.Read([&](storage::Tx& tx) -> Result<std::optional<User>> { return FindUserById(tx, id); });
    if (!r.ok()) return std::move(r).error();
    if (!r->has_value()) return Error::NotFound("user");
    return std::move(**r);
}

Result<std::vector<User>> AccountService::GetUsers(const std::vector<Id>& ids) {
    return db_.Read([&](storage::Tx& tx) -> Result<std::vector<User>> {
        std::vector<User> out;
        out.reserve(ids.size());
        for (Id id : ids) {
            if (auto u = FindUserById(tx, id)) out.push_back(std::move(*u));
        }
        return out;
    });
}

Result<std::vector<Id>> AccountService::IdsOfUsernames(const std::vector<std::string>& usernames) {
    return db_.Read([&](storage::Tx& tx) -> Result<std::vector<Id>> {
        std::vector<Id> out;
        for (const auto& name : usernames) {
            if (auto id = tx.QueryInt("SELECT id FROM users WHERE username = ? AND deactivated = 0", name))
                out.push_back(*id);
        }
        return out;
    });
}

Result<std::vector<User>> AccountService::SearchUsers(std::string_view query, int limit) {
    std::string pattern = "%";
    for (char c : query) {
        if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
        pattern.push_back(c);
    }
    pattern += "%";
    return db_.Read([&](storage::Tx& tx) -> Result<std::vector<User>> {
        static const std::string sql =
            Sql("SELECT ",
                " FROM users WHERE (username LIKE ? ESCAPE '\\' OR display_name LIKE ? ESCAPE '\\') "
                "ORDER BY deactivated, username LIMIT ?");
        std::vector<User> out;
        auto& st = tx.Query(sql, pattern, pattern, limit);
        while (st.Step()) out.push_back(ReadUser(st));
        return out;
    });
}

std::unordered_set<Id> AccountService::GuestSees(storage::Tx& tx, Id guest) const {
    std::unordered_set<Id> out{guest};
    {
        auto& st = tx.Query("SELECT id FROM users WHERE role = 'bot'");
        while (st.Step()) out.insert(st.Int(0));
    }
    for (const auto& source : peer_sources_) {
        for (Id id : source(tx, guest)) out.insert(id);
    }
    return out;
}

bool AccountService::IsGuest(storage::Tx& tx, Id user_id) const {
    return tx.QueryInt("SELECT 1 FROM users WHERE id = ? AND role = 'guest'", user_id).has_value();
}

std::vector<Id> AccountService::VisibleTo(storage::Tx& tx, Id viewer, const std::vector<Id>& ids) const {
    if (!IsGuest(tx, viewer)) return ids;
    auto sees = GuestSees(tx, viewer);
    std::vector<Id> out;
    for (Id id : ids) {
        if (sees.count(id)) out.push_back(id);
    }
    return out;
}

Result<User> AccountService::GetUserAs(const User& viewer, Id id) {
    if (!viewer.is_guest()) return GetUser(id);
    auto r = db_.Read([&](storage::Tx& tx) -> Result<std::optional<User>> {
        if (!GuestSees(tx, viewer.id).count(id)) return std::optional<User>();
        return FindUserById(tx, id);
    });
    if (!r.ok()) return std::move(r).error();
    if (!r->has_value()) return Error::NotFound("user");
    return std::move(**r);
}

Result<std::vector<User>> AccountService::SearchUsersAs(const User& viewer, std::string_view query,
                                                        int limit) {
    if (!viewer.is_guest()) return SearchUsers(query, limit);
    std::string pattern = "%";
    for (char c : query) {
        if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
        pattern.push_back(c);
    }
    pattern += "%";
    return db_.Read([&](storage::Tx& tx) -> Result<std::vector<User>> {
        // A guest's circle is small (the members of its chats): match it, not the directory.
        auto sees = GuestSees(tx, viewer.id);
        std::vector<User> out;
        for (Id id : sees) {
            static const std::string sql = Sql("SELECT ",
                                               " FROM users WHERE id = ? AND (username LIKE ? ESCAPE '\\' OR "
                                               "display_name LIKE ? ESCAPE '\\')");
            auto& st = tx.Query(sql, id, pattern, pattern);
            if (st.Step()) out.push_back(ReadUser(st));
            while (st.Step()) {
            }
        }
        std::sort(out.begin(), out.end(), [](const User& a, const User& b) {
            return std::pair(a.deactivated, a.username) < std::pair(b.deactivated, b.username);
        });
        if (static_cast<int>(out.size()) > limit) out.resize(static_cast<std::size_t>(limit));
        return out;
    });
}

Id AccountService::SystemUserId(std::string_view username, std::string_view display_name) {
    auto bot = EnsureSystemUser(username, display_name);
    if (!bot.ok())
        throw std::runtime_error("cannot create the bot account '" + std::string(username) + "': " + bot.error().message);
    return bot->id;
}

Result<User> AccountService::EnsureSystemUser(std::string_view username_in, std::string_view display_name) {
    std::string username = text::ToLowerAscii(username_in);
    VECHE_RETURN_IF_ERROR(ValidateUsername(username));
    auto existing = db_.Read([&](storage::Tx& tx) -> Result<std::optional<User>> {
        auto u = FindUserByName(tx, username);
        if (!u) return std::optional<User>();
        return std::optional<User>(std::move(u->first));
    });
    if (!existing.ok()) return std::move(existing).error();
    if (existing->has_value()) {
        if (!(*existing)->is_bot()) return Error::Conflict("username_taken", "username is taken");
        return std::move(**existing);
    }
    // A hash of a password nobody knows keeps the column's meaning; Login refuses bots anyway.
    std::string hash = crypto::HashPassword(crypto::RandomToken(32));
    User u;
    u.id = GlobalIds().Next();
    u.username = username;
    u.display_name = display_name.empty() ? username : std::string(display_name);
    u.role = "bot";
    u.created_at = NowMs();
    return db_.Write([&](storage::Tx& tx) -> Result<User> {
        // Two nodes starting at once: the second finds the first one's account.
        if (auto found = FindUserByName(tx, u.username)) {
            if (!found->first.is_bot()) return Error::Conflict("username_taken", "username is taken");
            return std::move(found->first);
        }
        tx.Exec(
            "INSERT INTO users(id, username, display_name, role, password_hash, must_change_password, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            u.id, u.username, u.display_name, u.role, hash, false, u.created_at, u.created_at);
        EmitUserUpdated(tx, u, "offline");
        VECHE_RETURN_IF_ERROR(Audit(tx, std::nullopt, "", "system", "user.created", "user", u.id,
                                    {{"username", u.username}, {"role", u.role}}));
        return u;
    });
}

Result<User> AccountService::UpdateProfile(Id user_id, const ProfileUpdate& up) {
    return db_.Write([&](storage::Tx& tx) -> Result<User> {
        auto u = FindUserById(tx, user_id);
        if (!u) return Error::NotFound("user");
        if (up.display_name) u->display_name = *up.display_name;
        if (up.position) u->position = *up.position;
        if (up.department) u->department = *up.department;
        if (up.site) u->site = *up.site;
        if (up.status_text) u->status_text = *up.status_text;
        tx.Exec(
            "UPDATE users SET display_name = ?, position = ?, department = ?, site = ?, status_text = ?, "
            "updated_at = ? WHERE id = ?",
            u->display_name, u->position, u->department, u->site, u->status_text, NowMs(), user_id);
        EmitUserUpdated(tx, *u, EffectivePresence(*u));
        return std::move(*u);
    });
}

Result<User> AccountService::SetPresence(Id user_id, std::string_view presence) {
    if (presence != "online" && presence != "away" && presence != "dnd" && presence != "offline")
        return Error::InvalidArgument("field 'presence' must be one of online, away, dnd, offline");
    auto r = db_.Write([&](storage::Tx& tx) -> Result<User> {
        auto u = FindUserById(tx, user_id);
        if (!u) return Error::NotFound("user");
        tx.Exec("UPDATE users SET presence_pref = ?, updated_at = ? WHERE id = ?", presence, NowMs(),
                user_id);
        u->presence_pref = std::string(presence);
        return std::move(*u);
    });
    if (r.ok() && listener_) listener_->OnPresenceChanged(user_id);
    return r;
}

Result<CreatedUser> AccountService::CreateUser(const User& actor, const NewUser& spec, std::string_view ip) {
    VECHE_RETURN_IF_ERROR(PreCheckManage(actor));
    return CreateUserAs({actor.id, std::string(ip), ""}, spec, &actor);
}

Result<CreatedUser> AccountService::CreateUserUnchecked(const NewUser& spec) {
    return CreateUserAs({std::nullopt, "", "cli"}, spec);
}

Status AccountService::CheckManage(storage::Tx& tx, const User& actor, bool touches_admin) const {
    if (actor.is_admin()) return {};
    if (!roles_) return Error::Forbidden("only administrators manage users");
    VECHE_RETURN_IF_ERROR(roles_->Require(tx, actor.id, roles::kUsersManage));
    if (touches_admin) return Error::Forbidden("only administrators manage administrators");
    return {};
}

Status AccountService::PreCheckManage(const User& actor) {
    if (actor.is_admin()) return {};
    if (!roles_) return Error::Forbidden("only administrators manage users");
    return roles_->Require(actor.id, roles::kUsersManage);
}

Result<CreatedUser> AccountService::CreateUserAs(const By& by, const NewUser& spec_in, const User* actor) {
    NewUser spec = spec_in;
    spec.username = text::ToLowerAscii(spec.username);
    VECHE_RETURN_IF_ERROR(ValidateUsername(spec.username));
    if (!AssignableRole(spec.role)) return Error::InvalidArgument(std::string(kRoleError));
    std::optional<std::string> generated;
    if (!spec.password) {
        generated = crypto::RandomPassword();
        spec.password = generated;
    }
    VECHE_RETURN_IF_ERROR(ValidatePassword(*spec.password));
    std::string hash = crypto::HashPassword(*spec.password);
    User u;
    u.id = GlobalIds().Next();
    u.username = spec.username;
    u.display_name = spec.display_name.empty() ? spec.username : spec.display_name;
    u.role = spec.role;
    u.must_change_password = generated.has_value();
    u.created_at = NowMs();
    auto r = db_.Write([&](storage::Tx& tx) -> Result<User> {
        if (actor) VECHE_RETURN_IF_ERROR(CheckManage(tx, *actor, spec.role == "admin"));
        if (tx.QueryInt("SELECT 1 FROM users WHERE username = ?", u.username))
            return Error::Conflict("username_taken", "username is taken");
        tx.Exec(
            "INSERT INTO users(id, username, display_name, role, password_hash, must_change_password, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            u.id, u.username, u.display_name, u.role, hash, u.must_change_password, u.created_at,
            u.created_at);
        EmitUserUpdated(tx, u, "offline");
        VECHE_RETURN_IF_ERROR(Audit(
            tx, by.actor_id, by.ip, by.via, "user.created", "user", u.id,
            {{"username", u.username}, {"role", u.role}, {"generated_password", generated.has_value()}}));
        return u;
    });
    if (!r.ok()) return std::move(r).error();
    return CreatedUser{std::move(*r), generated};
}

Result<User> AccountService::UpdateUser(const User& actor, Id user_id, std::optional<std::string> role,
                                        std::optional<bool> deactivated, std::string_view ip) {
    if (role && !AssignableRole(*role)) return Error::InvalidArgument(std::string(kRoleError));
    if (user_id == actor.id && ((role && *role != "admin") || (deactivated && *deactivated)))
        return Error::Forbidden("administrators cannot demote or deactivate themselves");
    bool guest_changed = false;
    auto r = db_.Write([&](storage::Tx& tx) -> Result<User> {
        auto u = FindUserById(tx, user_id);
        if (!u) return Error::NotFound("user");
        VECHE_RETURN_IF_ERROR(CheckManage(tx, actor, u->is_admin() || (role && *role == "admin")));
        if (role) VECHE_RETURN_IF_ERROR(CheckRoleChange(*u, *role));
        User before = *u;
        if (role) u->role = *role;
        if (deactivated) u->deactivated = *deactivated;
        guest_changed = before.is_guest() != u->is_guest();
        tx.Exec("UPDATE users SET role = ?, deactivated = ?, updated_at = ? WHERE id = ?", u->role,
                u->deactivated, NowMs(), user_id);
        EmitUserUpdated(tx, *u, EffectivePresence(*u));
        if (roles_ && before.is_admin() != u->is_admin())
            VECHE_RETURN_IF_ERROR(roles_->NotifyGrantsChanged(tx, {user_id, {}, true}));
        // Only what changed: setting a role a user already has records nothing.
        if (u->role != before.role)
            VECHE_RETURN_IF_ERROR(Audit(tx, actor.id, ip, "", "user.role_changed", "user", user_id,
                                        {{"username", u->username}, {"from", before.role}, {"to", u->role}}));
        if (u->deactivated != before.deactivated)
            VECHE_RETURN_IF_ERROR(Audit(tx, actor.id, ip, "",
                                        u->deactivated ? "user.deactivated" : "user.reactivated", "user",
                                        user_id, {{"username", u->username}}));
        return std::move(*u);
    });
    if (r.ok() && r->deactivated) VECHE_RETURN_IF_ERROR(RevokeAllSessions(user_id, std::nullopt));
    // What a guest's connections receive was decided when they attached: they start again.
    if (r.ok() && !r->deactivated && guest_changed)
        VECHE_RETURN_IF_ERROR(RevokeAllSessions(user_id, std::nullopt));
    return r;
}

Result<std::string> AccountService::ResetPassword(const User& actor, Id user_id,
                                                  std::optional<std::string> password, std::string_view ip) {
    VECHE_RETURN_IF_ERROR(PreCheckManage(actor));
    auto user = GetUser(user_id);
    if (!user.ok()) return std::move(user).error();
    return ResetPasswordAs({actor.id, std::string(ip), ""}, user->username, std::move(password), &actor);
}

Result<std::string> AccountService::ResetPasswordUnchecked(std::string_view username,
                                                           std::optional<std::string> password) {
    return ResetPasswordAs({std::nullopt, "", "cli"}, username, std::move(password));
}

Result<std::string> AccountService::ResetPasswordAs(const By& by, std::string_view username,
                                                    std::optional<std::string> password, const User* actor) {
    bool generated = !password.has_value();
    std::string pw = password ? *password : crypto::RandomPassword();
    VECHE_RETURN_IF_ERROR(ValidatePassword(pw));
    std::string hash = crypto::HashPassword(pw);
    auto id = db_.Write([&](storage::Tx& tx) -> Result<Id> {
        auto u = FindUserByName(tx, username);
        if (!u) return Error::NotFound("user");
        if (actor) VECHE_RETURN_IF_ERROR(CheckManage(tx, *actor, u->first.is_admin()));
        if (u->first.is_bot()) return Error::Conflict("bot_account", "a bot account has no password");
        tx.Exec("UPDATE users SET password_hash = ?, must_change_password = 1, updated_at = ? WHERE id = ?",
                hash, NowMs(), u->first.id);
        VECHE_RETURN_IF_ERROR(Audit(tx, by.actor_id, by.ip, by.via, "user.password_reset", "user",
                                    u->first.id,
                                    {{"username", u->first.username}, {"generated_password", generated}}));
        return u->first.id;
    });
    if (!id.ok()) return std::move(id).error();
    VECHE_RETURN_IF_ERROR(RevokeAllSessions(*id, std::nullopt));
    return pw;
}

Status AccountService::NotifyUserChanged(storage::Tx& tx, Id user_id) {
    auto u = FindUserById(tx, user_id);
    if (!u) return Error::NotFound("user");
    EmitUserUpdated(tx, *u, EffectivePresence(*u));
    return {};
}

Result<User> AccountService::SetRoleUnchecked(std::string_view username, std::string_view role) {
    if (!AssignableRole(role)) return Error::InvalidArgument("role must be 'admin', 'user' or 'guest'");
    bool guest_changed = false;
    auto r = db_.Write([&](storage::Tx& tx) -> Result<User> {
        auto u = FindUserByName(tx, username);
        if (!u) return Error::NotFound("user");
        VECHE_RETURN_IF_ERROR(CheckRoleChange(u->first, role));
        guest_changed = u->first.is_guest() != (role == "guest");
        tx.Exec("UPDATE users SET role = ?, updated_at = ? WHERE id = ?", role, NowMs(), u->first.id);
        if (roles_ && u->first.is_admin() != (role == "admin"))
            VECHE_RETURN_IF_ERROR(roles_->NotifyGrantsChanged(tx, {u->first.id, {}, true}));
        if (u->first.role != role)
            VECHE_RETURN_IF_ERROR(
                Audit(tx, std::nullopt, "", "cli", "user.role_changed", "user", u->first.id,
                      {{"username", u->first.username}, {"from", u->first.role}, {"to", role}}));
        u->first.role = std::string(role);
        return std::move(u->first);
    });
    if (r.ok() && guest_changed) VECHE_RETURN_IF_ERROR(RevokeAllSessions(r->id, std::nullopt));
    return r;
}

}  // namespace veche::accounts
