"""Durability: what the server acknowledged survives SIGKILL; SIGTERM shuts down gracefully."""

import threading
import time

import requests

from veche_harness import ADMIN_USERNAME, WsClient, expect, login, make_user


def test_acknowledged_messages_survive_sigkill(fresh_server):
    srv = fresh_server
    n_threads = 4
    users = [make_user(srv) for _ in range(n_threads)]
    chan = users[0].create_chat("channel", visibility="private", member_ids=users[1:])
    path = f"/api/v1/chats/{chan['id']}/messages"
    acked = {}  # client_id -> message id
    unacked = {}  # client_id -> text (in flight when the server died)
    lock = threading.Lock()
    stop = threading.Event()

    def worker(i):
        client = users[i].clone()
        k = 0
        while not stop.is_set():
            cid = f"d-{i}-{k}"
            text = f"durable {i}/{k}"
            try:
                r = client.post(path, json={"text": text, "client_id": cid}, timeout=10)
            except requests.RequestException:
                with lock:
                    unacked[cid] = text
                return
            with lock:
                if r.status_code == 201:
                    acked[cid] = (r.json()["id"], text)
                else:
                    unacked[cid] = text
            k += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n_threads)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 150 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(acked) >= 150, f"only {len(acked)} posts acknowledged in 60s"
    srv.kill()  # SIGKILL while posts are in flight
    stop.set()
    for t in threads:
        t.join(15)
    assert not any(t.is_alive() for t in threads)
    with lock:
        acked_snapshot = dict(acked)
        unacked_snapshot = dict(unacked)

    srv.start()
    # log in again (do not depend on sessions surviving)
    reader = login(srv, users[1].username, users[1].password)
    for cid, (mid, text) in acked_snapshot.items():
        r = reader.get(f"/api/v1/messages/{mid}")
        assert r.status_code == 200, f"acknowledged message {mid} ({cid}) lost after SIGKILL: {r.status_code}"
        assert r.json()["text"] == text and r.json()["client_id"] == cid
    hist = reader.all_messages(chan["id"])
    hist_ids = [m["id"] for m in hist]
    assert len(hist_ids) == len(set(hist_ids))
    missing = {mid for mid, _ in acked_snapshot.values()} - set(hist_ids)
    assert not missing, f"{len(missing)} acknowledged messages missing from history"
    # whatever was in flight was stored at most once: retrying with the same client_id never duplicates
    by_author = {u.id: login(srv, u.username, u.password) for u in users}
    for cid, text in unacked_snapshot.items():
        i = int(cid.split("-")[1])
        r = by_author[users[i].id].post(path, json={"text": text, "client_id": cid})
        assert r.status_code in (200, 201), r.text
        assert r.json()["text"] == text
    texts = [m["text"] for m in reader.all_messages(chan["id"])]
    assert len(texts) == len(set(texts)), "a retried in-flight post was stored twice"
    assert len(texts) == len(acked_snapshot) + len(unacked_snapshot)
    # and the server still works normally
    m = reader.send(chan["id"], "after the crash")
    assert reader.history(chan["id"], limit=1)["messages"][0]["id"] == m["id"]
    print(f"sigkill: {len(acked_snapshot)} acked, {len(unacked_snapshot)} in flight")


def test_sigterm_closes_websockets_with_1001_and_exits_0(fresh_server):
    srv = fresh_server
    u = make_user(srv)
    chan = u.create_chat("channel", visibility="private")
    msg = u.send(chan["id"], "persisted before shutdown")
    ws = WsClient(srv, u)
    ws2 = WsClient(srv, u)
    # A hang would end in SIGKILL after the timeout, exit code -9; how fast is not this test's business.
    code = srv.stop(timeout=60)
    assert ws.wait_closed() == 1001, f"close code {ws.close_code} ({ws.error!r})"
    assert ws2.wait_closed() == 1001
    assert code == 0, f"exit code {code}"
    srv.start()
    c = login(srv, u.username, u.password)
    assert c.history(chan["id"])["messages"][0]["id"] == msg["id"]
    assert login(srv, ADMIN_USERNAME, srv.admin_password).me()["role"] == "admin"


def test_sigterm_with_a_client_that_keeps_tcp_open(fresh_server):
    """A client that answers the close handshake but never closes its TCP side (a stalled or
    misbehaving peer) must not make shutdown slow or unclean."""
    srv = fresh_server
    u = make_user(srv)
    ws = WsClient(srv, u, hold_after_close=True)
    code = srv.stop(timeout=60)  # a shutdown that waits for the peer forever ends in SIGKILL (-9)
    try:
        assert ws.wait_closed() == 1001
        assert code == 0, f"exit code {code}"
    finally:
        ws.abort()


def test_data_and_positions_survive_restart(fresh_server):
    srv = fresh_server
    u = make_user(srv)
    peer = make_user(srv)
    chan = u.create_chat("group", member_ids=[peer])
    m = peer.send(chan["id"], "unread before restart")
    expect(u.patch("/api/v1/users/me", json={"display_name": "Restarted"}), 200)
    ws = WsClient(srv, u)
    head = ws.hello_ok["head"]
    ws.abort()
    srv.restart()
    c = login(srv, u.username, u.password)
    assert c.me()["display_name"] == "Restarted"
    chats = {x["id"]: x for x in c.chats()}
    assert chats[chan["id"]]["unread_count"] == 1 and chats[chan["id"]]["last_message"]["id"] == m["id"]
    # WebSocket resume across a restart ("across any reconnect"): positions are durable
    p2 = login(srv, peer.username, peer.password)
    m2 = p2.send(chan["id"], "after restart")
    ws = WsClient(srv, c, last_pos=head)
    try:
        created = [f["data"]["id"] for f in ws.events("message.created", chan["id"])]
        assert created == [m2["id"]], "resume after a restart: exactly the events after last_pos"
        assert ws.pos_violations == []
    finally:
        ws.abort()


def test_sessions_survive_restart(fresh_server):
    srv = fresh_server
    u = make_user(srv)
    srv.restart()
    assert expect(u.get("/api/v1/users/me"), 200)["id"] == u.id
