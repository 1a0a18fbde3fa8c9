"""Polls (docs/api.md "Messages" / "Polls"): creation and validation, voting (single, multiple,
change, retract), anonymity, closing (author, chat admin, deadline), permissions and events."""

import time

import pytest

from issue3_helpers import MISSING_MSG, get_msg, pool
from veche_harness import expect, expect_error


def now_ms():
    return int(time.time() * 1000)


def create(client, chat_id, question="Where do we meet?", options=("office", "online", "cafe"), **extra):
    body = {"question": question, "options": list(options), **extra}
    return client.post(f"/api/v1/chats/{chat_id}/polls", json=body)


def vote(client, mid, options):
    return client.put(f"/api/v1/messages/{mid}/poll/vote", json={"options": options})


def close(client, mid):
    return client.post(f"/api/v1/messages/{mid}/poll/close")


def counts(msg):
    return [o["votes"] for o in msg["poll"]["options"]]


def voters(msg):
    return [sorted(o["voter_ids"]) for o in msg["poll"]["options"]]


@pytest.fixture
def room(server):
    """A fresh private channel: owner, admin, two members, a guest."""
    owner, admin, alice, bob, guest = pool(server, 5)
    chan = owner.create_chat("channel", visibility="private", member_ids=[alice, bob])
    owner.add_members(chan["id"], [admin], role="admin")
    owner.add_members(chan["id"], [guest], role="guest")
    return chan, owner, admin, alice, bob, guest


def test_create_poll(room):
    chan, owner, admin, alice, bob, guest = room
    deadline = now_ms() + 3_600_000
    msg = expect(create(alice, chan["id"], "Lunch?", ["pizza", "sushi"], deadline=deadline), 201)
    assert msg["kind"] == "poll" and msg["chat_id"] == chan["id"] and msg["author_id"] == alice.id
    p = msg["poll"]
    assert p["question"] == "Lunch?" and p["multiple"] is False and p["anonymous"] is False
    assert p["deadline"] == deadline and p["closed"] is False and p["closed_at"] is None and p["voters"] == 0
    assert p["options"] == [{"text": "pizza", "votes": 0, "voter_ids": []},
                            {"text": "sushi", "votes": 0, "voter_ids": []}]
    assert p["my_votes"] == []
    # members see it in the history and by id
    hist = bob.history(chan["id"])["messages"]
    assert [m["id"] for m in hist] == [msg["id"]] and hist[0]["poll"]["question"] == "Lunch?"
    assert get_msg(guest, msg["id"])["poll"]["options"][1]["text"] == "sushi"
    # an ordinary message has no poll
    assert owner.send(chan["id"], "plain")["poll"] is None
    # flags and client_id idempotency
    m2 = expect(create(owner, chan["id"], multiple=True, anonymous=True, client_id="poll-1"), 201)
    assert m2["poll"]["multiple"] is True and m2["poll"]["anonymous"] is True and m2["poll"]["deadline"] is None
    again = expect(create(owner, chan["id"], multiple=True, anonymous=True, client_id="poll-1"), 200)
    assert again["id"] == m2["id"]
    # 20 options and 100-character options / 300-character questions are fine
    expect(create(owner, chan["id"], "q" * 300, [f"option {i}" for i in range(20)]), 201)
    expect(create(owner, chan["id"], "long options", ["ж" * 100, "🎉" * 100]), 201)


@pytest.mark.parametrize("body", [
    {"question": "one option", "options": ["only"]},
    {"question": "no options", "options": []},
    {"question": "duplicates", "options": ["same", "same"]},
    {"question": "duplicates among others", "options": ["a", "b", "a"]},
    {"question": "too many", "options": [f"o{i}" for i in range(21)]},
    {"question": "", "options": ["a", "b"]},
    {"question": "   ", "options": ["a", "b"]},
    {"question": "q" * 301, "options": ["a", "b"]},
    {"question": "empty option", "options": ["a", ""]},
    {"question": "long option", "options": ["a", "x" * 101]},
    {"question": "past deadline", "options": ["a", "b"], "deadline": "PAST"},
    {"question": "options not strings", "options": [1, 2]},
    {"question": "no options field"},
    {"options": ["no", "question"]},
], ids=["one", "none", "dup", "dup3", "21", "empty-q", "blank-q", "long-q", "empty-opt", "long-opt", "past",
        "ints", "missing-options", "missing-question"])
def test_create_poll_validation(room, body):
    chan, owner = room[0], room[1]
    if body.get("deadline") == "PAST":
        body = dict(body, deadline=now_ms() - 1000)
    expect_error(owner.post(f"/api/v1/chats/{chan['id']}/polls", json=body), 400, "invalid_argument")
    assert all(m["kind"] != "poll" or m["poll"]["question"] != body.get("question")
               for m in owner.history(chan["id"])["messages"])


def test_vote_single_change_and_retract(server, room, ws_factory):
    chan, owner, admin, alice, bob, guest = room
    ws = ws_factory(server, guest)
    msg = expect(create(owner, chan["id"]), 201)
    mid = msg["id"]

    body = expect(vote(alice, mid, [1]), 200)
    assert counts(body) == [0, 1, 0] and body["poll"]["voters"] == 1 and body["poll"]["my_votes"] == [1]
    assert voters(body) == [[], [alice.id], []]
    ev = ws.wait_event("message.updated", lambda f: f["data"]["id"] == mid)
    assert counts(ev["data"]) == [0, 1, 0] and ev["chat_id"] == chan["id"]
    assert "my_votes" not in ev["data"]["poll"], "events go to everyone alike"

    body = expect(vote(bob, mid, [1]), 200)
    assert counts(body) == [0, 2, 0] and body["poll"]["voters"] == 2 and body["poll"]["my_votes"] == [1]
    # my_votes is per caller in REST answers
    assert get_msg(owner, mid)["poll"]["my_votes"] == []
    assert get_msg(alice, mid)["poll"]["my_votes"] == [1]

    # changing the vote replaces it
    body = expect(vote(alice, mid, [2]), 200)
    assert counts(body) == [0, 1, 1] and body["poll"]["voters"] == 2 and body["poll"]["my_votes"] == [2]
    assert voters(body) == [[], [bob.id], [alice.id]]
    ev = ws.wait_event("message.updated", lambda f: f["data"]["id"] == mid and counts(f["data"]) == [0, 1, 1])
    start = ws.snapshot().index(ev) + 1
    # [] takes it back
    body = expect(vote(alice, mid, []), 200)
    assert counts(body) == [0, 1, 0] and body["poll"]["voters"] == 1 and body["poll"]["my_votes"] == []
    ev = ws.wait_event("message.updated", lambda f: f["data"]["id"] == mid, start=start)
    assert counts(ev["data"]) == [0, 1, 0] and ev["data"]["poll"]["voters"] == 1
    # voting the same again changes nothing
    body = expect(vote(bob, mid, [1]), 200)
    assert counts(body) == [0, 1, 0]
    hist = [m for m in owner.history(chan["id"])["messages"] if m["id"] == mid][0]
    assert counts(hist) == [0, 1, 0] and hist["poll"]["my_votes"] == []


def test_vote_validation(room):
    chan, owner, admin, alice, bob, guest = room
    single = expect(create(owner, chan["id"]), 201)["id"]
    multi = expect(create(owner, chan["id"], multiple=True), 201)["id"]
    for mid, bad in ((single, [3]), (single, [-1]), (multi, [0, 3]), (single, [0, 1]), (single, [1, 1]),
                     (single, ["0"]), (single, [0.5])):
        expect_error(vote(alice, mid, bad), 400, "invalid_argument")
    expect_error(alice.put(f"/api/v1/messages/{single}/poll/vote", json={}), 400, "invalid_argument")
    expect_error(alice.put(f"/api/v1/messages/{single}/poll/vote", json={"options": 1}), 400, "invalid_argument")
    assert counts(get_msg(alice, single)) == [0, 0, 0] and counts(get_msg(alice, multi)) == [0, 0, 0]
    # voting on a message that is not a poll
    plain = owner.send(chan["id"], "not a poll")
    r = vote(alice, plain["id"], [0])
    assert r.status_code in (400, 404), r.text
    expect_error(vote(alice, MISSING_MSG, [0]), 404, "message_not_found")


def test_vote_multiple(room):
    chan, owner, admin, alice, bob, guest = room
    mid = expect(create(owner, chan["id"], options=["a", "b", "c", "d"], multiple=True), 201)["id"]
    body = expect(vote(alice, mid, [0, 2, 3]), 200)
    assert counts(body) == [1, 0, 1, 1] and body["poll"]["voters"] == 1
    assert sorted(body["poll"]["my_votes"]) == [0, 2, 3]
    body = expect(vote(bob, mid, [2]), 200)
    assert counts(body) == [1, 0, 2, 1] and body["poll"]["voters"] == 2
    body = expect(vote(alice, mid, [1, 2]), 200)  # replaces all of alice's choices
    assert counts(body) == [0, 1, 2, 0] and sorted(body["poll"]["my_votes"]) == [1, 2]
    assert voters(body) == [[], [alice.id], sorted([alice.id, bob.id]), []]


def test_anonymous_poll_hides_voters(server, room, ws_factory):
    chan, owner, admin, alice, bob, guest = room
    ws = ws_factory(server, owner)
    mid = expect(create(owner, chan["id"], anonymous=True), 201)["id"]
    expect(vote(alice, mid, [0]), 200)
    body = expect(vote(bob, mid, [0]), 200)
    assert counts(body) == [2, 0, 0] and body["poll"]["voters"] == 2
    assert body["poll"]["my_votes"] == [0], "the caller still sees their own vote"
    for m in (body, get_msg(owner, mid), [x for x in owner.history(chan["id"])["messages"] if x["id"] == mid][0]):
        assert all("voter_ids" not in o for o in m["poll"]["options"]), m["poll"]
    ev = ws.wait_event("message.updated", lambda f: f["data"]["id"] == mid and f["data"]["poll"]["voters"] == 2)
    assert all("voter_ids" not in o for o in ev["data"]["poll"]["options"])
    assert alice.id not in str(ev["data"]["poll"]) and bob.id not in str(ev["data"]["poll"])


def test_close_permissions(room):
    chan, owner, admin, alice, bob, guest = room
    by_author = expect(create(alice, chan["id"]), 201)["id"]
    by_admin = expect(create(alice, chan["id"]), 201)["id"]
    by_owner = expect(create(alice, chan["id"]), 201)["id"]
    expect(vote(bob, by_author, [0]), 200)
    for who in (bob, guest):
        expect_error(close(who, by_author), 403, "forbidden")
    assert get_msg(bob, by_author)["poll"]["closed"] is False

    t0 = now_ms()
    body = expect(close(alice, by_author), 200)
    p = body["poll"]
    assert p["closed"] is True and isinstance(p["closed_at"], int) and p["closed_at"] >= t0 - 1000
    assert counts(body) == [1, 0, 0], "closing keeps the results"
    assert expect(close(admin, by_admin), 200)["poll"]["closed"] is True
    assert expect(close(owner, by_owner), 200)["poll"]["closed"] is True

    for mid in (by_author, by_admin):
        expect_error(vote(bob, mid, [1]), 409, "poll_closed")
        expect_error(vote(bob, mid, []), 409, "poll_closed")
    assert counts(get_msg(bob, by_author)) == [1, 0, 0]
    assert get_msg(bob, by_author)["poll"]["my_votes"] == [0]


def test_close_emits_update(server, room, ws_factory):
    chan, owner, admin, alice, bob, guest = room
    ws = ws_factory(server, bob)
    mid = expect(create(alice, chan["id"]), 201)["id"]
    expect(close(alice, mid), 200)
    ev = ws.wait_event("message.updated", lambda f: f["data"]["id"] == mid)
    assert ev["data"]["poll"]["closed"] is True and isinstance(ev["data"]["poll"]["closed_at"], int)


def test_deadline_closes_the_poll(room):
    chan, owner, admin, alice, bob, guest = room
    deadline = now_ms() + 2000
    mid = expect(create(owner, chan["id"], deadline=deadline), 201)["id"]
    expect(vote(alice, mid, [2]), 200)
    assert get_msg(alice, mid)["poll"]["closed"] is False
    time.sleep(max(0.0, (deadline - now_ms()) / 1000 + 0.2))
    expect_error(vote(bob, mid, [0]), 409, "poll_closed")
    expect_error(vote(alice, mid, []), 409, "poll_closed")
    got = get_msg(bob, mid)
    assert got["poll"]["closed"] is True, "past its deadline a poll is closed"
    assert counts(got) == [0, 0, 1]


def test_guests_and_outsiders(server, room):
    chan, owner, admin, alice, bob, guest = room
    outsider = pool(server, 6)[5]
    mid = expect(create(owner, chan["id"]), 201)["id"]
    expect_error(vote(guest, mid, [0]), 403, "forbidden")
    expect_error(create(guest, chan["id"]), 403, "forbidden")
    expect_error(close(guest, mid), 403, "forbidden")
    expect_error(vote(outsider, mid, [0]), 404, "message_not_found")
    expect_error(close(outsider, mid), 404, "message_not_found")
    expect_error(create(outsider, chan["id"]), 404, "chat_not_found")
    got = get_msg(owner, mid)
    assert counts(got) == [0, 0, 0] and got["poll"]["closed"] is False
    assert [m["kind"] for m in owner.history(chan["id"])["messages"]] == ["poll"]


def test_archived_chat_takes_no_new_polls(room):
    chan, owner, admin, alice, bob, guest = room
    expect(owner.post(f"/api/v1/chats/{chan['id']}/archive"), 200)
    expect_error(create(alice, chan["id"]), 403, "chat_archived")
    assert owner.history(chan["id"])["messages"] == []
