"""Hostile and malformed input: JSON, UTF-8, types, sizes, routes, methods, raw socket garbage and
malformed WebSocket frames. The server must answer with the documented errors and stay alive."""

import json
import socket
import threading
import time

import pytest

from veche_harness import expect, expect_error, new_http_session, uniq

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def ctx(server):
    from veche_harness import make_user

    c = type("Ctx", (), {})()
    c.server = server
    c.user = make_user(server)
    c.peer = make_user(server)
    c.chat = c.user.create_chat("channel", visibility="private", member_ids=[c.peer])
    c.msg = c.user.send(c.chat["id"], "hello")
    return c


def endpoints(c):
    """(name, method, path, needs_auth) for the representative JSON endpoints."""
    return [
        ("login", "POST", "/api/v1/auth/login", False),
        ("create_chat", "POST", "/api/v1/chats", True),
        ("post_message", "POST", f"/api/v1/chats/{c.chat['id']}/messages", True),
        ("patch_profile", "PATCH", "/api/v1/users/me", True),
    ]


ENDPOINT_NAMES = ["login", "create_chat", "post_message", "patch_profile"]


def send_raw_json(c, name, data, content_type="application/json"):
    (_, method, path, auth), = [e for e in endpoints(c) if e[0] == name]
    headers = {"Content-Type": content_type}
    if auth:
        return c.user.request(method, path, data=data, headers=headers)
    http = new_http_session()
    try:
        return http.request(method, c.server.url(path), data=data, headers=headers, timeout=30)
    finally:
        http.close()


def assert_alive(server):
    r = server.health()
    assert r.status_code == 200, f"health after abuse: {r.status_code} {r.text}"


MALFORMED = [b'{"username": ', b"not json", b'{"a": 1,}', b"{'a': 1}", b'{"text": "a"} trailing', b"{\"a\" 1}",
             b'{"text": "unterminated}', b"\x00\x01\x02"]


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_malformed_json(ctx, name):
    for body in MALFORMED:
        expect_error(send_raw_json(ctx, name, body), 400, "malformed_json")
    assert_alive(ctx.server)


INVALID_UTF8 = [
    b'{"username": "\xff\xfe", "password": "\xff", "text": "\xff", "display_name": "\xff", "type": "\xff"}',
    b'{"username": "\xc0\xaf", "password": "\xc0\xaf", "text": "\xc0\xaf", "display_name": "\xc0\xaf"}',  # overlong
    b'{"username": "\xed\xa0\x80", "password": "p", "text": "\xed\xa0\x80", "display_name": "\xed\xa0\x80"}',
    b'{"username": "ab\xe2\x82", "password": "p", "text": "ab\xe2\x82", "display_name": "ab\xe2\x82"}',
    b'{"\xff": 1}',
]


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_invalid_utf8(ctx, name):
    for body in INVALID_UTF8:
        expect_error(send_raw_json(ctx, name, body), 400, "malformed_json")
    # an escaped lone surrogate is valid JSON syntax but not a valid string: never a 5xx, never stored
    r = send_raw_json(ctx, name, b'{"username": "\\ud800", "password": "\\ud800", "text": "\\ud800", '
                                 b'"display_name": "\\ud800", "type": "group"}')
    assert r.status_code < 500, r.text
    if name == "patch_profile" and r.status_code == 200:
        assert json.loads(ctx.user.get("/api/v1/users/me").content)  # still valid JSON/UTF-8
    assert_alive(ctx.server)


WRONG_TYPES = {
    "login": [({"username": 5, "password": "x"}, "username"), ({"username": "x", "password": 5}, "password"),
              ({"username": ["a"], "password": "x"}, "username"), ({"username": None, "password": "x"}, "username"),
              ({"username": {"a": 1}, "password": "x"}, "username")],
    "create_chat": [({"type": 5}, "type"), ({"type": "channel", "name": 123}, "name"),
                    ({"type": "channel", "name": "x", "immutable_after_minutes": "5"}, "immutable_after_minutes"),
                    ({"type": "channel", "name": "x", "immutable_after_minutes": 1.5}, "immutable_after_minutes"),
                    ({"type": "group", "member_ids": [5]}, "member_ids"),
                    ({"type": "channel", "name": "x", "visibility": True}, "visibility"),
                    ({"type": None}, "type"), ({"type": "direct", "user_id": 12345}, "user_id")],
    "post_message": [({"text": 123}, "text"), ({"text": None}, "text"), ({"text": ["a"]}, "text"),
                     ({"text": {"t": "a"}}, "text"), ({"text": True}, "text"),
                     ({"text": "ok", "client_id": 5}, "client_id")],
    "patch_profile": [({"display_name": 5}, "display_name"), ({"position": ["x"]}, "position"),
                      ({"site": {"a": "b"}}, "site"), ({"status_text": True}, "status_text"),
                      ({"department": 1.5}, "department")],
}
NOT_OBJECTS = [b"[]", b"[1, 2]", b"null", b"42", b'"string"', b"true"]
MISSING = {
    "login": [{}, {"username": "x"}, {"password": "x"}],
    "create_chat": [{}, {"name": "no type"}, {"type": "direct"}],
    "post_message": [{}, {"client_id": "c"}],
}


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_wrong_types_and_missing_fields(ctx, name):
    for body, field in WRONG_TYPES[name]:
        err = expect_error(send_raw_json(ctx, name, json.dumps(body).encode()), 400, "invalid_argument")
        assert field in err["message"], f"message must name the field {field!r}: {err}"
    for raw in NOT_OBJECTS:
        expect_error(send_raw_json(ctx, name, raw), 400, "invalid_argument")
    for body in MISSING.get(name, []):
        expect_error(send_raw_json(ctx, name, json.dumps(body).encode()), 400, "invalid_argument")
    # nothing slipped through
    assert ctx.user.me()["display_name"] != 5
    assert_alive(ctx.server)


def test_big_numbers_and_deep_nesting(ctx):
    u = ctx.user
    r = u.post("/api/v1/chats", json=None, data=b'{"type":"channel","name":"n","immutable_after_minutes":'
                                               b'99999999999999999999999}', headers={"Content-Type": "application/json"})
    expect_error(r, 400, ("invalid_argument", "malformed_json"))
    r = u.post("/api/v1/chats", data=b'{"type":"channel","name":"n","immutable_after_minutes":1e999}',
               headers={"Content-Type": "application/json"})
    expect_error(r, 400, ("invalid_argument", "malformed_json"))
    for deep in (b"[" * 100_000, b'{"a":' * 50_000, b"[" * 10_000 + b"]" * 10_000):
        r = u.post(f"/api/v1/chats/{ctx.chat['id']}/messages", data=deep, headers={"Content-Type": "application/json"})
        expect_error(r, 400, ("invalid_argument", "malformed_json"))
    assert_alive(ctx.server)


def test_body_size_limit(ctx):
    u = ctx.user
    # exactly 1 MiB is accepted, one byte more is not
    head = b'{"status_text": "size-ok"'
    exact = head + b" " * (MiB - len(head) - 1) + b"}"
    assert len(exact) == MiB
    r = u.patch("/api/v1/users/me", data=exact, headers={"Content-Type": "application/json"})
    assert expect(r, 200)["status_text"] == "size-ok"
    over = head + b" " * (MiB - len(head)) + b"}"
    assert len(over) == MiB + 1
    status, _, body = raw_http(ctx.server, "PATCH", "/api/v1/users/me", over,
                               {"Authorization": f"Bearer {u.token}", "Content-Type": "application/json"})
    assert status == 413, f"{status} {body[:300]!r}"
    assert json.loads(body)["error"]["code"] == "body_too_large"
    big = json.dumps({"text": "x" * (2 * MiB)}).encode()
    status, _, body = raw_http(ctx.server, "POST", f"/api/v1/chats/{ctx.chat['id']}/messages", big,
                               {"Authorization": f"Bearer {u.token}", "Content-Type": "application/json"})
    assert status == 413, f"{status} {body[:300]!r}"
    assert json.loads(body)["error"]["code"] == "body_too_large"
    assert u.history(ctx.chat["id"])["messages"][-1]["text"] == "hello"
    # the same for an unauthenticated endpoint
    status, _, body = raw_http(ctx.server, "POST", "/api/v1/auth/login", b'{"username":"' + b"a" * (2 * MiB) + b'"}',
                               {"Content-Type": "application/json"})
    assert status == 413, f"{status} {body[:300]!r}"
    assert_alive(ctx.server)


def test_unsupported_media_type(ctx):
    u = ctx.user
    body = json.dumps({"text": "typed"}).encode()
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        expect_error(u.post(f"/api/v1/chats/{ctx.chat['id']}/messages", data=body, headers={"Content-Type": ctype}),
                     415, "unsupported_media_type")
    r = u.post(f"/api/v1/chats/{ctx.chat['id']}/messages", data=body,
               headers={"Content-Type": "application/json; charset=utf-8"})
    assert expect(r, 201)["text"] == "typed"
    assert [m["text"] for m in u.history(ctx.chat["id"])["messages"]][-1] == "typed"


def test_unknown_ids_404(ctx):
    u = ctx.user
    expect_error(u.get("/api/v1/chats/999999999999"), 404, "chat_not_found")
    expect_error(u.get("/api/v1/chats/999999999999/messages"), 404, "chat_not_found")
    expect_error(u.post("/api/v1/chats/999999999999/messages", json={"text": "x"}), 404, "chat_not_found")
    expect_error(u.get("/api/v1/messages/999999999999"), 404, "message_not_found")
    expect_error(u.patch("/api/v1/messages/999999999999", json={"text": "x"}), 404, "message_not_found")
    expect_error(u.get("/api/v1/users/999999999999"), 404, "user_not_found")
    expect_error(u.delete("/api/v1/auth/sessions/999999999999"), 404, "session_not_found")
    expect_error(u.post(f"/api/v1/chats/{ctx.chat['id']}/members", json={"user_ids": ["999999999999"]}), 404,
                 "user_not_found")
    expect_error(u.post(f"/api/v1/chats/{ctx.chat['id']}/read", json={"message_id": "999999999999"}), 404)


def test_non_numeric_path_ids_400(ctx):
    u = ctx.user
    cid = ctx.chat["id"]
    for method, path in [("GET", "/api/v1/chats/abc"), ("GET", "/api/v1/chats/abc/messages"),
                         ("POST", "/api/v1/chats/12x/messages"), ("GET", "/api/v1/messages/abc"),
                         ("DELETE", "/api/v1/messages/abc"), ("GET", "/api/v1/users/abc"),
                         ("DELETE", "/api/v1/auth/sessions/abc"), ("GET", f"/api/v1/messages/{'9' * 3}z/versions"),
                         ("DELETE", f"/api/v1/chats/{cid}/members/abc"),
                         ("PATCH", f"/api/v1/chats/{cid}/members/abc")]:
        kw = {"json": {"text": "x", "role": "member"}} if method in ("POST", "PATCH") else {}
        expect_error(u.request(method, path, **kw), 400, "invalid_argument")


def test_unknown_route_and_wrong_method(ctx):
    u = ctx.user
    for path in ("/api/v1/nope", "/api/v2/health", "/nope", f"/api/v1/chats/{ctx.chat['id']}/nope",
                 "/api/v1/messages", "/api/v1/health/extra"):
        expect_error(u.get(path), 404, "route_not_found")
    expect_error(u.get("/api/v1/nope", auth=False), 404, "route_not_found")
    for method, path in [("DELETE", "/api/v1/health"), ("PUT", "/api/v1/chats"), ("GET", "/api/v1/auth/login"),
                         ("DELETE", "/api/v1/users/me"), ("POST", f"/api/v1/messages/{ctx.msg['id']}"),
                         ("PUT", f"/api/v1/chats/{ctx.chat['id']}/messages")]:
        expect_error(u.request(method, path, json={}), 405, "method_not_allowed")
    assert_alive(ctx.server)


def test_unauthenticated_requests(ctx):
    s = new_http_session()
    try:
        for method, path in [("GET", "/api/v1/users/me"), ("GET", "/api/v1/chats"),
                             ("POST", f"/api/v1/chats/{ctx.chat['id']}/messages"),
                             ("GET", f"/api/v1/messages/{ctx.msg['id']}"), ("POST", "/api/v1/auth/logout")]:
            r = s.request(method, ctx.server.url(path), json={"text": "x"}, timeout=10)
            expect_error(r, 401, "unauthenticated")
        r = s.get(ctx.server.url("/api/v1/users/me"), headers={"Authorization": "Basic YTpi"}, timeout=10)
        expect_error(r, 401, "unauthenticated")
        r = s.get(ctx.server.url("/api/v1/users/me"), headers={"Authorization": "Bearer "}, timeout=10)
        expect_error(r, 401, "unauthenticated")
    finally:
        s.close()


# -- raw sockets --------------------------------------------------------------------------------


def raw_http(server, method, path, body=b"", headers=None, timeout=10):
    """Send one HTTP/1.1 request on a fresh socket (body sent from a thread, so an early answer from
    the server cannot deadlock us); returns (status, headers dict, body bytes)."""
    headers = dict(headers or {})
    headers.setdefault("Host", f"127.0.0.1:{server.port}")
    headers["Content-Length"] = str(len(body))
    headers["Connection"] = "close"
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    s = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)

    def sender():
        try:
            s.sendall(head.encode() + body)
        except OSError:
            pass

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    data = b""
    try:
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                hdr, _, rest = data.partition(b"\r\n\r\n")
                m = [l for l in hdr.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if m and len(rest) >= int(m[0].split(b":")[1]):
                    break
    finally:
        s.close()
        t.join(5)
    assert data, f"no response at all to {method} {path} ({len(body)} bytes)"
    hdr, _, rest = data.partition(b"\r\n\r\n")
    lines = hdr.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, rest


class Reply(bytes):
    """What came back on a raw connection; `closed` says whether the server ended the connection
    (EOF or reset) rather than leaving it hanging until the timeout."""
    closed = False


def raw_exchange(server, payload, timeout=15, close_write=False):
    """Send raw bytes; return whatever comes back before the server closes (or the timeout)."""
    s = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    data, closed = b"", False
    try:
        try:
            s.sendall(payload)
            if close_write:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            closed = True  # reset while we were still sending: the server refused the bytes
        deadline = time.monotonic() + timeout
        while not closed and time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
    finally:
        s.close()
    reply = Reply(data)
    reply.closed = closed
    return reply


def assert_rejected_or_closed(resp, what):
    """Bad bytes get a 4xx (or 505) answer, or the connection closed; never silence until the
    timeout (a hang), never a 2xx or 5xx."""
    if not resp:
        assert resp.closed, f"{what}: no answer and the connection was left open (a hang)"
        return
    assert resp.startswith(b"HTTP/1."), f"{what}: non-HTTP answer {resp[:100]!r}"
    status = int(resp.split(b" ", 2)[1])
    assert 400 <= status < 500 or status == 505, f"{what}: expected a 4xx, got {resp[:200]!r}"


@pytest.mark.parametrize("payload", [
    b"GARBAGE GARBAGE GARBAGE\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),  # a TLS ClientHello-ish start
    bytes((i * 37 + 11) % 256 for i in range(8192)),
    b"GET /api/v1/health HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET\r\n\r\n",
    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nxx\r\n",
    b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n",
], ids=["words", "tls", "binary", "http99", "bare-get", "bad-length", "negative-length", "bad-chunked",
        "bad-header"])
def test_raw_garbage(server, payload):
    resp = raw_exchange(server, payload)
    assert_rejected_or_closed(resp, repr(payload[:30]))
    assert_alive(server)


def test_truncated_request_and_huge_header(server):
    # the client goes away in the middle of a request
    for partial in (b"GET /api/v1/hea", b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n",
                    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 100\r\n\r\n{\"username\":"):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(partial)
        s.close()
    # half-closed after a truncated body: the server must not hang the answer forever or crash
    resp = raw_exchange(server, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                b"Content-Length: 100\r\n\r\n{\"user", close_write=True)
    assert_rejected_or_closed(resp, "truncated body")
    assert_alive(server)
    # one huge header
    resp = raw_exchange(server, b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
    assert_rejected_or_closed(resp, "huge header")
    # very many headers
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(20_000))
    resp = raw_exchange(server, b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert_rejected_or_closed(resp, "many headers")
    # a huge request line
    resp = raw_exchange(server, b"GET /api/v1/" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert_rejected_or_closed(resp, "huge target")
    assert_alive(server)


def test_many_idle_connections_do_not_block_service(server):
    socks = []
    try:
        for _ in range(50):
            socks.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        for s in socks[:25]:
            s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")  # never finished
        # Served while they hang: blocked, it would wait for their 30 s header deadline.
        t0 = time.monotonic()
        assert_alive(server)
        assert time.monotonic() - t0 < 20.0
    finally:
        for s in socks:
            s.close()
    assert_alive(server)


def test_keepalive_pipelined_requests(server):
    req = f"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
    last = f"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: close\r\n\r\n".encode()
    resp = raw_exchange(server, req * 3 + last)
    assert resp.count(b"HTTP/1.1 200") == 4, resp[:500]


# -- WebSocket frames ---------------------------------------------------------------------------


def test_ws_malformed_frames(ctx, ws_factory):
    ws = ws_factory(ctx.server, ctx.peer)
    for bad in ("not json", "[1, 2]", '{"type": "bogus"}', '{"no_type": 1}', '{"type": 5}', "", "null", "{",
                '"hello"', '{"type": "ping"' + " " * 10):
        start = ws.count()
        ws.send_raw(bad)
        err = ws.wait_for(lambda f: f.get("type") == "error", 30, f"error for {bad!r}", start=start)
        assert err["code"] == "invalid_frame", err
        assert isinstance(err.get("message"), str)
        ws.ping()
    assert not ws.closed
    # still a working event stream
    m = ctx.user.send(ctx.chat["id"], "after garbage")
    ev = ws.wait_event("message.created", lambda f: f["data"]["id"] == m["id"])
    assert ev["chat_id"] == ctx.chat["id"]
    assert ws.pos_violations == []
    assert_alive(ctx.server)


def test_ws_garbage_before_hello_and_anonymous(ctx):
    from veche_harness import WsClient
    import websocket

    ws = WsClient(ctx.server, ctx.peer, hello=False)
    try:
        ws.send_raw("garbage before hello")
        err = ws.wait_for(lambda f: f.get("type") == "error", 30, "error before hello")
        assert err["code"] == "invalid_frame"
        ws.send({"type": "hello"})
        ok = ws.wait_for(lambda f: f.get("type") == "hello_ok", 30, "hello_ok after garbage")
        assert ok["user_id"] == ctx.peer.id
        ws.wait_for(lambda f: f.get("type") == "synced", 30, "synced")
        ws.ping()
    finally:
        ws.abort()
    with pytest.raises(websocket.WebSocketBadStatusException) as ei:
        WsClient(ctx.server, "vch_" + uniq("nope"))
    assert ei.value.status_code == 401
    assert_alive(ctx.server)


def test_server_alive_at_the_end(server):
    assert_alive(server)
    r = server.health()
    assert r.json()["status"] == "ok" and r.json()["version"] == "0.1.0"


def test_public_channel_directory_rejects_bad_limits_and_overlong_queries(server, make_user):
    u = make_user()
    for bad in ("abc", "0", "-1", "201", "1.5", "1e3", " 5"):
        expect_error(u.get("/api/v1/chats/public", params={"limit": bad}), 400, "invalid_argument")
    expect_error(u.get("/api/v1/chats/public", params={"query": "я" * 101}), 400, "invalid_argument")
    expect_error(u.get("/api/v1/chats/public", params={"query": "x" * 101}), 400, "invalid_argument")
    # the limits themselves are accepted, and the limit is honoured
    for i in range(3):
        expect(u.post("/api/v1/chats", json={"type": "channel", "name": f"dirlimit-{uniq('c')}",
                                             "visibility": "public"}), 201)
    page = expect(u.get("/api/v1/chats/public", params={"limit": "2"}), 200)["chats"]
    assert len(page) == 2
    # the length is in characters, not bytes: 100 Cyrillic letters are 200 bytes and still allowed
    expect(u.get("/api/v1/chats/public", params={"limit": "200", "query": "x" * 100}), 200)
    expect(u.get("/api/v1/chats/public", params={"query": "я" * 100}), 200)
    expect(u.get("/api/v1/users", params={"query": "я" * 100}), 200)
    expect_error(u.get("/api/v1/users", params={"query": "я" * 101}), 400, "invalid_argument")


def test_adding_an_existing_member_or_joining_twice_changes_nothing(server, make_user):
    owner, other = make_user(), make_user()
    chan = expect(owner.post("/api/v1/chats", json={"type": "channel", "name": f"twice-{uniq('c')}",
                                                    "visibility": "public"}), 201)
    first = expect(other.post(f"/api/v1/chats/{chan['id']}/join"), 200)
    again = expect(other.post(f"/api/v1/chats/{chan['id']}/join"), 200)
    assert first["member_count"] == again["member_count"] == 2
    assert again["my_role"] == "member"
    expect(owner.post(f"/api/v1/chats/{chan['id']}/members", json={"user_ids": [other.id]}), 200)
    roles = {m["user"]["id"]: m["role"] for m in expect(owner.get(f"/api/v1/chats/{chan['id']}/members"), 200)["members"]}
    assert roles == {owner.id: "owner", other.id: "member"}
