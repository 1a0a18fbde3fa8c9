"""Guest and bot accounts (docs/api.md, "Account roles"), probed as an attacker-guest would: a guest
sees only the chats it was added to and the users it shares one with — by id, in lists, in search,
on the WebSocket live and on resume — creates no chat and invites no one; a bot never logs in."""

import os
import subprocess

import pytest

from veche_harness import VECHE_BIN, expect, expect_error, make_user, raw_login, uniq, wait_until


class World:
    pass


@pytest.fixture(scope="module")
def world(server):
    """A guest in one private channel with `host` and `colleague`; `stranger` shares nothing with it."""
    w = World()
    w.admin = server.admin()
    w.host = make_user(server, display_name="Host")
    w.colleague = make_user(server, display_name="Colleague Zebra")
    w.stranger = make_user(server, display_name="Stranger Zebra")
    w.guest = make_user(server, role="guest", display_name="Supplier Zebra")
    w.room = w.host.create_chat("channel", visibility="private", name=uniq("supplier-room-"),
                                member_ids=[w.colleague, w.guest])
    w.public = w.host.create_chat("channel", visibility="public", name=uniq("open-to-staff-"))
    w.secret = w.host.create_chat("group", name=uniq("staff-only-"), member_ids=[w.stranger])
    w.public_msg = w.host.send(w.public["id"], "staff announcement zebra")
    w.secret_msg = w.host.send(w.secret["id"], "staff secret zebra")
    return w


def test_guest_role_is_visible_and_created_by_admins(world):
    me = world.guest.me()
    assert me["role"] == "guest"
    body = expect(world.admin.get(f"/api/v1/users/{world.guest.id}"), 200)
    assert body["role"] == "guest"
    # a user without users.manage cannot create guests
    expect_error(world.host.post("/api/v1/users", json={"username": uniq("g"), "role": "guest"}), 403)
    expect_error(world.admin.post("/api/v1/users", json={"username": uniq("g"), "role": "bot"}), 400,
                 "invalid_argument")


@pytest.mark.parametrize("body", [
    {"type": "channel", "name": "guest-channel", "visibility": "public"},
    {"type": "channel", "name": "guest-private", "visibility": "private"},
    {"type": "group", "name": "guest-group"},
    {"type": "direct", "user_id": "{host}"},
    {"type": "direct", "user_id": "{stranger}"},
])
def test_guest_cannot_create_chats(world, body):
    body = {k: (v.format(host=world.host.id, stranger=world.stranger.id) if isinstance(v, str) else v)
            for k, v in body.items()}
    before = {c["id"] for c in world.guest.chats()}
    expect_error(world.guest.post("/api/v1/chats", json=body), 403, "guest_forbidden")
    assert {c["id"] for c in world.guest.chats()} == before


def test_guest_cannot_list_or_reach_public_channels(world):
    expect_error(world.guest.get("/api/v1/chats/public"), 403, "guest_forbidden")
    expect_error(world.guest.get("/api/v1/chats/public", params={"query": "open"}), 403, "guest_forbidden")
    c, m = world.public["id"], world.public_msg["id"]
    for method, path in [("GET", f"/api/v1/chats/{c}"), ("GET", f"/api/v1/chats/{c}/members"),
                         ("GET", f"/api/v1/chats/{c}/messages"), ("GET", f"/api/v1/chats/{c}/pins"),
                         ("GET", f"/api/v1/chats/{c}/files"), ("POST", f"/api/v1/chats/{c}/join"),
                         ("GET", f"/api/v1/timeline/chat/{c}")]:
        r = world.guest.request(method, path)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
    expect_error(world.guest.get(f"/api/v1/messages/{m}"), 404)
    expect_error(world.guest.post(f"/api/v1/chats/{c}/messages", json={"text": "hi"}), 404)
    # the same answers as for an id that does not exist
    expect_error(world.guest.get("/api/v1/chats/999999999999"), 404)
    assert world.public["id"] not in {x["id"] for x in world.guest.chats()}
    # a user still sees and joins it
    expect(world.colleague.post(f"/api/v1/chats/{c}/join"), 200)


def test_guest_works_in_its_chat(world):
    room = world.room["id"]
    assert room in {c["id"] for c in world.guest.chats()}
    expect(world.guest.get(f"/api/v1/chats/{room}"), 200)
    msg = world.guest.send(room, "offer attached, zebra")
    assert any(m["id"] == msg["id"] for m in world.host.history(room)["messages"])
    up = world.guest.post(f"/api/v1/chats/{room}/files?name=offer.txt", data=b"price list",
                          headers={"Content-Type": "text/plain"})
    assert up.status_code == 201, up.text
    expect(world.guest.get(f"/api/v1/files/{up.json()['id']}"), 200)
    members = expect(world.guest.get(f"/api/v1/chats/{room}/members"), 200)["members"]
    assert {m["user"]["id"] for m in members} == {world.host.id, world.colleague.id, world.guest.id}
    assert [m["user"]["role"] for m in members if m["user"]["id"] == world.guest.id] == ["guest"]
    # search finds its chat's messages only
    hits = expect(world.guest.get("/api/v1/search", params={"query": "zebra"}), 200)
    ids = {h["message"]["id"] for h in hits["results"]}
    assert msg["id"] in ids
    assert world.public_msg["id"] not in ids and world.secret_msg["id"] not in ids
    expect_error(world.guest.get("/api/v1/search", params={"query": "zebra", "chat_id": world.public["id"]}), 404)


def test_guest_cannot_invite(world):
    room = world.room["id"]
    for target in (world.stranger.id, world.host.id, "999999999997"):
        expect_error(world.guest.post(f"/api/v1/chats/{room}/members", json={"user_ids": [target]}), 403,
                     "guest_forbidden")


def test_guest_directory_shows_only_co_members(world):
    g = world.guest
    for u in (world.host, world.colleague, world.guest):
        body = expect(g.get(f"/api/v1/users/{u.id}"), 200)
        assert body["id"] == u.id
    stranger = g.get(f"/api/v1/users/{world.stranger.id}")
    missing = g.get("/api/v1/users/999999999996")
    assert stranger.status_code == missing.status_code == 404
    assert stranger.json() == missing.json()
    admin_id = world.admin.me()["id"]
    expect_error(g.get(f"/api/v1/users/{admin_id}"), 404)
    # searching: "zebra" matches the colleague, the stranger and the guest itself
    found = {u["id"] for u in expect(g.get("/api/v1/users", params={"query": "zebra"}), 200)["users"]}
    assert found == {world.colleague.id, world.guest.id}
    everyone = {u["id"] for u in expect(g.get("/api/v1/users", params={"limit": 200}), 200)["users"]}
    assert world.stranger.id not in everyone and admin_id not in everyone
    assert {world.host.id, world.colleague.id, world.guest.id} <= everyone
    by_name = expect(g.get("/api/v1/users", params={"query": world.stranger.username}), 200)["users"]
    assert by_name == []
    # a user sees everyone, guests included
    seen = {u["id"] for u in expect(world.stranger.get("/api/v1/users", params={"query": "zebra"}), 200)["users"]}
    assert {world.colleague.id, world.stranger.id, world.guest.id} <= seen
    # message lookups of a chat it is not in reveal nothing either
    expect_error(g.get(f"/api/v1/messages/{world.secret_msg['id']}/seen"), 404)


def test_guest_sees_a_user_once_they_share_a_chat_and_not_after(server, world):
    newcomer = make_user(server)
    expect_error(world.guest.get(f"/api/v1/users/{newcomer.id}"), 404)
    world.host.add_members(world.room["id"], [newcomer])
    expect(world.guest.get(f"/api/v1/users/{newcomer.id}"), 200)
    expect(world.host.delete(f"/api/v1/chats/{world.room['id']}/members/{newcomer.id}"), 204)
    expect_error(world.guest.get(f"/api/v1/users/{newcomer.id}"), 404)


def user_updates(ws, user_id):
    return [f for f in ws.events("user.updated") if f["data"].get("id") == user_id]


def presence_ids(ws):
    out = set()
    for f in ws.snapshot():
        if f.get("type") == "presence":
            out |= {u["user_id"] for u in f.get("users", [])}
    return out


def test_guest_websocket_hears_only_of_co_members(server, world, ws_factory):
    gws = ws_factory(server, world.guest)
    uws = ws_factory(server, world.stranger)
    start = gws.count()
    expect(world.stranger.patch("/api/v1/users/me", json={"status_text": uniq("away-")}), 200)
    expect(world.colleague.patch("/api/v1/users/me", json={"status_text": uniq("here-")}), 200)
    gws.wait_event("user.updated", lambda f: f["data"].get("id") == world.colleague.id, start=start)
    uws.wait_event("user.updated", lambda f: f["data"].get("id") == world.stranger.id)
    gws.ping()
    assert user_updates(gws, world.stranger.id) == []
    # a new account elsewhere is announced to users, not to the guest
    newbie = make_user(server)
    uws.wait_event("user.updated", lambda f: f["data"].get("id") == newbie.id)
    gws.ping()
    assert user_updates(gws, newbie.id) == []
    # presence: the stranger and the colleague connect; the guest hears of the colleague only
    sws = ws_factory(server, world.stranger)
    cws = ws_factory(server, world.colleague)
    gws.wait_for(lambda f: f.get("type") == "presence" and
                 any(u["user_id"] == world.colleague.id for u in f["users"]), desc="colleague's presence")
    expect(world.stranger.put("/api/v1/users/me/presence", json={"presence": "dnd"}), 200)
    uws.wait_for(lambda f: f.get("type") == "presence" and
                 any(u["user_id"] == world.stranger.id and u["presence"] == "dnd" for u in f["users"]),
                 desc="stranger's dnd")
    gws.ping()
    assert world.stranger.id not in presence_ids(gws)
    assert newbie.id not in presence_ids(gws)
    expect(world.stranger.put("/api/v1/users/me/presence", json={"presence": "online"}), 200)
    sws.close()
    cws.close()


def test_guest_websocket_gets_nothing_of_other_chats(server, world, ws_factory):
    gws = ws_factory(server, world.guest)
    m = world.host.send(world.public["id"], "public chatter")
    s = world.host.send(world.secret["id"], "secret chatter")
    r = world.host.send(world.room["id"], "room chatter")
    gws.wait_event("message.created", lambda f: f["data"]["id"] == r["id"])
    gws.ping()
    chats = {f.get("chat_id") for f in gws.events()}
    assert world.public["id"] not in chats and world.secret["id"] not in chats
    assert all(f["data"].get("id") not in (m["id"], s["id"]) for f in gws.events())


def test_guest_resume_replays_nothing_it_may_not_see(server, world, ws_factory):
    probe = ws_factory(server, world.guest)
    head = probe.hello_ok["head"]
    probe.close()
    # while it is away: profile changes of a stranger and a colleague, new users, chatter elsewhere
    expect(world.stranger.patch("/api/v1/users/me", json={"position": uniq("p-")}), 200)
    newcomers = [make_user(server) for _ in range(3)]
    world.host.send(world.public["id"], "missed public")
    expect(world.colleague.patch("/api/v1/users/me", json={"position": uniq("p-")}), 200)
    room_msg = world.host.send(world.room["id"], "missed in the room")
    for from_pos in (head, 0):
        ws = ws_factory(server, world.guest, last_pos=from_pos)
        frames = ws.snapshot()
        synced = [f["type"] for f in frames].index("synced")
        replayed = [f for f in frames[:synced] if f.get("type") == "event"]
        kinds_ids = [(f["kind"], f["data"].get("id")) for f in replayed]
        assert ("message.created", room_msg["id"]) in kinds_ids
        assert ("user.updated", world.colleague.id) in kinds_ids
        allowed_users = {world.host.id, world.colleague.id, world.guest.id}
        for f in replayed:
            if f["kind"] == "user.updated":
                # bots (the modules' assistants) are everyone's to see, guests included
                assert f["data"]["id"] in allowed_users or f["data"]["role"] == "bot", f
            if f.get("chat_id"):
                assert f["chat_id"] == world.room["id"], f
        assert all(n.id not in {f["data"].get("id") for f in replayed} for n in newcomers)
        assert ws.pos_violations == []
        ws.close()


def test_guest_resume_through_many_hidden_events_reaches_the_end(server, world, ws_factory):
    """A page of the log made only of broadcasts the guest may not see must not end its replay."""
    probe = ws_factory(server, world.guest)
    head = probe.hello_ok["head"]
    probe.close()
    for i in range(620):  # more than a replay page (500) of user.updated about a stranger
        expect(world.stranger.patch("/api/v1/users/me", json={"status_text": f"s{i}"}), 200)
    last = world.host.send(world.room["id"], "after the flood")
    ws = ws_factory(server, world.guest, last_pos=head)
    frames = ws.snapshot()
    synced = [f["type"] for f in frames].index("synced")
    replayed = [f for f in frames[:synced] if f.get("type") == "event"]
    assert ("message.created", last["id"]) in [(f["kind"], f["data"].get("id")) for f in replayed]
    assert not [f for f in replayed if f["kind"] == "user.updated" and f["data"]["id"] == world.stranger.id]


def test_guest_typing_and_signals_only_in_its_chats(server, world, ws_factory):
    gws = ws_factory(server, world.guest)
    gws.send({"type": "typing", "chat_id": world.public["id"]})
    gws.wait_for(lambda f: f.get("type") == "error", desc="typing refused")


def test_roles_guest_user_admin_transitions(server):
    admin = server.admin()
    g = make_user(server, role="guest")
    # straight to admin: refused, by PATCH and by the roles API
    expect_error(admin.patch(f"/api/v1/users/{g.id}", json={"role": "admin"}), 409, "role_change_refused")
    roles = expect(admin.get("/api/v1/admin/roles"), 200)["roles"]
    admin_role = [r for r in roles if r["name"] == "admin"][0]
    expect_error(admin.post(f"/api/v1/admin/users/{g.id}/roles", json={"role_id": admin_role["id"]}), 409,
                 "role_change_refused")
    assert expect(admin.get(f"/api/v1/users/{g.id}"), 200)["role"] == "guest"
    # a guest holds no permission of its own
    assert expect(g.get("/api/v1/users/me/permissions"), 200)["permissions"] == []
    # guest -> user ends its sessions (its connections were a guest's), then user -> admin works
    body = expect(admin.patch(f"/api/v1/users/{g.id}", json={"role": "user"}), 200)
    assert body["role"] == "user"
    expect_error(g.get("/api/v1/users/me"), 401)
    expect(admin.patch(f"/api/v1/users/{g.id}", json={"role": "admin"}), 200)
    expect(admin.patch(f"/api/v1/users/{g.id}", json={"role": "guest"}), 200)
    expect_error(admin.patch(f"/api/v1/users/{g.id}", json={"role": "bot"}), 400, "invalid_argument")
    # a user made a guest loses its sessions and the directory at once
    u = make_user(server)
    stranger = make_user(server)
    expect(u.get(f"/api/v1/users/{stranger.id}"), 200)
    expect(admin.patch(f"/api/v1/users/{u.id}", json={"role": "guest"}), 200)
    expect_error(u.get("/api/v1/users/me"), 401)


def run_cli(server, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VECHE_")}
    cmd = [VECHE_BIN, args[0], "--data", server.data_dir]
    if server.storage:
        cmd += ["--storage", server.storage]
    cmd += args[1:]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


def test_bot_accounts(fresh_server):
    server = fresh_server
    admin = server.admin()
    name = uniq("helper-bot-").lower()
    r = run_cli(server, "admin", "ensure-bot", name, "--display-name", "Системный помощник")
    assert r.returncode == 0, r.stderr
    again = run_cli(server, "admin", "ensure-bot", name)
    assert again.returncode == 0, again.stderr
    assert r.stdout == again.stdout, "idempotent: the same account"
    bot = [u for u in expect(admin.get("/api/v1/users", params={"query": name}), 200)["users"]]
    assert len(bot) == 1 and bot[0]["role"] == "bot" and bot[0]["display_name"] == "Системный помощник"
    bot_id = bot[0]["id"]
    # a person's name is not taken over
    person = make_user(server)
    taken = run_cli(server, "admin", "ensure-bot", person.username)
    assert taken.returncode != 0
    # no password opens it: the same answer as a wrong password
    wrong = raw_login(server, person.username, "not-the-password")
    assert wrong.status_code == 401
    for pw in ("", "x" * 12, "password123"):
        resp = raw_login(server, name, pw or "p")
        assert resp.status_code == 401, resp.text
        assert resp.json() == wrong.json()
    expect_error(admin.post(f"/api/v1/users/{bot_id}/password", json={"password": "a-new-password-1"}), 409,
                 "bot_account")
    assert raw_login(server, name, "a-new-password-1").status_code == 401
    # it can be neither made admin nor changed
    for role in ("admin", "user", "guest"):
        expect_error(admin.patch(f"/api/v1/users/{bot_id}", json={"role": role}), 409, "role_change_refused")
    roles = expect(admin.get("/api/v1/admin/roles"), 200)["roles"]
    admin_role = [x for x in roles if x["name"] == "admin"][0]
    expect_error(admin.post(f"/api/v1/admin/users/{bot_id}/roles", json={"role_id": admin_role["id"]}), 409,
                 "role_change_refused")
    # users and guests see it (a client shows a bot message's author)
    u = make_user(server)
    assert expect(u.get(f"/api/v1/users/{bot_id}"), 200)["role"] == "bot"
    g = make_user(server, role="guest")
    assert expect(g.get(f"/api/v1/users/{bot_id}"), 200)["role"] == "bot"
