"""Consultation requests (docs/api.md "Consultations", EXP-3..6, MODULES.md §3.7 acceptance 4-12)."""

import time

from experts_helpers import API, Network, consult, cstep, make_community, make_expert, notices, registry
from veche_harness import expect, expect_error, wait_until


def ids(items):
    return [i["id"] for i in items]


def chat_members(who, chat_id):
    return sorted(m["user"]["id"] for m in expect(who.get(f"/api/v1/chats/{chat_id}/members"), 200)["members"])


def test_a_request_requires_every_field_and_shows_in_both_registries_as_new(admin_client, make_user):
    net = Network(admin_client, make_user, communities=2)
    requester = make_user()
    for missing in ("title", "question", "expected_result", "community_id", "difficulty"):
        err = expect_error(requester.post(f"{API}/consultations", json={
            k: v for k, v in {"community_id": net.community["id"], "title": "t", "question": "q",
                              "expected_result": "r", "difficulty": "basic"}.items() if k != missing}), 422,
            "field_required")
        assert missing in err["message"]
    # blank is missing too; a wrong type is 400; an unknown level is 422
    expect_error(requester.post(f"{API}/consultations", json={"community_id": net.community["id"], "title": "  ",
                                                              "question": "q", "expected_result": "r",
                                                              "difficulty": "basic"}), 422, "field_required")
    expect_error(requester.post(f"{API}/consultations", json={"community_id": net.community["id"], "title": 5,
                                                              "question": "q", "expected_result": "r",
                                                              "difficulty": "basic"}), 400)
    consult(requester, net.community, difficulty="guru", status=422)
    assert registry(requester, mine="true") == []  # nothing was created by the refusals
    c = consult(requester, net.community, title="<b>Насос</b> <script>alert(1)</script>", tags=["Гидравлика", "гидравлика"])
    assert c["state"] == "new" and c["number"].startswith("EXP-") and len(c["number"]) == 10
    assert c["title"] == "<b>Насос</b> <script>alert(1)</script>"  # HTML is kept as text
    assert c["tags"] == ["гидравлика"] and c["expert_id"] is None and c["chat_id"] is None
    assert c["actions"] == ["update", "cancel"] and [e["type"] for e in c["events"]] == ["created"]
    wait_until(lambda: any(c["number"] in t and "Новый запрос" in t for t in notices(net.curator)), desc="curator")
    other = consult(requester, net.communities[1])
    assert int(other["number"][4:]) > int(c["number"][4:])
    colleague = make_user()
    assert c["id"] in ids(registry(colleague))  # the global registry
    assert ids(registry(colleague, community=net.community["id"])) == [c["id"]]  # the community's
    assert ids(registry(colleague, community=net.communities[1]["id"])) == [other["id"]]
    seen = expect(colleague.get(f"{API}/consultations/{c['id']}"), 200)
    assert seen["state"] == "new" and seen["actions"] == []
    # the requester alone edits a new request or cancels it
    expect_error(colleague.patch(f"{API}/consultations/{c['id']}", json={"title": "x"}), 403)
    edited = expect(requester.patch(f"{API}/consultations/{c['id']}", json={"title": "Насос вибрирует"}), 200)
    assert edited["title"] == "Насос вибрирует" and edited["state"] == "new"
    cstep(colleague, other, "cancel", status=403)
    assert cstep(requester, other, "cancel")["state"] == "cancelled"
    cstep(requester, other, "cancel", status=409)


def test_the_registry_filters_and_shows_only_what_the_caller_may_see(admin_client, make_user):
    net = Network(admin_client, make_user)
    closed = make_community(net.moderator, visibility="members")
    expert = make_expert(net)
    requester, insider, outsider = make_user(), make_user(), make_user()
    for u in (requester, insider):
        expect(net.moderator.post(f"{API}/communities/{closed['id']}/subscription", json={"user_id": u.id}), 200)
    pump = consult(requester, net.community, title="Ремонт насосов на фабрике", difficulty="advanced")
    belt = consult(requester, net.community, title="Лента конвейера рвётся", difficulty="beginner")
    secret = consult(requester, closed, title="Ремонт секретного насоса", difficulty="advanced")
    cstep(net.curator, pump, "assign", {"expert_id": expert.id})
    mine = {pump["id"], belt["id"], secret["id"]}

    def found(who, **params):  # the registry is global: other tests' requests are left out
        return [i for i in ids(registry(who, limit=100, **params)) if i in mine]

    # title text with Russian morphology: "ремонта" finds "Ремонт", "насосы" finds "насосов"
    assert found(insider, q="ремонта насосы") == [secret["id"], pump["id"]]
    assert found(outsider, q="ремонта насосы") == [pump["id"]]
    assert found(outsider, q="конвейер") == [belt["id"]]
    assert ids(registry(outsider, q="!!!")) == []
    assert ids(registry(outsider, community=net.community["id"], state="assigned")) == [pump["id"]]
    assert ids(registry(outsider, community=net.community["id"], state="new,assigned")) == [belt["id"], pump["id"]]
    assert ids(registry(outsider, community=net.community["id"], difficulty="beginner")) == [belt["id"]]
    assert found(insider, difficulty="advanced", q="насос") == [secret["id"], pump["id"]]
    assert ids(registry(outsider, expert=expert.id)) == [pump["id"]]
    assert ids(registry(outsider, expert=expert.id, state="new")) == []
    assert ids(registry(requester, mine="true", community=closed["id"])) == [secret["id"]]
    assert ids(registry(outsider, mine="true")) == []
    # a community the caller may not see is 404, as is its request; every filter keeps it out
    expect_error(outsider.get(f"{API}/consultations", params={"community": closed["id"]}), 404, "community_not_found")
    expect_error(outsider.get(f"{API}/consultations/{secret['id']}"), 404, "consultation_not_found")
    for params in ({}, {"difficulty": "advanced"}, {"state": "new"}, {"q": "секретного"}, {"overdue": "false"}):
        assert secret["id"] not in ids(registry(outsider, **params))
    # keyset paging, newest first
    page = expect(requester.get(f"{API}/consultations", params={"limit": 2, "mine": "true"}), 200)
    assert ids(page["consultations"]) == [secret["id"], belt["id"]]
    rest = expect(requester.get(f"{API}/consultations", params={"limit": 2, "mine": "true",
                                                                 "before": page["next_before"]}), 200)
    assert ids(rest["consultations"]) == [pump["id"]] and "next_before" not in rest
    expect_error(outsider.get(f"{API}/consultations", params={"state": "done"}), 400)
    expect_error(outsider.get(f"{API}/consultations", params={"limit": 0}), 400)


def test_a_curator_assigns_the_expert_is_told_and_a_chat_of_three_is_made(server, admin_client, make_user,
                                                                          ws_factory):
    net = Network(admin_client, make_user)
    expert, other_expert = make_expert(net), make_expert(net)
    requester, stranger = make_user(), make_user()
    c = consult(requester, net.community)
    ws = ws_factory(server, expert.token)
    cstep(stranger, c, "assign", {"expert_id": expert.id}, status=403)
    cstep(requester, c, "assign", {"expert_id": expert.id}, status=403)
    cstep(expert, c, "assign", {"expert_id": expert.id}, status=403)
    cstep(net.curator, c, "assign", {"expert_id": stranger.id}, status=422)  # not an expert here
    cstep(net.curator, c, "assign", {}, status=422)
    assigned = cstep(net.curator, c, "assign", {"expert_id": expert.id})
    assert assigned["state"] == "assigned" and assigned["expert_id"] == expert.id
    assert assigned["curator_id"] == net.curator.id and assigned["chat_id"]
    ev = ws.wait_event("experts.consultation.assigned", lambda f: f["data"]["consultation_id"] == c["id"])
    assert ev["data"]["state"] == "assigned" and ev["data"]["expert_id"] == expert.id
    wait_until(lambda: any(c["number"] in t and "назначена" in t for t in notices(expert)), desc="expert notice")
    chat = assigned["chat_id"]
    long = consult(requester, net.community, title="Д" * 200)
    long_chat = cstep(net.curator, long, "assign", {"expert_id": expert.id})["chat_id"]
    name = expect(requester.get(f"/api/v1/chats/{long_chat}"), 200)["name"]
    assert len(name) == 100 and name.startswith(long["number"] + " · Д") and name.endswith("…")
    members = set(chat_members(expert, chat))
    assert {requester.id, expert.id, net.curator.id} <= members and len(members) == 4  # and the bot
    assert expect(requester.get(f"/api/v1/chats/{chat}"), 200)["kind"] == "consultation"
    expect_error(stranger.get(f"/api/v1/chats/{chat}/messages"), 404)
    # the chat is the module's: its members cannot be changed through the messenger
    expect_error(requester.post(f"/api/v1/chats/{chat}/members", json={"user_ids": [stranger.id]}), 403)
    # reassigning changes the chat's expert
    re = cstep(net.curator, c, "assign", {"expert_id": other_expert.id})
    assert re["chat_id"] == chat and re["expert_id"] == other_expert.id
    members = set(chat_members(requester, chat))
    assert other_expert.id in members and expert.id not in members
    # the replaced expert hears of it, then no longer follows the consultation's topic
    ws.wait_event("experts.consultation.assigned", lambda f: f["data"]["expert_id"] == other_expert.id)
    ws.wait_event("experts.consultation.unfollowed", lambda f: f["data"]["consultation_id"] == c["id"])
    assert [e["type"] for e in re["events"]] == ["created", "assigned", "assigned"]


def test_suggested_experts_rank_competence_then_load_then_idle_time_and_skip_vacations(admin_client, make_user):
    net = Network(admin_client, make_user)
    requester = make_user()
    future = int(time.time() * 1000) + 30 * 86_400_000
    matching = make_expert(net, competences=["насосы", {"tag": "вибрация", "community_id": net.community["id"]}])
    busy_match = make_expert(net, competences=["насосы", {"tag": "вибрация", "community_id": net.community["id"]}])
    idle = make_expert(net, competences=[])
    recent = make_expert(net, competences=[])
    away = make_expert(net, competences=["насосы", "вибрация"], vacation_until=future)
    # busy_match has one open consultation; recent was assigned (and finished) lately; idle never
    busy = consult(requester, net.community)
    cstep(net.curator, busy, "assign", {"expert_id": busy_match.id})
    done = consult(requester, net.community)
    cstep(net.curator, done, "assign", {"expert_id": recent.id})
    cstep(net.curator, done, "reject", {"reason_code": "duplicate", "text": "уже решено"})
    c = consult(requester, net.community, tags=["Насосы", "вибрация"])
    cstep(requester, c, "suggested-experts", status=403, method="get")
    got = cstep(net.curator, c, "suggested-experts", method="get")["experts"]
    order = [e["user_id"] for e in got]
    assert order == [matching.id, busy_match.id, idle.id, recent.id]
    assert away.id not in order
    top = got[0]
    assert top["match"] == 3 and sorted(top["matched_tags"]) == ["вибрация", "насосы"] and top["open"] == 0
    assert got[1]["open"] == 1 and got[2]["last_assigned_at"] is None and got[3]["last_assigned_at"] is not None
    # an expert on vacation cannot be assigned
    cstep(net.curator, c, "assign", {"expert_id": away.id}, status=409)


def test_return_for_clarification_goes_back_to_the_same_expert(server, admin_client, make_user, ws_factory):
    net = Network(admin_client, make_user)
    expert = make_expert(net)
    requester = make_user()
    c = consult(requester, net.community)
    cstep(net.curator, c, "assign", {"expert_id": expert.id})
    accepted = cstep(expert, c, "accept")
    assert accepted["state"] == "in_progress"
    cstep(expert, c, "accept", status=409)
    cstep(expert, c, "return", {"questions": "  "}, status=422)
    cstep(expert, c, "return", {}, status=422)
    cstep(requester, c, "return", {"questions": "?"}, status=403)
    ws = ws_factory(server, requester.token)
    returned = cstep(expert, c, "return", {"questions": "Какая марка подшипника?"})
    assert returned["state"] == "returned_for_clarification" and returned["questions"] == "Какая марка подшипника?"
    assert returned["prior_state"] == "in_progress"
    ws.wait_event("experts.consultation.returned", lambda f: f["data"]["consultation_id"] == c["id"])
    wait_until(lambda: any("Какая марка подшипника?" in t for t in notices(requester)), desc="requester notice")
    cstep(expert, c, "resolve", {"text": "x"}, status=409)
    back = expect(requester.patch(f"{API}/consultations/{c['id']}", json={"question": "Подшипник SKF 6205."}), 200)
    assert back["state"] == "in_progress" and back["expert_id"] == expert.id and back["prior_state"] is None
    assert back["question"] == "Подшипник SKF 6205."
    assert [e["type"] for e in back["events"]] == ["created", "assigned", "accepted", "returned", "updated"]
    assert ids(registry(expert, expert=expert.id, state="in_progress")) == [c["id"]]
    # returned from assigned, it goes back to assigned
    c2 = consult(requester, net.community)
    cstep(net.curator, c2, "assign", {"expert_id": expert.id})
    cstep(net.curator, c2, "return", {"questions": "Уточните площадку"})
    again = expect(requester.patch(f"{API}/consultations/{c2['id']}", json={"tags": ["площадка"]}), 200)
    assert again["state"] == "assigned" and again["expert_id"] == expert.id


def test_resolve_needs_an_answer_reject_a_listed_reason_and_the_requester_is_told(server, admin_client, make_user,
                                                                                  ws_factory):
    net = Network(admin_client, make_user)
    expert = make_expert(net)
    requester = make_user()
    c = consult(requester, net.community)
    cstep(expert, c, "resolve", {"text": "ответ"}, status=403)  # not its expert (yet)
    cstep(net.curator, c, "resolve", {"text": "ответ"}, status=409)  # resolving an unassigned request
    cstep(net.curator, c, "assign", {"expert_id": expert.id})
    cstep(expert, c, "accept")
    cstep(expert, c, "resolve", {}, status=422)
    cstep(expert, c, "resolve", {"text": "a", "message_id": "1"}, status=400)
    cstep(expert, c, "resolve", {"message_id": "12345"}, status=422)  # not a message of its chat
    cstep(requester, c, "resolve", {"text": "сам решил"}, status=403)
    # the call is posted into the chat
    at = int(time.time() * 1000) + 86_400_000
    cstep(expert, c, "call", {"at": at, "link": "javascript:alert(1)"}, status=422)
    cstep(expert, c, "call", {"at": 1000, "link": "https://meet.example/x"}, status=422)
    called = cstep(expert, c, "call", {"at": at, "link": "https://meet.example/x"})
    assert called["call"] == {"at": at, "link": "https://meet.example/x"}
    chat = called["chat_id"]
    msgs = expect(requester.get(f"/api/v1/chats/{chat}/messages"), 200)["messages"]
    assert any("https://meet.example/x" in m["text"] for m in msgs)
    answer = expect(expert.post(f"/api/v1/chats/{chat}/messages", json={"text": "Замените муфту."}), 201)
    ws = ws_factory(server, requester.token)
    resolved = cstep(expert, c, "resolve", {"message_id": answer["id"]})
    assert resolved["state"] == "resolved" and resolved["answer"] == {"text": "Замените муфту.",
                                                                      "message_id": answer["id"]}
    assert resolved["resolved_at"] is not None
    ws.wait_event("experts.consultation.resolved", lambda f: f["data"]["consultation_id"] == c["id"])
    wait_until(lambda: any(c["number"] in t and "решена" in t for t in notices(requester)), desc="resolve notice")
    cstep(expert, c, "reject", {"reason_code": "other", "text": "x"}, status=409)
    # reject: a reason code from the list and a text
    r = consult(requester, net.community)
    cstep(net.curator, r, "reject", {"text": "не к нам"}, status=422)
    cstep(net.curator, r, "reject", {"reason_code": "because", "text": "не к нам"}, status=422)
    cstep(net.curator, r, "reject", {"reason_code": "out_of_scope"}, status=422)
    cstep(requester, r, "reject", {"reason_code": "out_of_scope", "text": "x"}, status=403)
    rejected = cstep(net.curator, r, "reject", {"reason_code": "out_of_scope", "text": "Вопрос к службе ИТ"})
    assert rejected["state"] == "rejected"
    assert rejected["rejection"] == {"reason_code": "out_of_scope", "text": "Вопрос к службе ИТ"}
    ws.wait_event("experts.consultation.rejected", lambda f: f["data"]["consultation_id"] == r["id"])
    wait_until(lambda: any("Вопрос к службе ИТ" in t for t in notices(requester)), desc="reject notice")
    cstep(requester, r, "cancel", status=409)


def test_the_requester_rates_once_and_the_rating_shows_in_profile_and_community_stats(admin_client, make_user):
    net = Network(admin_client, make_user)
    expert = make_expert(net)
    requester, stranger = make_user(), make_user()
    c = consult(requester, net.community)
    cstep(requester, c, "rating", {"rating": 5}, status=409)  # not resolved
    cstep(net.curator, c, "assign", {"expert_id": expert.id})
    cstep(expert, c, "accept")
    cstep(expert, c, "resolve", {"text": "Замените муфту."})
    cstep(expert, c, "rating", {"rating": 5}, status=403)
    cstep(stranger, c, "rating", {"rating": 5}, status=403)
    cstep(requester, c, "rating", {"rating": 6}, status=422)
    cstep(requester, c, "rating", {"rating": "5"}, status=400)
    cstep(requester, c, "rating", {}, status=422)
    cstep(requester, c, "rating", {"rating": 4}, method="put", status=404)  # nothing to change yet
    rated = cstep(requester, c, "rating", {"rating": 5, "comment": "<i>спасибо</i>"}, status=201)
    assert rated["rating"]["rating"] == 5 and rated["rating"]["comment"] == "<i>спасибо</i>"
    assert rated["actions"] == ["change_rating"]
    cstep(requester, c, "rating", {"rating": 3}, status=409)
    changed = cstep(requester, c, "rating", {"rating": 2}, method="put")
    assert changed["rating"]["rating"] == 2
    assert [e["type"] for e in changed["events"]][-2:] == ["rated", "rating_changed"]
    profile = expect(stranger.get(f"{API}/profiles/{expert.id}/stats"), 200)
    assert profile == {"user_id": expert.id, "open": 0, "resolved": 1, "rejected": 0, "ratings": 1, "rating_avg": 2.0}
    stats = expect(stranger.get(f"{API}/communities/{net.community['id']}/stats"), 200)
    assert stats["ratings"] == 1 and stats["rating_avg"] == 2.0
    expect_error(stranger.get(f"{API}/consultations/999999999999"), 404, "consultation_not_found")
    cstep(stranger, {"id": "999999999999"}, "rating", {"rating": 5}, status=404)


def test_an_unassigned_request_escalates_to_curators_and_moderators_and_is_flagged_overdue(
        server, admin_client, make_user, ws_factory):
    net = Network(admin_client, make_user)
    c0 = expect(net.curator.get(f"{API}/communities/{net.community['id']}/consultation-settings"), 200)
    assert c0["assign_within_working_days"] == 2 and c0["updated_at"] is None
    requester = make_user()
    slow = consult(requester, net.community)
    # two working days ahead on the default calendar
    assert slow["due_assign_at"] > slow["created_at"] + 86_400_000
    expect_error(requester.put(f"{API}/communities/{net.community['id']}/consultation-settings",
                               json={"assign_within_working_days": 0}), 403)
    expect_error(net.curator.put(f"{API}/communities/{net.community['id']}/consultation-settings",
                                 json={"assign_within_working_days": 31}), 400)
    s = expect(net.curator.put(f"{API}/communities/{net.community['id']}/consultation-settings",
                               json={"assign_within_working_days": 0}), 200)
    assert s["assign_within_working_days"] == 0
    ws = ws_factory(server, net.curator.token)
    ws_mod = ws_factory(server, net.moderator.token)
    late = consult(requester, net.community)
    assigned_in_time = consult(requester, net.community)
    expert = make_expert(net)
    cstep(net.curator, assigned_in_time, "assign", {"expert_id": expert.id})
    ev = ws.wait_event("experts.consultation.overdue", lambda f: f["data"]["consultation_id"] == late["id"])
    assert ev["data"]["state"] == "new"
    ws_mod.wait_event("experts.consultation.overdue", lambda f: f["data"]["consultation_id"] == late["id"])
    wait_until(lambda: any(late["number"] in t and "в срок" in t for t in notices(net.curator)), desc="curator")
    wait_until(lambda: any(late["number"] in t for t in notices(net.moderator)), desc="moderator")
    got = expect(requester.get(f"{API}/consultations/{late['id']}"), 200)
    assert got["overdue"] is True and got["escalated_at"] is not None
    assert [e["type"] for e in got["events"]] == ["created", "escalated"]
    assert ids(registry(requester, community=net.community["id"], overdue="true")) == [late["id"]]
    assert late["id"] not in ids(registry(requester, community=net.community["id"], overdue="false"))
    # the job of the one assigned in time was cancelled: it never escalates
    jobs = expect(admin_client.get("/api/v1/admin/jobs", params={"kind": "experts.consultation.overdue",
                                                                 "limit": 200}), 200)["jobs"]
    assert not [j for j in jobs if j["payload"]["id"] == assigned_in_time["id"]]
    assert [j["state"] for j in jobs if j["payload"]["id"] == late["id"]] == ["done"]
    assert expect(requester.get(f"{API}/consultations/{assigned_in_time['id']}"), 200)["overdue"] is False
    # once assigned it is no longer overdue
    cstep(net.curator, late, "assign", {"expert_id": expert.id})
    assert registry(requester, community=net.community["id"], overdue="true") == []


def test_community_stats_count_states_per_difficulty_and_equal_the_registry(admin_client, make_user):
    net = Network(admin_client, make_user)
    expert = make_expert(net)
    requester, viewer = make_user(), make_user()
    made = []
    for difficulty, fate in [("beginner", "new"), ("beginner", "resolved"), ("basic", "in_progress"),
                             ("basic", "rejected"), ("advanced", "resolved"), ("advanced", "assigned"),
                             ("advanced", "returned"), ("basic", "cancelled")]:
        c = consult(requester, net.community, difficulty=difficulty)
        made.append(c)
        if fate == "cancelled":
            cstep(requester, c, "cancel")
        if fate == "rejected":
            cstep(net.curator, c, "reject", {"reason_code": "duplicate", "text": "дубль"})
        if fate in ("assigned", "in_progress", "resolved", "returned"):
            cstep(net.curator, c, "assign", {"expert_id": expert.id})
        if fate in ("in_progress", "resolved"):
            cstep(expert, c, "accept")
        if fate == "resolved":
            cstep(expert, c, "resolve", {"text": "ответ"})
        if fate == "returned":
            cstep(expert, c, "return", {"questions": "?"})
    stats = expect(viewer.get(f"{API}/communities/{net.community['id']}/stats"), 200)
    rows = {r["difficulty"]: r for r in stats["by_difficulty"]}
    assert [r["difficulty"] for r in stats["by_difficulty"]] == ["beginner", "basic", "advanced"]
    assert rows["beginner"] == {"difficulty": "beginner", "new": 1, "in_progress": 0, "resolved": 1, "rejected": 0,
                                "cancelled": 0}
    assert rows["basic"] == {"difficulty": "basic", "new": 0, "in_progress": 1, "resolved": 0, "rejected": 1,
                             "cancelled": 1}
    assert rows["advanced"] == {"difficulty": "advanced", "new": 0, "in_progress": 2, "resolved": 1, "rejected": 0,
                                "cancelled": 0}
    assert stats["totals"] == {"new": 1, "in_progress": 3, "resolved": 2, "rejected": 1, "cancelled": 1}
    groups = {"new": "new", "in_progress": "assigned,in_progress,returned_for_clarification",
              "resolved": "resolved", "rejected": "rejected", "cancelled": "cancelled"}
    first, last = made[0]["created_at"], made[-1]["created_at"]
    for d in ("beginner", "basic", "advanced"):
        for key, states in groups.items():
            got = registry(viewer, community=net.community["id"], difficulty=d, state=states, limit=100)
            assert len(got) == rows[d][key], (d, key)
    # a period: only what was created in it, and the same for the registry
    part = expect(viewer.get(f"{API}/communities/{net.community['id']}/stats",
                             params={"from": first, "to": made[2]["created_at"]}), 200)
    assert part["totals"] == {"new": 1, "in_progress": 0, "resolved": 1, "rejected": 0, "cancelled": 0}
    assert len(registry(viewer, community=net.community["id"], **{"from": first, "to": made[2]["created_at"]})) == 2
    assert len(registry(viewer, community=net.community["id"], **{"from": first, "to": last + 1},
                        limit=100)) == len(made)
    closed = make_community(net.moderator, visibility="members")
    expect_error(viewer.get(f"{API}/communities/{closed['id']}/stats"), 404, "community_not_found")


def test_guests_cannot_file_or_see_consultations(admin_client, make_user):
    net = Network(admin_client, make_user)
    requester = make_user()
    c = consult(requester, net.community)
    guest = make_user(role="guest")
    expect_error(guest.get(f"{API}/consultations"), 403)
    expect_error(guest.get(f"{API}/consultations/{c['id']}"), 404)
    expect_error(guest.post(f"{API}/consultations", json={"community_id": net.community["id"], "title": "t",
                                                          "question": "q", "expected_result": "r",
                                                          "difficulty": "basic"}), 403)


def test_files_attach_to_the_request_and_download_for_those_who_see_it(server, admin_client, make_user):
    from veche_harness import Client
    net = Network(admin_client, make_user)
    closed = make_community(net.moderator, visibility="members")
    requester, colleague, outsider = make_user(), make_user(), make_user()
    expect(net.moderator.post(f"{API}/communities/{closed['id']}/subscription", json={"user_id": requester.id}), 200)
    open_c = consult(requester, net.community)
    secret = consult(requester, closed)
    path = f"{API}/consultations/{open_c['id']}/files"
    up = expect(requester.post(path, params={"name": "схема <1>.txt"}, data="схема насоса".encode()), 201)
    assert up["name"] == "схема <1>.txt" and up["size"] == len("схема насоса".encode())
    got = expect(colleague.get(f"{API}/consultations/{open_c['id']}"), 200)
    assert [a["id"] for a in got["attachments"]] == [up["id"]] and got["events"][-1]["type"] == "file_added"
    dl = colleague.get(f"/api/v1/files/{up['id']}")
    assert dl.status_code == 200 and dl.content == "схема насоса".encode()
    # not a participant: 403; cannot see it: 404, for the upload and the download alike
    expect_error(colleague.post(path, params={"name": "x.txt"}, data=b"x"), 403)
    sup = expect(requester.post(f"{API}/consultations/{secret['id']}/files", params={"name": "s.txt"}, data=b"s"), 201)
    expect_error(outsider.post(f"{API}/consultations/{secret['id']}/files", params={"name": "s.txt"}, data=b"s"), 404)
    expect_error(outsider.get(f"/api/v1/files/{sup['id']}"), 404)
    expect_error(Client(server).post(path, params={"name": "x.txt"}, data=b"x"), 401)
    expect_error(requester.post(f"{API}/consultations/not-a-number/files", params={"name": "x.txt"}, data=b"x"), 400)
    expect_error(requester.post(f"{API}/consultations/999999999999/files", params={"name": "x.txt"}, data=b"x"), 404)
    expect_error(requester.post(path, data=b"x"), 400)  # no name
    expect_error(requester.post(path, params={"name": "empty.txt"}, data=b""), 400)
    # a finished request takes no more files
    cstep(requester, open_c, "cancel")
    expect_error(requester.post(path, params={"name": "late.txt"}, data=b"late"), 409, "invalid_state")
