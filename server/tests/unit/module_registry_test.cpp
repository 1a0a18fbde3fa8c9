// The registry orders modules by their dependencies, starts them in that order so that Find sees
// what earlier modules published, stops them in reverse, and refuses wiring mistakes at start-up.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "veche/api/router.hpp"
#include "veche/platform/module.hpp"
#include "veche/storage/database.hpp"

namespace veche::platform {
namespace {

struct Greeter {
    std::string greeting;
};

constexpr storage::ModuleMigration kGreeterSchema[] = {
    {1, "create greetings", "CREATE TABLE greeter_lines (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",
     "CREATE TABLE greeter_lines (id BIGINT PRIMARY KEY, text TEXT NOT NULL)"},
};

// A module that records what happened to it, publishes a Greeter when asked, and may use one.
class FakeModule : public Module {
public:
    FakeModule(std::string name, std::vector<std::string_view> deps, std::vector<std::string>& log,
               bool publishes = false, bool uses = false)
        : name_(std::move(name)), deps_(std::move(deps)), log_(log), publishes_(publishes), uses_(uses) {}
    std::string_view name() const override { return name_; }
    std::vector<std::string_view> depends_on() const override { return deps_; }
    std::span<const storage::ModuleMigration> migrations() const override {
        return publishes_ ? std::span<const storage::ModuleMigration>(kGreeterSchema)
                          : std::span<const storage::ModuleMigration>();
    }
    void Start(ModuleContext& ctx) override {
        log_.push_back("start " + name_);
        if (publishes_) ctx.Publish(greeter_);
        if (uses_) log_.push_back(name_ + " found " + ctx.Find<Greeter>().greeting);
    }
    void AddRoutes(api::Router& router) override {
        router.Add("GET", "/api/v1/" + name_ + "/hello", [](api::Request&) { return api::Response{}; });
    }
    void Stop() override { log_.push_back("stop " + name_); }

private:
    std::string name_;
    std::vector<std::string_view> deps_;
    std::vector<std::string>& log_;
    bool publishes_, uses_;
    Greeter greeter_{"привет"};
};

TEST(ModuleRegistry, StartsDependenciesFirstAndStopsInReverse) {
    std::vector<std::string> log;
    std::vector<std::unique_ptr<Module>> list;
    list.push_back(std::make_unique<FakeModule>("support", std::vector<std::string_view>{"chat", "greeter"}, log,
                                                false, true));
    list.push_back(std::make_unique<FakeModule>("chat", std::vector<std::string_view>{"greeter"}, log));
    list.push_back(std::make_unique<FakeModule>("greeter", std::vector<std::string_view>{}, log, true));
    ModuleRegistry registry(std::move(list));
    EXPECT_EQ(registry.Names(), (std::vector<std::string_view>{"greeter", "chat", "support"}));

    test::TempDir dir;
    storage::DatabaseOptions o;
    o.path = dir.File("registry.db");
    o.readers = 1;
    o.modules = registry.Schemas();
    ASSERT_EQ(o.modules.size(), 1u);
    EXPECT_EQ(o.modules[0].module, "greeter");
    auto db = storage::OpenSqlite(o);
    ModuleContext ctx(*db);
    registry.Start(ctx);
    api::Router router;
    registry.AddRoutes(router);
    ASSERT_EQ(router.Routes().size(), 3u);
    EXPECT_EQ(router.Routes()[0].pattern, "/api/v1/greeter/hello");
    registry.Stop();
    registry.Stop();  // once only
    EXPECT_EQ(log, (std::vector<std::string>{"start greeter", "start chat", "start support", "support found привет",
                                             "stop support", "stop chat", "stop greeter"}));
    // The module's table exists: its migrations went to the database.
    auto n = db->Read([](storage::Tx& tx) -> Result<std::int64_t> {
        return tx.QueryInt("SELECT COUNT(*) FROM greeter_lines").value_or(-1);
    });
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0);
    db->Stop();
}

TEST(ModuleRegistry, RefusesDuplicatesUnknownDependenciesAndCircles) {
    std::vector<std::string> log;
    auto make = [&](std::vector<std::pair<std::string, std::vector<std::string_view>>> spec) {
        std::vector<std::unique_ptr<Module>> list;
        for (auto& [name, deps] : spec) list.push_back(std::make_unique<FakeModule>(name, deps, log));
        return list;
    };
    EXPECT_THROW(ModuleRegistry(make({{"chat", {}}, {"chat", {}}})), std::logic_error);
    EXPECT_THROW(ModuleRegistry(make({{"support", {"chat"}}})), std::logic_error);
    EXPECT_THROW(ModuleRegistry(make({{"a", {"b"}}, {"b", {"c"}}, {"c", {"a"}}})), std::logic_error);
    EXPECT_TRUE(log.empty()) << "nothing starts when the wiring is wrong";
}

// A module declaring what it checks and the roles it ships, under its own name or not.
class DeclaringModule : public Module {
public:
    explicit DeclaringModule(std::string_view permission) : permissions_{{{permission, "Answer"}}} {}
    std::string_view name() const override { return "support"; }
    std::span<const PermissionSpec> permissions() const override { return permissions_; }
    std::span<const RoleSpec> roles() const override { return roles_; }
    void Start(ModuleContext&) override {}

private:
    static constexpr std::string_view kAgent[] = {"support.agent"};
    std::vector<PermissionSpec> permissions_;
    std::vector<RoleSpec> roles_{{"support.agent", "Agent", "", kAgent}};
};

TEST(ModuleRegistry, CollectsPermissionsAndRolesUnderTheModulesPrefix) {
    std::vector<std::unique_ptr<Module>> ok;
    ok.push_back(std::make_unique<DeclaringModule>("support.agent"));
    ModuleRegistry registry(std::move(ok));
    ASSERT_EQ(registry.Permissions().size(), 1u);
    EXPECT_EQ(registry.Permissions()[0].name, "support.agent");
    ASSERT_EQ(registry.Roles().size(), 1u);
    EXPECT_EQ(registry.Roles()[0].permissions.size(), 1u);

    std::vector<std::unique_ptr<Module>> bad;
    bad.push_back(std::make_unique<DeclaringModule>("audit.read"));  // another's name
    ModuleRegistry wrong(std::move(bad));
    EXPECT_THROW(wrong.Permissions(), std::logic_error);
}

TEST(ModuleContext, FindOfSomethingNobodyPublishedIsAWiringErrorAtStartUp) {
    test::TempDir dir;
    auto db = test::OpenTestDatabase(dir.File("ctx.db"), 1);
    ModuleContext ctx(*db);
    EXPECT_FALSE(ctx.Has<Greeter>());
    EXPECT_THROW(ctx.Find<Greeter>(), std::logic_error);
    Greeter g{"hi"}, other{"again"};
    ctx.Publish(g);
    EXPECT_EQ(&ctx.Find<Greeter>(), &g);
    EXPECT_THROW(ctx.Publish(other), std::logic_error);
    db->Stop();
}

}  // namespace
}  // namespace veche::platform
