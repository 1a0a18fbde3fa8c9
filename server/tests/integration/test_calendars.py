"""The business calendar (docs/api.md "Business calendar"; MODULES.md §0.2).

The Russian production calendar for 2026 and 2027 is seeded once into the default calendar; an
administrator's edits of a seeded year survive restarts; working time is added across holidays,
weekends and shortened days; any user reads and computes, only administrators write; bad input is
a 4xx with a code.
"""

from datetime import datetime, timedelta, timezone

import pytest

from veche_harness import (STORAGE, Client, RedisServer, Server, drop_pg_database, expect, expect_error,
                           new_pg_database, uniq)

MSK = timezone(timedelta(hours=3))


def ms(y, mo, d, h=0, mi=0):
    return int(datetime(y, mo, d, h, mi, tzinfo=MSK).timestamp() * 1000)


def default_calendar(client):
    cals = expect(client.get("/api/v1/calendars"), 200)["calendars"]
    defaults = [c for c in cals if c["is_default"]]
    assert len(defaults) == 1, cals
    return defaults[0]


def days(client, cal_id, year):
    out = expect(client.get(f"/api/v1/calendars/{cal_id}/days", params={"year": str(year)}), 200)
    assert out["year"] == year
    return {d["date"]: d for d in out["days"]}


def audit(admin, **filters):
    params = {k: str(v) for k, v in filters.items()}
    params["limit"] = "200"
    return expect(admin.get("/api/v1/admin/audit", params=params), 200)["entries"]


def test_the_production_calendar_is_seeded_into_the_default_calendar(server, make_user):
    user = make_user()  # any logged-in user reads the calendars
    cal = default_calendar(user)
    assert cal["time_zone"] == "Europe/Moscow"
    assert cal["week"][0] == [{"start": "09:00", "end": "13:00"}, {"start": "14:00", "end": "18:00"}]
    assert cal["week"][5] == [] and cal["week"][6] == []
    d26 = days(user, cal["id"], 2026)
    assert d26["2026-01-01"]["kind"] == "holiday"
    assert d26["2026-01-09"]["kind"] == "day_off"  # the decree's move of Sat 3 Jan
    assert d26["2026-04-30"]["kind"] == "shortened"
    assert d26["2026-12-31"]["kind"] == "day_off"
    assert all(d.startswith("2026-") for d in d26)
    d27 = days(user, cal["id"], 2027)
    assert d27["2027-01-07"]["kind"] == "holiday" and d27["2027-05-03"]["kind"] == "day_off"
    assert days(user, cal["id"], 2030) == {}
    assert expect(user.get(f"/api/v1/calendars/{cal['id']}"), 200) == cal


def test_working_time_is_added_across_holidays_and_shortened_days(server, make_user):
    user = make_user()
    cid = default_calendar(user)["id"]

    def add(**params):
        params = {k: str(v) for k, v in params.items()}
        return expect(user.get(f"/api/v1/calendars/{cid}/add", params=params), 200)["at"]

    # One hour left on 31 Dec 2025, then the New Year holidays, the moved 9 Jan and a weekend.
    assert add(**{"from": ms(2025, 12, 31, 17), "working_minutes": 120}) == ms(2026, 1, 12, 10)
    # 30 April 2026 ends at 17:00 (shortened), 1 May is a holiday, then a weekend.
    assert add(**{"from": ms(2026, 4, 30, 16, 30), "working_minutes": 60}) == ms(2026, 5, 4, 9, 30)
    # Lunch is not working time.
    assert add(**{"from": ms(2026, 2, 2, 12, 30), "working_minutes": 60}) == ms(2026, 2, 2, 14, 30)
    assert add(**{"from": ms(2025, 12, 30, 11), "working_days": 2}) == ms(2026, 1, 12, 11)
    nxt = expect(user.get(f"/api/v1/calendars/{cid}/next-working-day",
                          params={"from": str(ms(2026, 1, 1, 10)), "at": "09:30"}), 200)["at"]
    assert nxt == ms(2026, 1, 12, 9, 30)
    nxt = expect(user.get(f"/api/v1/calendars/{cid}/next-working-day", params={"from": str(ms(2026, 2, 6, 10))}),
                 200)["at"]
    assert nxt == ms(2026, 2, 9, 9)  # Friday → Monday, 09:00 by default


def test_a_team_calendar_with_split_shifts_and_its_own_days(server, admin_client, make_user):
    name = uniq("support desk ")
    week = [[{"start": "08:00", "end": "12:00"}, {"start": "16:00", "end": "20:00"}]] * 5 + [[], []]
    cal = expect(admin_client.post("/api/v1/calendars", json={"name": name, "time_zone": "Asia/Yekaterinburg",
                                                              "week": week}), 201)
    assert cal["is_default"] is False and cal["week"] == week and cal["time_zone"] == "Asia/Yekaterinburg"
    # It starts with the default calendar's days, then goes its own way.
    assert days(admin_client, cal["id"], 2026)["2026-01-01"]["kind"] == "holiday"
    day = expect(admin_client.put(f"/api/v1/calendars/{cal['id']}/days/2026-01-05",
                                  json={"kind": "working", "note": "on duty"}), 200)
    assert day == {"date": "2026-01-05", "kind": "working", "note": "on duty"}
    default_id = default_calendar(admin_client)["id"]
    assert days(admin_client, default_id, 2026)["2026-01-05"]["kind"] == "holiday"
    user = make_user()
    # 5 Jan 2026, Yekaterinburg (UTC+5) 11:00 = 09:00 MSK: one hour to 12:00, then from 16:00.
    at = expect(user.get(f"/api/v1/calendars/{cal['id']}/add",
                         params={"from": str(ms(2026, 1, 5, 9)), "working_minutes": "90"}), 200)["at"]
    assert at == ms(2026, 1, 5, 14, 30)  # 16:30 in Yekaterinburg

    renamed = expect(admin_client.patch(f"/api/v1/calendars/{cal['id']}", json={"name": name + " 2"}), 200)
    assert renamed["name"] == name + " 2" and renamed["week"] == week
    entries = audit(admin_client, target_kind="calendar", target_id=cal["id"])
    actions = [e["action"] for e in entries]
    assert actions == ["calendar.updated", "calendar.day_set", "calendar.created"], actions
    assert all(e["actor_id"] == admin_client.id for e in entries)
    assert entries[1]["data"] == {"date": "2026-01-05", "kind": "working", "note": "on duty"}

    r = admin_client.delete(f"/api/v1/calendars/{cal['id']}/days/2026-01-05")
    assert r.status_code == 204, r.text
    assert "2026-01-05" not in days(admin_client, cal["id"], 2026)
    expect_error(admin_client.delete(f"/api/v1/calendars/{cal['id']}/days/2026-01-05"), 404, "day_not_found")


def test_bad_input_and_authorization(server, admin_client, make_user):
    cid = default_calendar(admin_client)["id"]
    base = f"/api/v1/calendars/{cid}"
    user = make_user()
    expect_error(user.post("/api/v1/calendars", json={"name": uniq("x")}), 403, "forbidden")
    expect_error(user.patch(base, json={"name": "mine"}), 403, "forbidden")
    expect_error(user.put(base + "/days/2026-03-10", json={"kind": "day_off"}), 403, "forbidden")
    expect_error(user.delete(base + "/days/2026-01-01"), 403, "forbidden")
    assert days(user, cid, 2026)["2026-01-01"]["kind"] == "holiday"

    expect_error(admin_client.post("/api/v1/calendars", json={"name": uniq("z"), "time_zone": "Mars/Olympus"}),
                 400, "invalid_argument")
    overlapping = [[{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "18:00"}]] + [[]] * 6
    expect_error(admin_client.post("/api/v1/calendars", json={"name": uniq("z"), "week": overlapping}),
                 400, "invalid_argument")
    for week in ([[]] * 7, [[]] * 6, [[{"start": "9:00", "end": "18:00"}]] + [[]] * 6,
                 [[{"start": "18:00", "end": "09:00"}]] + [[]] * 6, [[{"start": "09:00", "end": "24:30"}]] + [[]] * 6,
                 "mon-fri"):
        expect_error(admin_client.post("/api/v1/calendars", json={"name": uniq("z"), "week": week}),
                     400, "invalid_argument")
    expect_error(admin_client.post("/api/v1/calendars", json={"name": ""}), 400, "invalid_argument")
    expect_error(admin_client.post("/api/v1/calendars", json={"name": 5}), 400, "invalid_argument")
    taken = default_calendar(admin_client)["name"]
    expect_error(admin_client.post("/api/v1/calendars", json={"name": taken}), 409, "calendar_name_taken")
    expect_error(admin_client.patch(base, json={"is_default": False}), 400, "invalid_argument")
    expect_error(admin_client.patch(base, json={"time_zone": "Nowhere"}), 400, "invalid_argument")
    r = admin_client.request("PATCH", base, data="{\"name\": ", headers={"Content-Type": "application/json"})
    expect_error(r, 400, "malformed_json")

    for date in ("2026-02-30", "2026-13-01", "26-01-01", "2026-1-01", "yesterday"):
        expect_error(admin_client.put(f"{base}/days/{date}", json={"kind": "holiday"}), 400, "invalid_argument")
    expect_error(admin_client.put(f"{base}/days/2026-03-10", json={"kind": "party"}), 400, "invalid_argument")
    expect_error(admin_client.put(f"{base}/days/2026-03-10", json={}), 400, "invalid_argument")
    expect_error(admin_client.put(f"{base}/days/2026-03-10", json={"kind": "holiday", "note": "n" * 201}),
                 400, "invalid_argument")

    expect_error(user.get("/api/v1/calendars/123456789"), 404, "calendar_not_found")
    expect_error(user.get("/api/v1/calendars/123456789/days", params={"year": "2026"}), 404, "calendar_not_found")
    expect_error(admin_client.put("/api/v1/calendars/123456789/days/2026-03-10", json={"kind": "holiday"}),
                 404, "calendar_not_found")
    expect_error(user.get("/api/v1/calendars/abc"), 400)
    expect_error(user.get(base + "/days"), 400, "invalid_argument")
    expect_error(user.get(base + "/days", params={"year": "20x6"}), 400, "invalid_argument")
    expect_error(user.get(base + "/add", params={"from": "0"}), 400, "invalid_argument")
    expect_error(user.get(base + "/add", params={"from": "0", "working_minutes": "1", "working_days": "1"}),
                 400, "invalid_argument")
    expect_error(user.get(base + "/add", params={"working_minutes": "1"}), 400, "invalid_argument")
    expect_error(user.get(base + "/add", params={"from": "0", "working_minutes": "-5"}), 400, "invalid_argument")
    expect_error(user.get(base + "/next-working-day", params={"from": "0", "at": "25:00"}), 400, "invalid_argument")
    expect_error(user.get(base + "/next-working-day", params={"from": "0", "at": "24:00"}), 400, "invalid_argument")


def test_admin_edits_of_a_seeded_year_survive_a_restart(fresh_server):
    admin = fresh_server.admin()
    cid = default_calendar(admin)["id"]
    expect(admin.put(f"/api/v1/calendars/{cid}/days/2026-03-10", json={"kind": "day_off", "note": "plant closed"}),
           200)
    r = admin.delete(f"/api/v1/calendars/{cid}/days/2026-11-04")  # a holiday the admin removed
    assert r.status_code == 204, r.text
    expect(admin.put(f"/api/v1/calendars/{cid}/days/2027-01-02", json={"kind": "day_off"}), 200)
    assert len(audit(admin, action="calendar.seeded")) == 2

    fresh_server.restart()
    admin = fresh_server.admin()
    assert default_calendar(admin)["id"] == cid
    d26 = days(admin, cid, 2026)
    assert d26["2026-03-10"] == {"date": "2026-03-10", "kind": "day_off", "note": "plant closed"}
    assert "2026-11-04" not in d26
    assert days(admin, cid, 2027)["2027-01-02"]["kind"] == "day_off"
    assert len(audit(admin, action="calendar.seeded")) == 2  # seeded once, not again
    # The edit is what computing sees: after Friday 6 March come the moved 9 March and now 10 March.
    at = expect(admin.get(f"/api/v1/calendars/{cid}/add",
                          params={"from": str(ms(2026, 3, 6, 17)), "working_minutes": "120"}), 200)["at"]
    assert at == ms(2026, 3, 11, 10)


@pytest.mark.skipif(STORAGE != "postgresql", reason="two nodes need PostgreSQL (the PostgreSQL pass runs it)")
def test_two_nodes_seed_once_and_see_each_others_edits(tmp_path):
    redis = RedisServer(tmp_path)
    redis.start()
    db = new_pg_database()
    nodes = []
    try:
        for _ in range(2):
            nodes.append(Server(storage=db, bus=redis.url, data_dir=str(tmp_path / "files")).start())
        admin_a = nodes[0].admin()
        admin_b = Client(nodes[1], token=admin_a.token, user=admin_a.user)
        assert len(audit(admin_b, action="calendar.seeded")) == 2  # one node seeded, the other found the years
        cid = default_calendar(admin_b)["id"]

        def add_on_b():
            return expect(admin_b.get(f"/api/v1/calendars/{cid}/add",
                                      params={"from": str(ms(2026, 3, 6, 17)), "working_minutes": "120"}), 200)["at"]

        assert add_on_b() == ms(2026, 3, 10, 10)  # node B has built (and cached) the calendar
        expect(admin_a.put(f"/api/v1/calendars/{cid}/days/2026-03-10", json={"kind": "day_off"}), 200)
        assert add_on_b() == ms(2026, 3, 11, 10)  # and drops it when node A edits
        r = admin_a.delete(f"/api/v1/calendars/{cid}/days/2026-03-10")
        assert r.status_code == 204, r.text
        assert add_on_b() == ms(2026, 3, 10, 10)
    finally:
        for n in nodes:
            n.cleanup()
        drop_pg_database(db)
        if redis.proc.poll() is None:
            redis.kill()


def test_a_holder_of_calendar_manage_edits_calendars_without_being_an_administrator(server, admin_client, make_user):
    planner = make_user()
    default = expect(planner.get("/api/v1/calendars"), 200)["calendars"][0]
    edit = {"kind": "day_off", "note": "planner's day"}
    expect_error(planner.put(f"/api/v1/calendars/{default['id']}/days/2026-12-07", json=edit), 403, "forbidden")
    name = uniq("planners").lower()
    role = expect(admin_client.post("/api/v1/admin/roles", json={
        "name": name, "title": "Planners", "permissions": ["calendar.manage"]}), 201)
    expect(admin_client.post(f"/api/v1/admin/users/{planner.id}/roles", json={"role_id": role["id"]}), 201)
    day = expect(planner.put(f"/api/v1/calendars/{default['id']}/days/2026-12-07", json=edit), 200)
    assert day["kind"] == "day_off"
    expect(planner.delete(f"/api/v1/calendars/{default['id']}/days/2026-12-07"), 204)
    # Revoked: writes are refused again, reads still work.
    expect(admin_client.delete(f"/api/v1/admin/users/{planner.id}/roles/{role['id']}"), 204)
    expect_error(planner.put(f"/api/v1/calendars/{default['id']}/days/2026-12-07", json=edit), 403, "forbidden")
    expect(planner.get(f"/api/v1/calendars/{default['id']}"), 200)
