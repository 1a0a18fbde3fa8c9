// The roles service (veche/roles/role_service.hpp) on SQLite and, with VECHE_TEST_STORAGE=postgresql,
// on PostgreSQL: administrators hold every permission, a grant confers its role's permissions (on its
// scope only, when scoped), an archived role confers nothing and cannot be granted, the last
// administrator keeps the role, a holder of roles.manage cannot give away what they do not hold,
// system roles follow the code, and every change is in the audit log.
#include "veche/roles/role_service.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_util.hpp"
#include "veche/audit/audit.hpp"

namespace veche {
namespace {

using roles::kAuditRead;
using roles::kJobsManage;
using roles::kRolesManage;
using roles::Role;
using roles::Scope;
using storage::Tx;

constexpr std::string_view kAgentPermissions[] = {"support.agent"};
constexpr platform::RoleSpec kSystemRoles[] = {
    {"support.agent", "Agent", "Answers conversations", kAgentPermissions},
};

std::vector<platform::PermissionSpec> Permissions() {
    return {{kAuditRead, "Read the audit log"},
            {kJobsManage, "Manage jobs"},
            {kRolesManage, "Manage roles"},
            {"support.agent", "Answer conversations"}};
}

class RoleService : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = test::OpenServiceDatabase(dir_.File("roles.db"), 2, {audit::Schema(), roles::Schema()});
        service_.emplace(*db_, Permissions(),
                         std::vector<platform::RoleSpec>(std::begin(kSystemRoles), std::end(kSystemRoles)));
        ASSERT_TRUE(service_->SyncSystemRoles().ok());
        admin_ = test::InsertUser(*db_, "root", "admin");
        user_ = test::InsertUser(*db_, "maria");
    }
    void TearDown() override {
        if (db_) db_->Stop();
    }

    bool Can(Id user, std::string_view permission, const Scope& scope = {}) {
        auto r = db_->Read([&](Tx& tx) { return service_->Can(tx, user, permission, scope); });
        EXPECT_TRUE(r.ok());
        return r.ok() && *r;
    }

    Role MustCreate(const std::string& name, std::vector<std::string> permissions, Id by = 0) {
        auto r =
            service_->CreateRole({by ? by : admin_, "192.0.2.1"}, {name, "Title " + name, "", permissions});
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? *r : Role{};
    }

    Role RoleNamed(std::string_view name) {
        auto all = service_->ListRoles(admin_, true);
        EXPECT_TRUE(all.ok());
        for (auto& r : *all)
            if (r.name == name) return r;
        ADD_FAILURE() << "no role " << name;
        return {};
    }

    std::vector<std::string> AuditActions() {
        audit::Filter f;
        f.limit = 1000;
        auto rows = audit::List(*db_, f);
        EXPECT_TRUE(rows.ok());
        std::vector<std::string> out;
        for (auto it = rows->rbegin(); it != rows->rend(); ++it) out.push_back(it->action);
        return out;
    }

    test::TempDir dir_;
    std::unique_ptr<storage::Database> db_;
    std::optional<roles::RoleService> service_;
    Id admin_ = 0;
    Id user_ = 0;
};

TEST_F(RoleService, AdministratorsHoldEveryPermissionAndPlainUsersNone) {
    EXPECT_TRUE(Can(admin_, kAuditRead));
    EXPECT_TRUE(Can(admin_, "support.agent", {"support_queue", 5}));
    EXPECT_FALSE(Can(user_, kAuditRead));
    auto st = db_->Read([&](Tx& tx) { return service_->Require(tx, user_, kAuditRead); });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::kForbidden);
    EXPECT_NE(st.error().message.find("audit.read"), std::string::npos);
    auto perms = service_->GlobalPermissionsOf(admin_);
    ASSERT_TRUE(perms.ok());
    EXPECT_EQ(perms->size(), 4u);
}

TEST_F(RoleService, GrantConfersTheRolePermissionsAndRevokeTakesThemBack) {
    Role auditor = MustCreate("auditor", {"audit.read"});
    ASSERT_TRUE(service_->GrantRole({admin_, ""}, user_, auditor.id).ok());
    EXPECT_TRUE(Can(user_, kAuditRead));
    EXPECT_FALSE(Can(user_, kJobsManage));
    EXPECT_EQ(service_->GlobalPermissionsOf(user_).value(), std::vector<std::string>{"audit.read"});
    auto again = service_->GrantRole({admin_, ""}, user_, auditor.id);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().api_code, "already_granted");

    ASSERT_TRUE(service_->RevokeRole({admin_, ""}, user_, auditor.id).ok());
    EXPECT_FALSE(Can(user_, kAuditRead));
    auto twice = service_->RevokeRole({admin_, ""}, user_, auditor.id);
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.error().api_code, "grant_not_found");
    EXPECT_EQ(AuditActions(), (std::vector<std::string>{"role.created", "role.granted", "role.revoked"}));
}

TEST_F(RoleService, ScopedGrantConfersOnlyOnItsScope) {
    Role agent = RoleNamed("support.agent");
    ASSERT_TRUE(service_->GrantRole({admin_, ""}, user_, agent.id, {"support_queue", 7}).ok());
    EXPECT_TRUE(Can(user_, "support.agent", {"support_queue", 7}));
    EXPECT_FALSE(Can(user_, "support.agent", {"support_queue", 8}));
    EXPECT_FALSE(Can(user_, "support.agent"));
    auto grants = service_->ListGrants(user_, user_);
    ASSERT_TRUE(grants.ok());
    ASSERT_EQ(grants->size(), 1u);
    EXPECT_EQ((*grants)[0].scope.kind, "support_queue");
    EXPECT_EQ((*grants)[0].scope.id, 7);
}

TEST_F(RoleService, ModulesGrantTheirSystemRolesInTheirOwnTransaction) {
    std::vector<roles::GrantsChange> told;
    service_->AddGrantsChangedHook([&told](Tx&, const roles::GrantsChange& c) -> Status {
        told.push_back(c);
        return {};
    });
    // No roles.manage needed: the module decided. A rolled-back job leaves no grant and no audit entry.
    auto failed = db_->Write([&](Tx& tx) -> Status {
        VECHE_RETURN_IF_ERROR(service_->GrantSystemRole(tx, user_, user_, "support.agent", {"support_queue", 3}));
        return Error::Conflict("later_step_failed", "a later step failed");
    });
    ASSERT_FALSE(failed.ok());
    EXPECT_FALSE(Can(user_, "support.agent", {"support_queue", 3}));
    EXPECT_TRUE(AuditActions().empty());

    auto granted = db_->Write([&](Tx& tx) { return service_->GrantSystemRole(tx, 0, user_, "support.agent", {"support_queue", 3}); });
    ASSERT_TRUE(granted.ok());
    EXPECT_TRUE(*granted);
    EXPECT_TRUE(Can(user_, "support.agent", {"support_queue", 3}));
    EXPECT_FALSE(Can(user_, "support.agent", {"support_queue", 4}));
    auto again = db_->Write([&](Tx& tx) { return service_->GrantSystemRole(tx, 0, user_, "support.agent", {"support_queue", 3}); });
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(*again);

    auto revoked = db_->Write([&](Tx& tx) { return service_->RevokeSystemRole(tx, admin_, user_, "support.agent", {"support_queue", 3}); });
    ASSERT_TRUE(revoked.ok());
    EXPECT_TRUE(*revoked);
    EXPECT_FALSE(Can(user_, "support.agent", {"support_queue", 3}));
    auto none = db_->Write([&](Tx& tx) { return service_->RevokeSystemRole(tx, admin_, user_, "support.agent", {"support_queue", 3}); });
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(*none);
    EXPECT_EQ(AuditActions(), (std::vector<std::string>{"role.granted", "role.revoked"}));
    // The grants-changed hooks hear of both, with the role's permissions (the rolled-back one too,
    // inside its own transaction, which then failed).
    ASSERT_EQ(told.size(), 3u);
    for (const auto& c : told) {
        EXPECT_EQ(c.user_id, user_);
        EXPECT_TRUE(c.Touches("support.agent"));
        EXPECT_FALSE(c.admin_changed);
    }

    // Only system roles, never admin.
    Role custom = MustCreate("auditor", {"audit.read"});
    auto not_system = db_->Write([&](Tx& tx) { return service_->GrantSystemRole(tx, 0, user_, custom.name); });
    ASSERT_FALSE(not_system.ok());
    EXPECT_EQ(not_system.error().api_code, "role_not_found");
    auto admin = db_->Write([&](Tx& tx) { return service_->GrantSystemRole(tx, 0, user_, "admin"); });
    ASSERT_FALSE(admin.ok());
    EXPECT_EQ(admin.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(RoleService, ArchivedRoleKeepsItsGrantsButConfersNothingAndCannotBeGranted) {
    Role auditor = MustCreate("auditor", {"audit.read"});
    ASSERT_TRUE(service_->GrantRole({admin_, ""}, user_, auditor.id).ok());
    auto archived = service_->ArchiveRole({admin_, ""}, auditor.id);
    ASSERT_TRUE(archived.ok());
    EXPECT_TRUE(archived->archived_at.has_value());
    EXPECT_FALSE(Can(user_, kAuditRead));
    auto grants = service_->ListGrants(admin_, user_);
    ASSERT_TRUE(grants.ok());
    ASSERT_EQ(grants->size(), 1u);
    EXPECT_TRUE((*grants)[0].role_archived);

    Id other = test::InsertUser(*db_, "ivan");
    auto g = service_->GrantRole({admin_, ""}, other, auditor.id);
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.error().api_code, "role_archived");
    auto listed = service_->ListRoles(admin_, false);
    ASSERT_TRUE(listed.ok());
    EXPECT_TRUE(
        std::none_of(listed->begin(), listed->end(), [](const Role& r) { return r.name == "auditor"; }));
}

TEST_F(RoleService, AdminRoleIsUsersRoleAndTheLastAdministratorKeepsIt) {
    Role admin = RoleNamed("admin");
    EXPECT_TRUE(admin.system);
    auto last = service_->RevokeRole({admin_, ""}, admin_, admin.id);
    ASSERT_FALSE(last.ok());
    EXPECT_EQ(last.error().api_code, "last_admin");
    EXPECT_EQ(last.error().code, ErrorCode::kConflict);

    ASSERT_TRUE(service_->GrantRole({admin_, ""}, user_, admin.id).ok());
    auto role = db_->Read([&](Tx& tx) {
        return Result<std::int64_t>(*tx.QueryInt("SELECT role = 'admin' FROM users WHERE id = ?", user_));
    });
    EXPECT_EQ(role.value(), 1);
    EXPECT_TRUE(Can(user_, kJobsManage));
    ASSERT_TRUE(service_->RevokeRole({user_, ""}, admin_, admin.id).ok());
    EXPECT_FALSE(Can(admin_, kJobsManage));
    auto now_last = service_->RevokeRole({user_, ""}, user_, admin.id);
    ASSERT_FALSE(now_last.ok());
    EXPECT_EQ(now_last.error().api_code, "last_admin");
}

TEST_F(RoleService, RolesManagersCannotGiveAwayWhatTheyDoNotHold) {
    Role manager = MustCreate("role-manager", {"roles.manage", "audit.read"});
    ASSERT_TRUE(service_->GrantRole({admin_, ""}, user_, manager.id).ok());
    // Within what they hold: fine.
    Role auditor = MustCreate("auditor", {"audit.read"}, user_);
    Id other = test::InsertUser(*db_, "ivan");
    EXPECT_TRUE(service_->GrantRole({user_, ""}, other, auditor.id).ok());
    // Beyond it: refused, and the admin role is the administrators' alone.
    auto jobs = service_->CreateRole({user_, ""}, {"jobs", "Jobs", "", {"jobs.manage"}});
    ASSERT_FALSE(jobs.ok());
    EXPECT_EQ(jobs.error().api_code, "permission_not_held");
    auto widen = service_->UpdateRole({user_, ""}, auditor.id,
                                      {std::nullopt, std::nullopt, std::vector<std::string>{"jobs.manage"}});
    ASSERT_FALSE(widen.ok());
    EXPECT_EQ(widen.error().code, ErrorCode::kForbidden);
    auto admin = service_->GrantRole({user_, ""}, user_, RoleNamed("admin").id);
    ASSERT_FALSE(admin.ok());
    EXPECT_EQ(admin.error().code, ErrorCode::kForbidden);
    // Without roles.manage: nothing.
    auto plain = service_->ListRoles(other, false);
    ASSERT_FALSE(plain.ok());
    EXPECT_EQ(plain.error().code, ErrorCode::kForbidden);
}

TEST_F(RoleService, RejectsBadInputAndProtectsSystemRoles) {
    auto unknown = service_->CreateRole({admin_, ""}, {"x", "X", "", {"no.such"}});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().api_code, "unknown_permission");
    for (std::string bad : {std::string(), std::string("Upper"), std::string("1st"),
                            std::string("with space"), std::string(65, 'a')}) {
        auto r = service_->CreateRole({admin_, ""}, {bad, "X", "", {}});
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    }
    auto reserved = service_->CreateRole({admin_, ""}, {"support.boss", "X", "", {}});
    ASSERT_FALSE(reserved.ok());
    EXPECT_EQ(reserved.error().api_code, "role_name_reserved");
    auto no_title = service_->CreateRole({admin_, ""}, {"x", "", "", {}});
    ASSERT_FALSE(no_title.ok());
    EXPECT_EQ(no_title.error().code, ErrorCode::kInvalidArgument);

    MustCreate("auditor", {"audit.read"});
    auto dup = service_->CreateRole({admin_, ""}, {"auditor", "Again", "", {}});
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().api_code, "role_name_taken");

    Role agent = RoleNamed("support.agent");
    EXPECT_EQ(agent.permissions, std::vector<std::string>{"support.agent"});
    auto edit =
        service_->UpdateRole({admin_, ""}, agent.id, {std::string("Boss"), std::nullopt, std::nullopt});
    ASSERT_FALSE(edit.ok());
    EXPECT_EQ(edit.error().api_code, "system_role");
    auto archive = service_->ArchiveRole({admin_, ""}, agent.id);
    ASSERT_FALSE(archive.ok());
    EXPECT_EQ(archive.error().api_code, "system_role");
    auto missing = service_->GrantRole({admin_, ""}, user_, 12345);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().api_code, "role_not_found");
    auto nobody = service_->GrantRole({admin_, ""}, 12345, agent.id);
    ASSERT_FALSE(nobody.ok());
    EXPECT_EQ(nobody.error().api_code, "user_not_found");
}

TEST_F(RoleService, UpdateChangesPermissionsAndSyncIsIdempotent) {
    Role r = MustCreate("ops", {"audit.read"});
    auto up = service_->UpdateRole({admin_, ""}, r.id,
                                   {std::string("Operations"), std::string("On call"),
                                    std::vector<std::string>{"jobs.manage", "audit.read", "jobs.manage"}});
    ASSERT_TRUE(up.ok()) << up.error().message;
    EXPECT_EQ(up->title, "Operations");
    EXPECT_EQ(up->permissions, (std::vector<std::string>{"audit.read", "jobs.manage"}));
    Id agent_id = RoleNamed("support.agent").id;
    ASSERT_TRUE(service_->SyncSystemRoles().ok());
    EXPECT_EQ(RoleNamed("support.agent").id, agent_id);
    EXPECT_EQ(AuditActions(), (std::vector<std::string>{"role.created", "role.updated"}));
}

TEST_F(RoleService, RefusesWiringMistakesAtStartUp) {
    constexpr std::string_view kUnknown[] = {"no.such"};
    const platform::RoleSpec bad_role[] = {{"support.boss", "Boss", "", kUnknown}};
    EXPECT_THROW(roles::RoleService(*db_, Permissions(), {std::begin(bad_role), std::end(bad_role)}),
                 std::logic_error);
    auto twice = Permissions();
    twice.push_back({kAuditRead, "again"});
    EXPECT_THROW(roles::RoleService(*db_, twice, {}), std::logic_error);
    const platform::RoleSpec admin_again[] = {{"admin", "Admin", "", {}}};
    EXPECT_THROW(roles::RoleService(*db_, Permissions(), {std::begin(admin_again), std::end(admin_again)}),
                 std::logic_error);
}

}  // namespace
}  // namespace veche
