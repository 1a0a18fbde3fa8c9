"""Authentication and sessions (docs/api.md "Auth and sessions", admin user management)."""

import re
import time
import uuid

import pytest
import requests

from veche_harness import (
    ADMIN_USERNAME,
    Client,
    Server,
    WsClient,
    expect,
    expect_error,
    login,
    make_user,
    new_http_session,
    next_source_ip,
    raw_login,
    uniq,
    wait_until,
)


def _me_status(server, token=None, cookie=None):
    http = new_http_session()
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = f"veche_session={cookie}"
    try:
        return http.get(server.url("/api/v1/users/me"), headers=headers, timeout=10)
    finally:
        http.close()


def test_login_ok_returns_token_session_user_and_cookie(server, make_user):
    u = make_user()
    r = raw_login(server, u.username, u.password)
    body = expect(r, 200)
    assert isinstance(body["token"], str) and body["token"].startswith("vch_")
    assert isinstance(body["session"]["id"], str) and body["session"]["id"].isdigit()
    assert isinstance(body["session"]["created_at"], int)
    assert body["user"]["username"] == u.username
    assert body["user"]["id"] == u.id
    assert body["token"] != u.token, "every login creates a new session token"

    cookie = r.headers.get("Set-Cookie", "")
    assert f"veche_session={body['token']}" in cookie, cookie
    attrs = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attrs, cookie
    assert "samesite=lax" in attrs, cookie
    assert "path=/" in attrs, cookie


def test_wrong_password_and_unknown_user_get_the_same_401(server, make_user):
    u = make_user()
    r1 = raw_login(server, u.username, "definitely-wrong-password")
    r2 = raw_login(server, uniq("nobody"), "definitely-wrong-password")
    e1 = expect_error(r1, 401, "unauthenticated")
    e2 = expect_error(r2, 401, "unauthenticated")
    assert e1 == e2, f"wrong password and unknown user must be indistinguishable: {e1} vs {e2}"
    assert "token" not in r1.json()
    assert "vch_" not in r1.headers.get("Set-Cookie", ""), "no session cookie on a failed login"


def test_bearer_and_cookie_both_authenticate(server, make_user):
    u = make_user()
    r = _me_status(server, token=u.token)
    assert expect(r, 200)["id"] == u.id
    r = _me_status(server, cookie=u.token)
    assert expect(r, 200)["id"] == u.id
    expect_error(_me_status(server), 401, "unauthenticated")
    expect_error(_me_status(server, token="vch_not_a_real_token"), 401, "unauthenticated")
    expect_error(_me_status(server, cookie="vch_not_a_real_token"), 401, "unauthenticated")


def test_websocket_authenticates_with_cookie_and_rejects_anonymous(server, make_user, ws_factory):
    u = make_user()
    ws = ws_factory(server, cookie=u.token)
    assert ws.hello_ok["user_id"] == u.id
    with pytest.raises(websocket_bad_status()) as ei:
        WsClient(server, token="vch_bogus")
    assert ei.value.status_code == 401
    with pytest.raises(websocket_bad_status()) as ei:
        WsClient(server)
    assert ei.value.status_code == 401


def websocket_bad_status():
    import websocket

    return websocket.WebSocketBadStatusException


def test_logout_revokes_session_clears_cookie_and_closes_websocket(server, make_user, ws_factory):
    u = make_user()
    other = login(server, u.username, u.password)  # a second session of the same user
    ws = ws_factory(server, u)
    r = u.post("/api/v1/auth/logout")
    expect(r, 204)
    cookie = r.headers.get("Set-Cookie", "")
    assert "veche_session=" in cookie, f"logout must clear the cookie, got Set-Cookie: {cookie!r}"
    m = re.search(r"veche_session=([^;]*)", cookie)
    cleared = (m and m.group(1).strip() in ("", '""')) or re.search(r"max-age=0", cookie, re.I) or re.search(
        r"expires=[^;]*19[0-9][0-9]", cookie, re.I)
    assert cleared, f"cookie not cleared: {cookie!r}"
    expect_error(u.get("/api/v1/users/me"), 401, "unauthenticated")
    expect_error(_me_status(server, cookie=u.token), 401, "unauthenticated")
    ws.wait_closed()
    # the other session is unaffected
    assert other.me()["id"] == u.id


def test_list_sessions_marks_current(server, make_user):
    ua_a = "veche-it-agent-A/" + uuid.uuid4().hex[:6]
    ua_b = "veche-it-agent-B/" + uuid.uuid4().hex[:6]
    u = make_user()
    a = login(server, u.username, u.password, user_agent=ua_a)
    b = login(server, u.username, u.password, user_agent=ua_b)

    sessions_a = expect(a.get("/api/v1/auth/sessions"), 200)["sessions"]
    by_id = {s["id"]: s for s in sessions_a}
    assert a.session_id in by_id and b.session_id in by_id and u.session_id in by_id
    for s in sessions_a:
        for field in ("id", "created_at", "last_seen_at", "user_agent", "ip", "current"):
            assert field in s, f"session lacks {field}: {s}"
        assert isinstance(s["current"], bool)
    assert [s["id"] for s in sessions_a if s["current"]] == [a.session_id]
    assert by_id[a.session_id]["user_agent"] == ua_a
    assert by_id[b.session_id]["user_agent"] == ua_b
    assert isinstance(by_id[a.session_id]["created_at"], int)
    assert a.source_ip in str(by_id[a.session_id]["ip"]), (
        f"session ip should be the client address: {by_id[a.session_id]['ip']!r} vs {a.source_ip}")
    assert b.source_ip in str(by_id[b.session_id]["ip"])

    sessions_b = expect(b.get("/api/v1/auth/sessions"), 200)["sessions"]
    assert [s["id"] for s in sessions_b if s["current"]] == [b.session_id]

    # only the caller's own sessions are listed
    other = make_user()
    ids_other = {s["id"] for s in expect(other.get("/api/v1/auth/sessions"), 200)["sessions"]}
    assert ids_other.isdisjoint(by_id.keys())


def test_revoke_other_session_kills_http_and_websocket(server, make_user, ws_factory):
    u = make_user()
    b = login(server, u.username, u.password)
    ws_b = ws_factory(server, b)
    ws_a = ws_factory(server, u)

    expect(u.delete(f"/api/v1/auth/sessions/{b.session_id}"), 204)
    expect_error(b.get("/api/v1/users/me"), 401, "unauthenticated")
    code = ws_b.wait_closed()
    assert code == 4001, f"revoked session's WebSocket must close with 4001, got {code} ({ws_b.error!r})"
    # the revoking session is untouched, on HTTP and WS
    assert u.me()["id"] == u.id
    ws_a.ping()
    ids = {s["id"] for s in expect(u.get("/api/v1/auth/sessions"), 200)["sessions"]}
    assert b.session_id not in ids and u.session_id in ids

    # a revoked token cannot open a new WebSocket
    with pytest.raises(websocket_bad_status()) as ei:
        WsClient(server, b)
    assert ei.value.status_code == 401


def test_revoke_someone_elses_session_is_404(server, make_user):
    u = make_user()
    victim = make_user()
    expect_error(u.delete(f"/api/v1/auth/sessions/{victim.session_id}"), 404, "session_not_found")
    assert victim.me()["id"] == victim.id, "the other user's session must survive"
    expect_error(u.delete("/api/v1/auth/sessions/999999999999"), 404, "session_not_found")


def test_login_rate_limit_per_account(server, make_user):
    u = make_user()
    statuses = []
    for _ in range(5):
        r = raw_login(server, u.username, "wrong-password-x")
        statuses.append(r.status_code)
    assert statuses == [401] * 5, f"the first 5 failures are plain 401s: {statuses}"
    r6 = raw_login(server, u.username, "wrong-password-x")
    assert r6.status_code in (401, 429), r6.text
    # now even the right password is refused (from a brand-new address: it is per account)
    r = raw_login(server, u.username, u.password)
    expect_error(r, 429, "rate_limited")
    retry = r.headers.get("Retry-After")
    assert retry is not None and retry.strip().isdigit() and int(retry) >= 1, f"Retry-After: {retry!r}"
    assert int(retry) <= 300
    # the existing session is not affected, and other accounts can still log in
    assert u.me()["id"] == u.id
    other = make_user()
    assert raw_login(server, other.username, other.password).status_code == 200


def test_login_rate_limit_per_address(server, make_user):
    ip = next_source_ip()
    statuses = []
    for i in range(32):
        r = raw_login(server, uniq("ghost"), "wrong-password", source_ip=ip)
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert r.headers.get("Retry-After", "").strip().isdigit(), r.headers
            expect_error(r, 429, "rate_limited")
            break
    assert all(s == 401 for s in statuses[:29]), statuses
    assert statuses[-1] == 429, f"31st attempt from one address within a minute must be 429: {statuses}"
    # the right password from that address is refused too ...
    good = make_user()
    expect_error(raw_login(server, good.username, good.password, source_ip=ip), 429, "rate_limited")
    # ... but works from elsewhere
    assert raw_login(server, good.username, good.password).status_code == 200


def test_password_change_revokes_other_sessions(server, make_user):
    u = make_user()
    b = login(server, u.username, u.password)
    new_pw = "new-password-" + uuid.uuid4().hex[:8]
    # wrong old password / too short / too long new password
    # wrong old password: 403 forbidden (docs/api.md) — the caller is authenticated, and a 401 would
    # make clients drop the session
    r = u.post("/api/v1/users/me/password", json={"old_password": "wrong-old-pw", "new_password": new_pw})
    expect_error(r, 403, "forbidden")
    expect_error(u.post("/api/v1/users/me/password", json={"old_password": u.password, "new_password": "short7!"}),
                 400, "invalid_argument")
    expect_error(u.post("/api/v1/users/me/password", json={"old_password": u.password, "new_password": "x" * 257}),
                 400, "invalid_argument")
    assert b.me()["id"] == u.id, "failed changes revoke nothing"

    expect(u.post("/api/v1/users/me/password", json={"old_password": u.password, "new_password": new_pw}), 204)
    expect_error(b.get("/api/v1/users/me"), 401, "unauthenticated")
    assert u.me()["id"] == u.id, "the session that changed the password stays valid"
    expect_error(raw_login(server, u.username, u.password), 401, "unauthenticated")
    assert raw_login(server, u.username, new_pw).status_code == 200
    # boundary: exactly 8 and 256 bytes are accepted
    c = login(server, u.username, new_pw)
    expect(c.post("/api/v1/users/me/password", json={"old_password": new_pw, "new_password": "12345678"}), 204)
    expect(c.post("/api/v1/users/me/password", json={"old_password": "12345678", "new_password": "p" * 256}), 204)


def test_admin_creates_users(server, admin_client):
    name = uniq("Mixed.Case_")
    r = admin_client.post("/api/v1/users", json={"username": name, "display_name": "Generated Pw"})
    body = expect(r, 201)
    assert body["username"] == name.lower()
    assert body["display_name"] == "Generated Pw"
    assert body["role"] == "user" and body["deactivated"] is False
    assert isinstance(body["id"], str) and body["id"].isdigit()
    assert isinstance(body.get("password"), str) and len(body["password"]) >= 8, "server-generated password"
    c = login(server, name.lower(), body["password"])
    assert c.me()["id"] == body["id"]

    # with an explicit password: no password echoed back; role admin honoured
    name2 = uniq("adm")
    body2 = expect(admin_client.post("/api/v1/users", json={"username": name2, "password": "explicit-pw-1",
                                                            "role": "admin"}), 201)
    assert "password" not in body2
    assert body2["role"] == "admin"
    admin2 = login(server, name2, "explicit-pw-1")
    expect(admin2.post("/api/v1/users", json={"username": uniq("byadm2"), "password": "whatever-pw"}), 201)

    # taken (case-insensitively, since usernames are lowercased)
    expect_error(admin_client.post("/api/v1/users", json={"username": name2.upper(), "password": "pw-xxxxxxx"}),
                 409, "username_taken")
    # invalid usernames
    for bad in ("a", "x" * 33, "bad name", "bad!", "имя", ""):
        expect_error(admin_client.post("/api/v1/users", json={"username": bad, "password": "pw-xxxxxxxx"}),
                     400, "invalid_argument")
    # bad role
    expect_error(admin_client.post("/api/v1/users", json={"username": uniq("r"), "password": "pw-xxxxxxxx",
                                                          "role": "superuser"}), 400, "invalid_argument")
    # boundaries: 2 and 32 characters are fine
    expect(admin_client.post("/api/v1/users", json={"username": "z" + uuid.uuid4().hex[0],
                                                    "password": "pw-xxxxxxxx"}), 201)
    expect(admin_client.post("/api/v1/users", json={"username": ("v" + uuid.uuid4().hex)[:32],
                                                    "password": "pw-xxxxxxxx"}), 201)


def test_non_admin_cannot_manage_users(server, make_user):
    u = make_user()
    victim = make_user()
    expect_error(u.post("/api/v1/users", json={"username": uniq("x"), "password": "pw-xxxxxxxx"}), 403, "forbidden")
    expect_error(u.patch(f"/api/v1/users/{victim.id}", json={"deactivated": True}), 403, "forbidden")
    expect_error(u.patch(f"/api/v1/users/{u.id}", json={"role": "admin"}), 403, "forbidden")
    expect_error(u.post(f"/api/v1/users/{victim.id}/password", json={}), 403, "forbidden")
    assert victim.me()["deactivated"] is False
    assert u.me()["role"] == "user"


def test_deactivated_user_cannot_log_in(server, admin_client, make_user):
    u = make_user()
    body = expect(admin_client.patch(f"/api/v1/users/{u.id}", json={"deactivated": True}), 200)
    assert body["deactivated"] is True and body["id"] == u.id
    expect_error(u.get("/api/v1/users/me"), 401, "unauthenticated")  # sessions revoked
    expect_error(raw_login(server, u.username, u.password), 401, "unauthenticated")
    seen = expect(admin_client.get(f"/api/v1/users/{u.id}"), 200)
    assert seen["deactivated"] is True
    # reactivation lets them back in
    expect(admin_client.patch(f"/api/v1/users/{u.id}", json={"deactivated": False}), 200)
    c = login(server, u.username, u.password)
    assert c.me()["deactivated"] is False


def test_admin_role_change(server, admin_client, make_user):
    u = make_user()
    expect_error(u.post("/api/v1/users", json={"username": uniq("x"), "password": "pw-xxxxxxxx"}), 403)
    body = expect(admin_client.patch(f"/api/v1/users/{u.id}", json={"role": "admin"}), 200)
    assert body["role"] == "admin"
    expect(u.post("/api/v1/users", json={"username": uniq("x"), "password": "pw-xxxxxxxx"}), 201)
    expect_error(admin_client.patch(f"/api/v1/users/{u.id}", json={"role": "root"}), 400, "invalid_argument")
    expect_error(admin_client.patch("/api/v1/users/999999999999", json={"role": "user"}), 404, "user_not_found")


def test_admin_password_reset_forces_change(server, admin_client, make_user):
    u = make_user()
    assert u.me()["must_change_password"] is False
    body = expect(admin_client.post(f"/api/v1/users/{u.id}/password", json={}), 200)
    pw = body["password"]
    assert isinstance(pw, str) and len(pw) >= 8
    expect_error(u.get("/api/v1/users/me"), 401, "unauthenticated")
    expect_error(raw_login(server, u.username, u.password), 401)
    c = login(server, u.username, pw)
    assert c.me()["must_change_password"] is True
    expect(c.post("/api/v1/users/me/password", json={"old_password": pw, "new_password": "fresh-pw-123"}), 204)
    assert c.me()["must_change_password"] is False
    # explicit password
    body = expect(admin_client.post(f"/api/v1/users/{u.id}/password", json={"password": "chosen-by-admin"}), 200)
    assert body["password"] == "chosen-by-admin"
    expect_error(c.get("/api/v1/users/me"), 401)
    assert login(server, u.username, "chosen-by-admin").me()["must_change_password"] is True


def test_first_run_prints_one_time_admin_password():
    srv = Server(admin_password=None)
    try:
        srv.start()
        pattern = re.compile(r'created administrator "admin" with one-time password: (\S+)')
        m = wait_until(lambda: pattern.search(srv.read_log("stdout")), timeout=10,
                       desc="one-time password line on stdout")
        pw = m.group(1)
        c = login(srv, ADMIN_USERNAME, pw)
        me = c.me()
        assert me["username"] == "admin" and me["role"] == "admin"
        assert me["must_change_password"] is True
        # the bootstrap happens only once: a restart does not print a new password
        srv.restart()
        out = srv.read_log("stdout")
        assert len(pattern.findall(out)) == 1, "a second run must not create/print another administrator"
        assert login(srv, ADMIN_USERNAME, pw).me()["id"] == me["id"]
    finally:
        srv.cleanup()


# Every way a session ends closes its open WebSockets with 4001 (docs/api.md), not only an
# explicit revoke: deactivation, the user's own password change (other sessions), an admin reset.
def test_deactivation_closes_every_websocket_of_the_user_with_4001(server, admin_client, make_user, ws_factory):
    u = make_user()
    second = login(server, u.username, u.password)
    sockets = [ws_factory(server, u), ws_factory(server, second)]
    expect(admin_client.patch(f"/api/v1/users/{u.id}", json={"deactivated": True}), 200)
    for ws in sockets:
        assert ws.wait_closed() == 4001, f"close code {ws.close_code} ({ws.error!r})"
    expect_error(u.get("/api/v1/users/me"), 401, "unauthenticated")


def test_own_password_change_closes_the_other_sessions_websockets_with_4001(server, make_user, ws_factory):
    u = make_user()
    other = login(server, u.username, u.password)
    ws_other = ws_factory(server, other)
    ws_mine = ws_factory(server, u)
    expect(u.post("/api/v1/users/me/password",
                  json={"old_password": u.password, "new_password": "pw-new-" + uniq("p")}), 204)
    assert ws_other.wait_closed() == 4001, f"close code {ws_other.close_code} ({ws_other.error!r})"
    expect_error(other.get("/api/v1/users/me"), 401, "unauthenticated")
    # the session that changed the password keeps working, on HTTP and on its WebSocket
    assert u.me()["id"] == u.id
    ws_mine.ping()


def test_admin_password_reset_closes_every_websocket_with_4001_and_answers_bad_input(
        server, admin_client, make_user, ws_factory):
    u = make_user()
    ws = ws_factory(server, u)
    reset = expect(admin_client.post(f"/api/v1/users/{u.id}/password", json={}), 200)
    assert isinstance(reset["password"], str) and len(reset["password"]) >= 8
    assert ws.wait_closed() == 4001, f"close code {ws.close_code} ({ws.error!r})"
    expect_error(u.get("/api/v1/users/me"), 401, "unauthenticated")
    # the new password logs in, and that session must change it first
    fresh = login(server, u.username, reset["password"])
    assert fresh.me()["must_change_password"] is True
    # bad input: a too-short password, a non-string, an unknown user
    expect_error(admin_client.post(f"/api/v1/users/{u.id}/password", json={"password": "short"}), 400,
                 "invalid_argument")
    expect_error(admin_client.post(f"/api/v1/users/{u.id}/password", json={"password": 12345678}), 400,
                 "invalid_argument")
    expect_error(admin_client.post("/api/v1/users/987654321987654321/password", json={}), 404, "user_not_found")
