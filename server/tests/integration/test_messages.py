"""Messages: post, idempotency, history paging, edit/versions, soft delete/restore, immutable history,
reactions and text limits (docs/api.md "Messages")."""

import threading
import time
import urllib.parse

import pytest

from veche_harness import expect, expect_error, uniq

THUMBS = "\U0001F44D"  # 👍
PARTY = "\U0001F389"  # 🎉
FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467"  # 👨‍👩‍👧, 18 bytes


def q(emoji):
    return urllib.parse.quote(emoji, safe="")


@pytest.fixture
def room(make_user):
    """A private channel with an owner, two members and (as a plain member) the system admin."""
    owner, alice, bob = make_user(), make_user(), make_user()
    chan = owner.create_chat("channel", visibility="private", member_ids=[alice, bob])
    return chan, owner, alice, bob


def with_sysadmin(server, chan, owner):
    admin = server.admin()
    owner.add_members(chan["id"], [admin])
    return admin


def test_post_message(room):
    chan, owner, alice, _ = room
    text = "**hi** _there_ <script>alert(1)</script>\n`code` & \"quotes\" — юникод 🎉"
    before = int(time.time() * 1000)
    r = alice.post(f"/api/v1/chats/{chan['id']}/messages", json={"text": text, "client_id": "c-1"})
    msg = expect(r, 201)
    assert msg["text"] == text, "text is kept as written"
    assert msg["chat_id"] == chan["id"] and msg["author_id"] == alice.id and msg["client_id"] == "c-1"
    assert isinstance(msg["id"], str) and msg["id"].isdigit()
    assert isinstance(msg["created_at"], int) and abs(msg["created_at"] - before) < 60_000
    assert msg["edited_at"] is None and msg["deleted"] is False and msg["reactions"] == []
    got = expect(owner.get(f"/api/v1/messages/{msg['id']}"), 200)
    assert got["text"] == text and got["id"] == msg["id"] and got["author_id"] == alice.id
    # surrounding whitespace is kept too
    padded = alice.send(chan["id"], "  padded  ")
    assert padded["text"] == "  padded  "
    # chat metadata follows
    c = expect(owner.get(f"/api/v1/chats/{chan['id']}"), 200)
    assert c["last_message"]["id"] == padded["id"] and c["last_message"]["text"] == "  padded  "
    assert c["last_activity_at"] >= padded["created_at"]


def test_client_id_is_idempotent(room):
    chan, owner, alice, bob = room
    path = f"/api/v1/chats/{chan['id']}/messages"
    first = expect(alice.post(path, json={"text": "only once", "client_id": "dup-1"}), 201)
    again = expect(alice.post(path, json={"text": "only once", "client_id": "dup-1"}), 200)
    assert again["id"] == first["id"] and again["text"] == "only once"
    changed = expect(alice.post(path, json={"text": "different text", "client_id": "dup-1"}), 200)
    assert changed["id"] == first["id"] and changed["text"] == "only once", "the original message is returned"
    hist = alice.history(chan["id"])["messages"]
    assert [m["id"] for m in hist] == [first["id"]], "posted exactly once"

    # per author and per chat
    other = expect(bob.post(path, json={"text": "bob's", "client_id": "dup-1"}), 201)
    assert other["id"] != first["id"]
    chan2 = owner.create_chat("channel", visibility="private", member_ids=[alice])
    elsewhere = expect(alice.post(f"/api/v1/chats/{chan2['id']}/messages", json={"text": "x", "client_id": "dup-1"}),
                       201)
    assert elsewhere["id"] != first["id"]

    # client_id <= 64 bytes
    expect(alice.post(path, json={"text": "64", "client_id": "k" * 64}), 201)
    expect(alice.post(path, json={"text": "64b", "client_id": "é" * 32}), 201)
    expect_error(alice.post(path, json={"text": "65", "client_id": "k" * 65}), 400, "invalid_argument")
    expect_error(alice.post(path, json={"text": "66b", "client_id": "é" * 33}), 400, "invalid_argument")


def test_client_id_concurrent_duplicates(room):
    chan, _, alice, _ = room
    path = f"/api/v1/chats/{chan['id']}/messages"
    for attempt in range(3):
        cid = uniq("race-")
        clients = [alice.clone() for _ in range(4)]
        results = [None] * 4
        barrier = threading.Barrier(4)

        def worker(i):
            barrier.wait()
            results[i] = clients[i].post(path, json={"text": f"race {attempt}", "client_id": cid})

        ts = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 200, 200, 201], f"one creation, the rest replays: {codes}"
        assert len({r.json()["id"] for r in results}) == 1
    texts = [m["text"] for m in alice.history(chan["id"])["messages"]]
    assert texts == ["race 0", "race 1", "race 2"]


def test_history_pagination(room):
    chan, owner, _, _ = room
    ids = [owner.send(chan["id"], f"m{i:03d}")["id"] for i in range(120)]
    assert [int(i) for i in ids] == sorted(int(i) for i in ids), "ids are time-ordered"

    def page(**params):
        body = owner.history(chan["id"], **params)
        got = [m["id"] for m in body["messages"]]
        assert [int(i) for i in got] == sorted(int(i) for i in got), "oldest first"
        return got, body["has_more"]

    assert page() == (ids[70:], True), "newest page, default limit 50"
    assert page(limit=200) == (ids, False)
    assert page(limit=120) == (ids, False)
    assert page(limit=1) == (ids[-1:], True)
    assert page(before=ids[70]) == (ids[20:70], True)
    assert page(before=ids[20]) == (ids[:20], False)
    assert page(before=ids[0]) == ([], False)
    assert page(after=ids[0]) == (ids[1:51], True)
    assert page(after=ids[69], limit=50) == (ids[70:], False)
    assert page(after=ids[59], limit=10) == (ids[60:70], True)
    assert page(after=ids[-1]) == ([], False)
    assert page(before=ids[100], limit=200) == (ids[:100], False)
    # walking backwards page by page covers everything exactly once
    seen, cursor = [], None
    while True:
        got, more = page(limit=17, **({"before": cursor} if cursor else {}))
        seen = got + seen
        if not more:
            break
        cursor = got[0]
    assert seen == ids
    # walking forwards
    seen, cursor = [], "0"
    while True:
        got, more = page(limit=33, after=cursor)
        seen += got
        if not more:
            break
        cursor = got[-1]
    assert seen == ids
    msgs = owner.history(chan["id"], limit=3)["messages"]
    assert [m["text"] for m in msgs] == ["m117", "m118", "m119"]
    for bad in ({"limit": 0}, {"limit": 201}, {"limit": "abc"}, {"limit": -1}, {"before": "abc"},
                {"after": "x1"}):
        expect_error(owner.get(f"/api/v1/chats/{chan['id']}/messages", params=bad), 400, "invalid_argument")


def test_edit_and_versions(server, room):
    chan, owner, alice, bob = room
    admin = with_sysadmin(server, chan, owner)
    msg = alice.send(chan["id"], "v1")
    time.sleep(0.002)
    body = expect(alice.patch(f"/api/v1/messages/{msg['id']}", json={"text": "v2"}), 200)
    assert body["text"] == "v2" and body["id"] == msg["id"]
    assert isinstance(body["edited_at"], int) and body["edited_at"] >= msg["created_at"]
    expect(alice.patch(f"/api/v1/messages/{msg['id']}", json={"text": "v3 **final**"}), 200)
    got = expect(bob.get(f"/api/v1/messages/{msg['id']}"), 200)
    assert got["text"] == "v3 **final**" and got["edited_at"] is not None
    assert [m["text"] for m in bob.history(chan["id"])["messages"]] == ["v3 **final**"], "edit does not add messages"

    # author only
    expect_error(owner.patch(f"/api/v1/messages/{msg['id']}", json={"text": "owner edit"}), 403, "forbidden")
    expect_error(bob.patch(f"/api/v1/messages/{msg['id']}", json={"text": "bob edit"}), 403, "forbidden")
    expect_error(alice.patch(f"/api/v1/messages/{msg['id']}", json={"text": "   "}), 400, "invalid_argument")
    expect_error(alice.patch(f"/api/v1/messages/{msg['id']}", json={}), 400, "invalid_argument")

    # versions: system admins only
    versions = expect(admin.get(f"/api/v1/messages/{msg['id']}/versions"), 200)["versions"]
    assert [v["text"] for v in versions] == ["v1", "v2", "v3 **final**"], versions
    for v in versions:
        assert isinstance(v["created_at"], int) and v["editor_id"] == alice.id
    assert [v["created_at"] for v in versions] == sorted(v["created_at"] for v in versions)
    for who in (alice, owner, bob):
        expect_error(who.get(f"/api/v1/messages/{msg['id']}/versions"), 403, "forbidden")


def test_soft_delete_and_restore(server, room):
    chan, owner, alice, bob = room
    admin = with_sysadmin(server, chan, owner)
    keep = alice.send(chan["id"], "stays")
    msg = alice.send(chan["id"], "secret text")
    expect_error(bob.delete(f"/api/v1/messages/{msg['id']}"), 403, "forbidden")
    expect(alice.delete(f"/api/v1/messages/{msg['id']}"), 204)

    got = expect(bob.get(f"/api/v1/messages/{msg['id']}"), 200)
    assert got["deleted"] is True and got["text"] == ""
    assert got["id"] == msg["id"] and got["chat_id"] == chan["id"] and got["author_id"] == alice.id
    assert got["created_at"] == msg["created_at"]
    hist = bob.history(chan["id"])["messages"]
    assert [(m["id"], m["deleted"], m["text"]) for m in hist] == [(keep["id"], False, "stays"),
                                                                  (msg["id"], True, "")]
    assert "secret text" not in bob.get(f"/api/v1/chats/{chan['id']}/messages").text
    # admins see the text only with include_deleted=true; others may not ask
    plain = {m["id"]: m for m in admin.history(chan["id"])["messages"]}
    assert plain[msg["id"]]["text"] == ""
    full = {m["id"]: m for m in admin.history(chan["id"], include_deleted="true")["messages"]}
    assert full[msg["id"]]["text"] == "secret text" and full[msg["id"]]["deleted"] is True
    for who in (bob, alice, owner):
        expect_error(who.get(f"/api/v1/chats/{chan['id']}/messages", params={"include_deleted": "true"}), 403,
                     "forbidden")

    # restore: system admins only
    expect_error(alice.post(f"/api/v1/messages/{msg['id']}/restore"), 403, "forbidden")
    expect_error(owner.post(f"/api/v1/messages/{msg['id']}/restore"), 403, "forbidden")
    restored = expect(admin.post(f"/api/v1/messages/{msg['id']}/restore"), 200)
    assert restored["deleted"] is False and restored["text"] == "secret text"
    got = expect(bob.get(f"/api/v1/messages/{msg['id']}"), 200)
    assert got["deleted"] is False and got["text"] == "secret text"

    # owner/admin of the chat and the system admin may delete others' messages
    expect(owner.delete(f"/api/v1/messages/{msg['id']}"), 204)
    other = bob.send(chan["id"], "bob says")
    expect(admin.delete(f"/api/v1/messages/{other['id']}"), 204)
    assert expect(alice.get(f"/api/v1/messages/{other['id']}"), 200)["deleted"] is True


def test_immutable_history(server, make_user):
    owner, member = make_user(), make_user()
    admin = server.admin()
    frozen = owner.create_chat("channel", visibility="private", member_ids=[member, admin],
                               immutable_after_minutes=0)
    msg = member.send(frozen["id"], "we agreed on 42")
    expect_error(member.patch(f"/api/v1/messages/{msg['id']}", json={"text": "we agreed on 43"}), 403,
                 "immutable_history")
    expect_error(member.delete(f"/api/v1/messages/{msg['id']}"), 403, "immutable_history")
    expect_error(owner.delete(f"/api/v1/messages/{msg['id']}"), 403, "immutable_history")
    expect_error(admin.delete(f"/api/v1/messages/{msg['id']}"), 403, "immutable_history")
    got = expect(member.get(f"/api/v1/messages/{msg['id']}"), 200)
    assert got["text"] == "we agreed on 42" and got["deleted"] is False and got["edited_at"] is None

    window = owner.create_chat("channel", visibility="private", member_ids=[member], immutable_after_minutes=5)
    fresh = member.send(window["id"], "typo")
    assert expect(member.patch(f"/api/v1/messages/{fresh['id']}", json={"text": "fixed"}), 200)["text"] == "fixed"
    expect(member.delete(f"/api/v1/messages/{fresh['id']}"), 204)

    # tightening applies to messages already posted
    loose = owner.create_chat("channel", visibility="private", member_ids=[member])
    old = member.send(loose["id"], "before the freeze")
    expect(owner.patch(f"/api/v1/chats/{loose['id']}", json={"immutable_after_minutes": 0}), 200)
    expect_error(member.patch(f"/api/v1/messages/{old['id']}", json={"text": "after"}), 403, "immutable_history")


def test_reactions(room):
    chan, owner, alice, bob = room
    msg = owner.send(chan["id"], "react to me")
    mid = msg["id"]

    body = expect(alice.put(f"/api/v1/messages/{mid}/reactions/{q(THUMBS)}"), 200)
    assert body["id"] == mid
    assert body["reactions"] == [{"emoji": THUMBS, "count": 1, "user_ids": [alice.id], "me": True}]
    body = expect(bob.put(f"/api/v1/messages/{mid}/reactions/{q(THUMBS)}"), 200)
    (r,) = body["reactions"]
    assert r["emoji"] == THUMBS and r["count"] == 2 and sorted(r["user_ids"]) == sorted([alice.id, bob.id])
    assert r["me"] is True
    # idempotent PUT
    body = expect(bob.put(f"/api/v1/messages/{mid}/reactions/{q(THUMBS)}"), 200)
    assert body["reactions"][0]["count"] == 2
    # "me" is per caller
    assert expect(alice.get(f"/api/v1/messages/{mid}"), 200)["reactions"][0]["me"] is True
    assert expect(owner.get(f"/api/v1/messages/{mid}"), 200)["reactions"][0]["me"] is False

    expect(bob.put(f"/api/v1/messages/{mid}/reactions/{q(PARTY)}"), 200)
    body = expect(owner.put(f"/api/v1/messages/{mid}/reactions/{q(FAMILY)}"), 200)
    by_emoji = {x["emoji"]: x for x in body["reactions"]}
    assert set(by_emoji) == {THUMBS, PARTY, FAMILY}
    assert by_emoji[PARTY]["count"] == 1 and by_emoji[PARTY]["me"] is False
    assert by_emoji[FAMILY]["me"] is True
    hist = owner.history(chan["id"])["messages"]
    assert {x["emoji"] for x in hist[-1]["reactions"]} == {THUMBS, PARTY, FAMILY}

    body = expect(alice.delete(f"/api/v1/messages/{mid}/reactions/{q(THUMBS)}"), 200)
    t = {x["emoji"]: x for x in body["reactions"]}[THUMBS]
    assert t["count"] == 1 and t["user_ids"] == [bob.id] and t["me"] is False
    body = expect(bob.delete(f"/api/v1/messages/{mid}/reactions/{q(THUMBS)}"), 200)
    assert THUMBS not in {x["emoji"] for x in body["reactions"]}, "a reaction nobody holds disappears"
    # removing a reaction one does not hold changes nothing
    body = expect(alice.delete(f"/api/v1/messages/{mid}/reactions/{q(PARTY)}"), 200)
    assert {x["emoji"]: x["count"] for x in body["reactions"]} == {PARTY: 1, FAMILY: 1}

    # 1..32 bytes
    expect(alice.put(f"/api/v1/messages/{mid}/reactions/{q(chr(0x1F600) * 8)}"), 200)  # 32 bytes
    expect_error(alice.put(f"/api/v1/messages/{mid}/reactions/{q(chr(0x1F600) * 9)}"), 400, "invalid_argument")
    expect_error(alice.put("/api/v1/messages/999999999999/reactions/" + q(THUMBS)), 404, "message_not_found")


def test_text_limits(room):
    chan, owner, _, _ = room
    path = f"/api/v1/chats/{chan['id']}/messages"
    astral = "\U0001F600" * 16000  # 16,000 code points, 64,000 bytes
    assert owner.send(chan["id"], astral)["text"] == astral
    assert owner.send(chan["id"], "a" * 16000)["text"] == "a" * 16000
    cyr = "я" * 16000
    assert owner.send(chan["id"], cyr)["text"] == cyr
    expect_error(owner.post(path, json={"text": "a" * 16001}), 400, "invalid_argument")
    expect_error(owner.post(path, json={"text": "\U0001F600" * 16001}), 400, "invalid_argument")
    for empty in ("", " ", "   \n\t  ", "\n\n"):
        err = expect_error(owner.post(path, json={"text": empty}), 400, "invalid_argument")
        assert "text" in err["message"], err
    expect_error(owner.post(path, json={}), 400, "invalid_argument")
    expect_error(owner.post(path, json={"client_id": "no-text"}), 400, "invalid_argument")
    m = owner.send(chan["id"], "short")
    expect_error(owner.patch(f"/api/v1/messages/{m['id']}", json={"text": "a" * 16001}), 400, "invalid_argument")
    assert expect(owner.patch(f"/api/v1/messages/{m['id']}", json={"text": astral}), 200)["text"] == astral
    assert len(owner.history(chan["id"])["messages"]) == 4
