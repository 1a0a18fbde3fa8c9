"""Support desk, the agents' tools (issue 13 §2, §5, §7; MODULES.md §2.7 items 8, 17, 18, 20): canned replies
unique per scope, labels and the label filter, the customer profile's contact merge, soft delete and admin
restore with the deleted messages shown to admins, and snooze presets resolved through the team's business
calendar, through the HTTP API, with bad input."""

import datetime
import time
from zoneinfo import ZoneInfo

from objects_helpers import grant
from support_helpers import Desk
from veche_harness import Client, expect, expect_error, uniq

UNKNOWN = "987654321987654321"


def open_conversation(server, desk, text="Здравствуйте, не приходит билет", **extra):
    v = desk.visitor(server)
    body = v.say(text, name=extra.pop("name", "Анна"), **extra)
    return v, body["conversation"]


def audit(admin, **filters):
    params = {k: str(v) for k, v in filters.items()}
    params.setdefault("limit", "200")
    return expect(admin.get("/api/v1/admin/audit", params=params), 200)["entries"]


def canned(who, **body):
    return who.post("/api/v1/support/canned-replies", json=body)


def canned_list(who, q=None):
    params = {"q": q} if q is not None else None
    return expect(who.get("/api/v1/support/canned-replies", params=params), 200)["canned_replies"]


# -- item 20: canned replies ------------------------------------------------------------------------

def test_canned_replies_are_unique_within_their_scope_and_seen_by_their_scope_only(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=2)
    a, b = desk.agents
    other_team = expect(admin_client.post("/api/v1/support/teams", json={"name": uniq("team")}), 201)
    code = uniq("hi").lower()
    mine = expect(canned(a, short_code=code, content="Здравствуйте, {{contact.name}}!"), 201)
    assert mine["scope"] == "personal" and mine["owner_id"] == a.id and mine["team_id"] is None
    # the same code in the same scope: 409; in another scope (B's own, the team's, global): fine
    expect_error(canned(a, short_code=code.upper(), content="again"), 409, "canned_reply_exists")
    expect(canned(b, short_code=code, content="B's own"), 201)
    team_reply = expect(canned(admin_client, scope="team", team_id=desk.team["id"], short_code=code,
                               content="Команда {{agent.name}}"), 201)
    expect_error(canned(admin_client, scope="team", team_id=desk.team["id"], short_code=code, content="x"), 409,
                 "canned_reply_exists")
    other = expect(canned(admin_client, scope="team", team_id=other_team["id"], short_code=code, content="other"), 201)
    glob = expect(canned(admin_client, scope="global", short_code=code, content="Номер {{conversation.number}}"), 201)
    expect_error(canned(admin_client, scope="global", short_code=code, content="x"), 409, "canned_reply_exists")
    # A sees their own, their team's and the global one; not B's, not another team's
    seen = {r["id"] for r in canned_list(a) if r["short_code"] == code}
    assert seen == {mine["id"], team_reply["id"], glob["id"]}
    assert other["id"] not in {r["id"] for r in canned_list(a)}
    # agents write personal ones only; they edit no team or global one, and never see another's personal one
    expect_error(canned(a, scope="global", short_code=uniq("g").lower(), content="x"), 403, "forbidden")
    expect_error(canned(a, scope="team", team_id=desk.team["id"], short_code=uniq("t").lower(), content="x"), 403,
                 "forbidden")
    expect_error(a.patch(f"/api/v1/support/canned-replies/{team_reply['id']}", json={"content": "mine now"}), 403,
                 "forbidden")
    b_reply = next(r for r in canned_list(b) if r["short_code"] == code and r["scope"] == "personal")
    expect_error(a.patch(f"/api/v1/support/canned-replies/{b_reply['id']}", json={"content": "x"}), 404,
                 "canned_reply_not_found")
    expect_error(a.delete(f"/api/v1/support/canned-replies/{b_reply['id']}"), 404, "canned_reply_not_found")
    expect_error(a.patch(f"/api/v1/support/canned-replies/{other['id']}", json={"content": "x"}), 404,
                 "canned_reply_not_found")
    # the owner edits and deletes; renaming onto a taken code is a conflict
    second = expect(canned(a, short_code=code + "2", content="Второй"), 201)
    expect_error(a.patch(f"/api/v1/support/canned-replies/{second['id']}", json={"short_code": code}), 409,
                 "canned_reply_exists")
    edited = expect(a.patch(f"/api/v1/support/canned-replies/{second['id']}", json={"content": "Изменён"}), 200)
    assert edited["content"] == "Изменён" and edited["short_code"] == code + "2"
    expect(a.delete(f"/api/v1/support/canned-replies/{second['id']}"), 204)
    assert second["id"] not in {r["id"] for r in canned_list(a)}
    # admins edit team and global ones
    expect(admin_client.patch(f"/api/v1/support/canned-replies/{glob['id']}", json={"content": "Всем"}), 200)


def test_canned_reply_lookup_ranks_a_short_code_prefix_first(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    a = desk.agents[0]
    stem = uniq("zq").lower()
    by_content = expect(canned(a, short_code="c" + stem[:5], content=f"см. {stem}"), 201)
    inside = expect(canned(a, short_code="x" + stem, content="..."), 201)
    prefix = expect(canned(a, short_code=stem + "x", content="..."), 201)
    found = [r["id"] for r in canned_list(a, stem)]
    assert found == [prefix["id"], inside["id"], by_content["id"]]
    assert canned_list(a, uniq("nothing")) == []


def test_canned_reply_bad_input(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    a = desk.agents[0]
    for bad in ("with space", "a/b", "x" * 33, ""):
        expect_error(canned(a, short_code=bad, content="x"), 400, "invalid_argument")
    expect_error(canned(a, short_code="ok", content=""), 400, "invalid_argument")
    expect_error(canned(a, short_code="ok", content="x", scope="everyone"), 400, "invalid_argument")
    expect_error(canned(a, short_code="ok", content="x", team_id=desk.team["id"]), 400, "invalid_argument")
    expect_error(canned(admin_client, short_code="ok", content="x", scope="team"), 400, "invalid_argument")
    expect_error(canned(admin_client, short_code="ok", content="x", scope="team", team_id=UNKNOWN), 404,
                 "team_not_found")
    expect_error(a.patch(f"/api/v1/support/canned-replies/{UNKNOWN}", json={"content": "x"}), 404,
                 "canned_reply_not_found")
    expect_error(a.delete("/api/v1/support/canned-replies/abc"), 400, "invalid_argument")
    # no support permission at all: 403 on every canned route
    stranger = make_user()
    expect_error(stranger.get("/api/v1/support/canned-replies"), 403, "forbidden")
    expect_error(canned(stranger, short_code="ok", content="x"), 403, "forbidden")


# -- labels ------------------------------------------------------------------------------------------

def test_labels_are_managed_by_admins_tag_conversations_and_filter_the_list(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    a = desk.agents[0]
    title = uniq("VIP")
    vip = expect(admin_client.post("/api/v1/support/labels", json={"title": title, "color": "#d97706"}), 201)
    bug = expect(admin_client.post("/api/v1/support/labels", json={"title": uniq("Bug")}), 201)
    assert bug["color"] == "#6b7280"
    expect_error(admin_client.post("/api/v1/support/labels", json={"title": title}), 409, "label_exists")
    expect_error(a.post("/api/v1/support/labels", json={"title": uniq("mine")}), 403, "forbidden")
    for color in ("red", "#12345", "#gggggg"):
        expect_error(admin_client.post("/api/v1/support/labels", json={"title": uniq("c"), "color": color}), 400,
                     "invalid_argument")
    assert vip["id"] in {x["id"] for x in expect(a.get("/api/v1/support/labels"), 200)["labels"]}

    _, tagged = open_conversation(server, desk)
    _, plain = open_conversation(server, desk)
    got = expect(a.post(f"/api/v1/support/conversations/{tagged['id']}/labels", json={"label_id": vip["id"]}), 200)
    assert [x["title"] for x in got["labels"]] == [title]
    # adding it again changes nothing
    again = expect(a.post(f"/api/v1/support/conversations/{tagged['id']}/labels", json={"label_id": vip["id"]}), 200)
    assert len(again["labels"]) == 1
    assert [x["id"] for x in desk.conversation(tagged["id"], a)["labels"]] == [vip["id"]]
    assert desk.conversation(plain["id"], a)["labels"] == []
    listed = expect(a.get("/api/v1/support/conversations", params={"label": vip["id"]}), 200)["conversations"]
    assert [c["id"] for c in listed] == [tagged["id"]]
    assert listed[0]["labels"][0]["color"] == "#d97706"
    # rename shows everywhere; remove; unknown ids
    expect(admin_client.patch(f"/api/v1/support/labels/{vip['id']}", json={"title": title + "!", "color": "#000000"}),
           200)
    assert desk.conversation(tagged["id"], a)["labels"][0]["title"] == title + "!"
    expect_error(a.post(f"/api/v1/support/conversations/{tagged['id']}/labels", json={"label_id": UNKNOWN}), 404,
                 "label_not_found")
    expect_error(a.post(f"/api/v1/support/conversations/{UNKNOWN}/labels", json={"label_id": vip["id"]}), 404,
                 "conversation_not_found")
    expect_error(a.post(f"/api/v1/support/conversations/{tagged['id']}/labels", json={}), 400, "invalid_argument")
    gone = expect(a.delete(f"/api/v1/support/conversations/{tagged['id']}/labels/{vip['id']}"), 200)
    assert gone["labels"] == []
    assert expect(a.get("/api/v1/support/conversations", params={"label": vip["id"]}), 200)["conversations"] == []
    # a deleted label leaves its conversations
    expect(a.post(f"/api/v1/support/conversations/{tagged['id']}/labels", json={"label_id": bug["id"]}), 200)
    expect_error(a.delete(f"/api/v1/support/labels/{bug['id']}"), 403, "forbidden")
    expect(admin_client.delete(f"/api/v1/support/labels/{bug['id']}"), 204)
    assert desk.conversation(tagged["id"], a)["labels"] == []
    expect_error(admin_client.delete(f"/api/v1/support/labels/{bug['id']}"), 404, "label_not_found")


def test_an_agent_tags_only_conversations_in_their_scope(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    outsider = desk.new_agent(scope="assigned")
    label = expect(admin_client.post("/api/v1/support/labels", json={"title": uniq("L")}), 201)
    _, conv = open_conversation(server, desk)
    expect_error(outsider.post(f"/api/v1/support/conversations/{conv['id']}/labels", json={"label_id": label["id"]}),
                 404, "conversation_not_found")
    expect_error(outsider.delete(f"/api/v1/support/conversations/{conv['id']}/labels/{label['id']}"), 404,
                 "conversation_not_found")


# -- item 17: contact merge --------------------------------------------------------------------------

def test_merging_b_into_a_moves_conversations_identities_and_visitor_tokens(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    va, ca = open_conversation(server, desk, name="Анна Петрова", email="anna@example.com")
    ident = uniq("cust")
    vb = desk.visitor(server)
    cb = vb.say("Пишу с телефона", name="Аня", email="anya@mail.example", identifier=ident,
                identifier_hash=desk.identity_hash(ident))["conversation"]
    a_id = desk.conversation(ca["id"])["contact_id"]
    b_id = desk.conversation(cb["id"])["contact_id"]
    assert a_id != b_id

    merged = expect(agent.post(f"/api/v1/support/contacts/{a_id}/merge", json={"mergee_id": b_id}), 200)
    assert merged["moved_conversations"] == 1 and merged["moved_visitors"] == 1
    contact = merged["contact"]
    assert contact["id"] == a_id and contact["name"] == "Анна Петрова" and contact["email"] == "anna@example.com"
    kinds = {(i["kind"], i["value"]) for i in contact["identities"]}
    assert kinds == {("email", "anya@mail.example"), ("external_id", ident)}
    assert all(i["from_contact_id"] == b_id for i in contact["identities"])

    # the profile: both conversations under A; B is marked merged and has none left
    profile = expect(agent.get(f"/api/v1/support/contacts/{a_id}"), 200)
    assert {c["id"] for c in profile["conversations"]} == {ca["id"], cb["id"]}
    assert len(profile["identities"]) == 2
    assert desk.conversation(cb["id"])["contact"]["id"] == a_id
    gone = expect(admin_client.get(f"/api/v1/support/contacts/{b_id}"), 200)
    assert gone["merged_into"] == a_id and gone["conversations"] == [] and gone["identities"] == []

    # B's visitor token now stands for A: it sees both conversations, and B's next message lands in A's history
    assert {c["id"] for c in vb.conversations()} == {ca["id"], cb["id"]}
    assert {c["id"] for c in va.conversations()} == {ca["id"], cb["id"]}
    # B's verified identifier, from a new browser, finds A too
    fresh = desk.visitor(server)
    fresh.say("Снова я", identifier=ident, identifier_hash=desk.identity_hash(ident))
    assert {c["id"] for c in fresh.conversations()} == {ca["id"], cb["id"]}
    assert expect(agent.get(f"/api/v1/support/contacts/{a_id}"), 200)["name"] == "Анна Петрова"

    # recorded: who merged what into what
    entries = audit(admin_client, action="support.contact_merged", target_id=a_id)
    assert len(entries) == 1 and entries[0]["actor_id"] == agent.id
    assert entries[0]["target_kind"] == "support_contact" and entries[0]["data"]["mergee_id"] == b_id

    # a merged contact cannot be merged again, in either role
    expect_error(agent.post(f"/api/v1/support/contacts/{a_id}/merge", json={"mergee_id": b_id}), 404,
                 "contact_not_found")
    expect_error(agent.post(f"/api/v1/support/contacts/{b_id}/merge", json={"mergee_id": a_id}), 404,
                 "contact_not_found")


def test_the_merge_goes_in_the_direction_chosen_and_refuses_bad_input(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    _, c1 = open_conversation(server, desk, name="Первый", email="first@example.com")
    _, c2 = open_conversation(server, desk, name="Второй", email="second@example.com")
    one = desk.conversation(c1["id"])["contact_id"]
    two = desk.conversation(c2["id"])["contact_id"]
    # this time the older contact goes into the newer one: the newer one's name stays
    merged = expect(agent.post(f"/api/v1/support/contacts/{two}/merge", json={"mergee_id": one}), 200)["contact"]
    assert merged["id"] == two and merged["name"] == "Второй" and merged["email"] == "second@example.com"
    assert desk.conversation(c1["id"])["contact_id"] == two

    expect_error(agent.post(f"/api/v1/support/contacts/{two}/merge", json={"mergee_id": two}), 400,
                 "invalid_argument")
    expect_error(agent.post(f"/api/v1/support/contacts/{two}/merge", json={"mergee_id": UNKNOWN}), 404,
                 "contact_not_found")
    expect_error(agent.post(f"/api/v1/support/contacts/{UNKNOWN}/merge", json={"mergee_id": two}), 404,
                 "contact_not_found")
    expect_error(agent.post(f"/api/v1/support/contacts/{two}/merge", json={}), 400, "invalid_argument")
    expect_error(agent.post(f"/api/v1/support/contacts/{two}/merge", json={"mergee_id": 5}), 400,
                 "invalid_argument")
    # an agent who sees neither contact cannot merge them (404, as for an unknown id)
    _, c3 = open_conversation(server, desk, name="Третий")
    three = desk.conversation(c3["id"])["contact_id"]
    narrow = desk.new_agent(scope="assigned")
    expect_error(narrow.post(f"/api/v1/support/contacts/{two}/merge", json={"mergee_id": three}), 404,
                 "contact_not_found")
    expect_error(make_user().post(f"/api/v1/support/contacts/{two}/merge", json={"mergee_id": three}), 403,
                 "forbidden")


def test_contact_search_finds_by_name_or_email_within_the_scope(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    mark = uniq("Search")
    _, conv = open_conversation(server, desk, name=f"{mark} Иванов", email=f"{mark.lower()}@example.com")
    contact_id = desk.conversation(conv["id"])["contact_id"]
    by_name = expect(agent.get("/api/v1/support/contacts", params={"q": mark}), 200)["contacts"]
    assert [c["id"] for c in by_name] == [contact_id]
    by_email = expect(agent.get("/api/v1/support/contacts", params={"q": f"{mark.lower()}@exa"}), 200)["contacts"]
    assert [c["id"] for c in by_email] == [contact_id]
    # LIKE's wildcards are literal characters here
    assert expect(agent.get("/api/v1/support/contacts", params={"q": "%"}), 200)["contacts"] == []
    narrow = desk.new_agent(scope="assigned")
    assert expect(narrow.get("/api/v1/support/contacts", params={"q": mark}), 200)["contacts"] == []
    expect_error(agent.get("/api/v1/support/contacts"), 400, "invalid_argument")
    expect_error(agent.get("/api/v1/support/contacts", params={"q": "x" * 101}), 400, "invalid_argument")


# -- topics: edit, move, archive ---------------------------------------------------------------------

def test_an_admin_renames_moves_and_archives_a_topic_and_each_change_is_audited(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    other = expect(admin_client.post("/api/v1/support/teams", json={"name": uniq("team")}), 201)
    topic = expect(admin_client.post("/api/v1/support/topics", json={"team_id": desk.team["id"], "title": "Билеты"}),
                   201)
    assert topic["archived"] is False and topic["archived_at"] is None
    path = f"/api/v1/support/topics/{topic['id']}"

    renamed = expect(admin_client.patch(path, json={"title": "Билеты и возвраты"}), 200)
    assert renamed == dict(topic, title="Билеты и возвраты")
    listed = {t["id"]: t for t in expect(desk.agents[0].get("/api/v1/support/topics"), 200)["topics"]}
    assert listed[topic["id"]]["title"] == "Билеты и возвраты"
    # moved: new conversations with the topic go to the other team; the old one stays where it was
    _, before = open_conversation(server, desk, topic_id=topic["id"])
    moved = expect(admin_client.patch(path, json={"team_id": other["id"]}), 200)
    assert moved["team_id"] == other["id"] and moved["title"] == "Билеты и возвраты"
    _, after = open_conversation(server, desk, topic_id=topic["id"])
    assert desk.conversation(after["id"])["team_id"] == other["id"]
    assert desk.conversation(before["id"])["team_id"] == desk.team["id"]
    # archived: still listed (old conversations name it), refused to new ones; unarchived: offered again
    archived = expect(admin_client.patch(path, json={"archived": True}), 200)
    assert archived["archived"] is True and archived["archived_at"] > 0
    assert {t["id"]: t for t in expect(admin_client.get("/api/v1/support/topics"), 200)["topics"]}[
        topic["id"]]["archived"] is True
    expect_error(desk.visitor(server).client.post("/api/v1/support/widget/messages", json={
        "inbox": desk.inbox["token"], "text": "Вопрос", "topic_id": topic["id"]}), 409, "topic_archived")
    # archiving twice changes nothing and records nothing
    assert expect(admin_client.patch(path, json={"archived": True}), 200)["archived_at"] == archived["archived_at"]
    back = expect(admin_client.patch(path, json={"archived": False, "title": "Возвраты"}), 200)
    assert back["archived"] is False and back["archived_at"] is None and back["title"] == "Возвраты"
    open_conversation(server, desk, topic_id=topic["id"])

    entries = audit(admin_client, action="support.topic_updated", target_id=topic["id"])
    assert len(entries) == 4 and all(e["actor_id"] == admin_client.id and e["target_kind"] == "support_topic"
                                     for e in entries)
    data = [e["data"] for e in sorted(entries, key=lambda e: int(e["id"]))]
    assert data[0] == {"title": {"from": "Билеты", "to": "Билеты и возвраты"}}
    assert data[1] == {"team_id": {"from": desk.team["id"], "to": other["id"]}}
    assert data[2] == {"archived": True}
    assert data[3] == {"title": {"from": "Билеты и возвраты", "to": "Возвраты"}, "archived": False}
    created = audit(admin_client, action="support.topic_created", target_id=topic["id"])
    assert len(created) == 1 and created[0]["data"]["title"] == "Билеты"


def test_topic_edits_refuse_bad_input_and_non_admins(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    topic = expect(admin_client.post("/api/v1/support/topics", json={"team_id": desk.team["id"], "title": "Оплата"}),
                   201)
    path = f"/api/v1/support/topics/{topic['id']}"
    for bad in ({}, {"title": ""}, {"title": "x" * 201}, {"title": 5}, {"title": None}, {"team_id": "x"},
                {"team_id": 5}, {"team_id": None}, {"archived": "yes"}, {"archived": None}, {"unknown": 1}):
        expect_error(admin_client.patch(path, json=bad), 400, "invalid_argument")
    expect_error(admin_client.patch(path, data="not json", headers={"Content-Type": "application/json"}), 400)
    expect_error(admin_client.patch(path, json={"team_id": UNKNOWN}), 404, "team_not_found")
    expect_error(admin_client.patch(f"/api/v1/support/topics/{UNKNOWN}", json={"title": "x"}), 404, "topic_not_found")
    expect_error(admin_client.patch("/api/v1/support/topics/abc", json={"title": "x"}), 400, "invalid_argument")
    # an agent and a user without support permissions: refused, nothing changed
    expect_error(desk.agents[0].patch(path, json={"title": "Моё"}), 403, "forbidden")
    expect_error(make_user().patch(path, json={"archived": True}), 403, "forbidden")
    expect_error(Client(server).patch(path, json={"title": "x"}), 401)
    assert {t["id"]: t for t in expect(admin_client.get("/api/v1/support/topics"), 200)["topics"]}[topic["id"]] == topic
    assert audit(admin_client, action="support.topic_updated", target_id=topic["id"]) == []


# -- item 18: soft delete, restore, deleted messages -------------------------------------------------

def test_an_admin_soft_deletes_and_restores_a_conversation_with_its_messages_and_assignee(
        server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1, capacity=1)
    agent = desk.agents[0]
    visitor, conv = open_conversation(server, desk)
    expect(agent.post(f"/api/v1/support/conversations/{conv['id']}/messages", json={"text": "Смотрю"}), 201)
    before = desk.messages(agent, conv["id"])
    assert desk.conversation(conv["id"])["assignee_id"] == agent.id
    # the agent is full: the next conversation waits in the queue
    _, queued = open_conversation(server, desk)
    assert desk.conversation(queued["id"])["assignee_id"] is None

    # agents may not delete or restore
    expect_error(agent.delete(f"/api/v1/support/conversations/{conv['id']}"), 403, "forbidden")
    expect(admin_client.delete(f"/api/v1/support/conversations/{conv['id']}"), 204)
    expect_error(agent.post(f"/api/v1/support/conversations/{conv['id']}/restore"), 403, "forbidden")

    # gone from the agent's list, GET, messages, posting, and from the visitor's history
    listed = expect(agent.get("/api/v1/support/conversations"), 200)["conversations"]
    assert conv["id"] not in {c["id"] for c in listed}
    expect_error(agent.get(f"/api/v1/support/conversations/{conv['id']}"), 404, "conversation_not_found")
    expect_error(agent.get(f"/api/v1/support/conversations/{conv['id']}/messages"), 404, "conversation_not_found")
    expect_error(agent.post(f"/api/v1/support/conversations/{conv['id']}/messages", json={"text": "x"}), 404,
                 "conversation_not_found")
    assert conv["id"] not in {c["id"] for c in visitor.conversations()}
    # its place in the agent's capacity went to the queued conversation
    assert desk.conversation(queued["id"])["assignee_id"] == agent.id
    # the admin still sees it, marked, and finds it among the deleted ones
    seen = desk.conversation(conv["id"])
    assert seen["deleted_at"] is not None and seen["deleted_by"] == admin_client.id
    assert conv["id"] not in {c["id"] for c in expect(admin_client.get("/api/v1/support/conversations"),
                                                      200)["conversations"]}
    deleted = expect(admin_client.get("/api/v1/support/conversations", params={"deleted": "true"}),
                     200)["conversations"]
    assert conv["id"] in {c["id"] for c in deleted}
    expect_error(agent.get("/api/v1/support/conversations", params={"deleted": "true"}), 403, "forbidden")
    expect_error(admin_client.get("/api/v1/support/conversations", params={"deleted": "yes"}), 400,
                 "invalid_argument")
    expect_error(admin_client.delete(f"/api/v1/support/conversations/{conv['id']}"), 404, "conversation_not_found")

    restored = expect(admin_client.post(f"/api/v1/support/conversations/{conv['id']}/restore"), 200)
    assert restored["deleted_at"] is None and restored["assignee_id"] == agent.id
    assert restored["status"] == "open" and restored["number"] == conv["number"]
    after = desk.messages(agent, conv["id"])
    assert [(m["id"], m["text"]) for m in after] == [(m["id"], m["text"]) for m in before]
    assert conv["id"] in {c["id"] for c in visitor.conversations()}
    expect_error(admin_client.post(f"/api/v1/support/conversations/{conv['id']}/restore"), 409,
                 "conversation_not_deleted")
    expect_error(admin_client.post(f"/api/v1/support/conversations/{UNKNOWN}/restore"), 404,
                 "conversation_not_found")
    expect_error(admin_client.delete(f"/api/v1/support/conversations/{UNKNOWN}"), 404, "conversation_not_found")

    # both in the audit log, with who did it
    for action in ("support.conversation_deleted", "support.conversation_restored"):
        entries = audit(admin_client, action=action, target_id=conv["id"])
        assert len(entries) == 1 and entries[0]["actor_id"] == admin_client.id, action
        assert entries[0]["data"]["number"] == conv["number"]


def test_admins_see_deleted_messages_with_the_original_text_and_who_deleted_them(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    support_admin = make_user()
    grant(admin_client, support_admin, "support.admin")
    visitor, conv = open_conversation(server, desk, text="Мой номер карты 1234")
    reply = expect(agent.post(f"/api/v1/support/conversations/{conv['id']}/messages",
                              json={"text": "Ответ с ошибкой"}), 201)
    # the agent deletes their reply; a moderator (who joined the chat with a note) deletes the customer's message
    expect(agent.delete(f"/api/v1/messages/{reply['id']}"), 204)
    customer_msg = desk.messages(agent, conv["id"])[0]
    expect(admin_client.post(f"/api/v1/support/conversations/{conv['id']}/notes", json={"text": "Удалю номер"}), 201)
    expect(admin_client.delete(f"/api/v1/messages/{customer_msg['id']}"), 204)

    as_agent = {m["id"]: m for m in desk.messages(agent, conv["id"])}
    assert as_agent[reply["id"]]["deleted"] is True and as_agent[reply["id"]]["text"] == ""
    assert "deleted_by" not in as_agent[reply["id"]]
    for who in (support_admin, admin_client):
        seen = {m["id"]: m for m in desk.messages(who, conv["id"])}
        assert seen[reply["id"]]["deleted"] is True and seen[reply["id"]]["text"] == "Ответ с ошибкой"
        assert seen[reply["id"]]["deleted_by"] == agent.id and seen[reply["id"]]["deleted_at"] > 0
        assert seen[customer_msg["id"]]["text"] == "Мой номер карты 1234"
        assert seen[customer_msg["id"]]["deleted_by"] == admin_client.id
        assert seen[customer_msg["id"]]["direction"] == "incoming"
    # the visitor sees neither
    assert visitor.history(conv["id"]) == []


# -- item 8: snooze presets through the team's calendar ----------------------------------------------

def clear_days(admin, calendar_id, years):
    for y in years:
        for d in expect(admin.get(f"/api/v1/calendars/{calendar_id}/days", params={"year": str(y)}), 200)["days"]:
            expect(admin.delete(f"/api/v1/calendars/{calendar_id}/days/{d['date']}"), 204)


def local_ms(zone, date, hh, mm):
    return int(datetime.datetime(date.year, date.month, date.day, hh, mm, tzinfo=zone).timestamp() * 1000)


def test_snooze_presets_resolve_through_the_teams_calendar_skipping_a_monday_holiday(server, admin_client, make_user):
    zone_name = "Asia/Vladivostok"
    zone = ZoneInfo(zone_name)
    monday_only = [[{"start": "10:00", "end": "17:00"}], [], [], [], [], [], []]
    cal = expect(admin_client.post("/api/v1/calendars", json={"name": uniq("mondays"), "time_zone": zone_name,
                                                              "week": monday_only}), 201)
    today = datetime.datetime.now(zone).date()
    clear_days(admin_client, cal["id"], {today.year, today.year + 1})
    next_monday = today + datetime.timedelta(days=(7 - today.weekday()) or 7)
    expect(admin_client.put(f"/api/v1/calendars/{cal['id']}/days/{next_monday.isoformat()}",
                            json={"kind": "holiday", "note": "test"}), 200)

    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    expect_error(agent.put(f"/api/v1/support/teams/{desk.team['id']}/calendar", json={"calendar_id": cal["id"]}),
                 403, "forbidden")
    expect_error(admin_client.put(f"/api/v1/support/teams/{desk.team['id']}/calendar",
                                  json={"calendar_id": UNKNOWN}), 404, "calendar_not_found")
    expect_error(admin_client.put(f"/api/v1/support/teams/{UNKNOWN}/calendar", json={"calendar_id": cal["id"]}),
                 404, "team_not_found")
    team = expect(admin_client.put(f"/api/v1/support/teams/{desk.team['id']}/calendar",
                                   json={"calendar_id": cal["id"]}), 200)
    assert team["calendar_id"] == cal["id"]
    _, conv = open_conversation(server, desk)
    cid = conv["id"]

    def snooze(preset):
        return desk.status(agent, cid, "snoozed", preset=preset)

    # the holiday Monday is skipped: the Monday after, at the calendar's opening, in its zone
    got = snooze("next_working_day")
    assert got["status"] == "snoozed" and got["snoozed_until"] == local_ms(zone, next_monday + datetime.timedelta(7),
                                                                           10, 0)
    # "tomorrow" is the next date at the week's opening time, day off or not
    assert snooze("tomorrow")["snoozed_until"] == local_ms(zone, today + datetime.timedelta(1), 10, 0)
    # "next Monday" is that Monday, holiday or not
    assert snooze("next_monday")["snoozed_until"] == local_ms(zone, next_monday, 10, 0)
    t0 = int(time.time() * 1000)
    in_hour = snooze("in_1_hour")["snoozed_until"]
    assert t0 + 3_600_000 - 5_000 <= in_hour <= int(time.time() * 1000) + 3_600_000
    until_reply = snooze("until_reply")
    assert until_reply["snoozed_until"] is None and until_reply["snooze_until_reply"] is True

    desk.status(agent, cid, "open")
    # back to the default calendar
    expect(admin_client.put(f"/api/v1/support/teams/{desk.team['id']}/calendar", json={"calendar_id": None}), 200)
    default = next(c for c in expect(agent.get("/api/v1/calendars"), 200)["calendars"] if c["is_default"])
    now = int(time.time() * 1000)
    expected = expect(agent.get(f"/api/v1/calendars/{default['id']}/next-working-day",
                                params={"from": str(now), "at": "09:00"}), 200)["at"]
    assert snooze("next_working_day")["snoozed_until"] == expected

    # bad input
    expect_error(agent.post(f"/api/v1/support/conversations/{cid}/status",
                            json={"status": "snoozed", "preset": "next_year"}), 400, "invalid_argument")
    expect_error(agent.post(f"/api/v1/support/conversations/{cid}/status",
                            json={"status": "open", "preset": "tomorrow"}), 400, "invalid_argument")
    expect_error(agent.post(f"/api/v1/support/conversations/{cid}/status",
                            json={"status": "snoozed", "preset": "tomorrow", "snoozed_until": now + 60_000}), 400,
                 "invalid_argument")
    expect_error(agent.post(f"/api/v1/support/conversations/{UNKNOWN}/status",
                            json={"status": "snoozed", "preset": "tomorrow"}), 404, "conversation_not_found")
    narrow = desk.new_agent(scope="assigned")
    expect_error(narrow.post(f"/api/v1/support/conversations/{cid}/status",
                             json={"status": "snoozed", "preset": "tomorrow"}), 404, "conversation_not_found")


def test_a_visitor_token_reaches_none_of_the_tools(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    visitor, conv = open_conversation(server, desk)
    as_visitor = Client(server, token=visitor.token)
    expect_error(as_visitor.get("/api/v1/support/canned-replies"), 401)
    expect_error(as_visitor.get("/api/v1/support/labels"), 401)
    expect_error(as_visitor.delete(f"/api/v1/support/conversations/{conv['id']}"), 401)
