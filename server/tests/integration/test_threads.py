"""Threads (docs/api.md "Messages" / "Threads"): replies, the root's counters and events, thread
listing and paging, replies kept out of the chat history/unread/last_message, invalid roots,
follow/unfollow and thread_reply notifications (muted chats get none)."""

import pytest

from issue3_helpers import MISSING_MSG, chat_entry, get_msg, notifications, pool
from veche_harness import expect, expect_error, wait_until


def reply(client, chat_id, root_id, text, **extra):
    body = {"text": text, "thread_root_id": root_id}
    body.update(extra)
    return expect(client.post(f"/api/v1/chats/{chat_id}/messages", json=body), 201)


def thread(client, root_id, **params):
    return expect(client.get(f"/api/v1/messages/{root_id}/thread", params=params), 200)


def thread_notifs(client, chat_id):
    return notifications(client, chat_id, kind="thread_reply")


@pytest.fixture
def room(server):
    owner, alice, bob, carol = pool(server, 4)
    chan = owner.create_chat("channel", visibility="private", member_ids=[alice, bob, carol])
    return chan, owner, alice, bob, carol


def test_reply_updates_root_counters_and_fields(room):
    chan, owner, alice, bob, _ = room
    root = owner.send(chan["id"], "root of the thread")
    assert root["thread_root_id"] is None and root["kind"] == "text"
    assert root["reply_count"] == 0 and root["thread_participants"] == []

    r1 = reply(alice, chan["id"], root["id"], "first reply")
    assert r1["thread_root_id"] == root["id"] and r1["chat_id"] == chan["id"] and r1["author_id"] == alice.id
    assert r1["text"] == "first reply" and r1["kind"] == "text"
    got = get_msg(bob, root["id"])
    assert got["reply_count"] == 1
    assert got["last_reply_at"] == r1["created_at"]
    assert got["thread_participants"] == [alice.id]

    r2 = reply(bob, chan["id"], root["id"], "second reply")
    got = get_msg(owner, root["id"])
    assert got["reply_count"] == 2
    assert got["last_reply_at"] == r2["created_at"] >= r1["created_at"]
    assert sorted(got["thread_participants"]) == sorted([alice.id, bob.id])
    # a reply read back on its own carries its root
    assert get_msg(owner, r2["id"])["thread_root_id"] == root["id"]


def test_thread_participants_are_at_most_five_most_recent(server):
    owner, *repliers = pool(server, 7)
    group = owner.create_chat("group", member_ids=repliers)
    root = owner.send(group["id"], "who will answer?")
    for u in repliers:
        reply(u, group["id"], root["id"], f"here is {u.username}")
    got = get_msg(owner, root["id"])
    assert got["reply_count"] == 6
    parts = got["thread_participants"]
    assert len(parts) == 5 and len(set(parts)) == 5, parts
    assert set(parts) == {u.id for u in repliers[1:]}, "the 5 most recent repliers"


def test_reply_events_created_then_root_updated(server, room, ws_factory):
    chan, owner, alice, bob, _ = room
    root = owner.send(chan["id"], "watch this thread")
    ws = ws_factory(server, bob)
    r = reply(alice, chan["id"], root["id"], "a reply over the wire")
    created = ws.wait_event("message.created", lambda f: f["data"]["id"] == r["id"])
    assert created["chat_id"] == chan["id"] and created["data"]["thread_root_id"] == root["id"]
    updated = ws.wait_event("message.updated", lambda f: f["data"]["id"] == root["id"])
    assert updated["pos"] > created["pos"], "the root's message.updated follows the reply's message.created"
    assert updated["data"]["reply_count"] == 1
    assert updated["data"]["last_reply_at"] == r["created_at"]
    assert updated["data"]["thread_participants"] == [alice.id]
    assert ws.pos_violations == []


def test_thread_listing_and_paging(room):
    chan, owner, alice, bob, _ = room
    root = owner.send(chan["id"], "paged thread")
    other_root = owner.send(chan["id"], "another thread")
    ids = []
    for i in range(25):
        ids.append(reply(alice if i % 2 else bob, chan["id"], root["id"], f"r{i:02d}")["id"])
        if i % 5 == 0:
            reply(owner, chan["id"], other_root["id"], f"noise {i}")

    def page(**params):
        body = thread(owner, root["id"], **params)
        got = [m["id"] for m in body["messages"]]
        assert all(m["thread_root_id"] == root["id"] for m in body["messages"])
        return got, body["has_more"]

    full = thread(owner, root["id"])
    assert [m["text"] for m in full["messages"]] == [f"r{i:02d}" for i in range(25)], "oldest first"
    assert full["has_more"] is False
    assert page(limit=10) == (ids[15:], True), "no cursor: the newest page"
    assert page(before=ids[15], limit=10) == (ids[5:15], True)
    assert page(before=ids[5], limit=10) == (ids[:5], False)
    assert page(after=ids[19]) == (ids[20:], False)
    assert page(after=ids[4], limit=5) == (ids[5:10], True)
    # walking backwards covers everything exactly once
    seen, cursor = [], None
    while True:
        got, more = page(limit=7, **({"before": cursor} if cursor else {}))
        seen = got + seen
        if not more:
            break
        cursor = got[0]
    assert seen == ids
    # a root without replies has an empty thread; the root itself is not part of its thread
    lonely = owner.send(chan["id"], "nobody answers")
    assert thread(owner, lonely["id"]) == {"messages": [], "has_more": False}
    assert root["id"] not in [m["id"] for m in full["messages"]]
    for bad in ({"limit": 0}, {"limit": 201}, {"before": "abc"}):
        expect_error(owner.get(f"/api/v1/messages/{root['id']}/thread", params=bad), 400, "invalid_argument")
    expect_error(owner.get(f"/api/v1/messages/{MISSING_MSG}/thread"), 404, "message_not_found")


def test_replies_stay_out_of_history_unread_and_last_message(room):
    chan, owner, alice, bob, _ = room
    root = owner.send(chan["id"], "top level")
    before = chat_entry(bob, chan["id"])
    assert before["unread_count"] == 1 and before["last_message"]["id"] == root["id"]
    replies = [reply(alice, chan["id"], root["id"], f"in thread {i}") for i in range(3)]
    replies.append(reply(owner, chan["id"], root["id"], "owner in thread"))

    hist = bob.all_messages(chan["id"])
    assert [m["id"] for m in hist] == [root["id"]], "thread replies are not part of the chat history"
    assert hist[0]["reply_count"] == 4
    for c in (chat_entry(bob, chan["id"]), expect(bob.get(f"/api/v1/chats/{chan['id']}"), 200)):
        assert c["unread_count"] == 1, "replies do not count as unread"
        assert c["last_message"]["id"] == root["id"], "a reply is not the chat's last message"
    # paging forward from the start does not surface replies either
    assert [m["id"] for m in bob.history(chan["id"], after="0")["messages"]] == [root["id"]]
    # a new top-level message still counts and becomes the last message
    top = alice.send(chan["id"], "back in the channel")
    c = chat_entry(bob, chan["id"])
    assert c["unread_count"] == 2 and c["last_message"]["id"] == top["id"]
    assert [m["id"] for m in bob.all_messages(chan["id"])] == [root["id"], top["id"]]


def test_invalid_thread_roots(room):
    chan, owner, alice, _, _ = room
    path = f"/api/v1/chats/{chan['id']}/messages"
    root = owner.send(chan["id"], "root")
    r = reply(alice, chan["id"], root["id"], "a reply")
    # a reply's id as root -> 400
    expect_error(owner.post(path, json={"text": "nested", "thread_root_id": r["id"]}), 400)
    # another chat's message -> 404 message_not_found (even when the caller is in that chat)
    other = owner.create_chat("group", member_ids=[alice])
    foreign = owner.send(other["id"], "elsewhere")
    expect_error(owner.post(path, json={"text": "cross", "thread_root_id": foreign["id"]}), 404, "message_not_found")
    # a deleted root -> 404
    doomed = owner.send(chan["id"], "will be deleted")
    expect(owner.delete(f"/api/v1/messages/{doomed['id']}"), 204)
    expect_error(alice.post(path, json={"text": "late", "thread_root_id": doomed["id"]}), 404, "message_not_found")
    # an unknown id -> 404
    expect_error(alice.post(path, json={"text": "ghost", "thread_root_id": MISSING_MSG}), 404, "message_not_found")
    # a malformed id -> 400
    expect_error(alice.post(path, json={"text": "bad", "thread_root_id": "abc"}), 400, "invalid_argument")
    # nothing of the above was posted anywhere
    assert [m["id"] for m in owner.all_messages(chan["id"])] == [root["id"], doomed["id"]]
    assert [m["id"] for m in thread(owner, root["id"])["messages"]] == [r["id"]]
    assert get_msg(owner, root["id"])["reply_count"] == 1
    assert owner.all_messages(other["id"])[0]["reply_count"] == 0


def test_follow_unfollow_and_thread_reply_notifications(server, room, ws_factory):
    chan, owner, alice, bob, carol = room
    cid = chan["id"]
    ws_carol = ws_factory(server, carol)
    root = owner.send(cid, "who follows?")

    # alice replies: the root's author (owner) is notified; alice now follows
    r1 = reply(alice, cid, root["id"], "reply 1 by alice")
    ns = wait_until(lambda: thread_notifs(owner, cid), 5, desc="owner's thread_reply notification")
    assert len(ns) == 1
    n = ns[0]
    assert n["kind"] == "thread_reply" and n["message_id"] == r1["id"] and n["actor_id"] == alice.id
    assert n["chat_id"] == cid and n["read"] is False and isinstance(n["created_at"], int)
    assert isinstance(n["id"], str) and n["id"].isdigit()
    assert thread_notifs(alice, cid) == [], "no notification for one's own reply"

    # bob replies: owner and alice (a replier follows) are notified, bob is not
    r2 = reply(bob, cid, root["id"], "reply 2 by bob")
    wait_until(lambda: len(thread_notifs(owner, cid)) == 2, 5, desc="owner's 2nd notification")
    assert [x["message_id"] for x in thread_notifs(alice, cid)] == [r2["id"]]
    assert thread_notifs(bob, cid) == []
    assert thread_notifs(carol, cid) == [], "a member who neither wrote nor follows gets nothing"

    # carol follows explicitly
    expect(carol.put(f"/api/v1/messages/{root['id']}/follow"), 204)
    expect(carol.put(f"/api/v1/messages/{root['id']}/follow"), 204)  # idempotent
    r3 = reply(owner, cid, root["id"], "reply 3 by owner")
    got = wait_until(lambda: thread_notifs(carol, cid), 5, desc="carol's notification after following")
    assert [x["message_id"] for x in got] == [r3["id"]] and got[0]["actor_id"] == owner.id
    ev = ws_carol.wait_event("notification.created", lambda f: f["data"]["message_id"] == r3["id"])
    assert ev["data"]["kind"] == "thread_reply" and ev["data"]["id"] == got[0]["id"]
    assert [x["message_id"] for x in thread_notifs(alice, cid)] == [r3["id"], r2["id"]], "newest first"
    assert len(thread_notifs(owner, cid)) == 2, "not for the owner's own reply"

    # alice unfollows (she is a replier, unfollow still wins)
    expect(alice.delete(f"/api/v1/messages/{root['id']}/follow"), 204)
    r4 = reply(bob, cid, root["id"], "reply 4 by bob")
    wait_until(lambda: r4["id"] in [x["message_id"] for x in thread_notifs(carol, cid)], 5,
               desc="carol notified of reply 4")
    assert r4["id"] in [x["message_id"] for x in thread_notifs(owner, cid)]
    assert r4["id"] not in [x["message_id"] for x in thread_notifs(alice, cid)], "unfollowed: no notification"

    # following an unknown message
    expect_error(carol.put(f"/api/v1/messages/{MISSING_MSG}/follow"), 404, "message_not_found")


def test_root_author_can_unfollow(room):
    chan, owner, alice, bob, _ = room
    cid = chan["id"]
    root = owner.send(cid, "my own thread")
    r1 = reply(alice, cid, root["id"], "first")
    wait_until(lambda: thread_notifs(owner, cid), 5, desc="the root's author follows by default")
    expect(owner.delete(f"/api/v1/messages/{root['id']}/follow"), 204)
    r2 = reply(bob, cid, root["id"], "second")
    wait_until(lambda: [x for x in thread_notifs(alice, cid) if x["message_id"] == r2["id"]], 5,
               desc="alice (control) notified of the second reply")
    got = [x["message_id"] for x in thread_notifs(owner, cid)]
    assert got == [r1["id"]], f"the root's author unfollowed but is still notified: {got}"
    # following again works
    expect(owner.put(f"/api/v1/messages/{root['id']}/follow"), 204)
    r3 = reply(alice, cid, root["id"], "third")
    wait_until(lambda: [x for x in thread_notifs(owner, cid) if x["message_id"] == r3["id"]], 5,
               desc="owner notified after following again")


def test_muted_chat_gets_no_thread_notifications(room):
    chan, owner, alice, bob, _ = room
    cid = chan["id"]
    root = owner.send(cid, "mute me")
    body = expect(owner.put(f"/api/v1/chats/{cid}/notify", json={"notify": "none"}), 200)
    assert body["id"] == cid and body["notify"] == "none"
    expect(bob.put(f"/api/v1/messages/{root['id']}/follow"), 204)
    r1 = reply(alice, cid, root["id"], "muted owner hears nothing")
    wait_until(lambda: [x for x in thread_notifs(bob, cid) if x["message_id"] == r1["id"]], 5,
               desc="bob (control) is notified")
    assert thread_notifs(owner, cid) == [], "notify=none suppresses thread_reply notifications"

    # notify=mentions: thread replies do not notify either
    expect(bob.put(f"/api/v1/chats/{cid}/notify", json={"notify": "mentions"}), 200)
    r2 = reply(owner, cid, root["id"], "bob only wants mentions")
    wait_until(lambda: [x for x in thread_notifs(alice, cid) if x["message_id"] == r2["id"]], 5,
               desc="alice (control) is notified")
    assert [x["message_id"] for x in thread_notifs(bob, cid)] == [r1["id"]]

    # back to all: notified again
    expect(owner.put(f"/api/v1/chats/{cid}/notify", json={"notify": "all"}), 200)
    r3 = reply(alice, cid, root["id"], "owner listens again")
    wait_until(lambda: [x for x in thread_notifs(owner, cid) if x["message_id"] == r3["id"]], 5,
               desc="owner notified after unmuting")
    assert len(thread_notifs(owner, cid)) == 1
    expect_error(owner.put(f"/api/v1/chats/{cid}/notify", json={"notify": "loud"}), 400, "invalid_argument")
