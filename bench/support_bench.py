#!/usr/bin/env python3
"""The support desk's assignment under load (docs/api.md "Support desk"), against a running server.

Issue 13's target: 1,000 new conversations a minute spread over 50 agents in 5 teams. Each new
conversation is a new widget visitor's first message (POST /support/widget/messages): one
transaction makes the contact, the visitor token, the numbered conversation, its chat, the message
and the balanced engine's assignment, so the POST's latency is the assignment latency.

  arrive   open-loop arrivals at --rate per minute (slot i is due at t0 + i/rate; a slot taken
           late keeps its due time, so queueing in the bench counts), round-robin over the teams'
           inboxes; reported: latency p50/p99/max from the due time, and balance = max − min open
           conversations per agent, within each team and over all 50
  drain    every agent offline, --queued conversations arrive (they wait in the queues), then the
           agents come online one at a time: each PUT …/availability hands the queue to that agent in
           its own transaction; reported: the PUT's latency and conversations handed out per PUT

  VECHE_RATE_LIMITS_ENABLED=false build/release/veche serve --listen 127.0.0.1:18092 --data /tmp/sb
  bench/support_bench.py --base http://127.0.0.1:18092 --password ADMIN_PASSWORD [--conversations 1000]
      [--rate 1000] [--teams 5] [--agents-per-team 10] [--capacity 30] [--queued 300]
"""

import argparse
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def line(name, samples_s, extra=""):
    ms = [x * 1000 for x in samples_s]
    print(f"{name:<8} n={len(ms):<5} p50={statistics.median(ms):7.2f} ms  p99={pct(ms, 99):7.2f} ms  "
          f"max={max(ms):7.2f} ms  {extra}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--conversations", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=1000, help="new conversations per minute")
    ap.add_argument("--teams", type=int, default=5)
    ap.add_argument("--agents-per-team", type=int, default=10)
    ap.add_argument("--capacity", type=int, default=30)
    ap.add_argument("--queued", type=int, default=300)
    ap.add_argument("--threads", type=int, default=16)
    a = ap.parse_args()
    u = lambda p: a.base + p  # noqa: E731
    admin = requests.Session()
    tok = admin.post(u("/api/v1/auth/login"), json={"username": "admin", "password": a.password}).json()["token"]
    admin.headers["Authorization"] = "Bearer " + tok
    run = uuid.uuid4().hex[:6]

    def ok(r, status=None):
        assert (r.status_code == status) if status else r.status_code < 300, f"{r.status_code} {r.text}"
        return r.json() if r.content else None

    agent_role = next(r["id"] for r in ok(admin.get(u("/api/v1/admin/roles")))["roles"] if r["name"] == "support.agent")
    teams = []  # (team, inbox token, [agent ids])
    for t in range(a.teams):
        team = ok(admin.post(u("/api/v1/support/teams"), json={"name": f"bench-{run}-{t}"}))
        agents = []
        for k in range(a.agents_per_team):
            uid = ok(admin.post(u("/api/v1/users"), json={"username": f"sb{t}-{k}-{run}", "password": "bench-password-1"}))["id"]
            ok(admin.post(u(f"/api/v1/admin/users/{uid}/roles"), json={"role_id": agent_role}))
            agents.append(uid)
        ok(admin.put(u(f"/api/v1/support/teams/{team['id']}/members"),
                     json={"members": [{"user_id": x, "capacity": a.capacity} for x in agents]}))
        inbox = ok(admin.post(u("/api/v1/support/inboxes"),
                              json={"name": f"bench-{run}-{t}", "channel": "widget", "team_id": team["id"]}))
        teams.append((team, inbox["token"], agents))
    everyone = [x for _, _, ag in teams for x in ag]

    def availability(uid, value):
        t0 = time.perf_counter()
        ok(admin.put(u(f"/api/v1/support/agents/{uid}/availability"), json={"availability": value}))
        return time.perf_counter() - t0

    local = threading.local()

    def visitor_post(i, due):
        s = getattr(local, "s", None) or requests.Session()
        local.s = s
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        _, inbox, _ = teams[i % len(teams)]
        body = ok(s.post(u("/api/v1/support/widget/messages"),
                         json={"inbox": inbox, "text": f"Вопрос {i}: не приходит счёт", "name": f"Клиент {i}"}), 201)
        return time.perf_counter() - due, body["conversation"]

    def arrivals(n, per_minute):
        t0 = time.perf_counter() + 0.2
        with ThreadPoolExecutor(a.threads) as pool:
            futs = [pool.submit(visitor_post, i, t0 + i * 60.0 / per_minute) for i in range(n)]
            out = [f.result() for f in futs]
        return out, time.perf_counter() - t0

    def open_counts():
        agents = ok(admin.get(u("/api/v1/support/agents")))["agents"]
        return {x["user_id"]: x["open_count"] for x in agents}

    # arrive
    for uid in everyone:
        availability(uid, "online")
    results, wall = arrivals(a.conversations, a.rate)
    lat = [r[0] for r in results]
    counts = open_counts()
    per_team = []
    for _, _, ag in teams:
        xs = [counts.get(x, 0) for x in ag]
        per_team.append(max(xs) - min(xs))
    overall = [counts.get(x, 0) for x in everyone]
    line("arrive", lat, f"({len(lat) / wall * 60:.0f}/min offered {a.rate:.0f}/min)")
    print(f"balance  max-min open per agent: per team {per_team}, all {len(everyone)} agents "
          f"{max(overall) - min(overall)} (min {min(overall)}, max {max(overall)}, sum {sum(overall)})", flush=True)

    # drain
    for uid in everyone:
        availability(uid, "offline")
    before = sum(open_counts().values())
    arrivals(a.queued, 6000)
    put_lat, handed = [], []
    last = before
    for uid in everyone:
        put_lat.append(availability(uid, "online"))
        now = sum(open_counts().values())
        handed.append(now - last)
        last = now
    line("drain", put_lat, f"(agent online → queue handed out; {sum(handed)} of {a.queued} queued assigned, "
                           f"max {max(handed)} per PUT)")


if __name__ == "__main__":
    main()
