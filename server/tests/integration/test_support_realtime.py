"""Support desk, realtime and the widget's transport (issue 13; MODULES.md §2.7 item 10 for events): the
support.* events reach exactly the agents the REST rule lets see the conversation, follow scope and team
changes live, carry no message text, and never reach a visitor; CORS answers the widget's routes only."""

import time

import pytest
import websocket

from objects_helpers import grant, role_id
from support_helpers import Desk
from veche_harness import Client, expect, expect_error, wait_until

KINDS = ("support.conversation.created", "support.conversation.status_changed", "support.conversation.assigned",
         "support.conversation.message")


def conversation_of(frame):
    data = frame["data"]
    return data["conversation"]["id"] if "conversation" in data else data["conversation_id"]


def heard(ws, kind=None):
    """The conversations `ws` has heard of (after a ping: everything sent before it has arrived)."""
    ws.ping()
    return {conversation_of(f) for f in ws.events() if f["kind"].startswith("support.conversation.")
            and (kind is None or f["kind"] == kind)}


def test_events_reach_exactly_the_agents_who_may_see_the_conversation(server, admin_client, make_user, ws_factory):
    desk = Desk(admin_client, make_user, agents=1, scope="all")
    other = Desk(admin_client, make_user, agents=1, scope="all")
    watcher = desk.new_agent("assigned")  # in no team: sees only what is assigned to them
    team_agent = desk.new_agent("team")
    desk.agents.append(team_agent)
    desk.capacity[team_agent.id] = 5  # offline: never picked by the engine
    desk.set_members()
    everyone = desk.new_agent("all")
    ws = {name: ws_factory(server, who.token) for name, who in
          (("watcher", watcher), ("team", team_agent), ("all", everyone), ("admin", admin_client))}

    v1 = desk.visitor(server)
    c1 = v1.say("Не приходит билет", name="Анна")["conversation"]
    v2 = other.visitor(server)
    c2 = v2.say("Вопрос по счёту")["conversation"]
    ev = ws["all"].wait_event("support.conversation.created", lambda f: f["data"]["conversation"]["id"] == c2["id"])
    assert ev["topic"] == "support_desk:1" and ev["data"]["conversation"]["number"] == c2["number"]
    assert heard(ws["team"]) == {c1["id"]}
    assert ws["team"].events("support.conversation.created")[0]["topic"] == f"support_team:{desk.team['id']}"
    assert heard(ws["watcher"]) == set()

    # Assigned to the watcher: from now on they hear of it, and only of it.
    expect(admin_client.post(f"/api/v1/support/conversations/{c2['id']}/assign", json={"agent_id": watcher.id}), 200)
    ws["watcher"].wait_event("support.conversation.assigned", lambda f: conversation_of(f) == c2["id"])
    v2.say("Есть новости?")
    msg = ws["watcher"].wait_event("support.conversation.message", lambda f: conversation_of(f) == c2["id"])
    assert msg["data"]["direction"] == "incoming" and "text" not in msg["data"]
    expect(desk.agents[0].post(f"/api/v1/support/conversations/{c1['id']}/notes", json={"text": "секрет-заметка"}), 201)
    note = ws["team"].wait_event("support.conversation.message",
                                 lambda f: conversation_of(f) == c1["id"] and f["data"]["direction"] == "note")
    assert "секрет-заметка" not in str(note)
    desk.status(admin_client, c1["id"], "pending")
    ws["team"].wait_event("support.conversation.status_changed", lambda f: conversation_of(f) == c1["id"])
    assert heard(ws["watcher"]) == {c2["id"]}
    assert heard(ws["team"]) == {c1["id"]}
    assert heard(ws["all"]) >= {c1["id"], c2["id"]}
    assert heard(ws["admin"]) >= {c1["id"], c2["id"]}
    for w in ws.values():
        assert not [f for f in w.events() if "секрет-заметка" in str(f) and f["kind"].startswith("support.")]

    # Taken away again: the watcher learns only that it left their list, then hears nothing more of it.
    expect(admin_client.post(f"/api/v1/support/conversations/{c2['id']}/assign", json={"agent_id": None}), 200)
    gone = ws["watcher"].wait_event("support.conversation.assigned",
                                    lambda f: f["data"].get("visible") is False)
    assert gone["data"] == {"conversation_id": c2["id"], "visible": False}
    start = ws["watcher"].count()
    hello = v2.say("Алло?")["message"]["id"]
    ws["all"].wait_event("support.conversation.message", lambda f: f["data"]["message_id"] == hello)
    ws["watcher"].ping()
    assert not [f for f in ws["watcher"].snapshot()[start:] if f.get("kind", "").startswith("support.")]


def test_scope_and_team_changes_take_effect_on_an_open_connection(server, admin_client, make_user, ws_factory):
    desk = Desk(admin_client, make_user, agents=1, scope="all")
    other = Desk(admin_client, make_user, agents=1, scope="all")
    agent = desk.new_agent("team")  # not yet a member of any team
    w = ws_factory(server, agent.token)
    admin_ws = ws_factory(server, admin_client.token)
    c1 = desk.visitor(server).say("Первое")["conversation"]
    assert heard(w) == set()

    desk.agents.append(agent)
    desk.capacity[agent.id] = 5  # offline: never picked
    desk.set_members()
    w.wait_event("support.agent.access_changed")
    c2 = desk.visitor(server).say("Второе")["conversation"]
    w.wait_event("support.conversation.created", lambda f: conversation_of(f) == c2["id"])
    c3 = other.visitor(server).say("Чужое")["conversation"]
    assert heard(w) == {c2["id"]}

    # Scope all: every team's conversations; back to assigned: none of them.
    expect(admin_client.put(f"/api/v1/support/agents/{agent.id}/scope", json={"scope": "all"}), 200)
    c4 = other.visitor(server).say("Теперь видно")["conversation"]
    w.wait_event("support.conversation.created", lambda f: conversation_of(f) == c4["id"])
    expect(admin_client.put(f"/api/v1/support/agents/{agent.id}/scope", json={"scope": "assigned"}), 200)
    w.ping()
    start = w.count()
    c5 = desk.visitor(server).say("Уже не видно")["conversation"]
    c6 = other.visitor(server).say("И это")["conversation"]
    admin_ws.wait_event("support.conversation.created", lambda f: conversation_of(f) == c6["id"])
    w.ping()
    assert not [f for f in w.snapshot()[start:] if f.get("kind", "").startswith("support.conversation.")]
    # A fresh connection resuming from the start replays only what the agent may see now (nothing).
    replay = ws_factory(server, agent.token, last_pos=0)
    replay.ping()
    assert not {c1["id"], c2["id"], c3["id"], c4["id"], c5["id"], c6["id"]} & heard(replay)


def test_losing_the_agent_role_stops_the_events_on_an_open_connection(server, admin_client, make_user, ws_factory):
    desk = Desk(admin_client, make_user, agents=1, scope="all")
    agent = desk.new_agent("all")
    w = ws_factory(server, agent.token)
    admin_ws = ws_factory(server, admin_client.token)
    c1 = desk.visitor(server).say("Пока видно")["conversation"]
    w.wait_event("support.conversation.created", lambda f: conversation_of(f) == c1["id"])

    # The platform's roles API takes the role away: the open connection is re-addressed at once.
    before = w.count()
    expect(admin_client.delete(f"/api/v1/admin/users/{agent.id}/roles/{role_id(admin_client, 'support.agent')}"), 204)
    gone = w.wait_event("support.agent.access_changed", lambda f: f["data"]["user_id"] == agent.id,
                        start=before)
    assert gone["topic"] == "support_desk:1"
    start = w.count()
    c2 = desk.visitor(server).say("Уже не видно")["conversation"]
    admin_ws.wait_event("support.conversation.created", lambda f: conversation_of(f) == c2["id"])
    w.ping()
    assert not [f for f in w.snapshot()[start:] if f.get("kind", "").startswith("support.conversation.")]

    # Granted again: the desk's events come back without a reconnect.
    grant(admin_client, agent, "support.agent")
    w.wait_event("support.agent.access_changed", lambda f: f["data"]["user_id"] == agent.id, start=start)
    c3 = desk.visitor(server).say("Снова видно")["conversation"]
    w.wait_event("support.conversation.created", lambda f: conversation_of(f) == c3["id"])


def test_a_visitor_token_opens_no_websocket(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    v = desk.visitor(server)
    v.say("Здравствуйте")
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(server.ws_url, header=[f"Authorization: Bearer {v.token}"], timeout=10)
    assert e.value.status_code == 401


ORIGIN = "https://shop.example"


def test_cors_answers_the_widgets_routes_and_no_other(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    anon = Client(server)
    for path in ("/api/v1/support/widget/messages", "/api/v1/support/widget/conversations",
                 "/api/v1/support/widget/conversations/1/messages"):
        r = anon.request("OPTIONS", path, auth=False, headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert r.status_code == 204, (path, r.status_code, r.text)
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert "authorization" in r.headers["Access-Control-Allow-Headers"].lower()
        assert "Access-Control-Allow-Credentials" not in r.headers
    r = anon.request("POST", "/api/v1/support/widget/messages", auth=False, headers={"Origin": ORIGIN},
                     json={"inbox": desk.inbox["token"], "text": "С чужого сайта"})
    body = expect(r, 201)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    visitor = Client(server, token=body["visitor_token"])
    r = visitor.request("GET", "/api/v1/support/widget/conversations", headers={"Origin": ORIGIN})
    assert expect(r, 200)["conversations"][0]["number"] == body["conversation"]["number"]
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    # errors too, so that the widget can read their codes
    r = anon.request("GET", "/api/v1/support/widget/conversations", auth=False, headers={"Origin": ORIGIN})
    expect_error(r, 401, "visitor_unauthenticated")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    # the rating routes are the widget's too
    cid = body["conversation"]["id"]
    r = visitor.request("GET", f"/api/v1/support/widget/conversations/{cid}/csat", headers={"Origin": ORIGIN})
    assert expect(r, 200)["requested"] is False
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = visitor.request("POST", "/api/v1/support/widget/csat", headers={"Origin": ORIGIN},
                        json={"conversation_id": cid, "rating": 5})
    expect_error(r, 409, "csat_not_requested")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    # a session cookie is no visitor credential
    r = anon.request("GET", "/api/v1/support/widget/conversations", auth=False,
                     headers={"Origin": ORIGIN, "Cookie": f"veche_session={admin_client.token}"})
    expect_error(r, 401, "visitor_unauthenticated")
    # every other route: no preflight, no CORS header
    for method, path in (("OPTIONS", "/api/v1/users/me"), ("OPTIONS", "/api/v1/support/conversations"),
                         ("OPTIONS", "/api/v1/chats")):
        r = admin_client.request(method, path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
        assert r.status_code in (404, 405), (path, r.status_code)
        assert "Access-Control-Allow-Origin" not in r.headers
    for path in ("/api/v1/users/me", "/api/v1/support/conversations", "/api/v1/health"):
        r = admin_client.request("GET", path, headers={"Origin": ORIGIN})
        assert "Access-Control-Allow-Origin" not in r.headers, path


def upload(client, conversation_id, data, name="photo.png", **kw):
    return client.request("POST", f"/api/v1/support/widget/conversations/{conversation_id}/files?name={name}",
                          data=data, headers={"Content-Type": "application/octet-stream", "Origin": ORIGIN}, **kw)


def test_a_visitor_uploads_a_file_into_their_own_conversation(server, admin_client, make_user, ws_factory):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    w = ws_factory(server, agent.token)
    v = desk.visitor(server)
    conv = v.say("Скриншот ошибки ниже")["conversation"]
    r = upload(v.client, conv["id"], b"error log: code 42\n", name="log.txt")
    body = expect(r, 201)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    f = body["message"]["files"][0]
    assert body["message"]["from"] == "visitor" and f["name"] == "log.txt" and f["size"] == 19
    w.wait_event("support.conversation.message", lambda e: conversation_of(e) == conv["id"]
                 and e["data"]["message_id"] == body["message"]["id"])
    # The agent sees it in the conversation as the customer's; the visitor in their history, and downloads it.
    msgs = expect(agent.get(f"/api/v1/support/conversations/{conv['id']}/messages"), 200)["messages"]
    assert [m["direction"] for m in msgs if m["id"] == body["message"]["id"]] == ["incoming"]
    assert v.history(conv["id"])[-1]["files"][0]["id"] == f["id"]
    got = v.client.get(f"/api/v1/support/widget/files/{f['id']}")
    assert got.status_code == 200 and got.content == b"error log: code 42\n"
    assert got.headers["Access-Control-Allow-Origin"] == "*"

    # Another visitor: neither their upload into this conversation nor the download; no token: 401.
    other = desk.visitor(server)
    other.say("Я другой посетитель")
    expect_error(upload(other.client, conv["id"], b"x"), 404, "conversation_not_found")
    expect_error(other.client.get(f"/api/v1/support/widget/files/{f['id']}"), 404, "file_not_found")
    expect_error(Client(server).get(f"/api/v1/support/widget/files/{f['id']}", auth=False), 401,
                 "visitor_unauthenticated")
    expect_error(upload(Client(server), conv["id"], b"x", auth=False), 401, "visitor_unauthenticated")
    # A session is not a visitor token, here either.
    expect_error(upload(agent, conv["id"], b"x"), 401, "visitor_unauthenticated")
    # Bad input: no name, an empty file, a file over 10 MiB (refused before its body is read).
    r = v.client.request("POST", f"/api/v1/support/widget/conversations/{conv['id']}/files", data=b"x")
    expect_error(r, 400, "invalid_argument")
    expect_error(upload(v.client, conv["id"], b""), 400, "invalid_argument")
    expect_error(upload(v.client, conv["id"], b"x" * (10 * 1024 * 1024 + 1)), 413)
    expect_error(upload(v.client, "not-a-number", b"x"), 400, "invalid_argument")
    # A file of an agent's note stays among agents.
    assert all(m["from"] in ("visitor", "agent") for m in v.history(conv["id"]))


def test_a_deleted_conversation_says_so_once_and_is_silent_until_restored(server, admin_client, make_user, ws_factory):
    desk = Desk(admin_client, make_user, agents=1, scope="all")
    agent = desk.agents[0]
    ws = ws_factory(server, agent.token)
    v = desk.visitor(server)
    cid = v.say("Удалите, пожалуйста, этот диалог")["conversation"]["id"]
    ws.wait_event("support.conversation.created", lambda f: conversation_of(f) == cid)
    expect(admin_client.delete(f"/api/v1/support/conversations/{cid}"), 204)
    gone = ws.wait_event("support.conversation.deleted", lambda f: conversation_of(f) == cid)
    assert gone["data"]["number"].startswith("SUP-")
    # while deleted it cannot be changed through the API, and a change that still happens (its snooze
    # wakes it through the job queue) reaches no inbox
    expect_error(admin_client.post(f"/api/v1/support/conversations/{cid}/status", json={"status": "pending"}),
                 404, "conversation_not_found")


def test_a_snoozed_conversation_deleted_before_it_wakes_wakes_silently(server, admin_client, make_user, ws_factory):
    desk = Desk(admin_client, make_user, agents=1, scope="all")
    ws = ws_factory(server, desk.agents[0].token)
    cid = desk.visitor(server).say("Напомните мне позже")["conversation"]["id"]
    until = int(time.time() * 1000) + 1500
    expect(admin_client.post(f"/api/v1/support/conversations/{cid}/status",
                             json={"status": "snoozed", "snoozed_until": until}), 200)
    ws.wait_event("support.conversation.status_changed", lambda f: conversation_of(f) == cid)
    expect(admin_client.delete(f"/api/v1/support/conversations/{cid}"), 204)
    ws.wait_event("support.conversation.deleted", lambda f: conversation_of(f) == cid)

    def woke():
        jobs = expect(admin_client.get("/api/v1/admin/jobs", params={"kind": "support.snooze_wake", "state": "done",
                                                                     "limit": "200"}), 200)["jobs"]
        return any(str(j["payload"].get("id", j["payload"].get("conversation_id"))) == cid for j in jobs)
    wait_until(woke, timeout=30, desc="the snooze's job to run")
    expect(admin_client.post(f"/api/v1/support/conversations/{cid}/restore"), 200)
    back = ws.wait_event("support.conversation.restored", lambda f: conversation_of(f) == cid)
    assert back["data"]["conversation"]["status"] == "open"  # it woke while deleted …
    changes = [f["data"]["conversation"]["status"] for f in ws.events("support.conversation.status_changed")
               if conversation_of(f) == cid]
    assert changes == ["snoozed"]  # … and no inbox heard of it
