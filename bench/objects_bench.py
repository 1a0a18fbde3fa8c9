#!/usr/bin/env python3
"""Business objects through the public API (docs/api.md "Business objects"), against a running server.

What an ERP and a commission do, measured end to end over HTTP on one connection each:
  upsert      PUT /objects/{type}/{id}: new objects (each opens its chats), then the same again (no-ops)
  supplier    POST /objects/{id}/counterparties: a supplier with its confidential chat
  stage       POST /objects/{id}/stage on an object with S suppliers: S chats archived, next stage opened
  decision    POST /approvals/{id}/decisions: a signed decision (Ed25519, file re-hashed)
  ballot      POST /votes/{id}/ballots: a ballot, the card edited live

  bench/objects_bench.py --base http://127.0.0.1:18090 --password ADMIN_PASSWORD [--objects 200] [--suppliers 50]
"""

import argparse
import statistics
import time
import uuid

import requests


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def line(name, samples):
    ms = [x * 1000 for x in samples]
    print(f"{name:<10} n={len(ms):<5} p50={statistics.median(ms):7.2f} ms  p99={pct(ms, 99):7.2f} ms  "
          f"max={max(ms):7.2f} ms  ({len(ms) / sum(samples):7.1f}/s sequential)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--objects", type=int, default=200)
    ap.add_argument("--suppliers", type=int, default=50)
    a = ap.parse_args()
    s = requests.Session()
    tok = s.post(a.base + "/api/v1/auth/login", json={"username": "admin", "password": a.password}).json()["token"]
    s.headers["Authorization"] = "Bearer " + tok
    u = lambda p: a.base + p  # noqa: E731
    run = uuid.uuid4().hex[:6]

    def user(name):
        r = s.post(u("/api/v1/users"), json={"username": name, "password": "bench-password-1"})
        r.raise_for_status()
        return r.json()["id"]

    manager = user(f"m-{run}")
    commission = [user(f"c{i}-{run}") for i in range(5)]
    s.put(u(f"/api/v1/object-types/bench-{run}"), json={
        "name": "Тендер", "stages": [{"key": "offers", "name": "Предложения"}, {"key": "commission", "name": "Комиссия"}],
        "chats": [{"key": "org", "title": "Орг. чат — {{object.title}}", "members": ["category_manager", "commission"]},
                  {"key": "sup", "stage": "offers", "scope": "per_counterparty", "category": "supplier",
                   "title": "{{counterparty.name}}", "members": ["category_manager"]},
                  {"key": "com", "stage": "commission", "title": "Комиссия", "members": ["category_manager", "commission"]}],
        "vote_fields": [{"key": "price", "label": "Цена", "type": "money"}]}).raise_for_status()
    members = [{"user_id": manager, "role": "category_manager"}] + [{"user_id": c, "role": "commission"} for c in commission]

    def timed(fn):
        t0 = time.perf_counter()
        r = fn()
        dt = time.perf_counter() - t0
        assert r.status_code < 300, r.text
        return dt, r.json() if r.content else None

    new, again, ids = [], [], []
    for i in range(a.objects):
        dt, obj = timed(lambda: s.put(u(f"/api/v1/objects/bench-{run}/T-{i}"), json={"title": f"Тендер {i}", "members": members}))
        new.append(dt)
        ids.append(obj["id"])
    for i in range(a.objects):
        again.append(timed(lambda: s.put(u(f"/api/v1/objects/bench-{run}/T-{i}"), json={"title": f"Тендер {i}", "members": members}))[0])
    line("upsert new", new)
    line("upsert same", again)

    sup = []
    target = ids[0]
    for k in range(a.suppliers):
        name = f"s{k}-{run}"
        user(name)
        sup.append(timed(lambda: s.post(u(f"/api/v1/objects/{target}/counterparties"), json={
            "org_ref": str(k), "name": f"Поставщик {k}", "users": [name]}))[0])
    line("supplier", sup)
    stage = [timed(lambda: s.post(u(f"/api/v1/objects/{target}/stage"), json={"from": "offers", "to": "commission"}))[0]]
    line(f"stage({a.suppliers})", stage)

    def session(name):
        x = requests.Session()
        t = x.post(u("/api/v1/auth/login"), json={"username": name, "password": "bench-password-1"}).json()["token"]
        x.headers["Authorization"] = "Bearer " + t
        return x

    # decisions: a one-step route per document, decided by its one participant (a commission member)
    login, ms = session(f"c0-{run}"), session(f"m-{run}")
    org = next(c["chat_id"] for c in s.get(u(f"/api/v1/objects/{ids[1]}")).json()["chats"] if c["template"] == "org")
    decisions = []
    for k in range(min(100, a.objects)):
        up = ms.post(u(f"/api/v1/chats/{org}/files?name=doc-{k}.pdf"), data=b"%PDF-1.4 bench " + str(k).encode() * 1000)
        up.raise_for_status()
        ms.post(u(f"/api/v1/chats/{org}/messages"), json={"text": "", "file_ids": [up.json()["id"]]}).raise_for_status()
        doc = ms.post(u(f"/api/v1/objects/{ids[1]}/documents"), json={"file_id": up.json()["id"], "doc_type": "spec",
                                                                      "number": f"N-{k}"}).json()
        route = ms.post(u(f"/api/v1/document-versions/{doc['version']['id']}/approvals"), json={
            "steps": [{"order": 1, "participants": [{"user_id": commission[0]}]}]}).json()
        decisions.append(timed(lambda: login.post(u(f"/api/v1/approvals/{route['id']}/decisions"),
                                                  json={"decision": "approve"}))[0])
    line("decision", decisions)

    ballots = []
    for k in range(20):
        vote = ms.post(u(f"/api/v1/chats/{org}/votes"), json={
            "title": f"Голосование {k}", "fields": {"price": "100"}, "groups": ["commission"],
            "deadline_at": int(time.time() * 1000) + 3_600_000}).json()
        ballots.append(timed(lambda: login.post(u(f"/api/v1/votes/{vote['id']}/ballots"), json={"option": 0}))[0])
    line("ballot", ballots)


if __name__ == "__main__":
    main()
