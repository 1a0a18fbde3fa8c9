"""Chats: direct/group/channel, membership, roles, archive, chat list and read markers."""

import threading
import time

import pytest

from veche_harness import expect, expect_error, uniq

CHAT_FIELDS = ("id", "type", "visibility", "name", "topic", "archived", "immutable_after_minutes", "created_by",
               "created_at", "last_activity_at", "member_count", "my_role", "last_message", "unread_count",
               "last_read_message_id")


def members_of(client, chat_id):
    body = expect(client.get(f"/api/v1/chats/{chat_id}/members"), 200)
    return {m["user"]["id"]: m for m in body["members"]}


def roles_of(client, chat_id):
    return {uid: m["role"] for uid, m in members_of(client, chat_id).items()}


def test_direct_chat_is_idempotent_in_both_directions(make_user):
    a, b, c = make_user(), make_user(), make_user()
    r1 = a.post("/api/v1/chats", json={"type": "direct", "user_id": b.id})
    chat = expect(r1, 201)
    for f in CHAT_FIELDS:
        assert f in chat, f"chat lacks {f}: {chat}"
    assert chat["type"] == "direct" and chat["member_count"] == 2
    assert chat["direct_user_id"] == b.id
    r2 = a.post("/api/v1/chats", json={"type": "direct", "user_id": b.id})
    assert expect(r2, 200)["id"] == chat["id"]
    r3 = b.post("/api/v1/chats", json={"type": "direct", "user_id": a.id})
    again = expect(r3, 200)
    assert again["id"] == chat["id"]
    assert again["direct_user_id"] == a.id, "direct_user_id is the other person, per caller"
    assert [x["id"] for x in a.chats()].count(chat["id"]) == 1
    assert expect(b.get(f"/api/v1/chats/{chat['id']}"), 200)["direct_user_id"] == a.id
    expect_error(c.get(f"/api/v1/chats/{chat['id']}"), 404, "chat_not_found")

    # notes to self
    notes = expect(a.post("/api/v1/chats", json={"type": "direct", "user_id": a.id}), 201)
    assert notes["member_count"] == 1 and notes["id"] != chat["id"]
    assert expect(a.post("/api/v1/chats", json={"type": "direct", "user_id": a.id}), 200)["id"] == notes["id"]
    a.send(notes["id"], "note to self")

    expect_error(a.post("/api/v1/chats", json={"type": "direct", "user_id": "999999999999"}), 404, "user_not_found")
    expect_error(a.post("/api/v1/chats", json={"type": "direct"}), 400, "invalid_argument")


def test_direct_chat_concurrent_creation_yields_one_chat(make_user):
    for _ in range(3):
        a, b = make_user(), make_user()
        a2, b2 = a.clone(), b.clone()
        results = {}

        def create(name, client, other):
            results[name] = client.post("/api/v1/chats", json={"type": "direct", "user_id": other.id})

        ts = [threading.Thread(target=create, args=("a", a2, b)), threading.Thread(target=create, args=("b", b2, a))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        codes = sorted(r.status_code for r in results.values())
        assert codes == [200, 201], f"exactly one creation: {codes} {[r.text for r in results.values()]}"
        assert results["a"].json()["id"] == results["b"].json()["id"]


def test_create_group_and_channel(make_user):
    a, b = make_user(), make_user()
    group = a.create_chat("group", member_ids=[b])
    assert group["type"] == "group" and group["my_role"] == "owner" and group["member_count"] == 2
    assert group["created_by"] == a.id and group["archived"] is False
    assert group["last_message"] is None and group["unread_count"] == 0
    assert "direct_user_id" not in group or group["direct_user_id"] is None
    assert roles_of(a, group["id"]) == {a.id: "owner", b.id: "member"}
    assert group["id"] in {c["id"] for c in b.chats()}

    named_group = a.create_chat("group", name="Team lunch")
    assert named_group["name"] == "Team lunch" and named_group["member_count"] == 1

    name = uniq("chan-")
    chan = a.create_chat("channel", name=name, visibility="public", topic="All things", member_ids=[b],
                         immutable_after_minutes=15)
    assert chan["type"] == "channel" and chan["visibility"] == "public"
    assert chan["name"] == name and chan["topic"] == "All things"
    assert chan["immutable_after_minutes"] == 15 and chan["my_role"] == "owner" and chan["member_count"] == 2
    assert isinstance(chan["created_at"], int) and isinstance(chan["last_activity_at"], int)
    assert expect(b.get(f"/api/v1/chats/{chan['id']}"), 200)["my_role"] == "member"

    priv = a.create_chat("channel", visibility="private")
    assert priv["visibility"] == "private" and priv["immutable_after_minutes"] is None

    expect(a.post("/api/v1/chats", json={"type": "channel", "name": "n" * 100}), 201)
    bad = [
        {"type": "channel"},  # name required for channels
        {"type": "channel", "name": "n" * 101},
        {"type": "room", "name": "x"},
        {"type": "channel", "name": "x", "visibility": "secret"},
        {"type": "channel", "name": "x", "immutable_after_minutes": -1},
        {"type": "group", "member_ids": "not-a-list"},
    ]
    for body in bad:
        expect_error(a.post("/api/v1/chats", json=body), 400, "invalid_argument")
    expect_error(a.post("/api/v1/chats", json={"type": "group", "member_ids": [b.id, "999999999999"]}),
                 404, "user_not_found")


def test_public_join_and_private_join_404(make_user):
    owner, outsider = make_user(), make_user()
    name = uniq("pub-")
    pub = owner.create_chat("channel", name=name, visibility="public")
    seen = expect(outsider.get(f"/api/v1/chats/{pub['id']}"), 200)
    assert seen["my_role"] is None and seen["name"] == name
    listed = expect(outsider.get("/api/v1/chats/public", params={"query": name}), 200)["chats"]
    assert pub["id"] in {c["id"] for c in listed}
    assert pub["id"] not in {c["id"] for c in outsider.chats()}

    joined = expect(outsider.post(f"/api/v1/chats/{pub['id']}/join"), 200)
    assert joined["id"] == pub["id"] and joined["my_role"] == "member" and joined["member_count"] == 2
    assert pub["id"] in {c["id"] for c in outsider.chats()}
    assert members_of(owner, pub["id"])[outsider.id]["role"] == "member"
    outsider.send(pub["id"], "hello, I joined")

    priv = owner.create_chat("channel", name=uniq("priv-"), visibility="private")
    group = owner.create_chat("group")
    for chat in (priv, group):
        expect_error(outsider.post(f"/api/v1/chats/{chat['id']}/join"), 404, "chat_not_found")
        expect_error(outsider.get(f"/api/v1/chats/{chat['id']}"), 404, "chat_not_found")
        assert expect(owner.get(f"/api/v1/chats/{chat['id']}"), 200)["member_count"] == 1
    listed = expect(outsider.get("/api/v1/chats/public", params={"query": priv["name"]}), 200)["chats"]
    assert priv["id"] not in {c["id"] for c in listed}


def test_invite_members(make_user):
    owner, m, c, d, g = (make_user() for _ in range(5))
    chan = owner.create_chat("channel", visibility="private", member_ids=[m])
    body = owner.add_members(chan["id"], [c])
    assert c.id in {x["user"]["id"] for x in body["members"]}
    assert expect(c.get(f"/api/v1/chats/{chan['id']}"), 200)["my_role"] == "member"
    # already a member: skipped, no error, no duplicate
    owner.add_members(chan["id"], [c])
    assert expect(owner.get(f"/api/v1/chats/{chan['id']}"), 200)["member_count"] == 3
    # with a role
    owner.add_members(chan["id"], [g], role="guest")
    assert expect(g.get(f"/api/v1/chats/{chan['id']}"), 200)["my_role"] == "guest"
    # channels: plain members may not invite
    expect_error(m.post(f"/api/v1/chats/{chan['id']}/members", json={"user_ids": [d.id]}), 403, "forbidden")
    expect_error(d.get(f"/api/v1/chats/{chan['id']}"), 404, "chat_not_found")
    expect_error(owner.post(f"/api/v1/chats/{chan['id']}/members", json={"user_ids": ["999999999999"]}),
                 404, "user_not_found")
    expect_error(owner.post(f"/api/v1/chats/{chan['id']}/members", json={"user_ids": [d.id], "role": "owner"}),
                 400, "invalid_argument")

    # groups: any non-guest member may invite
    group = owner.create_chat("group", member_ids=[m])
    m.add_members(group["id"], [c])
    assert expect(c.get(f"/api/v1/chats/{group['id']}"), 200)["my_role"] == "member"
    owner.add_members(group["id"], [g], role="guest")
    expect_error(g.post(f"/api/v1/chats/{group['id']}/members", json={"user_ids": [d.id]}), 403, "forbidden")

    # direct chats take no members
    direct = owner.direct(m)
    r = owner.post(f"/api/v1/chats/{direct['id']}/members", json={"user_ids": [d.id]})
    assert r.status_code in (400, 403, 409), r.text
    expect_error(r, r.status_code)
    expect_error(d.get(f"/api/v1/chats/{direct['id']}"), 404, "chat_not_found")


def test_leave_and_owner_handover(make_user):
    a, early_member, later_admin = make_user(), make_user(), make_user()
    chan = a.create_chat("channel", visibility="private", member_ids=[early_member])
    a.add_members(chan["id"], [later_admin], role="admin")
    expect(a.post(f"/api/v1/chats/{chan['id']}/leave"), 204)
    roles = roles_of(early_member, chan["id"])
    assert a.id not in roles
    assert roles[later_admin.id] == "owner", f"the longest-standing admin becomes owner: {roles}"
    assert roles[early_member.id] == "member"
    expect_error(a.get(f"/api/v1/chats/{chan['id']}"), 404, "chat_not_found")
    assert chan["id"] not in {c["id"] for c in a.chats()}

    # no admins: the longest-standing member becomes owner
    a2, first, second = make_user(), make_user(), make_user()
    group = a2.create_chat("group", member_ids=[first])
    time.sleep(0.01)
    a2.add_members(group["id"], [second])
    expect(a2.post(f"/api/v1/chats/{group['id']}/leave"), 204)
    roles = roles_of(first, group["id"])
    assert roles == {first.id: "owner", second.id: "member"}, roles

    # a plain member leaving changes nothing else
    expect(second.post(f"/api/v1/chats/{group['id']}/leave"), 204)
    assert roles_of(first, group["id"]) == {first.id: "owner"}

    # direct chats cannot be left
    direct = a.direct(first)
    expect_error(a.post(f"/api/v1/chats/{direct['id']}/leave"), 403, "forbidden")

    # leaving a public channel: it stays visible, without a role
    pub = a.create_chat("channel", visibility="public", member_ids=[first])
    expect(first.post(f"/api/v1/chats/{pub['id']}/leave"), 204)
    assert expect(first.get(f"/api/v1/chats/{pub['id']}"), 200)["my_role"] is None


def test_remove_members(make_user):
    owner, admin, m1, m2 = (make_user() for _ in range(4))
    chan = owner.create_chat("channel", visibility="private", member_ids=[m1, m2])
    owner.add_members(chan["id"], [admin], role="admin")

    expect_error(m1.delete(f"/api/v1/chats/{chan['id']}/members/{m2.id}"), 403, "forbidden")
    expect_error(admin.delete(f"/api/v1/chats/{chan['id']}/members/{owner.id}"), 403, "forbidden")
    expect(admin.delete(f"/api/v1/chats/{chan['id']}/members/{m2.id}"), 204)
    expect(owner.delete(f"/api/v1/chats/{chan['id']}/members/{m1.id}"), 204)
    assert set(roles_of(owner, chan["id"])) == {owner.id, admin.id}
    for gone in (m1, m2):
        expect_error(gone.get(f"/api/v1/chats/{chan['id']}"), 404, "chat_not_found")
        assert chan["id"] not in {c["id"] for c in gone.chats()}
        expect_error(gone.post(f"/api/v1/chats/{chan['id']}/messages", json={"text": "still here?"}),
                     404, "chat_not_found")


def test_roles_guest_cannot_post(make_user):
    owner, b, admin = make_user(), make_user(), make_user()
    chan = owner.create_chat("channel", visibility="private", member_ids=[b])
    owner.add_members(chan["id"], [admin], role="admin")
    msg = owner.send(chan["id"], "hello guests")

    expect(owner.patch(f"/api/v1/chats/{chan['id']}/members/{b.id}", json={"role": "guest"}), 200)
    assert expect(b.get(f"/api/v1/chats/{chan['id']}"), 200)["my_role"] == "guest"
    expect_error(b.post(f"/api/v1/chats/{chan['id']}/messages", json={"text": "may I?"}), 403, "forbidden")
    expect_error(b.put(f"/api/v1/messages/{msg['id']}/reactions/%F0%9F%91%8D"), 403, "forbidden")
    assert [m["id"] for m in b.history(chan["id"])["messages"]] == [msg["id"]], "guests can read"

    # only the owner changes roles
    expect_error(admin.patch(f"/api/v1/chats/{chan['id']}/members/{b.id}", json={"role": "member"}), 403,
                 "forbidden")
    expect_error(b.patch(f"/api/v1/chats/{chan['id']}/members/{b.id}", json={"role": "member"}), 403, "forbidden")
    expect_error(owner.patch(f"/api/v1/chats/{chan['id']}/members/{b.id}", json={"role": "king"}), 400,
                 "invalid_argument")
    expect(owner.patch(f"/api/v1/chats/{chan['id']}/members/{b.id}", json={"role": "member"}), 200)
    b.send(chan["id"], "now I can post")

    # a chat always keeps an owner
    r = owner.patch(f"/api/v1/chats/{chan['id']}/members/{owner.id}", json={"role": "member"})
    assert r.status_code in (400, 403, 409), f"demoting the only owner must fail: {r.status_code} {r.text}"
    expect_error(r, r.status_code)
    assert roles_of(owner, chan["id"])[owner.id] == "owner"
    # handing over ownership
    expect(owner.patch(f"/api/v1/chats/{chan['id']}/members/{b.id}", json={"role": "owner"}), 200)
    assert roles_of(owner, chan["id"])[b.id] == "owner"
    expect(b.patch(f"/api/v1/chats/{chan['id']}/members/{owner.id}", json={"role": "member"}), 200)
    assert roles_of(b, chan["id"]) == {owner.id: "member", b.id: "owner", admin.id: "admin"}


def test_rename_and_topic(make_user):
    owner, admin, member = make_user(), make_user(), make_user()
    chan = owner.create_chat("channel", visibility="public", member_ids=[member])
    owner.add_members(chan["id"], [admin], role="admin")
    new_name = uniq("renamed-")
    body = expect(owner.patch(f"/api/v1/chats/{chan['id']}", json={"name": new_name, "topic": "New topic"}), 200)
    assert body["name"] == new_name and body["topic"] == "New topic"
    got = expect(member.get(f"/api/v1/chats/{chan['id']}"), 200)
    assert got["name"] == new_name and got["topic"] == "New topic"
    assert expect(admin.patch(f"/api/v1/chats/{chan['id']}", json={"topic": "admin topic"}), 200)["topic"] == \
        "admin topic"
    expect_error(member.patch(f"/api/v1/chats/{chan['id']}", json={"name": "member-name"}), 403, "forbidden")
    expect_error(member.patch(f"/api/v1/chats/{chan['id']}", json={"topic": "member topic"}), 403, "forbidden")
    expect_error(owner.patch(f"/api/v1/chats/{chan['id']}", json={"name": "n" * 101}), 400, "invalid_argument")
    got = expect(member.get(f"/api/v1/chats/{chan['id']}"), 200)
    assert got["name"] == new_name and got["topic"] == "admin topic"


def test_immutability_can_only_be_tightened(admin_client, make_user):
    owner = make_user()
    chan = owner.create_chat("channel", visibility="private", immutable_after_minutes=30)
    path = f"/api/v1/chats/{chan['id']}"
    assert expect(owner.patch(path, json={"immutable_after_minutes": 10}), 200)["immutable_after_minutes"] == 10
    expect_error(owner.patch(path, json={"immutable_after_minutes": 20}), 403, "forbidden")
    expect_error(owner.patch(path, json={"immutable_after_minutes": None}), 403, "forbidden")
    assert expect(owner.patch(path, json={"immutable_after_minutes": 0}), 200)["immutable_after_minutes"] == 0
    assert expect(owner.get(path), 200)["immutable_after_minutes"] == 0
    # off -> on is tightening too
    chan2 = owner.create_chat("channel", visibility="private")
    assert expect(owner.patch(f"/api/v1/chats/{chan2['id']}", json={"immutable_after_minutes": 60}),
                  200)["immutable_after_minutes"] == 60
    # a system admin may loosen it
    chan3 = admin_client.create_chat("channel", visibility="private", immutable_after_minutes=5)
    assert expect(admin_client.patch(f"/api/v1/chats/{chan3['id']}", json={"immutable_after_minutes": None}),
                  200)["immutable_after_minutes"] is None


def test_archive_makes_chat_read_only(make_user):
    owner, member = make_user(), make_user()
    chan = owner.create_chat("channel", visibility="private", member_ids=[member])
    msg = owner.send(chan["id"], "before archive")
    mine = member.send(chan["id"], "member's message")
    expect_error(member.post(f"/api/v1/chats/{chan['id']}/archive"), 403, "forbidden")

    body = expect(owner.post(f"/api/v1/chats/{chan['id']}/archive"), 200)
    assert body["archived"] is True
    expect_error(owner.post(f"/api/v1/chats/{chan['id']}/messages", json={"text": "after"}), 403, "chat_archived")
    expect_error(member.post(f"/api/v1/chats/{chan['id']}/messages", json={"text": "after"}), 403, "chat_archived")
    expect_error(owner.patch(f"/api/v1/messages/{msg['id']}", json={"text": "edited"}), 403, "chat_archived")
    expect_error(member.delete(f"/api/v1/messages/{mine['id']}"), 403, "chat_archived")
    expect_error(owner.delete(f"/api/v1/messages/{msg['id']}"), 403, "chat_archived")
    expect_error(member.put(f"/api/v1/messages/{msg['id']}/reactions/%E2%9D%A4"), 403, "chat_archived")
    hist = member.history(chan["id"])["messages"]
    assert [m["text"] for m in hist] == ["before archive", "member's message"], "still readable, unchanged"
    listed = {c["id"]: c for c in member.chats()}
    assert listed[chan["id"]]["archived"] is True, "archived chats stay in the list, flagged"
    expect_error(member.post(f"/api/v1/chats/{chan['id']}/unarchive"), 403, "forbidden")

    body = expect(owner.post(f"/api/v1/chats/{chan['id']}/unarchive"), 200)
    assert body["archived"] is False
    member.send(chan["id"], "alive again")


def test_my_chats_ordered_by_activity_with_unread(make_user):
    me, peer = make_user(), make_user()
    x = peer.create_chat("group", name="X", member_ids=[me])
    y = peer.create_chat("group", name="Y", member_ids=[me])
    z = peer.create_chat("group", name="Z", member_ids=[me])
    empty = peer.create_chat("group", name="E", member_ids=[me])

    def post(chat, text):
        m = peer.send(chat["id"], text)
        time.sleep(0.01)  # distinct millisecond timestamps for the ordering check
        return m

    x1 = post(x, "x1")
    y1 = post(y, "y1")
    z1 = post(z, "z1")
    x2 = post(x, "x2")
    chats = me.chats()
    ids = [c["id"] for c in chats]
    order = [cid for cid in ids if cid in (x["id"], y["id"], z["id"])]
    assert order == [x["id"], z["id"], y["id"]], f"most recent activity first: {[c['name'] for c in chats]}"
    acts = [c["last_activity_at"] for c in chats]
    assert acts == sorted(acts, reverse=True), acts
    by_id = {c["id"]: c for c in chats}
    assert by_id[x["id"]]["last_message"]["id"] == x2["id"]
    assert by_id[x["id"]]["last_message"]["text"] == "x2"
    assert by_id[x["id"]]["unread_count"] == 2
    assert by_id[y["id"]]["unread_count"] == 1 and by_id[z["id"]]["unread_count"] == 1
    assert by_id[empty["id"]]["last_message"] is None and by_id[empty["id"]]["unread_count"] == 0
    assert by_id[x["id"]]["last_read_message_id"] == "0"
    # the sender has nothing unread from their own messages
    assert {c["id"]: c for c in peer.chats()}[x["id"]]["unread_count"] == 0

    y2 = post(y, "y2")
    order = [c["id"] for c in me.chats() if c["id"] in (x["id"], y["id"], z["id"])]
    assert order == [y["id"], x["id"], z["id"]]

    # mark read
    body = expect(me.post(f"/api/v1/chats/{x['id']}/read", json={"message_id": x2["id"]}), 200)
    assert body["last_read_message_id"] == x2["id"] and body["unread_count"] == 0, body
    by_id = {c["id"]: c for c in me.chats()}
    assert by_id[x["id"]]["unread_count"] == 0 and by_id[x["id"]]["last_read_message_id"] == x2["id"]
    # partial read, then the marker never moves back
    body = expect(me.post(f"/api/v1/chats/{y['id']}/read", json={"message_id": y1["id"]}), 200)
    assert body["last_read_message_id"] == y1["id"] and body["unread_count"] == 1
    body = expect(me.post(f"/api/v1/chats/{y['id']}/read", json={"message_id": y2["id"]}), 200)
    assert body["unread_count"] == 0
    body = expect(me.post(f"/api/v1/chats/{y['id']}/read", json={"message_id": y1["id"]}), 200)
    assert body["last_read_message_id"] == y2["id"] and body["unread_count"] == 0
    assert {c["id"]: c for c in me.chats()}[y["id"]]["last_read_message_id"] == y2["id"]
    # new messages after the marker count again
    post(x, "x3")
    assert {c["id"]: c for c in me.chats()}[x["id"]]["unread_count"] == 1
    expect_error(me.post(f"/api/v1/chats/{x['id']}/read", json={}), 400, "invalid_argument")
    # ids are time-ordered
    assert int(x1["id"]) < int(y1["id"]) < int(z1["id"]) < int(x2["id"]) < int(y2["id"])
