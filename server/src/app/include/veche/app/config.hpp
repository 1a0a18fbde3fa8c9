#pragma once
// Server configuration. Sources, lowest precedence first: built-in defaults, the TOML file
// (--config or VECHE_CONFIG), environment variables (VECHE_*), command-line flags.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "veche/core/error.hpp"
#include "veche/ratelimit/rate_limiter.hpp"

namespace veche::app {

struct Config {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8080;
    std::string data_dir = "./data";
    std::string web_dir;  // empty: serve no web client
    std::string log_level = "info";
    int io_threads = 2;
    int workers = 64;
    std::optional<int> node_id;  // unset: 0 with SQLite, claimed from the database with PostgreSQL
    // Empty: SQLite in the data directory. postgresql://…: PostgreSQL (cluster mode).
    std::string storage;
    // Empty: events go from storage straight to this node's clients. redis://host:port: through
    // Redis to every node sharing the PostgreSQL database.
    std::string bus;
    int login_account_failures = 5;
    int login_address_failures_per_minute = 30;
    int max_upload_mb = 100;

    // Web security. The web client's public address: its origin may use the session cookie, and
    // https makes the cookie `Secure`. Further origins whose pages may use the cookie, normalized to
    // "scheme://host[:port]". Sessions end after idle_timeout without a request, and max_age after login.
    std::string public_url;
    std::vector<std::string> allowed_origins;
    int session_idle_timeout_seconds = 30 * 24 * 3600;
    int session_max_age_seconds = 90 * 24 * 3600;
    // Abuse limits (issue 10, docs/operations.md): token buckets per user and action, per client
    // address for login ([rate_limits], VECHE_RATE_LIMIT_<ACTION>=PER_SECOND:BURST,
    // VECHE_RATE_LIMITS_ENABLED), and the reverse proxies whose X-Forwarded-For / X-Real-IP name the
    // client (trusted_proxies, VECHE_TRUSTED_PROXIES: addresses or CIDR networks, comma-separated).
    ratelimit::Limits rate_limits = ratelimit::DefaultLimits();
    std::vector<std::string> trusted_proxies;
    // Upload quota, unattached uploads and event log retention (docs/operations.md, "Retention").
    // Seconds rather than hours/days internally so that tests can shorten them; 0 disables each.
    int upload_quota_mb = 10240;                         // total bytes a user's uploads may take
    int upload_orphan_max_age_seconds = 24 * 3600;       // an upload never posted is removed after this
    int event_retention_seconds = 30 * 24 * 3600;        // events older than this are purged
    int maintenance_interval_seconds = 300;              // how often the background cleanup runs
    // What a WebSocket may have queued for a client that stopped reading before it is closed with
    // 4008 (the client resumes). Tests shrink it to reach the bound with little traffic.
    int ws_queue_max_kb = 8192;
    // WebSocket timers in milliseconds (docs/api.md, "Real-time"); tests shorten them.
    int ws_hello_timeout_ms = 10'000;
    int ws_ping_after_ms = 15'000;
    int ws_idle_timeout_ms = 30'000;
    // Durable jobs (docs/operations.md, "Jobs and timers"): the lease a runner holds on a job it
    // runs (a dead node's jobs are taken over after it), the longest idle wait before a runner looks
    // for jobs other nodes scheduled, and the first retry delay (doubling, with jitter).
    int jobs_lease_ms = 60'000;
    int jobs_poll_ms = 5'000;
    int jobs_backoff_base_ms = 1'000;
};

// "scheme://host[:port]" of a URL, lower-cased (a path is dropped); an error for anything else.
Result<std::string> OriginOf(const std::string& url);

// Values given on the command line (unset ones do not override).
struct Overrides {
    std::optional<std::string> listen, data_dir, web_dir, log_level, storage, bus;
    std::optional<int> workers;
};

Status ParseListen(const std::string& text, std::string& host, std::uint16_t& port);

// `env` is the process environment (a map so tests can pass their own).
Result<Config> LoadConfig(const std::optional<std::string>& file, const std::map<std::string, std::string>& env,
                          const Overrides& flags);

std::map<std::string, std::string> ProcessEnvironment();

}  // namespace veche::app
