#include "veche/app/config.hpp"

#include <toml++/toml.h>

#include <charconv>
#include <cstdint>

extern char** environ;

namespace veche::app {
namespace {

Result<int> ParseInt(const std::string& name, const std::string& value, int min, int max) {
    int v = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || ptr != value.data() + value.size() || v < min || v > max)
        return Error::InvalidArgument(name + " must be an integer from " + std::to_string(min) + " to " +
                                      std::to_string(max));
    return v;
}

Status ValidateLevel(const std::string& level) {
    static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
    for (const char* l : kLevels) {
        if (level == l) return {};
    }
    return Error::InvalidArgument("log_level must be one of trace, debug, info, warn, error, critical, off");
}

// The retention block: its keys in the file (coarse units for people, `_seconds` variants that win
// when both are given, for tests and for operators who need them), then its environment variables.
Status LoadRetention(const toml::table& t, Config& c) {
    auto get = [&t](const char* key) { return t[key].value<int64_t>(); };
    auto set = [](const char* key, std::optional<int64_t> v, int scale, int& out) -> Status {
        if (!v) return {};
        if (*v < 0 || *v > INT32_MAX / scale) return Error::InvalidArgument(std::string(key) + " is out of range");
        out = static_cast<int>(*v) * scale;
        return {};
    };
    VECHE_RETURN_IF_ERROR(set("upload_quota_mb", get("upload_quota_mb"), 1, c.upload_quota_mb));
    VECHE_RETURN_IF_ERROR(set("upload_orphan_max_age_hours", get("upload_orphan_max_age_hours"), 3600,
                              c.upload_orphan_max_age_seconds));
    VECHE_RETURN_IF_ERROR(set("upload_orphan_max_age_seconds", get("upload_orphan_max_age_seconds"), 1,
                              c.upload_orphan_max_age_seconds));
    VECHE_RETURN_IF_ERROR(set("event_retention_days", get("event_retention_days"), 86400, c.event_retention_seconds));
    VECHE_RETURN_IF_ERROR(set("event_retention_seconds", get("event_retention_seconds"), 1, c.event_retention_seconds));
    VECHE_RETURN_IF_ERROR(set("maintenance_interval_seconds", get("maintenance_interval_seconds"), 1,
                              c.maintenance_interval_seconds));
    return {};
}

Status LoadRetentionEnv(const std::map<std::string, std::string>& env, Config& c) {
    struct Var {
        const char* name;
        int scale;
        int max;
        int* out;
    };
    const Var vars[] = {
        {"VECHE_UPLOAD_QUOTA_MB", 1, 1 << 30, &c.upload_quota_mb},
        {"VECHE_UPLOAD_ORPHAN_MAX_AGE_HOURS", 3600, 24 * 3650, &c.upload_orphan_max_age_seconds},
        {"VECHE_UPLOAD_ORPHAN_MAX_AGE_SECONDS", 1, INT32_MAX, &c.upload_orphan_max_age_seconds},
        {"VECHE_EVENT_RETENTION_DAYS", 86400, 3650 * 5, &c.event_retention_seconds},
        {"VECHE_EVENT_RETENTION_SECONDS", 1, INT32_MAX, &c.event_retention_seconds},
        {"VECHE_MAINTENANCE_INTERVAL_SECONDS", 1, 86400, &c.maintenance_interval_seconds},
    };
    for (const Var& v : vars) {
        auto it = env.find(v.name);
        if (it == env.end() || it->second.empty()) continue;
        VECHE_ASSIGN_OR_RETURN(int n, ParseInt(v.name, it->second, 0, v.max));
        *v.out = n * v.scale;
    }
    return {};
}

}  // namespace

Status ParseListen(const std::string& text, std::string& host, std::uint16_t& port) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return Error::InvalidArgument("listen must be HOST:PORT");
    std::string h = text.substr(0, colon);
    if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    VECHE_ASSIGN_OR_RETURN(int p, ParseInt("listen port", text.substr(colon + 1), 0, 65535));
    host = h;
    port = static_cast<std::uint16_t>(p);
    return {};
}

Result<Config> LoadConfig(const std::optional<std::string>& file, const std::map<std::string, std::string>& env,
                          const Overrides& flags) {
    Config c;
    std::optional<std::string> path = file;
    if (!path) {
        if (auto it = env.find("VECHE_CONFIG"); it != env.end() && !it->second.empty()) path = it->second;
    }
    if (path) {
        toml::table t;
        try {
            t = toml::parse_file(*path);
        } catch (const toml::parse_error& e) {
            return Error::InvalidArgument("config file " + *path + ": " + std::string(e.description()));
        }
        if (auto v = t["listen"].value<std::string>()) VECHE_RETURN_IF_ERROR(ParseListen(*v, c.listen_host, c.listen_port));
        if (auto v = t["data"].value<std::string>()) c.data_dir = *v;
        if (auto v = t["web_dir"].value<std::string>()) c.web_dir = *v;
        if (auto v = t["log_level"].value<std::string>()) c.log_level = *v;
        if (auto v = t["workers"].value<int64_t>()) c.workers = static_cast<int>(*v);
        if (auto v = t["io_threads"].value<int64_t>()) c.io_threads = static_cast<int>(*v);
        if (auto v = t["node_id"].value<int64_t>()) c.node_id = static_cast<int>(*v);
        if (auto v = t["storage"].value<std::string>()) c.storage = *v;
        if (auto v = t["bus"].value<std::string>()) c.bus = *v;
        if (auto v = t["max_upload_mb"].value<int64_t>()) c.max_upload_mb = static_cast<int>(*v);
        if (auto v = t["login"]["account_failures"].value<int64_t>()) c.login_account_failures = static_cast<int>(*v);
        if (auto v = t["login"]["address_failures_per_minute"].value<int64_t>())
            c.login_address_failures_per_minute = static_cast<int>(*v);
        VECHE_RETURN_IF_ERROR(LoadRetention(t, c));
    }
    auto env_of = [&](const char* name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end() || it->second.empty()) return std::nullopt;
        return it->second;
    };
    if (auto v = env_of("VECHE_LISTEN")) VECHE_RETURN_IF_ERROR(ParseListen(*v, c.listen_host, c.listen_port));
    if (auto v = env_of("VECHE_DATA")) c.data_dir = *v;
    if (auto v = env_of("VECHE_WEB_DIR")) c.web_dir = *v;
    if (auto v = env_of("VECHE_LOG_LEVEL")) c.log_level = *v;
    if (auto v = env_of("VECHE_WORKERS")) { VECHE_ASSIGN_OR_RETURN(c.workers, ParseInt("VECHE_WORKERS", *v, 1, 1024)); }
    if (auto v = env_of("VECHE_IO_THREADS")) { VECHE_ASSIGN_OR_RETURN(c.io_threads, ParseInt("VECHE_IO_THREADS", *v, 1, 256)); }
    if (auto v = env_of("VECHE_STORAGE")) c.storage = *v;
    if (auto v = env_of("VECHE_BUS")) c.bus = *v;
    if (auto v = env_of("VECHE_NODE_ID")) { VECHE_ASSIGN_OR_RETURN(c.node_id, ParseInt("VECHE_NODE_ID", *v, 0, 1023)); }
    if (auto v = env_of("VECHE_MAX_UPLOAD_MB")) { VECHE_ASSIGN_OR_RETURN(c.max_upload_mb, ParseInt("VECHE_MAX_UPLOAD_MB", *v, 1, 1 << 20)); }
    if (auto v = env_of("VECHE_LOGIN_ACCOUNT_FAILURES"))
        { VECHE_ASSIGN_OR_RETURN(c.login_account_failures, ParseInt("VECHE_LOGIN_ACCOUNT_FAILURES", *v, 1, 1000000)); }
    if (auto v = env_of("VECHE_LOGIN_ADDRESS_FAILURES"))
        { VECHE_ASSIGN_OR_RETURN(c.login_address_failures_per_minute, ParseInt("VECHE_LOGIN_ADDRESS_FAILURES", *v, 1, 1000000)); }
    VECHE_RETURN_IF_ERROR(LoadRetentionEnv(env, c));

    if (flags.listen) VECHE_RETURN_IF_ERROR(ParseListen(*flags.listen, c.listen_host, c.listen_port));
    if (flags.data_dir) c.data_dir = *flags.data_dir;
    if (flags.web_dir) c.web_dir = *flags.web_dir;
    if (flags.log_level) c.log_level = *flags.log_level;
    if (flags.workers) c.workers = *flags.workers;
    if (flags.storage) c.storage = *flags.storage;
    if (flags.bus) c.bus = *flags.bus;

    VECHE_RETURN_IF_ERROR(ValidateLevel(c.log_level));
    if (c.max_upload_mb < 1) return Error::InvalidArgument("max_upload_mb must be at least 1");
    if (c.workers < 1 || c.workers > 1024) return Error::InvalidArgument("workers must be from 1 to 1024");
    if (c.io_threads < 1 || c.io_threads > 256) return Error::InvalidArgument("io_threads must be from 1 to 256");
    if (c.node_id && (*c.node_id < 0 || *c.node_id > 1023)) return Error::InvalidArgument("node_id must be from 0 to 1023");
    if (!c.storage.empty() && c.storage.rfind("postgresql://", 0) != 0 && c.storage.rfind("postgres://", 0) != 0)
        return Error::InvalidArgument("storage must be empty (SQLite in the data directory) or a postgresql:// URL");
    if (!c.bus.empty() && c.bus.rfind("redis://", 0) != 0) return Error::InvalidArgument("bus must be a redis:// URL");
    if (!c.bus.empty() && c.storage.empty())
        return Error::InvalidArgument("bus needs PostgreSQL storage: nodes share events through the database");
    if (c.maintenance_interval_seconds < 1) return Error::InvalidArgument("maintenance_interval_seconds must be at least 1");
    if (c.data_dir.empty()) return Error::InvalidArgument("data directory must not be empty");
    return c;
}

std::map<std::string, std::string> ProcessEnvironment() {
    std::map<std::string, std::string> out;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return out;
}

}  // namespace veche::app
