"""Events of the expert network: scheduling, registrations with capacity and waitlist, reminders,
the summary, cancellation and the iCalendar feed (docs/api.md "Expert network (EXP)", "Events";
MODULES.md §3.7 acceptance 17 and 18)."""

import threading
import time

from experts_helpers import API, Network, notices
from veche_harness import Client, expect, expect_error, uniq, wait_until

HOUR = 3_600_000
DAY = 24 * HOUR


def now_ms():
    return int(time.time() * 1000)


def event(who, community=None, status=201, **extra):
    start = extra.pop("starts_at", now_ms() + 2 * DAY)
    body = {"title": extra.pop("title", "Разбор отказов"), "topic": "Насосы", "agenda": "1. Отказы\n2. Вопросы",
            "starts_at": start, "ends_at": extra.pop("ends_at", start + HOUR), "tz": "Europe/Moscow",
            "link": "https://meet.test/room", **extra}
    if community is not None:
        body["community_id"] = community["id"]
    return expect(who.post(f"{API}/events", json=body), status)


def register(who, ev, status="going", code=200):
    return expect(who.post(f"{API}/events/{ev['id']}/registrations", json={"status": status}), code)


def test_capacity_twenty_waitlists_the_twenty_first_and_a_cancellation_promotes(admin_client, make_user):
    """Acceptance 17."""
    net = Network(admin_client, make_user)
    ev = event(net.curator, net.community, capacity=20)
    assert ev["state"] == "scheduled" and ev["capacity"] == 20 and ev["going"] == 0
    users = [make_user() for _ in range(22)]
    for u in users[:20]:
        assert register(u, ev)["my_status"] == "going"
    twenty_first = register(users[20], ev)
    assert twenty_first["my_status"] == "waitlist" and twenty_first["my_waitlist_position"] == 1
    assert twenty_first["going"] == 20 and twenty_first["waitlist"] == 1
    assert register(users[21], ev)["my_waitlist_position"] == 2
    assert register(users[20], ev)["my_waitlist_position"] == 1  # asking again keeps the place
    # one going user cancels: the first waitlisted becomes going and is told
    left = expect(users[3].delete(f"{API}/events/{ev['id']}/registrations/me"), 200)
    assert left["my_status"] is None and left["going"] == 20 and left["waitlist"] == 1
    promoted = expect(users[20].get(f"{API}/events/{ev['id']}"), 200)
    assert promoted["my_status"] == "going"
    assert any("Освободилось место" in t and "Разбор отказов" in t for t in notices(users[20]))
    assert not any("Освободилось место" in t for t in notices(users[21]))
    assert expect(users[21].get(f"{API}/events/{ev['id']}"), 200)["my_waitlist_position"] == 1
    # moving from going to interested frees the place as well
    assert register(users[4], ev, "interested")["my_status"] == "interested"
    assert expect(users[21].get(f"{API}/events/{ev['id']}"), 200)["my_status"] == "going"
    regs = expect(net.curator.get(f"{API}/events/{ev['id']}/registrations"), 200)["registrations"]
    assert sum(r["status"] == "going" for r in regs) == 20
    expect_error(users[0].get(f"{API}/events/{ev['id']}/registrations"), 403)
    # a larger capacity takes the waitlist in
    ev2 = event(net.curator, net.community, capacity=1)
    register(users[0], ev2)
    assert register(users[1], ev2)["my_status"] == "waitlist"
    expect(net.curator.patch(f"{API}/events/{ev2['id']}", json={"capacity": 2}), 200)
    assert expect(users[1].get(f"{API}/events/{ev2['id']}"), 200)["my_status"] == "going"


def test_parallel_registrations_never_exceed_the_capacity(admin_client, make_user):
    net = Network(admin_client, make_user)
    ev = event(net.curator, net.community, capacity=5)
    users = [make_user() for _ in range(14)]
    results, barrier = [], threading.Barrier(len(users))

    def go(u):
        barrier.wait()
        r = u.post(f"{API}/events/{ev['id']}/registrations", json={"status": "going"})
        results.append((r.status_code, r.json().get("my_status")))

    threads = [threading.Thread(target=go, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(code == 200 for code, _ in results), results
    assert sorted(s for _, s in results).count("going") == 5
    assert [s for _, s in results].count("waitlist") == 9
    final = expect(net.curator.get(f"{API}/events/{ev['id']}"), 200)
    assert final["going"] == 5 and final["waitlist"] == 9


def test_who_may_create_and_the_bad_input(admin_client, make_user):
    net = Network(admin_client, make_user)
    member = make_user()
    expect(member.post(f"{API}/communities/{net.community['id']}/subscription"), 200)
    body = {"community_id": net.community["id"], "title": "T", "starts_at": now_ms() + DAY,
            "ends_at": now_ms() + DAY + HOUR}
    expect_error(member.post(f"{API}/events", json=body), 403, "forbidden")
    expect_error(net.curator.post(f"{API}/events", json={**body, "community_id": None}), 403)  # no community: moderators
    assert event(net.moderator)["community_id"] is None
    expect_error(net.curator.post(f"{API}/events", json={k: v for k, v in body.items() if k != "title"}), 422,
                 "field_required")
    expect_error(net.curator.post(f"{API}/events", json={k: v for k, v in body.items() if k != "starts_at"}), 422,
                 "field_required")
    expect_error(net.curator.post(f"{API}/events", json={**body, "ends_at": body["starts_at"]}), 422, "invalid_time")
    expect_error(net.curator.post(f"{API}/events", json={**body, "link": "javascript:alert(1)"}), 422, "invalid_link")
    expect_error(net.curator.post(f"{API}/events", json={**body, "tz": "Europe/Moscow; rm"}), 422, "invalid_tz")
    expect_error(net.curator.post(f"{API}/events", json={**body, "tz": "Mars/Olympus_Mons"}), 422, "invalid_tz")
    expect_error(net.curator.post(f"{API}/events", json={**body, "capacity": 0}), 400)
    expect_error(net.curator.post(f"{API}/events", json={**body, "title": "x" * 201}), 400)
    expect_error(net.curator.post(f"{API}/events", json={**body, "agenda": "x" * 10001}), 400)
    ev = event(net.curator, net.community)
    expect_error(member.patch(f"{API}/events/{ev['id']}", json={"title": "X"}), 403)
    expect_error(member.post(f"{API}/events/{ev['id']}/cancel"), 403)
    expect_error(member.post(f"{API}/events/{ev['id']}/registrations", json={"status": "maybe"}), 422,
                 "invalid_status")
    expect_error(member.get(f"{API}/events/987654321987654321"), 404, "event_not_found")
    # a members-only community's events are not seen by outsiders
    closed = Network(admin_client, make_user, visibility="members")
    hidden = event(closed.curator, closed.community)
    expect_error(member.get(f"{API}/events/{hidden['id']}"), 404, "event_not_found")
    expect_error(member.post(f"{API}/events/{hidden['id']}/registrations", json={"status": "going"}), 404)
    assert hidden["id"] not in [e["id"] for e in expect(member.get(f"{API}/events"), 200)["events"]]


def test_cancelled_event_takes_no_registrations_and_tells_the_registered(admin_client, make_user):
    net = Network(admin_client, make_user)
    ev = event(net.curator, net.community, capacity=1, title="Отменяемое " + uniq("e"))
    a, b = make_user(), make_user()
    register(a, ev)
    register(b, ev)
    cancelled = expect(net.curator.post(f"{API}/events/{ev['id']}/cancel", json={"reason": "Докладчик заболел"}), 200)
    assert cancelled["state"] == "cancelled" and cancelled["actions"] == []
    for u in (a, b):
        assert any("отменено" in t and "Докладчик заболел" in t for t in notices(u))
    expect_error(make_user().post(f"{API}/events/{ev['id']}/registrations", json={"status": "going"}), 409,
                 "invalid_state")
    expect_error(net.curator.post(f"{API}/events/{ev['id']}/cancel"), 409, "invalid_state")
    expect_error(net.curator.post(f"{API}/events/{ev['id']}/summary", json={"text": "x"}), 409, "invalid_state")


def test_summary_after_the_end_tells_attendees_and_lands_in_the_feed_and_search(admin_client, make_user):
    """Acceptance 18."""
    net = Network(admin_client, make_user)
    cid = net.community["id"]
    word = uniq("s")
    ev = event(net.curator, net.community, title=f"Практикум {word}")
    going, curious, late = make_user(), make_user(), make_user()
    register(going, ev)
    register(curious, ev, "interested")
    expect_error(net.curator.post(f"{API}/events/{ev['id']}/summary", json={"text": "рано"}), 409, "event_not_ended")
    # the meeting took place: move it into the past
    past = now_ms() - 3 * HOUR
    expect(net.curator.patch(f"{API}/events/{ev['id']}", json={"starts_at": past, "ends_at": past + HOUR}), 200)
    expect_error(late.post(f"{API}/events/{ev['id']}/registrations", json={"status": "going"}), 409, "event_ended")
    expect_error(going.post(f"{API}/events/{ev['id']}/summary", json={"text": "x"}), 403)
    expect_error(net.curator.post(f"{API}/events/{ev['id']}/summary", json={}), 422, "field_required")
    expect_error(net.curator.post(f"{API}/events/{ev['id']}/summary", json={"text": "<script>x</script>"}), 422)
    summary = ("<p>Разобрали замену уплотнений; решили вести журнал ремонтов.</p>"
               "<img src=x onerror=alert(1)><a href=\"javascript:alert(2)\">x</a>")
    held = expect(net.curator.post(f"{API}/events/{ev['id']}/summary", json={"text": summary}), 200)
    assert held["state"] == "held" and held["summary_by"] == net.curator.id
    assert "onerror" not in held["summary"] and "javascript:" not in held["summary"]
    assert held["summary"].startswith("<p>Разобрали замену уплотнений")
    assert any(f"Итоги события «Практикум {word}»" in t for t in notices(going))
    assert not any("Итоги события" in t for t in notices(curious))
    feed = expect(late.get(f"{API}/communities/{cid}/feed"), 200)["items"]
    assert feed[0]["kind"] == "event_summary" and feed[0]["source_id"] == ev["id"]
    assert feed[0]["title"] == f"Практикум {word}" and feed[0]["text"] == held["summary"]
    # search: Russian stemming over the summary ("ремонт" finds "ремонтов")
    found = expect(late.get(f"{API}/events", params={"q": f"ремонт {word}"}), 200)["events"]
    assert [e["id"] for e in found] == [ev["id"]] and "\ue000" in found[0]["snippet"]
    expect_error(late.post(f"{API}/events/{ev['id']}/registrations", json={"status": "going"}), 409, "invalid_state")
    expect_error(net.curator.post(f"{API}/events/{ev['id']}/summary", json={"text": "again"}), 409, "invalid_state")


def test_calendar_windows_and_the_ics_feed(admin_client, make_user):
    net = Network(admin_client, make_user)
    reader = make_user()
    base = now_ms() + 30 * DAY
    early = event(net.curator, net.community, title="Ранняя; встреча, с запятыми", starts_at=base)
    later = event(net.curator, net.community, title="Поздняя " + "о" * 80, starts_at=base + 10 * DAY)
    window = expect(reader.get(f"{API}/events", params={"from": base - DAY, "to": base + 7 * DAY,
                                                         "community": net.community["id"]}), 200)["events"]
    assert [e["id"] for e in window] == [early["id"]]
    month = expect(reader.get(f"{API}/events", params={"from": base - DAY, "to": base + 30 * DAY,
                                                        "community": net.community["id"]}), 200)["events"]
    assert [e["id"] for e in month] == [early["id"], later["id"]]
    expect_error(reader.get(f"{API}/events", params={"from": base, "to": base - 1}), 400)
    expect_error(reader.get(f"{API}/events", params={"from": "yesterday"}), 400)
    expect_error(reader.get(f"{API}/events", params={"from": base, "to": base + 401 * DAY}), 400)
    r = reader.get(f"{API}/events.ics", params={"community": net.community["id"]})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/calendar")
    text = r.content.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 2
    assert f"UID:experts-event-{early['id']}@veche" in text
    assert "SUMMARY:Ранняя\\; встреча\\, с запятыми" in text
    assert "DESCRIPTION:Насосы\\n\\n1. Отказы\\n2. Вопросы" in text
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n")), "lines are folded at 75 octets"
    assert time.strftime("DTSTART:%Y%m%dT%H%M%SZ", time.gmtime(base // 1000)) in text
    expect_error(Client(reader.server).get(f"{API}/events.ics"), 401, "unauthenticated")
    closed = Network(admin_client, make_user, visibility="members")
    expect_error(reader.get(f"{API}/events.ics", params={"community": closed.community["id"]}), 404)


def test_reminder_an_hour_before_reaches_the_registered_once(admin_client, make_user):
    net = Network(admin_client, make_user)
    title = "Напоминаемое " + uniq("r")
    ev = event(net.curator, net.community, title=title, starts_at=now_ms() + 2 * DAY)
    going, curious, absent = make_user(), make_user(), make_user()
    register(going, ev)
    register(curious, ev, "interested")
    register(absent, ev, "not_going")
    # moved to start in an hour and a second: the hour-before reminder is due now, the day-before one is past
    start = now_ms() + HOUR + 1000
    expect(net.curator.patch(f"{API}/events/{ev['id']}", json={"starts_at": start, "ends_at": start + HOUR}), 200)

    def reminders(u):
        return [t for t in notices(u) if t.startswith("Напоминание") and title in t]

    wait_until(lambda: reminders(going) and reminders(curious), desc="the hour-before reminder")
    assert "через час" in reminders(going)[0] and "https://meet.test/room" in reminders(going)[0]
    assert reminders(absent) == []
    jobs = expect(admin_client.get("/api/v1/admin/jobs", params={"kind": "experts.event_reminder"}), 200)["jobs"]
    mine = [j for j in jobs if j["payload"]["event_id"] == ev["id"]]
    assert [(j["payload"]["kind"], j["state"]) for j in mine] == [("1h", "done")]  # the day-before one was cancelled
    assert len(reminders(going)) == 1


def test_realtime_promotion_and_article_events(server, admin_client, make_user, ws_factory):
    net = Network(admin_client, make_user)
    ev = event(net.curator, net.community, capacity=1)
    first, second = make_user(), make_user()
    register(first, ev)
    assert register(second, ev)["my_status"] == "waitlist"
    ws = ws_factory(server, second.token)
    ws_curator = ws_factory(server, net.curator.token)
    expect(first.delete(f"{API}/events/{ev['id']}/registrations/me"), 200)
    promoted = ws.wait_event("experts.event.promoted", lambda f: f["data"]["event_id"] == ev["id"])
    assert promoted["data"]["user_id"] == second.id
    ws_curator.wait_event("experts.event.registration",
                          lambda f: f["data"]["event_id"] == ev["id"] and f["data"]["status"] is None)
    author = make_user()
    expect(author.post(f"{API}/communities/{net.community['id']}/subscription"), 200)
    a = expect(author.post(f"{API}/communities/{net.community['id']}/articles",
                           json={"kind": "success_story", "title": "Итог", "body": "<p>Текст</p>"}), 201)
    expect(author.post(f"{API}/articles/{a['id']}/submit"), 200)
    submitted = ws_curator.wait_event("experts.article.submitted", lambda f: f["data"]["article_id"] == a["id"])
    assert submitted["data"]["state"] == "in_review"
