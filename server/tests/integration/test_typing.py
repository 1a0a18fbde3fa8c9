"""The WebSocket `typing` frame (docs/api.md "Real-time"): delivered live to the chat's other
connected members only, at most one per 2 s per user and chat, errors for foreign chats and before
hello."""

import time

from issue3_helpers import MISSING_CHAT, pool
from veche_harness import expect, login


def typing_frames(ws, chat_id=None):
    return [f for f in ws.snapshot()
            if f.get("type") == "typing" and (chat_id is None or f.get("chat_id") == chat_id)]


def errors(ws, start=0):
    return [f for f in ws.snapshot()[start:] if f.get("type") == "error"]


def settle(sender, *receivers):
    """The sender's pong proves the server handled its earlier frames (and queued any typing frame
    for the others); each receiver's pong then proves that everything queued before has arrived."""
    sender.ping()
    for ws in receivers:
        ws.ping()


def test_typing_reaches_other_members_only(server, ws_factory):
    a, b, c, outsider = pool(server, 4)
    chat = a.create_chat("group", member_ids=[b, c])
    ws_a = ws_factory(server, a)
    a2 = login(server, a.username, a.password)
    ws_a2 = ws_factory(server, a2)  # the sender's other device
    ws_b, ws_c, ws_x = ws_factory(server, b), ws_factory(server, c), ws_factory(server, outsider)
    ws_a.send({"type": "typing", "chat_id": chat["id"]})
    fb = ws_b.wait_for(lambda f: f.get("type") == "typing", 30, "typing frame at b")
    assert fb == {"type": "typing", "chat_id": chat["id"], "user_id": a.id}, fb
    fc = ws_c.wait_for(lambda f: f.get("type") == "typing", 30, "typing frame at c")
    assert fc["user_id"] == a.id and fc["chat_id"] == chat["id"]
    assert "pos" not in fb, "typing is live only, not an event"
    settle(ws_a, ws_a2, ws_x)
    assert typing_frames(ws_a) == [], "not echoed to the sender"
    assert typing_frames(ws_a2) == [], "only the chat's other members are told"
    assert typing_frames(ws_x) == [], "non-members are never told"
    assert errors(ws_a) == []
    # not part of the event log: a reconnect from an older position does not replay it
    ws_b2 = ws_factory(server, b, last_pos=ws_b.hello_ok["head"])
    ws_b2.ping()
    assert typing_frames(ws_b2) == []


def test_typing_is_rate_limited(server, ws_factory):
    a, b = pool(server, 2)
    chat = a.create_chat("group", member_ids=[b])
    other = a.create_chat("group", member_ids=[b])
    ws_a, ws_b = ws_factory(server, a), ws_factory(server, b)
    t0 = time.monotonic()
    for _ in range(3):
        ws_a.send({"type": "typing", "chat_id": chat["id"]})
    settle(ws_a, ws_b)
    # At most one frame per 2 s window is relayed: exactly one when the three were handled
    # within 2 s, and never one per frame however slow the machine was.
    elapsed = time.monotonic() - t0
    relayed = len(typing_frames(ws_b, chat["id"]))
    assert 1 <= relayed <= min(3, 1 + int(elapsed // 2.0)), (relayed, elapsed, typing_frames(ws_b))
    assert errors(ws_a) == [], "extra typing frames are dropped silently"
    # the limit is per chat: another chat right away is delivered
    ws_a.send({"type": "typing", "chat_id": other["id"]})
    ws_b.wait_for(lambda f: f.get("type") == "typing" and f.get("chat_id") == other["id"], 30, "typing in other")
    # per user: b typing right now in the same chat is delivered to a
    ws_b.send({"type": "typing", "chat_id": chat["id"]})
    ws_a.wait_for(lambda f: f.get("type") == "typing" and f.get("user_id") == b.id, 30, "b's typing at a")
    # after 2 s a typing frame gets through again
    time.sleep(max(0.0, 2.1 - (time.monotonic() - t0)))
    start = ws_b.count()
    ws_a.send({"type": "typing", "chat_id": chat["id"]})
    ws_b.wait_for(lambda f: f.get("type") == "typing" and f.get("chat_id") == chat["id"], 30, "second typing",
                  start=start)
    assert len(typing_frames(ws_b, chat["id"])) == 2


def test_typing_in_foreign_chat_is_an_error(server, ws_factory):
    a, b, outsider = pool(server, 3)
    chat = a.create_chat("group", member_ids=[b])
    ws_x, ws_b = ws_factory(server, outsider), ws_factory(server, b)
    for target in (chat["id"], MISSING_CHAT):
        start = ws_x.count()
        ws_x.send({"type": "typing", "chat_id": target})
        err = ws_x.wait_for(lambda f: f.get("type") == "error", 30, "error frame", start=start)
        assert err["code"] == "chat_not_found", err
        assert err["status"] == 404, "the HTTP API's status for the same refusal"
    settle(ws_x, ws_b)
    assert typing_frames(ws_b) == [], "nothing reaches the chat's members"
    assert not ws_x.closed, "the connection stays open"
    # malformed chat ids are invalid frames
    for bad in ({"type": "typing"}, {"type": "typing", "chat_id": 123}, {"type": "typing", "chat_id": "abc"}):
        start = ws_x.count()
        ws_x.send(bad)
        err = ws_x.wait_for(lambda f: f.get("type") == "error", 30, "error frame", start=start)
        assert err["code"] == "invalid_frame", (bad, err)
        assert err["status"] == 400, err
    # unknown frame types and frames before hello are invalid frames too, with the same shape
    start = ws_x.count()
    ws_x.send({"type": "tickets.assign"})
    err = ws_x.wait_for(lambda f: f.get("type") == "error", 30, "error frame", start=start)
    assert (err["code"], err["status"]) == ("invalid_frame", 400), err
    assert err["message"]
    ws_x.ping()


def test_typing_follows_membership_changes(server, ws_factory):
    a, b, c = pool(server, 3)
    chat = a.create_chat("group", member_ids=[b])
    ws_b, ws_c = ws_factory(server, b), ws_factory(server, c)
    # c is added after connecting: may type, and is told
    a.add_members(chat["id"], [c])
    ws_c.wait_event("member.added", lambda f: f["chat_id"] == chat["id"])
    start = ws_c.count()
    ws_c.send({"type": "typing", "chat_id": chat["id"]})
    ws_b.wait_for(lambda f: f.get("type") == "typing" and f.get("user_id") == c.id, 30, "new member's typing")
    assert errors(ws_c, start) == []
    ws_b.send({"type": "typing", "chat_id": chat["id"]})
    ws_c.wait_for(lambda f: f.get("type") == "typing" and f.get("user_id") == b.id, 30, "typing to the new member")
    # c is removed: typing there is now an error, and c is not told any more
    expect(a.delete(f"/api/v1/chats/{chat['id']}/members/{c.id}"), 204)
    ws_c.wait_event("member.removed", lambda f: f["chat_id"] == chat["id"])
    start = ws_c.count()
    ws_c.send({"type": "typing", "chat_id": chat["id"]})
    err = ws_c.wait_for(lambda f: f.get("type") == "error", 30, "error after removal", start=start)
    assert err["code"] == "chat_not_found"
    ws_a = ws_factory(server, a)
    seen_at_c = len(typing_frames(ws_c))
    ws_a.send({"type": "typing", "chat_id": chat["id"]})
    ws_b.wait_for(lambda f: f.get("type") == "typing" and f.get("user_id") == a.id, 30, "a's typing at b")
    settle(ws_a, ws_c)
    assert len(typing_frames(ws_c)) == seen_at_c, "a removed member is not told"


def test_typing_before_hello_is_an_error(server, ws_factory):
    a, b = pool(server, 2)
    chat = a.create_chat("group", member_ids=[b])
    ws_b = ws_factory(server, b)
    ws_a = ws_factory(server, a, hello=False)
    ws_a.send({"type": "typing", "chat_id": chat["id"]})
    err = ws_a.wait_for(lambda f: f.get("type") == "error", 30, "error before hello")
    assert isinstance(err.get("code"), str) and err["code"]
    # the connection stays usable: hello now works, and typing afterwards is delivered
    ws_a.send({"type": "hello"})
    ws_a.wait_for(lambda f: f.get("type") == "hello_ok", 30, "hello_ok")
    ws_a.wait_for(lambda f: f.get("type") == "synced", 30, "synced")
    settle(ws_a, ws_b)
    assert typing_frames(ws_b) == [], "the typing sent before hello was not delivered"
    ws_a.send({"type": "typing", "chat_id": chat["id"]})
    ws_b.wait_for(lambda f: f.get("type") == "typing" and f.get("user_id") == a.id, 30, "typing after hello")
