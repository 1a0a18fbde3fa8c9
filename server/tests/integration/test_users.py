"""Users: profile, presence, directory, lookup (docs/api.md "Users")."""

import uuid

import pytest

from veche_harness import expect, expect_error, uniq, wait_until

USER_FIELDS = ("id", "username", "display_name", "position", "department", "site", "status_text", "role",
               "presence", "deactivated", "created_at")
PROFILE_FIELDS = ("display_name", "position", "department", "site", "status_text")


def test_me_has_all_fields(make_user):
    u = make_user(display_name="Me Myself")
    me = u.me()
    for f in USER_FIELDS:
        assert f in me, f"user object lacks {f}: {me}"
    assert isinstance(me["must_change_password"], bool)
    assert me["id"] == u.id and me["username"] == u.username and me["display_name"] == "Me Myself"
    assert me["role"] == "user" and me["deactivated"] is False
    assert isinstance(me["created_at"], int) and me["created_at"] > 1_600_000_000_000
    assert me["presence"] in ("online", "away", "dnd", "offline")


def test_patch_profile_all_fields(make_user):
    u = make_user()
    other = make_user()
    patch = {
        "display_name": "Анна Каренина",
        "position": "Lead engineer",
        "department": "R&D / Платформа",
        "site": "Москва, офис 3",
        "status_text": "на встрече 🗓️",
    }
    body = expect(u.patch("/api/v1/users/me", json=patch), 200)
    for k, v in patch.items():
        assert body[k] == v, (k, body)
    me = u.me()
    for k, v in patch.items():
        assert me[k] == v
    seen = expect(other.get(f"/api/v1/users/{u.id}"), 200)
    for k, v in patch.items():
        assert seen[k] == v
    # partial patch touches only the given field
    body = expect(u.patch("/api/v1/users/me", json={"status_text": ""}), 200)
    assert body["status_text"] == "" and body["position"] == "Lead engineer"
    # username and role cannot be changed through the profile
    r = u.patch("/api/v1/users/me", json={"role": "admin"})
    assert r.status_code in (200, 400), r.text
    assert u.me()["role"] == "user"


@pytest.mark.parametrize("field", PROFILE_FIELDS)
def test_profile_length_limits(make_user, field):
    u = make_user()
    limit = 100 if field == "display_name" else 200  # names <= 100, profile fields <= 200
    ok_value = "ж" * limit  # code points, not bytes: 2 bytes each in UTF-8
    body = expect(u.patch("/api/v1/users/me", json={field: ok_value}), 200)
    assert body[field] == ok_value
    too_long = "ж" * 201
    err = expect_error(u.patch("/api/v1/users/me", json={field: too_long}), 400, "invalid_argument")
    assert field in err["message"], f"error message must name the field: {err}"
    assert u.me()[field] == ok_value, "a rejected patch changes nothing"


def presence_of(frame, user_id):
    """The presence a {"type":"presence","users":[...]} frame announces for user_id (or None)."""
    if frame.get("type") != "presence":
        return None
    for entry in frame.get("users", []):
        if entry.get("user_id") == user_id:
            return entry.get("presence")
    return None


def test_presence_values(server, make_user, ws_factory):
    u = make_user()
    watcher = make_user()
    # no open WebSocket: offline whatever was set
    expect(u.put("/api/v1/users/me/presence", json={"presence": "dnd"}), 200)
    assert expect(watcher.get(f"/api/v1/users/{u.id}"), 200)["presence"] == "offline"

    ws_w = ws_factory(server, watcher)
    ws_u = ws_factory(server, u)
    wait_until(lambda: expect(watcher.get(f"/api/v1/users/{u.id}"), 200)["presence"] != "offline",
               desc="presence not offline once a WebSocket is open")
    for value in ("away", "dnd", "online"):
        start = ws_w.count()
        body = expect(u.put("/api/v1/users/me/presence", json={"presence": value}), 200)
        assert body["id"] == u.id and body["presence"] == value
        assert expect(watcher.get(f"/api/v1/users/{u.id}"), 200)["presence"] == value
        frame = ws_w.wait_for(lambda f: presence_of(f, u.id) == value, 30, f"presence frame {value}", start=start)
        assert frame.get("pos") is None, f"presence frames are live only, without pos: {frame}"
    # appear offline
    start = ws_w.count()
    body = expect(u.put("/api/v1/users/me/presence", json={"presence": "offline"}), 200)
    assert body["presence"] == "offline"
    assert expect(watcher.get(f"/api/v1/users/{u.id}"), 200)["presence"] == "offline"
    ws_w.wait_for(lambda f: presence_of(f, u.id) == "offline", 30, "appear offline", start=start)
    expect(u.put("/api/v1/users/me/presence", json={"presence": "away"}), 200)
    ws_w.wait_for(lambda f: presence_of(f, u.id) == "away", 30, "away again", start=start)
    # closing the last WebSocket makes the user offline
    start = ws_w.count()
    ws_u.close()
    ws_w.wait_for(lambda f: presence_of(f, u.id) == "offline", 30, "offline after disconnect", start=start)
    assert expect(watcher.get(f"/api/v1/users/{u.id}"), 200)["presence"] == "offline"


@pytest.mark.parametrize("body", [{"presence": "busy"}, {"presence": ""}, {"presence": "ONLINE"},
                                  {"presence": 1}, {"presence": None}, {}])
def test_invalid_presence(make_user, body):
    u = make_user()
    expect_error(u.put("/api/v1/users/me/presence", json=body), 400, "invalid_argument")


def test_directory_search(make_user):
    token = uuid.uuid4().hex[:10]
    by_name = make_user(username=f"dir{token}x")
    by_display = make_user(display_name=f"Zed {token.upper()} Person")
    unrelated = make_user(display_name="Somebody Else")
    searcher = make_user()

    def search(q, **params):
        return expect(searcher.get("/api/v1/users", params={"query": q, **params}), 200)["users"]

    ids = {x["id"] for x in search(token)}
    assert by_name.id in ids, "username substring match"
    assert by_display.id in ids, "display name match, case-insensitive"
    assert unrelated.id not in ids
    ids = {x["id"] for x in search(token.upper()[2:8])}  # a substring in the middle, other case
    assert {by_name.id, by_display.id} <= ids
    ids = {x["id"] for x in search(f"DIR{token[:4]}")}
    assert by_name.id in ids and by_display.id not in ids
    limited = search(token, limit=1)
    assert len(limited) == 1 and limited[0]["id"] in (by_name.id, by_display.id)
    for user in search(token):
        for f in USER_FIELDS:
            assert f in user
        assert "password" not in user and "must_change_password" not in user
    # without a query: the directory (at least lists someone), limit honoured
    everyone = expect(searcher.get("/api/v1/users", params={"limit": 2}), 200)["users"]
    assert 1 <= len(everyone) <= 2
    expect_error(searcher.get("/api/v1/users", params={"query": token, "limit": 0}), 400, "invalid_argument")
    expect_error(searcher.get("/api/v1/users", params={"query": token, "limit": 201}), 400, "invalid_argument")
    expect_error(searcher.get("/api/v1/users", params={"query": token}, auth=False), 401, "unauthenticated")


def test_get_user_by_id(make_user):
    u = make_user(display_name="Lookup Me")
    other = make_user()
    body = expect(other.get(f"/api/v1/users/{u.id}"), 200)
    assert body["id"] == u.id and body["username"] == u.username and body["display_name"] == "Lookup Me"
    for f in USER_FIELDS:
        assert f in body
    assert "must_change_password" not in body, "must_change_password is only on /users/me"
    expect_error(other.get("/api/v1/users/999999999999"), 404, "user_not_found")
    expect_error(other.get("/api/v1/users/1"), 404, "user_not_found")
    for bad in ("abc", "12abc", "0x10"):
        expect_error(other.get(f"/api/v1/users/{bad}"), 400, "invalid_argument")
    r = other.get("/api/v1/users/99999999999999999999999999")
    assert r.status_code in (400, 404), f"an id that overflows 64 bits: {r.status_code} {r.text}"
    expect_error(other.get(f"/api/v1/users/{u.id}", auth=False), 401, "unauthenticated")


def test_user_updated_event_reaches_everyone(server, make_user, ws_factory):
    u = make_user()
    stranger = make_user()  # shares no chat with u
    ws = ws_factory(server, stranger)
    expect(u.patch("/api/v1/users/me", json={"position": "Event tester"}), 200)
    ev = ws.wait_event("user.updated", lambda f: f["data"].get("id") == u.id)
    assert ev["data"]["position"] == "Event tester"
    assert isinstance(ev["pos"], int)
