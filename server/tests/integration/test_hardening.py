"""Issue 10, hardening, probed through the public API as an outsider would: replay never shows more
than the current state, cross-site requests with the session cookie, control characters in query
parameters, session lifetimes, the forced password change, forwarding files, counters after
deletes, readiness and security headers."""

import json
import os
import re
import tempfile
import urllib.parse

import pytest
import requests
import websocket

from veche_harness import (
    STORAGE,
    Server,
    WsClient,
    drop_pg_database,
    expect,
    expect_error,
    login,
    make_user,
    uniq,
    wait_until,
)

EVIL = "http://evil.example"


def group(owner, *members):
    return owner.create_chat("group", name=uniq("g"), member_ids=[m.id for m in members])


def upload(client, chat_id, data, name="secret-report.bin"):
    path = f"/api/v1/chats/{chat_id}/files?name={urllib.parse.quote(name, safe='')}"
    return expect(client.post(path, data=data, headers={"Content-Type": "application/octet-stream"}), 201)


def replay_frames(server, client):
    """Everything a client resuming from position 0 receives, as raw text."""
    ws = WsClient(server, client, last_pos=0)
    try:
        events = ws.events()
    finally:
        ws.close()
    return events, json.dumps(events, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# 1. replay shows the current state only


def test_replay_hides_deleted_text_files_and_old_versions(server):
    a, b = make_user(server), make_user(server)
    chat = group(a, b)
    edited = a.send(chat["id"], "first draft: secret-version-one")
    expect(a.patch(f"/api/v1/messages/{edited['id']}", json={"text": "final wording"}), 200)
    f = upload(a, chat["id"], b"attachment bytes", name="payroll-2026.xlsx")
    doomed = expect(a.post(f"/api/v1/chats/{chat['id']}/messages",
                           json={"text": "deleted-secret-text", "file_ids": [f["id"]]}), 201)
    expect(a.delete(f"/api/v1/messages/{doomed['id']}"), 204)
    quoted = a.send(chat["id"], "quoted-secret-text")
    quoting = expect(a.post(f"/api/v1/chats/{chat['id']}/messages",
                            json={"text": "I quote it", "quote_id": quoted["id"]}), 201)
    assert quoting["quote"]["text"] == "quoted-secret-text"
    expect(a.delete(f"/api/v1/messages/{quoted['id']}"), 204)

    events, text = replay_frames(server, b)
    for secret in ("secret-version-one", "deleted-secret-text", "payroll-2026", f["id"], "quoted-secret-text"):
        assert secret not in text, f"replay leaks {secret!r}"
    created = {e["data"]["id"]: e["data"] for e in events if e["kind"] == "message.created"}
    assert created[edited["id"]]["text"] == "final wording"
    assert created[doomed["id"]]["deleted"] is True and created[doomed["id"]]["text"] == ""
    assert not created[doomed["id"]].get("files")
    assert created[quoting["id"]]["quote"]["deleted"] is True
    assert [e["kind"] for e in events if e.get("data", {}).get("id") == doomed["id"]][-1] == "message.deleted"
    # history agrees with the replay
    hist = {m["id"]: m for m in b.all_messages(chat["id"])}
    assert hist[edited["id"]]["text"] == "final wording" and hist[doomed["id"]]["deleted"] is True


def test_restored_message_replays_with_its_text_again(server, admin_client):
    a, b = make_user(server), make_user(server)
    chat = group(a, b)
    a.add_members(chat["id"], [admin_client])  # restoring is for system administrators who are members
    m = a.send(chat["id"], "comes back later")
    expect(a.delete(f"/api/v1/messages/{m['id']}"), 204)
    _, text = replay_frames(server, b)
    assert "comes back later" not in text
    expect(admin_client.post(f"/api/v1/messages/{m['id']}/restore", json={}), 200)
    events, _ = replay_frames(server, b)
    created = [e for e in events if e["kind"] == "message.created" and e["data"]["id"] == m["id"]]
    assert created and created[0]["data"]["text"] == "comes back later"


# ---------------------------------------------------------------------------------------------
# 2. cross-site requests with the session cookie


def cookie_session(server, client):
    """A plain HTTP session that authenticates with the cookie only, as a browser does."""
    s = requests.Session()
    s.cookies.set("veche_session", client.token)
    return s


def test_cookie_requests_from_another_origin_change_nothing(server, admin_client):
    owner, victim = make_user(server), make_user(server)
    chan = owner.create_chat("channel", name=uniq("pub"), visibility="public")
    s = cookie_session(server, victim)
    url = server.url
    # a bodiless POST from another site: refused, and the victim did not join
    for origin in (EVIL, "null", "http://127.0.0.1.evil.example"):
        r = s.post(url(f"/api/v1/chats/{chan['id']}/join"), headers={"Origin": origin})
        expect_error(r, 403, "cross_origin_request")
    assert victim.id not in [m["user"]["id"] for m in expect(owner.get(f"/api/v1/chats/{chan['id']}/members"), 200)["members"]]
    # Fetch Metadata without Origin tells the same
    expect_error(s.post(url(f"/api/v1/chats/{chan['id']}/join"), headers={"Sec-Fetch-Site": "cross-site"}), 403,
                 "cross_origin_request")
    # an upload sent as text/plain (a "simple" cross-site request) stores nothing
    r = s.post(url(f"/api/v1/chats/{chan['id']}/files?name=x.txt"), data=b"forged",
               headers={"Origin": EVIL, "Content-Type": "text/plain"})
    expect_error(r, 403, "cross_origin_request")
    expect_error(s.post(url("/api/v1/auth/logout"), headers={"Origin": EVIL}), 403, "cross_origin_request")
    assert victim.me()["id"] == victim.id, "the forged logout must not end the session"
    # the same requests from the server's own origin (what the web client sends) work
    own = f"http://127.0.0.1:{server.port}"
    expect(s.post(url(f"/api/v1/chats/{chan['id']}/join"), headers={"Origin": own}), 200)
    # a non-browser client with the cookie and no Origin is not a cross-site request
    expect(s.post(url(f"/api/v1/chats/{chan['id']}/leave")), 204)
    # bearer clients are unaffected by Origin
    expect(victim.post(f"/api/v1/chats/{chan['id']}/join", headers={"Origin": EVIL}), 200)


def test_forged_admin_password_reset_is_refused(server, admin_client):
    target = make_user(server)
    s = cookie_session(server, admin_client)
    r = s.post(server.url(f"/api/v1/users/{target.id}/password"), headers={"Origin": EVIL})
    expect_error(r, 403, "cross_origin_request")
    assert target.me()["id"] == target.id, "the target's session must survive"
    login(server, target.username, target.password)


def test_cookie_websocket_from_another_origin_is_refused(server):
    u = make_user(server)
    for origin in (EVIL, "null"):
        with pytest.raises(websocket.WebSocketBadStatusException) as e:
            websocket.create_connection(server.ws_url, header=[f"Cookie: veche_session={u.token}"], origin=origin,
                                        timeout=10)
        assert e.value.status_code == 403
    # websocket-client sends the server's own origin by default, as the web client's browser does
    ok = WsClient(server, cookie=u.token)
    assert ok.hello_ok["user_id"] == u.id
    ok.close()
    bearer = websocket.create_connection(server.ws_url, header=[f"Authorization: Bearer {u.token}"], origin=EVIL,
                                         timeout=10)
    try:
        bearer.send(json.dumps({"type": "hello"}))
        frame = json.loads(bearer.recv())
        while frame.get("type") == "presence":
            frame = json.loads(bearer.recv())
        assert frame["type"] == "hello_ok" and frame["user_id"] == u.id
    finally:
        bearer.close()


def test_login_from_another_origin_is_refused(server):
    u = make_user(server)
    r = requests.post(server.url("/api/v1/auth/login"), json={"username": u.username, "password": u.password},
                      headers={"Origin": EVIL}, timeout=30)
    expect_error(r, 403, "cross_origin_request")
    assert "Set-Cookie" not in r.headers


def test_configured_origin_may_use_the_cookie():
    srv = Server(extra_env={"VECHE_ALLOWED_ORIGINS": "https://chat.example.com", "VECHE_PUBLIC_URL": "https://veche.example.com/"})
    try:
        srv.start()
        u = make_user(srv)
        chan = u.create_chat("channel", name=uniq("c"), visibility="public")
        s = cookie_session(srv, u)
        for origin in ("https://chat.example.com", "https://veche.example.com"):
            expect(s.post(srv.url(f"/api/v1/chats/{chan['id']}/leave"), headers={"Origin": origin}), 204)
            expect(u.post(f"/api/v1/chats/{chan['id']}/join"), 200)
        expect_error(s.post(srv.url(f"/api/v1/chats/{chan['id']}/leave"), headers={"Origin": "https://chat.example.com:444"}),
                     403, "cross_origin_request")
        # https public URL: the cookie is Secure; its lifetime is the session's
        cookie = u.login_response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "Max-Age=7776000" in cookie
    finally:
        srv.cleanup()


def test_plain_http_cookie_is_not_secure(server):
    u = make_user(server)
    cookie = u.login_response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" not in cookie


# ---------------------------------------------------------------------------------------------
# 3. hostile strings in query parameters and text fields

HOSTILE = ["abc\x00", "\x00", "a\x01b", "\x7f", "\ud800", "x\udfff", "\u202eevil", "a" * 65536, "%", "\"'\\",
           "ё" * 3000]


def test_nul_in_search_query_is_400(server):
    u = make_user(server)
    r = u.get("/api/v1/search?query=abc%00")
    expect_error(r, 400, "invalid_argument")


def encode(value):
    try:
        return urllib.parse.quote(value, safe="")
    except UnicodeEncodeError:  # a lone surrogate: send the bytes a broken client would
        return urllib.parse.quote(value.encode("utf-8", "surrogatepass"), safe="")


def test_hostile_query_parameters_never_get_a_5xx(server):
    u = make_user(server)
    chat = group(u)
    m = u.send(chat["id"], "a message to page around")
    endpoints = [
        "/api/v1/search?query={v}", f"/api/v1/search?query=message&chat_id={{v}}", "/api/v1/search?query=a&author_id={v}",
        "/api/v1/users?query={v}", "/api/v1/users?limit={v}", "/api/v1/chats/public?query={v}",
        "/api/v1/chats/public?limit={v}", f"/api/v1/chats/{chat['id']}/messages?before={{v}}",
        f"/api/v1/chats/{chat['id']}/messages?after={{v}}", f"/api/v1/chats/{chat['id']}/messages?limit={{v}}",
        f"/api/v1/chats/{chat['id']}/files?before={{v}}", "/api/v1/notifications?before={v}",
        f"/api/v1/messages/{m['id']}/thread?limit={{v}}", "/api/v1/users/{v}", "/api/v1/chats/{v}",
        "/api/v1/messages/{v}", "/api/v1/files/{v}", "/api/v1/search?{v}=1",
    ]
    for template in endpoints:
        for value in HOSTILE:
            path = template.replace("{v}", encode(value))
            r = u.get(path)
            assert r.status_code < 500, f"GET {path[:120]} -> {r.status_code}: {r.text[:200]}"
            if r.status_code >= 400 and r.status_code != 431:
                assert "error" in r.json()
            if any(ord(ch) < 0x20 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF for ch in value):
                assert r.status_code in (400, 404, 431), f"GET {path[:120]} -> {r.status_code}"
    # the right-to-left override is just text: a search for it answers normally
    expect(u.get("/api/v1/search?query=" + encode("\u202eevil")), 200)


def test_hostile_text_fields_are_400_or_kept_literally(server):
    u = make_user(server)
    chat = group(u)
    for text in ("abc\x00def", "a" * 70000):
        expect_error(u.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": text}), 400, "invalid_argument")
    # a lone surrogate escape is not a character: refused as malformed or invalid, never stored
    r = u.post(f"/api/v1/chats/{chat['id']}/messages", data='{"text":"x\\ud800y"}',
               headers={"Content-Type": "application/json"})
    assert r.status_code == 400 or (r.status_code == 201 and "\ud800" not in r.json()["text"]), r.text
    for field, value in (("name", "nul\x00name"), ("topic", "\x00")):
        r = u.patch(f"/api/v1/chats/{chat['id']}", json={field: value})
        expect_error(r, 400, "invalid_argument")
    expect_error(u.patch("/api/v1/users/me", json={"display_name": "x\x00"}), 400, "invalid_argument")
    expect_error(u.post(f"/api/v1/chats/{chat['id']}/polls", json={"question": "q?", "options": ["a\x00", "b"]}), 400,
                 "invalid_argument")
    # a file name keeps what it can: control characters (NUL included) are dropped, not refused
    named = upload(u, chat["id"], b"x", name="re\x00port\x01.txt")
    assert named["name"] == "report.txt"
    literal = "\u202eevil\u0007bell\ttab"
    sent = expect(u.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": literal}), 201)
    assert sent["text"] == literal
    assert [x for x in u.all_messages(chat["id"]) if x["id"] == sent["id"]][0]["text"] == literal


# ---------------------------------------------------------------------------------------------
# 6. sessions expire


def test_idle_session_expires():
    srv = Server(extra_env={"VECHE_SESSION_IDLE_TIMEOUT_SECONDS": "3"})
    try:
        srv.start()
        u = make_user(srv)
        expect(u.get("/api/v1/users/me"), 200)
        # u sends nothing more; a second session of the same user, kept busy, watches u's session
        # leave the list of live sessions (waiting on state, with a generous bound)
        watcher = login(srv, u.username, u.password)

        def live_ids():
            return [s["id"] for s in expect(watcher.get("/api/v1/auth/sessions"), 200)["sessions"]]

        assert u.session_id in live_ids()
        wait_until(lambda: u.session_id not in live_ids(), timeout=60, interval=0.2, desc="idle session gone")
        expect_error(u.get("/api/v1/chats"), 401, "unauthenticated")
        assert watcher.session_id in live_ids(), "a session in use stays alive"
    finally:
        srv.cleanup()


def test_session_ends_at_its_lifetime_even_when_used_and_its_websocket_closes():
    srv = Server(extra_env={"VECHE_SESSION_MAX_AGE_SECONDS": "4"})
    try:
        srv.start()
        u = make_user(srv)
        ws = WsClient(srv, u)
        assert "Max-Age=4" in u.login_response.headers["Set-Cookie"]
        wait_until(lambda: u.get("/api/v1/users/me").status_code == 401, timeout=60, interval=0.3,
                   desc="session past its lifetime refused")
        assert ws.wait_closed(timeout=60) == 4001
    finally:
        srv.cleanup()


# ---------------------------------------------------------------------------------------------
# 7. the forced password change is enforced by the server


def test_user_who_must_change_password_can_do_nothing_else(server, admin_client):
    u = make_user(server)
    chat = group(u)
    pw = expect(admin_client.post(f"/api/v1/users/{u.id}/password", json={}), 200)["password"]
    c = login(server, u.username, pw)
    assert c.me()["must_change_password"] is True
    for method, path, body in (("GET", "/api/v1/chats", None), ("POST", "/api/v1/chats", {"type": "group", "name": "x"}),
                               ("GET", f"/api/v1/chats/{chat['id']}/messages", None),
                               ("POST", f"/api/v1/chats/{chat['id']}/messages", {"text": "hi"}),
                               ("GET", "/api/v1/auth/sessions", None), ("PATCH", "/api/v1/users/me", {"display_name": "x"}),
                               ("GET", "/api/v1/search?query=hi", None)):
        r = c.request(method, path, json=body)
        expect_error(r, 403, "password_change_required")
    r = c.post(f"/api/v1/chats/{chat['id']}/files?name=a.bin", data=b"x",
               headers={"Content-Type": "application/octet-stream"})
    expect_error(r, 403, "password_change_required")
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(server.ws_url, header=[f"Authorization: Bearer {c.token}"], timeout=10)
    assert e.value.status_code == 403
    expect(c.post("/api/v1/users/me/password", json={"old_password": pw, "new_password": "new-pass-123"}), 204)
    expect(c.get("/api/v1/chats"), 200)
    ws = WsClient(server, c)
    assert ws.hello_ok["user_id"] == u.id
    ws.close()


def test_generated_first_admin_password_locks_everything_but_the_change():
    srv = Server(admin_password=None)
    try:
        srv.start()
        m = wait_until(lambda: re.search(r"one-time password: (\S+)", srv.read_log("stdout")), timeout=30,
                       desc="one-time password")
        admin = login(srv, "admin", m.group(1))
        expect_error(admin.post("/api/v1/users", json={"username": uniq("x"), "password": "pw-12345678"}), 403,
                     "password_change_required")
        expect(admin.post("/api/v1/auth/logout"), 204)
    finally:
        srv.cleanup()


# ---------------------------------------------------------------------------------------------
# 8. forward carries files


def test_forward_carries_files_and_access_follows_the_new_chat(server):
    a, b, outsider = make_user(server), make_user(server), make_user(server)
    source = group(a, outsider)
    target = group(a, b)
    f = upload(a, source["id"], b"forwarded bytes \x00\x01", name="plan.pdf")
    only_file = expect(a.post(f"/api/v1/chats/{source['id']}/messages", json={"text": "", "file_ids": [f["id"]]}), 201)
    fwd = expect(a.post(f"/api/v1/messages/{only_file['id']}/forward", json={"chat_id": target["id"]}), 201)
    assert len(fwd["files"]) == 1
    copy = fwd["files"][0]
    assert copy["name"] == "plan.pdf" and copy["size"] == f["size"] and copy["id"] != f["id"]
    # b (target chat only) downloads the forwarded copy, not the original
    r = b.get(f"/api/v1/files/{copy['id']}")
    assert r.status_code == 200 and r.content == b"forwarded bytes \x00\x01"
    expect_error(b.get(f"/api/v1/files/{f['id']}"), 404)
    # history in the target shows the file; a forward never leaks into chats the file was not sent to
    hist = [m for m in b.all_messages(target["id"]) if m["id"] == fwd["id"]][0]
    assert [x["id"] for x in hist["files"]] == [copy["id"]]
    expect_error(outsider.get(f"/api/v1/files/{copy['id']}"), 404)
    # deleting the source message keeps the forwarded copy
    expect(a.delete(f"/api/v1/messages/{only_file['id']}"), 204)
    assert b.get(f"/api/v1/files/{copy['id']}").status_code == 200
    # one may forward only what one can see
    expect_error(b.post(f"/api/v1/messages/{only_file['id']}/forward", json={"chat_id": target["id"]}), 404)


# ---------------------------------------------------------------------------------------------
# 9. counters after deletes


def test_deleting_a_reply_updates_the_root_everywhere(server, ws_factory):
    a, b = make_user(server), make_user(server)
    chat = group(a, b)
    root = a.send(chat["id"], "root")
    r1 = expect(b.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": "r1", "thread_root_id": root["id"]}), 201)
    r2 = expect(b.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": "r2", "thread_root_id": root["id"]}), 201)
    assert expect(a.get(f"/api/v1/messages/{root['id']}"), 200)["reply_count"] == 2
    ws = ws_factory(server, a)
    expect(b.delete(f"/api/v1/messages/{r2['id']}"), 204)
    ev = ws.wait_event("message.updated", lambda f: f["data"]["id"] == root["id"], timeout=30)
    assert ev["data"]["reply_count"] == 1
    got = expect(a.get(f"/api/v1/messages/{root['id']}"), 200)
    assert got["reply_count"] == 1 and got["last_reply_at"] == r1["created_at"]
    expect(b.delete(f"/api/v1/messages/{r1['id']}"), 204)
    got = expect(a.get(f"/api/v1/messages/{root['id']}"), 200)
    assert got["reply_count"] == 0 and got["last_reply_at"] is None and got["thread_participants"] == []
    events, _ = replay_frames(server, a)
    created = [e for e in events if e["kind"] == "message.created" and e["data"]["id"] == root["id"]]
    assert created[0]["data"]["reply_count"] == 0


def test_mentions_in_deleted_messages_stop_counting(server):
    a, b = make_user(server), make_user(server)
    chat = group(a, b)
    m = a.send(chat["id"], f"hey @{b.username}, look")

    def view():
        return [c for c in expect(b.get("/api/v1/chats"), 200)["chats"] if c["id"] == chat["id"]][0]

    assert view()["mention_count"] == 1 and view()["unread_count"] == 1
    notes = expect(b.get("/api/v1/notifications"), 200)["notifications"]
    assert any(n["message_id"] == m["id"] for n in notes)
    expect(a.delete(f"/api/v1/messages/{m['id']}"), 204)
    assert view()["mention_count"] == 0 and view()["unread_count"] == 0
    notes = expect(b.get("/api/v1/notifications"), 200)["notifications"]
    assert not any(n["message_id"] == m["id"] for n in notes)


# ---------------------------------------------------------------------------------------------
# 12. readiness, 13. headers


def test_ready_answers_with_its_checks(server):
    r = requests.get(server.url("/api/v1/ready"), timeout=30)
    body = expect(r, 200)
    assert body == {"status": "ready", "checks": {"database": "ok"}}
    assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.skipif(STORAGE != "postgresql", reason="SQLite lives inside the process: it cannot go away alone")
def test_ready_is_503_when_the_database_is_gone():
    srv = Server()
    try:
        srv.start()
        expect(requests.get(srv.url("/api/v1/ready"), timeout=30), 200)
        drop_pg_database(srv.storage)
        def not_ready():
            r = requests.get(srv.url("/api/v1/ready"), timeout=30)
            return [r] if r.status_code == 503 else None  # a 503 Response is falsy itself

        r = wait_until(not_ready, timeout=60, desc="ready 503")[0]
        body = r.json()
        assert body["checks"]["database"] == "unavailable" and body["error"]["code"] == "not_ready"
        assert r.headers["Retry-After"]
        expect(requests.get(srv.url("/api/v1/health"), timeout=30), 200)  # alive, just not ready
    finally:
        srv.owns_storage = False
        srv.cleanup()


def test_every_api_response_has_nosniff(server):
    u = make_user(server)
    for r in (requests.get(server.url("/api/v1/health"), timeout=30), u.get("/api/v1/users/me"),
              u.get("/api/v1/chats/1"), u.get("/api/v1/nope"), requests.get(server.url("/api/v1/chats"), timeout=30),
              requests.post(server.url("/api/v1/auth/login"), data="{", timeout=30)):
        assert r.headers.get("X-Content-Type-Options") == "nosniff", (r.request.path_url, r.headers)


def test_web_client_may_be_framed_only_by_its_own_origins():
    web = tempfile.mkdtemp(prefix="veche-web-")
    with open(os.path.join(web, "index.html"), "w") as f:
        f.write("<!doctype html><title>Veche</title>")
    srv = Server(extra_env={"VECHE_WEB_DIR": web, "VECHE_ALLOWED_ORIGINS": "https://portal.example.com"})
    try:
        srv.start()
        for path in ("/", "/chats/123"):
            r = requests.get(srv.url(path), timeout=30)
            assert r.status_code == 200 and "Veche" in r.text
            assert r.headers["Content-Security-Policy"] == "frame-ancestors 'self' https://portal.example.com"
            assert r.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        srv.cleanup()
