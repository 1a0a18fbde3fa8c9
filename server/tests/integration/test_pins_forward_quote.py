"""Pins, forwards and quotes (docs/api.md "Messages" / "Quote, forward, pin")."""

import pytest

from issue3_helpers import MISSING_CHAT, MISSING_MSG, get_msg, pool
from veche_harness import expect, expect_error


def pin(client, mid):
    return client.put(f"/api/v1/messages/{mid}/pin")


def unpin(client, mid):
    return client.delete(f"/api/v1/messages/{mid}/pin")


def pins(client, chat_id):
    return [m["id"] for m in expect(client.get(f"/api/v1/chats/{chat_id}/pins"), 200)["messages"]]


def forward(client, mid, chat_id, **extra):
    return client.post(f"/api/v1/messages/{mid}/forward", json={"chat_id": chat_id, **extra})


def post(client, chat_id, **body):
    return client.post(f"/api/v1/chats/{chat_id}/messages", json=body)


@pytest.fixture
def channel(server):
    """A fresh private channel: owner, admin, member, guest."""
    owner, admin, member, guest = pool(server, 4)
    chan = owner.create_chat("channel", visibility="private", member_ids=[member])
    owner.add_members(chan["id"], [admin], role="admin")
    owner.add_members(chan["id"], [guest], role="guest")
    return chan, owner, admin, member, guest


# ---------------------------------------------------------------------------------------------
# pins


def test_pin_permissions_in_channel(channel):
    chan, owner, admin, member, guest = channel
    m = member.send(chan["id"], "pin-worthy")
    expect_error(pin(member, m["id"]), 403, "forbidden")
    expect_error(pin(guest, m["id"]), 403, "forbidden")
    assert get_msg(owner, m["id"])["pinned"] is False
    assert pins(member, chan["id"]) == []

    body = expect(pin(admin, m["id"]), 200)
    assert body["id"] == m["id"] and body["pinned"] is True
    assert get_msg(member, m["id"])["pinned"] is True
    assert pins(guest, chan["id"]) == [m["id"]], "guests may read the pins"
    expect_error(unpin(member, m["id"]), 403, "forbidden")
    expect_error(unpin(guest, m["id"]), 403, "forbidden")
    assert get_msg(member, m["id"])["pinned"] is True

    body = expect(unpin(owner, m["id"]), 200)
    assert body["pinned"] is False
    assert pins(member, chan["id"]) == []
    m2 = owner.send(chan["id"], "owner pins too")
    assert expect(pin(owner, m2["id"]), 200)["pinned"] is True
    assert pins(admin, chan["id"]) == [m2["id"]]
    expect_error(pin(owner, MISSING_MSG), 404, "message_not_found")


def test_pin_permissions_in_group_and_direct(server, make_user):
    owner, member, guest = pool(server, 3)
    group = owner.create_chat("group", member_ids=[member])
    owner.add_members(group["id"], [guest], role="guest")
    m = owner.send(group["id"], "group message")
    assert expect(pin(member, m["id"]), 200)["pinned"] is True, "any group member may pin"
    expect_error(unpin(guest, m["id"]), 403, "forbidden")
    expect_error(pin(guest, owner.send(group["id"], "another")["id"]), 403, "forbidden")
    assert pins(guest, group["id"]) == [m["id"]]
    assert expect(unpin(member, m["id"]), 200)["pinned"] is False

    peer = make_user()  # a direct chat is one per pair: use a new pair
    direct = owner.direct(peer)
    d = owner.send(direct["id"], "between us")
    assert expect(pin(peer, d["id"]), 200)["pinned"] is True, "either side of a direct chat may pin"
    assert pins(owner, direct["id"]) == [d["id"]]


def test_pins_list_order_and_events(server, channel, ws_factory):
    chan, owner, admin, member, _ = channel
    ws = ws_factory(server, member)
    msgs = [member.send(chan["id"], f"pinnable {i}") for i in range(4)]
    for i in (2, 0, 3):
        expect(pin(owner, msgs[i]["id"]), 200)
    assert pins(member, chan["id"]) == [msgs[3]["id"], msgs[0]["id"], msgs[2]["id"]], "most recently pinned first"
    listed = expect(member.get(f"/api/v1/chats/{chan['id']}/pins"), 200)["messages"]
    assert all(m["pinned"] is True for m in listed) and listed[0]["text"] == "pinnable 3"
    # pinning again is harmless and does not reorder
    expect(pin(admin, msgs[2]["id"]), 200)
    assert pins(member, chan["id"]) == [msgs[3]["id"], msgs[0]["id"], msgs[2]["id"]]
    # unpin and re-pin moves it to the top
    expect(unpin(admin, msgs[2]["id"]), 200)
    assert pins(member, chan["id"]) == [msgs[3]["id"], msgs[0]["id"]]
    expect(pin(admin, msgs[2]["id"]), 200)
    assert pins(member, chan["id"]) == [msgs[2]["id"], msgs[3]["id"], msgs[0]["id"]]
    # the history shows the flag too
    flags = {m["id"]: m["pinned"] for m in member.history(chan["id"])["messages"]}
    assert flags == {msgs[0]["id"]: True, msgs[1]["id"]: False, msgs[2]["id"]: True, msgs[3]["id"]: True}

    # events: message.updated with the flag, for pin and unpin
    ev = ws.wait_event("message.updated", lambda f: f["data"]["id"] == msgs[3]["id"] and f["data"]["pinned"] is True)
    assert ev["chat_id"] == chan["id"] and ev["data"]["text"] == "pinnable 3"
    start = ws.count()
    expect(unpin(owner, msgs[3]["id"]), 200)
    ev = ws.wait_event("message.updated", lambda f: f["data"]["id"] == msgs[3]["id"], start=start)
    assert ev["data"]["pinned"] is False
    assert pins(member, chan["id"]) == [msgs[2]["id"], msgs[0]["id"]]


def test_at_most_100_pins(server):
    owner, member = pool(server, 2)
    group = owner.create_chat("group", member_ids=[member])
    ids = [owner.send(group["id"], f"p{i}")["id"] for i in range(101)]
    for mid in ids[:100]:
        expect(pin(owner, mid), 200)
    expect_error(pin(member, ids[100]), 409, "too_many_pins")
    assert get_msg(owner, ids[100])["pinned"] is False
    assert pins(owner, group["id"]) == ids[99::-1], "most recently pinned first, even in quick succession"
    expect(unpin(owner, ids[0]), 200)
    expect(pin(member, ids[100]), 200)
    assert pins(owner, group["id"])[0] == ids[100]


# ---------------------------------------------------------------------------------------------
# forward


def test_forward_to_another_chat(server, ws_factory):
    author, fwd, other = pool(server, 3)
    src_chat = author.create_chat("group", member_ids=[fwd])
    dst_chat = fwd.create_chat("group", member_ids=[other])
    original = author.send(src_chat["id"], "the **original** words")
    ws = ws_factory(server, other)

    body = expect(forward(fwd, original["id"], dst_chat["id"]), 201)
    assert body["chat_id"] == dst_chat["id"] and body["author_id"] == fwd.id and body["id"] != original["id"]
    assert body["text"] == original["text"]
    assert body["forwarded_from"] == {"author_id": author.id, "created_at": original["created_at"]}
    assert original["forwarded_from"] is None
    ev = ws.wait_event("message.created", lambda f: f["data"]["id"] == body["id"])
    assert ev["chat_id"] == dst_chat["id"] and ev["data"]["forwarded_from"]["author_id"] == author.id
    hist = other.history(dst_chat["id"])["messages"]
    assert [m["id"] for m in hist] == [body["id"]]
    assert hist[0]["forwarded_from"]["author_id"] == author.id
    # the source is unchanged
    assert [m["id"] for m in fwd.history(src_chat["id"])["messages"]] == [original["id"]]

    # a forward of a forward keeps the first author
    third = other.create_chat("group", member_ids=[])
    again = expect(forward(other, body["id"], third["id"]), 201)
    assert again["forwarded_from"] == {"author_id": author.id, "created_at": original["created_at"]}
    assert again["author_id"] == other.id and again["text"] == original["text"]


def test_forward_with_comment(server):
    a, b = pool(server, 2)
    src = a.create_chat("group", member_ids=[b])
    dst = a.create_chat("group", member_ids=[b])
    m = b.send(src["id"], "look at this")
    fwd = expect(forward(a, m["id"], dst["id"], comment="FYI, see below"), 201)
    assert fwd["forwarded_from"]["author_id"] == b.id
    hist = b.history(dst["id"])["messages"]
    assert len(hist) == 2, hist
    by_text = {x["text"]: x for x in hist}
    assert set(by_text) == {"FYI, see below", "look at this"}
    comment = by_text["FYI, see below"]
    assert comment["author_id"] == a.id and comment["forwarded_from"] is None
    assert by_text["look at this"]["id"] == fwd["id"]
    # an empty comment is invalid like any message text
    expect_error(forward(a, m["id"], dst["id"], comment="   "), 400, "invalid_argument")


def test_forward_permissions(server):
    a, b, stranger = pool(server, 3)
    src = a.create_chat("group", member_ids=[b])
    mine = a.create_chat("group", member_ids=[])
    theirs = b.create_chat("group", member_ids=[stranger])  # a is not in it
    secret = stranger.send(theirs["id"], "not for a")
    m = b.send(src["id"], "shareable")

    # target chat the caller is not in
    expect_error(forward(a, m["id"], theirs["id"]), 404, "chat_not_found")
    expect_error(forward(a, m["id"], MISSING_CHAT), 404, "chat_not_found")
    # a source the caller cannot see
    expect_error(forward(a, secret["id"], mine["id"]), 404, "message_not_found")
    expect_error(forward(a, MISSING_MSG, mine["id"]), 404, "message_not_found")
    # a target where the caller may not post (guest)
    ro = stranger.create_chat("channel", visibility="private")
    stranger.add_members(ro["id"], [a], role="guest")
    expect_error(forward(a, m["id"], ro["id"]), 403, "forbidden")
    # a deleted source
    gone = b.send(src["id"], "soon gone")
    expect(b.delete(f"/api/v1/messages/{gone['id']}"), 204)
    expect_error(forward(a, gone["id"], mine["id"]), 404, "message_not_found")
    # polls cannot be forwarded
    poll = expect(b.post(f"/api/v1/chats/{src['id']}/polls", json={"question": "lunch?", "options": ["yes", "no"]}),
                  201)
    expect_error(forward(a, poll["id"], mine["id"]), 400)
    # an archived target is read-only
    arch = a.create_chat("group", member_ids=[])
    expect(a.post(f"/api/v1/chats/{arch['id']}/archive"), 200)
    expect_error(forward(a, m["id"], arch["id"]), 403, "chat_archived")
    assert a.history(arch["id"])["messages"] == []
    # missing chat_id
    expect_error(a.post(f"/api/v1/messages/{m['id']}/forward", json={}), 400, "invalid_argument")
    # nothing landed anywhere
    assert a.history(mine["id"])["messages"] == []
    assert [x["id"] for x in stranger.history(theirs["id"])["messages"]] == [secret["id"]]
    assert stranger.history(ro["id"])["messages"] == []


# ---------------------------------------------------------------------------------------------
# quote


def test_quote(server, ws_factory):
    a, b = pool(server, 2)
    chat = a.create_chat("group", member_ids=[b])
    ws = ws_factory(server, a)
    q = b.send(chat["id"], "quotable *text*")
    body = expect(post(a, chat["id"], text="I agree", quote_id=q["id"]), 201)
    assert body["quote"] == {"id": q["id"], "author_id": b.id, "text": "quotable *text*", "deleted": False}
    assert body["text"] == "I agree"
    assert get_msg(b, body["id"])["quote"]["id"] == q["id"]
    hist = b.history(chat["id"])["messages"]
    assert hist[-1]["quote"]["author_id"] == b.id and hist[0]["quote"] is None
    ev = ws.wait_event("message.created", lambda f: f["data"]["id"] == body["id"])
    assert ev["data"]["quote"]["id"] == q["id"]

    # the excerpt is at most 300 characters (code points)
    long_text = "Ж" * 250 + "🎉" * 100 + "tail"
    big = b.send(chat["id"], long_text)
    quoted = expect(post(a, chat["id"], text="long one", quote_id=big["id"]), 201)["quote"]
    assert 0 < len(quoted["text"]) <= 300, len(quoted["text"])
    assert quoted["text"].startswith("Ж" * 100)
    assert "\ufffd" not in quoted["text"], "the excerpt is not cut inside a character"


def test_quote_of_other_chat_is_404(server):
    a, b = pool(server, 2)
    chat = a.create_chat("group", member_ids=[b])
    other = a.create_chat("group", member_ids=[b])  # a is a member of both
    foreign = b.send(other["id"], "elsewhere")
    expect_error(post(a, chat["id"], text="cross-quote", quote_id=foreign["id"]), 404, "message_not_found")
    expect_error(post(a, chat["id"], text="ghost", quote_id=MISSING_MSG), 404, "message_not_found")
    assert a.history(chat["id"])["messages"] == []


def test_quote_of_a_later_deleted_message(server):
    a, b = pool(server, 2)
    chat = a.create_chat("group", member_ids=[b])
    q = b.send(chat["id"], "I will regret this")
    reply = expect(post(a, chat["id"], text="quoting you", quote_id=q["id"]), 201)
    expect(b.delete(f"/api/v1/messages/{q['id']}"), 204)
    for m in (get_msg(a, reply["id"]), a.history(chat["id"])["messages"][-1]):
        assert m["id"] == reply["id"]
        assert m["quote"]["id"] == q["id"] and m["quote"]["deleted"] is True and m["quote"]["text"] == ""
    assert "regret" not in a.get(f"/api/v1/chats/{chat['id']}/messages").text
