#!/usr/bin/env python3
"""Checks a veche-bench result file from a scenario's self-test run (bench/CMakeLists.txt): the run
must have measured something real, not only exited 0. Usage: check_result.py SCENARIO FILE.json"""
import json
import sys


def main(scenario, path):
    r = json.load(open(path))
    assert r.get("ok") is True, f"{scenario}: not ok: {r.get('error')!r}"
    assert r.get("scenario") == scenario, r.get("scenario")
    if scenario == "persist":
        assert r["steps"], "no steps"
        for s in r["steps"]:
            assert s["acked"] > 0 and s["failed"] == 0, s
            assert s["ack_latency_ms"]["count"] == s["acked"], s
    elif scenario == "idle":
        assert r["runs"], "no runs"
        for run in r["runs"]:
            assert run["ready"] == run["connections"] and run["errors"] == 0, run
            assert run["server_rss_kib_per_connection"] > 0, run
    elif scenario == "reconnect":
        assert r["resynced"] == r["clients"], r
        assert r["messages_acked"] > 0, r
        for k in ("gaps", "duplicates", "pos_errors", "client_errors", "send_errors"):
            assert r[k] == 0, (k, r[k])
    elif scenario == "history":
        assert r["search_queries"] > 0 and r["history_pages"] > 0, r
        assert r["search_errors"] == 0 and r["history_errors"] == 0, r
        assert r["search_avg_results"] > 0, "the search queries found nothing in the generated data"
    else:
        raise SystemExit(f"unknown scenario {scenario}")
    print(f"{scenario}: self-test result checked")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
