"""Mentions, notifications, per-chat notify levels and read receipts (docs/api.md "Messages" /
"Read receipts, mentions, notifications")."""

import pytest

from issue3_helpers import MISSING_MSG, chat_entry, notifications, pool
from veche_harness import expect, expect_error, login, wait_until


def mentions_of(client, chat_ids, **params):
    return notifications(client, chat_ids, kind="mention", **params)


def mention_count(client, chat_id):
    return chat_entry(client, chat_id)["mention_count"]


def mark_read(client, chat_id, mid):
    return expect(client.post(f"/api/v1/chats/{chat_id}/read", json={"message_id": mid}), 200)


def set_notify(client, chat_id, level):
    body = expect(client.put(f"/api/v1/chats/{chat_id}/notify", json={"notify": level}), 200)
    assert body["notify"] == level and body["id"] == chat_id
    return body


def canary(sender, chat_id, *wss):
    """Post a message and wait until every given WebSocket has it: anything emitted before it
    (e.g. a notification.created) has arrived by then."""
    m = sender.send(chat_id, "canary")
    for ws in wss:
        ws.wait_event("message.created", lambda f: f["data"]["id"] == m["id"])
    return m


@pytest.fixture
def room(server):
    owner, alice, bob = pool(server, 3)
    chan = owner.create_chat("channel", visibility="private", member_ids=[alice, bob])
    return chan, owner, alice, bob


def test_username_mention(server, room, ws_factory):
    chan, owner, alice, bob = room
    cid = chan["id"]
    ws_a, ws_b, ws_o = ws_factory(server, alice), ws_factory(server, bob), ws_factory(server, owner)
    assert mention_count(alice, cid) == 0
    m = owner.send(cid, f"hey @{alice.username} please look")

    ns = wait_until(lambda: mentions_of(alice, cid), 5, desc="alice's mention notification")
    assert len(ns) == 1
    n = ns[0]
    assert n["kind"] == "mention" and n["chat_id"] == cid and n["message_id"] == m["id"]
    assert n["actor_id"] == owner.id and n["read"] is False and isinstance(n["created_at"], int)
    ev = ws_a.wait_event("notification.created", lambda f: f["data"]["message_id"] == m["id"])
    assert ev["data"]["id"] == n["id"] and ev["data"]["kind"] == "mention" and ev["data"]["chat_id"] == cid
    assert ev["data"]["actor_id"] == owner.id and ev["data"]["read"] is False

    assert mention_count(alice, cid) == 1
    assert mention_count(bob, cid) == 0 and mention_count(owner, cid) == 0
    assert mentions_of(bob, cid) == [] and mentions_of(owner, cid) == []
    canary(owner, cid, ws_b, ws_o)
    assert ws_b.events("notification.created") == [] and ws_o.events("notification.created") == [], \
        "notification.created goes to its user only"

    # a second mention, then reading up to the first leaves one; reading everything resets it
    m2 = bob.send(cid, f"@{alice.username} and again")
    wait_until(lambda: len(mentions_of(alice, cid)) == 2, 5, desc="second mention")
    assert mention_count(alice, cid) == 2
    mark_read(alice, cid, m["id"])
    assert mention_count(alice, cid) == 1
    mark_read(alice, cid, m2["id"])
    assert mention_count(alice, cid) == 0
    assert expect(alice.get(f"/api/v1/chats/{cid}"), 200)["mention_count"] == 0


def test_mention_of_non_member_or_unknown_does_nothing(server, room, make_user, ws_factory):
    chan, owner, alice, bob = room
    outsider = make_user()
    ws_x = ws_factory(server, outsider)
    m = owner.send(chan["id"], f"@{outsider.username} are you here? also @nosuchuser{outsider.username[1:]}")
    assert m["text"].startswith("@"), "the message is posted as written"
    # control: a real mention in the same chat afterwards is delivered
    m2 = owner.send(chan["id"], f"@{alice.username} ping")
    wait_until(lambda: [n for n in mentions_of(alice, chan["id"]) if n["message_id"] == m2["id"]], 5,
               desc="control mention")
    assert notifications(outsider) == []
    d = owner.direct(outsider)  # a canary the outsider does see
    canary(owner, d["id"], ws_x)
    assert ws_x.events("notification.created") == []
    assert [n["message_id"] for n in mentions_of(alice, chan["id"])] == [m2["id"]]


def test_mention_of_deactivated_member_does_nothing(server, room, make_user):
    chan, owner, alice, _ = room
    bob = make_user()  # deactivation revokes sessions: not a pooled user
    owner.add_members(chan["id"], [bob])
    admin = server.admin()
    expect(admin.patch(f"/api/v1/users/{bob.id}", json={"deactivated": True}), 200)
    owner.send(chan["id"], f"@{bob.username} gone?")
    m2 = owner.send(chan["id"], f"@{alice.username} still here")
    wait_until(lambda: mentions_of(alice, chan["id"]), 5, desc="control mention")
    expect(admin.patch(f"/api/v1/users/{bob.id}", json={"deactivated": False}), 200)
    bob2 = login(server, bob.username, bob.password)
    assert mentions_of(bob2, chan["id"]) == [], "only active users are mentioned"
    assert mention_count(bob2, chan["id"]) == 0
    assert mentions_of(alice, chan["id"])[0]["message_id"] == m2["id"]


@pytest.mark.parametrize("word", ["channel", "all"])
def test_channel_and_all_mention_every_member(server, room, ws_factory, word):
    chan, owner, alice, bob = room
    guest, outsider = pool(server, 5)[3:]
    owner.add_members(chan["id"], [guest], role="guest")
    ws_b = ws_factory(server, bob)  # one connected, the others not: @channel/@all does not care
    m = alice.send(chan["id"], f"attention @{word}: meeting at 3")
    for u in (owner, bob, guest):
        ns = wait_until(lambda: mentions_of(u, chan["id"]), 5, desc=f"@{word} mention")
        assert [(n["message_id"], n["actor_id"]) for n in ns] == [(m["id"], alice.id)]
        assert mention_count(u, chan["id"]) == 1
    ws_b.wait_event("notification.created", lambda f: f["data"]["message_id"] == m["id"])
    assert mentions_of(alice, chan["id"]) == [], "the author does not mention themself"
    assert notifications(outsider, chan["id"]) == []


def test_here_mentions_only_connected_members(server, room, ws_factory):
    chan, owner, alice, bob = room
    ws_a = ws_factory(server, alice)
    def presence(u):
        return expect(owner.get(f"/api/v1/users/{u.id}"), 200)["presence"]

    wait_until(lambda: presence(alice) != "offline", 5, desc="alice shown connected")
    wait_until(lambda: presence(bob) == "offline", 5, desc="bob without a connection")
    m = owner.send(chan["id"], "@here quick question")
    ns = wait_until(lambda: mentions_of(alice, chan["id"]), 5, desc="@here reaches the connected member")
    assert [n["message_id"] for n in ns] == [m["id"]]
    ws_a.wait_event("notification.created", lambda f: f["data"]["message_id"] == m["id"])
    assert mention_count(alice, chan["id"]) == 1
    assert mentions_of(bob, chan["id"]) == [], "@here skips members without an open connection"
    assert mention_count(bob, chan["id"]) == 0


def test_email_like_text_is_not_a_mention(room):
    chan, owner, alice, bob = room
    owner.send(chan["id"], f"write to me@{alice.username} or ops@channel or x@all, please")
    m2 = owner.send(chan["id"], f"(@{bob.username}) control")
    wait_until(lambda: mentions_of(bob, chan["id"]), 5, desc="control mention of bob")
    assert [n["message_id"] for n in mentions_of(bob, chan["id"])] == [m2["id"]], "ops@channel is no @channel"
    assert mentions_of(alice, chan["id"]) == []
    assert mention_count(alice, chan["id"]) == 0


def test_notify_levels(server, room, ws_factory):
    chan, owner, alice, bob = room
    cid = chan["id"]
    assert chat_entry(alice, cid)["notify"] == "all"
    set_notify(alice, cid, "mentions")
    assert chat_entry(alice, cid)["notify"] == "mentions"
    m1 = owner.send(cid, f"@{alice.username} mentions still notify")
    wait_until(lambda: [n for n in mentions_of(alice, cid) if n["message_id"] == m1["id"]], 5,
               desc="a mention with notify=mentions")

    set_notify(bob, cid, "none")
    ws_b = ws_factory(server, bob)
    m2 = owner.send(cid, f"@{bob.username} and @{alice.username}: muted?")
    wait_until(lambda: [n for n in mentions_of(alice, cid) if n["message_id"] == m2["id"]], 5,
               desc="control: alice notified")
    owner.send(cid, "@all everyone")
    wait_until(lambda: len(mentions_of(alice, cid)) == 3, 5, desc="control: alice notified of @all")
    assert mentions_of(bob, cid) == [], "notify=none: no notifications at all"
    canary(owner, cid, ws_b)
    assert ws_b.events("notification.created") == []
    # unmuted again: notifications resume
    set_notify(bob, cid, "all")
    m4 = owner.send(cid, f"@{bob.username} welcome back")
    wait_until(lambda: [n["message_id"] for n in mentions_of(bob, cid)] == [m4["id"]], 5,
               desc="bob notified after unmuting")
    # notify is per user: alice's level is unaffected
    assert chat_entry(alice, cid)["notify"] == "mentions"
    for bad in ("loud", "", "ALL"):
        expect_error(bob.put(f"/api/v1/chats/{cid}/notify", json={"notify": bad}), 400, "invalid_argument")
    expect_error(bob.put(f"/api/v1/chats/{cid}/notify", json={}), 400, "invalid_argument")


def test_notifications_mark_read_and_paging(server, make_user):
    # the caller's whole notification list is checked here: use users of this test only
    owner = pool(server, 1)[0]
    alice, bob = make_user(), make_user()
    chan = owner.create_chat("channel", visibility="private", member_ids=[alice, bob])
    cid = chan["id"]
    msgs = [owner.send(cid, f"@{alice.username} number {i}") for i in range(5)]
    bob_m = owner.send(cid, f"@{bob.username} yours")
    ns = wait_until(lambda: (lambda x: x if len(x) == 5 else None)(mentions_of(alice, cid)), 5,
                    desc="5 notifications")
    assert [n["message_id"] for n in ns] == [m["id"] for m in reversed(msgs)], "newest first"
    assert all(n["read"] is False for n in ns)
    assert len(notifications(alice, unread="true")) == 5

    # paging
    page1 = notifications(alice, limit=2)
    assert [n["id"] for n in page1] == [n["id"] for n in ns[:2]]
    page2 = notifications(alice, limit=2, before=page1[-1]["id"])
    assert [n["id"] for n in page2] == [n["id"] for n in ns[2:4]]
    page3 = notifications(alice, limit=2, before=page2[-1]["id"])
    assert [n["id"] for n in page3] == [ns[4]["id"]]

    # by ids
    expect(alice.post("/api/v1/notifications/read", json={"ids": [ns[0]["id"], ns[3]["id"]]}), 204)
    unread = notifications(alice, unread="true")
    assert [n["id"] for n in unread] == [ns[1]["id"], ns[2]["id"], ns[4]["id"]]
    everything = {n["id"]: n["read"] for n in notifications(alice)}
    assert everything == {ns[0]["id"]: True, ns[1]["id"]: False, ns[2]["id"]: False, ns[3]["id"]: True,
                          ns[4]["id"]: False}
    # someone else's notification id changes nothing for them
    bob_n = wait_until(lambda: mentions_of(bob, cid), 5, desc="bob's notification")[0]
    assert bob_n["message_id"] == bob_m["id"]
    expect(alice.post("/api/v1/notifications/read", json={"ids": [bob_n["id"]]}), 204)
    assert mentions_of(bob, cid)[0]["read"] is False
    # all (no ids)
    expect(alice.post("/api/v1/notifications/read", json={}), 204)
    assert notifications(alice, unread="true") == []
    assert all(n["read"] is True for n in notifications(alice))
    assert len(notifications(alice)) == 5, "read notifications are still listed"
    assert mentions_of(bob, cid)[0]["read"] is False
    expect(bob.post("/api/v1/notifications/read"), 204)  # no body at all: all read
    assert notifications(bob, unread="true") == []
    expect_error(alice.post("/api/v1/notifications/read", json={"ids": ["abc"]}), 400, "invalid_argument")
    expect_error(alice.get("/api/v1/notifications", params={"limit": 0}), 400, "invalid_argument")


def test_notifications_of_a_left_chat_disappear(room):
    chan, owner, alice, bob = room
    other = owner.create_chat("group", member_ids=[alice])
    owner.send(chan["id"], f"@{alice.username} in the channel")
    keep = owner.send(other["id"], f"@{alice.username} in the group")
    both = (chan["id"], other["id"])
    wait_until(lambda: len(mentions_of(alice, both)) == 2, 5, desc="two notifications")
    expect(alice.post(f"/api/v1/chats/{chan['id']}/leave"), 204)
    left = notifications(alice, both)
    assert [n["message_id"] for n in left] == [keep["id"]], "only chats the caller is still in"
    assert notifications(alice, both, unread="true") == left
    # removed by an admin: same
    expect(owner.delete(f"/api/v1/chats/{other['id']}/members/{alice.id}"), 204)
    assert notifications(alice, both) == []


def test_seen_by(server, room):
    chan, owner, alice, bob = room
    m1 = owner.send(chan["id"], "did you see this?")
    m2 = owner.send(chan["id"], "and this?")
    assert expect(owner.get(f"/api/v1/messages/{m1['id']}/seen"), 200) == {"user_ids": []}, \
        "the author is not listed"
    mark_read(alice, chan["id"], m1["id"])
    assert expect(owner.get(f"/api/v1/messages/{m1['id']}/seen"), 200)["user_ids"] == [alice.id]
    assert expect(bob.get(f"/api/v1/messages/{m2['id']}/seen"), 200)["user_ids"] == []
    mark_read(bob, chan["id"], m2["id"])  # reading a later message covers the earlier one
    assert sorted(expect(alice.get(f"/api/v1/messages/{m1['id']}/seen"), 200)["user_ids"]) == sorted(
        [alice.id, bob.id])
    assert expect(alice.get(f"/api/v1/messages/{m2['id']}/seen"), 200)["user_ids"] == [bob.id]
    expect_error(owner.get(f"/api/v1/messages/{MISSING_MSG}/seen"), 404, "message_not_found")
    outsider = pool(server, 4)[3]
    expect_error(outsider.get(f"/api/v1/messages/{m1['id']}/seen"), 404, "message_not_found")



# The cases where a second parser would disagree with the server's (issue 26): each message's
# `mentions` is what the server read, and the recipient's mention_count moves exactly when that
# list names her or everyone, so a client that counts from `mentions` cannot drift.
MENTION_CASES = [
    ("hi @{u}!", True),
    ("hi @{U}.", True),
    ("привет@{u}", False),
    ("x@{u}", False),
    ("x-@{u}", False),
    ("mail bob@{u}.ru", False),
    ("@{u}_", False),
    ("@{u}-", True),
    ("(@{u})", True),
    ("@channel_", False),
    ("@here", True),
    ("@all, standup", True),
    ("@channel", True),
    ("@{u}x", False),
]


def test_mentions_field_is_the_servers_reading_and_matches_mention_count(server, make_user, ws_factory):
    author = make_user()
    alice = make_user()
    chat = author.create_chat("group", name="mention table", member_ids=[alice.id])
    ws_factory(server, alice).ping()  # connected, as a client that counts live is: @here counts her
    name = alice.username
    for template, mentions_alice in MENTION_CASES:
        text = template.replace("{u}", name).replace("{U}", name.upper())
        before = mention_count(alice, chat["id"])
        msg = author.send(chat["id"], text)
        assert isinstance(msg["mentions"], list), msg
        names = set(msg["mentions"])
        read_as_alice = name in names or bool(names & {"channel", "all", "here"})
        assert read_as_alice == mentions_alice, f"{text!r}: server read {sorted(names)}"
        after = mention_count(alice, chat["id"])
        assert after - before == (1 if mentions_alice else 0), f"{text!r}: mention_count {before} -> {after}"
        # the same field on every way the message is read back
        assert expect(alice.get(f"/api/v1/messages/{msg['id']}"), 200)["mentions"] == msg["mentions"]
