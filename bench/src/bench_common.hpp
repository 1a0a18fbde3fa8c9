#pragma once
// Building blocks of veche-bench: a lock-free latency histogram, /proc sampling of the server, a
// server process launcher (fresh data dir, free loopback port), a keep-alive HTTP client and a
// WebSocket client on Boost.Beast coroutines.
//
// Thread safety: Histogram and Counters are safe from any thread. Http and WsClient belong to the
// io_context they were created on.

#include <sys/types.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace veche::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
template <class T>
using Task = asio::awaitable<T>;

// Monotonic nanoseconds; every timestamp a message carries comes from this clock in this process.
inline std::int64_t NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Log-linear histogram of microseconds: exact below 64 us, then 32 sub-buckets per octave (~3 %).
class Histogram {
public:
    void Add(std::int64_t us);
    void Reset();
    std::uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
    double PercentileMs(double p) const;
    double MaxMs() const { return static_cast<double>(max_.load(std::memory_order_relaxed)) / 1000.0; }
    boost::json::object ToJson() const;  // {"count","p50","p90","p99","p999","max"} in ms

private:
    static constexpr int kBuckets = 64 + 40 * 32;
    static int Index(std::uint64_t us);
    static double Mid(int index);
    std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> max_{0};
};

struct ProcSample {
    double cpu_seconds = 0;  // utime + stime
    std::int64_t rss_kib = 0;
    bool ok = false;
};
ProcSample SampleProc(pid_t pid);

// Command-line options: `--name value` pairs and bare flags, typed on read.
class Options {
public:
    Options(int argc, char** argv, int first);
    std::string Str(const std::string& name, const std::string& def) const;
    std::int64_t Int(const std::string& name, std::int64_t def) const;
    double Num(const std::string& name, double def) const;
    bool Flag(const std::string& name) const;
    std::vector<std::int64_t> IntList(const std::string& name, const std::vector<std::int64_t>& def) const;
    bool Has(const std::string& name) const { return values_.count(name) != 0; }

private:
    std::map<std::string, std::string> values_;
};

// A server this run talks to: either launched here (fresh data dir, free port, killed at the end)
// or attached to with --url and --server-pid.
struct ServerProc {
    pid_t pid = 0;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string dir;  // temp dir we own (empty when attached)
    std::string data_dir;
    std::string admin_password;
    bool launched = false;
    // Cluster runs (--nodes N): the other nodes, sharing this one's database, bus and file tree.
    std::vector<ServerProc> others;
    // Node i mod N, to spread clients over a cluster (node 0 is this one). Stable references.
    const ServerProc& Node(std::size_t i) const {
        std::size_t k = i % (others.size() + 1);
        return k == 0 ? *this : others[k - 1];
    }
};
// CPU and RSS summed over every node of `s`.
ProcSample SampleServer(const ServerProc& s);

// Launches `bin serve` on 127.0.0.1:<free port> with `data_dir` (a fresh temp dir when empty).
ServerProc LaunchServer(const std::string& bin, const std::string& data_dir,
                        const std::string& admin_password, const std::vector<std::string>& extra_env = {});
bool WaitHealthy(const ServerProc& s, int seconds);
void StopServer(ServerProc& s);
std::string DefaultServerBin(const char* argv0);
// Raises RLIMIT_NOFILE to its hard limit (inherited by a launched server and forked workers).
void RaiseFdLimit();

struct HttpResult {
    int status = 0;  // 0: transport error
    std::string body;
    boost::json::value Json() const;
};

// One keep-alive HTTP/1.1 connection; reconnects once when the server closed it.
class Http {
public:
    Http(asio::any_io_executor ex, std::string host, std::uint16_t port);
    Task<HttpResult> Request(http::verb verb, std::string target, std::string body, std::string token);
    void Close();

private:
    Task<bool> Connect();
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::string host_;
    std::uint16_t port_;
    bool connected_ = false;
};

// Waits for `n` Done() calls (or until the deadline). Single io_context use only.
class Latch {
public:
    Latch(asio::any_io_executor ex, std::size_t n)
        : timer_(ex, asio::steady_timer::time_point::max()), left_(n) {}
    void Done() {
        if (left_.fetch_sub(1) == 1) asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
    }
    Task<bool> Wait(std::chrono::steady_clock::duration timeout);
    std::size_t Left() const { return left_.load(); }

private:
    asio::steady_timer timer_;
    std::atomic<std::size_t> left_;
};

// Runs fn(i) for i in [0, n) with at most `concurrency` in flight; returns the number that failed.
Task<int> ParallelFor(std::size_t n, std::size_t concurrency, std::function<Task<bool>(std::size_t)> fn);

Task<void> SleepFor(std::chrono::steady_clock::duration d);
Task<void> SleepUntilNs(std::int64_t t_ns);

// ---- the public API, as the setup of each scenario uses it ----
struct User {
    std::string id, name, token;
};
Task<std::optional<std::string>> Login(Http& h, const std::string& user, const std::string& password,
                                       std::string* user_id = nullptr);
Task<std::optional<std::string>> CreateUser(Http& h, const std::string& admin_token, const std::string& name,
                                            const std::string& password);
// Creates `count` users named <prefix><i> concurrently and logs each in once.
Task<std::vector<User>> MakeUsers(const ServerProc& s, const std::string& admin_token,
                                  const std::string& prefix, std::size_t count, std::size_t concurrency);
Task<std::optional<std::string>> CreateChannel(Http& h, const std::string& token, const std::string& name);
Task<bool> AddMembers(Http& h, const std::string& token, const std::string& chat_id,
                      const std::vector<std::string>& user_ids);

// ---- WebSocket client ----
// Message text carries "vb <run> <step> <seq> <t_ns> …": the marker a receiver parses to measure
// end-to-end latency (same process, same clock).
struct Marker {
    std::uint32_t run = 0, step = 0;
    std::uint64_t seq = 0;
    std::int64_t t_ns = 0;
};
std::string MarkerText(const Marker& m, std::size_t pad);
std::optional<Marker> FindMarker(std::string_view frame);

struct WsShared {
    std::uint32_t run = 0;
    std::atomic<std::uint32_t> step{0};
    Histogram latency;
    std::atomic<std::uint64_t> delivered{0}, late{0}, pos_errors{0}, dup_seq{0}, errors{0}, ready{0},
        resynced{0}, closed{0}, connects{0};
    std::atomic<bool> stopping{false};
    std::atomic<std::int64_t> last_delivery_ns{0};
    bool track_seq = false;       // keep a per-client bitmap of seqs (gap/duplicate verification)
    int reconnect_jitter_ms = 0;  // a dropped client waits a random 0..jitter ms before reconnecting
    std::string first_error;
    std::mutex error_mutex;
    void Error(const std::string& e);
};

// After Beast's HTTP upgrade the client frames the socket itself (RFC 6455 §5): it reads whatever
// bytes are there in one read_some and parses every frame in them, so a client costs a read per batch
// of frames rather than a Beast async_read per message. It answers pings and the close handshake.
class WsClient {
public:
    WsClient(asio::any_io_executor ex, const ServerProc& s, std::string token, std::string source_ip,
             WsShared& shared, bool reconnect);
    // Connects, sends hello, reads until stopped; reconnects with resume when `reconnect` is set.
    Task<void> Run();
    // Drops the TCP connection at once (RST, no close handshake): for the reconnect storm.
    void Drop();
    void Stop();
    std::int64_t last_pos() const { return last_pos_; }
    const std::vector<std::uint8_t>& seen() const { return seen_; }
    std::uint64_t got() const { return got_; }

private:
    Task<bool> ConnectOnce();
    // Reads and dispatches frames until the connection ends; false on a protocol or read error.
    Task<void> ReadLoop();
    Task<bool> SendFrame(std::uint8_t opcode, std::string_view payload);
    void OnFrame(std::string_view f);
    asio::any_io_executor ex_;
    const ServerProc& server_;
    std::string token_, source_ip_;
    WsShared& shared_;
    bool reconnect_;
    std::optional<beast::tcp_stream> stream_;
    std::vector<char> in_;  // read buffer: grows (doubling) while reads fill it, up to 256 KiB
    std::size_t used_ = 0;
    std::int64_t last_pos_ = -1;  // -1: start from now
    bool synced_once_ = false;
    std::uint64_t got_ = 0;
    std::vector<std::uint8_t> seen_;
};

}  // namespace veche::bench
