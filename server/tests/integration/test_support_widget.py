"""Support desk, the widget's gaps (issue 13 §1(a), docs/api.md "The widget"): an inbox's allowed origins
(CORS and the 403 origin_not_allowed on every widget route, the preflight, requests without Origin), the
inbox update route, the topics a new visitor picks and how they route, the CSAT flow through the widget's
routes, and the CORS header on the transport's own refusals of a widget upload (413 before the body)."""

from support_helpers import Desk
from veche_harness import Client, expect, expect_error, uniq

SHOP = "https://shop.example"
EVIL = "https://evil.example"
TEN_MIB = 10 * 1024 * 1024


def audit(admin, **filters):
    params = {k: str(v) for k, v in filters.items()}
    params.setdefault("limit", "200")
    return expect(admin.get("/api/v1/admin/audit", params=params), 200)["entries"]


def patch_inbox(admin, inbox_id, **body):
    return admin.patch(f"/api/v1/support/inboxes/{inbox_id}", json=body)


def say(client, inbox_token, text, origin=None, **extra):
    headers = {"Origin": origin} if origin else {}
    return client.request("POST", "/api/v1/support/widget/messages", auth=bool(client.token), headers=headers,
                          json={"inbox": inbox_token, "text": text, **extra})


def upload(client, conversation_id, data, origin, inbox_token=None, **kw):
    query = f"name=photo.png&inbox={inbox_token}" if inbox_token else "name=photo.png"
    return client.request("POST", f"/api/v1/support/widget/conversations/{conversation_id}/files?{query}",
                          data=data, headers={"Content-Type": "application/octet-stream", "Origin": origin}, **kw)


def preflight(server, path, origin):
    return Client(server).request("OPTIONS", path, auth=False, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})


def conversations_of_team(admin, team_id):
    return [c for c in expect(admin.get("/api/v1/support/conversations", params={"team": team_id, "limit": "200"}),
                              200)["conversations"]]


def test_an_inbox_with_allowed_origins_answers_those_pages_only(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    inbox, token = desk.inbox, desk.inbox["token"]
    assert inbox["allowed_origins"] == []
    changed = expect(patch_inbox(admin_client, inbox["id"], allowed_origins=[" HTTPS://Shop.Example/ ", SHOP,
                                                                               "http://localhost:8080"]), 200)
    assert changed["allowed_origins"] == [SHOP, "http://localhost:8080"]
    assert changed["token"] == token and changed["name"] == inbox["name"]
    entry = audit(admin_client, action="support.inbox_updated", target_id=inbox["id"])[0]
    assert entry["data"]["allowed_origins"] == [SHOP, "http://localhost:8080"] and "hmac_secret" not in entry["data"]

    # A page of an allowed origin: its origin is echoed (not "*"), and caches keep answers apart.
    anon = Client(server)
    r = say(anon, token, "С сайта магазина", origin=SHOP)
    body = expect(r, 201)
    assert r.headers["Access-Control-Allow-Origin"] == SHOP and "Origin" in r.headers["Vary"]
    visitor = Client(server, token=body["visitor_token"])
    cid = body["conversation"]["id"]
    r = visitor.request("GET", "/api/v1/support/widget/conversations", headers={"Origin": SHOP})
    assert expect(r, 200)["conversations"][0]["id"] == cid and r.headers["Access-Control-Allow-Origin"] == SHOP
    # Another page: refused before anything happens, with no CORS header for the browser to pass it.
    before = len(conversations_of_team(admin_client, desk.team["id"]))
    r = say(Client(server), token, "С чужого сайта", origin=EVIL)
    expect_error(r, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in r.headers
    assert len(conversations_of_team(admin_client, desk.team["id"])) == before
    routes = [("GET", "/api/v1/support/widget/conversations", None),
              ("GET", f"/api/v1/support/widget/conversations/{cid}/messages", None),
              ("GET", f"/api/v1/support/widget/conversations/{cid}/csat", None),
              ("POST", "/api/v1/support/widget/csat", {"conversation_id": cid, "rating": 5}),
              ("POST", "/api/v1/support/widget/messages", {"inbox": token, "text": "ещё"}),
              ("GET", f"/api/v1/support/widget/topics?inbox={token}", None)]
    for method, path, js in routes:
        r = visitor.request(method, path, headers={"Origin": EVIL}, json=js)
        expect_error(r, 403, "origin_not_allowed")
        assert "Access-Control-Allow-Origin" not in r.headers, path
    r = upload(visitor, cid, b"x", EVIL)
    expect_error(r, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in r.headers
    r = upload(visitor, cid, b"receipt", SHOP)
    assert expect(r, 201)["message"]["from"] == "visitor" and r.headers["Access-Control-Allow-Origin"] == SHOP
    # Without Origin (a company's server, curl): allowed, and no CORS header is needed.
    r = visitor.request("GET", "/api/v1/support/widget/conversations")
    assert expect(r, 200)["conversations"][0]["id"] == cid and "Access-Control-Allow-Origin" not in r.headers
    expect(say(Client(server), token, "Через API сервера"), 201)
    # An error of an allowed page stays readable.
    r = Client(server).request("GET", f"/api/v1/support/widget/conversations?inbox={token}", auth=False,
                               headers={"Origin": SHOP})
    expect_error(r, 401, "visitor_unauthenticated")
    assert r.headers["Access-Control-Allow-Origin"] == SHOP

    # The preflight names the inbox in its query (it carries no Authorization).
    path = f"/api/v1/support/widget/conversations?inbox={token}"
    r = preflight(server, path, SHOP)
    assert r.status_code == 204 and r.headers["Access-Control-Allow-Origin"] == SHOP
    assert "authorization" in r.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in r.headers
    r = preflight(server, path, "http://localhost:8080")
    assert r.status_code == 204 and r.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
    r = preflight(server, path, EVIL)
    expect_error(r, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in r.headers
    r = preflight(server, f"/api/v1/support/widget/conversations/{cid}/files?name=a.png&inbox={token}", EVIL)
    assert r.status_code == 403 and "Access-Control-Allow-Origin" not in r.headers

    # Emptied, the list means any origin again.
    expect(patch_inbox(admin_client, inbox["id"], allowed_origins=[]), 200)
    r = say(Client(server), token, "Снова с любого сайта", origin=EVIL)
    expect(r, 201)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = preflight(server, path, EVIL)
    assert r.status_code == 204 and r.headers["Access-Control-Allow-Origin"] == "*"


def test_the_inbox_update_route_changes_the_safe_settings_for_admins_only(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    other_team = expect(admin_client.post("/api/v1/support/teams", json={"name": uniq("team")}), 201)
    made = expect(admin_client.post("/api/v1/support/inboxes", json={
        "name": uniq("inbox"), "channel": "widget", "allowed_origins": ["https://a.example/"]}), 201)
    assert made["allowed_origins"] == ["https://a.example"]
    listed = next(i for i in expect(admin_client.get("/api/v1/support/inboxes"), 200)["inboxes"] if i["id"] == made["id"])
    assert listed["allowed_origins"] == ["https://a.example"]
    iid = desk.inbox["id"]
    got = expect(patch_inbox(admin_client, iid, name="Сайт", team_id=other_team["id"], reopen_window_days=7,
                             greeting="Здравствуйте!", hmac_mandatory=True), 200)
    assert (got["name"], got["team_id"], got["reopen_window_days"], got["greeting"], got["hmac_mandatory"]) == (
        "Сайт", other_team["id"], 7, "Здравствуйте!", True)
    assert got["token"] == desk.inbox["token"] and got["hmac_secret"] == desk.inbox["hmac_secret"]
    assert expect(patch_inbox(admin_client, iid, team_id=None), 200)["team_id"] is None
    assert expect(patch_inbox(admin_client, iid), 200)["name"] == "Сайт"  # nothing to change
    entry = audit(admin_client, action="support.inbox_updated", target_id=iid)[0]
    assert entry["data"] == {"team_id": None}
    # Bad input is 400 and changes nothing.
    for bad in ({"allowed_origins": ["shop.example"]}, {"allowed_origins": ["https://shop.example/path"]},
                {"allowed_origins": ["ftp://shop.example"]}, {"allowed_origins": "https://shop.example"},
                {"allowed_origins": [1]}, {"allowed_origins": [f"https://s{n}.example" for n in range(51)]},
                {"name": ""}, {"reopen_window_days": 0}, {"channel": "api"}, {"token": "mine"},
                {"hmac_secret": "x"}, {"hmac_mandatory": "yes"}):
        expect_error(patch_inbox(admin_client, iid, **bad), 400, "invalid_argument")
    expect_error(admin_client.post("/api/v1/support/inboxes", json={
        "name": uniq("inbox"), "channel": "widget", "allowed_origins": ["nope"]}), 400, "invalid_argument")
    assert expect(patch_inbox(admin_client, iid), 200)["allowed_origins"] == []
    expect_error(patch_inbox(admin_client, iid, team_id="987654321987654321"), 404, "team_not_found")
    expect_error(patch_inbox(admin_client, "987654321987654321", name="x"), 404, "inbox_not_found")
    # An agent is no admin.
    expect_error(patch_inbox(desk.agents[0], iid, name="x"), 403, "forbidden")


def test_a_new_visitor_picks_among_the_desks_topics_and_the_topic_routes_the_conversation(
        server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    billing = Desk(admin_client, make_user, agents=1)
    t1 = expect(admin_client.post("/api/v1/support/topics", json={
        "team_id": desk.team["id"], "title": uniq("Билеты ")}), 201)
    t2 = expect(admin_client.post("/api/v1/support/topics", json={
        "team_id": billing.team["id"], "title": uniq("Оплата ")}), 201)
    anon = Client(server)
    r = anon.get(f"/api/v1/support/widget/topics?inbox={desk.inbox['token']}", auth=False,
                 headers={"Origin": SHOP})
    topics = expect(r, 200)["topics"]
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    mine = [t for t in topics if t["id"] in (t1["id"], t2["id"])]
    assert sorted(mine, key=lambda t: t["id"]) == sorted([{"id": t1["id"], "title": t1["title"]},
                                                          {"id": t2["id"], "title": t2["title"]}],
                                                         key=lambda t: t["id"])
    assert all(set(t) == {"id", "title"} for t in topics), "names only: no team ids for strangers"
    assert [t["title"] for t in topics] == sorted(t["title"] for t in topics)
    # An archived topic is no longer offered (a new conversation may not take it).
    t3 = expect(admin_client.post("/api/v1/support/topics", json={
        "team_id": desk.team["id"], "title": uniq("Архив ")}), 201)
    expect(admin_client.patch(f"/api/v1/support/topics/{t3['id']}", json={"archived": True}), 200)
    listed = expect(anon.get(f"/api/v1/support/widget/topics?inbox={desk.inbox['token']}", auth=False), 200)["topics"]
    assert t3["id"] not in [t["id"] for t in listed] and t1["id"] in [t["id"] for t in listed]

    # The chosen topic routes the new conversation to its team, not the inbox's.
    v = desk.visitor(server)
    conv = v.say("Не прошла оплата картой", topic_id=t2["id"])["conversation"]
    seen = desk.conversation(conv["id"])
    assert seen["topic_id"] == t2["id"] and seen["team_id"] == billing.team["id"]
    assert seen["assignee_id"] == billing.agents[0].id
    # Without a topic it goes to the inbox's team; an unknown topic is refused.
    w = desk.visitor(server)
    plain = desk.conversation(w.say("Просто вопрос")["conversation"]["id"])
    assert plain["topic_id"] is None and plain["team_id"] == desk.team["id"]
    desk.visitor(server).say("?", status=404, topic_id="987654321987654321")

    # Bad input: no inbox, an unknown one, one that is not a widget's.
    expect_error(anon.get("/api/v1/support/widget/topics", auth=False), 400, "invalid_argument")
    expect_error(anon.get("/api/v1/support/widget/topics?inbox=nope", auth=False), 404, "inbox_not_found")
    expect_error(anon.get("/api/v1/support/widget/topics?inbox=" + "x" * 300, auth=False), 404, "inbox_not_found")
    api_inbox = expect(admin_client.post("/api/v1/support/inboxes", json={"name": uniq("api"), "channel": "api"}), 201)
    expect_error(anon.get(f"/api/v1/support/widget/topics?inbox={api_inbox['token']}", auth=False), 404,
                 "inbox_not_found")


def test_a_resolved_conversation_is_rated_once_through_the_widget(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    v = desk.visitor(server)
    cid = v.say("Верните деньги за билет")["conversation"]["id"]
    csat_path = f"/api/v1/support/widget/conversations/{cid}/csat"
    assert expect(v.client.get(csat_path), 200) == {"requested": False, "csat": None}
    expect_error(v.client.post("/api/v1/support/widget/csat", json={"conversation_id": cid, "rating": 4}), 409,
                 "csat_not_requested")
    expect(agent.post(f"/api/v1/support/conversations/{cid}/messages", json={"text": "Вернули"}), 201)
    desk.status(agent, cid, "resolved")
    assert v.conversations()[0]["status"] == "resolved"

    # What a reload reads: asked, not rated yet.
    asked = expect(v.client.get(csat_path, headers={"Origin": SHOP}), 200)
    assert asked["requested"] is True and asked["csat"]["rating"] is None
    assert "agent_id" not in asked["csat"] and "team_id" not in asked["csat"]
    for bad in (0, 6, "5", None):
        expect_error(v.client.post("/api/v1/support/widget/csat", json={"conversation_id": cid, "rating": bad}), 400,
                     "invalid_argument")
    expect_error(v.client.post("/api/v1/support/widget/csat", json={
        "conversation_id": cid, "rating": 4, "comment": "x" * 201}), 400, "invalid_argument")
    other = desk.visitor(server)
    other.say("Я другой")
    expect_error(other.client.get(csat_path), 404, "conversation_not_found")
    expect_error(other.client.post("/api/v1/support/widget/csat", json={"conversation_id": cid, "rating": 1}), 404,
                 "conversation_not_found")

    r = v.client.post("/api/v1/support/widget/csat", headers={"Origin": SHOP},
                      json={"conversation_id": cid, "rating": 4, "comment": "Быстро, спасибо"})
    rated = expect(r, 201)
    assert rated["rating"] == 4 and rated["comment"] == "Быстро, спасибо" and rated["rated_at"]
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    after = expect(v.client.get(csat_path), 200)
    assert after["requested"] is True and after["csat"]["rating"] == 4
    expect_error(v.client.post("/api/v1/support/widget/csat", json={"conversation_id": cid, "rating": 5}), 409,
                 "csat_already_rated")
    assert expect(v.client.get(csat_path), 200)["csat"]["rating"] == 4
    seen = expect(agent.get(f"/api/v1/support/conversations/{cid}/sla"), 200)["csat"]
    assert seen["rating"] == 4 and seen["agent_id"] == agent.id


def test_the_transports_refusals_of_a_widget_upload_carry_the_cors_header(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    v = desk.visitor(server)
    cid = v.say("Прикреплю скриншот")["conversation"]["id"]
    # Refused before the body is read: too large by its declared length, and without a visitor token.
    r = upload(v.client, cid, b"x" * (TEN_MIB + 1), SHOP)
    expect_error(r, 413, "file_too_large")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = upload(Client(server), cid, b"x", SHOP, auth=False)
    expect_error(r, 401, "visitor_unauthenticated")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    # A restricted inbox: its page gets its own origin back on the refusal; another page gets none.
    expect(patch_inbox(admin_client, desk.inbox["id"], allowed_origins=[SHOP]), 200)
    r = upload(v.client, cid, b"x" * (TEN_MIB + 1), SHOP, inbox_token=desk.inbox["token"])
    expect_error(r, 413, "file_too_large")
    assert r.headers["Access-Control-Allow-Origin"] == SHOP and "Origin" in r.headers["Vary"]
    r = upload(v.client, cid, b"x" * (TEN_MIB + 1), EVIL)
    expect_error(r, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in r.headers
    # The messenger's uploads are not the widget's: no CORS header on their refusals.
    r = admin_client.request("POST", "/api/v1/chats/987654321987654321/files?name=a.txt", data=b"x",
                             headers={"Content-Type": "application/octet-stream", "Origin": SHOP})
    assert r.status_code >= 400 and "Access-Control-Allow-Origin" not in r.headers
