"""Support desk, first slice (issue 13; MODULES.md §2.7 items 1, 3, 4, 5, 6-in-part, 7-in-part, 9, 10, 16):
widget conversations with numbers, balanced assignment and the queue, statuses, notes that never reach the
visitor, access scopes, visitor tokens, identity verification and bad input, through the HTTP API."""

import re
import threading
import time

from objects_helpers import grant
from support_helpers import Desk, Visitor
from veche_harness import Client, expect, expect_error, uniq, wait_until

UNKNOWN = "987654321987654321"


def open_conversation(server, desk, text="Здравствуйте, не приходит билет"):
    v = desk.visitor(server)
    body = v.say(text, name="Анна")
    return v, body["conversation"]


def assignee(desk, conversation_id):
    return desk.conversation(conversation_id)["assignee_id"]


# -- item 1: a widget message makes a numbered conversation --------------------------------------

def test_a_widget_message_creates_a_numbered_open_conversation_in_the_team(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    topic = expect(admin_client.post("/api/v1/support/topics", json={"team_id": desk.team["id"], "title": "Билеты"}),
                   201)
    v = desk.visitor(server)
    first = v.say("Не приходит билет", name="Анна", email="anna@example.com", topic_id=topic["id"])
    assert first["created"] is True and v.token.startswith("vis_")
    conv = first["conversation"]
    assert re.fullmatch(r"SUP-\d{6}", conv["number"]) and conv["status"] == "open"
    assert set(conv) == {"id", "number", "status", "previous_id", "created_at"}  # no chat, team or assignee
    second = desk.visitor(server).say("И у меня")["conversation"]
    assert int(second["number"][4:]) == int(conv["number"][4:]) + 1
    # the visitor's next message goes to the same conversation; the token is not shown again
    again = v.say("Заказ 123")
    assert again["created"] is False and again["conversation"]["id"] == conv["id"] and "visitor_token" not in again
    assert [c["number"] for c in v.conversations()] == [conv["number"]]
    assert [m["text"] for m in v.history(conv["id"])] == ["Не приходит билет", "Заказ 123"]
    # the agents' view: team, topic, contact, the core chat of kind support, the assignee
    seen = desk.conversation(conv["id"], desk.agents[0])
    assert seen["team_id"] == desk.team["id"] and seen["topic_id"] == topic["id"]
    assert seen["contact"]["name"] == "Анна" and seen["contact"]["email"] == "anna@example.com"
    assert seen["assignee_id"] == desk.agents[0].id and seen["waiting_since"] is not None
    chat = expect(desk.agents[0].get(f"/api/v1/chats/{seen['chat_id']}"), 200)
    assert chat["kind"] == "support" and chat["name"].startswith(conv["number"])
    # the messenger refuses to change the desk's chat
    expect_error(desk.agents[0].post(f"/api/v1/chats/{seen['chat_id']}/members", json={"user_ids": [make_user().id]}),
                 403, "managed_chat")


# -- items 3 and 4: balanced assignment and the queue ---------------------------------------------

def test_balanced_assignment_skips_offline_and_full_agents_and_the_queue_moves_when_someone_frees_up(
        server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=3, online=False)
    a, b, c = desk.agents
    # A gets two, C one (only they are online when those arrive)
    desk.availability(a, "online")
    a_convs = [open_conversation(server, desk)[1]["id"] for _ in range(2)]
    desk.availability(a, "offline")
    desk.availability(c, "online")
    open_conversation(server, desk)
    desk.availability(a, "online")
    assert [assignee(desk, i) for i in a_convs] == [a.id, a.id]
    agents = {x["user_id"]: x for x in expect(a.get("/api/v1/support/agents"), 200)["agents"]}
    assert (agents[a.id]["open_count"], agents[b.id]["open_count"], agents[c.id]["open_count"]) == (2, 0, 1)
    # A (2 open), B (0 open, offline), C (1 open): C
    _, conv = open_conversation(server, desk)
    assert assignee(desk, conv["id"]) == c.id
    # A and C at capacity: the next ones wait in the queue
    desk.capacity[a.id] = desk.capacity[c.id] = 2
    desk.capacity[b.id] = 1
    desk.set_members()
    queued = [open_conversation(server, desk)[1]["id"] for _ in range(2)]
    assert [assignee(desk, i) for i in queued] == [None, None]
    listed = expect(admin_client.get("/api/v1/support/conversations",
                                     params={"team": desk.team["id"], "assignee": "none"}), 200)["conversations"]
    assert {x["id"] for x in listed} == set(queued)
    # B (room for one) comes online: it takes the oldest waiting one at once
    desk.availability(b, "online")
    assert [assignee(desk, i) for i in queued] == [b.id, None]
    # A resolves one: A has room again and takes the other
    desk.status(a, a_convs[0], "resolved")
    assert assignee(desk, queued[1]) == a.id


def test_on_a_tie_the_agent_assigned_least_recently_gets_the_conversation(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=2)
    first = open_conversation(server, desk)[1]["id"]
    p = assignee(desk, first)
    q = next(x.id for x in desk.agents if x.id != p)
    desk.status(admin_client, first, "resolved")
    # both have 0 open; q was never assigned
    second = open_conversation(server, desk)[1]["id"]
    assert assignee(desk, second) == q
    desk.status(admin_client, second, "resolved")
    # both 0 again; p's last assignment is the older one
    third = open_conversation(server, desk)[1]["id"]
    assert assignee(desk, third) == p


def test_concurrent_arrivals_never_overfill_an_agent_and_stay_balanced(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=2, capacity=3)
    results = []

    def arrive(i):
        r = Client(server).post("/api/v1/support/widget/messages", json={"inbox": desk.inbox["token"], "text": f"#{i}"})
        results.append(r.status_code)

    threads = [threading.Thread(target=arrive, args=(i,)) for i in range(10)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert results == [201] * 10
    convs = expect(admin_client.get("/api/v1/support/conversations", params={"team": desk.team["id"], "limit": "50"}),
                   200)["conversations"]
    per_agent = {a.id: sum(1 for c in convs if c["assignee_id"] == a.id) for a in desk.agents}
    assert sorted(per_agent.values()) == [3, 3] and sum(1 for c in convs if c["assignee_id"] is None) == 4
    assert len({c["number"] for c in convs}) == 10


def test_manual_reassignment_unassignment_and_the_engine_on_demand(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=2)
    x, y = desk.agents
    _, conv = open_conversation(server, desk)
    cid = conv["id"]
    first = assignee(desk, cid)
    other = y if first == x.id else x
    moved = expect(admin_client.post(f"/api/v1/support/conversations/{cid}/assign", json={"agent_id": other.id}), 200)
    assert moved["assignee_id"] == other.id and moved["last_assignee_id"] == other.id
    # the new assignee became a member of the chat and reads it through the messenger too
    expect(other.get(f"/api/v1/chats/{moved['chat_id']}/messages"), 200)
    unassigned = expect(other.post(f"/api/v1/support/conversations/{cid}/assign", json={"agent_id": None}), 200)
    assert unassigned["assignee_id"] is None
    auto = expect(admin_client.post(f"/api/v1/support/conversations/{cid}/assign", json={"auto": True}), 200)
    assert auto["assignee_id"] in (x.id, y.id)
    stranger = make_user()
    expect_error(admin_client.post(f"/api/v1/support/conversations/{cid}/assign", json={"agent_id": stranger.id}),
                 409, "not_an_agent")
    expect_error(admin_client.post(f"/api/v1/support/conversations/{cid}/assign", json={"agent_id": UNKNOWN}), 404,
                 "user_not_found")
    expect_error(admin_client.post(f"/api/v1/support/conversations/{cid}/assign", json={}), 400, "invalid_argument")
    expect_error(admin_client.post(f"/api/v1/support/conversations/{cid}/assign",
                                   json={"auto": True, "agent_id": x.id}), 400, "invalid_argument")
    desk.status(admin_client, cid, "resolved")
    expect_error(admin_client.post(f"/api/v1/support/conversations/{cid}/assign", json={"auto": True}), 409,
                 "conversation_not_open")


# -- statuses, snooze until reply, reopen (items 5 and 7) -----------------------------------------

def test_status_transitions_and_snooze_until_the_customer_writes(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    v, conv = open_conversation(server, desk)
    cid = conv["id"]
    assert desk.status(agent, cid, "pending")["status"] == "pending"
    assert desk.status(agent, cid, "open")["status"] == "open"
    snoozed = desk.status(agent, cid, "snoozed")
    assert snoozed["snooze_until_reply"] is True and snoozed["snoozed_until"] is None
    active = expect(agent.get("/api/v1/support/conversations", params={"status": "active", "team": desk.team["id"]}),
                    200)["conversations"]
    assert cid not in {c["id"] for c in active}
    # the assignee's own reply does not wake it; the customer's message does
    expect(agent.post(f"/api/v1/support/conversations/{cid}/messages", json={"text": "Проверяем"}), 201)
    assert desk.conversation(cid)["status"] == "snoozed"
    v.say("Есть новости?")
    woken = desk.conversation(cid)
    assert woken["status"] == "open" and woken["assignee_id"] == agent.id and woken["snooze_until_reply"] is False
    # a snooze until a time in the past is refused; snoozed_until belongs to snoozed only
    expect_error(agent.post(f"/api/v1/support/conversations/{cid}/status",
                            json={"status": "snoozed", "snoozed_until": 1000}), 400, "invalid_argument")
    expect_error(agent.post(f"/api/v1/support/conversations/{cid}/status",
                            json={"status": "open", "snoozed_until": 4102444800000}), 400, "invalid_argument")
    timed = desk.status(agent, cid, "snoozed", snoozed_until=4102444800000)
    assert timed["snoozed_until"] == 4102444800000 and timed["snooze_until_reply"] is False
    resolved = desk.status(agent, cid, "resolved")
    assert resolved["status"] == "resolved" and resolved["resolved_at"] is not None
    expect_error(agent.post(f"/api/v1/support/conversations/{cid}/status", json={"status": "pending"}), 409,
                 "invalid_transition")
    expect_error(agent.post(f"/api/v1/support/conversations/{cid}/status", json={"status": "closed"}), 400,
                 "invalid_argument")


def test_a_snooze_until_a_time_wakes_the_conversation_then_through_the_job_queue(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    _, conv = open_conversation(server, desk)
    cid = conv["id"]
    until = int(time.time() * 1000) + 1500
    desk.status(agent, cid, "snoozed", snoozed_until=until)
    jobs = expect(admin_client.get("/api/v1/admin/jobs", params={"kind": "support.snooze_wake", "limit": "200"}),
                  200)["jobs"]
    assert any(j["payload"] == {"id": cid, "until": until} for j in jobs)
    woken = wait_until(lambda: (c := desk.conversation(cid))["status"] == "open" and c, desc="the snooze to wake")
    assert woken["snoozed_until"] is None and woken["assignee_id"] == agent.id
    assert int(time.time() * 1000) >= until
    # a snooze replaced before its time leaves no stale wake-up: resolving cancels it
    desk.status(agent, cid, "snoozed", snoozed_until=int(time.time() * 1000) + 3_600_000)
    desk.status(agent, cid, "resolved")
    jobs = expect(admin_client.get("/api/v1/admin/jobs", params={"kind": "support.snooze_wake", "limit": "200",
                                                                 "state": "pending"}), 200)["jobs"]
    assert not any(j["payload"]["id"] == cid for j in jobs)


def test_a_customer_reply_reopens_a_resolved_conversation_to_the_last_agent_or_the_queue(
        server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    v, conv = open_conversation(server, desk)
    cid = conv["id"]
    desk.status(agent, cid, "resolved")
    again = v.say("Билет так и не пришёл")
    assert again["created"] is False and again["conversation"]["id"] == cid and again["conversation"]["status"] == "open"
    c = desk.conversation(cid)
    assert c["reopen_count"] == 1 and c["assignee_id"] == agent.id and c["resolved_at"] is None
    # the last agent went offline: the reopened conversation waits in the team's queue
    desk.status(agent, cid, "resolved")
    desk.availability(agent, "offline")
    v.say("Всё ещё нет")
    c = desk.conversation(cid)
    assert c["reopen_count"] == 2 and c["status"] == "open" and c["assignee_id"] is None
    desk.availability(agent, "online")
    assert desk.conversation(cid)["assignee_id"] == agent.id


# -- item 9: notes ---------------------------------------------------------------------------------

def test_internal_notes_are_for_agents_only_and_never_reach_the_visitor(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    v, conv = open_conversation(server, desk, "Верните деньги")
    cid = conv["id"]
    marker = uniq("note")
    note = expect(agent.post(f"/api/v1/support/conversations/{cid}/notes", json={"text": f"{marker} клиент VIP"}), 201)
    assert note["direction"] == "note"
    reply = expect(agent.post(f"/api/v1/support/conversations/{cid}/messages", json={"text": "Оформили возврат"}), 201)
    assert reply["direction"] == "outgoing" and reply["author_id"] == agent.id
    # a message posted through the messenger straight into the chat is not a reply either
    chat_id = desk.conversation(cid)["chat_id"]
    expect(agent.post(f"/api/v1/chats/{chat_id}/messages", json={"text": f"{marker} из мессенджера"}), 201)
    agents_view = desk.messages(agent, cid)
    assert [(m["direction"], m["text"]) for m in agents_view] == [
        ("incoming", "Верните деньги"), ("note", f"{marker} клиент VIP"), ("outgoing", "Оформили возврат"),
        ("note", f"{marker} из мессенджера")]
    history = v.history(cid)
    assert [(m["from"], m["text"]) for m in history] == [("visitor", "Верните деньги"), ("agent", "Оформили возврат")]
    assert marker not in str(history) and marker not in str(v.conversations())
    assert all(set(m) == {"id", "from", "text", "files", "created_at", "edited_at"} and m["files"] == [] for m in history)
    # the reply counts as the first response; a note does not
    c = desk.conversation(cid)
    assert c["first_reply_at"] == reply["created_at"] and c["waiting_since"] is None


def test_the_api_channel_opens_a_conversation_and_takes_the_customers_messages(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    api_inbox = expect(admin_client.post("/api/v1/support/inboxes", json={
        "name": uniq("api"), "channel": "api", "team_id": desk.team["id"]}), 201)
    made = expect(agent.post("/api/v1/support/conversations", json={
        "inbox_id": api_inbox["id"], "contact": {"name": "Пётр", "email": "p@example.com"}, "text": "Из CRM"}), 201)
    assert made["status"] == "open" and made["assignee_id"] == agent.id and made["contact"]["name"] == "Пётр"
    expect(agent.post(f"/api/v1/support/conversations/{made['id']}/incoming", json={"text": "Ещё вопрос"}), 201)
    assert [m["direction"] for m in desk.messages(agent, made["id"])] == ["incoming", "incoming"]
    contact = expect(agent.get(f"/api/v1/support/contacts/{made['contact']['id']}"), 200)
    assert [c["id"] for c in contact["conversations"]] == [made["id"]]
    # an API inbox is not a widget: its token opens nothing
    expect_error(Client(server).post("/api/v1/support/widget/messages",
                                     json={"inbox": api_inbox["token"], "text": "x"}), 404, "inbox_not_found")


# -- item 10: access scopes ------------------------------------------------------------------------

def test_access_scopes_all_team_and_assigned(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    other = Desk(admin_client, make_user, agents=1)
    mine = desk.agents[0]
    _, in_team = open_conversation(server, desk)
    _, elsewhere = open_conversation(server, other)
    expect(admin_client.post(f"/api/v1/support/conversations/{in_team['id']}/assign", json={"agent_id": None}), 200)
    _, assigned = open_conversation(server, desk)
    assert assignee(desk, assigned["id"]) == mine.id
    watcher = desk.new_agent("assigned")  # not in any team
    expect(admin_client.post(f"/api/v1/support/conversations/{elsewhere['id']}/assign",
                             json={"agent_id": watcher.id}), 200)
    team_agent = desk.new_agent("team")
    desk.agents.append(team_agent)
    desk.capacity[team_agent.id] = 5
    desk.set_members()
    everyone = desk.new_agent("all")

    def listed(who):
        return {c["id"] for c in expect(who.get("/api/v1/support/conversations", params={"limit": "200"}),
                                        200)["conversations"]}

    ids = {in_team["id"], elsewhere["id"], assigned["id"]}
    assert listed(watcher) & ids == {elsewhere["id"]}
    assert listed(team_agent) & ids == {in_team["id"], assigned["id"]}
    assert listed(everyone) & ids == ids
    # get, messages and the contact: 404 exactly like an unknown id
    for path in (f"/api/v1/support/conversations/{in_team['id']}", f"/api/v1/support/conversations/{in_team['id']}/messages"):
        expect_error(watcher.get(path), 404, "conversation_not_found")
        expect(team_agent.get(path), 200)
    for path in (f"/api/v1/support/conversations/{elsewhere['id']}", f"/api/v1/support/conversations/{elsewhere['id']}/messages"):
        expect_error(team_agent.get(path), 404, "conversation_not_found")
        expect(watcher.get(path), 200)
    contact_id = desk.conversation(in_team["id"])["contact_id"]
    expect_error(watcher.get(f"/api/v1/support/contacts/{contact_id}"), 404, "contact_not_found")
    expect(team_agent.get(f"/api/v1/support/contacts/{contact_id}"), 200)
    for verb, path, body in (("post", "notes", {"text": "x"}), ("post", "messages", {"text": "x"}),
                             ("post", "status", {"status": "resolved"}), ("post", "assign", {"auto": True})):
        expect_error(getattr(watcher, verb)(f"/api/v1/support/conversations/{in_team['id']}/{path}", json=body), 404,
                     "conversation_not_found")
    # not an agent at all: 403 with the permission named, never the data
    nobody = make_user()
    for path in ("/api/v1/support/conversations", f"/api/v1/support/conversations/{in_team['id']}",
                 "/api/v1/support/teams", f"/api/v1/support/contacts/{contact_id}"):
        expect_error(nobody.get(path), 403, "forbidden")
    # an agent is not an admin
    expect_error(mine.post("/api/v1/support/teams", json={"name": uniq("t")}), 403, "forbidden")
    expect_error(mine.get("/api/v1/support/inboxes"), 403, "forbidden")
    expect_error(mine.put(f"/api/v1/support/agents/{team_agent.id}/availability", json={"availability": "offline"}),
                 403, "forbidden")


def test_a_support_admin_role_configures_the_desk_and_sees_everything(server, admin_client, make_user):
    boss = make_user()
    grant(admin_client, boss, "support.admin")
    team = expect(boss.post("/api/v1/support/teams", json={"name": uniq("team")}), 201)
    expect_error(boss.post("/api/v1/support/teams", json={"name": team["name"]}), 409, "team_exists")
    inbox = expect(boss.post("/api/v1/support/inboxes", json={"name": "Сайт", "channel": "widget",
                                                             "team_id": team["id"]}), 201)
    conv = Visitor(server, inbox["token"]).say("Привет")["conversation"]
    assert conv["id"] in {c["id"] for c in expect(boss.get("/api/v1/support/conversations"), 200)["conversations"]}
    assert inbox["id"] in {i["id"] for i in expect(boss.get("/api/v1/support/inboxes"), 200)["inboxes"]}


# -- item 16 and the visitor's boundaries ----------------------------------------------------------

def test_a_visitor_token_reads_only_its_own_conversation_and_no_agent_endpoint(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    a, conv_a = open_conversation(server, desk)
    b, conv_b = open_conversation(server, desk)
    expect_error(a.client.get(f"/api/v1/support/widget/conversations/{conv_b['id']}/messages"), 404,
                 "conversation_not_found")
    expect_error(a.client.post("/api/v1/support/widget/messages",
                               json={"inbox": desk.inbox["token"], "text": "x", "conversation_id": conv_b["id"]}),
                 404, "conversation_not_found")
    assert [c["id"] for c in a.conversations()] == [conv_a["id"]]
    for path in ("/api/v1/support/conversations", f"/api/v1/support/conversations/{conv_a['id']}",
                 f"/api/v1/support/conversations/{conv_a['id']}/messages", f"/api/v1/chats", "/api/v1/users/me"):
        expect_error(a.client.get(path), 401, "unauthenticated")
    anon = Client(server)
    expect_error(anon.get("/api/v1/support/widget/conversations"), 401, "visitor_unauthenticated")
    expect_error(anon.get(f"/api/v1/support/widget/conversations/{conv_a['id']}/messages"), 401,
                 "visitor_unauthenticated")
    forged = Client(server, token="vis_" + "A" * 43)
    expect_error(forged.get("/api/v1/support/widget/conversations"), 401, "visitor_unauthenticated")
    # an agent's session is not a visitor token
    expect_error(desk.agents[0].get("/api/v1/support/widget/conversations"), 401, "visitor_unauthenticated")
    # a visitor of one inbox cannot write into another
    other = Desk(admin_client, make_user)
    expect_error(a.client.post("/api/v1/support/widget/messages", json={"inbox": other.inbox["token"], "text": "x"}),
                 401, "visitor_unauthenticated")
    assert b.history(conv_b["id"])[0]["from"] == "visitor"


def test_identity_verification_when_mandatory(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1, hmac_mandatory=True)
    ident = uniq("customer")
    expect_error(Client(server).post("/api/v1/support/widget/messages", json={"inbox": desk.inbox["token"], "text": "x"}),
                 401, "identity_unverified")
    expect_error(Client(server).post("/api/v1/support/widget/messages", json={
        "inbox": desk.inbox["token"], "text": "x", "identifier": ident, "identifier_hash": "0" * 64}),
        401, "identity_unverified")
    expect_error(Client(server).post("/api/v1/support/widget/messages", json={
        "inbox": desk.inbox["token"], "text": "x", "identifier": ident}), 401, "identity_unverified")
    first = desk.visitor(server)
    conv = first.say("Я клиент", identifier=ident, identifier_hash=desk.identity_hash(ident))["conversation"]
    # the same verified identifier in another browser finds its conversations again
    second = desk.visitor(server)
    again = second.say("Это снова я", identifier=ident, identifier_hash=desk.identity_hash(ident))
    assert again["conversation"]["id"] == conv["id"] and again["created"] is False
    assert [m["text"] for m in second.history(conv["id"])] == ["Я клиент", "Это снова я"]
    contact = desk.conversation(conv["id"])["contact"]
    assert contact["verified"] is True and contact["external_id"] == ident


def test_an_unverified_identifier_links_to_nobody_on_an_open_inbox(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    ident = uniq("customer")
    verified = desk.visitor(server)
    conv = verified.say("Мой заказ", identifier=ident, identifier_hash=desk.identity_hash(ident))["conversation"]
    impostor = desk.visitor(server)
    got = impostor.say("Покажите мой заказ", identifier=ident)
    assert got["created"] is True and got["conversation"]["id"] != conv["id"]
    expect_error(impostor.client.get(f"/api/v1/support/widget/conversations/{conv['id']}/messages"), 404)


# -- bad input -------------------------------------------------------------------------------------

def test_bad_input_is_refused_with_an_error_code(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    _, conv = open_conversation(server, desk)
    cid = conv["id"]
    raw = {"Content-Type": "application/json"}
    for path in ("/api/v1/support/widget/messages", f"/api/v1/support/conversations/{cid}/notes",
                 f"/api/v1/support/conversations/{cid}/status"):
        who = Client(server) if "widget" in path else agent
        for body in (b'{"text": ', b"\xff\xfe{}", b"[1]", b"null"):
            err = expect_error(who.post(path, data=body, headers=raw), 400)
            assert err["code"] in ("malformed_json", "invalid_argument")
    widget = "/api/v1/support/widget/messages"
    anon = Client(server)
    expect_error(anon.post(widget, json={"inbox": desk.inbox["token"], "text": 5}), 400, "invalid_argument")
    expect_error(anon.post(widget, json={"inbox": desk.inbox["token"], "text": "   "}), 400, "invalid_argument")
    expect_error(anon.post(widget, json={"inbox": ["x"], "text": "x"}), 400, "invalid_argument")
    expect_error(anon.post(widget, json={"inbox": "no-such-inbox", "text": "x"}), 404, "inbox_not_found")
    expect_error(anon.post(widget, json={"inbox": desk.inbox["token"], "text": "x", "topic_id": UNKNOWN}), 404,
                 "topic_not_found")
    expect_error(anon.post(widget, json={"inbox": desk.inbox["token"], "text": "x", "topic_id": "abc"}), 400)
    expect_error(agent.post(f"/api/v1/support/conversations/{cid}/notes", json={"text": ""}), 400, "invalid_argument")
    expect_error(agent.post(f"/api/v1/support/conversations/{cid}/messages", json={"text": {"x": 1}}), 400)
    expect_error(agent.post(f"/api/v1/support/conversations/{cid}/status", json={"status": 1}), 400)
    expect_error(agent.post(f"/api/v1/support/conversations/{cid}/status",
                            json={"status": "snoozed", "snoozed_until": "tomorrow"}), 400)
    expect_error(agent.get(f"/api/v1/support/conversations/{UNKNOWN}"), 404, "conversation_not_found")
    expect_error(agent.get("/api/v1/support/conversations/not-a-number"), 400, "invalid_argument")
    expect_error(agent.post(f"/api/v1/support/conversations/{UNKNOWN}/notes", json={"text": "x"}), 404,
                 "conversation_not_found")
    expect_error(agent.get(f"/api/v1/support/contacts/{UNKNOWN}"), 404, "contact_not_found")
    expect_error(agent.get("/api/v1/support/conversations", params={"status": "closed"}), 400, "invalid_argument")
    expect_error(agent.get("/api/v1/support/conversations", params={"assignee": "someone"}), 400, "invalid_argument")
    expect_error(agent.get("/api/v1/support/conversations", params={"limit": "0"}), 400, "invalid_argument")
    expect_error(agent.post("/api/v1/support/conversations", json={"inbox_id": UNKNOWN, "contact": {}, "text": "x"}),
                 404, "inbox_not_found")
    expect_error(agent.post("/api/v1/support/conversations", json={"inbox_id": desk.inbox["id"], "text": "x"}), 400)
    team = desk.team["id"]
    expect_error(admin_client.put(f"/api/v1/support/teams/{team}/members", json={"members": [{"user_id": UNKNOWN}]}),
                 404, "user_not_found")
    expect_error(admin_client.put(f"/api/v1/support/teams/{team}/members",
                                  json={"members": [{"user_id": agent.id}, {"user_id": agent.id}]}), 400)
    expect_error(admin_client.put(f"/api/v1/support/teams/{team}/members",
                                  json={"members": [{"user_id": agent.id, "capacity": -1}]}), 400)
    expect_error(admin_client.put(f"/api/v1/support/teams/{UNKNOWN}/members", json={"members": []}), 404,
                 "team_not_found")
    expect_error(admin_client.post("/api/v1/support/topics", json={"team_id": UNKNOWN, "title": "x"}), 404,
                 "team_not_found")
    expect_error(admin_client.post("/api/v1/support/inboxes", json={"name": "x", "channel": "fax"}), 400)
    expect_error(admin_client.post("/api/v1/support/inboxes", json={"name": "x", "team_id": UNKNOWN}), 404,
                 "team_not_found")
    expect_error(admin_client.put(f"/api/v1/support/agents/{agent.id}/scope", json={"scope": "everything"}), 400)
    expect_error(admin_client.put(f"/api/v1/support/agents/{make_user().id}/scope", json={"scope": "all"}), 409,
                 "not_an_agent")
    expect_error(agent.put(f"/api/v1/support/agents/{agent.id}/availability", json={"availability": "away"}), 400)
