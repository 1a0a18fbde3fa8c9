"""Business objects: types, the idempotent upsert, chat trees, counterparties, stages (MODULES.md §1.7
items 1-7), and the confidentiality rule tested from a supplier's side across REST, WebSocket and
search (docs/api.md "Business objects")."""

import threading

from objects_helpers import TENDER_TYPE, Tender, define_tender_type, grant
from veche_harness import expect, expect_error, uniq

MISSING = "1"


def members_of(client, chat_id):
    return {m["user"]["id"]: m["role"] for m in expect(client.get(f"/api/v1/chats/{chat_id}/members"), 200)["members"]}


def test_the_upsert_is_idempotent_and_makes_one_chat_tree(server, admin_client, make_user):
    t = Tender(admin_client, make_user)
    first, status = t.upsert()
    assert status == 201
    assert first["stage"] == "offers" and first["state"] == "active" and first["type"] == t.type
    # the first stage's chats: the life-long organization chat only (supplier chats come with suppliers)
    assert [c["template"] for c in first["chats"]] == ["org"]
    again, status = t.upsert()
    assert status == 200 and again["id"] == first["id"]
    assert [c["chat_id"] for c in again["chats"]] == [c["chat_id"] for c in first["chats"]]
    # two racing upserts of a new external id still make one object
    t2 = Tender(admin_client, make_user, type_key=t.type)
    results = []

    def put():
        r = t2.erp.put(f"/api/v1/objects/{t.type}/{t2.external_id}", json={"title": "гонка"})
        results.append(r)

    threads = [threading.Thread(target=put) for _ in range(4)]
    [th.start() for th in threads]
    [th.join() for th in threads]
    assert sorted(r.status_code for r in results) == [200, 200, 200, 201], [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 1


def test_the_template_decides_chats_and_members_and_the_bot_says_chat_created(server, admin_client, make_user):
    t = Tender(admin_client, make_user)
    t.upsert()
    org = t.chat("org")
    assert org["category"] == "organization" and org["name"].startswith("Организационный чат — Поставка труб")
    m = members_of(t.manager, org["chat_id"])
    assert m[t.manager.id] == "admin" and m[t.owner.id] == "admin" and m[t.observer.id] == "guest"
    assert all(m[c.id] == "member" for c in t.commission)
    assert t.erp.id not in m
    chat = expect(t.manager.get(f"/api/v1/chats/{org['chat_id']}"), 200)
    assert chat["kind"] == "object" and chat["immutable_after_minutes"] == 0 and chat["edit_window_minutes"] == 10
    owner = [u for u, r in m.items() if r == "owner"]
    assert len(owner) == 1
    bot = expect(t.manager.get(f"/api/v1/users/{owner[0]}"), 200)
    assert bot["display_name"] == "Системный помощник"
    first = t.manager.all_messages(org["chat_id"])[0]
    assert first["author_id"] == owner[0] and first["text"].startswith("Чат создан")
    # the observer reads but does not write
    expect_error(t.observer.post(f"/api/v1/chats/{org['chat_id']}/messages", json={"text": "hi"}), 403)
    # membership is the object's: the messenger API refuses to change it
    outsider = make_user()
    expect_error(t.manager.post(f"/api/v1/chats/{org['chat_id']}/members", json={"user_ids": [outsider.id]}), 403,
                 "managed_chat")
    expect_error(t.manager.patch(f"/api/v1/chats/{org['chat_id']}", json={"name": "x"}), 403, "managed_chat")
    expect_error(t.manager.post(f"/api/v1/chats/{org['chat_id']}/archive"), 403, "managed_chat")
    expect_error(t.commission[0].delete(f"/api/v1/chats/{org['chat_id']}/members/{t.commission[0].id}"), 403,
                 "managed_chat")
    # changing the object's members changes the chats' members
    t.commission.append(make_user())
    t.upsert()
    assert members_of(t.manager, org["chat_id"])[t.commission[-1].id] == "member"
    t.commission.pop(0)
    t.upsert()
    assert len([u for u in members_of(t.manager, org["chat_id"]) if u in {c.id for c in t.commission}]) == 2


def test_each_supplier_gets_a_confidential_chat(server, admin_client, make_user):
    t = Tender(admin_client, make_user)
    t.upsert()
    t.add_suppliers()
    ca, cb = t.chat("supplier", t.a), t.chat("supplier", t.b)
    assert ca["name"] == "ООО Альфа — " + t.obj["title"] and ca["category"] == "supplier"
    assert set(members_of(t.manager, ca["chat_id"])) == {t.manager.id, *[u.id for u in t.a_users],
                                                       next(u for u, r in members_of(t.manager, ca["chat_id"]).items()
                                                            if r == "owner")}
    a1 = t.a_users[0]
    # A's user: B's chat is unknown by id, absent from the lists, and B does not exist in the object
    for path in (f"/api/v1/chats/{cb['chat_id']}", f"/api/v1/chats/{cb['chat_id']}/messages",
                 f"/api/v1/chats/{cb['chat_id']}/members", f"/api/v1/chats/{cb['chat_id']}/object",
                 f"/api/v1/chats/{cb['chat_id']}/files"):
        expect_error(a1.get(path), 404)
    expect_error(a1.post(f"/api/v1/chats/{cb['chat_id']}/messages", json={"text": "x"}), 404)
    assert cb["chat_id"] not in {c["id"] for c in a1.chats()}
    seen = expect(a1.get(f"/api/v1/objects/{t.obj['id']}"), 200)
    assert seen["my_roles"] == ["supplier"] and seen["staff"] is False and seen["members"] == []
    assert [c["name"] for c in seen["counterparties"]] == ["ООО Альфа"]
    assert {c["chat_id"] for c in seen["chats"]} == {ca["chat_id"]}
    assert all(u not in str(seen) for u in [t.b_users[0].id, t.b_users[1].id, "Бета"])
    tree = expect(a1.get(f"/api/v1/objects/{t.obj['id']}/chats"), 200)
    assert [g["category"] for g in tree["groups"]] == ["supplier"]
    listed = expect(a1.get("/api/v1/objects"), 200)["objects"]
    assert [o["id"] for o in listed] == [t.obj["id"]] and listed[0]["counterparty_count"] == 1
    # A's chat works for A: posts, back to the object
    expect(a1.post(f"/api/v1/chats/{ca['chat_id']}/messages", json={"text": "наше предложение"}), 201)
    back = expect(a1.get(f"/api/v1/chats/{ca['chat_id']}/object"), 200)
    assert back["object"]["id"] == t.obj["id"] and back["chat"]["counterparty_id"] == t.a["id"]
    # someone outside the object sees nothing
    stranger = make_user()
    expect_error(stranger.get(f"/api/v1/objects/{t.obj['id']}"), 404, "object_not_found")
    expect_error(stranger.get(f"/api/v1/objects/{t.obj['id']}/chats"), 404, "object_not_found")
    assert expect(stranger.get("/api/v1/objects"), 200)["objects"] == []
    # a supplier cannot manage the object
    expect_error(a1.post(f"/api/v1/objects/{t.obj['id']}/stage", json={"from": "offers", "to": "commission"}), 403)
    expect_error(a1.post(f"/api/v1/objects/{t.obj['id']}/counterparties",
                         json={"org_ref": "x", "name": "x", "users": [a1.username]}), 403)
    # a user is never in two suppliers of one object
    expect_error(t.erp.post(f"/api/v1/objects/{t.obj['id']}/counterparties", json={
        "org_ref": "7701000002", "name": "АО Бета", "users": [u.username for u in t.b_users] + [a1.username]}), 409,
        "user_in_other_counterparty")
    # the repeated counterparty call is idempotent
    again = expect(t.erp.post(f"/api/v1/objects/{t.obj['id']}/counterparties", json={
        "org_ref": "7701000002", "name": "АО Бета", "users": [u.username for u in t.b_users]}), 200)
    assert again["id"] == t.b["id"]
    assert len([c for c in t.refresh()["chats"] if c["template"] == "supplier"]) == 2


def test_search_and_the_stream_show_a_supplier_nothing_of_another(server, admin_client, make_user, ws_factory):
    t = Tender(admin_client, make_user)
    t.upsert()
    a1, b1 = t.a_users[0], t.b_users[0]
    ws_live = ws_factory(server, a1.token)
    start_pos = ws_live.last_pos
    t.add_suppliers()
    ca, cb = t.chat("supplier", t.a), t.chat("supplier", t.b)
    secret = uniq("секрет").lower()
    expect(b1.post(f"/api/v1/chats/{cb['chat_id']}/messages", json={"text": "цена бета " + secret}), 201)
    expect(t.manager.post(f"/api/v1/chats/{cb['chat_id']}/messages", json={"text": "ответ бете " + secret}), 201)
    mine = expect(a1.post(f"/api/v1/chats/{ca['chat_id']}/messages", json={"text": "альфа " + secret}), 201)
    # search: A finds its own message only
    hits = expect(a1.get("/api/v1/search", params={"query": secret}), 200)["results"]
    assert [h["message"]["id"] for h in hits] == [mine["id"]]
    expect_error(a1.get("/api/v1/search", params={"query": secret, "chat_id": cb["chat_id"]}), 404)
    assert len(expect(t.manager.get("/api/v1/search", params={"query": secret}), 200)["results"]) == 3
    # live stream: A's connection saw its own chat open and never B's
    ws_live.wait_event("message.created", lambda f: f["data"]["id"] == mine["id"])
    assert all(f.get("chat_id") != cb["chat_id"] for f in ws_live.events())
    assert all(secret not in str(f) or f["chat_id"] == ca["chat_id"] for f in ws_live.events())
    # replay from before the suppliers were added: still nothing of B
    ws_replay = ws_factory(server, a1.token, last_pos=start_pos)
    ws_replay.wait_event("message.created", lambda f: f["data"]["id"] == mine["id"])
    assert all(f.get("chat_id") != cb["chat_id"] for f in ws_replay.events())
    assert "Бета" not in str(ws_replay.snapshot()) and b1.id not in str(ws_replay.snapshot())


def test_a_stage_change_archives_the_stage_and_opens_the_next(server, admin_client, make_user, ws_factory):
    t = Tender(admin_client, make_user)
    t.upsert()
    t.add_suppliers()
    ws = ws_factory(server, t.manager.token)
    ca = t.chat("supplier", t.a)
    said = expect(t.a_users[0].post(f"/api/v1/chats/{ca['chat_id']}/messages", json={"text": "предложение альфы"}),
                  201)
    moved = expect(t.erp.post(f"/api/v1/objects/{t.obj['id']}/stage", json={"from": "offers", "to": "commission"}),
                   200)
    assert moved["stage"] == "commission" and moved["version"] == t.obj["version"] + 1
    states = {c["template"] + ":" + str(c["counterparty_id"]): c["state"] for c in moved["chats"]}
    assert states[f"supplier:{t.a['id']}"] == "archived" and states[f"supplier:{t.b['id']}"] == "archived"
    assert states["org:None"] == "open" and states["commission:None"] == "open"
    # posting in an archived chat: 403 chat_archived; reading and searching still work for its members
    expect_error(t.a_users[0].post(f"/api/v1/chats/{ca['chat_id']}/messages", json={"text": "ещё"}), 403,
                 "chat_archived")
    assert said["id"] in [m["id"] for m in t.a_users[0].all_messages(ca["chat_id"])]
    hits = expect(t.a_users[0].get("/api/v1/search", params={"query": "альфы"}), 200)["results"]
    assert said["id"] in [h["message"]["id"] for h in hits]
    back = expect(t.a_users[0].get(f"/api/v1/chats/{ca['chat_id']}/object"), 200)
    assert back["chat"]["stage"] == "offers" and back["chat"]["state"] == "archived"
    # the object's own search spans its stages and names the stage of each hit; A finds nothing of B
    expect(t.b_users[0].post(f"/api/v1/chats/{t.chat('supplier', t.b)['chat_id']}/messages",
                             json={"text": "предложение беты"}), 403)
    found = expect(t.a_users[0].get(f"/api/v1/objects/{t.obj['id']}/search", params={"query": "предложение"}),
                   200)["results"]
    # (the bot's closing note, "Этап «Приём предложений» завершён", matches too: same chat)
    assert said["id"] in [h["message"]["id"] for h in found]
    assert {(h["chat"]["chat_id"], h["chat"]["stage"], h["chat"]["state"]) for h in found} == {
        (ca["chat_id"], "offers", "archived")}
    staff = expect(t.manager.get(f"/api/v1/objects/{t.obj['id']}/search", params={"query": "предложения"}),
                   200)["results"]
    assert said["id"] in [h["message"]["id"] for h in staff]
    expect_error(make_user().get(f"/api/v1/objects/{t.obj['id']}/search", params={"query": "x"}), 404)
    expect_error(t.manager.get(f"/api/v1/objects/{t.obj['id']}/search"), 400)
    # the commission chat has the commission and the manager
    cm = next(c for c in moved["chats"] if c["template"] == "commission")
    assert {t.manager.id, *[c.id for c in t.commission]} <= set(members_of(t.manager, cm["chat_id"]))
    assert t.a_users[0].id not in members_of(t.manager, cm["chat_id"])
    # one event, and the life-long chat heard of it
    ev = ws.wait_event("objects.stage_changed", lambda f: f["data"]["object_id"] == t.obj["id"])
    assert ev["data"]["from"] == "offers" and ev["data"]["to"] == "commission"
    assert sorted(ev["data"]["archived_chat_ids"]) == sorted([ca["chat_id"], t.chat("supplier", t.b)["chat_id"]])
    assert len(ws.events("objects.stage_changed")) == 1
    org_texts = [m["text"] for m in t.manager.all_messages(t.chat("org")["chat_id"])]
    assert any(x.startswith("Этап изменён: «Приём предложений» → «Работа комиссии»") for x in org_texts)
    # a repeat with the old `from` is a conflict and changes nothing
    expect_error(t.erp.post(f"/api/v1/objects/{t.obj['id']}/stage", json={"from": "offers", "to": "commission"}),
                 409, "stage_conflict")
    expect_error(t.erp.post(f"/api/v1/objects/{t.obj['id']}/stage", json={"from": "commission", "to": "offers"}),
                 409, "stage_out_of_order")
    expect_error(t.erp.post(f"/api/v1/objects/{t.obj['id']}/stage", json={"from": "commission", "to": "nope"}),
                 404, "stage_not_found")
    assert t.refresh()["version"] == moved["version"]
    # the object's history
    tl = expect(t.manager.get(f"/api/v1/timeline/object/{t.obj['id']}"), 200)["entries"]
    assert [e["type"] for e in tl][:1] == ["stage_changed"]
    expect_error(t.a_users[0].get(f"/api/v1/timeline/object/{t.obj['id']}"), 404)
    # the next stage opens one contract chat per supplier
    final = expect(t.manager.post(f"/api/v1/objects/{t.obj['id']}/stage", json={"from": "commission", "to": "contract"}),
                   200)
    assert len([c for c in final["chats"] if c["template"] == "contract" and c["state"] == "open"]) == 2


def test_immutable_history_in_object_chats(server, admin_client, make_user):
    t = Tender(admin_client, make_user)
    t.upsert()
    org = t.chat("org")["chat_id"]
    msg = expect(t.manager.post(f"/api/v1/chats/{org}/messages", json={"text": "договорились о цене 100"}), 201)
    expect_error(t.manager.delete(f"/api/v1/messages/{msg['id']}"), 403, "immutable_history")
    expect_error(admin_client.delete(f"/api/v1/messages/{msg['id']}"), 404)  # not a member: not even seen
    edited = expect(t.manager.patch(f"/api/v1/messages/{msg['id']}", json={"text": "договорились о цене 101"}), 200)
    assert edited["edited_at"] is not None
    # the admin of the platform reads the versions as a moderator once in the chat (members only otherwise)
    versions_admin = make_user(role="admin")
    expect(t.erp.put(f"/api/v1/objects/{t.type}/{t.external_id}", json={
        "title": t.obj["title"], "members": t.members() + [{"user_id": versions_admin.id, "role": "observer"}]}), 200)
    versions = expect(versions_admin.get(f"/api/v1/messages/{msg['id']}/versions"), 200)["versions"]
    assert "договорились о цене 100" in [v["text"] for v in versions]
    assert expect(t.manager.get(f"/api/v1/messages/{msg['id']}"), 200)["text"] == "договорились о цене 101"


def test_types_and_bad_input(server, admin_client, make_user):
    plain = make_user()
    key = uniq("t").lower().replace("_", "-")
    expect_error(plain.put(f"/api/v1/object-types/{key}", json=TENDER_TYPE), 403)
    for bad in ({"name": "x"}, {"name": "x", "stages": []}, {"name": "x", "stages": [{"key": "A B", "name": "a"}]},
                {"name": "x", "stages": [{"key": "a", "name": "a"}, {"key": "a", "name": "b"}]},
                {"name": "x", "stages": [{"key": "a", "name": "a"}],
                 "chats": [{"key": "c", "stage": "zzz", "title": "t", "members": ["owner"]}]},
                {"name": "x", "stages": [{"key": "a", "name": "a"}],
                 "chats": [{"key": "c", "title": "t", "members": ["king"]}]},
                {"name": "x", "stages": [{"key": "a", "name": "a"}], "chats": [{"key": "c", "title": "t"}]},
                {"name": "x", "stages": "a"}, {"name": 5, "stages": [{"key": "a", "name": "a"}]}):
        expect_error(admin_client.put(f"/api/v1/object-types/{key}", json=bad), 400)
    expect_error(admin_client.put("/api/v1/object-types/BAD%20KEY", json=TENDER_TYPE), 400)
    expect_error(admin_client.get(f"/api/v1/object-types/{key}"), 404, "object_type_not_found")
    key = define_tender_type(admin_client)
    got = expect(plain.get(f"/api/v1/object-types/{key}"), 200)
    assert [s["key"] for s in got["stages"]] == ["offers", "commission", "contract"]
    assert key in [x["key"] for x in expect(plain.get("/api/v1/object-types"), 200)["object_types"]]

    erp = make_user()
    expect_error(erp.put(f"/api/v1/objects/{key}/X-1", json={"title": "t"}), 403, "permission_required")
    grant(admin_client, erp, "objects.integrator")
    expect_error(erp.put(f"/api/v1/objects/nokind/X-1", json={"title": "t"}), 404, "object_type_not_found")
    expect_error(erp.put(f"/api/v1/objects/{key}/X-1", json={}), 400)
    expect_error(erp.put(f"/api/v1/objects/{key}/X-1", json={"title": "t", "url": "javascript:alert(1)"}), 400)
    expect_error(erp.put(f"/api/v1/objects/{key}/X-1", json={"title": "t", "attributes": [1]}), 400)
    expect_error(erp.put(f"/api/v1/objects/{key}/X-1", json={"title": "t", "members": [{"username": "nobody-" +
                                                                                         uniq(), "role": "owner"}]}),
                 404, "user_not_found")
    expect_error(erp.put(f"/api/v1/objects/{key}/X-1", json={"title": "t", "members": [{"username": erp.username,
                                                                                         "role": "king"}]}), 400)
    expect_error(erp.put(f"/api/v1/objects/{key}/X-1", data=b"{nope", headers={"Content-Type": "application/json"}),
                 400)
    expect_error(erp.put(f"/api/v1/objects/{key}/X-1", json={"title": "\ud800"}), 400)
    obj = expect(erp.put(f"/api/v1/objects/{key}/X-1", json={"title": "t"}), 201)
    expect_error(erp.get(f"/api/v1/objects/{MISSING}"), 404, "object_not_found")
    expect_error(erp.get("/api/v1/objects/abc"), 400)
    expect_error(erp.post(f"/api/v1/objects/{obj['id']}/stage", json={"from": "offers"}), 400)
    expect_error(erp.post(f"/api/v1/objects/{obj['id']}/stage", json={"from": 1, "to": 2}), 400)
    expect_error(erp.post(f"/api/v1/objects/{obj['id']}/counterparties", json={"name": "x"}), 400)
    expect_error(erp.delete(f"/api/v1/objects/{obj['id']}/counterparties/{MISSING}"), 404, "counterparty_not_found")
    expect_error(erp.get("/api/v1/objects", params={"state": "weird"}), 400)
    expect_error(erp.get("/api/v1/objects", params={"limit": "0"}), 400)
    assert expect(erp.get(f"/api/v1/objects/by-external/{key}/X-1"), 200)["id"] == obj["id"]
    expect_error(make_user().get(f"/api/v1/objects/by-external/{key}/X-1"), 404)
    expect_error(make_user().get(f"/api/v1/chats/{MISSING}/object"), 404)


def test_removing_a_counterparty_takes_its_users_out(server, admin_client, make_user):
    t = Tender(admin_client, make_user)
    t.upsert()
    t.add_suppliers()
    ca = t.chat("supplier", t.a)
    r = t.manager.delete(f"/api/v1/objects/{t.obj['id']}/counterparties/{t.a['id']}")
    assert r.status_code == 204, r.text
    expect_error(t.a_users[0].get(f"/api/v1/chats/{ca['chat_id']}"), 404)
    expect_error(t.a_users[0].get(f"/api/v1/objects/{t.obj['id']}"), 404)
    seen = t.refresh()
    assert next(c for c in seen["chats"] if c["chat_id"] == ca["chat_id"])["state"] == "archived"
    assert next(c for c in seen["counterparties"] if c["id"] == t.a["id"])["removed"] is True


def test_guest_suppliers_find_no_one_of_another_supplier(server, admin_client, make_user):
    t = Tender(admin_client, make_user)
    t.a_users = [make_user(role="guest"), make_user(role="guest")]
    t.b_users = [make_user(role="guest")]
    t.upsert()
    t.add_suppliers()
    a1, b1 = t.a_users[0], t.b_users[0]
    # the directory: a guest finds the people of its own chats (its colleague, the manager), not B's
    found = {u["id"] for u in expect(a1.get("/api/v1/users", params={"q": b1.username}), 200)["users"]}
    assert b1.id not in found
    expect_error(a1.get(f"/api/v1/users/{b1.id}"), 404)
    assert expect(a1.get(f"/api/v1/users/{t.manager.id}"), 200)["id"] == t.manager.id
    assert expect(a1.get(f"/api/v1/users/{t.a_users[1].id}"), 200)["id"] == t.a_users[1].id
    # a guest opens no chats of its own and no public channels, but talks in its supplier chat
    expect_error(a1.post("/api/v1/chats", json={"type": "group", "name": "side channel"}), 403, "guest_forbidden")
    ca = t.chat("supplier", t.a)["chat_id"]
    expect(a1.post(f"/api/v1/chats/{ca}/messages", json={"text": "вопрос по ТЗ"}), 201)
    assert [c["id"] for c in a1.chats()] == [ca]
