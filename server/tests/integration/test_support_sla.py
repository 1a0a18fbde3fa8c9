"""Support desk SLA (issue 13 §8; MODULES.md §2.7 items 11 and 12): team policies, the clocks of a
conversation (first response, next response, resolution) on the team's business calendar, paused while
pending or snoozed, notes that never count as a response, and the warning and the breach as durable
jobs that reach the assignee's WebSocket. The business-hours arithmetic itself (Friday 16:30 + 1 h →
Monday 09:30) is unit-tested in support_sla_test.cpp; here the server's due time is checked against
the calendar service's own answer."""

import time

from support_helpers import Desk
from veche_harness import expect, expect_error, uniq, wait_until

UNKNOWN = "987654321987654321"
MIN = 60_000


def sla(desk, **policy):
    return expect(desk.admin.put(f"/api/v1/support/teams/{desk.team['id']}/sla", json=policy), 200)


def clocks(desk, cid, who=None):
    body = expect((who or desk.admin).get(f"/api/v1/support/conversations/{cid}/sla"), 200)
    return {k["metric"]: k for k in body["clocks"]}


def open_conversation(server, desk, text="Здравствуйте, заказ не пришёл"):
    v = desk.visitor(server)
    conv = v.say(text, name="Борис")["conversation"]
    return v, conv["id"]


def reply(who, cid, text="Смотрим"):
    return expect(who.post(f"/api/v1/support/conversations/{cid}/messages", json={"text": text}), 201)


def note(who, cid, text="внутренняя заметка"):
    return expect(who.post(f"/api/v1/support/conversations/{cid}/notes", json={"text": text}), 201)


def test_a_team_policy_has_defaults_is_validated_and_only_admins_set_it(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    path = f"/api/v1/support/teams/{desk.team['id']}/sla"
    got = expect(agent.get(path), 200)
    assert got == {"team_id": desk.team["id"], "frt_minutes": None, "nrt_minutes": None, "rt_minutes": None,
                   "business_hours_only": True, "warn_before_minutes": 15, "calendar_id": None, "updated_at": None}
    expect_error(agent.put(path, json={"frt_minutes": 60}), 403)
    expect_error(make_user().get(path), 403)
    for bad in ({"frt_minutes": 0}, {"frt_minutes": "60"}, {"rt_minutes": 10**7}, {"business_hours_only": "yes"},
                {"warn_before_minutes": -1}, {"calendar_id": 5}):
        expect_error(admin_client.put(path, json=bad), 400, "invalid_argument")
    expect_error(admin_client.put(path, json={"calendar_id": UNKNOWN}), 404, "calendar_not_found")
    expect_error(admin_client.put(f"/api/v1/support/teams/{UNKNOWN}/sla", json={"frt_minutes": 5}), 404,
                 "team_not_found")
    saved = sla(desk, frt_minutes=60, rt_minutes=480)
    assert saved["frt_minutes"] == 60 and saved["rt_minutes"] == 480 and saved["nrt_minutes"] is None
    assert saved["business_hours_only"] is True and saved["updated_at"] > 0
    # absent fields stay; null clears a target
    again = sla(desk, nrt_minutes=30, rt_minutes=None)
    assert again["frt_minutes"] == 60 and again["nrt_minutes"] == 30 and again["rt_minutes"] is None
    assert expect(agent.get(path), 200) == again


def test_the_first_response_due_time_follows_the_teams_business_calendar(server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    week = [[{"start": "09:00", "end": "17:00"}]] * 5 + [[], []]
    cal = expect(admin_client.post("/api/v1/calendars", json={"name": uniq("sla-cal"), "time_zone": "Asia/Tokyo",
                                                               "week": week}), 201)
    sla(desk, frt_minutes=60, calendar_id=cal["id"], business_hours_only=True)
    _, cid = open_conversation(server, desk)
    conv = desk.conversation(cid)
    k = clocks(desk, cid)["frt"]
    assert k["state"] == "running" and k["business_hours_only"] is True and k["threshold_minutes"] == 60
    # the calendar service's own answer for "60 working minutes after the creation"
    want = expect(admin_client.get(f"/api/v1/calendars/{cal['id']}/add",
                                   params={"from": str(conv["created_at"]), "working_minutes": "60"}), 200)["at"]
    assert k["due_at"] == want and k["started_at"] == conv["created_at"]
    # the same policy on wall-clock time: one hour
    sla(desk, business_hours_only=False)
    _, cid2 = open_conversation(server, desk)
    k2 = clocks(desk, cid2)["frt"]
    assert k2["due_at"] == desk.conversation(cid2)["created_at"] + 60 * MIN and k2["business_hours_only"] is False
    # the warning is 15 minutes before the due time
    assert k2["warn_at_ms_before"] == 15 * MIN


def test_notes_never_answer_and_replies_hit_first_and_next_response_then_resolve_hits_resolution(
        server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    sla(desk, frt_minutes=60, nrt_minutes=30, rt_minutes=600, business_hours_only=False)
    v, cid = open_conversation(server, desk)
    k = clocks(desk, cid, agent)
    assert set(k) == {"frt", "rt"} and k["frt"]["state"] == "running" and k["rt"]["state"] == "running"
    note(agent, cid)
    assert clocks(desk, cid)["frt"]["state"] == "running"  # a note is no response
    reply(agent, cid)
    k = clocks(desk, cid)
    assert k["frt"]["state"] == "hit" and k["frt"]["stopped_at"] == desk.conversation(cid)["first_reply_at"]
    assert "nrt" not in k and k["rt"]["state"] == "running"
    # the customer writes again: the next response is due in 30 minutes from then
    v.say("А когда?")
    conv = desk.conversation(cid)
    k = clocks(desk, cid)
    assert k["nrt"]["state"] == "running" and k["nrt"]["started_at"] == conv["waiting_since"]
    assert k["nrt"]["due_at"] == conv["waiting_since"] + 30 * MIN
    note(agent, cid, "ещё заметка")
    assert clocks(desk, cid)["nrt"]["state"] == "running"
    reply(agent, cid, "Завтра")
    assert clocks(desk, cid)["nrt"]["state"] == "hit"
    desk.status(agent, cid, "resolved")
    k = clocks(desk, cid)
    assert k["rt"]["state"] == "hit" and k["rt"]["stopped_at"] == desk.conversation(cid)["resolved_at"]
    # a reopen starts a new resolution clock
    v.say("Не пришло")
    k = clocks(desk, cid)
    assert k["rt"]["state"] == "running" and k["nrt"]["state"] == "running"
    # resolved without an answer: the response clocks stop, neither hit nor missed
    _, other = open_conversation(server, desk)
    desk.status(agent, other, "resolved")
    k = clocks(desk, other)
    assert k["frt"]["state"] == "stopped" and k["rt"]["state"] == "hit"
    # a conversation the agent may not see: 404, and the bulk route leaves it out
    stranger = desk.new_agent(scope="assigned")
    expect_error(stranger.get(f"/api/v1/support/conversations/{cid}/sla"), 404, "conversation_not_found")
    bulk = expect(stranger.get("/api/v1/support/sla/clocks", params={"conversation_ids": f"{cid},{other}"}), 200)
    assert bulk["clocks"] == []
    bulk = expect(agent.get("/api/v1/support/sla/clocks", params={"conversation_ids": f"{cid},{other}"}), 200)
    assert {(c["conversation_id"], c["metric"]) for c in bulk["clocks"]} == {
        (cid, "frt"), (cid, "nrt"), (cid, "rt"), (other, "frt"), (other, "rt")}
    expect_error(agent.get("/api/v1/support/sla/clocks", params={"conversation_ids": "1,x"}), 400, "invalid_argument")
    expect_error(make_user().get("/api/v1/support/sla/clocks"), 403)


def test_pending_and_snoozed_pause_the_clocks_and_open_resumes_them_with_what_was_left(
        server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    sla(desk, frt_minutes=60, rt_minutes=120, business_hours_only=False)
    v, cid = open_conversation(server, desk)
    before = clocks(desk, cid)["frt"]
    desk.status(agent, cid, "pending")
    paused = clocks(desk, cid)
    assert paused["frt"]["state"] == "paused" and paused["frt"]["due_at"] is None
    assert paused["rt"]["state"] == "paused"
    left = paused["frt"]["remaining_ms"]
    assert 0 < left <= 60 * MIN and before["due_at"] - int(time.time() * 1000) <= left
    time.sleep(1.5)
    desk.status(agent, cid, "open")
    resumed = clocks(desk, cid)["frt"]
    now = int(time.time() * 1000)
    assert resumed["state"] == "running" and resumed["remaining_ms"] is None
    # the paused second and a half is not counted: the due time moved by at least that
    assert resumed["due_at"] >= before["due_at"] + 1400
    assert now + left - 2000 <= resumed["due_at"] <= now + left
    # snoozed until the customer writes: paused; the customer's message resumes
    desk.status(agent, cid, "snoozed")
    assert clocks(desk, cid)["frt"]["state"] == "paused"
    v.say("Есть новости?")
    assert desk.conversation(cid)["status"] == "open"
    assert clocks(desk, cid)["frt"]["state"] == "running"
    # a reply while pending still answers
    desk.status(agent, cid, "pending")
    reply(agent, cid)
    assert clocks(desk, cid)["frt"]["state"] == "hit"


def test_the_warning_and_the_breach_fire_through_the_job_queue_to_the_agents(
        server, admin_client, make_user, ws_factory):
    desk = Desk(admin_client, make_user, agents=1)
    agent = desk.agents[0]
    ws = ws_factory(server, agent.token)
    # one minute on wall-clock time: the warning at 80% (48 s), the breach at 60 s (±1 s of the queue)
    sla(desk, frt_minutes=1, business_hours_only=False)
    _, missed = open_conversation(server, desk)
    _, answered = open_conversation(server, desk)
    note(agent, missed)  # a note does not stop the clock
    reply(agent, answered)
    hit = ws.wait_event("support.sla.hit", lambda f: f["data"]["conversation_id"] == answered)
    assert hit["data"]["metric"] == "frt" and hit["data"]["state"] == "hit"
    jobs = expect(admin_client.get("/api/v1/admin/jobs", params={"kind": "support.sla", "limit": "200"}), 200)["jobs"]
    mine = {(j["payload"]["metric"], j["payload"]["warning"]) for j in jobs
            if j["payload"]["id"] == missed and j["state"] == "pending"}
    assert mine == {("frt", True), ("frt", False)}
    due = clocks(desk, missed)["frt"]["due_at"]
    warning = ws.wait_event("support.sla.warning", lambda f: f["data"]["conversation_id"] == missed, timeout=75)
    assert warning["data"]["metric"] == "frt" and warning["data"]["number"].startswith("SUP-")
    assert int(time.time() * 1000) < due + 2000
    breach = ws.wait_event("support.sla.missed", lambda f: f["data"]["conversation_id"] == missed, timeout=75)
    assert breach["data"]["due_at"] == due and int(time.time() * 1000) >= due
    k = clocks(desk, missed)["frt"]
    assert k["state"] == "missed" and k["warned"] is True and k["stopped_at"] == due
    # the answered one never warned or missed
    assert not [f for f in ws.events("support.sla.warning") + ws.events("support.sla.missed")
                if f["data"]["conversation_id"] == answered]
    # a late reply does not turn a miss into a hit
    reply(agent, missed)
    assert clocks(desk, missed)["frt"]["state"] == "missed"
    wait_until(lambda: clocks(desk, missed)["frt"]["state"] == "missed", timeout=1, desc="the miss to stay")
