"""Cluster mode (OPS-1, issue 6): identical nodes sharing one PostgreSQL database and one Redis.

Clients on different nodes chat; a node is killed with SIGKILL in the middle of a burst and its
clients resume on another node; Redis is restarted under load. Every acknowledged message must
reach every member exactly once, in position order, and be in the history exactly once.

These tests run in the PostgreSQL pass of the suite (make integration runs it twice).
"""
import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from veche_harness import (
    STORAGE,
    Client,
    Server,
    WsClient,
    drop_pg_database,
    expect,
    free_port,
    login,
    make_user,
    new_pg_database,
    parse_metrics,
    wait_until,
    RedisServer,
)

pytestmark = pytest.mark.skipif(STORAGE != "postgresql", reason="cluster mode needs PostgreSQL (the PostgreSQL pass runs it)")


@pytest.fixture
def redis(tmp_path):
    r = RedisServer(tmp_path)
    r.start()
    yield r
    if r.proc.poll() is None:
        r.kill()


def start_cluster(n, redis_url, tmp_path, extra_env=None):
    db = new_pg_database()
    files = str(tmp_path / "files")  # nodes share the file tree (NFS in production)
    nodes = []
    for _ in range(n):
        # One at a time: the first applies the migrations and creates the administrator.
        nodes.append(Server(storage=db, bus=redis_url, data_dir=files, extra_env=extra_env).start())
    return db, nodes


def stop_cluster(db, nodes):
    for node in nodes:
        node.cleanup()
    drop_pg_database(db)


def on(node, client):
    """The same session, talking to another node (sessions live in the shared database)."""
    return Client(node, token=client.token, user=client.user)


def created_ids(ws, chat_id):
    return [f["data"]["id"] for f in ws.events("message.created", chat_id=chat_id)]


def bus_connected(node):
    samples = parse_metrics(requests.get(node.url("/metrics"), timeout=5).text)
    return any(name == "veche_bus_redis_connected" and value == 1 for name, _labels, value in samples)


def test_three_nodes_lose_one_mid_burst_and_every_acked_message_arrives_once(redis, tmp_path):
    db, (a, b, c) = start_cluster(3, redis.url, tmp_path)
    try:
        alice, bob, carol = make_user(a), make_user(a), make_user(a)
        chat = alice.create_chat(type="group", name="cluster", member_ids=[bob.id, carol.id])
        cid = chat["id"]
        senders = {"alice": alice, "bob": on(b, bob), "carol": on(c, carol)}
        ws_alice = WsClient(a, alice)
        ws_bob = WsClient(b, bob)
        ws_carol_c = WsClient(c, carol)

        # Presence crosses nodes: Alice (node A) sees Bob, connected only to node B, online.
        wait_until(lambda: alice.get(f"/api/v1/users/{bob.id}").json()["presence"] == "online",
                   timeout=10, desc="bob online as seen from node A")

        acked, lock = [], threading.Lock()
        errors = []  # a failed assertion in a sender thread fails the test, not just a warning
        carol_moved = threading.Event()

        def burst(name, count):
            try:
                client = senders[name]
                for i in range(count):
                    try:
                        r = client.post(f"/api/v1/chats/{cid}/messages",
                                        json={"text": f"{name} {i}", "client_id": f"{name}-{i}"})
                    except requests.RequestException:
                        # Node C died under Carol: she retries the same client_id on node A, so a
                        # send that C committed before dying is acknowledged once, not duplicated.
                        assert name == "carol", f"{name}'s node is healthy, yet send {i} failed"
                        carol_moved.wait(30)
                        client = senders["carol"] = on(a, carol)
                        r = client.post(f"/api/v1/chats/{cid}/messages",
                                        json={"text": f"{name} {i}", "client_id": f"{name}-{i}"})
                    # Healthy nodes answer every send; Carol's retry on A too.
                    assert r.status_code in (200, 201), f"{name} send {i}: {r.status_code} {r.text[:200]}"
                    with lock:
                        acked.append(r.json()["id"])
            except BaseException as e:  # noqa: B036 - reported by the main thread
                errors.append(f"{name}: {e!r}")

        threads = [threading.Thread(target=burst, args=(n, 120)) for n in ("alice", "bob", "carol")]
        for t in threads:
            t.start()
        wait_until(lambda: len(acked) >= 90, timeout=60, desc="burst under way")
        c.kill()
        carol_moved.set()
        # Carol's connection to C is gone; she resumes on A from the last position she processed.
        wait_until(lambda: ws_carol_c.closed, timeout=10, desc="carol's socket to C closed")
        ws_carol_a = WsClient(a, carol, last_pos=ws_carol_c.last_pos)
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads)
        assert errors == [], f"sender threads failed: {errors}"
        assert len(acked) == 360, f"only {len(acked)} of 360 sends acknowledged"
        assert len(set(acked)) == len(acked), "an acknowledged id came back twice"

        want = set(acked)
        for name, streams in (("alice", [ws_alice]), ("bob", [ws_bob]), ("carol", [ws_carol_c, ws_carol_a])):
            wait_until(lambda: want <= {i for s in streams for i in created_ids(s, cid)}, timeout=30,
                       desc=f"{name} received every acknowledged message")
            got = [i for s in streams for i in created_ids(s, cid)]
            dups = {i for i in got if got.count(i) > 1}
            assert not dups, f"{name} received duplicates: {sorted(dups)[:5]}"
            for s in streams:
                assert s.pos_violations == [], f"{name}: positions out of order {s.pos_violations[:3]}"

        # Revoking Bob's session through node A closes his WebSocket on node B with 4001.
        other = login(a, bob.username, bob.password)
        ws_bob_2 = WsClient(b, bob)
        expect(other.delete(f"/api/v1/auth/sessions/{bob.session_id}"), 204)
        wait_until(lambda: ws_bob_2.close_code == 4001, timeout=10, desc="bob's socket on B closed with 4001")

        # The history, read through another node, holds every acknowledged message exactly once.
        history = [m["id"] for m in on(b, other).all_messages(cid)]
        assert len(history) == len(set(history))
        assert want <= set(history)
        # Sends that were never acknowledged (in flight when C died) may or may not have committed;
        # whatever did is in the history once and reached the clients like the rest.
        extra = set(history) - want
        assert extra <= {i for i in created_ids(ws_bob, cid)}
    finally:
        stop_cluster(db, [a, b, c])


def test_redis_restart_nodes_recover_without_restart(redis, tmp_path):
    db, (a, b) = start_cluster(2, redis.url, tmp_path)
    try:
        alice, bob = make_user(a), make_user(a)
        chat = alice.create_chat(type="group", name="redis", member_ids=[bob.id])
        cid = chat["id"]
        ws_bob = WsClient(b, bob)
        sent = [alice.send(cid, f"before {i}")["id"] for i in range(10)]
        wait_until(lambda: set(sent) <= set(created_ids(ws_bob, cid)), timeout=10, desc="delivered through Redis")

        assert requests.get(b.url("/api/v1/ready"), timeout=30).json()["checks"] == {"database": "ok", "bus": "ok"}
        redis.kill()
        # Readiness tells a balancer that the node's bus is down (it still serves, from the log).
        wait_until(lambda: requests.get(b.url("/api/v1/ready"), timeout=30).status_code == 503, timeout=30,
                   desc="ready 503 without Redis")
        body = requests.get(b.url("/api/v1/ready"), timeout=30).json()
        assert body["checks"]["bus"] == "unavailable" and body["error"]["code"] == "not_ready"
        # Without Redis, node B still delivers node A's messages: it reads them from the event log.
        during = [alice.send(cid, f"during {i}")["id"] for i in range(20)]
        wait_until(lambda: set(during) <= set(created_ids(ws_bob, cid)), timeout=15,
                   desc="delivered from the log while Redis is down")

        redis.start()
        wait_until(lambda: bus_connected(a) and bus_connected(b), timeout=20, desc="nodes resubscribed")
        assert requests.get(b.url("/api/v1/ready"), timeout=30).status_code == 200
        after = [alice.send(cid, f"after {i}")["id"] for i in range(20)]
        wait_until(lambda: set(after) <= set(created_ids(ws_bob, cid)), timeout=10, desc="delivered after restart")

        got = created_ids(ws_bob, cid)
        assert got == sent + during + after, "every message once, in order"
        assert ws_bob.pos_violations == []

        # Ephemeral signals travel through Redis again: Alice types on A, Bob sees it on B.
        ws_alice = WsClient(a, alice)
        ws_alice.send({"type": "typing", "chat_id": cid})
        ws_bob.wait_for(lambda f: f.get("type") == "typing" and f.get("user_id") == alice.id, timeout=10,
                        desc="typing relayed across nodes")
        # A client that lost its connection during the outage resumes with nothing missing.
        ws_late = WsClient(b, bob, last_pos=0)
        wait_until(lambda: set(sent + during + after) <= set(created_ids(ws_late, cid)), timeout=10,
                   desc="resume from 0 on node B")
    finally:
        stop_cluster(db, [a, b])


def test_scheduled_message_survives_its_node_and_is_posted_once(redis, tmp_path):
    """Scheduled on node A, which is SIGKILLed at once: another node's runner claims the job (a dead
    node's lease expires after jobs_lease_ms) and posts the message exactly once."""
    env = {"VECHE_JOBS_POLL_MS": "200", "VECHE_JOBS_LEASE_MS": "1500", "VECHE_JOBS_BACKOFF_BASE_MS": "200"}
    db, (a, b, c) = start_cluster(3, redis.url, tmp_path, extra_env=env)
    try:
        alice, bob = make_user(a), make_user(a)
        chat = alice.create_chat(type="group", name="later", member_ids=[bob.id])
        cid = chat["id"]
        ws_bob = WsClient(b, bob)
        text = "posted by a surviving node"
        sched = expect(alice.post(f"/api/v1/chats/{cid}/scheduled-messages",
                                  json={"text": text, "send_at": int(time.time() * 1000) + 2500}), 201)
        a.kill()
        alice_b = on(b, alice)
        sent = wait_until(
            lambda: (lambda m: m if m["state"] == "sent" else None)(
                expect(alice_b.get(f"/api/v1/scheduled-messages/{sched['id']}"), 200)),
            timeout=30, desc="the scheduled message sent by node B or C")
        assert sent["sent_at"] >= sched["send_at"]
        ws_bob.wait_event("message.created", lambda f: f["data"]["id"] == sent["message_id"], timeout=10)
        # Once in the history (read through node C) and once on Bob's socket, even after the other
        # runners had time to look at the job again.
        admin_c = login(c, "admin", c.admin_password)

        def job_state():
            jobs = expect(admin_c.get("/api/v1/admin/jobs", params={"kind": "scheduled.send"}), 200)["jobs"]
            mine = [j for j in jobs if j["payload"] == {"id": sched["id"]}]
            assert len(mine) == 1, jobs
            return mine[0]["state"] == "done" and mine[0]

        job = wait_until(job_state, timeout=10, desc="the job marked done")
        assert job["attempts"] == 1, job
        history = [m for m in on(c, bob).all_messages(cid) if m["text"] == text]
        assert [m["id"] for m in history] == [sent["message_id"]]
        assert len([f for f in ws_bob.events("message.created", chat_id=cid) if f["data"]["text"] == text]) == 1
    finally:
        stop_cluster(db, [a, b, c])
