#include "bench_common.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

namespace veche::bench {

namespace fs = std::filesystem;
using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// ---------------- Histogram ----------------
int Histogram::Index(std::uint64_t us) {
    if (us < 64) return static_cast<int>(us);
    int e = 63 - __builtin_clzll(us);
    int sub = static_cast<int>((us >> (e - 5)) & 31);
    int idx = 64 + (e - 6) * 32 + sub;
    return idx < kBuckets ? idx : kBuckets - 1;
}
double Histogram::Mid(int index) {
    if (index < 64) return index + 0.5;
    int e = (index - 64) / 32 + 6, sub = (index - 64) % 32;
    double lower = static_cast<double>(static_cast<std::uint64_t>(32 + sub) << (e - 5));
    return lower + static_cast<double>(1ULL << (e - 5)) / 2.0;
}
void Histogram::Add(std::int64_t us) {
    if (us < 0) us = 0;
    auto u = static_cast<std::uint64_t>(us);
    buckets_[Index(u)].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t m = max_.load(std::memory_order_relaxed);
    while (u > m && !max_.compare_exchange_weak(m, u, std::memory_order_relaxed)) {
    }
}
void Histogram::Reset() {
    for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
    count_ = 0;
    max_ = 0;
}
double Histogram::PercentileMs(double p) const {
    std::uint64_t n = Count();
    if (n == 0) return 0;
    auto target = static_cast<std::uint64_t>(std::ceil(static_cast<double>(n) * p));
    if (target == 0) target = 1;
    std::uint64_t acc = 0;
    for (int i = 0; i < kBuckets; ++i) {
        acc += buckets_[i].load(std::memory_order_relaxed);
        if (acc >= target) return std::min(Mid(i), static_cast<double>(max_.load())) / 1000.0;
    }
    return MaxMs();
}
static double R3(double v) { return std::round(v * 1000.0) / 1000.0; }
boost::json::object Histogram::ToJson() const {
    return {{"count", Count()},
            {"p50", R3(PercentileMs(0.5))},
            {"p90", R3(PercentileMs(0.9))},
            {"p99", R3(PercentileMs(0.99))},
            {"p999", R3(PercentileMs(0.999))},
            {"max", R3(MaxMs())}};
}

// ---------------- /proc ----------------
ProcSample SampleProc(pid_t pid) {
    ProcSample s;
    if (pid <= 0) return s;
    std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(st)), std::istreambuf_iterator<char>());
    auto rp = all.rfind(')');
    if (rp == std::string::npos) return s;
    std::istringstream in(all.substr(rp + 2));
    std::vector<std::string> f;
    for (std::string w; in >> w;) f.push_back(w);
    if (f.size() < 13) return s;
    double tck = static_cast<double>(sysconf(_SC_CLK_TCK));
    s.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / tck;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::stoll(line.substr(6));
    }
    s.ok = true;
    return s;
}

// ---------------- Options ----------------
Options::Options(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) {
        std::string k = argv[i];
        if (k.rfind("--", 0) != 0) throw std::runtime_error("unexpected argument " + k);
        k = k.substr(2);
        if (i + 1 < argc && std::string_view(argv[i + 1]).rfind("--", 0) != 0) {
            values_[k] = argv[++i];
        } else {
            values_[k] = "";
        }
    }
}
std::string Options::Str(const std::string& n, const std::string& d) const {
    auto it = values_.find(n);
    return it == values_.end() ? d : it->second;
}
std::int64_t Options::Int(const std::string& n, std::int64_t d) const {
    auto it = values_.find(n);
    return it == values_.end() ? d : std::stoll(it->second);
}
double Options::Num(const std::string& n, double d) const {
    auto it = values_.find(n);
    return it == values_.end() ? d : std::stod(it->second);
}
bool Options::Flag(const std::string& n) const { return values_.count(n) != 0; }
std::vector<std::int64_t> Options::IntList(const std::string& n, const std::vector<std::int64_t>& d) const {
    auto it = values_.find(n);
    if (it == values_.end()) return d;
    std::vector<std::int64_t> out;
    std::istringstream in(it->second);
    for (std::string w; std::getline(in, w, ',');) {
        if (!w.empty()) out.push_back(std::stoll(w));
    }
    return out;
}

// ---------------- server process ----------------
static std::uint16_t FreePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

void RaiseFdLimit() {
    rlimit r{};
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

std::string DefaultServerBin(const char* argv0) {
    fs::path self = fs::weakly_canonical(fs::path("/proc/self/exe"));
    fs::path near = self.parent_path() / "veche";
    if (fs::exists(near)) return near.string();
    (void)argv0;
    return "veche";
}

ServerProc LaunchServer(const std::string& bin, const std::string& data_dir,
                        const std::string& admin_password, const std::vector<std::string>& extra_env) {
    ServerProc s;
    char tmpl[] = "/tmp/veche-bench-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    s.dir = tmpl;
    std::string data = data_dir.empty() ? s.dir + "/data" : data_dir;
    s.data_dir = data;
    s.port = FreePort();
    s.admin_password = admin_password;
    std::string listen = "127.0.0.1:" + std::to_string(s.port);
    std::string log = s.dir + "/server.log";
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the bench, even if it crashes
        setenv("VECHE_BOOTSTRAP_ADMIN_PASSWORD", admin_password.c_str(), 1);
        // The scenarios are scripts by design (thousands of logins from 127.0.0.1, senders at full
        // speed): raise every rate limit through configuration. --server-env may still set one.
        for (const char* action : {"SEND", "EDIT", "REACT", "UPLOAD", "SEARCH", "CREATE_CHAT", "INVITE", "LOGIN"}) {
            setenv(("VECHE_RATE_LIMIT_" + std::string(action)).c_str(), "1000000:10000000", 0);
        }
        for (const auto& kv : extra_env) putenv(const_cast<char*>(kv.c_str()));
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(bin.c_str(), bin.c_str(), "serve", "--listen", listen.c_str(), "--data", data.c_str(),
              "--log-level", "warn", static_cast<char*>(nullptr));
        _exit(127);
    }
    s.pid = pid;
    s.launched = true;
    return s;
}

bool WaitHealthy(const ServerProc& s, int seconds) {
    for (int i = 0; i < seconds * 10; ++i) {
        try {
            asio::io_context io;
            tcp::socket sock(io);
            sock.connect({asio::ip::make_address(s.host), s.port});
            http::request<http::empty_body> req{http::verb::get, "/api/v1/health", 11};
            req.set(http::field::host, "localhost");
            http::write(sock, req);
            beast::flat_buffer b;
            http::response<http::string_body> res;
            http::read(sock, b, res);
            if (res.result_int() == 200) return true;
        } catch (const std::exception&) {
        }
        if (s.pid > 0 && waitpid(s.pid, nullptr, WNOHANG) == s.pid) return false;
        usleep(100000);
    }
    return false;
}

ProcSample SampleServer(const ServerProc& s) {
    ProcSample total = SampleProc(s.pid);
    for (const auto& o : s.others) {
        ProcSample p = SampleProc(o.pid);
        total.cpu_seconds += p.cpu_seconds;
        total.rss_kib += p.rss_kib;
        total.ok = total.ok && p.ok;
    }
    return total;
}

void StopServer(ServerProc& s) {
    for (auto& o : s.others) StopServer(o);
    if (s.launched && s.pid > 0) {
        kill(s.pid, SIGTERM);
        for (int i = 0; i < 100; ++i) {
            if (waitpid(s.pid, nullptr, WNOHANG) == s.pid) {
                s.pid = 0;
                break;
            }
            usleep(100000);
        }
        if (s.pid > 0) {
            kill(s.pid, SIGKILL);
            waitpid(s.pid, nullptr, 0);
        }
        s.pid = 0;
    }
    if (s.launched && !s.dir.empty() && !std::getenv("VECHE_BENCH_KEEP")) {
        std::error_code ec;
        fs::remove_all(s.dir, ec);
    }
}

// ---------------- HTTP ----------------
boost::json::value HttpResult::Json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    return ec ? boost::json::value() : v;
}

Http::Http(asio::any_io_executor ex, std::string host, std::uint16_t port)
    : stream_(ex), host_(std::move(host)), port_(port) {}

Task<bool> Http::Connect() {
    stream_.expires_after(std::chrono::seconds(30));
    auto [ec] = co_await stream_.async_connect(tcp::endpoint(asio::ip::make_address(host_), port_), kTuple);
    if (ec) co_return false;
    stream_.socket().set_option(tcp::no_delay(true));
    buffer_.clear();
    connected_ = true;
    co_return true;
}

void Http::Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
    connected_ = false;
}

Task<HttpResult> Http::Request(http::verb verb, std::string target, std::string body, std::string token) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!connected_ && !co_await Connect()) co_return HttpResult{};
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "localhost");
        req.keep_alive(true);
        if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
        if (!body.empty() || verb == http::verb::post) {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
            req.prepare_payload();
        }
        stream_.expires_after(std::chrono::seconds(60));
        auto [wec, wn] = co_await http::async_write(stream_, req, kTuple);
        if (wec) {
            Close();
            continue;
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        auto [rec, rn] = co_await http::async_read(stream_, buffer_, parser, kTuple);
        if (rec) {
            Close();
            if (rec == http::error::end_of_stream || rec == asio::error::connection_reset) continue;
            co_return HttpResult{};
        }
        auto res = parser.release();
        HttpResult out{static_cast<int>(res.result_int()), std::move(res.body())};
        if (!res.keep_alive()) Close();
        co_return out;
    }
    co_return HttpResult{};
}

// ---------------- coroutine helpers ----------------
Task<bool> Latch::Wait(std::chrono::steady_clock::duration timeout) {
    if (left_.load() == 0) co_return true;
    asio::steady_timer deadline(timer_.get_executor(), timeout);
    deadline.async_wait([this](beast::error_code ec) {
        if (!ec) timer_.cancel();
    });
    co_await timer_.async_wait(kTuple);
    deadline.cancel();
    co_return left_.load() == 0;
}

Task<int> ParallelFor(std::size_t n, std::size_t concurrency, std::function<Task<bool>(std::size_t)> fn) {
    auto ex = co_await asio::this_coro::executor;
    std::atomic<std::size_t> next{0};
    std::atomic<int> failed{0};
    std::size_t workers = std::max<std::size_t>(1, std::min(concurrency, n));
    Latch latch(ex, workers);
    for (std::size_t w = 0; w < workers; ++w) {
        asio::co_spawn(
            ex,
            [&]() -> Task<void> {
                for (std::size_t i; (i = next++) < n;) {
                    if (!co_await fn(i)) ++failed;
                }
                latch.Done();
            },
            asio::detached);
    }
    co_await latch.Wait(std::chrono::hours(1));
    co_return failed.load();
}

Task<void> SleepFor(std::chrono::steady_clock::duration d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(kTuple);
}
Task<void> SleepUntilNs(std::int64_t t_ns) {
    std::int64_t now = NowNs();
    if (t_ns > now) co_await SleepFor(std::chrono::nanoseconds(t_ns - now));
}

// ---------------- API helpers ----------------
static std::string JStr(const boost::json::value& v, std::initializer_list<const char*> path) {
    const boost::json::value* cur = &v;
    for (const char* k : path) {
        if (!cur->is_object()) return {};
        auto* next = cur->as_object().if_contains(k);
        if (!next) return {};
        cur = next;
    }
    return cur->is_string() ? std::string(cur->as_string()) : std::string();
}

Task<std::optional<std::string>> Login(Http& h, const std::string& user, const std::string& password,
                                       std::string* user_id) {
    boost::json::object b{{"username", user}, {"password", password}};
    auto r = co_await h.Request(http::verb::post, "/api/v1/auth/login", boost::json::serialize(b), "");
    if (r.status != 200) co_return std::nullopt;
    auto j = r.Json();
    if (user_id) *user_id = JStr(j, {"user", "id"});
    co_return JStr(j, {"token"});
}

Task<std::optional<std::string>> CreateUser(Http& h, const std::string& admin_token, const std::string& name,
                                            const std::string& password) {
    boost::json::object b{{"username", name}, {"password", password}, {"display_name", name}};
    auto r = co_await h.Request(http::verb::post, "/api/v1/users", boost::json::serialize(b), admin_token);
    if (r.status != 201) co_return std::nullopt;
    co_return JStr(r.Json(), {"id"});
}

Task<std::vector<User>> MakeUsers(const ServerProc& s, const std::string& admin_token,
                                  const std::string& prefix, std::size_t count, std::size_t concurrency) {
    auto ex = co_await asio::this_coro::executor;
    std::vector<User> users(count);
    const std::string password = "bench-password-1";
    int failed = co_await ParallelFor(count, concurrency, [&](std::size_t i) -> Task<bool> {
        Http h(ex, s.host, s.port);  // one connection per user: tasks never share a connection
        std::string name = prefix + std::to_string(i);
        auto id = co_await CreateUser(h, admin_token, name, password);
        if (!id) co_return false;
        auto tok = co_await Login(h, name, password);
        if (!tok) co_return false;
        users[i] = User{*id, name, *tok};
        co_return true;
    });
    if (failed) throw std::runtime_error("creating users: " + std::to_string(failed) + " failed");
    co_return users;
}

Task<std::optional<std::string>> CreateChannel(Http& h, const std::string& token, const std::string& name) {
    boost::json::object b{{"type", "channel"}, {"name", name}, {"visibility", "public"}};
    auto r = co_await h.Request(http::verb::post, "/api/v1/chats", boost::json::serialize(b), token);
    if (r.status != 201) co_return std::nullopt;
    co_return JStr(r.Json(), {"id"});
}

Task<bool> AddMembers(Http& h, const std::string& token, const std::string& chat_id,
                      const std::vector<std::string>& user_ids) {
    for (std::size_t i = 0; i < user_ids.size(); i += 200) {
        boost::json::array ids;
        for (std::size_t j = i; j < std::min(user_ids.size(), i + 200); ++j) ids.emplace_back(user_ids[j]);
        boost::json::object b{{"user_ids", ids}};
        auto r = co_await h.Request(http::verb::post, "/api/v1/chats/" + chat_id + "/members",
                                    boost::json::serialize(b), token);
        if (r.status != 200) co_return false;
    }
    co_return true;
}

// ---------------- markers ----------------
std::string MarkerText(const Marker& m, std::size_t pad) {
    std::string s = "vb " + std::to_string(m.run) + " " + std::to_string(m.step) + " " +
                    std::to_string(m.seq) + " " + std::to_string(m.t_ns) + " ";
    s.append(pad, 'x');
    return s;
}

static bool ParseU(std::string_view& s, std::uint64_t& out) {
    std::size_t i = 0;
    out = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9')
        out = out * 10 + static_cast<std::uint64_t>(s[i++] - '0');
    if (i == 0) return false;
    s.remove_prefix(i);
    if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    return true;
}

std::optional<Marker> FindMarker(std::string_view f) {
    auto p = f.find("\"vb ");
    if (p == std::string_view::npos) return std::nullopt;
    std::string_view s = f.substr(p + 4);
    std::uint64_t run, step, seq, t;
    if (!ParseU(s, run) || !ParseU(s, step) || !ParseU(s, seq) || !ParseU(s, t)) return std::nullopt;
    return Marker{static_cast<std::uint32_t>(run), static_cast<std::uint32_t>(step), seq,
                  static_cast<std::int64_t>(t)};
}

// ---------------- WebSocket client ----------------
void WsShared::Error(const std::string& e) {
    errors++;
    std::lock_guard lk(error_mutex);
    if (first_error.empty()) first_error = e;
}

WsClient::WsClient(asio::any_io_executor ex, const ServerProc& s, std::string token, std::string source_ip,
                   WsShared& shared, bool reconnect)
    : ex_(ex),
      server_(s),
      token_(std::move(token)),
      source_ip_(std::move(source_ip)),
      shared_(shared),
      reconnect_(reconnect) {}

Task<bool> WsClient::ConnectOnce() {
    stream_.emplace(ex_);
    used_ = 0;
    auto& sock = stream_->socket();
    beast::error_code ec;
    sock.open(tcp::v4(), ec);
    if (!source_ip_.empty()) {
        // Spread over 127.0.0.x source addresses: each has its own ephemeral port range, and
        // IP_BIND_ADDRESS_NO_PORT defers the port choice to connect() (the full 4-tuple).
        int one = 1;
        ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sock.bind(tcp::endpoint(asio::ip::make_address(source_ip_), 0), ec);
        if (ec) {
            shared_.Error("bind " + source_ip_ + ": " + ec.message());
            co_return false;
        }
    }
    stream_->expires_after(std::chrono::seconds(60));
    auto [cec] = co_await stream_->async_connect(
        tcp::endpoint(asio::ip::make_address(server_.host), server_.port), kTuple);
    if (cec) {
        shared_.Error("connect: " + cec.message());
        co_return false;
    }
    sock.set_option(tcp::no_delay(true), ec);
    // The opening handshake (RFC 6455 §4.1) with Beast's HTTP code; no extensions are offered.
    http::request<http::empty_body> req{http::verb::get, "/api/v1/ws", 11};
    req.set(http::field::host, server_.host + ":" + std::to_string(server_.port));
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::sec_websocket_key, "dmVjaGUtYmVuY2gta2V5MQ==");
    req.set(http::field::sec_websocket_version, "13");
    req.set(http::field::authorization, "Bearer " + token_);
    auto [hwec, hwn] = co_await http::async_write(*stream_, req, kTuple);
    beast::flat_buffer hbuf;
    http::response_parser<http::empty_body> parser;
    if (!hwec) {
        auto [hrec, hrn] = co_await http::async_read_header(*stream_, hbuf, parser, kTuple);
        if (hrec) {
            shared_.Error("ws handshake: " + hrec.message());
            co_return false;
        }
    } else {
        shared_.Error("ws handshake: " + hwec.message());
        co_return false;
    }
    if (parser.get().result_int() != 101) {
        shared_.Error("ws handshake: status " + std::to_string(parser.get().result_int()));
        co_return false;
    }
    stream_->expires_never();
    // Bytes after the response header already belong to the WebSocket stream.
    if (in_.size() < std::max<std::size_t>(4096, hbuf.size())) in_.resize(std::max<std::size_t>(4096, hbuf.size()));
    used_ = asio::buffer_copy(asio::buffer(in_), hbuf.data());
    std::string hello = last_pos_ < 0 ? std::string(R"({"type":"hello"})")
                                      : R"({"type":"hello","last_pos":)" + std::to_string(last_pos_) + "}";
    if (!co_await SendFrame(0x1, hello)) {
        shared_.Error("hello: write failed");
        co_return false;
    }
    shared_.connects++;
    co_return true;
}

// A masked, final frame (clients must mask, RFC 6455 §5.3). The key need not be secret here.
Task<bool> WsClient::SendFrame(std::uint8_t opcode, std::string_view payload) {
    std::string f;
    f.reserve(payload.size() + 14);
    f += static_cast<char>(0x80 | opcode);
    if (payload.size() < 126) {
        f += static_cast<char>(0x80 | payload.size());
    } else if (payload.size() <= 0xFFFF) {
        f += static_cast<char>(0x80 | 126);
        f += static_cast<char>(payload.size() >> 8);
        f += static_cast<char>(payload.size() & 0xFF);
    } else {
        f += static_cast<char>(0x80 | 127);
        for (int i = 7; i >= 0; --i) f += static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> (8 * i)) & 0xFF);
    }
    thread_local std::minstd_rand rng(static_cast<unsigned>(NowNs()));
    std::uint32_t key = static_cast<std::uint32_t>(rng());
    char mask[4] = {static_cast<char>(key), static_cast<char>(key >> 8), static_cast<char>(key >> 16),
                    static_cast<char>(key >> 24)};
    f.append(mask, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ mask[i & 3]);
    auto [ec, n] = co_await asio::async_write(stream_->socket(), asio::buffer(f), kTuple);
    co_return !ec;
}

Task<void> WsClient::ReadLoop() {
    std::string fragments;
    for (;;) {
        // Parse every complete frame in the buffer (server frames are unmasked, §5.1).
        std::size_t off = 0, want = 0;
        while (used_ - off >= 2) {
            auto* p = reinterpret_cast<const std::uint8_t*>(in_.data() + off);
            std::size_t avail = used_ - off;
            bool fin = p[0] & 0x80;
            std::uint8_t op = p[0] & 0x0F;
            if ((p[0] & 0x70) || (p[1] & 0x80)) {
                shared_.Error("ws: protocol error from server (RSV or mask bit)");
                co_return;
            }
            std::uint64_t len = p[1] & 0x7F;
            std::size_t hl = 2;
            if (len == 126) {
                if (avail < 4) break;
                len = (std::uint64_t{p[2]} << 8) | p[3];
                hl = 4;
            } else if (len == 127) {
                if (avail < 10) break;
                len = 0;
                for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
                hl = 10;
            }
            if (len > (64u << 20)) {
                shared_.Error("ws: frame too large");
                co_return;
            }
            if (avail < hl + len) {
                want = hl + static_cast<std::size_t>(len);
                break;
            }
            std::string_view payload(in_.data() + off + hl, static_cast<std::size_t>(len));
            off += hl + static_cast<std::size_t>(len);
            if (op == 0x9) {  // ping → pong with the same payload
                if (!co_await SendFrame(0xA, payload)) co_return;
            } else if (op == 0x8) {  // close: echo the status code, then the server ends TCP
                co_await SendFrame(0x8, payload.substr(0, std::min<std::size_t>(2, payload.size())));
                co_return;
            } else if (op == 0x1 || op == 0x2 || op == 0x0) {
                if (fin && fragments.empty()) {
                    OnFrame(payload);
                } else {
                    fragments.append(payload);
                    if (fin) {
                        OnFrame(fragments);
                        fragments.clear();
                    }
                }
            }
        }
        if (off > 0) {
            std::memmove(in_.data(), in_.data() + off, used_ - off);
            used_ -= off;
        }
        bool filled = used_ == in_.size();
        if (want > in_.size() || (filled && in_.size() < (256u << 10)))
            in_.resize(std::max(want, std::min<std::size_t>(in_.size() * 2, 256u << 10)));
        auto [ec, n] = co_await stream_->socket().async_read_some(
            asio::buffer(in_.data() + used_, in_.size() - used_), kTuple);
        if (ec) {
            if (!shared_.stopping && !reconnect_) shared_.Error("ws read: " + ec.message());
            co_return;
        }
        used_ += n;
    }
}

void WsClient::OnFrame(std::string_view f) {
    if (f.size() > 9 && f.substr(0, 16) == R"({"type":"event",)") {
        auto p = f.find("\"pos\":");
        if (p != std::string_view::npos) {
            std::string_view s = f.substr(p + 6);
            std::uint64_t pos = 0;
            if (ParseU(s, pos)) {
                if (static_cast<std::int64_t>(pos) <= last_pos_) shared_.pos_errors++;
                last_pos_ = static_cast<std::int64_t>(pos);
            }
        }
        if (f.find(R"("kind":"message.created")") == std::string_view::npos) return;
        auto m = FindMarker(f);
        if (!m || m->run != shared_.run) return;
        std::int64_t now = NowNs();
        got_++;
        if (shared_.track_seq) {
            if (seen_.size() <= m->seq) seen_.resize(std::max<std::size_t>(m->seq + 1, seen_.size() * 2), 0);
            if (seen_[m->seq]) shared_.dup_seq++;
            seen_[m->seq] = 1;
        }
        if (m->step != shared_.step.load(std::memory_order_relaxed)) {
            shared_.late++;
            return;
        }
        shared_.delivered.fetch_add(1, std::memory_order_relaxed);
        shared_.latency.Add((now - m->t_ns) / 1000);
        shared_.last_delivery_ns.store(now, std::memory_order_relaxed);
        return;
    }
    if (f.find(R"("type":"hello_ok")") != std::string_view::npos) {
        if (last_pos_ < 0) {
            // Starting from "now": the head is our resume point until the first event arrives.
            auto p = f.find("\"head\":");
            std::string_view s = f.substr(p == std::string_view::npos ? f.size() : p + 7);
            std::uint64_t head = 0;
            if (ParseU(s, head)) last_pos_ = static_cast<std::int64_t>(head);
        }
    } else if (f.find(R"("type":"synced")") != std::string_view::npos) {
        if (!synced_once_) {
            synced_once_ = true;
            shared_.ready++;
        } else {
            shared_.resynced++;
        }
    } else if (f.find(R"("type":"resync_required")") != std::string_view::npos) {
        shared_.Error("resync_required");
    }
}

Task<void> WsClient::Run() {
    int failures = 0;
    while (!shared_.stopping) {
        if (!co_await ConnectOnce()) {
            if (!reconnect_ || ++failures > 20) break;
            co_await SleepFor(std::chrono::milliseconds(100 * failures));
            continue;
        }
        failures = 0;
        co_await ReadLoop();
        beast::error_code ignored;
        stream_->socket().close(ignored);
        if (!reconnect_) break;
        if (shared_.reconnect_jitter_ms > 0 && !shared_.stopping) {
            thread_local std::minstd_rand rng(static_cast<unsigned>(NowNs()));
            co_await SleepFor(
                std::chrono::milliseconds(rng() % static_cast<unsigned>(shared_.reconnect_jitter_ms)));
        }
    }
    shared_.closed++;
}

void WsClient::Drop() {
    asio::dispatch(ex_, [this] {
        if (!stream_) return;
        auto& sock = stream_->socket();
        beast::error_code ec;
        sock.set_option(asio::socket_base::linger(true, 0), ec);
        sock.close(ec);
    });
}

void WsClient::Stop() {
    asio::dispatch(ex_, [this] {
        if (!stream_) return;
        beast::error_code ec;
        stream_->socket().close(ec);
    });
}

}  // namespace veche::bench
