"""Real-time delivery over the WebSocket: latency, hello/synced, resume without gaps or duplicates
(including under a burst of concurrent posts with forced disconnects), membership events."""

import collections
import json
import threading
import time
import urllib.parse

import pytest
import requests

from veche_harness import Server, WsClient, expect, login, make_user, metric_sum, parse_metrics, uniq, wait_until

THUMBS = urllib.parse.quote("\U0001F44D", safe="")


def private_channel(owner, *members):
    return owner.create_chat("channel", visibility="private", member_ids=list(members))


def without_presence(frames):
    """presence frames are live-only and may interleave anywhere (even our own connect); drop them."""
    return [f for f in frames if f.get("type") != "presence"]


def presence_of(frame, user_id):
    if frame.get("type") != "presence":
        return None
    for entry in frame.get("users", []):
        if entry.get("user_id") == user_id:
            return entry.get("presence")
    return None


def test_message_created_reaches_members_live(server, ws_factory):
    # How fast is bench/'s business (bench/RESULTS.md, delivery latency), not this test's.
    a, b = make_user(server), make_user(server)
    chan = private_channel(a, b)
    ws_b = ws_factory(server, b)
    ws_a = ws_factory(server, a)
    msg = a.send(chan["id"], "real-time hello")
    ev = ws_b.wait_event("message.created", lambda f: f["data"]["id"] == msg["id"])
    assert ev["chat_id"] == chan["id"] and isinstance(ev["pos"], int)
    for k in ("id", "chat_id", "author_id", "text", "created_at", "deleted"):
        assert ev["data"][k] == msg[k], (k, ev["data"], msg)
    # the author's own devices get it too
    ws_a.wait_event("message.created", lambda f: f["data"]["id"] == msg["id"])


def test_hello_ok_then_synced_then_live(server, ws_factory):
    a, b = make_user(server), make_user(server)
    chan = private_channel(a, b)
    for explicit_null in (False, True):
        ws = ws_factory(server, b, explicit_null=explicit_null)
        frames = without_presence(ws.snapshot())
        assert frames[0]["type"] == "hello_ok", frames[:3]
        assert frames[0]["user_id"] == b.id and isinstance(frames[0]["head"], int)
        assert frames[1]["type"] == "synced", f"from now: no backlog, straight to synced: {frames[:3]}"
        assert isinstance(frames[1]["pos"], int) and frames[1]["pos"] >= frames[0]["head"]
        ws.close()
    head = frames[0]["head"]

    m1 = a.send(chan["id"], "missed 1")
    m2 = a.send(chan["id"], "missed 2")
    ws = ws_factory(server, b, last_pos=head)
    frames = without_presence(ws.snapshot())
    assert frames[0]["type"] == "hello_ok"
    assert frames[0]["head"] >= head
    kinds = [f["type"] for f in frames]
    synced_at = kinds.index("synced")
    backlog = frames[1:synced_at]
    assert all(f["type"] == "event" for f in backlog), backlog
    assert all(f["pos"] > head for f in backlog)
    created = [f["data"]["id"] for f in backlog if f["kind"] == "message.created" and f["chat_id"] == chan["id"]]
    assert created == [m1["id"], m2["id"]]
    assert frames[synced_at]["pos"] >= backlog[-1]["pos"]
    # then live
    m3 = a.send(chan["id"], "live 3")
    ev = ws.wait_event("message.created", lambda f: f["data"]["id"] == m3["id"])
    assert ev["pos"] > backlog[-1]["pos"]
    assert ws.pos_violations == []


def test_resume_receives_exactly_the_missed_events(server, ws_factory):
    a, b = make_user(server), make_user(server)
    admin = server.admin()
    chan = private_channel(a, b, admin)
    ws = ws_factory(server, b)
    m1 = a.send(chan["id"], "seen live")
    ws.wait_event("message.created", lambda f: f["data"]["id"] == m1["id"])
    ws.close()
    last = ws.last_pos

    m2 = a.send(chan["id"], "m2")
    rest = [a.send(chan["id"], f"m{i}") for i in range(3, 7)]
    expect(a.patch(f"/api/v1/messages/{m1['id']}", json={"text": "seen live (edited)"}), 200)
    expect(a.delete(f"/api/v1/messages/{m2['id']}"), 204)
    expect(b.put(f"/api/v1/messages/{rest[0]['id']}/reactions/{THUMBS}"), 200)
    expect(admin.post(f"/api/v1/messages/{m2['id']}/restore"), 200)
    expect(a.patch(f"/api/v1/chats/{chan['id']}", json={"topic": "resumed"}), 200)

    expected = ([("message.created", m2["id"])] + [("message.created", m["id"]) for m in rest] +
                [("message.updated", m1["id"]), ("message.deleted", m2["id"]), ("message.updated", rest[0]["id"]),
                 ("message.restored", m2["id"]), ("chat.updated", chan["id"])])

    def chat_events(w):
        frames = w.snapshot()
        synced_at = [f["type"] for f in frames].index("synced")
        before = [f for f in frames[:synced_at] if f.get("type") == "event" and f.get("chat_id") == chan["id"]]
        return [(f["kind"], f["data"]["id"]) for f in before], before

    for _ in range(2):  # replay is repeatable from the same position
        ws2 = ws_factory(server, b, last_pos=last)
        got, frames = chat_events(ws2)
        assert got == expected
        assert all(f["pos"] > last for f in frames)
        assert ws2.pos_violations == []
        upd = [f for f in frames if f["kind"] == "message.updated" and f["data"]["id"] == m1["id"]][0]
        assert upd["data"]["text"] == "seen live (edited)"
        deleted = [f for f in frames if f["kind"] == "message.deleted"][0]
        assert deleted["data"]["id"] == m2["id"] and deleted["data"]["chat_id"] == chan["id"]
        assert "text" not in deleted["data"] or deleted["data"]["text"] == "", "no text leaks in message.deleted"
        react = [f for f in frames if f["kind"] == "message.updated" and f["data"]["id"] == rest[0]["id"]][0]
        assert react["data"]["reactions"][0]["count"] == 1
        assert [f for f in frames if f["kind"] == "message.restored"][0]["data"]["text"] == "m2"
        assert [f for f in frames if f["kind"] == "chat.updated"][0]["data"]["topic"] == "resumed"
        ws2.ping()
        assert len([f for f in ws2.events(chat_id=chan["id"])]) == len(expected), "nothing extra after synced"
        resume_again = ws2.last_pos
        ws2.close()
    # resuming from the newest position yields nothing of the chat
    ws3 = ws_factory(server, b, last_pos=resume_again)
    ws3.ping()
    assert ws3.events(chat_id=chan["id"]) == []


def test_burst_with_forced_reconnects_loses_and_duplicates_nothing(server):
    n_senders, per_sender = 4, 250
    senders = [make_user(server) for _ in range(n_senders)]
    receiver = make_user(server)
    chan = private_channel(senders[0], *senders[1:], receiver)
    path = f"/api/v1/chats/{chan['id']}/messages"

    acked = [[] for _ in range(n_senders)]
    failures = []
    done = [0]
    lock = threading.Lock()

    def sender(i):
        client = senders[i].clone()  # its own keep-alive connection
        for k in range(per_sender):
            body = {"text": f"burst {i}/{k}", "client_id": f"burst-{i}-{k}"}
            r = None
            for _attempt in range(3):
                try:
                    r = client.post(path, json=body)
                    break
                except requests.ConnectionError as e:  # retry with the same client_id: idempotent
                    r = e
            if not isinstance(r, requests.Response) or r.status_code not in (200, 201):
                failures.append((i, k, getattr(r, "status_code", r), getattr(r, "text", "")[:200]))
                continue
            acked[i].append(r.json()["id"])
            with lock:
                done[0] += 1

    conns = [WsClient(server, receiver)]
    threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(n_senders)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    try:
        for threshold in (250, 600):
            deadline = time.monotonic() + 120
            while done[0] < threshold and time.monotonic() < deadline and any(t.is_alive() for t in threads):
                time.sleep(0.005)
            assert done[0] >= threshold, f"senders stalled at {done[0]} acks (failures: {failures[:3]})"
            old = conns[-1]
            old.abort()  # abrupt: no close handshake, whatever was in flight is lost
            assert old.pos_violations == []
            conns.append(WsClient(server, receiver, last_pos=old.last_pos))
        for t in threads:
            t.join(180)
        post_time = time.monotonic() - t0
        assert not any(t.is_alive() for t in threads), "senders did not finish"
        assert failures == [], failures[:5]
        all_acked = [m for lst in acked for m in lst]
        assert len(all_acked) == n_senders * per_sender and len(set(all_acked)) == len(all_acked)

        last = conns[-1]

        def received_ids():
            return [f["data"]["id"] for c in conns for f in c.events("message.created", chan["id"])]

        want = set(all_acked)
        deadline = time.monotonic() + 30
        while not want <= set(received_ids()) and time.monotonic() < deadline:
            time.sleep(0.05)
        last.ping()  # everything queued for us before the pong has arrived
        got = received_ids()
        counts = collections.Counter(got)
        dups = [m for m, n in counts.items() if n > 1]
        missing = want - set(got)
        extra = set(got) - want
        assert not missing, f"{len(missing)} acknowledged messages never delivered (e.g. {sorted(missing)[:5]})"
        assert not dups, f"{len(dups)} messages delivered more than once (e.g. {dups[:5]})"
        assert not extra, f"unexpected messages delivered: {sorted(extra)[:5]}"
        assert len(got) == len(all_acked)
        # pos strictly increasing within each connection, and across the resumed sequence
        for c in conns:
            assert c.pos_violations == [], c.pos_violations[:5]
        stream = [f["pos"] for c in conns for f in c.events() if f.get("pos") is not None]
        assert stream == sorted(stream) and len(stream) == len(set(stream)), "resume continued after last pos"
        # each sender's messages arrive in the order they were acknowledged
        pos_of = {f["data"]["id"]: f["pos"] for c in conns for f in c.events("message.created", chan["id"])}
        for lst in acked:
            assert [pos_of[m] for m in lst] == sorted(pos_of[m] for m in lst)
        # and the history agrees with the acknowledgements
        hist = receiver.all_messages(chan["id"])
        assert sorted(m["id"] for m in hist) == sorted(all_acked)
        print(f"burst: {len(all_acked)} posts in {post_time:.1f}s, {len(conns)} WS connections")
    finally:
        for c in conns:
            c.abort()


def test_chat_created_and_member_added_reach_the_new_member(server, ws_factory):
    a, b, c = make_user(server), make_user(server), make_user(server)
    ws_b = ws_factory(server, b)
    ws_c = ws_factory(server, c)
    group = a.create_chat("group", name=uniq("g-"), member_ids=[b])
    ev = ws_b.wait_event("chat.created", lambda f: f["chat_id"] == group["id"])
    assert ev["data"]["id"] == group["id"] and ev["data"]["type"] == "group"

    a.add_members(group["id"], [c])
    ev = ws_c.wait_event("member.added", lambda f: f["chat_id"] == group["id"])
    assert ev["data"]["chat_id"] == group["id"] and ev["data"]["user_id"] == c.id and ev["data"]["role"] == "member"
    ws_b.wait_event("member.added", lambda f: f["chat_id"] == group["id"] and f["data"]["user_id"] == c.id)
    m = a.send(group["id"], "welcome")
    ws_c.wait_event("message.created", lambda f: f["data"]["id"] == m["id"])
    # role changes reach members
    expect(a.patch(f"/api/v1/chats/{group['id']}/members/{c.id}", json={"role": "admin"}), 200)
    ev = ws_b.wait_event("member.updated", lambda f: f["chat_id"] == group["id"])
    assert ev["data"]["user_id"] == c.id and ev["data"]["role"] == "admin"
    # joining a public channel
    pub = a.create_chat("channel", visibility="public", name=uniq("pub-"))
    expect(c.post(f"/api/v1/chats/{pub['id']}/join"), 200)
    ev = ws_c.wait_event("member.added", lambda f: f["chat_id"] == pub["id"])
    assert ev["data"]["user_id"] == c.id


def test_member_removed_reaches_the_removed_user_and_then_nothing(server, ws_factory):
    a, b, c = make_user(server), make_user(server), make_user(server)
    group = a.create_chat("group", member_ids=[b, c])
    direct = a.direct(c)
    ws_b = ws_factory(server, b)
    ws_c = ws_factory(server, c)
    m0 = a.send(group["id"], "before removal")
    ws_c.wait_event("message.created", lambda f: f["data"]["id"] == m0["id"])

    expect(a.delete(f"/api/v1/chats/{group['id']}/members/{c.id}"), 204)
    ev = ws_c.wait_event("member.removed", lambda f: f["chat_id"] == group["id"])
    assert ev["data"]["user_id"] == c.id and ev["data"]["chat_id"] == group["id"]
    ws_b.wait_event("member.removed", lambda f: f["chat_id"] == group["id"] and f["data"]["user_id"] == c.id)
    removed_at = ws_c.snapshot().index(ev)

    m1 = a.send(group["id"], "after removal")
    expect(a.patch(f"/api/v1/messages/{m0['id']}", json={"text": "edited after removal"}), 200)
    expect(a.patch(f"/api/v1/chats/{group['id']}", json={"name": "renamed after removal"}), 200)
    ws_b.wait_event("message.created", lambda f: f["data"]["id"] == m1["id"])
    canary = a.send(direct["id"], "canary")
    ws_c.wait_event("message.created", lambda f: f["data"]["id"] == canary["id"])
    later = [f for f in ws_c.snapshot()[removed_at + 1:] if f.get("chat_id") == group["id"]]
    assert later == [], f"removed user still receives the chat: {later}"

    # a user who leaves gets member.removed too, and nothing after
    ws_b2 = ws_factory(server, b)
    expect(b.post(f"/api/v1/chats/{group['id']}/leave"), 204)
    ws_b2.wait_event("member.removed", lambda f: f["chat_id"] == group["id"] and f["data"]["user_id"] == b.id)


def test_chat_read_reaches_readers_sessions_and_small_chat_members_only(server, ws_factory):
    a, b, outsider = make_user(server), make_user(server), make_user(server)
    a2 = login(server, a.username, a.password)
    chan = private_channel(b, a)
    ws_a1 = ws_factory(server, a)
    ws_a2 = ws_factory(server, a2)
    ws_b = ws_factory(server, b)
    ws_out = ws_factory(server, outsider)
    m = b.send(chan["id"], "read me")
    expect(a.post(f"/api/v1/chats/{chan['id']}/read", json={"message_id": m["id"]}), 200)
    evs = []
    for w in (ws_a1, ws_a2, ws_b):  # in a small chat the other members see it too ("seen by")
        ev = w.wait_event("chat.read", lambda f: f["data"].get("chat_id") == chan["id"])
        assert ev["data"]["last_read_message_id"] == m["id"] and isinstance(ev["pos"], int)
        assert ev["data"]["user_id"] == a.id
        evs.append(ev)
    seen = expect(b.get(f"/api/v1/messages/{m['id']}/seen"), 200)
    assert seen["user_ids"] == [a.id]
    canary = b.send(chan["id"], "canary")
    ws_a1.wait_event("message.created", lambda f: f["data"]["id"] == canary["id"])
    assert ws_out.events("chat.read") == [], "a non-member never learns who read what"
    # the event frame carries the chat id like every chat-scoped event ({"type","pos","kind","chat_id","data"})
    assert evs[0].get("chat_id") == chan["id"], f"chat.read frame without top-level chat_id: {evs[0]}"


def test_presence_follows_websocket(fresh_server, ws_factory):
    # A server of its own, so that its connection gauge counts only this test's sockets.
    server = fresh_server
    a, watcher = make_user(server), make_user(server)

    def open_connections():
        return metric_sum(parse_metrics(requests.get(server.url("/metrics"), timeout=30).text), "veche_ws_connections")

    ws_w = ws_factory(server, watcher)
    ws_a = ws_factory(server, a)
    frame = ws_w.wait_for(lambda f: presence_of(f, a.id) is not None, desc="presence frame for a")
    assert presence_of(frame, a.id) == "online" and frame.get("pos") is None
    # a second connection of the same user changes nothing, and losing it keeps her online
    ws_a2 = ws_factory(server, a)
    wait_until(lambda: open_connections() == 3, desc="three connections open")
    start = ws_w.count()
    ws_a2.abort()
    wait_until(lambda: open_connections() == 2, desc="the server saw the second connection go")
    ws_w.ping()  # everything the server sent the watcher before this has arrived
    assert [f for f in ws_w.snapshot()[start:] if presence_of(f, a.id) == "offline"] == [], \
        "losing one of two connections must not change presence"
    assert expect(watcher.get(f"/api/v1/users/{a.id}"), 200)["presence"] == "online"
    ws_a.abort()  # the last connection is gone -> offline
    frame = ws_w.wait_for(lambda f: presence_of(f, a.id) == "offline", desc="offline after the last connection",
                          start=start)
    assert expect(watcher.get(f"/api/v1/users/{a.id}"), 200)["presence"] == "offline"


def test_resync_required_when_last_pos_is_ahead(server, ws_factory):
    a, b = make_user(server), make_user(server)
    chan = private_channel(a, b)
    probe = ws_factory(server, b)
    head = probe.hello_ok["head"]
    probe.abort()
    ws = ws_factory(server, b, hello=False)
    ws.send({"type": "hello", "last_pos": head + 1_000_000})
    ws.wait_for(lambda f: f.get("type") == "hello_ok", 30, "hello_ok")
    ws.wait_for(lambda f: f.get("type") == "resync_required", 30, "resync_required")
    # it continues from the head: live events still arrive, with positions below the bogus last_pos
    m = a.send(chan["id"], "after resync")
    ev = ws.wait_event("message.created", lambda f: f["data"]["id"] == m["id"])
    assert head < ev["pos"] < head + 1_000_000


@pytest.fixture
def short_timers_server():
    """The WebSocket timers are configuration (docs/operations.md); shortened here to 1 s so that
    the tests wait on the protocol's states, not on wall-clock windows of the defaults."""
    srv = Server(extra_env={"VECHE_WS_HELLO_TIMEOUT_MS": "1000", "VECHE_WS_PING_AFTER_MS": "1000"})
    srv.start()
    yield srv
    srv.cleanup()


def test_no_hello_within_the_deadline_closes_with_4000(short_timers_server, ws_factory):
    server = short_timers_server
    u = make_user(server)
    t0 = time.monotonic()
    ws = ws_factory(server, u, hello=False)
    code = ws.wait_closed()
    assert code == 4000, f"close code {code} ({ws.error!r})"
    # never before the deadline (a lower bound holds on any machine; an upper one would not)
    assert time.monotonic() - t0 >= 1.0
    # a connection that says hello in time is kept past its deadline
    t1 = time.monotonic()
    ok = ws_factory(server, u)
    wait_until(lambda: time.monotonic() - t1 >= 1.5, desc="the second connection's hello deadline passing")
    ok.ping()
    assert not ok.closed


# -- WebSocket framing (the server frames the socket itself after the upgrade, RFC 6455 §5) -------


def test_ws_fragmented_message_and_interleaved_ping_are_understood(server, ws_factory):
    import websocket

    a = make_user(server)
    ws = ws_factory(server, a)
    start = ws.count()
    text = b'{"type":"ping"}'
    ws.ws.send_frame(websocket.ABNF.create_frame(text[:5], websocket.ABNF.OPCODE_TEXT, fin=0))
    ws.ws.send_frame(websocket.ABNF.create_frame(b"are you there", websocket.ABNF.OPCODE_PING))
    ws.ws.send_frame(websocket.ABNF.create_frame(text[5:10], websocket.ABNF.OPCODE_CONT, fin=0))
    ws.ws.send_frame(websocket.ABNF.create_frame(text[10:], websocket.ABNF.OPCODE_CONT, fin=1))
    ws.wait_for(lambda f: f.get("type") == "pong", 30, "pong for a fragmented ping", start=start)
    assert not ws.closed
    # and a message of exactly the largest size is accepted (not closed as too big)
    big = json.dumps({"type": "ping", "pad": "x" * (64 * 1024 - 32)})
    big += " " * (64 * 1024 - len(big))
    start = ws.count()
    ws.send_raw(big)
    ws.wait_for(lambda f: f.get("type") == "pong", 30, "pong for a 64 KiB frame", start=start)


@pytest.mark.parametrize("case,expected", [("too_big", 1009), ("invalid_utf8", 1007), ("unmasked", 1002),
                                           ("unknown_opcode", 1002)])
def test_ws_protocol_violations_close_with_the_rfc_code(server, ws_factory, case, expected):
    import websocket

    a = make_user(server)
    ws = ws_factory(server, a)
    if case == "too_big":
        ws.send_raw(json.dumps({"type": "ping", "pad": "x" * (64 * 1024)}))
    elif case == "invalid_utf8":
        ws.ws.send_frame(websocket.ABNF.create_frame(b'{"type":"ping","x":"\xff\xfe"}', websocket.ABNF.OPCODE_TEXT))
    elif case == "unmasked":
        ws.ws.sock.sendall(b"\x81\x0f" + b'{"type":"ping"}')
    else:
        ws.ws.sock.sendall(bytes([0x83, 0x80, 1, 2, 3, 4]))
    assert ws.wait_closed() == expected
    # the server is fine and the user can connect again
    ws2 = ws_factory(server, a)
    ws2.ping()


def test_ws_server_frames_survive_a_large_burst_read_in_one_piece(server, ws_factory):
    """Many frames coalesced into few writes still parse as separate, ordered frames."""
    a, b = make_user(server), make_user(server)
    chat = a.create_chat("group", member_ids=[b])
    ws = ws_factory(server, b)
    sent = [a.send(chat["id"], f"burst {i} " + "ж" * (i * 37 % 300)) for i in range(60)]
    last = ws.wait_event("message.created", lambda f: f["data"]["id"] == sent[-1]["id"], timeout=10)
    got = [f["data"]["id"] for f in ws.events("message.created")]
    assert got == [m["id"] for m in sent]
    assert ws.pos_violations == []
    assert last["chat_id"] == chat["id"]


QUEUE_KB = 256


@pytest.fixture
def small_queue_server():
    """A server whose WebSocket queue bound is 256 KiB instead of 8 MiB, so that the bound is
    reached with little traffic even on a loaded machine (the bound's size is configuration)."""
    srv = Server(extra_env={"VECHE_WS_QUEUE_MAX_KB": str(QUEUE_KB)})
    srv.start()
    yield srv
    srv.cleanup()


def test_ws_client_that_stops_reading_is_closed_with_4008_and_resumes(small_queue_server, ws_factory):
    """The per-connection queue is bounded (10,000 frames / ws_queue_max_kb): a client that stops
    reading is closed with 4008 rather than growing the server, and resumes from its last position."""
    import socket
    import websocket

    server = small_queue_server
    a, b = make_user(server), make_user(server)
    chat = a.create_chat("group", member_ids=[b])
    stalled = websocket.create_connection(
        server.ws_url, header=[f"Authorization: Bearer {b.token}"], timeout=10,
        sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
    stalled.send(json.dumps({"type": "hello"}))
    watcher = ws_factory(server, b)
    text = "ж" * 8000  # ~16 KB per frame
    stop = threading.Event()

    def post(client):
        while not stop.is_set():
            client.send(chat["id"], text)

    def closes_4008():
        text = requests.get(server.url("/metrics"), timeout=30).text
        return metric_sum(parse_metrics(text), "veche_ws_closes_total", code="4008")

    closes_before = closes_4008()
    posters = [threading.Thread(target=post, args=(a.clone(),), daemon=True) for _ in range(4)]
    for t in posters:
        t.start()
    try:
        # Read nothing until the server has given up on the stalled connection (its queue passed
        # the bound): from then on the close handshake has 10 s, so the client starts reading at once
        # instead of after a fixed amount of traffic (which a loaded machine may take long to send).
        wait_until(lambda: closes_4008() > closes_before, timeout=120, interval=0.1, desc="server closes with 4008")
        # Drain the stalled connection while the posts go on: frames, then the close frame with 4008.
        stalled.settimeout(30)
        last_pos, code = None, None
        while True:
            op, data = stalled.recv_data(control_frame=True)
            if op == websocket.ABNF.OPCODE_CLOSE:
                code = int.from_bytes(data[:2], "big")
                break
            if op == websocket.ABNF.OPCODE_TEXT:
                f = json.loads(data)
                if f.get("type") == "event":
                    last_pos = f["pos"]
        # More than the queue may hold arrives after what the stalled client got.
        wait_until(lambda: len([e for e in watcher.events() if e["pos"] > last_pos]) * 16000 > (QUEUE_KB + 64) << 10,
                   timeout=120, interval=0.2, desc="more than the bound of events after the stalled client's last one")
    finally:
        stop.set()
        for t in posters:
            t.join(30)
    stalled.close()
    assert code == 4008
    # Resuming from the last position received gets the rest, in order and without gaps, although
    # the replay alone is more than the queue may hold (replay waits for the client).
    want = [e["pos"] for e in watcher.events() if e["pos"] > last_pos]
    assert len(want) * 16000 > QUEUE_KB << 10, len(want)
    resumed = ws_factory(server, b, last_pos=last_pos, timeout=30)
    got = [e["pos"] for e in resumed.events() if e["pos"] <= want[-1]]
    assert got == want
    assert watcher.pos_violations == [] and resumed.pos_violations == []


def test_ws_server_pings_a_silent_client(short_timers_server):
    """Keep-alive is the server's own (RFC 6455 §5.5.2): a ping after ws_ping_after (15 s by
    default, 1 s here) without traffic, and a client that answers it stays connected."""
    import websocket

    server = short_timers_server
    a = make_user(server)
    ws = websocket.create_connection(server.ws_url, header=[f"Authorization: Bearer {a.token}"], timeout=30)
    try:
        ws.send(json.dumps({"type": "hello"}))
        t0 = time.monotonic()
        while True:
            op, data = ws.recv_data(control_frame=True)
            if op == websocket.ABNF.OPCODE_PING:
                break
        # The server's timer and this clock differ by scheduling jitter (0.99994 s was seen), so
        # allow a tenth of the interval; a ping without the wait would come within milliseconds.
        assert time.monotonic() - t0 >= 0.9, "pinged before the client was silent for ws_ping_after"
        ws.pong(data)
        ws.send(json.dumps({"type": "ping"}))
        while True:
            op, data = ws.recv_data(control_frame=True)
            if op == websocket.ABNF.OPCODE_TEXT and json.loads(data).get("type") == "pong":
                break
    finally:
        ws.close()
