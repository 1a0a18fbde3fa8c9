"""Expert applications (docs/api.md "Expert applications", EXP-2, MODULES.md §3.7 acceptance 1-3)."""

import time

from experts_helpers import ANSWERS, API, Network, apply, grant, make_community, notices, roles_in, step
from veche_harness import expect, expect_error, wait_until


def future(hours=24):
    return int(time.time() * 1000) + hours * 3_600_000


def test_submitting_makes_a_reservist_and_tells_the_curators_withdrawing_returns_to_user(
        server, admin_client, make_user, ws_factory):
    net = Network(admin_client, make_user)
    applicant = make_user()
    ws = ws_factory(server, net.curator.token)
    assert net.me(applicant)["reservist"] is False and net.me(applicant)["roles"] == ["user"]
    assert net.me(net.curator)["roles"] == ["curator"] and net.me(net.moderator)["roles"] == ["moderator"]
    draft = apply(applicant, [net.community], submit=False)
    assert draft["state"] == "draft" and draft["actions"] == ["update", "submit", "withdraw"]
    # a draft is the applicant's alone
    expect_error(net.curator.get(f"{API}/applications/{draft['id']}"), 404, "application_not_found")
    assert net.me(applicant)["reservist"] is False
    submitted = step(applicant, draft, "submit")
    assert submitted["state"] == "submitted" and submitted["submitted_at"] is not None
    assert net.me(applicant)["reservist"] is True and net.me(applicant)["roles"] == ["reservist"]
    grants = expect(admin_client.get(f"/api/v1/admin/users/{applicant.id}/roles"), 200)["grants"]
    assert [g["role_name"] for g in grants] == ["experts.reservist"]
    # the curator hears of it: an event and a notice from the bot
    ev = ws.wait_event("experts.application.submitted", lambda f: f["data"]["application_id"] == draft["id"])
    assert ev["data"]["state"] == "submitted"
    wait_until(lambda: any("Новая заявка в эксперты" in t for t in notices(net.curator)), desc="curator notice")
    assert net.community["title"] in notices(net.curator)[-1]
    queue = expect(net.curator.get(f"{API}/applications"), 200)["applications"]
    assert [a["id"] for a in queue] == [draft["id"]]
    assert queue[0]["actions"] == ["review"]
    withdrawn = step(applicant, draft, "withdraw")
    assert withdrawn["state"] == "withdrawn"
    assert net.me(applicant)["reservist"] is False and net.me(applicant)["roles"] == ["user"]
    assert expect(admin_client.get(f"/api/v1/admin/users/{applicant.id}/roles"), 200)["grants"] == []
    assert [e["type"] for e in withdrawn["events"]] == ["created", "submitted", "withdrawn"]
    ws.wait_event("experts.application.withdrawn", lambda f: f["data"]["application_id"] == draft["id"])
    # a withdrawn application is closed; a new one may be filed
    step(applicant, draft, "submit", status=409)
    apply(applicant, [net.community])


def test_questions_and_answers_move_between_review_and_clarification_and_stay_in_history(admin_client, make_user):
    net = Network(admin_client, make_user)
    applicant = make_user()
    a = apply(applicant, [net.community])
    reviewed = step(net.curator, a, "review")
    assert reviewed["state"] == "in_review" and reviewed["curator_id"] == net.curator.id
    asked = step(net.curator, a, "questions", {"text": "Какие реагенты вы применяли? <b>важно</b>"})
    assert asked["state"] == "clarification_requested"
    wait_until(lambda: any("Какие реагенты" in t for t in notices(applicant)), desc="applicant notice")
    seen = expect(applicant.get(f"{API}/applications/{a['id']}"), 200)
    assert seen["actions"] == ["update", "answer", "withdraw"]
    assert seen["events"][-1]["type"] == "question"
    assert seen["events"][-1]["text"] == "Какие реагенты вы применяли? <b>важно</b>"  # HTML kept as text
    assert seen["events"][-1]["actor_id"] == net.curator.id
    answered = step(applicant, a, "answers", {"text": "Ксантогенаты и пенообразователи."})
    assert answered["state"] == "in_review"
    history = expect(net.curator.get(f"{API}/applications/{a['id']}"), 200)["events"]
    assert [e["type"] for e in history] == ["created", "submitted", "review_started", "question", "answer"]
    assert history[-1]["text"] == "Ксантогенаты и пенообразователи." and history[-1]["actor_id"] == applicant.id
    # the applicant may edit the answers while clarification is asked, not the communities
    step(net.curator, a, "questions", {"text": "Уточните стаж."})
    patched = expect(applicant.patch(f"{API}/applications/{a['id']}", json={
        "answers": {**ANSWERS, "experience_years": 15}}), 200)
    assert patched["answers"]["experience_years"] == 15 and patched["state"] == "clarification_requested"
    other = make_community(net.moderator)
    expect_error(applicant.patch(f"{API}/applications/{a['id']}", json={"community_ids": [other["id"]]}),
                 409, "invalid_state")


def test_interview_and_approval_grant_the_expert_role_in_the_chosen_communities(admin_client, make_user, server,
                                                                               ws_factory):
    net = Network(admin_client, make_user, communities=3)
    c1, c2, c3 = net.communities
    applicant = make_user()
    a = apply(applicant, [c1, c2])
    ws = ws_factory(server, applicant.token)
    step(net.curator, a, "review")
    at = future(48)
    scheduled = step(net.curator, a, "interview", {"at": at, "link": "https://meet.example.test/room-1"})
    assert scheduled["state"] == "interview_scheduled"
    assert scheduled["interview"] == {"at": at, "link": "https://meet.example.test/room-1"}
    ws.wait_event("experts.application.interview_scheduled", lambda f: f["data"]["application_id"] == a["id"])
    wait_until(lambda: any("https://meet.example.test/room-1" in t for t in notices(applicant)), desc="interview notice")
    # only among the applied communities
    expect_error(net.curator.post(f"{API}/applications/{a['id']}/decision", json={
        "decision": "approve", "community_ids": [c3["id"]]}), 422, "community_not_applied")
    approved = step(net.curator, a, "decision", {"decision": "approve", "community_ids": [c2["id"]]})
    assert approved["state"] == "approved"
    assert approved["decision"]["decision"] == "approve" and approved["decision"]["community_ids"] == [c2["id"]]
    assert approved["decision"]["by"] == net.curator.id
    me = net.me(applicant)
    assert me["reservist"] is False and me["roles"] == ["expert"]
    assert roles_in(me, c2["id"]) == ["expert"] and roles_in(me, c1["id"]) == []
    profile = expect(make_user().get(f"{API}/profiles/{applicant.id}"), 200)
    assert profile["expert_in"] == [c2["id"]]
    # the questionnaire's competences are now the expert's (lowercased, global)
    assert sorted(c["tag"] for c in profile["competences"]) == ["гидравлика", "флотация"]
    assert all(c["community_id"] is None for c in profile["competences"])
    ws.wait_event("experts.application.decided", lambda f: f["data"]["state"] == "approved")
    wait_until(lambda: any("одобрена" in t for t in notices(applicant)), desc="approval notice")
    assert [e["type"] for e in approved["events"]][-2:] == ["interview_scheduled", "approved"]
    # decided is final
    step(net.curator, a, "decision", {"decision": "reject", "reason": "передумали"}, status=409)
    step(applicant, a, "withdraw", status=409)


def test_rejection_requires_a_reason_the_applicant_sees(admin_client, make_user):
    net = Network(admin_client, make_user)
    applicant = make_user()
    a = apply(applicant, [net.community])
    step(net.curator, a, "review")
    expect_error(net.curator.post(f"{API}/applications/{a['id']}/decision", json={"decision": "reject"}),
                 422, "field_required")
    expect_error(net.curator.post(f"{API}/applications/{a['id']}/decision", json={"decision": "reject", "reason": "  "}),
                 422, "field_required")
    expect_error(net.curator.post(f"{API}/applications/{a['id']}/decision", json={"decision": "maybe"}),
                 422, "invalid_decision")
    expect_error(net.curator.post(f"{API}/applications/{a['id']}/decision", json={}), 422, "field_required")
    assert expect(applicant.get(f"{API}/applications/{a['id']}"), 200)["state"] == "in_review"
    assert net.me(applicant)["reservist"] is True
    rejected = step(net.curator, a, "decision", {"decision": "reject", "reason": "Недостаточно опыта <script>"})
    assert rejected["state"] == "rejected"
    seen = expect(applicant.get(f"{API}/applications/{a['id']}"), 200)
    assert seen["decision"]["reason"] == "Недостаточно опыта <script>"
    assert seen["events"][-1]["type"] == "rejected" and seen["events"][-1]["text"] == "Недостаточно опыта <script>"
    assert net.me(applicant)["reservist"] is False
    wait_until(lambda: any("Недостаточно опыта" in t for t in notices(applicant)), desc="rejection notice")
    # the notice chat is the bot's: the user reads it and cannot write into it
    chat = next(c for c in expect(applicant.get("/api/v1/chats"), 200)["chats"] if c["kind"] == "experts_notice")
    assert chat["name"] == "Экспертная сеть" and chat["my_role"] == "guest"
    expect_error(applicant.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": "ответ"}), 403)


def test_illegal_transitions_are_409_and_change_nothing(admin_client, make_user):
    net = Network(admin_client, make_user)
    applicant = make_user()
    a = apply(applicant, [net.community])
    for name, body in (("answers", {"text": "x"}), ("questions", {"text": "x"}),
                       ("interview", {"at": future(), "link": "https://m.test/x"}),
                       ("decision", {"decision": "approve"})):
        who = applicant if name == "answers" else net.curator
        expect_error(who.post(f"{API}/applications/{a['id']}/{name}", json=body), 409, "invalid_state")
    expect_error(applicant.post(f"{API}/applications/{a['id']}/submit"), 409, "invalid_state")
    step(net.curator, a, "review")
    expect_error(net.curator.post(f"{API}/applications/{a['id']}/review"), 409, "invalid_state")
    expect_error(applicant.post(f"{API}/applications/{a['id']}/answers", json={"text": "x"}), 409, "invalid_state")
    expect_error(applicant.patch(f"{API}/applications/{a['id']}", json={"answers": ANSWERS}), 409, "invalid_state")
    expect_error(net.curator.post(f"{API}/applications/{a['id']}/interview", json={
        "at": int(time.time() * 1000) - 60_000, "link": "https://m.test/x"}), 422, "interview_in_past")
    expect_error(net.curator.post(f"{API}/applications/{a['id']}/interview", json={
        "at": future(), "link": "javascript:alert(1)"}), 422, "invalid_link")
    expect_error(net.curator.post(f"{API}/applications/{a['id']}/interview", json={"link": "https://m.test/x"}),
                 422, "field_required")
    seen = expect(applicant.get(f"{API}/applications/{a['id']}"), 200)
    assert seen["state"] == "in_review" and seen["interview"] is None
    assert [e["type"] for e in seen["events"]] == ["created", "submitted", "review_started"]
    # one open application at a time
    expect_error(applicant.post(f"{API}/applications", json={"answers": ANSWERS, "community_ids": [net.community["id"]]}),
                 409, "application_exists")


def test_wrong_users_get_403_or_404(admin_client, make_user):
    net = Network(admin_client, make_user, communities=2)
    c1, c2 = net.communities
    other_curator, stranger, applicant = make_user(), make_user(), make_user()
    grant(net.moderator, c2, other_curator, "curator")
    expect(net.moderator.delete(f"{API}/communities/{c2['id']}/roles/{net.curator.id}"), 204)
    a = apply(applicant, [c1])
    # a stranger and the curator of another community do not see it
    for who in (stranger, other_curator):
        expect_error(who.get(f"{API}/applications/{a['id']}"), 404, "application_not_found")
        expect_error(who.post(f"{API}/applications/{a['id']}/review"), 404, "application_not_found")
        expect_error(who.post(f"{API}/applications/{a['id']}/withdraw"), 404, "application_not_found")
        assert a["id"] not in [x["id"] for x in expect(who.get(f"{API}/applications"), 200)["applications"]]
    # the applicant may not act as a curator, the curator not as the applicant
    expect_error(applicant.post(f"{API}/applications/{a['id']}/review"), 403)
    expect_error(net.curator.post(f"{API}/applications/{a['id']}/withdraw"), 403)
    expect_error(net.curator.patch(f"{API}/applications/{a['id']}", json={"answers": ANSWERS}), 403)
    # the moderator sees every submitted application
    assert a["id"] in [x["id"] for x in expect(net.moderator.get(f"{API}/applications"), 200)["applications"]]
    expect_error(stranger.get(f"{API}/applications/987654321987654321"), 404, "application_not_found")
    # filters
    q = expect(net.curator.get(f"{API}/applications", params={"state": "submitted", "community": c1["id"]}), 200)
    assert [x["id"] for x in q["applications"]] == [a["id"]]
    assert expect(net.curator.get(f"{API}/applications", params={"state": "approved"}), 200)["applications"] == []
    assert expect(net.curator.get(f"{API}/applications", params={"mine": "true"}), 200)["applications"] == []
    expect_error(net.curator.get(f"{API}/applications", params={"state": "bogus"}), 400)


def test_missing_fields_and_oversize_input(admin_client, make_user):
    net = Network(admin_client, make_user)
    user = make_user()
    expect_error(user.post(f"{API}/applications", json={"answers": ANSWERS}), 422, "field_required")
    expect_error(user.post(f"{API}/applications", json={"answers": ANSWERS, "community_ids": []}), 422, "field_required")
    incomplete = {k: v for k, v in ANSWERS.items() if k != "skills"}
    err = expect_error(user.post(f"{API}/applications", json={
        "answers": incomplete, "community_ids": [net.community["id"]], "submit": True}), 422, "field_required")
    assert "skills" in err["message"]
    expect_error(user.post(f"{API}/applications", json={
        "answers": {**ANSWERS, "skills": "s" * 5001}, "community_ids": [net.community["id"]]}), 400)
    expect_error(user.post(f"{API}/applications", json={
        "answers": {**ANSWERS, "experience_years": 500}, "community_ids": [net.community["id"]]}), 400)
    expect_error(user.post(f"{API}/applications", json={
        "answers": {**ANSWERS, "competences": "not a list"}, "community_ids": [net.community["id"]]}), 400)
    expect_error(user.post(f"{API}/applications", json={
        "answers": ANSWERS, "community_ids": ["987654321987654321"]}), 404, "community_not_found")
    members_only = make_community(net.moderator, visibility="members")
    expect_error(user.post(f"{API}/applications", json={
        "answers": ANSWERS, "community_ids": [members_only["id"]]}), 404, "community_not_found")
    # nothing was made by the refusals
    assert expect(user.get(f"{API}/applications", params={"mine": "true"}), 200)["applications"] == []
    # a partial draft is fine, and submitting it names what is missing
    draft = apply(user, [net.community], submit=False, answers={"full_name": "<i>Пётр</i>"})
    assert draft["answers"]["full_name"] == "<i>Пётр</i>"  # HTML kept as text
    err = expect_error(user.post(f"{API}/applications/{draft['id']}/submit"), 422, "field_required")
    assert "position" in err["message"]
    assert expect(user.get(f"{API}/applications/{draft['id']}"), 200)["state"] == "draft"
    assert net.me(user)["reservist"] is False
    expect_error(net.curator.post(f"{API}/applications/{draft['id']}/questions", json={"text": "?"}), 404)
    expect(user.patch(f"{API}/applications/{draft['id']}", json={"answers": ANSWERS}), 200)
    submitted = step(user, draft, "submit")
    step(net.curator, submitted, "review")
    expect_error(net.curator.post(f"{API}/applications/{draft['id']}/questions", json={}), 422, "field_required")
    expect_error(net.curator.post(f"{API}/applications/{draft['id']}/questions", json={"text": "q" * 5001}), 400)


def test_an_expert_applying_elsewhere_stays_an_expert(admin_client, make_user):
    net = Network(admin_client, make_user, communities=2)
    c1, c2 = net.communities
    user = make_user()
    grant(net.moderator, c1, user, "expert")
    a = apply(user, [c2])
    assert net.me(user)["reservist"] is False  # an expert is past the reservist rung
    step(net.curator, a, "review")
    step(net.curator, a, "decision", {"decision": "reject", "reason": "Пока нет"})
    me = net.me(user)
    assert roles_in(me, c1["id"]) == ["expert"] and roles_in(me, c2["id"]) == []


def test_the_form_describes_exactly_what_submitting_requires(admin_client, make_user):
    net = Network(admin_client, make_user)
    form = expect(make_user().get(f"{API}/application-form"), 200)
    fields = {f["key"]: f for f in form["fields"]}
    assert set(fields) == set(ANSWERS)
    for f in form["fields"]:
        assert f["label"]["ru"] and f["label"]["en"] and f["hint"]["ru"] and f["example"]["en"]
    required = {k for k, f in fields.items() if f["required"]}
    assert required == {"full_name", "position", "experience_years", "experience", "competences", "skills"}
    for key in fields:
        user = make_user()
        answers = {k: v for k, v in ANSWERS.items() if k != key}
        r = user.post(f"{API}/applications", json={"answers": answers, "community_ids": [net.community["id"]],
                                                   "submit": True})
        if key in required:
            err = expect_error(r, 422, "field_required")
            assert f"answers.{key}" in err["message"]
        else:
            assert expect(r, 201)["state"] == "submitted"
    # the limits are the server's
    user = make_user()
    too_long = "я" * (fields["experience"]["max"] + 1)
    expect_error(user.post(f"{API}/applications", json={"answers": {**ANSWERS, "experience": too_long},
                                                       "community_ids": [net.community["id"]]}), 400)
    exact = "я" * fields["experience"]["max"]
    assert expect(user.post(f"{API}/applications", json={"answers": {**ANSWERS, "experience": exact},
                                                        "community_ids": [net.community["id"]]}), 201)


def test_application_events_reach_only_the_applicant_and_the_curators_of_its_communities(
        server, admin_client, make_user, ws_factory):
    net = Network(admin_client, make_user, communities=2)
    c1, c2 = net.communities
    far_curator, applicant = make_user(), make_user()
    grant(net.moderator, c2, far_curator, "curator")
    expect(net.moderator.delete(f"{API}/communities/{c2['id']}/roles/{net.curator.id}"), 204)
    ws_near, ws_far = ws_factory(server, net.curator.token), ws_factory(server, far_curator.token)
    ws_applicant = ws_factory(server, applicant.token)
    a = apply(applicant, [c1])
    ws_near.wait_event("experts.application.submitted", lambda f: f["data"]["application_id"] == a["id"])
    ws_applicant.wait_event("experts.application.submitted", lambda f: f["data"]["application_id"] == a["id"])
    # A later event for the far curator: everything before it has been delivered to them.
    grant(net.moderator, c2, far_curator, "expert")
    ws_far.wait_event("experts.roles_changed", lambda f: f["data"].get("community_id") == c2["id"]
                      and "expert" in f["data"]["roles"])
    assert ws_far.events("experts.application.submitted") == []
    # No event carries the questionnaire's text.
    for f in ws_near.events("experts.application.submitted"):
        assert ANSWERS["full_name"] not in str(f)
