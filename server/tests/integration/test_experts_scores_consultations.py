"""Consultations score through the consultation observer (docs/api.md "Gamification and leaderboards",
MODULES.md §3.7 items 13–14): an advanced consultation resolved gives its expert 30 points once, a rating
of 5 adds the 5-point bonus once, changing it to 2 voids the bonus, recalculating gives the same totals;
self-dealing never scores."""

import time

from experts_helpers import API, Network, consult, cstep, make_expert
from veche_harness import expect


def rows(who, consultation, voided=False):
    params = {"source_kind": "consultation", "source_id": consultation["id"], "limit": 500}
    if voided:
        params["voided"] = "true"
    return expect(who.get(f"{API}/score-events", params=params), 200)["events"]


def board_points(who, community, user):
    page = expect(who.get(f"{API}/leaderboards/experts", params={"period": "all", "community": community["id"]}),
                  200)
    return next((e["points"] for e in page["entries"] if e["user_id"] == user.id), None)


def test_an_advanced_consultation_scores_once_and_its_rating_bonus_follows_the_rating(admin_client, make_user):
    net = Network(admin_client, make_user)
    mod, community = net.moderator, net.community
    expert, requester = make_expert(net), make_user()
    c = consult(requester, community, difficulty="advanced")
    assert rows(mod, c) == []
    cstep(net.curator, c, "assign", {"expert_id": expert.id})
    cstep(expert, c, "accept")
    assert rows(mod, c) == []  # nothing before the outcome
    cstep(expert, c, "resolve", {"text": "Замените муфту."})
    awarded = rows(mod, c)
    assert [(r["user_id"], r["rule_key"], r["points"]) for r in awarded] == [
        (expert.id, "consultation.resolved.advanced", 30)]
    assert awarded[0]["community_id"] == community["id"]
    assert board_points(mod, community, expert) == 30
    cstep(requester, c, "rating", {"rating": 5}, status=201)
    assert sorted(r["points"] for r in rows(mod, c)) == [5, 30]
    assert board_points(mod, community, expert) == 35
    cstep(requester, c, "rating", {"rating": 2}, method="put")
    assert [r["points"] for r in rows(mod, c)] == [30]
    assert board_points(mod, community, expert) == 30
    voided = [r for r in rows(mod, c, voided=True) if r["voided_at"]]
    assert [(r["rule_key"], r["void_reason"]) for r in voided] == [("consultation.rating_bonus", "no_longer_deserved")]
    card = expect(requester.get(f"{API}/experts/{expert.id}/card", params={"period": "all"}), 200)
    assert card["points"]["total"] == 30
    assert card["consultations"]["resolved"] == 1 and card["rating"] == {"count": 1, "average": 2.0}
    saved = expect(mod.get(f"{API}/score-settings"), 200)["recalculations_per_day"]
    try:
        expect(mod.put(f"{API}/score-settings", json={"recalculations_per_day": 100}), 200)
        before = expect(mod.get(f"{API}/leaderboards/experts", params={"period": "all", "community": community["id"]}),
                        200)["entries"]
        r = expect(mod.post(f"{API}/scores/recalculate", json={"since": int(time.time() * 1000) - 3_600_000}), 200)
        assert r["sources"] >= 1 and r["inserted"] == 0 and r["voided"] == 0
        after = expect(mod.get(f"{API}/leaderboards/experts", params={"period": "all", "community": community["id"]}),
                       200)["entries"]
        assert after == before
        assert [r["points"] for r in rows(mod, c)] == [30]
    finally:
        expect(mod.put(f"{API}/score-settings", json={"recalculations_per_day": saved}), 200)


def test_a_consultation_where_the_requester_is_the_expert_awards_nothing(admin_client, make_user):
    net = Network(admin_client, make_user)
    expert = make_expert(net)
    c = consult(expert, net.community, difficulty="advanced")
    cstep(net.curator, c, "assign", {"expert_id": expert.id})
    cstep(expert, c, "accept")
    cstep(expert, c, "resolve", {"text": "Сам себе ответил."})
    cstep(expert, c, "rating", {"rating": 5}, status=201)
    assert rows(net.moderator, c, voided=True) == []
    assert board_points(net.moderator, net.community, expert) is None
