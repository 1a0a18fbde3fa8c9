#!/usr/bin/env python3
"""The expert network's leaderboards under a full ledger (docs/api.md "Gamification and leaderboards").

Target (issue 14 item 6): leaderboard p99 <= 20 ms with 1,000 experts and the ledger of 100,000
consultations. Starts the release server itself on a free port with a fresh data directory
(SQLite, or --storage postgresql://…), fills it, then measures one client at a time over HTTP
(requests, keep-alive):

  fill      1,000 experts (users, each an expert of one of --communities communities), then the
            ledger. When the server has consultations (`veche routes` lists POST
            /api/v1/experts/consultations) it files --consultations consultations through their
            API (create → assign → accept → resolve, every third rated), so the ledger comes from
            the consultation observer exactly as in production. Without them (this branch) the
            ledger is filled by the documented bulk path: POST /api/v1/experts/score-events with
            batches of 1,000 awards by hand, each with the rule's points of a consultation
            (10/20/30, +5 for a good rating, 2 for a rejection) and a day spread over --days.
  measure   GET /leaderboards/experts for period month|quarter|year|all, the same for one
            community, GET /leaderboards/communities, and GET /experts/{id}/card; --samples each.
            With consultations, also the registry page GET /api/v1/experts/consultations.

  cmake --preset release && cmake --build build/release -j2 --target veche
  bench/experts_bench.py [--bin build/release/veche] [--experts 1000] [--events 100000]
"""

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

API = "/api/v1/experts"
PASSWORD = "bench-admin-password-1"


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def line(name, samples_s):
    ms = [x * 1000 for x in samples_s]
    print(f"{name:<28} n={len(ms):<5} p50={statistics.median(ms):7.2f} ms  p99={pct(ms, 99):7.2f} ms  "
          f"max={max(ms):7.2f} ms", flush=True)
    return pct(ms, 99)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ok(r, status=None):
    assert (r.status_code == status) if status else r.status_code < 300, f"{r.request.method} {r.url}: {r.status_code} {r.text[:300]}"
    return r.json() if r.content else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/release/veche")
    ap.add_argument("--storage", default=None, help="a postgresql:// URL (default: SQLite in the data dir)")
    ap.add_argument("--experts", type=int, default=1000)
    ap.add_argument("--communities", type=int, default=10)
    ap.add_argument("--events", type=int, default=100_000, help="ledger rows by the bulk path")
    ap.add_argument("--consultations", type=int, default=100_000, help="when the server has consultations")
    ap.add_argument("--days", type=int, default=400)
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--threads", type=int, default=4)
    a = ap.parse_args()

    data = tempfile.mkdtemp(prefix="veche-experts-bench-")
    port = free_port()
    env = dict(os.environ, VECHE_BOOTSTRAP_ADMIN_PASSWORD=PASSWORD, VECHE_RATE_LIMITS_ENABLED="false")
    routes = subprocess.run([a.bin, "routes"], capture_output=True, text=True, check=True).stdout
    has_consultations = f"POST {API}/consultations" in routes
    args = [a.bin, "serve", "--listen", f"127.0.0.1:{port}", "--data", data, "--log-level", "warn"]
    if a.storage:
        args += ["--storage", a.storage]
    proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    u = lambda p: base + p  # noqa: E731
    try:
        for _ in range(200):
            try:
                if requests.get(u("/api/v1/health"), timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        admin = requests.Session()
        admin.headers["Authorization"] = "Bearer " + ok(admin.post(u("/api/v1/auth/login"), json={
            "username": "admin", "password": PASSWORD}))["token"]
        run = uuid.uuid4().hex[:6]
        rng = random.Random(14)

        t0 = time.perf_counter()
        communities = [ok(admin.post(u(f"{API}/communities"), json={
            "slug": f"bench-{run}-{i}", "title": f"Сообщество {i}"}), 201)["id"] for i in range(a.communities)]

        def make_expert(i):
            s = requests.Session()
            s.headers["Authorization"] = admin.headers["Authorization"]
            uid = ok(s.post(u("/api/v1/users"), json={"username": f"ex{i}-{run}", "password": "bench-password-1",
                                                      "display_name": f"Эксперт {i}"}), 201)["id"]
            c = communities[i % len(communities)]
            ok(s.put(u(f"{API}/communities/{c}/roles/{uid}"), json={"role": "expert"}))
            return uid, c

        with ThreadPoolExecutor(a.threads) as pool:
            experts = list(pool.map(make_expert, range(a.experts)))
        print(f"fill: {len(experts)} experts in {a.communities} communities in {time.perf_counter() - t0:.1f} s",
              flush=True)

        t0 = time.perf_counter()
        now = int(time.time() * 1000)
        if has_consultations:
            fill_consultations(admin, u, experts, communities, a, rng, run)
            what = f"{a.consultations} consultations through their API"
        else:
            rows = 0
            while rows < a.events:
                batch = []
                while len(batch) < min(1000, a.events - rows):
                    uid, c = rng.choice(experts)
                    at = now - rng.randrange(a.days) * 86_400_000 - rng.randrange(86_400_000)
                    kind = rng.random()
                    points = 2 if kind < 0.1 else rng.choice([10, 20, 30])
                    batch.append({"user_id": uid, "community_id": c, "points": points, "at": at,
                                  "reason": "bench: a consultation's award"})
                    if points != 2 and rng.random() < 0.3 and len(batch) < 1000:
                        batch.append({"user_id": uid, "community_id": c, "points": 5, "at": at,
                                      "reason": "bench: the rating bonus"})
                ok(admin.post(u(f"{API}/score-events"), json={"events": batch}), 201)
                rows += len(batch)
            what = f"{rows} ledger rows by the bulk path (POST {API}/score-events, batches of 1,000)"
        print(f"fill: {what} in {time.perf_counter() - t0:.1f} s", flush=True)

        def timed(path, params=None):
            t = time.perf_counter()
            ok(admin.get(u(path), params=params))
            return time.perf_counter() - t

        worst = 0.0
        for period in ("month", "quarter", "year", "all"):
            worst = max(worst, line(f"experts board {period}",
                                    [timed(f"{API}/leaderboards/experts", {"period": period}) for _ in range(a.samples)]))
        worst = max(worst, line("experts board all, community", [
            timed(f"{API}/leaderboards/experts", {"period": "all", "community": rng.choice(communities)})
            for _ in range(a.samples)]))
        worst = max(worst, line("experts board all, page 5", [
            timed(f"{API}/leaderboards/experts", {"period": "all", "offset": 500}) for _ in range(a.samples)]))
        worst = max(worst, line("communities board all", [
            timed(f"{API}/leaderboards/communities", {"period": "all"}) for _ in range(a.samples)]))
        line("expert card", [timed(f"{API}/experts/{rng.choice(experts)[0]}/card") for _ in range(a.samples)])
        if has_consultations:
            line("registry page", [timed(f"{API}/consultations", {"limit": 50}) for _ in range(a.samples)])
        print(f"leaderboards: worst p99 {worst:.2f} ms (target <= 20 ms)", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


def fill_consultations(admin, u, experts, communities, a, rng, run):
    """Consultations through their API (docs/api.md, "Consultations"): a requester files one, the
    admin (a curator everywhere) assigns an expert, who accepts and resolves it; every third is rated."""
    ok(admin.post(u("/api/v1/users"), json={"username": f"rq-{run}", "password": "bench-password-1"}), 201)
    rs = requests.Session()
    rs.headers["Authorization"] = "Bearer " + ok(rs.post(u("/api/v1/auth/login"), json={
        "username": f"rq-{run}", "password": "bench-password-1"}))["token"]
    sessions = {}

    def expert_session(uid, i):
        if uid not in sessions:
            s = requests.Session()
            s.headers["Authorization"] = "Bearer " + ok(s.post(u("/api/v1/auth/login"), json={
                "username": f"ex{i}-{run}", "password": "bench-password-1"}))["token"]
            sessions[uid] = s
        return sessions[uid]

    for n in range(a.consultations):
        i = rng.randrange(len(experts))
        uid, c = experts[i]
        level = rng.choice(["beginner", "basic", "advanced"])
        cons = ok(rs.post(u(f"{API}/consultations"), json={
            "community_id": c, "title": f"Вопрос {n}", "question": "Как настроить флотацию?",
            "expected_result": "Режим реагентов", "difficulty": level}), 201)
        ok(admin.post(u(f"{API}/consultations/{cons['id']}/assign"), json={"expert_id": uid}))
        es = expert_session(uid, i)
        ok(es.post(u(f"{API}/consultations/{cons['id']}/accept")))
        ok(es.post(u(f"{API}/consultations/{cons['id']}/resolve"), json={"text": "Ответ эксперта"}))
        if n % 3 == 0:
            ok(rs.post(u(f"{API}/consultations/{cons['id']}/rating"), json={"rating": rng.randint(1, 5)}))


if __name__ == "__main__":
    main()
