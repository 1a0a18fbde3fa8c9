"""Gamification of the expert network: rules, the score ledger, recalculation, leaderboards and the
experts' profile cards (docs/api.md "Gamification and leaderboards", EXP-10, MODULES.md §3.7 items 13–15).

The ledger's sources here are a moderator's awards by hand (with the day the work was done) and published
articles (the content observer); consultations reach the same ledger through the consultation observer
(outcomes.hpp) once they are merged."""

import datetime
import time
from zoneinfo import ZoneInfo

from experts_helpers import API, Network, grant, make_community, make_moderator
from veche_harness import expect, expect_error

ZONE = ZoneInfo("Europe/Moscow")  # the default business calendar's zone: the company's
DAY_MS = 86_400_000
DEFAULTS = {"consultation.resolved.beginner": 10, "consultation.resolved.basic": 20,
            "consultation.resolved.advanced": 30, "consultation.rating_bonus": 5,
            "consultation.rejected_with_reason": 2, "article.best_practice_published": 15,
            "article.success_story_published": 10, "event.summary_posted": 10,
            "consultation.curator_assigned_in_sla": 1}


def now_ms():
    return int(time.time() * 1000)


def period_start(period):
    """The first local date of the period holding today, in the company's zone (None: all time)."""
    today = datetime.datetime.now(ZONE).date()
    if period == "month":
        return today.replace(day=1)
    if period == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    if period == "year":
        return today.replace(month=1, day=1)
    return None


def award(moderator, user, points, community=None, at=None, reason="за помощь коллегам", status=201):
    body = {"user_id": user.id, "points": points, "reason": reason}
    if community is not None:
        body["community_id"] = community["id"]
    if at is not None:
        body["at"] = at
    out = expect(moderator.post(f"{API}/score-events", json=body), status)
    return out["events"][0] if status == 201 else out


def ledger(who, **query):
    """Every unvoided ledger row the filter selects, following the pages."""
    rows, before = [], None
    while True:
        q = dict(query, limit=500)
        if before:
            q["before"] = before
        page = expect(who.get(f"{API}/score-events", params=q), 200)
        rows += page["events"]
        before = page.get("next_before")
        if not before:
            return rows


def board(who, kind="experts", **query):
    entries, offset = [], 0
    while True:
        page = expect(who.get(f"{API}/leaderboards/{kind}", params=dict(query, limit=100, offset=offset)), 200)
        entries += page["entries"]
        offset += len(page["entries"])
        if offset >= page["total"] or not page["entries"]:
            assert page["total"] == len(entries)
            return page, entries


def dense(totals):
    """{id: points} -> [(id, points, rank)] by points descending, ties by id, dense ranks."""
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1], int(kv[0])))
    out, rank, last = [], 0, None
    for key, pts in ordered:
        if pts != last:
            rank, last = rank + 1, pts
        out.append((key, pts, rank))
    return out


def sums(rows, period, key="user_id"):
    start = period_start(period)
    totals = {}
    for r in rows:
        if start is None or datetime.date.fromisoformat(r["day"]) >= start:
            totals[r[key]] = totals.get(r[key], 0) + r["points"]
    return totals


def test_rules_have_the_defaults_and_only_moderators_edit_them(admin_client, make_user):
    mod = make_moderator(admin_client, make_user)
    user = make_user()
    rules = {r["key"]: r for r in expect(user.get(f"{API}/score-rules"), 200)["rules"]}
    assert {k: v["points"] for k, v in rules.items()} == DEFAULTS
    assert all(r["active"] for r in rules.values())
    key = "event.summary_posted"
    assert expect(user.get(f"{API}/score-rules/{key}"), 200)["points"] == 10
    expect_error(user.put(f"{API}/score-rules/{key}", json={"points": 50}), 403)
    changed = expect(mod.put(f"{API}/score-rules/{key}", json={"points": 12, "active": False}), 200)
    assert changed["points"] == 12 and changed["active"] is False and changed["updated_by"] == mod.id
    assert expect(user.get(f"{API}/score-rules/{key}"), 200)["points"] == 12
    expect(mod.put(f"{API}/score-rules/{key}", json={"points": 10, "active": True}), 200)
    expect_error(mod.put(f"{API}/score-rules/no.such.rule", json={"points": 1}), 404, "score_rule_not_found")
    expect_error(user.get(f"{API}/score-rules/no.such.rule"), 404, "score_rule_not_found")
    expect_error(mod.put(f"{API}/score-rules/{key}", json={"points": -1}), 400)
    expect_error(mod.put(f"{API}/score-rules/{key}", json={"points": 1001}), 400)
    expect_error(mod.put(f"{API}/score-rules/{key}", json={"points": "ten"}), 400)
    expect_error(mod.put(f"{API}/score-rules/{key}", json={"active": "yes"}), 400)


def test_leaderboards_equal_the_ledger_sums_with_dense_ranks(admin_client, make_user):
    net = Network(admin_client, make_user)
    mod, c = net.moderator, net.community
    people = [make_user() for _ in range(5)]
    now = now_ms()
    # work done today, 40, 100, 200 and 400 days ago: the periods hold different subsets
    plan = [(0, [30, 20, 20, 10, 5]), (40, [5, 15, 15, 0, 20]), (100, [10, 0, 0, 25, 0]),
            (200, [0, 7, 7, 0, 0]), (400, [50, 0, 0, 0, 1])]
    for days_ago, points in plan:
        for person, pts in zip(people, points):
            if pts:
                award(mod, person, pts, community=c, at=now - days_ago * DAY_MS)
    # a correction by hand: a negative award, and a voided one that counts for nothing
    award(mod, people[3], -4, community=c)
    voided = award(mod, people[4], 100, community=c)
    expect(mod.post(f"{API}/score-events/{voided['id']}/void", json={"reason": "ошибка"}), 200)
    rows = ledger(mod, community=c["id"])
    assert voided["id"] not in [r["id"] for r in rows]
    assert len(rows) == sum(1 for _, pts in plan for p in pts if p) + 1
    for period in ("month", "quarter", "year", "all"):
        page, entries = board(mod, community=c["id"], period=period)
        start = period_start(period)
        assert page["period"] == period and page["community_id"] == c["id"]
        assert page["from"] == (start.isoformat() if start else None)
        expected = dense(sums(rows, period))
        assert [(e["user_id"], e["points"], e["rank"]) for e in entries] == expected, period
    # ties share a rank: people[1] and people[2] earned the same everywhere
    _, entries = board(mod, community=c["id"], period="all")
    by_user = {e["user_id"]: e for e in entries}
    assert by_user[people[1].id]["rank"] == by_user[people[2].id]["rank"]
    assert by_user[people[1].id]["username"] == people[1].username
    # the global board: each user's points are their whole ledger's, and its ranks are dense
    _, everyone = board(mod, period="all")
    for person in people:
        mine = sum(r["points"] for r in ledger(mod, user_id=person.id))
        assert next(e for e in everyone if e["user_id"] == person.id)["points"] == mine
    assert [(e["user_id"], e["points"], e["rank"]) for e in everyone] == dense(
        {e["user_id"]: e["points"] for e in everyone})


def test_communities_board_sums_each_community_and_hides_invisible_ones(admin_client, make_user):
    mod = make_moderator(admin_client, make_user)
    open_c, closed_c = make_community(mod), make_community(mod, visibility="members")
    a, b, outsider = make_user(), make_user(), make_user()
    award(mod, a, 12, community=open_c)
    award(mod, b, 8, community=open_c)
    award(mod, a, 40, community=closed_c)
    award(mod, b, 9)  # no community: on the experts' board only
    _, entries = board(mod, kind="communities", period="all")
    by_id = {e["community_id"]: e for e in entries}
    assert by_id[open_c["id"]]["points"] == 20 and by_id[open_c["id"]]["slug"] == open_c["slug"]
    assert by_id[closed_c["id"]]["points"] == 40
    assert [(e["community_id"], e["points"], e["rank"]) for e in entries] == dense(
        {e["community_id"]: e["points"] for e in entries})
    _, seen = board(outsider, kind="communities", period="all")
    assert closed_c["id"] not in [e["community_id"] for e in seen]
    assert open_c["id"] in [e["community_id"] for e in seen]
    expect_error(outsider.get(f"{API}/leaderboards/experts", params={"community": closed_c["id"]}), 404,
                 "community_not_found")
    expect_error(mod.get(f"{API}/leaderboards/communities", params={"community": open_c["id"]}), 400)


def test_excluded_roles_never_appear(admin_client, make_user):
    net = Network(admin_client, make_user)
    mod, c = net.moderator, net.community
    other_mod = make_moderator(admin_client, make_user)
    expert = make_user()
    award(mod, other_mod, 500, community=c)
    award(mod, expert, 3, community=c)
    award(mod, net.curator, 4, community=c)
    for period in ("month", "quarter", "year", "all"):
        for query in ({"community": c["id"]}, {}):
            _, entries = board(expert, period=period, **query)
            ids = [e["user_id"] for e in entries]
            assert other_mod.id not in ids and mod.id not in ids
            assert expert.id in ids and net.curator.id in ids
    # the card still shows the moderator's own points, without a rank
    card = expect(expert.get(f"{API}/experts/{other_mod.id}/card", params={"period": "all"}), 200)
    assert card["points"]["total"] == 500 and card["rank"] == {"period": None, "total": None}
    settings = expect(mod.get(f"{API}/score-settings"), 200)
    assert settings["excluded_roles"] == ["experts.moderator"]
    expect_error(expert.put(f"{API}/score-settings", json={"excluded_roles": []}), 403)
    expect_error(mod.put(f"{API}/score-settings", json={"excluded_roles": ["no.such.role"]}), 422, "unknown_role")
    expect_error(mod.put(f"{API}/score-settings", json={"excluded_roles": "experts.moderator"}), 400)
    try:
        expect(mod.put(f"{API}/score-settings", json={"excluded_roles": ["experts.curator"]}), 200)
        _, entries = board(expert, period="all", community=c["id"])
        ids = [e["user_id"] for e in entries]
        assert other_mod.id in ids and net.curator.id not in ids
    finally:
        expect(mod.put(f"{API}/score-settings", json={"excluded_roles": ["experts.moderator"]}), 200)
    _, entries = board(expert, period="all", community=c["id"])
    assert other_mod.id not in [e["user_id"] for e in entries]


def test_recalculation_yields_the_same_totals_and_is_limited_per_day(admin_client, make_user):
    net = Network(admin_client, make_user)
    mod, c = net.moderator, net.community
    people = [make_user() for _ in range(3)]
    for i, person in enumerate(people):
        award(mod, person, 10 * (i + 1), community=c, at=now_ms() - i * 50 * DAY_MS)
    before = {p: board(mod, community=c["id"], period=p)[1] for p in ("month", "quarter", "year", "all")}
    expect_error(people[0].post(f"{API}/scores/recalculate", json={"since": 0}), 403)
    expect_error(mod.post(f"{API}/scores/recalculate", json={}), 422, "field_required")
    expect_error(mod.post(f"{API}/scores/recalculate", json={"since": "yesterday"}), 400)
    expect_error(mod.post(f"{API}/scores/recalculate", json={"since": now_ms() + DAY_MS}), 422, "invalid_since")
    saved = expect(mod.get(f"{API}/score-settings"), 200)["recalculations_per_day"]
    try:
        expect(mod.put(f"{API}/score-settings", json={"recalculations_per_day": 100}), 200)
        r = expect(mod.post(f"{API}/scores/recalculate", json={"since": now_ms() - 365 * DAY_MS}), 200)
        assert r["inserted"] == 0 and r["voided"] == 0 and r["remaining_today"] >= 0
        after = {p: board(mod, community=c["id"], period=p)[1] for p in before}
        assert after == before
        expect(mod.put(f"{API}/score-settings", json={"recalculations_per_day": 0}), 200)
        expect_error(mod.post(f"{API}/scores/recalculate", json={"since": 0}), 429, "recalculation_limit")
        expect_error(mod.put(f"{API}/score-settings", json={"recalculations_per_day": 101}), 400)
    finally:
        expect(mod.put(f"{API}/score-settings", json={"recalculations_per_day": saved}), 200)


def test_awards_by_hand_check_their_input_and_the_ledger_is_private(admin_client, make_user):
    mod = make_moderator(admin_client, make_user)
    user, other = make_user(), make_user()
    expect_error(user.post(f"{API}/score-events", json={"user_id": other.id, "points": 5, "reason": "r"}), 403)
    expect_error(mod.post(f"{API}/score-events", json={"user_id": user.id, "points": 0, "reason": "r"}), 422,
                 "invalid_points")
    expect_error(mod.post(f"{API}/score-events", json={"user_id": user.id, "points": 5}), 422, "field_required")
    expect_error(mod.post(f"{API}/score-events", json={"points": 5, "reason": "r"}), 422, "field_required")
    expect_error(mod.post(f"{API}/score-events", json={"user_id": "987654321987", "points": 5, "reason": "r"}), 404,
                 "user_not_found")
    expect_error(mod.post(f"{API}/score-events", json={"user_id": user.id, "points": 5, "reason": "r",
                                                      "community_id": "987654321987"}), 404, "community_not_found")
    expect_error(mod.post(f"{API}/score-events", json={"user_id": user.id, "points": 5, "reason": "r",
                                                      "at": now_ms() + DAY_MS}), 422, "invalid_at")
    expect_error(mod.post(f"{API}/score-events", json={"user_id": "x", "points": 5, "reason": "r"}), 400)
    expect_error(mod.post(f"{API}/score-events", json={"user_id": user.id, "points": 5000, "reason": "r"}), 400)
    expect_error(mod.post(f"{API}/score-events", json={"events": []}), 400)
    expect_error(mod.post(f"{API}/score-events", json={"events": [{"user_id": user.id, "points": 1, "reason": "r"}]
                                                       * 1001}), 400)
    # a batch is one transaction: one bad award stores none of it
    expect_error(mod.post(f"{API}/score-events", json={"events": [
        {"user_id": user.id, "points": 1, "reason": "r"}, {"user_id": "987654321987", "points": 1, "reason": "r"}]}),
        404, "user_not_found")
    assert ledger(user) == []
    made = expect(mod.post(f"{API}/score-events", json={"events": [
        {"user_id": user.id, "points": 7, "reason": "доклад"}, {"user_id": other.id, "points": 3, "reason": "r"}]}),
        201)["events"]
    assert [e["points"] for e in made] == [7, 3] and made[0]["rule_key"] == "manual"
    assert made[0]["source_kind"] == "manual" and made[0]["created_by"] == mod.id
    assert made[0]["day"] == datetime.datetime.now(ZONE).date().isoformat()
    mine = ledger(user)
    assert [e["id"] for e in mine] == [made[0]["id"]]
    assert ledger(user, user_id=user.id) == mine
    expect_error(user.get(f"{API}/score-events", params={"user_id": other.id}), 403)
    assert len(ledger(mod, user_id=other.id)) == 1
    expect_error(user.post(f"{API}/score-events/{made[0]['id']}/void", json={"reason": "r"}), 403)
    expect_error(mod.post(f"{API}/score-events/{made[0]['id']}/void", json={}), 422, "field_required")
    expect_error(mod.post(f"{API}/score-events/987654321987/void", json={"reason": "r"}), 404,
                 "score_event_not_found")
    gone = expect(mod.post(f"{API}/score-events/{made[0]['id']}/void", json={"reason": "дубль"}), 200)
    assert gone["voided_at"] and gone["void_reason"] == "дубль"
    expect_error(mod.post(f"{API}/score-events/{made[0]['id']}/void", json={"reason": "r"}), 409, "already_voided")
    assert ledger(user) == []
    assert [e["id"] for e in ledger(user, voided="true")] == [made[0]["id"]]


def test_leaderboard_query_is_checked(make_user):
    user = make_user()
    expect_error(user.get(f"{API}/leaderboards/experts", params={"period": "week"}), 400)
    expect_error(user.get(f"{API}/leaderboards/experts", params={"limit": 0}), 400)
    expect_error(user.get(f"{API}/leaderboards/experts", params={"limit": 101}), 400)
    expect_error(user.get(f"{API}/leaderboards/experts", params={"offset": -1}), 400)
    expect_error(user.get(f"{API}/leaderboards/experts", params={"community": "abc"}), 400)
    expect_error(user.get(f"{API}/leaderboards/experts", params={"community": "987654321987"}), 404,
                 "community_not_found")
    page = expect(user.get(f"{API}/leaderboards/experts", params={"limit": 1}), 200)
    assert page["period"] == "month" and len(page["entries"]) <= 1


def test_expert_card_shows_competences_communities_points_and_rank(admin_client, make_user):
    net = Network(admin_client, make_user)
    mod, c = net.moderator, net.community
    expert, viewer = make_user(), make_user()
    grant(mod, c, expert, "expert")
    expect(expert.put(f"{API}/profiles/{expert.id}", json={"competences": [{"tag": "Флотация"}],
                                                            "levels": ["basic", "advanced"]}), 200)
    award(mod, expert, 25, community=c)
    award(mod, expert, 5, community=c, at=now_ms() - 400 * DAY_MS)
    card = expect(viewer.get(f"{API}/experts/{expert.id}/card"), 200)
    assert card["user_id"] == expert.id and card["username"] == expert.username
    assert [x["tag"] for x in card["profile"]["competences"]] == ["флотация"]
    assert card["profile"]["levels"] == ["basic", "advanced"]
    assert [x["community_id"] for x in card["expert_in"]] == [c["id"]]
    assert card["period"] == "month" and card["points"] == {"period": 25, "total": 30}
    _, month = board(viewer, period="month")
    assert card["rank"]["period"] == next(e["rank"] for e in month if e["user_id"] == expert.id)
    _, everyone = board(viewer, period="all")
    assert card["rank"]["total"] == next(e["rank"] for e in everyone if e["user_id"] == expert.id)
    assert set(card["consultations"]) == {"resolved", "rejected", "in_progress"}
    assert card["rating"]["count"] == 0 and card["rating"]["average"] is None
    year = expect(viewer.get(f"{API}/experts/{expert.id}/card", params={"period": "all"}), 200)
    assert year["points"] == {"period": 30, "total": 30}
    expect_error(viewer.get(f"{API}/experts/{expert.id}/card", params={"period": "week"}), 400)
    expect_error(viewer.get(f"{API}/experts/987654321987/card"), 404, "user_not_found")
    expect_error(viewer.get(f"{API}/experts/abc/card"), 400)


def test_a_published_article_scores_its_author_through_the_content_observer(admin_client, make_user):
    net = Network(admin_client, make_user)
    author = make_user()
    expect(author.post(f"{API}/communities/{net.community['id']}/subscription"), 200)
    for kind, points in (("best_practice", 15), ("success_story", 10)):
        a = expect(author.post(f"{API}/communities/{net.community['id']}/articles", json={
            "kind": kind, "title": f"Опыт {kind}", "summary": "Итоги", "body": "<p>Текст</p>"}), 201)
        expect(author.post(f"{API}/articles/{a['id']}/submit"), 200)
        params = {"source_kind": "article", "source_id": a["id"]}
        assert expect(net.moderator.get(f"{API}/score-events", params=params), 200)["events"] == []
        expect(net.curator.post(f"{API}/articles/{a['id']}/publish"), 200)
        rows = expect(net.moderator.get(f"{API}/score-events", params=params), 200)["events"]
        assert [(r["user_id"], r["points"], r["community_id"]) for r in rows] == [
            (author.id, points, net.community["id"])]
    _, entries = board(author, period="month", community=net.community["id"])
    assert [(e["user_id"], e["points"]) for e in entries] == [(author.id, 25)]
