"""Voting cards in object chats (MODULES.md §1.7 items 17-18; docs/api.md "Voting cards")."""

import threading
import time

from objects_helpers import Tender
from veche_harness import expect, expect_error, make_user as mk, uniq, wait_until

MISSING = "1"


def commission_tender(admin, make_user, size=3):
    t = Tender(admin, make_user)
    t.commission = [make_user() for _ in range(size)]
    t.upsert()
    t.add_suppliers()
    t.obj = expect(t.erp.post(f"/api/v1/objects/{t.obj['id']}/stage", json={"from": "offers", "to": "commission"}), 200)
    return t, t.chat("commission")["chat_id"]


def card(**extra):
    body = {"title": "Выбор поставщика", "fields": {"supplier": "ООО Альфа", "delivery_days": 30,
                                                    "price": "1 000 000", "price_vat": "1 200 000"},
            "groups": ["commission"], "deadline_at": int(time.time() * 1000) + 3_600_000}
    body.update(extra)
    return body


def test_an_open_card_shows_progress_pins_and_closes_with_a_protocol(server, admin_client, make_user):
    t, chat = commission_tender(admin_client, make_user)
    v = expect(t.manager.post(f"/api/v1/chats/{chat}/votes", json=card()), 201)
    assert v["state"] == "open" and v["quorum"] == 2 and len(v["electorate"]) == 3 and v["voted"] == 0
    assert "counts" not in v
    pins = expect(t.manager.get(f"/api/v1/chats/{chat}/pins"), 200)["messages"]
    assert v["card_message_id"] in [p["id"] for p in pins]
    cardmsg = expect(t.manager.get(f"/api/v1/messages/{v['card_message_id']}"), 200)
    assert "Поставщик: ООО Альфа" in cardmsg["text"] and "Проголосовали 0 из 3" in cardmsg["text"]
    assert [b["label"] for b in cardmsg["buttons"][0]] == ["За", "Против", "Воздержался"]
    c1, c2, c3 = t.commission
    expect(c1.post(f"/api/v1/votes/{v['id']}/ballots", json={"option": 0}), 200)
    expect_error(c1.post(f"/api/v1/votes/{v['id']}/ballots", json={"option": 1}), 409, "already_voted")
    expect_error(t.owner.post(f"/api/v1/votes/{v['id']}/ballots", json={"option": 0}), 404)  # not in the chat
    expect_error(t.manager.post(f"/api/v1/votes/{v['id']}/ballots", json={"option": 0}), 403, "not_an_elector")
    expect_error(c2.post(f"/api/v1/votes/{v['id']}/ballots", json={"option": 9}), 400)
    cardmsg = expect(t.manager.get(f"/api/v1/messages/{v['card_message_id']}"), 200)
    assert "Проголосовали 1 из 3" in cardmsg["text"]
    # a click on the card's button is a ballot
    r = expect(c2.post(f"/api/v1/messages/{v['card_message_id']}/interactions", json={"row": 0, "col": 0}), 200)
    assert r["alert"] == "Ваш голос учтён"
    expect(c3.post(f"/api/v1/votes/{v['id']}/ballots", json={"option": 1}), 200)
    # everyone voted: closed, result pinned instead of the card, protocol posted as a document
    v = expect(t.manager.get(f"/api/v1/votes/{v['id']}"), 200)
    assert v["state"] == "closed" and v["result"] == "passed" and v["counts"] == [2, 1, 0]
    assert sorted(v["voters"][0]) == sorted([c1.id, c2.id]) and v["voters"][1] == [c3.id]
    pins = [p["id"] for p in expect(t.manager.get(f"/api/v1/chats/{chat}/pins"), 200)["messages"]]
    assert v["result_message_id"] in pins and v["card_message_id"] not in pins
    wait_until(lambda: expect(t.manager.get(f"/api/v1/votes/{v['id']}"), 200)["protocol_file_id"] is not None,
               desc="the protocol")
    v = expect(t.manager.get(f"/api/v1/votes/{v['id']}"), 200)
    pdf = t.manager.get(f"/api/v1/files/{v['protocol_file_id']}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 1000
    docs = expect(t.manager.get(f"/api/v1/objects/{t.obj['id']}/documents"), 200)["documents"]
    assert any(d["versions"][-1]["file_id"] == v["protocol_file_id"] for d in docs)
    expect_error(c1.post(f"/api/v1/votes/{v['id']}/ballots", json={"option": 0}), 409, "vote_closed")
    expect_error(make_user().get(f"/api/v1/votes/{v['id']}"), 404, "vote_not_found")


def test_a_secret_card_never_tells_who_voted_for_what(server, admin_client, make_user):
    t, chat = commission_tender(admin_client, make_user)
    v = expect(t.manager.post(f"/api/v1/chats/{chat}/votes", json=card(secret=True)), 201)
    c1, c2, c3 = t.commission
    expect(c1.post(f"/api/v1/votes/{v['id']}/ballots", json={"option": 1}), 200)
    creator_view = expect(t.manager.get(f"/api/v1/votes/{v['id']}"), 200)
    assert creator_view["voted_ids"] == [c1.id] and "voters" not in creator_view
    assert "voted_ids" not in expect(c2.get(f"/api/v1/votes/{v['id']}"), 200)
    expect(c2.post(f"/api/v1/votes/{v['id']}/ballots", json={"option": 0}), 200)
    expect(c3.post(f"/api/v1/votes/{v['id']}/ballots", json={"option": 1}), 200)
    for who in (t.manager, c1, c2):
        got = expect(who.get(f"/api/v1/votes/{v['id']}"), 200)
        assert got["state"] == "closed" and got["counts"] == [1, 2, 0] and "voters" not in got
        assert "my_option" not in got
    assert expect(t.manager.get(f"/api/v1/votes/{v['id']}"), 200)["result"] == "failed"


def test_a_card_without_quorum_closes_at_its_deadline_even_across_a_restart(fresh_server):
    admin = fresh_server.admin()
    t = Tender(admin, lambda **kw: mk(fresh_server, admin, **kw))
    t.commission = [mk(fresh_server, admin) for _ in range(10)]
    t.upsert()
    chat = t.chat("org")["chat_id"]
    deadline = int(time.time() * 1000) + 4000
    v = expect(t.manager.post(f"/api/v1/chats/{chat}/votes", json=card(quorum=6, deadline_at=deadline)), 201)
    assert len(v["electorate"]) == 10 and v["quorum"] == 6
    for c in t.commission[:5]:
        expect(c.post(f"/api/v1/votes/{v['id']}/ballots", json={"option": 0}), 200)
    fresh_server.restart()
    wait_until(lambda: expect(t.manager.get(f"/api/v1/votes/{v['id']}"), 200)["state"] == "closed", timeout=30,
               desc="the card closed at its deadline")
    v = expect(t.manager.get(f"/api/v1/votes/{v['id']}"), 200)
    assert v["result"] == "no_quorum" and v["voted"] == 5 and v["closed_at"] >= deadline
    expect_error(t.commission[6].post(f"/api/v1/votes/{v['id']}/ballots", json={"option": 0}), 409, "vote_closed")


def test_bad_cards_are_refused(server, admin_client, make_user):
    t, chat = commission_tender(admin_client, make_user)
    for bad, status in ((card(title=""), 400), (card(deadline_at=1000), 400), (card(options=["одно"]), 400),
                        (card(fields={"weight": 5}), 400), (card(fields={"price": 1.5}), 400),
                        (card(groups=["observer"]), 400), (card(groups=[], electorate=[{"user_id": t.a_users[0].id}]), 400),
                        (card(quorum=9), 400), (card(groups=["king"]), 400)):
        expect_error(t.manager.post(f"/api/v1/chats/{chat}/votes", json=bad), status)
    expect_error(t.commission[0].post(f"/api/v1/chats/{MISSING}/votes", json=card()), 404)
    expect_error(t.a_users[0].post(f"/api/v1/chats/{t.chat('supplier', t.a)['chat_id']}/votes", json=card()), 403)
    v = expect(t.manager.post(f"/api/v1/chats/{chat}/votes", json=card()), 201)
    expect_error(t.commission[0].post(f"/api/v1/votes/{v['id']}/close"), 403, "not_the_creator")
    closed = expect(t.manager.post(f"/api/v1/votes/{v['id']}/close"), 200)
    assert closed["state"] == "closed" and closed["result"] == "no_quorum"
    expect_error(t.manager.post(f"/api/v1/votes/{v['id']}/close"), 409, "vote_closed")
