// veche-bench: load generator for the Veche server. See bench/README.md.
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "bench_common.hpp"
#include "scenarios.hpp"

using namespace veche::bench;

namespace {

ServerProc* g_server = nullptr;

void OnAlarm(int) {
    // Hard wall-clock cap: never leave a server or a run behind.
    if (g_server && g_server->launched && g_server->pid > 0) kill(g_server->pid, SIGKILL);
    static const char msg[] = "[veche-bench] hard time cap reached\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(3);
}

void Usage() {
    std::cerr
        << "usage: veche-bench SCENARIO [options]\n"
           "  scenarios: fanout | persist | idle | reconnect | history | selftest | gen-db | resume-log\n"
           "  server:    --server-bin PATH (default: veche next to this binary; a fresh data dir and a\n"
           "             free 127.0.0.1 port) | --port N --admin-password P [--server-pid PID] to attach\n"
           "  common:    --full  --out FILE.json  --threads N  --max-seconds S  --source-ips N\n"
           "             --server-env K=V,K=V (environment of the launched server, e.g. VECHE_WORKERS=256)\n"
           "             --nodes N (with VECHE_STORAGE=postgresql://… and VECHE_BUS=redis://… in --server-env:\n"
           "               N cluster nodes; clients and senders are spread round-robin over them)\n"
           "  fanout:    --members M --rates R1,R2.. (msgs/s) --step-seconds --drain-seconds --senders\n"
           "             --sender-conns --users --pad --p99-held-ms --p99-stop-ms\n"
           "  persist:   --users N --concurrency C1,C2.. --step-seconds\n"
           "  idle:      --conns N1,N2.. --per-process N --users N\n"
           "  reconnect: --clients N --rate MSGS_PER_S --users N\n"
           "  gen-db:    --data DIR --messages N --chats N --users N\n"
           "  history:   --data DIR (from gen-db) --queries N --history-pages N\n"
           "  resume-log: --data DIR | --storage postgresql://… --events N --chats N --users N --repeat N\n";
}

// JSON with plain decimal numbers (boost::json writes doubles as 1.5E1), for the human summary.
std::string Plain(const boost::json::value& v) {
    if (v.is_double()) {
        double d = v.as_double();
        char b[64];
        if (d == static_cast<double>(static_cast<long long>(d)) && std::abs(d) < 1e15) {
            std::snprintf(b, sizeof b, "%lld", static_cast<long long>(d));
        } else {
            std::snprintf(b, sizeof b, "%.3f", d);
        }
        return b;
    }
    if (v.is_object()) {
        std::string o = "{";
        for (const auto& [k, e] : v.as_object()) {
            if (o.size() > 1) o += ", ";
            o += std::string(k) + ": " + Plain(e);
        }
        return o + "}";
    }
    if (v.is_array()) {
        std::string o = "[";
        for (const auto& e : v.as_array()) o += (o.size() > 1 ? ", " : "") + Plain(e);
        return o + "]";
    }
    return boost::json::serialize(v);
}

void PrintSummary(const std::string& scenario, const boost::json::object& r) {
    std::cout << "== veche-bench " << scenario << " ==\n";
    for (const auto& [k, v] : r) {
        if (v.is_array()) {
            std::cout << k << ":\n";
            for (const auto& e : v.as_array()) std::cout << "  " << Plain(e) << "\n";
        } else {
            std::cout << k << ": " << Plain(v) << "\n";
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        Usage();
        return 2;
    }
    std::string scenario = argv[1];
    try {
        Options opt(argc, argv, 2);
        if (scenario == "idle-worker") return IdleWorkerMain(opt);
        if (scenario == "gen-db") return GenDbMain(opt);
        if (scenario == "resume-log") return ResumeLogMain(opt);
        static const std::set<std::string> kKnown{"fanout",    "persist", "idle",
                                                  "reconnect", "history", "selftest"};
        if (!kKnown.count(scenario)) {
            Usage();
            return 2;
        }
        RaiseFdLimit();
        signal(SIGPIPE, SIG_IGN);
        signal(SIGALRM, OnAlarm);
        alarm(static_cast<unsigned>(opt.Int("max-seconds", 900)));

        ServerProc server;
        g_server = &server;
        if (opt.Has("port")) {
            server.port = static_cast<std::uint16_t>(opt.Int("port", 0));
            server.host = opt.Str("host", "127.0.0.1");
            server.pid = static_cast<pid_t>(opt.Int("server-pid", 0));
            server.admin_password = opt.Str("admin-password", "");
            server.dir = "/tmp";
            if (server.host.rfind("127.", 0) != 0) throw std::runtime_error("refusing a non-loopback target");
        } else {
            std::string bin = opt.Str("server-bin", DefaultServerBin(argv[0]));
            // --server-env VECHE_WORKERS=256,VECHE_IO_THREADS=2: server configuration for this run.
            std::vector<std::string> env;
            std::istringstream es(opt.Str("server-env", ""));
            for (std::string kv; std::getline(es, kv, ',');) {
                if (!kv.empty()) env.push_back(kv);
            }
            server = LaunchServer(bin, opt.Str("data", ""), "bench-admin-password-1", env);
            if (!WaitHealthy(server, 30))
                throw std::runtime_error("server did not become healthy: see " + server.dir);
            std::cerr << "[veche-bench] server pid " << server.pid << " on 127.0.0.1:" << server.port << "\n";
            // --nodes N (cluster mode; --server-env names VECHE_STORAGE and VECHE_BUS): the first node
            // has applied the migrations and created the administrator; the others share its files.
            for (std::int64_t k = 1; k < opt.Int("nodes", 1); ++k) {
                server.others.push_back(LaunchServer(bin, server.data_dir, "bench-admin-password-1", env));
                if (!WaitHealthy(server.others.back(), 30))
                    throw std::runtime_error("node did not become healthy: see " + server.others.back().dir);
                std::cerr << "[veche-bench] node pid " << server.others.back().pid << " on 127.0.0.1:"
                          << server.others.back().port << "\n";
            }
        }

        std::size_t threads = static_cast<std::size_t>(opt.Int("threads", 1));
        std::vector<std::unique_ptr<asio::io_context>> ios;
        std::vector<asio::io_context*> io_ptrs;
        for (std::size_t i = 0; i < threads; ++i) {
            ios.push_back(std::make_unique<asio::io_context>(1));
            io_ptrs.push_back(ios.back().get());
        }
        Context ctx{opt, server, "", io_ptrs, {}, "/proc/self/exe"};
        {
            char buf[4096];
            ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
            if (n > 0) ctx.self_exe.assign(buf, static_cast<std::size_t>(n));
        }
        bool ok = false;
        std::string error;
        std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
        for (auto* io : io_ptrs) guards.push_back(asio::make_work_guard(*io));
        asio::co_spawn(
            *io_ptrs[0],
            [&]() -> Task<void> {
                try {
                    Http h(co_await asio::this_coro::executor, server.host, server.port);
                    std::string admin_user = scenario == "history" ? "admin" : opt.Str("admin-user", "admin");
                    auto tok = co_await Login(h, admin_user, server.admin_password);
                    if (!tok) throw std::runtime_error("admin login failed");
                    ctx.admin_token = *tok;
                    if (scenario == "fanout")
                        ok = co_await RunFanout(ctx);
                    else if (scenario == "persist")
                        ok = co_await RunPersist(ctx);
                    else if (scenario == "idle")
                        ok = co_await RunIdle(ctx);
                    else if (scenario == "reconnect")
                        ok = co_await RunReconnect(ctx);
                    else if (scenario == "history")
                        ok = co_await RunHistory(ctx);
                    else if (scenario == "selftest")
                        ok = co_await RunSelfTest(ctx);
                } catch (const std::exception& e) {
                    error = e.what();
                }
                guards.clear();
                for (auto* io : io_ptrs) io->stop();
            },
            asio::detached);
        std::vector<std::thread> workers;
        for (std::size_t i = 1; i < threads; ++i) workers.emplace_back([io = io_ptrs[i]] { io->run(); });
        io_ptrs[0]->run();
        for (auto& t : workers) t.join();

        auto peak = SampleProc(server.pid);
        ctx.result["ok"] = ok && error.empty();
        if (!error.empty()) ctx.result["error"] = error;
        ctx.result["server_rss_kib_end"] = peak.rss_kib;
        ctx.result["client_threads"] = threads;
        ctx.result["mode"] = opt.Flag("full") ? "full" : "quick";
        if (opt.Has("server-env")) ctx.result["server_env"] = opt.Str("server-env", "");
        ctx.result["nodes"] = server.others.size() + 1;
        StopServer(server);
        PrintSummary(scenario, ctx.result);
        std::string out = opt.Str("out", "");
        if (!out.empty()) std::ofstream(out) << boost::json::serialize(ctx.result) << "\n";
        if (!error.empty()) std::cerr << "[veche-bench] error: " << error << "\n";
        return ok && error.empty() ? 0 : 1;
    } catch (const std::exception& e) {
        if (g_server) StopServer(*g_server);
        std::cerr << "[veche-bench] " << e.what() << "\n";
        return 1;
    }
}
