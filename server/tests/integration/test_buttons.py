"""Buttons on bots' messages and the clicks on them (docs/api.md, "Buttons and interactions").

Only server-side modules post buttons, so these tests run veche_test_server: the server with the
fixture bot module (server/tests/fixtures/modules/bot) after its own modules. Its route
POST /api/v1/fixture-bot/messages posts as the bot user "fixturebot" (or "fixturebot2", which has no
handler), and GET /api/v1/fixture-bot/interactions lists what the bot's handler received."""

import os
import threading

import pytest

from veche_harness import (STORAGE, VECHE_BIN, Client, Server, WsClient, drop_pg_database, expect, expect_error,
                            make_user, new_pg_database)

TEST_SERVER_BIN = os.environ.get("VECHE_TEST_SERVER_BIN",
                                 os.path.join(os.path.dirname(VECHE_BIN), "veche_test_server"))


@pytest.fixture(scope="module")
def bot_server():
    srv = Server(binary=TEST_SERVER_BIN)
    srv.start()
    yield srv
    srv.cleanup()


@pytest.fixture
def room(bot_server):
    """A private channel of an owner and a member, and an outsider."""
    owner, member, outsider = (make_user(bot_server) for _ in range(3))
    chat = owner.create_chat(type="channel", visibility="private", member_ids=[member])
    return owner, member, outsider, chat["id"]


def bot_post(client, chat_id, buttons, text="Approve the route?", **extra):
    return client.post("/api/v1/fixture-bot/messages",
                       json={"chat_id": chat_id, "text": text, "buttons": buttons, **extra})


def click(client, mid, row=0, col=0):
    return client.post(f"/api/v1/messages/{mid}/interactions", json={"row": row, "col": col})


def interactions(client, mid=None):
    got = expect(client.get("/api/v1/fixture-bot/interactions"), 200)["interactions"]
    return [i for i in got if mid is None or i["message_id"] == mid]


APPROVE = [[{"label": "Approve", "command": "/approve", "data": {"route": 42}, "silent": True},
            {"label": "Open", "link": "https://example.org/route/42"}],
           [{"label": "Reject", "command": "/reject", "data": {"route": 42}}]]


def test_buttons_are_stored_and_shown_in_history_and_events(bot_server, room):
    owner, member, _, chat_id = room
    ws = WsClient(bot_server, member)
    try:
        m = expect(bot_post(owner, chat_id, APPROVE), 201)
        assert m["buttons"][0][0] == {"label": "Approve", "command": "/approve", "data": {"route": 42},
                                      "silent": True, "alert": None}
        assert m["buttons"][0][1]["link"] == "https://example.org/route/42"
        assert "command" not in m["buttons"][0][1]
        assert m["buttons"][1][0]["silent"] is False
        ev = ws.wait_event("message.created", lambda f: f["data"]["id"] == m["id"])
        assert ev["data"]["buttons"] == m["buttons"]
    finally:
        ws.close()
    hist = member.history(chat_id)["messages"]
    assert [x["buttons"] for x in hist if x["id"] == m["id"]] == [m["buttons"]]
    # an ordinary message carries no buttons field
    plain = member.send(chat_id, "hello")
    assert "buttons" not in plain


def test_public_post_refuses_buttons(bot_server, room):
    owner, _, _, chat_id = room
    r = owner.post(f"/api/v1/chats/{chat_id}/messages",
                   json={"text": "sneaky", "buttons": [[{"label": "x", "command": "/x"}]]})
    expect_error(r, 400, "buttons_not_allowed")


@pytest.mark.parametrize("buttons", [
    [[{"label": "x"}]],                                              # neither command nor link
    [[{"label": "x", "command": "/x", "link": "https://a.b"}]],      # both
    [[{"label": "x" * 65, "command": "/x"}]],                        # label too long
    [[{"label": "x", "link": "javascript:alert(1)"}]],               # not http(s) or an app path
    [[{"label": "x", "link": "//evil.example"}]],                    # protocol-relative
    [[{"label": str(i), "command": "/x"} for i in range(6)]],        # 6 in a row
    [[{"label": "x", "command": "/x"}]] * 6,                         # 6 rows
    [[]],                                                            # an empty row
    [[{"label": "x", "command": "/x", "data": {"k": "v" * 5000}}]],  # data over 4 KiB
    [[{"label": "x", "command": "/x", "data": [1]}]],                # data not an object
])
def test_bad_buttons_are_refused(bot_server, room, buttons):
    owner, _, _, chat_id = room
    expect_error(bot_post(owner, chat_id, buttons), 400, "invalid_buttons")


def test_a_click_delivers_one_interaction_with_the_buttons_data(bot_server, room):
    owner, member, _, chat_id = room
    m = expect(bot_post(owner, chat_id, APPROVE), 201)
    r = expect(click(member, m["id"], 0, 0), 200)
    assert r["repeated"] is False and r["alert"].startswith("got /approve #")
    assert r["message"]["id"] == m["id"]
    got = interactions(member, m["id"])
    assert len(got) == 1
    i = got[0]
    bot_id = expect(member.get("/api/v1/fixture-bot/interactions"), 200)["bot_id"]
    assert i["bot_id"] == bot_id == m["author_id"]
    assert i["user_id"] == member.id and i["chat_id"] == chat_id and i["command"] == "/approve"
    assert i["data"] == {"route": 42} and i["id"] == r["interaction_id"]
    # a second click soon after: the first answer, nothing delivered
    again = expect(click(member, m["id"], 0, 0), 200)
    assert again["repeated"] is True and again["alert"] == r["alert"]
    assert again["interaction_id"] == r["interaction_id"]
    assert len(interactions(member, m["id"])) == 1
    # another user's click is an interaction of its own
    r2 = expect(click(owner, m["id"], 0, 0), 200)
    assert r2["repeated"] is False
    assert len(interactions(member, m["id"])) == 2


def test_a_concurrent_double_click_delivers_once(bot_server, room):
    owner, member, _, chat_id = room
    slow = [[{"label": "Slow", "command": "/slow", "data": {"sleep_ms": 700}, "silent": True}]]
    m = expect(bot_post(owner, chat_id, slow), 201)
    answers = [None, None]

    def go(i):
        answers[i] = click(member.clone(), m["id"])

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bodies = [expect(a, 200) for a in answers]
    assert bodies[0]["alert"] == bodies[1]["alert"]
    assert bodies[0]["interaction_id"] == bodies[1]["interaction_id"]
    assert sorted(b["repeated"] for b in bodies) == [False, True]
    assert len(interactions(member, m["id"])) == 1


def test_who_may_click_and_what(bot_server, room):
    owner, member, outsider, chat_id = room
    m = expect(bot_post(owner, chat_id, APPROVE), 201)
    expect_error(click(outsider, m["id"]), 404, "message_not_found")
    expect_error(click(member, m["id"], 0, 5), 400, "bad_button")
    expect_error(click(member, m["id"], 3, 0), 400, "bad_button")
    expect_error(click(member, m["id"], 0, 1), 400, "link_button")
    expect_error(member.post(f"/api/v1/messages/{m['id']}/interactions", json={"row": 0}), 400)
    plain = member.send(chat_id, "no buttons here")
    expect_error(click(member, plain["id"]), 400, "no_buttons")
    expect_error(click(member, "123456789"), 404, "message_not_found")
    assert interactions(member, m["id"]) == []
    # a bot whose module registered no handler
    m2 = expect(bot_post(owner, chat_id, APPROVE, bot="unhandled"), 201)
    expect_error(click(member, m2["id"]), 409, "bot_unavailable")


def test_silent_and_echoed_clicks(bot_server, room):
    owner, member, _, chat_id = room
    m = expect(bot_post(owner, chat_id, APPROVE), 201)
    before = len(member.history(chat_id)["messages"])
    expect(click(member, m["id"], 0, 0), 200)  # silent: no echo
    assert len(member.history(chat_id)["messages"]) == before
    expect(click(member, m["id"], 1, 0), 200)  # not silent: the label, as the clicking user
    msgs = member.history(chat_id)["messages"]
    assert len(msgs) == before + 1
    echo = msgs[-1]
    assert echo["text"] == "Reject" and echo["author_id"] == member.id


def test_the_bot_edits_the_message_visible_in_history_and_events(bot_server, room):
    owner, member, _, chat_id = room
    done = [[{"label": "Done", "command": "/done", "silent": True}]]
    buttons = [[{"label": "Finish", "command": "/finish", "silent": True,
                 "data": {"edit_text": "Route 42 approved", "edit_buttons": done}}]]
    m = expect(bot_post(owner, chat_id, buttons), 201)
    ws = WsClient(bot_server, member)
    try:
        r = expect(click(member, m["id"]), 200)
        assert r["message"]["text"] == "Route 42 approved"
        assert r["message"]["buttons"][0][0]["label"] == "Done"
        ev = ws.wait_event("message.updated", lambda f: f["data"]["id"] == m["id"])
        assert ev["data"]["text"] == "Route 42 approved"
        assert ev["data"]["buttons"][0][0]["command"] == "/done"
    finally:
        ws.close()
    got = [x for x in member.history(chat_id)["messages"] if x["id"] == m["id"]][0]
    assert got["text"] == "Route 42 approved" and got["buttons"][0][0]["label"] == "Done"
    # the old button is gone: its index now names the new one
    r2 = expect(click(member, m["id"]), 200)
    assert r2["alert"].startswith("got /done")


def test_a_failing_bot_delivers_again_on_the_next_click(bot_server, room):
    owner, member, _, chat_id = room
    m = expect(bot_post(owner, chat_id, [[{"label": "Boom", "command": "/boom", "data": {"fail": True},
                                            "silent": True}]]), 201)
    expect_error(click(member, m["id"]), 409, "bot_failed")
    expect_error(click(member, m["id"]), 409, "bot_failed")  # not a repeat of a stored answer


def test_a_buttons_own_alert_is_the_default_answer(bot_server, room):
    owner, member, _, chat_id = room
    m = expect(bot_post(owner, chat_id, [[{"label": "Hi", "command": "/hi", "alert": "Thanks!",
                                            "data": {"no_alert": True}, "silent": True}]]), 201)
    assert expect(click(member, m["id"]), 200)["alert"] == "Thanks!"


@pytest.mark.skipif(STORAGE != "postgresql", reason="two nodes share PostgreSQL (the PostgreSQL pass runs it)")
def test_a_double_click_on_two_nodes_sharing_postgresql_delivers_once(tmp_path):
    db = new_pg_database()
    files = str(tmp_path / "files")
    nodes = []
    try:
        for _ in range(2):  # one at a time: the first applies the migrations and creates the administrator
            nodes.append(Server(binary=TEST_SERVER_BIN, storage=db, data_dir=files).start())
        a, b = nodes
        owner, member = make_user(a), make_user(a)
        chat = owner.create_chat(type="channel", visibility="private", member_ids=[member])
        slow = [[{"label": "Slow", "command": "/slow", "data": {"sleep_ms": 700}, "silent": True}]]
        m = expect(bot_post(owner, chat["id"], slow), 201)
        on_b = Client(b, token=member.token, user=member.user)
        expect(on_b.get("/api/v1/fixture-bot/interactions"), 200)  # b's fixture finds the bot users
        answers = [None, None]

        def go(i, client):
            answers[i] = click(client, m["id"])

        threads = [threading.Thread(target=go, args=(0, member.clone())),
                   threading.Thread(target=go, args=(1, on_b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bodies = [expect(x, 200) for x in answers]
        assert bodies[0]["interaction_id"] == bodies[1]["interaction_id"]
        assert bodies[0]["alert"] == bodies[1]["alert"]
        assert sorted(x["repeated"] for x in bodies) == [False, True]
        delivered = interactions(member, m["id"]) + interactions(on_b, m["id"])
        assert len(delivered) == 1
    finally:
        for node in nodes:
            node.cleanup()
        drop_pg_database(db)
