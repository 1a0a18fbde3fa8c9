#include "scenarios.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

namespace veche::bench {

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

double Round(double v, int digits = 1) {
    double k = std::pow(10.0, digits);
    return std::round(v * k) / k;
}

std::string SourceIp(std::size_t i, std::size_t nsrc) { return "127.0.0." + std::to_string(2 + i % nsrc); }

void Log(const std::string& s) { std::cerr << "[veche-bench] " << s << std::endl; }

// A set of WebSocket clients spread over the client threads.
struct ClientSet {
    WsShared shared;
    std::vector<std::unique_ptr<WsClient>> clients;
    std::unique_ptr<Latch> done;

    void Start(Context& c, const std::vector<User>& users, std::size_t n, bool reconnect) {
        std::size_t nsrc = static_cast<std::size_t>(c.opt.Int("source-ips", 4));
        done = std::make_unique<Latch>(c.ios[0]->get_executor(), n);
        for (std::size_t i = 0; i < n; ++i) {
            auto ex = c.ios[i % c.ios.size()]->get_executor();
            clients.push_back(std::make_unique<WsClient>(ex, c.server.Node(i), users[i % users.size()].token,
                                                         SourceIp(i, nsrc), shared, reconnect));
            WsClient* cl = clients.back().get();
            Latch* l = done.get();
            asio::co_spawn(
                ex,
                [cl, l]() -> Task<void> {
                    co_await cl->Run();
                    l->Done();
                },
                asio::detached);
        }
    }
    // Waits until `target` clients are ready (or timeout); returns seconds taken.
    static Task<double> WaitFor(std::atomic<std::uint64_t>& counter, std::uint64_t target, double timeout_s,
                                std::int64_t t0) {
        while (counter.load() < target && (NowNs() - t0) / 1e9 < timeout_s) {
            co_await SleepFor(std::chrono::milliseconds(20));
        }
        co_return (NowNs() - t0) / 1e9;
    }
    Task<void> StopAll() {
        shared.stopping = true;
        for (auto& cl : clients) cl->Stop();
        co_await done->Wait(std::chrono::seconds(30));
    }
};

// CPU over a window: the server, this process, and everything else on the machine (other people's
// jobs share the cores; a figure measured next to them says so).
double MachineBusySeconds() {
    std::ifstream f("/proc/stat");
    std::string cpu;
    double user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    f >> cpu >> user >> nice >> sys >> idle >> iowait >> irq >> softirq >> steal;
    return (user + nice + sys + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct ServerCpu {
    const ServerProc& srv;
    ProcSample a, self_a;
    double machine_a;
    std::int64_t t0;
    explicit ServerCpu(const ServerProc& s)
        : srv(s),
          a(SampleServer(s)),
          self_a(SampleProc(getpid())),
          machine_a(MachineBusySeconds()),
          t0(NowNs()) {}
    double Pct() const {
        ProcSample b = SampleServer(srv);
        double span = (NowNs() - t0) / 1e9;
        return b.ok && a.ok && span > 0 ? Round(100.0 * (b.cpu_seconds - a.cpu_seconds) / span) : -1;
    }
    // {"server_cpu_pct","bench_cpu_pct","other_cpu_pct","loadavg"}; 100 % = one core.
    boost::json::object Json() const {
        ProcSample b = SampleServer(srv), self_b = SampleProc(getpid());
        double span = (NowNs() - t0) / 1e9;
        double server = b.ok && a.ok ? b.cpu_seconds - a.cpu_seconds : 0;
        double self = self_b.cpu_seconds - self_a.cpu_seconds;
        double machine = MachineBusySeconds() - machine_a;
        std::ifstream la("/proc/loadavg");
        double load1 = 0;
        la >> load1;
        return {{"server_cpu_pct", Round(100.0 * server / span)},
                {"bench_cpu_pct", Round(100.0 * self / span)},
                {"other_cpu_pct", Round(100.0 * std::max(0.0, machine - server - self) / span)},
                {"loadavg1", load1}};
    }
};

// The server's WebSocket write counters (veche_ws_writes_total, veche_ws_frames_written_total).
Task<std::pair<double, double>> WsWriteCounters(Context& c) {
    Http h(co_await asio::this_coro::executor, c.server.host, c.server.port);
    auto m = co_await h.Request(http::verb::get, "/metrics", "", "");
    std::pair<double, double> out{0, 0};
    std::istringstream in(m.body);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("veche_ws_writes_total ", 0) == 0) out.first = std::stod(line.substr(line.find(' ') + 1));
        if (line.rfind("veche_ws_frames_written_total ", 0) == 0)
            out.second = std::stod(line.substr(line.find(' ') + 1));
    }
    co_return out;
}

std::string PostBody(const Marker& m, std::size_t pad) {
    return R"({"text":")" + MarkerText(m, pad) + R"(","client_id":"b)" + std::to_string(m.run) + "-" +
           std::to_string(m.seq) + "\"}";
}

// Open-loop sending plan: slot i is due at t0 + i/rate; a slot taken late keeps its scheduled
// time as the message timestamp, so queueing in the sender counts in the latency (no coordinated
// omission).
struct SendPlan {
    std::int64_t t0 = 0;
    double interval_ns = 0;
    std::uint64_t total = 0;
    std::atomic<std::uint64_t> next{0}, acked{0}, failed{0};
    std::uint64_t seq_base = 0;
    std::uint32_t step = 0;
    Histogram ack;
    std::vector<std::uint8_t>* acked_seqs = nullptr;  // when verifying
    std::atomic<bool> stop{false};
};

Task<void> SendWorker(Http& h, std::string token, std::string chat_id, SendPlan& plan, std::uint32_t run,
                      std::size_t pad) {
    for (;;) {
        if (plan.stop) break;
        std::uint64_t i = plan.next++;
        if (i >= plan.total) break;
        auto sched = plan.t0 + static_cast<std::int64_t>(static_cast<double>(i) * plan.interval_ns);
        co_await SleepUntilNs(sched);
        Marker m{run, plan.step, plan.seq_base + i, sched};
        auto r = co_await h.Request(http::verb::post, "/api/v1/chats/" + chat_id + "/messages",
                                    PostBody(m, pad), token);
        if (r.status == 201) {
            plan.acked++;
            plan.ack.Add((NowNs() - sched) / 1000);
            if (plan.acked_seqs) (*plan.acked_seqs)[m.seq] = 1;
        } else {
            plan.failed++;
        }
    }
}

// Common setup of the channel scenarios: users, one channel with all of them, M connections.
struct ChannelSetup {
    std::vector<User> users;
    std::string chat_id;
};

Task<ChannelSetup> SetupChannel(Context& c, std::size_t n_users) {
    auto ex = co_await asio::this_coro::executor;
    ChannelSetup s;
    std::int64_t t0 = NowNs();
    s.users = co_await MakeUsers(c.server, c.admin_token, "u", n_users,
                                 static_cast<std::size_t>(c.opt.Int("setup-concurrency", 8)));
    Http h(ex, c.server.host, c.server.port);
    auto chat = co_await CreateChannel(h, c.admin_token, "bench");
    if (!chat) throw std::runtime_error("create channel failed");
    s.chat_id = *chat;
    std::vector<std::string> ids;
    for (auto& u : s.users) ids.push_back(u.id);
    if (!co_await AddMembers(h, c.admin_token, s.chat_id, ids))
        throw std::runtime_error("add members failed");
    Log("setup: " + std::to_string(n_users) + " users + channel in " +
        std::to_string(Round((NowNs() - t0) / 1e9, 2)) + " s");
    co_return s;
}

std::vector<std::int64_t> DefaultRates(std::int64_t members, bool full) {
    if (members <= 100)
        return full ? std::vector<std::int64_t>{50, 100, 200, 500, 1000, 2000, 3000, 5000, 8000}
                    : std::vector<std::int64_t>{50, 200, 500, 1000, 2000};
    if (members <= 1000)
        return full ? std::vector<std::int64_t>{10, 20, 50, 100, 200, 300, 500, 800}
                    : std::vector<std::int64_t>{10, 50, 100, 200, 300};
    return full ? std::vector<std::int64_t>{1, 2, 5, 10, 20, 30, 50}
                : std::vector<std::int64_t>{1, 5, 10, 20};
}

}  // namespace

// ------------------------------------------------------------------ fanout
static Task<bool> FanoutImpl(Context& c, std::size_t members, std::vector<std::int64_t> rates, double step_s,
                             double drain_s, bool verify) {
    auto ex = co_await asio::this_coro::executor;
    const bool full = c.opt.Flag("full");
    std::size_t n_users = std::min<std::size_t>(
        members, static_cast<std::size_t>(c.opt.Int("users", c.opt.Flag("full") ? 100 : 20)));
    std::size_t senders = static_cast<std::size_t>(c.opt.Int("senders", 5));
    std::size_t per_sender = static_cast<std::size_t>(c.opt.Int("sender-conns", 8));
    std::size_t pad = static_cast<std::size_t>(c.opt.Int("pad", 100));
    double p99_held = c.opt.Num("p99-held-ms", 10), p99_stop = c.opt.Num("p99-stop-ms", 50);
    senders = std::min(senders, n_users);
    if (verify) p99_stop = 1e9;  // the self-test checks correctness, not speed: run every step
    (void)full;

    auto setup = co_await SetupChannel(c, n_users);
    auto rss_before = SampleServer(c.server);
    ClientSet cs;
    cs.shared.run = static_cast<std::uint32_t>(NowNs() % 1000000000);
    cs.shared.track_seq = verify;
    std::int64_t t0 = NowNs();
    cs.Start(c, setup.users, members, false);
    double connect_s = co_await ClientSet::WaitFor(cs.shared.ready, members, 120, t0);
    std::size_t ready = cs.shared.ready.load();
    Log("fanout: " + std::to_string(ready) + "/" + std::to_string(members) + " connected in " +
        std::to_string(Round(connect_s, 2)) + " s");
    co_await SleepFor(std::chrono::seconds(2));
    auto rss_joined = SampleServer(c.server);

    std::vector<std::unique_ptr<Http>> conns;
    for (std::size_t i = 0; i < senders * per_sender; ++i)
        conns.push_back(std::make_unique<Http>(ex, c.server.Node(i).host, c.server.Node(i).port));

    boost::json::array steps;
    bool ok = ready == members;
    double held_rate = 0, held_deliveries = 0, saturation_rate = 0, best_delivered = 0;
    std::uint64_t seq_base = 0;
    std::vector<std::uint64_t> acked_per_step;
    for (std::size_t si = 0; si < rates.size() && ok; ++si) {
        double rate = static_cast<double>(rates[si]);
        cs.shared.step = static_cast<std::uint32_t>(si + 1);
        cs.shared.delivered = 0;
        cs.shared.latency.Reset();
        SendPlan plan;
        plan.step = static_cast<std::uint32_t>(si + 1);
        plan.total = static_cast<std::uint64_t>(rate * step_s);
        plan.interval_ns = 1e9 / rate;
        plan.seq_base = seq_base;
        plan.t0 = NowNs() + 20'000'000;
        auto writes_before = co_await WsWriteCounters(c);
        ServerCpu cpu(c.server);
        Latch sent(ex, conns.size());
        for (std::size_t w = 0; w < conns.size(); ++w) {
            const User& u = setup.users[w % senders];
            Http* h = conns[w].get();
            asio::co_spawn(
                ex,
                [h, tok = u.token, chat = setup.chat_id, &plan, run = cs.shared.run, pad,
                 &sent]() -> Task<void> {
                    co_await SendWorker(*h, tok, chat, plan, run, pad);
                    sent.Done();
                },
                asio::detached);
        }
        co_await sent.Wait(std::chrono::seconds(static_cast<int>(step_s * 3 + 60)));
        std::int64_t send_end = NowNs();
        std::uint64_t expected = plan.acked.load() * ready;
        while (cs.shared.delivered.load() < expected && (NowNs() - send_end) / 1e9 < drain_s)
            co_await SleepFor(std::chrono::milliseconds(20));
        double cpu_pct = cpu.Pct();
        std::uint64_t delivered = cs.shared.delivered.load();
        std::int64_t last = cs.shared.last_delivery_ns.load();
        double span = ((last > plan.t0 ? last : NowNs()) - plan.t0) / 1e9;
        double ratio = expected ? static_cast<double>(delivered) / static_cast<double>(expected) : 0;
        double per_s = span > 0 ? delivered / span : 0;
        double p99 = cs.shared.latency.PercentileMs(0.99);
        auto rss = SampleServer(c.server);
        auto writes_after = co_await WsWriteCounters(c);
        double writes = writes_after.first - writes_before.first;
        double frames_per_write = writes > 0 ? (writes_after.second - writes_before.second) / writes : 0;
        boost::json::object st{{"offered_msgs_per_s", rate},
                               {"offered_deliveries_per_s", rate * static_cast<double>(ready)},
                               {"sent", plan.next.load() > plan.total ? plan.total : plan.next.load()},
                               {"acked", plan.acked.load()},
                               {"send_errors", plan.failed.load()},
                               {"expected_deliveries", expected},
                               {"delivered", delivered},
                               {"delivery_ratio", Round(ratio, 4)},
                               {"delivered_per_s", Round(per_s, 0)},
                               {"latency_ms", cs.shared.latency.ToJson()},
                               {"ack_latency_ms", plan.ack.ToJson()},
                               {"late_deliveries", cs.shared.late.load()},
                               {"cpu", cpu.Json()},
                               {"server_cpu_pct", cpu_pct},
                               {"server_rss_kib", rss.rss_kib},
                               {"server_ws_writes", writes},
                               {"server_frames_per_write", Round(frames_per_write, 2)},
                               {"span_s", Round(span, 2)}};
        Log("fanout M=" + std::to_string(members) + " rate " + std::to_string(rates[si]) +
            " msg/s: delivered " + std::to_string(delivered) + "/" + std::to_string(expected) + " (" +
            std::to_string(Round(per_s, 0)) + "/s) p50 " +
            std::to_string(cs.shared.latency.PercentileMs(0.5)) + " p99 " + std::to_string(p99) +
            " ms, server cpu " + std::to_string(cpu_pct) + "%, " + std::to_string(Round(frames_per_write, 2)) +
            " frames/write");
        steps.push_back(st);
        acked_per_step.push_back(plan.acked.load());
        seq_base += plan.total;
        best_delivered = std::max(best_delivered, per_s);
        bool clean = ratio >= 0.999 && plan.failed.load() == 0;
        if (clean && p99 <= p99_held) {
            held_rate = rate;
            held_deliveries = per_s;
        }
        if (!clean || p99 > p99_stop) {
            saturation_rate = rate;
            break;
        }
        co_await SleepFor(std::chrono::seconds(1));
    }
    for (auto& h : conns) h->Close();

    std::uint64_t gaps = 0;
    if (verify) {
        // Every acked message must have reached every client exactly once.
        std::vector<std::uint8_t> want(seq_base, 0);
        std::uint64_t acked_total = 0;
        for (auto a : acked_per_step) acked_total += a;
        for (auto& cl : cs.clients) {
            std::uint64_t have = 0;
            for (auto b : cl->seen()) have += b;
            if (have < acked_total) gaps += acked_total - have;
        }
    }
    co_await cs.StopAll();
    boost::json::object r{
        {"scenario", "fanout"},
        {"members", members},
        {"users", n_users},
        {"senders", senders},
        {"sender_connections", senders * per_sender},
        {"connected", ready},
        {"connect_seconds", Round(connect_s, 2)},
        {"server_rss_kib_before", rss_before.rss_kib},
        {"server_rss_kib_joined", rss_joined.rss_kib},
        {"server_rss_kib_per_connection",
         ready ? Round(static_cast<double>(rss_joined.rss_kib - rss_before.rss_kib) / ready, 2) : 0},
        {"step_seconds", step_s},
        {"steps", steps},
        {"held_msgs_per_s_p99_le_10ms", held_rate},
        {"held_deliveries_per_s_p99_le_10ms", Round(held_deliveries, 0)},
        {"saturation_msgs_per_s", saturation_rate},
        {"max_delivered_per_s", Round(best_delivered, 0)},
        {"pos_errors", cs.shared.pos_errors.load()},
        {"duplicate_messages", cs.shared.dup_seq.load()},
        {"client_errors", cs.shared.errors.load()},
        {"first_error", cs.shared.first_error}};
    if (verify) r["gaps"] = gaps;
    c.result = r;
    co_return ok&& cs.shared.pos_errors.load() == 0 && cs.shared.dup_seq.load() == 0 && gaps == 0;
}

Task<bool> RunFanout(Context& c) {
    const bool full = c.opt.Flag("full");
    auto members = c.opt.Int("members", 1000);
    auto rates = c.opt.IntList("rates", DefaultRates(members, full));
    co_return co_await FanoutImpl(c, static_cast<std::size_t>(members), rates,
                                  c.opt.Num("step-seconds", full ? 15 : 5), c.opt.Num("drain-seconds", 5),
                                  false);
}

static bool Check(bool cond, const char* what) {
    if (!cond) Log(std::string("SELFTEST FAILED: ") + what);
    return cond;
}

static bool CheckSelfTest(boost::json::object& r) {
    bool ok = Check(r["connected"].to_number<std::int64_t>() == 20, "all 20 clients connected");
    for (auto& sv : r["steps"].as_array()) {
        auto& s = sv.as_object();
        auto& l = s["latency_ms"].as_object();
        double p50 = l["p50"].to_number<double>(), p90 = l["p90"].to_number<double>(),
               p99 = l["p99"].to_number<double>(), mx = l["max"].to_number<double>();
        ok &= Check(s["delivery_ratio"].to_number<double>() == 1.0, "no loss at every step");
        ok &= Check(s["send_errors"].to_number<std::int64_t>() == 0, "no send errors");
        ok &= Check(s["acked"].to_number<std::int64_t>() > 0, "messages acked");
        ok &= Check(0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= mx * 1.04 + 0.001, "ordered percentiles");
        // No latency bound here: the self-test checks that the scenario measures correctly (it runs
        // beside the other suites on a loaded machine); how fast is what the benchmark reports.
    }
    ok &= Check(r["steps"].as_array().size() == 3, "all three steps ran");
    ok &= Check(r["gaps"].to_number<std::int64_t>() == 0, "no gaps per client");
    ok &= Check(r["duplicate_messages"].to_number<std::int64_t>() == 0, "no duplicates");
    ok &= Check(r["pos_errors"].to_number<std::int64_t>() == 0, "pos strictly increasing");
    return ok;
}

Task<bool> RunSelfTest(Context& c) {
    std::vector<std::int64_t> rates{20, 50, 100};
    bool ok = co_await FanoutImpl(c, 20, rates, 2, 10, true);
    ok = CheckSelfTest(c.result) && ok;
    c.result["selftest"] = ok ? "pass" : "fail";
    co_return ok;
}

// ------------------------------------------------------------------ persist
Task<bool> RunPersist(Context& c) {
    auto ex = co_await asio::this_coro::executor;
    const bool full = c.opt.Flag("full");
    std::size_t n_users = static_cast<std::size_t>(c.opt.Int("users", 64));
    auto levels = c.opt.IntList("concurrency", full ? std::vector<std::int64_t>{8, 32, 64, 128, 256, 512}
                                                    : std::vector<std::int64_t>{16, 64, 256});
    double step_s = c.opt.Num("step-seconds", full ? 20 : 8);
    std::size_t pad = static_cast<std::size_t>(c.opt.Int("pad", 100));
    auto users = co_await MakeUsers(c.server, c.admin_token, "p", n_users,
                                    static_cast<std::size_t>(c.opt.Int("setup-concurrency", 8)));
    // Direct chats: user i with user i+1, created by i.
    std::vector<std::string> chats(n_users);
    {
        Http h(ex, c.server.host, c.server.port);
        for (std::size_t i = 0; i < n_users; ++i) {
            boost::json::object b{{"type", "direct"}, {"user_id", users[(i + 1) % n_users].id}};
            auto r = co_await h.Request(http::verb::post, "/api/v1/chats", boost::json::serialize(b),
                                        users[i].token);
            if (r.status != 201 && r.status != 200) throw std::runtime_error("direct chat: " + r.body);
            chats[i] = std::string(r.Json().as_object().at("id").as_string());
        }
    }
    boost::json::array steps;
    double best = 0;
    std::uint32_t run = static_cast<std::uint32_t>(NowNs() % 1000000000);
    std::uint64_t seq = 0;
    for (auto level : levels) {
        std::vector<std::unique_ptr<Http>> conns;
        for (std::int64_t i = 0; i < level; ++i) {
            const auto& node = c.server.Node(static_cast<std::size_t>(i));
            conns.push_back(std::make_unique<Http>(ex, node.host, node.port));
        }
        Histogram ack;
        std::atomic<std::uint64_t> acked{0}, failed{0};
        std::int64_t t0 = NowNs(), t_end = t0 + static_cast<std::int64_t>(step_s * 1e9);
        ServerCpu cpu(c.server);
        Latch done(ex, conns.size());
        for (std::size_t w = 0; w < conns.size(); ++w) {
            asio::co_spawn(
                ex,
                [&, w]() -> Task<void> {
                    const User& u = users[w % n_users];
                    const std::string& chat = chats[w % n_users];
                    while (NowNs() < t_end) {
                        std::int64_t s = NowNs();
                        Marker m{run, 0, seq++, s};
                        auto r = co_await conns[w]->Request(http::verb::post,
                                                            "/api/v1/chats/" + chat + "/messages",
                                                            PostBody(m, pad), u.token);
                        if (r.status == 201) {
                            acked++;
                            ack.Add((NowNs() - s) / 1000);
                        } else {
                            failed++;
                        }
                    }
                    done.Done();
                },
                asio::detached);
        }
        co_await done.Wait(std::chrono::seconds(static_cast<int>(step_s) + 90));
        double span = (NowNs() - t0) / 1e9;
        double rate = acked.load() / span;
        best = std::max(best, rate);
        auto rss = SampleServer(c.server);
        steps.push_back(boost::json::object{{"concurrency", level},
                                            {"acked", acked.load()},
                                            {"failed", failed.load()},
                                            {"acked_per_s", Round(rate, 0)},
                                            {"ack_latency_ms", ack.ToJson()},
                                            {"server_cpu_pct", cpu.Pct()},
                                            {"cpu", cpu.Json()},
                                            {"server_rss_kib", rss.rss_kib},
                                            {"span_s", Round(span, 2)}});
        Log("persist c=" + std::to_string(level) + ": " + std::to_string(Round(rate, 0)) + " acked/s, p50 " +
            std::to_string(ack.PercentileMs(0.5)) + " p99 " + std::to_string(ack.PercentileMs(0.99)) +
            " ms, failed " + std::to_string(failed.load()));
        for (auto& h : conns) h->Close();
    }
    // The server's own view of group commit.
    Http h(ex, c.server.host, c.server.port);
    auto m = co_await h.Request(http::verb::get, "/metrics", "", "");
    boost::json::array metric_lines;
    std::istringstream in(m.body);
    for (std::string line; std::getline(in, line);) {
        if (line.find("commit") != std::string::npos && line[0] != '#') metric_lines.emplace_back(line);
    }
    c.result = {{"scenario", "persist"},
                {"users", n_users},
                {"direct_chats", n_users},
                {"steps", steps},
                {"best_acked_per_s", Round(best, 0)},
                {"server_commit_metrics", metric_lines}};
    co_return true;
}

// ------------------------------------------------------------------ idle
int IdleWorkerMain(const Options& opt) {
    RaiseFdLimit();
    ServerProc s;
    s.host = opt.Str("host", "127.0.0.1");
    s.port = static_cast<std::uint16_t>(opt.Int("port", 0));
    std::vector<User> users;
    std::ifstream tf(opt.Str("tokens", ""));
    for (std::string t; std::getline(tf, t);) users.push_back(User{"", "", t});
    std::size_t n = static_cast<std::size_t>(opt.Int("count", 0));
    std::size_t first = static_cast<std::size_t>(opt.Int("first", 0));
    std::size_t nsrc = static_cast<std::size_t>(opt.Int("source-ips", 4));
    asio::io_context io(1);
    WsShared shared;
    std::vector<std::unique_ptr<WsClient>> clients;
    for (std::size_t i = 0; i < n; ++i) {
        clients.push_back(std::make_unique<WsClient>(io.get_executor(), s,
                                                     users[(first + i) % users.size()].token,
                                                     SourceIp(first + i, nsrc), shared, false));
        WsClient* cl = clients.back().get();
        asio::co_spawn(
            io, [cl]() -> Task<void> { co_await cl->Run(); }, asio::detached);
    }
    std::int64_t t0 = NowNs();
    // Report once all are ready (or failed), then hold them until the parent closes stdin.
    asio::co_spawn(
        io,
        [&]() -> Task<void> {
            while (shared.ready.load() + shared.errors.load() < n && (NowNs() - t0) < 180'000'000'000LL)
                co_await SleepFor(std::chrono::milliseconds(20));
            std::printf("ready %zu errors %zu seconds %.3f first_error %s\n",
                        static_cast<std::size_t>(shared.ready.load()),
                        static_cast<std::size_t>(shared.errors.load()), (NowNs() - t0) / 1e9,
                        shared.first_error.empty() ? "-" : shared.first_error.c_str());
            std::fflush(stdout);
            asio::posix::stream_descriptor in(io, ::dup(0));
            char b[16];
            co_await in.async_read_some(asio::buffer(b), kTuple);
            shared.stopping = true;
            for (auto& cl : clients) cl->Stop();
        },
        asio::detached);
    io.run();
    return 0;
}

Task<bool> RunIdle(Context& c) {
    const bool full = c.opt.Flag("full");
    auto counts = c.opt.IntList("conns", full ? std::vector<std::int64_t>{1000, 10000, 19000}
                                              : std::vector<std::int64_t>{1000, 10000});
    std::size_t per_proc = static_cast<std::size_t>(c.opt.Int("per-process", 6500));
    std::size_t n_users = static_cast<std::size_t>(c.opt.Int("users", c.opt.Flag("full") ? 100 : 20));
    auto users = co_await MakeUsers(c.server, c.admin_token, "i", n_users,
                                    static_cast<std::size_t>(c.opt.Int("setup-concurrency", 8)));
    std::string tokens = c.server.dir + "/tokens.txt";
    {
        std::ofstream f(tokens);
        for (auto& u : users) f << u.token << "\n";
    }
    boost::json::array runs;
    bool ok = true;
    // Per-connection RSS is measured against the server before its first connection: memory freed by
    // an earlier run stays in the allocator, so "after minus before this run" would undercount.
    co_await SleepFor(std::chrono::seconds(2));
    const auto baseline = SampleServer(c.server);
    for (auto count : counts) {
        co_await SleepFor(std::chrono::seconds(2));
        auto before = SampleServer(c.server);
        std::size_t procs = (static_cast<std::size_t>(count) + per_proc - 1) / per_proc;
        struct Child {
            pid_t pid;
            FILE* out;
            int in_fd;
        };
        std::vector<Child> kids;
        std::int64_t t0 = NowNs();
        std::size_t first = 0;
        for (std::size_t p = 0; p < procs; ++p) {
            std::size_t n = std::min<std::size_t>(per_proc, static_cast<std::size_t>(count) - first);
            int to_child[2], from_child[2];
            if (pipe(to_child) != 0 || pipe(from_child) != 0) throw std::runtime_error("pipe");
            pid_t pid = fork();
            if (pid == 0) {
                dup2(to_child[0], 0);
                dup2(from_child[1], 1);
                close(to_child[1]);
                close(from_child[0]);
                std::string port = std::to_string(c.server.port), cnt = std::to_string(n),
                            fst = std::to_string(first), nsrc = std::to_string(c.opt.Int("source-ips", 4));
                execl(c.self_exe.c_str(), c.self_exe.c_str(), "idle-worker", "--port", port.c_str(),
                      "--tokens", tokens.c_str(), "--count", cnt.c_str(), "--first", fst.c_str(),
                      "--source-ips", nsrc.c_str(), static_cast<char*>(nullptr));
                _exit(127);
            }
            close(to_child[0]);
            close(from_child[1]);
            kids.push_back({pid, fdopen(from_child[0], "r"), to_child[1]});
            first += n;
        }
        std::size_t ready = 0, errors = 0;
        std::string first_error;
        for (auto& k : kids) {
            char line[512] = {0};
            if (std::fgets(line, sizeof line, k.out)) {
                std::size_t r = 0, e = 0;
                double secs = 0;
                char err[400] = {0};
                if (std::sscanf(line, "ready %zu errors %zu seconds %lf first_error %399[^\n]", &r, &e, &secs,
                                err) >= 3) {
                    ready += r;
                    errors += e;
                    if (first_error.empty() && std::string(err) != "-") first_error = err;
                }
            }
        }
        double connect_s = (NowNs() - t0) / 1e9;
        co_await SleepFor(std::chrono::seconds(3));
        auto after = SampleServer(c.server);
        double per_conn =
            ready ? static_cast<double>(after.rss_kib - baseline.rss_kib) / static_cast<double>(ready) : 0;
        Log("idle " + std::to_string(count) + ": " + std::to_string(ready) + " ready in " +
            std::to_string(Round(connect_s, 2)) + " s, RSS " + std::to_string(before.rss_kib) + " -> " +
            std::to_string(after.rss_kib) + " KiB (" + std::to_string(Round(per_conn, 2)) + " KiB/conn)");
        runs.push_back(boost::json::object{{"connections", count},
                                           {"processes", procs},
                                           {"ready", ready},
                                           {"errors", errors},
                                           {"first_error", first_error},
                                           {"connect_seconds", Round(connect_s, 2)},
                                           {"server_rss_kib_baseline", baseline.rss_kib},
                                           {"server_rss_kib_before", before.rss_kib},
                                           {"server_rss_kib_after", after.rss_kib},
                                           {"server_rss_kib_per_connection", Round(per_conn, 2)}});
        ok = ok && ready == static_cast<std::size_t>(count);
        for (auto& k : kids) {
            close(k.in_fd);
            std::fclose(k.out);
        }
        for (auto& k : kids) waitpid(k.pid, nullptr, 0);
    }
    c.result = {{"scenario", "idle"}, {"users", n_users}, {"runs", runs}};
    co_return ok;
}

// ------------------------------------------------------------------ reconnect storm
Task<bool> RunReconnect(Context& c) {
    auto ex = co_await asio::this_coro::executor;
    const bool full = c.opt.Flag("full");
    std::size_t n = static_cast<std::size_t>(c.opt.Int("clients", full ? 10000 : 2000));
    std::size_t n_users =
        std::min<std::size_t>(n, static_cast<std::size_t>(c.opt.Int("users", c.opt.Flag("full") ? 100 : 20)));
    double rate =
        c.opt.Num("rate", 1);  // msgs/s into the channel: 1 msg/s is already 10k deliveries/s at 10k clients
    auto setup = co_await SetupChannel(c, n_users);
    ClientSet cs;
    cs.shared.run = static_cast<std::uint32_t>(NowNs() % 1000000000);
    cs.shared.track_seq = true;
    cs.shared.reconnect_jitter_ms = static_cast<int>(c.opt.Int("jitter-ms", 0));
    std::int64_t t0 = NowNs();
    cs.Start(c, setup.users, n, true);
    double connect_s = co_await ClientSet::WaitFor(cs.shared.ready, n, 180, t0);
    Log("reconnect: " + std::to_string(cs.shared.ready.load()) + "/" + std::to_string(n) + " connected in " +
        std::to_string(Round(connect_s, 2)) + " s");

    // Messages keep flowing through the storm: an open-loop sender with a generous budget.
    SendPlan plan;
    std::vector<std::uint8_t> acked_seqs(1'000'000, 0);
    plan.acked_seqs = &acked_seqs;
    plan.total = acked_seqs.size();
    plan.interval_ns = 1e9 / rate;
    plan.t0 = NowNs();
    cs.shared.step = 0;
    std::vector<std::unique_ptr<Http>> conns;
    for (int i = 0; i < 4; ++i) conns.push_back(std::make_unique<Http>(ex, c.server.host, c.server.port));
    Latch sent(ex, conns.size());
    for (std::size_t w = 0; w < conns.size(); ++w) {
        Http* h = conns[w].get();
        asio::co_spawn(
            ex,
            [h, tok = setup.users[w % setup.users.size()].token, chat = setup.chat_id, &plan,
             run = cs.shared.run, &sent]() -> Task<void> {
                co_await SendWorker(*h, tok, chat, plan, run, 50);
                sent.Done();
            },
            asio::detached);
    }
    co_await SleepFor(std::chrono::seconds(2));
    ServerCpu cpu(c.server);
    std::int64_t t_drop = NowNs();
    for (auto& cl : cs.clients) cl->Drop();
    double storm_s =
        co_await ClientSet::WaitFor(cs.shared.resynced, n, c.opt.Num("storm-timeout", 60), t_drop);
    double storm_cpu = cpu.Pct();
    auto storm_cpu_json = cpu.Json();
    std::uint64_t resynced = cs.shared.resynced.load();
    Log("reconnect storm: " + std::to_string(resynced) + "/" + std::to_string(n) + " resynced in " +
        std::to_string(Round(storm_s, 2)) + " s");
    co_await SleepFor(std::chrono::seconds(2));
    plan.stop = true;
    co_await sent.Wait(std::chrono::seconds(60));
    // Drain: wait until every client has every acked message (bounded).
    std::uint64_t acked = plan.acked.load();
    std::int64_t td = NowNs();
    std::uint64_t gaps = 0;
    for (;;) {
        gaps = 0;
        for (auto& cl : cs.clients) {
            const auto& seen = cl->seen();
            for (std::size_t s = 0; s < acked_seqs.size(); ++s) {
                if (acked_seqs[s] && (s >= seen.size() || !seen[s])) gaps++;
                if (s > plan.next.load() + 1) break;
            }
        }
        if (gaps == 0 || (NowNs() - td) / 1e9 > 10) break;
        co_await SleepFor(std::chrono::milliseconds(500));
    }
    co_await cs.StopAll();
    for (auto& h : conns) h->Close();
    c.result = {{"scenario", "reconnect"},
                {"clients", n},
                {"users", n_users},
                {"connect_seconds", Round(connect_s, 2)},
                {"msgs_per_s_during_storm", rate},
                {"reconnect_jitter_ms", cs.shared.reconnect_jitter_ms},
                {"resynced", resynced},
                {"storm_seconds_until_all_resynced", Round(storm_s, 2)},
                {"server_cpu_pct_during_storm", storm_cpu},
                {"cpu_during_storm", storm_cpu_json},
                {"messages_acked", acked},
                {"send_errors", plan.failed.load()},
                {"gaps", gaps},
                {"duplicates", cs.shared.dup_seq.load()},
                {"pos_errors", cs.shared.pos_errors.load()},
                {"reconnects", cs.shared.connects.load()},
                {"client_errors", cs.shared.errors.load()},
                {"first_error", cs.shared.first_error}};
    co_return resynced >= n&& gaps == 0 && cs.shared.dup_seq.load() == 0 && cs.shared.pos_errors.load() == 0;
}

}  // namespace veche::bench
