// Wires the components together; all logic lives in the libraries that the tests link too.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "veche/accounts/account_service.hpp"
#include "veche/api/kit.hpp"
#include "veche/api/router.hpp"
#include "veche/api/uploads.hpp"
#include "veche/app/assembly.hpp"
#include "veche/app/config.hpp"
#include "veche/app/modules.hpp"
#include "veche/audit/audit.hpp"
#include "veche/bus/cluster_bus.hpp"
#include "veche/bus/redis_rate_limiter.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/crypto.hpp"
#include "veche/core/ids.hpp"
#include "veche/files/file_store.hpp"
#include "veche/http/server.hpp"
#include "veche/maintenance/janitor.hpp"
#include "veche/platform/module.hpp"
#include "veche/ratelimit/rate_limiter.hpp"
#include "veche/realtime/hub.hpp"
#include "veche/signing/signing_service.hpp"
#include "veche/storage/database.hpp"
#ifdef VECHE_FIXTURE_MODULES
#include "veche/fixture_bot/module.hpp"
#endif

namespace {

using namespace veche;

// The modules this binary serves: app::AllModules, and in the integration tests' build of this file
// (veche_test_server, server/tests/CMakeLists.txt) the fixture modules after them.
std::vector<std::unique_ptr<platform::Module>> ServedModules(const app::Config& cfg) {
    auto modules = app::AllModules(cfg);
#ifdef VECHE_FIXTURE_MODULES
    modules.push_back(fixture_bot::MakeModule());
#endif
    return modules;
}

void SetupLogging(const std::string& level) {
    auto logger = spdlog::stderr_color_mt("veche");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z level=%l thread=%t %v");
}

// Many idle WebSockets need many descriptors: take what the hard limit allows.
void RaiseOpenFilesLimit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    rlim_t before = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) rl.rlim_cur = before;
    }
    spdlog::info("open files limit: soft {} -> {}, hard {}", before, rl.rlim_cur, rl.rlim_max);
}

std::string DatabasePath(const std::string& data_dir) {
    std::filesystem::create_directories(data_dir);
    return (std::filesystem::path(data_dir) / "veche.db").string();
}

// A URL for logs: the password, if any, is replaced by ***.
std::string RedactUrl(const std::string& url) {
    auto scheme = url.find("://");
    auto at = url.find('@');
    if (scheme == std::string::npos || at == std::string::npos) return url;
    auto colon = url.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon + 1) + "***" + url.substr(at);
}

// Opens the configured storage and sets this process's node id for snowflake ids (before any id
// is made): from the configuration, or, with PostgreSQL, the next free one from the database.
// The modules' own migrations are applied with the baseline's (storage/migration.hpp).
std::unique_ptr<storage::Database> OpenStorage(const app::Config& cfg, int readers,
                                               std::vector<storage::ModuleSchema> schemas) {
    if (storage::IsPostgresUrl(cfg.storage)) {
        storage::PostgresOptions po;
        po.url = cfg.storage;
        po.readers = readers;
        po.modules = std::move(schemas);
        auto db = storage::OpenPostgres(po);
        int node = cfg.node_id ? *cfg.node_id : storage::ClaimPostgresNodeId(cfg.storage);
        SetGlobalNodeId(node);
        spdlog::info("storage: postgresql {} (schema v{}), node id {}", RedactUrl(cfg.storage),
                     storage::LatestSchemaVersion(), node);
        return db;
    }
    SetGlobalNodeId(cfg.node_id.value_or(0));
    storage::DatabaseOptions dbo;
    dbo.path = DatabasePath(cfg.data_dir);
    dbo.readers = readers;
    dbo.modules = std::move(schemas);
    auto db = storage::OpenSqlite(dbo);
    spdlog::info("storage: sqlite {} (schema v{})", dbo.path, storage::LatestSchemaVersion());
    return db;
}

// Every migration list (the job queue's, then the modules'), without starting anything.
std::vector<storage::ModuleSchema> ModuleSchemas(const app::Config& cfg) {
    return app::Assembly(cfg, ServedModules(cfg)).Schemas();
}

std::string Join(const std::vector<std::string_view>& parts) {
    std::string out;
    for (auto p : parts) out += (out.empty() ? "" : ", ") + std::string(p);
    return out;
}

int Serve(const app::Config& cfg) {
    RaiseOpenFilesLimit();
    app::Assembly modules(cfg, ServedModules(cfg));
    auto db = OpenStorage(cfg, 4, modules.Schemas());
    spdlog::info("modules: {}", Join(modules.Names()));

    // Rate limits: shared through Redis in cluster mode (each node falls back to its own buckets
    // while Redis is away), in this process otherwise.
    std::unique_ptr<ratelimit::RateLimiter> limiter;
    if (!cfg.bus.empty()) {
        bus::RedisRateLimiterOptions ro;
        ro.redis = bus::ParseRedisUrl(cfg.bus).value();  // validated by LoadConfig
        limiter = std::make_unique<bus::RedisRateLimiter>(ro, cfg.rate_limits);
    } else {
        limiter = std::make_unique<ratelimit::LocalRateLimiter>(cfg.rate_limits);
    }
    spdlog::info("rate limits: {}{}", cfg.rate_limits.enabled ? "on" : "off",
                 cfg.rate_limits.enabled && !cfg.bus.empty() ? " (shared through Redis)" : "");

    // What the platform gives every module before they start; the accounts module fills in the
    // kit's authenticator.
    api::HttpKit kit;
    if (!cfg.public_url.empty()) {
        kit.allowed_origins.push_back(app::OriginOf(cfg.public_url).value());
        kit.secure_cookie = cfg.public_url.rfind("https://", 0) == 0;
    }
    for (const auto& o : cfg.allowed_origins) kit.allowed_origins.push_back(o);
    kit.limiter = limiter.get();
    files::FileStore file_store((std::filesystem::path(cfg.data_dir) / "files").string());
    modules.Start(*db, kit, file_store);

    auto& accounts = modules.context().Find<accounts::AccountService>();
    auto& chats = modules.context().Find<chat::ChatService>();
    realtime::Hub hub(*db);
    modules.AddRealtime(hub);
    std::unique_ptr<bus::ClusterBus> cluster;
    if (!cfg.bus.empty()) {
        auto redis = bus::ParseRedisUrl(cfg.bus);
        if (!redis.ok()) throw std::runtime_error(redis.error().message);
        bus::BusOptions bo;
        bo.redis = *redis;
        bo.node_id = GlobalNodeId();
        cluster = std::make_unique<bus::ClusterBus>(bo, *db, hub);
        hub.SetRelay(cluster.get());
        // Before the sink is set: the bus must know where the hub's view of the log ends.
        cluster->Start(hub.LastPublished());
        db->SetEventSink(cluster.get());
        spdlog::info("bus: redis {}:{} (node {})", bo.redis.host, bo.redis.port, bo.node_id);
    } else {
        db->SetEventSink(&hub);
    }

    std::optional<std::string> bootstrap_pw;
    if (const char* pw = std::getenv("VECHE_BOOTSTRAP_ADMIN_PASSWORD"); pw && *pw) bootstrap_pw = pw;
    auto created = accounts.Bootstrap(bootstrap_pw);
    if (!created.ok())
        throw std::runtime_error("cannot create the first administrator: " + created.error().message);
    if (created->has_value()) {
        std::printf("veche: first run: created administrator \"admin\" with one-time password: %s\n",
                    (**created).c_str());
        std::printf("veche: log in and change it (POST /api/v1/users/me/password)\n");
        std::fflush(stdout);
    }

    maintenance::JanitorOptions jo;
    jo.interval = std::chrono::seconds(cfg.maintenance_interval_seconds);
    jo.orphan_max_age = std::chrono::seconds(cfg.upload_orphan_max_age_seconds);
    jo.event_retention = std::chrono::seconds(cfg.event_retention_seconds);
    maintenance::Janitor janitor(jo, *db, chats, file_store);
    api::Router router;
    std::function<bool()> bus_ready;
    if (cluster) bus_ready = [&cluster] { return cluster->RedisConnected(); };
    app::AddSystemRoutes(router, *db, bus_ready);
    modules.AddRoutes(router);
    api::UploadRegistry uploads;
    modules.AddUploads(uploads);

    http::ServerOptions so;
    so.host = cfg.listen_host;
    so.port = cfg.listen_port;
    so.io_threads = cfg.io_threads;
    so.worker_threads = cfg.workers;
    so.static_dir = cfg.web_dir;
    so.ws_queue_max_bytes = static_cast<std::size_t>(cfg.ws_queue_max_kb) << 10;
    so.ws_hello_timeout = std::chrono::milliseconds(cfg.ws_hello_timeout_ms);
    so.ws_ping_after = std::chrono::milliseconds(cfg.ws_ping_after_ms);
    so.ws_idle_timeout = std::chrono::milliseconds(cfg.ws_idle_timeout_ms);
    auto proxies = net::TrustedProxies::Parse(cfg.trusted_proxies);
    if (!proxies.ok()) throw std::runtime_error(proxies.error().message);
    so.trusted_proxies = *proxies;
    if (!so.trusted_proxies.empty()) {
        std::string list;
        for (const auto& p : cfg.trusted_proxies) list += (list.empty() ? "" : ", ") + p;
        spdlog::info("trusted proxies: {} (their X-Forwarded-For / X-Real-IP name the client)", list);
    }
    if (!so.static_dir.empty() &&
        !std::filesystem::exists(std::filesystem::path(so.static_dir) / "index.html")) {
        spdlog::warn("web client not found in {}; serving the API only", so.static_dir);
        so.static_dir.clear();
    }
    http::Server server(so, router, {kit, uploads, hub, *db, file_store});
    std::uint16_t port = server.Bind();
    std::string host = so.host.find(':') != std::string::npos ? "[" + so.host + "]" : so.host;
    std::printf("veche: listening on http://%s:%u\n", host.c_str(), port);
    std::fflush(stdout);
    spdlog::info("listening on {}:{} (io threads {}, workers {})", so.host, port, so.io_threads,
                 so.worker_threads);
    janitor.Start();
    modules.StartJobs();
    server.Run();
    modules.jobs().Stop();  // the handler under way finishes and records its run
    janitor.Stop();         // before the writer stops: a batch in progress commits
    db->Stop();             // commits what is queued; its events still reach the bus
    if (cluster) cluster->Stop();
    hub.Stop();
    modules.Stop();
    spdlog::info("stopped cleanly");
    return 0;
}

int CopyToPostgres(const app::Config& cfg, const std::string& from, const std::string& to) {
    namespace fs = std::filesystem;
    if (from.empty() || !storage::IsPostgresUrl(to)) {
        std::fprintf(stderr, "veche: migrate needs --from <SQLite data directory> and --to postgresql://…\n");
        return 2;
    }
    auto db_path = fs::path(from) / "veche.db";
    if (!fs::exists(db_path)) {
        std::fprintf(stderr, "veche: no database in %s\n", from.c_str());
        return 1;
    }
    std::printf("%-20s %12s %12s\n", "table", "sqlite", "postgresql");
    bool all_equal = true;
    auto copies = storage::CopySqliteToPostgres(
        db_path.string(), to, ModuleSchemas(cfg), [&](const storage::TableCopy& c) {
            bool equal = c.source_rows == c.target_rows;
            all_equal = all_equal && equal;
            std::printf("%-20s %12lld %12lld%s\n", c.table.c_str(), static_cast<long long>(c.source_rows),
                        static_cast<long long>(c.target_rows), equal ? "" : "  MISMATCH");
            std::fflush(stdout);
        });
    if (!all_equal) {
        std::fprintf(stderr, "veche: row counts differ; do not switch to the new database\n");
        return 1;
    }
    std::printf(
        "copied %zu tables; counts verified. Files stay in %s/files: give every node that directory "
        "(docs/operations.md).\n",
        copies.size(), from.c_str());
    return 0;
}

struct AdminDb {
    std::unique_ptr<storage::Database> db;
    std::unique_ptr<accounts::AccountService> accounts;
};

AdminDb OpenForAdmin(const app::Config& cfg) {
    AdminDb a;
    a.db = OpenStorage(cfg, 1, ModuleSchemas(cfg));
    a.accounts = std::make_unique<accounts::AccountService>(*a.db);
    return a;
}

// The database first, then the files: files are immutable once stored, so every file the copied
// database names is already on disk when the file tree is copied after it.
int Backup(const std::string& data_dir, const std::string& to) {
    namespace fs = std::filesystem;
    if (fs::exists(to)) {
        std::fprintf(stderr, "veche: %s already exists\n", to.c_str());
        return 1;
    }
    std::string db_path = (fs::path(data_dir) / "veche.db").string();
    if (!fs::exists(db_path)) {
        std::fprintf(stderr, "veche: no database in %s\n", data_dir.c_str());
        return 1;
    }
    fs::create_directories(to);
    storage::BackupSqlite(db_path, (fs::path(to) / "veche.db").string());
    fs::path files = fs::path(data_dir) / "files";
    std::uintmax_t copied = 0;
    if (fs::exists(files)) {
        for (const auto& e : fs::recursive_directory_iterator(files)) {
            auto rel = fs::relative(e.path(), files);
            if (*rel.begin() == "tmp") continue;
            fs::path target = fs::path(to) / "files" / rel;
            if (e.is_directory()) {
                fs::create_directories(target);
            } else if (e.is_regular_file()) {
                fs::create_directories(target.parent_path());
                fs::copy_file(e.path(), target, fs::copy_options::skip_existing);
                ++copied;
            }
        }
    }
    std::printf("backup of %s written to %s (%ju files)\n", data_dir.c_str(), to.c_str(), copied);
    return 0;
}

int Restore(const app::Config& cfg, const std::string& from, const std::string& data_dir) {
    namespace fs = std::filesystem;
    if (!fs::exists(fs::path(from) / "veche.db")) {
        std::fprintf(stderr, "veche: %s is not a backup (no veche.db)\n", from.c_str());
        return 1;
    }
    if (fs::exists(fs::path(data_dir) / "veche.db")) {
        std::fprintf(stderr, "veche: %s already holds a database; restore into an empty directory\n",
                     data_dir.c_str());
        return 1;
    }
    fs::create_directories(data_dir);
    fs::copy_file(fs::path(from) / "veche.db", fs::path(data_dir) / "veche.db");
    if (fs::exists(fs::path(from) / "files"))
        fs::copy(fs::path(from) / "files", fs::path(data_dir) / "files", fs::copy_options::recursive);
    // Bring an older backup's schema up to date now rather than at the next start.
    std::string db_path = (fs::path(data_dir) / "veche.db").string();
    storage::MigrateSqlite(db_path, storage::LatestSchemaVersion(), ModuleSchemas(cfg));
    std::printf("restored %s into %s (schema v%d)\n", from.c_str(), data_dir.c_str(),
                storage::SqliteSchemaVersion(db_path));
    return 0;
}

// The HTTP API this binary serves, one "METHOD /pattern" line per route of the router, then the
// two the transport takes before the router: the streamed upload and the WebSocket upgrade. The
// services are built over a throwaway SQLite database, because registering a route calls none of
// them. The suite calls every line (server/tests/integration/test_route_sweep.py), so a route
// added without its checks fails there.
int PrintRoutes(const app::Config& cfg) {
    namespace fs = std::filesystem;
    std::string tmpl = (fs::temp_directory_path() / "veche-routes-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
    fs::path dir = tmpl;
    {
        app::Assembly modules(cfg, ServedModules(cfg));
        storage::DatabaseOptions dbo;
        dbo.path = (dir / "veche.db").string();
        dbo.readers = 1;
        dbo.modules = modules.Schemas();
        auto db = storage::OpenSqlite(dbo);
        api::HttpKit kit;
        files::FileStore file_store((dir / "files").string());
        modules.Start(*db, kit, file_store);
        api::Router router;
        app::AddSystemRoutes(router, *db, {});
        modules.AddRoutes(router);
        api::UploadRegistry uploads;
        modules.AddUploads(uploads);
        for (const auto& r : router.Routes()) std::printf("%s %s\n", r.method.c_str(), r.pattern.c_str());
        for (const auto* u : uploads.handlers()) std::printf("UPLOAD %s\n", u->pattern().c_str());
        std::printf("WEBSOCKET /api/v1/ws\n");
        modules.Stop();
        db->Stop();
    }
    fs::remove_all(dir);
    return 0;
}

int Fail(const veche::Error& e) {
    std::fprintf(stderr, "veche: %s\n", e.message.c_str());
    return 1;
}

// `veche audit verify`: 0 when every row of the chain verifies, 1 naming the first that does not.
int VerifyAudit(const app::Config& cfg) {
    auto db = OpenStorage(cfg, 1, ModuleSchemas(cfg));
    auto v = audit::Verify(*db);
    db->Stop();
    if (!v.ok()) return Fail(v.error());
    if (v->ok) {
        std::printf("audit log verified: %lld rows, head %s\n", static_cast<long long>(v->rows),
                    v->head_hash.c_str());
        return 0;
    }
    std::printf("audit log TAMPERED at row %s: %s\n", IdToString(v->broken_id.value_or(0)).c_str(),
                v->reason.c_str());
    return 1;
}

// `veche signing rotate-key`: retires the active key (still published, so what it signed still
// verifies) and creates the next one, which every node signs with from its next signature on.
int RotateSigningKey(const app::Config& cfg) {
    auto db = OpenStorage(cfg, 1, ModuleSchemas(cfg));
    signing::SigningService service(*db);
    auto key = service.RotateKey();
    db->Stop();
    if (!key.ok()) return Fail(key.error());
    std::printf("signing key rotated: the active key is now %s\n", key->key_id.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"Veche: a self-hosted communication platform"};
    cli.require_subcommand(1);
    std::optional<std::string> config_file;
    app::Overrides flags;

    auto* serve = cli.add_subcommand("serve", "Run the server");
    serve->add_option("--config", config_file, "TOML configuration file (also VECHE_CONFIG)");
    serve->add_option("--listen", flags.listen,
                      "HOST:PORT to listen on (default 127.0.0.1:8080; VECHE_LISTEN)");
    serve->add_option("--data", flags.data_dir, "Data directory (default ./data; VECHE_DATA)");
    serve->add_option("--web", flags.web_dir, "Directory of the built web client (VECHE_WEB_DIR)");
    serve->add_option("--log-level", flags.log_level, "trace|debug|info|warn|error (VECHE_LOG_LEVEL)");
    serve->add_option("--workers", flags.workers, "Worker threads for request handlers (VECHE_WORKERS)");
    serve->add_option(
        "--storage", flags.storage,
        "postgresql://… to store in PostgreSQL (cluster mode); default SQLite in the data directory "
        "(VECHE_STORAGE)");
    serve->add_option("--bus", flags.bus, "redis://host:port to share events between nodes (VECHE_BUS)");

    auto* admin = cli.add_subcommand("admin", "Administer users directly in the database");
    admin->require_subcommand(1);
    admin->add_option("--config", config_file, "TOML configuration file");
    admin->add_option("--data", flags.data_dir, "Data directory (default ./data)");
    admin->add_option("--storage", flags.storage, "postgresql://… when the server stores in PostgreSQL");
    std::string username, role = "user", display_name;
    std::optional<std::string> password;
    auto* create_user = admin->add_subcommand("create-user", "Create a user");
    create_user->add_option("username", username, "Login name")->required();
    create_user->add_option("--password", password, "Password (generated and printed when omitted)");
    create_user->add_option("--role", role, "admin, user or guest")
        ->check(CLI::IsMember({"admin", "user", "guest"}));
    create_user->add_option("--display-name", display_name, "Display name");
    auto* reset_pw = admin->add_subcommand("reset-password", "Set a new password; the user must change it");
    reset_pw->add_option("username", username, "Login name")->required();
    reset_pw->add_option("--password", password, "New password (generated and printed when omitted)");
    auto* set_role = admin->add_subcommand("set-role", "Make a user admin, user or guest");
    set_role->add_option("username", username, "Login name")->required();
    set_role->add_option("role", role, "admin, user or guest")
        ->required()
        ->check(CLI::IsMember({"admin", "user", "guest"}));

    auto* ensure_bot = admin->add_subcommand(
        "ensure-bot", "Create a system (bot) account if it does not exist: it never logs in");
    ensure_bot->add_option("username", username, "Login name")->required();
    ensure_bot->add_option("--display-name", display_name, "Display name");

    auto* audit_cmd = cli.add_subcommand("audit", "Check the audit log");
    audit_cmd->require_subcommand(1);
    audit_cmd->add_option("--config", config_file, "TOML configuration file");
    audit_cmd->add_option("--data", flags.data_dir, "Data directory (default ./data)");
    audit_cmd->add_option("--storage", flags.storage, "postgresql://… when the server stores in PostgreSQL");
    auto* audit_verify = audit_cmd->add_subcommand(
        "verify", "Walk the hash chain; exit 1 naming the first row that was changed or removed");

    auto* signing_cmd = cli.add_subcommand("signing", "Manage the server's signing keys");
    signing_cmd->require_subcommand(1);
    signing_cmd->add_option("--config", config_file, "TOML configuration file");
    signing_cmd->add_option("--data", flags.data_dir, "Data directory (default ./data)");
    signing_cmd->add_option("--storage", flags.storage, "postgresql://… when the server stores in PostgreSQL");
    auto* rotate_key = signing_cmd->add_subcommand(
        "rotate-key", "Retire the active signing key (it stays published) and create a new one");

    auto* migrate =
        cli.add_subcommand("migrate", "Apply pending schema migrations and print the schema version");
    migrate->add_option("--data", flags.data_dir, "Data directory (default ./data)");
    migrate->add_option("--storage", flags.storage,
                        "postgresql://… to migrate a PostgreSQL database instead");
    std::string migrate_from, migrate_to;
    migrate->add_option("--from", migrate_from, "Copy this SQLite data directory (server stopped) …");
    migrate->add_option("--to", migrate_to, "… into this empty PostgreSQL database (postgresql://…)");
    std::string backup_dir;
    auto* backup =
        cli.add_subcommand("backup", "Copy the database and files of a (running) server to a directory");
    backup->add_option("--data", flags.data_dir, "Data directory (default ./data)");
    backup->add_option("--to", backup_dir, "Backup directory (must not exist)")->required();
    auto* restore =
        cli.add_subcommand("restore", "Restore a backup into an empty data directory (server stopped)");
    restore->add_option("--data", flags.data_dir, "Data directory to create (default ./data)");
    restore->add_option("--from", backup_dir, "Backup directory made by `veche backup`")->required();
    auto* version = cli.add_subcommand("version", "Print the version");
    auto* routes = cli.add_subcommand("routes", "Print every HTTP route this binary serves, one per line");

    CLI11_PARSE(cli, argc, argv);

    try {
        crypto::InitCrypto();
        auto cfg = app::LoadConfig(config_file, app::ProcessEnvironment(), flags);
        if (!cfg.ok()) return Fail(cfg.error());
        if (version->parsed()) {
            std::printf("veche 0.1.0\n");
            return 0;
        }
        if (serve->parsed()) {
            SetupLogging(cfg->log_level);
            return Serve(*cfg);
        }
        spdlog::set_level(spdlog::level::warn);
        if (routes->parsed()) return PrintRoutes(*cfg);
        if (audit_verify->parsed()) return VerifyAudit(*cfg);
        if (rotate_key->parsed()) return RotateSigningKey(*cfg);
        if (migrate->parsed() && (!migrate_from.empty() || !migrate_to.empty())) {
            return CopyToPostgres(*cfg, migrate_from, migrate_to);
        }
        if (migrate->parsed() && storage::IsPostgresUrl(cfg->storage)) {
            storage::MigratePostgres(cfg->storage, storage::LatestSchemaVersion(), ModuleSchemas(*cfg));
            std::printf("schema version %d\n", storage::PostgresSchemaVersion(cfg->storage));
            for (const auto& m : storage::PostgresModuleVersions(cfg->storage))
                std::printf("module %s version %d\n", m.module.c_str(), m.version);
            return 0;
        }
        if (migrate->parsed()) {
            std::string path = DatabasePath(cfg->data_dir);
            storage::MigrateSqlite(path, storage::LatestSchemaVersion(), ModuleSchemas(*cfg));
            std::printf("schema version %d\n", storage::SqliteSchemaVersion(path));
            for (const auto& m : storage::SqliteModuleVersions(path))
                std::printf("module %s version %d\n", m.module.c_str(), m.version);
            return 0;
        }
        if (backup->parsed()) return Backup(cfg->data_dir, backup_dir);
        if (restore->parsed()) return Restore(*cfg, backup_dir, cfg->data_dir);
        auto a = OpenForAdmin(*cfg);
        if (create_user->parsed()) {
            auto r = a.accounts->CreateUserUnchecked({username, password, display_name, role});
            if (!r.ok()) return Fail(r.error());
            std::printf("created user %s (id %s)\n", r->user.username.c_str(),
                        IdToString(r->user.id).c_str());
            if (r->generated_password) std::printf("password: %s\n", r->generated_password->c_str());
        } else if (reset_pw->parsed()) {
            auto r = a.accounts->ResetPasswordUnchecked(username, password);
            if (!r.ok()) return Fail(r.error());
            std::printf("password of %s reset%s%s\n", username.c_str(),
                        password ? "" : "; new password: ", password ? "" : r->c_str());
        } else if (set_role->parsed()) {
            auto r = a.accounts->SetRoleUnchecked(username, role);
            if (!r.ok()) return Fail(r.error());
            std::printf("%s is now %s\n", r->username.c_str(), r->role.c_str());
        } else if (ensure_bot->parsed()) {
            auto r = a.accounts->EnsureSystemUser(username, display_name);
            if (!r.ok()) return Fail(r.error());
            std::printf("bot %s (id %s)\n", r->username.c_str(), IdToString(r->id).c_str());
        }
        a.db->Stop();
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "veche: fatal: %s\n", e.what());
        return 1;
    }
}
