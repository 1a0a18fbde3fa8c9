#include "veche/app/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "test_util.hpp"

namespace veche::app {
namespace {

using Env = std::map<std::string, std::string>;

class ConfigFile {
public:
    explicit ConfigFile(const std::string& text) : path_(dir_.File("veche.toml")) {
        std::ofstream(path_) << text;
    }
    const std::string& path() const { return path_; }

private:
    test::TempDir dir_;
    std::string path_;
};

const char* kFullFile = R"(
listen = "0.0.0.0:9000"
data = "/var/lib/veche"
web_dir = "/srv/web"
log_level = "debug"
workers = 8
io_threads = 3
node_id = 5

[login]
account_failures = 7
address_failures_per_minute = 40
)";

void ExpectInvalid(const Result<Config>& r, const std::string& mentions) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
}

}  // namespace

TEST(LoadConfig, DefaultsWithoutFileEnvironmentOrFlags) {
    auto c = LoadConfig(std::nullopt, {}, {});
    ASSERT_TRUE(c.ok());
    Config defaults;
    EXPECT_EQ(c->listen_host, "127.0.0.1");
    EXPECT_EQ(c->listen_port, 8080);
    EXPECT_EQ(c->data_dir, "./data");
    EXPECT_EQ(c->web_dir, "");
    EXPECT_EQ(c->log_level, "info");
    EXPECT_EQ(c->workers, defaults.workers);
    EXPECT_EQ(c->io_threads, defaults.io_threads);
    EXPECT_EQ(c->node_id, std::nullopt);
    EXPECT_EQ(c->login_account_failures, 5);
    EXPECT_EQ(c->login_address_failures_per_minute, 30);
}

TEST(LoadConfig, ReadsEveryValueFromTheTomlFile) {
    ConfigFile file(kFullFile);
    auto c = LoadConfig(file.path(), {}, {});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->listen_host, "0.0.0.0");
    EXPECT_EQ(c->listen_port, 9000);
    EXPECT_EQ(c->data_dir, "/var/lib/veche");
    EXPECT_EQ(c->web_dir, "/srv/web");
    EXPECT_EQ(c->log_level, "debug");
    EXPECT_EQ(c->workers, 8);
    EXPECT_EQ(c->io_threads, 3);
    EXPECT_EQ(c->node_id, 5);
    EXPECT_EQ(c->login_account_failures, 7);
    EXPECT_EQ(c->login_address_failures_per_minute, 40);
}

TEST(LoadConfig, FileNamedByVecheConfigIsUsedWhenNoFlagNamesOne) {
    ConfigFile file(kFullFile);
    auto c = LoadConfig(std::nullopt, Env{{"VECHE_CONFIG", file.path()}}, {});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->listen_port, 9000);

    ConfigFile other("workers = 2\n");
    auto flagged = LoadConfig(other.path(), Env{{"VECHE_CONFIG", file.path()}}, {});
    ASSERT_TRUE(flagged.ok());
    EXPECT_EQ(flagged->workers, 2);
    EXPECT_EQ(flagged->listen_port, 8080) << "the named file replaces VECHE_CONFIG, not merges with it";
}

TEST(LoadConfig, EnvironmentOverridesTheFile) {
    ConfigFile file(kFullFile);
    Env env{{"VECHE_LISTEN", "10.0.0.1:7000"},
            {"VECHE_DATA", "/data/env"},
            {"VECHE_WEB_DIR", "/web/env"},
            {"VECHE_LOG_LEVEL", "warn"},
            {"VECHE_WORKERS", "16"},
            {"VECHE_IO_THREADS", "4"},
            {"VECHE_LOGIN_ACCOUNT_FAILURES", "9"},
            {"VECHE_LOGIN_ADDRESS_FAILURES", "90"}};
    auto c = LoadConfig(file.path(), env, {});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->listen_host, "10.0.0.1");
    EXPECT_EQ(c->listen_port, 7000);
    EXPECT_EQ(c->data_dir, "/data/env");
    EXPECT_EQ(c->web_dir, "/web/env");
    EXPECT_EQ(c->log_level, "warn");
    EXPECT_EQ(c->workers, 16);
    EXPECT_EQ(c->io_threads, 4);
    EXPECT_EQ(c->login_account_failures, 9);
    EXPECT_EQ(c->login_address_failures_per_minute, 90);
    EXPECT_EQ(c->node_id, 5) << "values the environment does not name stay from the file";
}

TEST(LoadConfig, EmptyEnvironmentValuesAreIgnored) {
    ConfigFile file(kFullFile);
    auto c =
        LoadConfig(file.path(), Env{{"VECHE_LISTEN", ""}, {"VECHE_WORKERS", ""}, {"VECHE_DATA", ""}}, {});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->listen_port, 9000);
    EXPECT_EQ(c->workers, 8);
    EXPECT_EQ(c->data_dir, "/var/lib/veche");
}

TEST(LoadConfig, FlagsOverrideEnvironmentAndFile) {
    ConfigFile file(kFullFile);
    Env env{{"VECHE_LISTEN", "10.0.0.1:7000"},
            {"VECHE_DATA", "/data/env"},
            {"VECHE_LOG_LEVEL", "warn"},
            {"VECHE_WORKERS", "16"},
            {"VECHE_WEB_DIR", "/web/env"}};
    Overrides flags;
    flags.listen = "[::1]:6000";
    flags.data_dir = "/data/flag";
    flags.web_dir = "/web/flag";
    flags.log_level = "error";
    flags.workers = 32;
    auto c = LoadConfig(file.path(), env, flags);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->listen_host, "::1");
    EXPECT_EQ(c->listen_port, 6000);
    EXPECT_EQ(c->data_dir, "/data/flag");
    EXPECT_EQ(c->web_dir, "/web/flag");
    EXPECT_EQ(c->log_level, "error");
    EXPECT_EQ(c->workers, 32);
    EXPECT_EQ(c->io_threads, 3) << "from the file";

    Overrides partial;
    partial.workers = 12;
    auto p = LoadConfig(file.path(), env, partial);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->workers, 12);
    EXPECT_EQ(p->listen_port, 7000) << "unset flags do not override";
}

TEST(LoadConfig, InvalidListenIsAnErrorFromEverySource) {
    for (std::string bad :
         {"localhost", ":8080", "localhost:", "localhost:http", "localhost:65536", "host:-1", "host:80x"}) {
        SCOPED_TRACE(bad);
        ExpectInvalid(LoadConfig(std::nullopt, Env{{"VECHE_LISTEN", bad}}, {}), "listen");
        Overrides flags;
        flags.listen = bad;
        ExpectInvalid(LoadConfig(std::nullopt, {}, flags), "listen");
        ConfigFile file("listen = \"" + bad + "\"\n");
        ExpectInvalid(LoadConfig(file.path(), {}, {}), "listen");
    }
}

TEST(ParseListen, AcceptsHostsPortsAndBracketedIpv6) {
    std::string host = "unchanged";
    std::uint16_t port = 1;
    ASSERT_TRUE(ParseListen("example.org:443", host, port).ok());
    EXPECT_EQ(host, "example.org");
    EXPECT_EQ(port, 443);
    ASSERT_TRUE(ParseListen("[2001:db8::1]:8443", host, port).ok());
    EXPECT_EQ(host, "2001:db8::1");
    EXPECT_EQ(port, 8443);
    ASSERT_TRUE(ParseListen("0.0.0.0:0", host, port).ok());
    EXPECT_EQ(port, 0);
    // A failed parse leaves the previous values alone.
    EXPECT_FALSE(ParseListen("nope", host, port).ok());
    EXPECT_EQ(host, "0.0.0.0");
    EXPECT_EQ(port, 0);
}

TEST(LoadConfig, InvalidLogLevelIsAnError) {
    ExpectInvalid(LoadConfig(std::nullopt, Env{{"VECHE_LOG_LEVEL", "verbose"}}, {}), "log_level");
    ConfigFile file("log_level = \"INFO\"\n");
    ExpectInvalid(LoadConfig(file.path(), {}, {}), "log_level");
    Overrides flags;
    flags.log_level = "";
    ExpectInvalid(LoadConfig(std::nullopt, {}, flags), "log_level");
    for (std::string ok : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
        EXPECT_TRUE(LoadConfig(std::nullopt, Env{{"VECHE_LOG_LEVEL", ok}}, {}).ok()) << ok;
    }
}

TEST(LoadConfig, OutOfRangeNumbersAreErrors) {
    ExpectInvalid(LoadConfig(std::nullopt, Env{{"VECHE_WORKERS", "0"}}, {}), "VECHE_WORKERS");
    ExpectInvalid(LoadConfig(std::nullopt, Env{{"VECHE_WORKERS", "many"}}, {}), "VECHE_WORKERS");
    ExpectInvalid(LoadConfig(std::nullopt, Env{{"VECHE_WORKERS", "8 "}}, {}), "VECHE_WORKERS");
    ExpectInvalid(LoadConfig(std::nullopt, Env{{"VECHE_IO_THREADS", "257"}}, {}), "VECHE_IO_THREADS");
    ConfigFile file("workers = 0\n");
    ExpectInvalid(LoadConfig(file.path(), {}, {}), "workers");
    Overrides flags;
    flags.workers = 5000;
    ExpectInvalid(LoadConfig(std::nullopt, {}, flags), "workers");
    Overrides empty_data;
    empty_data.data_dir = "";
    ExpectInvalid(LoadConfig(std::nullopt, {}, empty_data), "data");
}

TEST(LoadConfig, BrokenOrMissingFileIsAnError) {
    ConfigFile broken("listen = \"unterminated\nworkers = \n");
    ExpectInvalid(LoadConfig(broken.path(), {}, {}), broken.path());
    test::TempDir dir;
    std::string missing = dir.File("missing.toml");
    ExpectInvalid(LoadConfig(missing, {}, {}), missing);
}

}  // namespace veche::app

namespace veche::app {
namespace {

TEST(LoadConfig, ClusterSettingsFromEverySourceAndTheirChecks) {
    Env env{{"VECHE_STORAGE", "postgresql://veche@db/veche"}, {"VECHE_BUS", "redis://r:6379"},
            {"VECHE_NODE_ID", "7"}};
    auto c = LoadConfig(std::nullopt, env, {});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->storage, "postgresql://veche@db/veche");
    EXPECT_EQ(c->bus, "redis://r:6379");
    EXPECT_EQ(c->node_id, 7);

    Overrides flags;
    flags.storage = "postgres://other/db";
    flags.bus = "redis://other:1";
    c = LoadConfig(std::nullopt, env, flags);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->storage, "postgres://other/db");
    EXPECT_EQ(c->bus, "redis://other:1");

    EXPECT_FALSE(LoadConfig(std::nullopt, Env{{"VECHE_STORAGE", "mysql://x"}}, {}).ok());
    EXPECT_FALSE(LoadConfig(std::nullopt, Env{{"VECHE_STORAGE", "postgresql://x"}, {"VECHE_BUS", "nats://x"}}, {}).ok());
    auto bus_alone = LoadConfig(std::nullopt, Env{{"VECHE_BUS", "redis://x:1"}}, {});
    ASSERT_FALSE(bus_alone.ok()) << "a bus without shared storage would deliver events nobody else can replay";
    EXPECT_NE(bus_alone.error().message.find("PostgreSQL"), std::string::npos);
    EXPECT_FALSE(LoadConfig(std::nullopt, Env{{"VECHE_NODE_ID", "1024"}}, {}).ok());
}

}  // namespace
}  // namespace veche::app

// Rate limits and trusted proxies (issue 10).
namespace veche::app {
namespace {

using ratelimit::Action;

TEST(LoadConfig, RateLimitsDefaultToTheDocumentedBuckets) {
    auto c = LoadConfig(std::nullopt, {}, {});
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c->rate_limits.enabled);
    EXPECT_EQ(c->rate_limits.rule(Action::kSend).per_second, 2);
    EXPECT_EQ(c->rate_limits.rule(Action::kSend).burst, 30);
    EXPECT_EQ(c->rate_limits.rule(Action::kLogin).burst, 30);
    EXPECT_TRUE(c->trusted_proxies.empty());
}

TEST(LoadConfig, RateLimitsFromTheFileAndTheEnvironment) {
    ConfigFile file(R"(
trusted_proxies = ["10.0.0.0/8", "::1"]
[rate_limits]
enabled = true
send = { per_second = 5, burst = 100 }
search = { burst = 7 }
[rate_limits.upload]
per_second = 0.5
burst = 3
)");
    auto c = LoadConfig(file.path(), {}, {});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->rate_limits.rule(Action::kSend).per_second, 5);
    EXPECT_EQ(c->rate_limits.rule(Action::kSend).burst, 100);
    EXPECT_EQ(c->rate_limits.rule(Action::kSearch).burst, 7);
    EXPECT_EQ(c->rate_limits.rule(Action::kSearch).per_second, 2) << "unnamed fields keep their default";
    EXPECT_EQ(c->rate_limits.rule(Action::kUpload).per_second, 0.5);
    EXPECT_EQ(c->rate_limits.rule(Action::kUpload).burst, 3);
    EXPECT_EQ(c->trusted_proxies, (std::vector<std::string>{"10.0.0.0/8", "::1"}));

    Env env{{"VECHE_RATE_LIMIT_SEND", "1000:5000"},
            {"VECHE_RATE_LIMIT_CREATE_CHAT", "0:0"},
            {"VECHE_RATE_LIMITS_ENABLED", "false"},
            {"VECHE_TRUSTED_PROXIES", "127.0.0.1, 192.168.0.0/16"}};
    auto e = LoadConfig(file.path(), env, {});
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_FALSE(e->rate_limits.enabled);
    EXPECT_EQ(e->rate_limits.rule(Action::kSend).per_second, 1000);
    EXPECT_EQ(e->rate_limits.rule(Action::kSend).burst, 5000);
    EXPECT_FALSE(e->rate_limits.rule(Action::kCreateChat).limited());
    EXPECT_EQ(e->rate_limits.rule(Action::kUpload).burst, 3) << "from the file";
    EXPECT_EQ(e->trusted_proxies, (std::vector<std::string>{"127.0.0.1", "192.168.0.0/16"}));
}

TEST(LoadConfig, BadRateLimitsAndProxiesAreErrors) {
    ExpectInvalid(LoadConfig(std::nullopt, Env{{"VECHE_RATE_LIMIT_SEND", "5"}}, {}), "VECHE_RATE_LIMIT_SEND");
    ExpectInvalid(LoadConfig(std::nullopt, Env{{"VECHE_RATE_LIMIT_SEND", "x:5"}}, {}), "VECHE_RATE_LIMIT_SEND");
    ExpectInvalid(LoadConfig(std::nullopt, Env{{"VECHE_RATE_LIMIT_SEND", "-1:5"}}, {}), "rate_limits.send");
    ExpectInvalid(LoadConfig(std::nullopt, Env{{"VECHE_RATE_LIMIT_SEND", "2:0.5"}}, {}), "rate_limits.send");
    ExpectInvalid(LoadConfig(std::nullopt, Env{{"VECHE_RATE_LIMITS_ENABLED", "maybe"}}, {}), "ENABLED");
    ExpectInvalid(LoadConfig(std::nullopt, Env{{"VECHE_TRUSTED_PROXIES", "10.0.0.1,nginx"}}, {}), "nginx");
    ConfigFile typo("[rate_limits]\nsned = { per_second = 1, burst = 1 }\n");
    ExpectInvalid(LoadConfig(typo.path(), {}, {}), "sned");
    ConfigFile field("[rate_limits]\nsend = { rate = 1 }\n");
    ExpectInvalid(LoadConfig(field.path(), {}, {}), "send.rate");
    ConfigFile not_table("[rate_limits]\nsend = 5\n");
    ExpectInvalid(LoadConfig(not_table.path(), {}, {}), "rate_limits.send");
    ConfigFile proxies("trusted_proxies = [\"10.0.0.0/33\"]\n");
    ExpectInvalid(LoadConfig(proxies.path(), {}, {}), "trusted_proxies");
}

}  // namespace
}  // namespace veche::app

namespace veche::app {
namespace {

TEST(LoadConfig, RetentionSettingsHaveDocumentedDefaults) {
    auto c = LoadConfig(std::nullopt, {}, {});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->upload_quota_mb, 10240);
    EXPECT_EQ(c->upload_orphan_max_age_seconds, 24 * 3600);
    EXPECT_EQ(c->event_retention_seconds, 30 * 24 * 3600);
    EXPECT_EQ(c->maintenance_interval_seconds, 300);
}

TEST(LoadConfig, RetentionInCoarseUnitsAndSecondsWinWhenBothAreGiven) {
    ConfigFile file(R"(
upload_quota_mb = 0
upload_orphan_max_age_hours = 2
event_retention_days = 7
event_retention_seconds = 90
maintenance_interval_seconds = 5
)");
    auto c = LoadConfig(file.path(), {}, {});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->upload_quota_mb, 0);
    EXPECT_EQ(c->upload_orphan_max_age_seconds, 7200);
    EXPECT_EQ(c->event_retention_seconds, 90);
    EXPECT_EQ(c->maintenance_interval_seconds, 5);

    auto e = LoadConfig(file.path(), {{"VECHE_EVENT_RETENTION_DAYS", "1"}, {"VECHE_UPLOAD_ORPHAN_MAX_AGE_SECONDS", "3"}}, {});
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(e->event_retention_seconds, 86400);
    EXPECT_EQ(e->upload_orphan_max_age_seconds, 3);
}

TEST(LoadConfig, RejectsNegativeRetentionAndAZeroInterval) {
    ConfigFile negative("event_retention_days = -1\n");
    EXPECT_FALSE(LoadConfig(negative.path(), {}, {}).ok());
    EXPECT_FALSE(LoadConfig(std::nullopt, {{"VECHE_MAINTENANCE_INTERVAL_SECONDS", "0"}}, {}).ok());
    EXPECT_FALSE(LoadConfig(std::nullopt, {{"VECHE_UPLOAD_QUOTA_MB", "lots"}}, {}).ok());
}

}  // namespace
}  // namespace veche::app
