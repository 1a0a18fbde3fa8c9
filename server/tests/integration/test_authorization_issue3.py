"""Non-members see nothing, for the thread/pin/forward/quote/read-receipt/notify/poll/search
endpoints too: each answers 404 exactly as for a missing object (the companion of
test_authorization.py, whose callers x targets matrix it reuses)."""

import json

import pytest

from issue3_helpers import get_msg, pool
from test_authorization import CALLERS_TARGETS, MISSING_CHAT, MISSING_MSG
from veche_harness import expect, expect_error, make_user

# (name, method, path template, json body, expected code). {c}=the target chat, {m}=a top-level
# text message of it, {p}=a poll of it, {own_c}=a chat of the caller's own, {own_m}=a message there
ENDPOINTS = [
    ("thread", "GET", "/api/v1/messages/{m}/thread", None, "message_not_found"),
    ("thread_paged", "GET", "/api/v1/messages/{m}/thread?limit=5&before={m}", None, "message_not_found"),
    ("follow", "PUT", "/api/v1/messages/{m}/follow", None, "message_not_found"),
    ("unfollow", "DELETE", "/api/v1/messages/{m}/follow", None, "message_not_found"),
    ("pin", "PUT", "/api/v1/messages/{m}/pin", None, "message_not_found"),
    ("unpin", "DELETE", "/api/v1/messages/{m}/pin", None, "message_not_found"),
    ("pins", "GET", "/api/v1/chats/{c}/pins", None, "chat_not_found"),
    ("forward_source", "POST", "/api/v1/messages/{m}/forward", {"chat_id": "{own_c}"}, "message_not_found"),
    ("forward_target", "POST", "/api/v1/messages/{own_m}/forward", {"chat_id": "{c}", "comment": "hi"},
     "chat_not_found"),
    ("seen", "GET", "/api/v1/messages/{m}/seen", None, "message_not_found"),
    ("notify", "PUT", "/api/v1/chats/{c}/notify", {"notify": "none"}, "chat_not_found"),
    ("poll_create", "POST", "/api/v1/chats/{c}/polls", {"question": "intrude?", "options": ["a", "b"]},
     "chat_not_found"),
    ("poll_vote", "PUT", "/api/v1/messages/{p}/poll/vote", {"options": [0]}, "message_not_found"),
    ("poll_retract", "PUT", "/api/v1/messages/{p}/poll/vote", {"options": []}, "message_not_found"),
    ("poll_close", "POST", "/api/v1/messages/{p}/poll/close", None, "message_not_found"),
    ("search_chat", "GET", "/api/v1/search?query=confidential&chat_id={c}", None, "chat_not_found"),
    ("reply", "POST", "/api/v1/chats/{c}/messages", {"text": "sneaky reply", "thread_root_id": "{m}"},
     "chat_not_found"),
    ("quote", "POST", "/api/v1/chats/{c}/messages", {"text": "sneaky quote", "quote_id": "{m}"},
     "chat_not_found"),
]


class World:
    pass


@pytest.fixture(scope="module")
def world(server):
    w = World()
    w.owner, w.member = pool(server, 2)
    w.outsider = make_user(server)
    w.former = make_user(server)  # was a member, then removed
    w.chan = w.owner.create_chat("channel", visibility="private", member_ids=[w.member, w.former])
    w.group = w.owner.create_chat("group", member_ids=[w.member, w.former])
    w.direct = w.owner.direct(make_user(server))  # a fresh pair: one direct chat per pair
    w.msgs, w.polls, w.replies = {}, {}, {}
    for key, chat in (("chan", w.chan), ("group", w.group), ("direct", w.direct)):
        poster = w.owner
        m = poster.send(chat["id"], f"confidential {key}")
        w.msgs[key] = m
        w.replies[key] = expect(poster.post(f"/api/v1/chats/{chat['id']}/messages",
                                            json={"text": "confidential reply", "thread_root_id": m["id"]}), 201)
        w.polls[key] = expect(poster.post(f"/api/v1/chats/{chat['id']}/polls",
                                          json={"question": "confidential poll", "options": ["x", "y"]}), 201)
    for chat in (w.chan, w.group):
        expect(w.owner.delete(f"/api/v1/chats/{chat['id']}/members/{w.former.id}"), 204)
    w.own = {}
    for who in ("outsider", "former"):
        caller = getattr(w, who)
        own_c = caller.create_chat("group")
        own_m = caller.send(own_c["id"], "my own words")
        w.own[who] = (own_c, own_m)
    w.snapshot = snapshot(w)
    return w


def snapshot(w):
    out = {}
    for key, chat in (("chan", w.chan), ("group", w.group), ("direct", w.direct)):
        hist = w.owner.history(chat["id"])["messages"]
        out[key] = {
            "history": [(m["id"], m["text"], m["pinned"], m["reply_count"]) for m in hist],
            "thread": [m["id"] for m in expect(w.owner.get(f"/api/v1/messages/{w.msgs[key]['id']}/thread"),
                                               200)["messages"]],
            "pins": expect(w.owner.get(f"/api/v1/chats/{chat['id']}/pins"), 200)["messages"],
            "poll": json.dumps(get_msg(w.owner, w.polls[key]["id"])["poll"], sort_keys=True),
        }
    for who in ("outsider", "former"):
        caller = getattr(w, who)
        own_c, _ = w.own[who]
        out[who] = [(m["id"], m["text"]) for m in caller.all_messages(own_c["id"])]
    return out


def fill(template, chat, msg, poll, own_c, own_m):
    return (template.replace("{c}", chat["id"]).replace("{m}", msg["id"]).replace("{p}", poll["id"])
            .replace("{own_c}", own_c["id"]).replace("{own_m}", own_m["id"]))


def fill_body(body, *args):
    return None if body is None else json.loads(fill(json.dumps(body), *args))


@pytest.mark.parametrize("who,target", CALLERS_TARGETS, ids=[f"{a}-{b}" for a, b in CALLERS_TARGETS])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_non_member_gets_404_on_new_endpoints(world, who, target, endpoint):
    name, method, template, body, code = endpoint
    w = world
    caller = getattr(w, who)
    chat, msg, poll = getattr(w, target), w.msgs[target], w.polls[target]
    own_c, own_m = w.own[who]
    args = (chat, msg, poll, own_c, own_m)
    r = caller.request(method, fill(template, *args), json=fill_body(body, *args))
    err = expect_error(r, 404, code)
    # this attempt changed nothing (checked here, so that any test can run alone or in any order)
    if method != "GET":
        assert snapshot(w) == w.snapshot, f"{name} by the {who} changed the {target}"
    # answered exactly as if the object did not exist
    ghost = ({"id": MISSING_CHAT}, {"id": MISSING_MSG}, {"id": MISSING_MSG}, own_c, own_m)
    r2 = caller.request(method, fill(template, *ghost), json=fill_body(body, *ghost))
    err2 = expect_error(r2, 404, code)
    assert (err["code"], err["message"]) == (err2["code"], err2["message"]), (
        f"a hidden object must look exactly like a missing one: {err} vs {err2}")


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e[1] == "GET"], ids=lambda e: e[0])
def test_member_control_is_allowed(world, endpoint):
    """The same reads succeed for a member, so the 404s above are about membership."""
    name, method, template, body, code = endpoint
    w = world
    for target in ("chan", "group", "direct"):
        args = (getattr(w, target), w.msgs[target], w.polls[target], {"id": "0"}, {"id": "0"})
        r = w.member.request(method, fill(template, *args)) if target != "direct" else \
            w.owner.request(method, fill(template, *args))
        assert r.status_code == 200, (name, target, r.status_code, r.text[:300])


def test_outsiders_searches_and_notifications_show_none_of_the_chats(world):
    """Whatever ran before (each attempt above checks the state it could have changed)."""
    assert snapshot(world) == world.snapshot
    for who in ("outsider", "former"):
        caller = getattr(world, who)
        found = expect(caller.get("/api/v1/search", params={"query": "confidential"}), 200)["results"]
        assert found == [], f"{who} finds other chats' messages: {found}"
        notes = expect(caller.get("/api/v1/notifications"), 200)["notifications"]
        assert [n for n in notes if n["chat_id"] in (world.chan["id"], world.group["id"], world.direct["id"])] == []
