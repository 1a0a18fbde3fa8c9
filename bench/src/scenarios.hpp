#pragma once
// The benchmark scenarios. Each runs as a coroutine on io_contexts[0] against a server the caller
// started, fills `result` (the JSON report) and returns false when a check failed.

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "bench_common.hpp"

namespace veche::bench {

struct Context {
    const Options& opt;
    ServerProc& server;
    std::string admin_token;
    std::vector<asio::io_context*> ios;  // client threads; ios[0] runs the scenario
    boost::json::object result;
    std::string self_exe;
};

Task<bool> RunFanout(Context& c);
Task<bool> RunPersist(Context& c);
Task<bool> RunIdle(Context& c);
Task<bool> RunReconnect(Context& c);
Task<bool> RunHistory(Context& c);
// Fan-out with 20 clients at low rates: asserts every message reached every client exactly once
// and that the percentiles are ordered and plausible.
Task<bool> RunSelfTest(Context& c);

// `veche-bench idle-worker`: a child process holding idle connections for RunIdle.
int IdleWorkerMain(const Options& opt);
// `veche-bench gen-db`: writes the history/search database with the server's storage library.
int GenDbMain(const Options& opt);
// `veche-bench resume-log`: times resume reads of the event log (old vs recent position) with the
// replaced query and the server's current one, generating the log on first use.
int ResumeLogMain(const Options& opt);

}  // namespace veche::bench
