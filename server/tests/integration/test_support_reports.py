"""Support desk reports and CSAT (issue 13 §8, §9; MODULES.md §2.7 items 13, 14, 15 and the report part
of 19): the summary of a period per agent and per team against a set of conversations whose numbers
the test knows, the weekday × hour heatmap in a requested time zone (its cells add up to "new"), CSV
with the same numbers as JSON, the visitor's one rating per conversation, and bad parameters."""

import csv
import datetime
import io
import statistics
import time
from zoneinfo import ZoneInfo

from objects_helpers import grant
from support_helpers import Desk
from veche_harness import Client, expect, expect_error, uniq

UNKNOWN = "987654321987654321"


def open_conversation(server, desk, text="Здравствуйте"):
    v = desk.visitor(server)
    conv = v.say(text, name="Вера")["conversation"]
    return v, conv["id"]


def reply(who, cid, text="Отвечаем"):
    return expect(who.post(f"/api/v1/support/conversations/{cid}/messages", json={"text": text}), 201)


def assign(who, cid, agent):
    return expect(who.post(f"/api/v1/support/conversations/{cid}/assign", json={"agent_id": agent.id}), 200)


def rate(v, cid, rating, comment=None, status=201):
    body = {"conversation_id": cid, "rating": rating}
    if comment is not None:
        body["comment"] = comment
    return v.client.post("/api/v1/support/widget/csat", json=body)


def period(start_ms):
    return {"since": str(start_ms), "until": str(int(time.time() * 1000) + 1000)}


def summary(admin, params, fmt=None):
    p = dict(params, **({"format": fmt} if fmt else {}))
    r = admin.get("/api/v1/support/reports/summary", params=p)
    if fmt == "csv":
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("text/csv") and "charset=utf-8" in r.headers["Content-Type"]
        return list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))
    return expect(r, 200)


def secs(ms):
    return ms // 1000


def num(v):
    return None if v == "" else float(v)


# -- item 15: CSAT -------------------------------------------------------------------------------

def test_resolving_asks_for_one_rating_attributed_to_the_agent_and_team_at_resolve_time(
        server, admin_client, make_user):
    desk = Desk(admin_client, make_user, agents=2)
    first, second = desk.agents
    v, cid = open_conversation(server, desk)
    assign(admin_client, cid, first)
    assert expect(v.client.get(f"/api/v1/support/widget/conversations/{cid}/csat"), 200) == {
        "requested": False, "csat": None}
    expect_error(rate(v, cid, 5), 409, "csat_not_requested")
    desk.status(first, cid, "resolved")
    asked = expect(v.client.get(f"/api/v1/support/widget/conversations/{cid}/csat"), 200)
    assert asked["requested"] is True and asked["csat"]["rating"] is None and "agent_id" not in asked["csat"]
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": "5"}, {"comment": "x" * 201}):
        body = {"conversation_id": cid, "rating": 4, **bad}
        expect_error(v.client.post("/api/v1/support/widget/csat", json=body), 400, "invalid_argument")
    # another visitor, an agent's session, no token: refused, nothing rated
    other, _ = open_conversation(server, desk)
    expect_error(rate(other, cid, 1), 404, "conversation_not_found")
    expect_error(Client(server).post("/api/v1/support/widget/csat", json={"conversation_id": cid, "rating": 1}), 401,
                 "visitor_unauthenticated")
    expect_error(first.post("/api/v1/support/widget/csat", json={"conversation_id": cid, "rating": 1}), 401)
    got = expect(rate(v, cid, 4, "Спасибо, всё понятно 👍"), 201)
    assert got["rating"] == 4 and got["comment"] == "Спасибо, всё понятно 👍" and got["rated_at"] > 0
    expect_error(rate(v, cid, 5), 409, "csat_already_rated")
    # reassigned after the resolve: the rating stays with the agent who resolved
    desk.status(first, cid, "open")
    assign(admin_client, cid, second)
    seen = expect(second.get(f"/api/v1/support/conversations/{cid}/sla"), 200)["csat"]
    assert seen["rating"] == 4 and seen["agent_id"] == first.id and seen["team_id"] == desk.team["id"]
    # an inbox with CSAT off asks nothing
    path = f"/api/v1/support/inboxes/{desk.inbox['id']}/csat"
    assert expect(admin_client.get(path), 200) == {"inbox_id": desk.inbox["id"], "enabled": True}
    expect_error(first.put(path, json={"enabled": False}), 403)
    expect_error(admin_client.put(path, json={"enabled": "no"}), 400, "invalid_argument")
    expect_error(admin_client.put(f"/api/v1/support/inboxes/{UNKNOWN}/csat", json={"enabled": False}), 404,
                 "inbox_not_found")
    assert expect(admin_client.put(path, json={"enabled": False}), 200)["enabled"] is False
    v2, cid2 = open_conversation(server, desk)
    desk.status(desk.agents[0], cid2, "resolved")
    assert expect(v2.client.get(f"/api/v1/support/widget/conversations/{cid2}/csat"), 200)["requested"] is False
    expect_error(rate(v2, cid2, 5), 409, "csat_not_requested")


# -- items 13 and 19: the summary ----------------------------------------------------------------

def test_the_summary_counts_a_known_set_per_agent_and_team_and_the_csv_has_the_same_numbers(
        server, admin_client, make_user):
    start = int(time.time() * 1000) - 1000
    desk = Desk(admin_client, make_user, agents=2, online=False)
    a, b = desk.agents
    # b also holds a custom role that is archived later: reports keep its title (item 19)
    role = expect(admin_client.post("/api/v1/admin/roles", json={
        "name": uniq("night").lower().replace("_", "-"), "title": "Ночная смена " + uniq("t"),
        "permissions": ["support.agent"]}), 201)
    grant(admin_client, b, role["name"])
    expect(admin_client.post(f"/api/v1/admin/roles/{role['id']}/archive"), 200)
    expect(admin_client.put(f"/api/v1/support/teams/{desk.team['id']}/sla",
                            json={"frt_minutes": 60, "business_hours_only": False}), 200)
    # c1: a answers and resolves, rated 4; c2: b answers, stays open; c3: a, no answer, open;
    # c4: a resolves without an answer, not rated
    v1, c1 = open_conversation(server, desk)
    _, c2 = open_conversation(server, desk)
    _, c3 = open_conversation(server, desk)
    _, c4 = open_conversation(server, desk)
    for cid, who in ((c1, a), (c2, b), (c3, a), (c4, a)):
        assign(admin_client, cid, who)
    time.sleep(1.1)
    reply(a, c1)
    time.sleep(1.1)
    reply(b, c2)
    reply(b, c2, "и ещё")  # a second reply is no first response
    desk.status(a, c1, "resolved")
    desk.status(a, c4, "resolved")
    expect(rate(v1, c1, 4), 201)
    conv = {cid: desk.conversation(cid) for cid in (c1, c2, c3, c4)}
    frt = {c1: secs(conv[c1]["first_reply_at"] - conv[c1]["created_at"]),
           c2: secs(conv[c2]["first_reply_at"] - conv[c2]["created_at"])}
    rt = {c1: secs(conv[c1]["resolved_at"] - conv[c1]["created_at"]),
          c4: secs(conv[c4]["resolved_at"] - conv[c4]["created_at"])}
    assert frt[c1] >= 1 and frt[c2] >= 2
    params = dict(period(start), team_id=desk.team["id"])
    s = summary(admin_client, params)
    t = s["total"]
    assert (t["new"], t["open_at_end"], t["resolved"], t["replies"]) == (4, 2, 2, 3)
    assert t["first_response"]["count"] == 2
    assert t["first_response"]["median_s"] == statistics.median(frt.values())
    assert t["first_response"]["average_s"] == statistics.mean(frt.values())
    assert t["resolution"]["median_s"] == statistics.median(rt.values())
    # business hours on the default calendar: never more than wall-clock time
    assert 0 <= t["first_response"]["median_business_s"] <= t["first_response"]["median_s"]
    assert t["sla"] == {"hit": 2, "missed": 0, "compliance": 1}  # c1 and c2 answered in time; c4 stopped
    assert t["csat"] == {"requested": 2, "rated": 1, "average": 4, "response_rate": 0.5}
    assert [r["id"] for r in s["teams"]] == [desk.team["id"]]
    assert s["teams"][0]["name"] == desk.team["name"] and s["teams"][0]["new"] == 4
    rows = {r["id"]: r for r in s["agents"]}
    assert set(rows) == {a.id, b.id}
    ra, rb = rows[a.id], rows[b.id]
    assert (ra["new"], ra["open_at_end"], ra["resolved"], ra["replies"]) == (3, 1, 2, 1)
    assert (rb["new"], rb["open_at_end"], rb["resolved"], rb["replies"]) == (1, 1, 0, 2)
    assert ra["first_response"]["median_s"] == frt[c1] and rb["first_response"]["median_s"] == frt[c2]
    assert ra["csat"]["average"] == 4 and ra["csat"]["requested"] == 2 and rb["csat"]["requested"] == 0
    assert rb["csat"]["average"] is None and rb["resolution"]["median_s"] is None
    assert {"name": "support.agent", "title": "Support agent", "archived": False} in ra["roles"]
    assert {"name": role["name"], "title": role["title"], "archived": True} in rb["roles"]
    # one agent's view of the same period
    only_b = summary(admin_client, dict(params, agent_id=b.id))
    assert only_b["total"]["new"] == 1 and only_b["total"]["replies"] == 2 and [r["id"] for r in only_b["agents"]] == [b.id]
    # CSV: the same numbers
    table = summary(admin_client, params, "csv")
    assert [r["scope"] for r in table] == ["total", "team"] + ["agent"] * 2
    by = {(r["scope"], r["id"]): r for r in table}
    for scope, row in [("total", t), ("team", s["teams"][0]), ("agent", ra), ("agent", rb)]:
        c = by[(scope, row["id"] or "")]
        assert c["name"] == row["name"]
        for key in ("new", "open_at_end", "resolved", "replies"):
            assert int(c[key]) == row[key], key
        for group in ("first_response", "resolution"):
            for key in ("count", "median_s", "average_s", "median_business_s", "average_business_s"):
                assert num(c[f"{group}_{key}"]) == row[group][key], f"{group}_{key}"
        assert int(c["sla_hit"]) == row["sla"]["hit"] and num(c["sla_compliance"]) == row["sla"]["compliance"]
        for key in ("requested", "rated", "average", "response_rate"):
            assert num(c[f"csat_{key}"]) == row["csat"][key], key
    assert role["title"] + " (archived)" in by[("agent", b.id)]["roles"]
    # agents may not read reports
    expect_error(a.get("/api/v1/support/reports/summary", params=params), 403)
    expect_error(make_user().get("/api/v1/support/reports/heatmap"), 403)


# -- item 14: the heatmap ------------------------------------------------------------------------

def test_the_heatmap_is_seven_by_twenty_four_in_the_requested_zone_and_adds_up_to_new(
        server, admin_client, make_user):
    start = int(time.time() * 1000) - 1000
    desk = Desk(admin_client, make_user, agents=1)
    made = [open_conversation(server, desk)[1] for _ in range(3)]
    params = dict(period(start), team_id=desk.team["id"])
    for tz in ("Asia/Vladivostok", "America/New_York", "UTC"):
        h = expect(admin_client.get("/api/v1/support/reports/heatmap", params=dict(params, tz=tz)), 200)
        assert len(h["cells"]) == 7 and all(len(day) == 24 for day in h["cells"])
        s = summary(admin_client, dict(params, tz=tz))
        assert sum(map(sum, h["cells"])) == h["total"] == s["total"]["new"] == 3
        # each conversation sits in its local weekday and hour
        want = [[0] * 24 for _ in range(7)]
        for cid in made:
            local = datetime.datetime.fromtimestamp(desk.conversation(cid)["created_at"] / 1000, ZoneInfo(tz))
            want[local.weekday()][local.hour] += 1
        assert h["cells"] == want and h["query"]["tz"] == tz
        r = admin_client.get("/api/v1/support/reports/heatmap", params=dict(params, tz=tz, format="csv"))
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"))))
        assert rows[0] == ["weekday"] + [f"{x:02d}" for x in range(24)]
        assert [row[0] for row in rows[1:]] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        assert [[int(x) for x in row[1:]] for row in rows[1:]] == h["cells"]


def test_report_parameters_are_checked(server, admin_client):
    for path in ("/api/v1/support/reports/summary", "/api/v1/support/reports/heatmap"):
        expect_error(admin_client.get(path, params={"tz": "Mars/Olympus"}), 400, "invalid_time_zone")
        expect_error(admin_client.get(path, params={"since": "2000", "until": "1000"}), 400, "invalid_period")
        expect_error(admin_client.get(path, params={"since": "2026-01-01", "until": "2026-01-01T00"}), 400,
                     "invalid_argument")
        expect_error(admin_client.get(path, params={"since": "2024-01-01", "until": "2025-06-01"}), 400,
                     "period_too_long")
        expect_error(admin_client.get(path, params={"format": "xml"}), 400, "invalid_argument")
        expect_error(admin_client.get(path, params={"team_id": "x"}), 400, "invalid_argument")
        # dates are local days in the zone; the until date is taken in whole
        ok = expect(admin_client.get(path, params={"since": "2026-03-01", "until": "2026-03-31",
                                                   "tz": "Europe/Moscow"}), 200)
        assert ok["query"]["since"] == 1772312400000 and ok["query"]["until"] == 1774990800000
        assert ok["total"] == 0 if path.endswith("heatmap") else ok["total"]["new"] == 0


# -- soft delete (item 18) in the reports ----------------------------------------------------------

def test_a_deleted_conversation_counts_nowhere_in_the_reports_until_it_is_restored(server, admin_client, make_user):
    start = int(time.time() * 1000) - 1000
    desk = Desk(admin_client, make_user, agents=1, online=False)
    agent = desk.agents[0]
    expect(admin_client.put(f"/api/v1/support/teams/{desk.team['id']}/sla",
                            json={"frt_minutes": 60, "business_hours_only": False}), 200)
    v1, c1 = open_conversation(server, desk)
    _, c2 = open_conversation(server, desk)
    for cid in (c1, c2):
        assign(admin_client, cid, agent)
    reply(agent, c1)
    desk.status(agent, c1, "resolved")
    expect(rate(v1, c1, 2), 201)
    params = dict(period(start), team_id=desk.team["id"])

    def figures():
        s = summary(admin_client, params)
        t = s["total"]
        h = expect(admin_client.get("/api/v1/support/reports/heatmap", params=params), 200)
        table = summary(admin_client, params, "csv")
        row = next(r for r in table if r["scope"] == "total")
        agents = {r["id"]: r for r in s["agents"]}
        assert int(row["new"]) == t["new"] and int(row["resolved"]) == t["resolved"]
        assert int(row["first_response_count"]) == t["first_response"]["count"]
        assert int(row["csat_requested"]) == t["csat"]["requested"]
        return (t["new"], t["open_at_end"], t["resolved"], t["replies"], t["first_response"]["count"],
                t["resolution"]["count"], t["csat"]["requested"], t["csat"]["rated"], t["sla"]["hit"], h["total"],
                agents.get(agent.id, {}).get("new", 0))

    assert figures() == (2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2)
    expect(admin_client.delete(f"/api/v1/support/conversations/{c1}"), 204)
    # c1 with its reply, resolve, SLA hit and rating is gone from the summary, the heatmap and the CSV
    assert figures() == (1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1)
    expect(admin_client.delete(f"/api/v1/support/conversations/{c2}"), 204)
    assert figures() == (0,) * 11
    assert summary(admin_client, params)["agents"] == []
    # restored, each counts again with everything it had
    expect(admin_client.post(f"/api/v1/support/conversations/{c1}/restore"), 200)
    assert figures() == (1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1)
    expect(admin_client.post(f"/api/v1/support/conversations/{c2}/restore"), 200)
    assert figures() == (2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2)


# -- business_hours: which basis the median and average carry -------------------------------------

def test_business_hours_chooses_the_time_basis_of_the_median_and_average(server, admin_client, make_user):
    # the team's calendar works one hour on a weekday three days from now, in its zone: a conversation
    # answered and resolved within seconds today took no business time at all
    zone_name = "Asia/Vladivostok"
    today = datetime.datetime.now(ZoneInfo(zone_name)).date()
    week = [[] for _ in range(7)]
    week[(today.weekday() + 3) % 7] = [{"start": "10:00", "end": "11:00"}]
    cal = expect(admin_client.post("/api/v1/calendars", json={"name": uniq("far"), "time_zone": zone_name,
                                                              "week": week}), 201)
    for y in {today.year, today.year + 1}:
        for d in expect(admin_client.get(f"/api/v1/calendars/{cal['id']}/days", params={"year": str(y)}),
                        200)["days"]:
            expect(admin_client.delete(f"/api/v1/calendars/{cal['id']}/days/{d['date']}"), 204)
    start = int(time.time() * 1000) - 1000
    desk = Desk(admin_client, make_user, agents=1, online=False)
    agent = desk.agents[0]
    expect(admin_client.put(f"/api/v1/support/teams/{desk.team['id']}/calendar", json={"calendar_id": cal["id"]}),
           200)
    _, cid = open_conversation(server, desk)
    assign(admin_client, cid, agent)
    time.sleep(1.1)
    reply(agent, cid)
    desk.status(agent, cid, "resolved")
    conv = desk.conversation(cid)
    frt = secs(conv["first_reply_at"] - conv["created_at"])
    rt = secs(conv["resolved_at"] - conv["created_at"])
    assert frt >= 1 and rt >= 1
    params = dict(period(start), team_id=desk.team["id"])

    wall_default = summary(admin_client, params)
    wall = summary(admin_client, dict(params, business_hours="false"))
    business = summary(admin_client, dict(params, business_hours="true"))
    # no parameter: wall-clock, as before
    assert wall_default["total"] == wall["total"] and wall_default["query"]["business_hours"] is False
    assert business["query"]["business_hours"] is True
    for s, f, r in ((wall, frt, rt), (business, 0, 0)):
        for row in (s["total"], s["teams"][0], s["agents"][0]):
            assert row["first_response"] == {"count": 1, "median_s": f, "average_s": f,
                                             "median_business_s": 0, "average_business_s": 0}
            assert row["resolution"] == {"count": 1, "median_s": r, "average_s": r,
                                         "median_business_s": 0, "average_business_s": 0}
            assert row["new"] == 1 and row["resolved"] == 1
    # the CSV follows the same parameter
    for flag, f in (("false", frt), ("true", 0)):
        table = summary(admin_client, dict(params, business_hours=flag), "csv")
        total = next(r for r in table if r["scope"] == "total")
        assert num(total["first_response_median_s"]) == f and num(total["first_response_median_business_s"]) == 0
    for bad in ("yes", "1", "TRUE"):
        expect_error(admin_client.get("/api/v1/support/reports/summary", params=dict(params, business_hours=bad)),
                     400, "invalid_argument")
