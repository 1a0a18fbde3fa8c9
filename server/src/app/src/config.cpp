#include "veche/app/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>

#include "veche/core/client_address.hpp"
#include "veche/core/text.hpp"
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

Result<bool> ParseBool(const std::string& name, const std::string& value) {
    std::string v = text::ToLowerAscii(value);
    if (v == "1" || v == "true" || v == "on" || v == "yes") return true;
    if (v == "0" || v == "false" || v == "off" || v == "no") return false;
    return Error::InvalidArgument(name + " must be true or false");
}

Result<double> ParseNumber(const std::string& name, std::string_view value) {
    double v = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size())
        return Error::InvalidArgument(name + " must be a number");
    return v;
}

std::vector<std::string> SplitList(std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
        auto comma = list.find(',');
        auto item = text::Trim(list.substr(0, comma));
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        list = list.substr(comma + 1);
    }
    return out;
}

std::string EnvNameOf(ratelimit::Action action) {
    std::string name = "VECHE_RATE_LIMIT_";
    for (char ch : ratelimit::ActionName(action)) name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    return name;
}

// [rate_limits]: enabled, and per action a table {per_second, burst}; an unknown key is an error,
// so that a typo does not leave a limit at its default unnoticed.
Status ReadRateLimits(const toml::table& t, ratelimit::Limits& limits) {
    for (const auto& [key, node] : t) {
        std::string k(key.str());
        if (k == "enabled") {
            auto v = node.value<bool>();
            if (!v) return Error::InvalidArgument("rate_limits.enabled must be true or false");
            limits.enabled = *v;
            continue;
        }
        auto action = ratelimit::ActionFromName(k);
        if (!action) return Error::InvalidArgument("rate_limits." + k + " is not an action (send, edit, react, upload, "
                                                   "search, create_chat, invite, login)");
        const auto* rule_table = node.as_table();
        if (!rule_table)
            return Error::InvalidArgument("rate_limits." + k + " must be a table {per_second = …, burst = …}");
        auto& rule = limits.rule(*action);
        for (const auto& [field, value] : *rule_table) {
            auto number = value.value<double>();
            if (field.str() == "per_second" && number) {
                rule.per_second = *number;
            } else if (field.str() == "burst" && number) {
                rule.burst = *number;
            } else {
                return Error::InvalidArgument("rate_limits." + k + "." + std::string(field.str()) +
                                              ": only per_second and burst, as numbers");
            }
        }
    }
    return {};
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
    VECHE_RETURN_IF_ERROR(set("ws_queue_max_kb", get("ws_queue_max_kb"), 1, c.ws_queue_max_kb));
    VECHE_RETURN_IF_ERROR(set("ws_hello_timeout_ms", get("ws_hello_timeout_ms"), 1, c.ws_hello_timeout_ms));
    VECHE_RETURN_IF_ERROR(set("ws_ping_after_ms", get("ws_ping_after_ms"), 1, c.ws_ping_after_ms));
    VECHE_RETURN_IF_ERROR(set("ws_idle_timeout_ms", get("ws_idle_timeout_ms"), 1, c.ws_idle_timeout_ms));
    VECHE_RETURN_IF_ERROR(set("jobs_lease_ms", get("jobs_lease_ms"), 1, c.jobs_lease_ms));
    VECHE_RETURN_IF_ERROR(set("jobs_poll_ms", get("jobs_poll_ms"), 1, c.jobs_poll_ms));
    VECHE_RETURN_IF_ERROR(set("jobs_backoff_base_ms", get("jobs_backoff_base_ms"), 1, c.jobs_backoff_base_ms));
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
        {"VECHE_WS_QUEUE_MAX_KB", 1, 1 << 20, &c.ws_queue_max_kb},
        {"VECHE_WS_HELLO_TIMEOUT_MS", 1, 3'600'000, &c.ws_hello_timeout_ms},
        {"VECHE_WS_PING_AFTER_MS", 1, 3'600'000, &c.ws_ping_after_ms},
        {"VECHE_WS_IDLE_TIMEOUT_MS", 1, 3'600'000, &c.ws_idle_timeout_ms},
        {"VECHE_JOBS_LEASE_MS", 1, 86'400'000, &c.jobs_lease_ms},
        {"VECHE_JOBS_POLL_MS", 1, 3'600'000, &c.jobs_poll_ms},
        {"VECHE_JOBS_BACKOFF_BASE_MS", 1, 3'600'000, &c.jobs_backoff_base_ms},
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

Result<std::string> OriginOf(const std::string& url) {
    std::string u;
    for (char ch : url) u.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    auto scheme = u.find("://");
    if (scheme == std::string::npos || (u.substr(0, scheme) != "http" && u.substr(0, scheme) != "https"))
        return Error::InvalidArgument("'" + url + "' is not an http:// or https:// URL");
    auto end = u.find_first_of("/?#", scheme + 3);
    std::string origin = u.substr(0, end);
    if (origin.size() == scheme + 3 || origin.find_first_of(" @") != std::string::npos)
        return Error::InvalidArgument("'" + url + "' has no valid host");
    return origin;
}

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
        if (auto v = t["public_url"].value<std::string>()) c.public_url = *v;
        if (auto* arr = t["allowed_origins"].as_array()) {
            for (const auto& item : *arr) {
                auto v = item.value<std::string>();
                if (!v) return Error::InvalidArgument("allowed_origins must be an array of strings");
                c.allowed_origins.push_back(*v);
            }
        }
        if (auto v = t["session"]["idle_timeout_seconds"].value<int64_t>())
            c.session_idle_timeout_seconds = static_cast<int>(std::clamp<int64_t>(*v, -1, INT32_MAX));
        if (auto v = t["session"]["max_age_seconds"].value<int64_t>())
            c.session_max_age_seconds = static_cast<int>(std::clamp<int64_t>(*v, -1, INT32_MAX));
        if (auto node = t["rate_limits"]) {
            if (!node.is_table()) return Error::InvalidArgument("rate_limits must be a table");
            VECHE_RETURN_IF_ERROR(ReadRateLimits(*node.as_table(), c.rate_limits));
        }
        if (auto node = t["trusted_proxies"]) {
            c.trusted_proxies.clear();
            if (auto list = node.value<std::string>()) {
                c.trusted_proxies = SplitList(*list);
            } else if (const auto* arr = node.as_array()) {
                for (const auto& item : *arr) {
                    auto v = item.value<std::string>();
                    if (!v) return Error::InvalidArgument("trusted_proxies must be a list of strings");
                    c.trusted_proxies.push_back(*v);
                }
            } else {
                return Error::InvalidArgument("trusted_proxies must be a list of addresses or networks");
            }
        }
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
    if (auto v = env_of("VECHE_PUBLIC_URL")) c.public_url = *v;
    if (auto v = env_of("VECHE_ALLOWED_ORIGINS")) c.allowed_origins = SplitList(*v);
    if (auto v = env_of("VECHE_SESSION_IDLE_TIMEOUT_SECONDS"))
        { VECHE_ASSIGN_OR_RETURN(c.session_idle_timeout_seconds, ParseInt("VECHE_SESSION_IDLE_TIMEOUT_SECONDS", *v, 1, INT32_MAX)); }
    if (auto v = env_of("VECHE_SESSION_MAX_AGE_SECONDS"))
        { VECHE_ASSIGN_OR_RETURN(c.session_max_age_seconds, ParseInt("VECHE_SESSION_MAX_AGE_SECONDS", *v, 1, INT32_MAX)); }
    if (auto v = env_of("VECHE_RATE_LIMITS_ENABLED"))
        { VECHE_ASSIGN_OR_RETURN(c.rate_limits.enabled, ParseBool("VECHE_RATE_LIMITS_ENABLED", *v)); }
    for (std::size_t i = 0; i < ratelimit::kActionCount; ++i) {
        auto action = static_cast<ratelimit::Action>(i);
        std::string name = EnvNameOf(action);
        auto v = env_of(name.c_str());
        if (!v) continue;
        auto colon = v->find(':');
        if (colon == std::string::npos) return Error::InvalidArgument(name + " must be PER_SECOND:BURST, e.g. 2:30");
        auto& rule = c.rate_limits.rule(action);
        VECHE_ASSIGN_OR_RETURN(rule.per_second, ParseNumber(name, std::string_view(*v).substr(0, colon)));
        VECHE_ASSIGN_OR_RETURN(rule.burst, ParseNumber(name, std::string_view(*v).substr(colon + 1)));
    }
    if (auto v = env_of("VECHE_TRUSTED_PROXIES")) c.trusted_proxies = SplitList(*v);
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
    if (c.ws_queue_max_kb < 64) return Error::InvalidArgument("ws_queue_max_kb must be at least 64");
    if (c.ws_hello_timeout_ms < 100 || c.ws_ping_after_ms < 100)
        return Error::InvalidArgument("ws_hello_timeout_ms and ws_ping_after_ms must be at least 100");
    if (c.jobs_lease_ms < 100 || c.jobs_poll_ms < 10 || c.jobs_backoff_base_ms < 1)
        return Error::InvalidArgument("jobs_lease_ms must be at least 100, jobs_poll_ms at least 10");
    if (c.ws_idle_timeout_ms <= c.ws_ping_after_ms)
        return Error::InvalidArgument("ws_idle_timeout_ms must be longer than ws_ping_after_ms");
    if (c.data_dir.empty()) return Error::InvalidArgument("data directory must not be empty");
    if (!c.public_url.empty()) VECHE_RETURN_IF_ERROR(OriginOf(c.public_url));
    for (auto& o : c.allowed_origins) {
        VECHE_ASSIGN_OR_RETURN(auto origin, OriginOf(o));
        if (origin.size() != o.size() && o.substr(origin.size()) != "/")
            return Error::InvalidArgument("allowed_origins: '" + o + "' must be scheme://host[:port] without a path");
        o = origin;
    }
    if (c.session_idle_timeout_seconds < 1 || c.session_max_age_seconds < 1)
        return Error::InvalidArgument("session.idle_timeout_seconds and session.max_age_seconds must be at least 1");
    for (std::size_t i = 0; i < ratelimit::kActionCount; ++i) {
        auto action = static_cast<ratelimit::Action>(i);
        VECHE_RETURN_IF_ERROR(ratelimit::ValidateRule("rate_limits." + std::string(ratelimit::ActionName(action)),
                                                      c.rate_limits.rule(action)));
    }
    VECHE_RETURN_IF_ERROR(net::TrustedProxies::Parse(c.trusted_proxies));
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
