#include "veche/accounts/account_service.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "veche/core/crypto.hpp"

namespace veche::unit {
namespace {

using accounts::LoginLimits;
using accounts::NewUser;
using accounts::User;

constexpr std::string_view kPassword = "correct horse battery";

class RecordingListener final : public accounts::SessionListener {
public:
    void OnSessionsRevoked(const std::vector<Id>& session_ids) override {
        std::lock_guard lock(mu_);
        revoked_.insert(revoked_.end(), session_ids.begin(), session_ids.end());
    }
    void OnPresenceChanged(Id user_id) override {
        std::lock_guard lock(mu_);
        presence_.push_back(user_id);
    }
    std::vector<Id> Revoked() const {
        std::lock_guard lock(mu_);
        return revoked_;
    }

private:
    mutable std::mutex mu_;
    std::vector<Id> revoked_;
    std::vector<Id> presence_;
};

// argon2id costs ~0.1 s under ASan: users are inserted with one hash computed once per process, and
// only the tests about creating users go through CreateUser.
const std::string& PasswordHash() {
    static const std::string hash = crypto::HashPassword(kPassword);
    return hash;
}

class AccountService : public ::testing::Test {
protected:
    static void SetUpTestSuite() { crypto::InitCrypto(); }

    void SetUp() override { Open({}); }
    void TearDown() override {
        service_.reset();
        if (db_) db_->Stop();
    }

    void Open(LoginLimits limits) {
        service_.reset();
        if (db_) db_->Stop();
        db_.reset();
        db_ = test::OpenServiceDatabase(dir_.File("accounts-" + std::to_string(++opened_) + ".db"));
        db_->SetEventSink(&sink_);
        service_ = std::make_unique<accounts::AccountService>(*db_, limits);
        service_->SetListener(&listener_);
    }

    Id AddUser(const std::string& username, const std::string& role = "user") {
        Id id = GlobalIds().Next();
        auto st = db_->Write([&](storage::Tx& tx) -> Status {
            tx.Exec(
                "INSERT INTO users(id, username, display_name, role, password_hash, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                id, username, username, role, PasswordHash(), NowMs(), NowMs());
            return {};
        });
        EXPECT_TRUE(st.ok());
        return id;
    }

    accounts::LoginResult MustLogin(std::string_view username, std::string_view password = kPassword,
                                    std::string_view ip = "192.0.2.1") {
        auto r = service_->Login(username, password, ip, "unit-test");
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? r.value() : accounts::LoginResult{};
    }

    std::int64_t UserCount() {
        auto n = db_->Read([](storage::Tx& tx) -> Result<std::int64_t> {
            return tx.QueryInt("SELECT COUNT(*) FROM users").value_or(-1);
        });
        return n.ok() ? n.value() : -1;
    }

    static NewUser Spec(std::string username, std::optional<std::string> password,
                        std::string display_name = "", std::string role = "user") {
        NewUser spec;
        spec.username = std::move(username);
        spec.password = std::move(password);
        spec.display_name = std::move(display_name);
        spec.role = std::move(role);
        return spec;
    }

    static User Admin() {
        User u;
        u.id = 1;
        u.username = "root";
        u.role = "admin";
        return u;
    }

    test::TempDir dir_;
    int opened_ = 0;
    test::RecordingSink sink_;
    RecordingListener listener_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<accounts::AccountService> service_;
};

}  // namespace

TEST_F(AccountService, BootstrapCreatesTheAdministratorOnlyOnce) {
    auto first = service_->Bootstrap(std::string("first-password"));
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(first->has_value());
    EXPECT_EQ(**first, "first-password");

    auto admin = MustLogin("admin", "first-password");
    EXPECT_EQ(admin.user.username, "admin");
    EXPECT_TRUE(admin.user.is_admin());
    // The operator chose this password: it is not a one-time one.
    EXPECT_FALSE(admin.user.must_change_password);

    auto second = service_->Bootstrap(std::string("other-password"));
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(second->has_value());
    auto third = service_->Bootstrap(std::nullopt);
    ASSERT_TRUE(third.ok());
    EXPECT_FALSE(third->has_value());
    EXPECT_EQ(UserCount(), 1);
}

TEST_F(AccountService, BootstrapGeneratesAPasswordWhenNoneIsGiven) {
    auto created = service_->Bootstrap(std::nullopt);
    ASSERT_TRUE(created.ok());
    ASSERT_TRUE(created->has_value());
    EXPECT_EQ((*created)->size(), 16u);
    auto admin = MustLogin("admin", **created);
    EXPECT_TRUE(admin.user.must_change_password);
}

TEST_F(AccountService, BootstrapDoesNothingWhenUsersExist) {
    AddUser("alice");
    auto r = service_->Bootstrap(std::string("first-password"));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->has_value());
    EXPECT_EQ(UserCount(), 1);
}

TEST_F(AccountService, LoginOpensASessionThatAuthenticates) {
    Id alice = AddUser("alice");
    auto login = MustLogin("ALICE");  // usernames are case-insensitive
    EXPECT_EQ(login.user.id, alice);
    EXPECT_EQ(login.token.rfind("vch_", 0), 0u);
    EXPECT_EQ(login.session.user_id, alice);
    EXPECT_EQ(login.session.ip, "192.0.2.1");
    EXPECT_EQ(login.session.user_agent, "unit-test");

    auto ctx = service_->Authenticate(login.token);
    ASSERT_TRUE(ctx.ok());
    EXPECT_EQ(ctx->user.id, alice);
    EXPECT_EQ(ctx->session.id, login.session.id);

    auto sessions = service_->ListSessions(alice);
    ASSERT_TRUE(sessions.ok());
    ASSERT_EQ(sessions->size(), 1u);
    EXPECT_EQ(sessions->front().id, login.session.id);

    for (const std::string& bad : std::vector<std::string>{"", "vch_nonsense", login.token.substr(1)}) {
        auto r = service_->Authenticate(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    }
}

TEST_F(AccountService, WrongPasswordAndUnknownUserGetTheSameAnswer) {
    AddUser("alice");
    auto wrong = service_->Login("alice", "not the password", "192.0.2.1", "");
    auto unknown = service_->Login("mallory", kPassword, "192.0.2.1", "");
    ASSERT_FALSE(wrong.ok());
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(unknown.error().code, wrong.error().code);
    EXPECT_EQ(unknown.error().api_code, wrong.error().api_code);
    EXPECT_EQ(unknown.error().message, wrong.error().message);
}

TEST_F(AccountService, RateLimitsAnAccountAfterFailuresEvenWithTheRightPassword) {
    Open(LoginLimits{.account_failures = 2, .account_window_seconds = 300, .address_attempts = 1000});
    AddUser("alice");
    for (int i = 0; i < 2; ++i) {
        auto r = service_->Login("alice", "guess" + std::to_string(i), "192.0.2." + std::to_string(i), "");
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    }
    auto limited = service_->Login("Alice", kPassword, "198.51.100.7", "");
    ASSERT_FALSE(limited.ok());
    EXPECT_EQ(limited.error().code, ErrorCode::kRateLimited);
    EXPECT_EQ(limited.error().api_code, "rate_limited");
    EXPECT_GT(limited.error().retry_after_seconds, 0);
    EXPECT_LE(limited.error().retry_after_seconds, 301);

    // Another account is not affected.
    AddUser("bob");
    MustLogin("bob");
}

TEST_F(AccountService, RateLimitsAnAddressAfterFailures) {
    Open(LoginLimits{.account_failures = 1000, .account_window_seconds = 300, .address_attempts = 2});
    AddUser("alice");
    for (std::string name : {"nobody1", "nobody2"}) {
        auto r = service_->Login(name, "x", "203.0.113.9", "");
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    }
    auto limited = service_->Login("alice", kPassword, "203.0.113.9", "");
    ASSERT_FALSE(limited.ok());
    EXPECT_EQ(limited.error().code, ErrorCode::kRateLimited);
    EXPECT_GT(limited.error().retry_after_seconds, 0);
    EXPECT_LE(limited.error().retry_after_seconds, 61);

    MustLogin("alice", kPassword, "203.0.113.10");
}

TEST_F(AccountService, SuccessfulLoginsDoNotCountTowardsTheLimit) {
    Open(LoginLimits{.account_failures = 1, .account_window_seconds = 300, .address_attempts = 1});
    AddUser("alice");
    MustLogin("alice");
    MustLogin("alice");
    MustLogin("alice");
}

TEST_F(AccountService, AuthenticateRejectsARevokedToken) {
    Id alice = AddUser("alice");
    auto login = MustLogin("alice");
    ASSERT_TRUE(service_->Authenticate(login.token).ok());

    ASSERT_TRUE(service_->RevokeSession(alice, login.session.id).ok());
    auto r = service_->Authenticate(login.token);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(listener_.Revoked(), std::vector<Id>{login.session.id});
    EXPECT_TRUE(service_->ListSessions(alice)->empty());

    auto again = service_->RevokeSession(alice, login.session.id);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().api_code, "session_not_found");
}

TEST_F(AccountService, LogoutRevokesOnlyTheCurrentSession) {
    AddUser("alice");
    auto first = MustLogin("alice");
    auto second = MustLogin("alice");
    auto ctx = service_->Authenticate(first.token);
    ASSERT_TRUE(ctx.ok());
    ASSERT_TRUE(service_->Logout(*ctx).ok());
    EXPECT_FALSE(service_->Authenticate(first.token).ok());
    EXPECT_TRUE(service_->Authenticate(second.token).ok());
    EXPECT_EQ(listener_.Revoked(), std::vector<Id>{first.session.id});
}

TEST_F(AccountService, RevokingAnotherUsersSessionIsNotFound) {
    Id alice = AddUser("alice");
    AddUser("bob");
    auto bob = MustLogin("bob");
    auto r = service_->RevokeSession(alice, bob.session.id);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(r.error().api_code, "session_not_found");
    EXPECT_TRUE(service_->Authenticate(bob.token).ok());
    EXPECT_TRUE(listener_.Revoked().empty());
}

TEST_F(AccountService, ChangePasswordRevokesOtherSessionsButNotTheCurrentOne) {
    AddUser("alice");
    auto current = MustLogin("alice");
    auto other = MustLogin("alice");
    auto ctx = service_->Authenticate(current.token);
    ASSERT_TRUE(ctx.ok());

    auto too_short = service_->ChangePassword(*ctx, kPassword, "short");
    ASSERT_FALSE(too_short.ok());
    EXPECT_EQ(too_short.error().code, ErrorCode::kInvalidArgument);
    auto wrong_old = service_->ChangePassword(*ctx, "not the password", "a new password");
    ASSERT_FALSE(wrong_old.ok());
    EXPECT_EQ(wrong_old.error().code, ErrorCode::kForbidden);
    EXPECT_TRUE(service_->Authenticate(other.token).ok()) << "failed attempts revoke nothing";

    ASSERT_TRUE(service_->ChangePassword(*ctx, kPassword, "a new password").ok());
    EXPECT_TRUE(service_->Authenticate(current.token).ok());
    EXPECT_FALSE(service_->Authenticate(other.token).ok());
    EXPECT_EQ(listener_.Revoked(), std::vector<Id>{other.session.id});

    auto old_login = service_->Login("alice", kPassword, "192.0.2.1", "");
    ASSERT_FALSE(old_login.ok());
    EXPECT_EQ(old_login.error().code, ErrorCode::kUnauthenticated);
    auto fresh = MustLogin("alice", "a new password");
    EXPECT_FALSE(fresh.user.must_change_password);
}

TEST_F(AccountService, OnlyAdministratorsCreateUsers) {
    User plain;
    plain.id = 2;
    plain.role = "user";
    auto refused = service_->CreateUser(plain, Spec("eve", std::string("password-123"), "", "user"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);
    EXPECT_EQ(UserCount(), 0);

    auto created = service_->CreateUser(Admin(), Spec("carol", std::nullopt, "Carol C.", "user"));
    ASSERT_TRUE(created.ok());
    ASSERT_TRUE(created->generated_password.has_value());
    EXPECT_EQ(created->generated_password->size(), 16u);
    EXPECT_TRUE(created->user.must_change_password);
    EXPECT_EQ(created->user.display_name, "Carol C.");
    auto login = MustLogin("carol", *created->generated_password);
    EXPECT_EQ(login.user.id, created->user.id);
    EXPECT_TRUE(login.user.must_change_password);
}

TEST_F(AccountService, ValidatesUsernames) {
    for (std::string_view ok : {"al", "a.b_c-d9", "abcdefghijklmnopqrstuvwxyz012345"}) {
        EXPECT_TRUE(accounts::AccountService::ValidateUsername(ok).ok()) << ok;
    }
    for (std::string_view bad : {"", "a", "abcdefghijklmnopqrstuvwxyz0123456", "Alice", "al ice", "al@ce",
                                 "\xD0\xB0\xD0\xB1", "al/ce"}) {
        auto r = accounts::AccountService::ValidateUsername(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
    auto invalid = service_->CreateUser(Admin(), Spec("a b", std::string("password-123"), "", "user"));
    ASSERT_FALSE(invalid.ok());
    EXPECT_EQ(invalid.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(invalid.error().message.find("username"), std::string::npos);
    auto bad_role = service_->CreateUser(Admin(), Spec("dave", std::string("password-123"), "", "root"));
    ASSERT_FALSE(bad_role.ok());
    EXPECT_EQ(bad_role.error().code, ErrorCode::kInvalidArgument);
    auto short_password = service_->CreateUser(Admin(), Spec("dave", std::string("1234567"), "", "user"));
    ASSERT_FALSE(short_password.ok());
    EXPECT_EQ(short_password.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(UserCount(), 0);

    // Upper case is folded before validation, and the folded name must be unique.
    auto created = service_->CreateUser(Admin(), Spec("Bob.Smith", std::string("password-123"), "", "user"));
    ASSERT_TRUE(created.ok());
    EXPECT_EQ(created->user.username, "bob.smith");
    EXPECT_EQ(created->user.display_name, "bob.smith");
    EXPECT_FALSE(created->user.must_change_password);
    auto taken = service_->CreateUser(Admin(), Spec("BOB.SMITH", std::string("password-456"), "", "user"));
    ASSERT_FALSE(taken.ok());
    EXPECT_EQ(taken.error().code, ErrorCode::kConflict);
    EXPECT_EQ(taken.error().api_code, "username_taken");
    EXPECT_EQ(UserCount(), 1);
}

TEST_F(AccountService, DeactivatedUserCannotLogInAndLosesSessions) {
    Id alice = AddUser("alice");
    auto first = MustLogin("alice");
    auto second = MustLogin("alice");

    User plain;
    plain.id = 3;
    auto refused = service_->UpdateUser(plain, alice, std::nullopt, true);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);

    auto updated = service_->UpdateUser(Admin(), alice, std::nullopt, true);
    ASSERT_TRUE(updated.ok());
    EXPECT_TRUE(updated->deactivated);
    EXPECT_FALSE(service_->Authenticate(first.token).ok());
    EXPECT_FALSE(service_->Authenticate(second.token).ok());
    auto revoked = listener_.Revoked();
    EXPECT_EQ(std::set<Id>(revoked.begin(), revoked.end()),
              (std::set<Id>{first.session.id, second.session.id}));

    auto login = service_->Login("alice", kPassword, "192.0.2.1", "");
    ASSERT_FALSE(login.ok());
    EXPECT_EQ(login.error().code, ErrorCode::kUnauthenticated);

    ASSERT_TRUE(service_->UpdateUser(Admin(), alice, std::nullopt, false).ok());
    MustLogin("alice");
}

TEST_F(AccountService, AdministratorsCannotDemoteOrDeactivateThemselves) {
    Id root = AddUser("root", "admin");
    User self = service_->GetUser(root).value();
    using Change = std::pair<std::optional<std::string>, std::optional<bool>>;
    for (const auto& [role, deactivated] :
         std::vector<Change>{{"user", std::nullopt}, {std::nullopt, true}}) {
        auto r = service_->UpdateUser(self, root, role, deactivated);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
    }
    EXPECT_TRUE(service_->GetUser(root)->is_admin());
}

TEST_F(AccountService, ResetPasswordForcesAChangeAndRevokesSessions) {
    Id alice = AddUser("alice");
    auto login = MustLogin("alice");
    User plain;
    plain.id = 4;
    auto refused = service_->ResetPassword(plain, alice, std::nullopt);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);

    auto pw = service_->ResetPassword(Admin(), alice, std::nullopt);
    ASSERT_TRUE(pw.ok());
    EXPECT_EQ(pw->size(), 16u);
    EXPECT_FALSE(service_->Authenticate(login.token).ok());
    auto fresh = MustLogin("alice", *pw);
    EXPECT_TRUE(fresh.user.must_change_password);

    auto unknown = service_->ResetPassword(Admin(), GlobalIds().Next(), std::nullopt);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().api_code, "user_not_found");
}

TEST_F(AccountService, ProfileUpdateIsBroadcastAsUserUpdated) {
    Id alice = AddUser("alice");
    accounts::ProfileUpdate up;
    up.display_name = "Alice A.";
    up.department = "Legal";
    auto r = service_->UpdateProfile(alice, up);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->display_name, "Alice A.");
    EXPECT_EQ(r->department, "Legal");
    EXPECT_EQ(service_->GetUser(alice)->department, "Legal");

    ASSERT_TRUE(sink_.WaitForCount(1));
    auto events = sink_.Events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, "user.updated");
    EXPECT_TRUE(events[0].broadcast);
    EXPECT_TRUE(events[0].topic.empty());
    EXPECT_NE(events[0].data_json.find("\"display_name\":\"Alice A.\""), std::string::npos)
        << events[0].data_json;
}

TEST_F(AccountService, PresenceMustBeAKnownValue) {
    Id alice = AddUser("alice");
    auto bad = service_->SetPresence(alice, "busy");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
    auto ok = service_->SetPresence(alice, "dnd");
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->presence_pref, "dnd");
    // Nobody is connected: others see the user offline whatever the preference.
    EXPECT_EQ(service_->EffectivePresence(*ok), "offline");
    service_->SetConnectedProbe([alice](Id u) { return u == alice; });
    EXPECT_EQ(service_->EffectivePresence(*ok), "dnd");
}

TEST_F(AccountService, EnsureSystemUserIsIdempotentAndTheBotNeverLogsIn) {
    auto bot = service_->EnsureSystemUser("Helper", "Системный помощник");
    ASSERT_TRUE(bot.ok()) << bot.error().message;
    EXPECT_EQ(bot->username, "helper");
    EXPECT_EQ(bot->role, "bot");
    EXPECT_TRUE(bot->is_bot());
    EXPECT_EQ(bot->display_name, "Системный помощник");
    auto again = service_->EnsureSystemUser("helper", "another name");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->id, bot->id);
    EXPECT_EQ(again->display_name, "Системный помощник");

    AddUser("alice");
    auto taken = service_->EnsureSystemUser("alice", "Alice bot");
    ASSERT_FALSE(taken.ok());
    EXPECT_EQ(taken.error().api_code, "username_taken");

    // Even a known password does not open it: the answer of a wrong one.
    ASSERT_TRUE(db_->Write([&](storage::Tx& tx) -> Status {
                       tx.Exec("UPDATE users SET password_hash = ? WHERE id = ?", PasswordHash(), bot->id);
                       return {};
                   })
                    .ok());
    auto login = service_->Login("helper", kPassword, "192.0.2.7", "");
    auto wrong = service_->Login("alice", "not the password", "192.0.2.7", "");
    ASSERT_FALSE(login.ok());
    EXPECT_EQ(login.error().code, wrong.error().code);
    EXPECT_EQ(login.error().message, wrong.error().message);
}

TEST_F(AccountService, BotsAndGuestsKeepTheirPlaceInRoleChanges) {
    Id guest = AddUser("guest", "guest");
    Id user = AddUser("bob");
    auto bot = service_->EnsureSystemUser("helper", "");
    ASSERT_TRUE(bot.ok());

    auto promote = service_->UpdateUser(Admin(), guest, std::string("admin"), std::nullopt);
    ASSERT_FALSE(promote.ok());
    EXPECT_EQ(promote.error().api_code, "role_change_refused");
    for (const char* role : {"admin", "user", "guest"}) {
        auto r = service_->UpdateUser(Admin(), bot->id, std::string(role), std::nullopt);
        ASSERT_FALSE(r.ok()) << role;
        EXPECT_EQ(r.error().api_code, "role_change_refused");
    }
    EXPECT_FALSE(service_->UpdateUser(Admin(), user, std::string("bot"), std::nullopt).ok());
    EXPECT_FALSE(service_->CreateUser(Admin(), Spec("robot", std::string(kPassword), "", "bot")).ok());
    EXPECT_FALSE(service_->SetRoleUnchecked("guest", "admin").ok());
    EXPECT_FALSE(service_->ResetPassword(Admin(), bot->id, std::nullopt).ok());

    // A change to or from guest ends the account's sessions.
    auto session = MustLogin("guest");
    ASSERT_TRUE(service_->UpdateUser(Admin(), guest, std::string("user"), std::nullopt).ok());
    EXPECT_FALSE(service_->Authenticate(session.token).ok());
    EXPECT_TRUE(service_->UpdateUser(Admin(), guest, std::string("admin"), std::nullopt).ok());
}

TEST_F(AccountService, AGuestSeesItselfBotsAndItsPeersOnly) {
    Id guest_id = AddUser("guest", "guest");
    Id peer = AddUser("peer.zebra");
    Id stranger = AddUser("stranger.zebra");
    auto bot = service_->EnsureSystemUser("helper.zebra", "");
    ASSERT_TRUE(bot.ok());
    service_->AddPeerSource([&](storage::Tx&, Id viewer) {
        return viewer == guest_id ? std::vector<Id>{peer} : std::vector<Id>{};
    });
    User guest = service_->GetUser(guest_id).value();
    User user = service_->GetUser(stranger).value();

    EXPECT_TRUE(service_->GetUserAs(guest, peer).ok());
    EXPECT_TRUE(service_->GetUserAs(guest, guest_id).ok());
    EXPECT_TRUE(service_->GetUserAs(guest, bot->id).ok());
    auto hidden = service_->GetUserAs(guest, stranger);
    ASSERT_FALSE(hidden.ok());
    EXPECT_EQ(hidden.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(service_->GetUserAs(user, guest_id).ok());

    auto names = [](const std::vector<User>& users) {
        std::vector<std::string> out;
        for (const auto& u : users) out.push_back(u.username);
        return out;
    };
    EXPECT_EQ(names(service_->SearchUsersAs(guest, "zebra", 50).value()),
              (std::vector<std::string>{"helper.zebra", "peer.zebra"}));
    EXPECT_EQ(names(service_->SearchUsersAs(guest, "zebra", 1).value()),
              (std::vector<std::string>{"helper.zebra"}));
    EXPECT_EQ(service_->SearchUsersAs(user, "zebra", 50)->size(), 3u);

    auto visible = db_->Read([&](storage::Tx& tx) -> Result<std::vector<Id>> {
        return service_->VisibleTo(tx, guest_id, {peer, stranger, bot->id});
    });
    EXPECT_EQ(visible.value(), (std::vector<Id>{peer, bot->id}));
    auto all = db_->Read([&](storage::Tx& tx) -> Result<std::vector<Id>> {
        return service_->VisibleTo(tx, stranger, {peer, guest_id});
    });
    EXPECT_EQ(all.value(), (std::vector<Id>{peer, guest_id}));
}

TEST_F(AccountService, UserUpdatedNamesItsUserAsTheSubject) {
    Id alice = AddUser("alice");
    accounts::ProfileUpdate up;
    up.status_text = "here";
    ASSERT_TRUE(service_->UpdateProfile(alice, up).ok());
    ASSERT_TRUE(sink_.WaitForCount(1));
    EXPECT_EQ(sink_.Events()[0].subject_id, alice);
}

}  // namespace veche::unit
