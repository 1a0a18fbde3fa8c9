"""Non-members see nothing: every chat/message endpoint answers 404 exactly as for a missing object,
and the WebSocket delivers nothing of a chat the user is not in (live or replayed)."""

import json
import urllib.parse

import pytest

from veche_harness import WsClient, expect, expect_error, make_user

THUMBS = urllib.parse.quote("\U0001F44D", safe="")
MISSING_CHAT = "999999999999"
MISSING_MSG = "999999999998"

# (name, method, path template, json body, expected code). {c}=chat id, {m}=message id,
# {member}=a member's user id, {me}=the caller's user id
ENDPOINTS = [
    ("get_chat", "GET", "/api/v1/chats/{c}", None, "chat_not_found"),
    ("patch_chat", "PATCH", "/api/v1/chats/{c}", {"name": "hacked", "topic": "hacked"}, "chat_not_found"),
    ("archive", "POST", "/api/v1/chats/{c}/archive", None, "chat_not_found"),
    ("unarchive", "POST", "/api/v1/chats/{c}/unarchive", None, "chat_not_found"),
    ("join", "POST", "/api/v1/chats/{c}/join", None, "chat_not_found"),
    ("leave", "POST", "/api/v1/chats/{c}/leave", None, "chat_not_found"),
    ("list_members", "GET", "/api/v1/chats/{c}/members", None, "chat_not_found"),
    ("add_self", "POST", "/api/v1/chats/{c}/members", {"user_ids": ["{me}"]}, "chat_not_found"),
    ("add_member", "POST", "/api/v1/chats/{c}/members", {"user_ids": ["{member}"], "role": "admin"},
     "chat_not_found"),
    ("patch_member", "PATCH", "/api/v1/chats/{c}/members/{member}", {"role": "guest"}, "chat_not_found"),
    ("patch_self", "PATCH", "/api/v1/chats/{c}/members/{me}", {"role": "owner"}, "chat_not_found"),
    ("remove_member", "DELETE", "/api/v1/chats/{c}/members/{member}", None, "chat_not_found"),
    ("remove_self", "DELETE", "/api/v1/chats/{c}/members/{me}", None, "chat_not_found"),
    ("read", "POST", "/api/v1/chats/{c}/read", {"message_id": "{m}"}, "chat_not_found"),
    ("post_message", "POST", "/api/v1/chats/{c}/messages", {"text": "intrusion", "client_id": "x1"},
     "chat_not_found"),
    ("history", "GET", "/api/v1/chats/{c}/messages", None, "chat_not_found"),
    ("history_before", "GET", "/api/v1/chats/{c}/messages?before={m}&limit=10", None, "chat_not_found"),
    ("history_after", "GET", "/api/v1/chats/{c}/messages?after=0", None, "chat_not_found"),
    ("get_message", "GET", "/api/v1/messages/{m}", None, "message_not_found"),
    ("edit_message", "PATCH", "/api/v1/messages/{m}", {"text": "hacked"}, "message_not_found"),
    ("delete_message", "DELETE", "/api/v1/messages/{m}", None, "message_not_found"),
    ("versions", "GET", "/api/v1/messages/{m}/versions", None, "message_not_found"),
    ("restore", "POST", "/api/v1/messages/{m}/restore", None, "message_not_found"),
    ("react", "PUT", "/api/v1/messages/{m}/reactions/" + THUMBS, None, "message_not_found"),
    ("unreact", "DELETE", "/api/v1/messages/{m}/reactions/" + THUMBS, None, "message_not_found"),
]


class World:
    pass


@pytest.fixture(scope="module")
def world(server):
    w = World()
    w.owner = make_user(server)
    w.member = make_user(server)
    w.outsider = make_user(server)
    w.former = make_user(server)  # was a member, then removed
    w.chan = w.owner.create_chat("channel", visibility="private", name="secret-room",
                                 member_ids=[w.member, w.former])
    w.group = w.owner.create_chat("group", name="secret-group", member_ids=[w.member, w.former])
    w.direct = w.owner.direct(w.member)
    w.msgs = {}
    for key, chat in (("chan", w.chan), ("group", w.group), ("direct", w.direct)):
        m = w.member.send(chat["id"], f"confidential {key}")
        expect(w.owner.put(f"/api/v1/messages/{m['id']}/reactions/{THUMBS}"), 200)
        w.msgs[key] = m
        # a deleted message too, so "restore" has something to restore
        d = w.owner.send(chat["id"], "deleted one")
        expect(w.owner.delete(f"/api/v1/messages/{d['id']}"), 204)
        w.msgs[key + "_deleted"] = d
    for chat in (w.chan, w.group):
        expect(w.owner.delete(f"/api/v1/chats/{chat['id']}/members/{w.former.id}"), 204)
    w.snapshot = snapshot(w)
    return w


def snapshot(w):
    out = {}
    for key, chat in (("chan", w.chan), ("group", w.group), ("direct", w.direct)):
        c = expect(w.owner.get(f"/api/v1/chats/{chat['id']}"), 200)
        members = expect(w.owner.get(f"/api/v1/chats/{chat['id']}/members"), 200)["members"]
        hist = w.owner.history(chat["id"])["messages"]
        out[key] = {
            "name": c["name"], "topic": c["topic"], "archived": c["archived"], "member_count": c["member_count"],
            "members": sorted((m["user"]["id"], m["role"]) for m in members),
            "history": [(m["id"], m["text"], m["deleted"], json.dumps(m["reactions"], sort_keys=True))
                        for m in hist],
        }
    return out


def fill(template, w, caller, chat, msg):
    return (template.replace("{c}", chat["id"]).replace("{m}", msg["id"])
            .replace("{member}", w.member.id).replace("{me}", caller.id))


def fill_body(body, w, caller, chat, msg):
    if body is None:
        return None
    return json.loads(fill(json.dumps(body), w, caller, chat, msg))


# nobody is ever removed from a direct chat, so "former" x "direct" does not exist
CALLERS_TARGETS = [("outsider", "chan"), ("outsider", "group"), ("outsider", "direct"),
                   ("former", "chan"), ("former", "group")]


@pytest.mark.parametrize("who,target", CALLERS_TARGETS, ids=[f"{a}-{b}" for a, b in CALLERS_TARGETS])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_non_member_gets_404_everywhere(world, who, target, endpoint):
    name, method, template, body, code = endpoint
    w = world
    caller = getattr(w, who)
    chat = getattr(w, target)
    msg = w.msgs[target + "_deleted"] if name == "restore" else w.msgs[target]
    r = caller.request(method, fill(template, w, caller, chat, msg), json=fill_body(body, w, caller, chat, msg))
    err = expect_error(r, 404, code)
    # this attempt changed nothing (checked here, so that any test can run alone or in any order)
    if method != "GET":
        assert snapshot(w) == w.snapshot, f"{name} by the {who} changed the {target}"
    # answered exactly as if the object did not exist
    ghost_chat = {"id": MISSING_CHAT}
    ghost_msg = {"id": MISSING_MSG}
    if "{m}" in template and "{c}" not in template:
        ghost_chat = chat
    if "{c}" in template and "{m}" in template:
        ghost_msg = msg
    r2 = caller.request(method, fill(template, w, caller, ghost_chat, ghost_msg),
                        json=fill_body(body, w, caller, ghost_chat, ghost_msg))
    err2 = expect_error(r2, 404, code)
    assert (err["code"], err["message"]) == (err2["code"], err2["message"]), (
        f"a hidden object must look exactly like a missing one: {err} vs {err2}")
    # the member (control) is allowed to see the chat/message, so the 404 above is meaningful
    if method == "GET" and name in ("get_chat", "history", "get_message", "list_members"):
        ok = w.member.request(method, fill(template, w, w.member, chat, msg))
        assert ok.status_code == 200, ok.text


def test_outsiders_lists_show_none_of_the_chats(world):
    """Whatever ran before (each attempt above checks the state it could have changed)."""
    assert snapshot(world) == world.snapshot
    ids = {c["id"] for c in world.outsider.chats()}
    assert not ids & {world.chan["id"], world.group["id"], world.direct["id"]}
    found = expect(world.outsider.get("/api/v1/chats/public", params={"query": "secret"}), 200)["chats"]
    assert world.chan["id"] not in {c["id"] for c in found}


def test_websocket_non_member_receives_nothing(server, ws_factory):
    owner, member, outsider, newbie = (make_user(server) for _ in range(4))
    chan = owner.create_chat("channel", visibility="private", member_ids=[member])
    canary_chat = owner.direct(outsider)
    ws_m = ws_factory(server, member)
    ws_x = ws_factory(server, outsider)
    start_pos = ws_x.hello_ok["head"]

    m1 = owner.send(chan["id"], "private 1")
    m2 = member.send(chan["id"], "private 2")
    expect(owner.patch(f"/api/v1/messages/{m1['id']}", json={"text": "private 1 edited"}), 200)
    expect(member.put(f"/api/v1/messages/{m1['id']}/reactions/{THUMBS}"), 200)
    expect(owner.delete(f"/api/v1/messages/{m2['id']}"), 204)
    expect(owner.patch(f"/api/v1/chats/{chan['id']}", json={"topic": "hush"}), 200)
    owner.add_members(chan["id"], [newbie])
    m3 = owner.send(chan["id"], "private 3")
    expect(member.post(f"/api/v1/chats/{chan['id']}/read", json={"message_id": m3["id"]}), 200)

    # control: the member sees all of it
    for kind in ("message.created", "message.updated", "message.deleted", "chat.updated", "member.added",
                 "chat.read"):
        ws_m.wait_event(kind, lambda f: (f.get("chat_id") or f["data"].get("chat_id")) == chan["id"])
    assert len(ws_m.events("message.created", chan["id"])) == 3

    # the canary is posted after everything above, so it has a larger pos; once the outsider has it,
    # anything of the private chat would already have arrived
    canary = owner.send(canary_chat["id"], "canary")
    ws_x.wait_event("message.created", lambda f: f["data"]["id"] == canary["id"])
    assert ws_x.events(chat_id=chan["id"]) == []
    blob = json.dumps(ws_x.snapshot())
    for secret in (chan["id"], m1["id"], m2["id"], m3["id"], "private 1", "hush"):
        assert secret not in blob, f"outsider's stream leaks {secret!r}"

    # replay after reconnect is filtered too
    ws_x2 = ws_factory(server, outsider, last_pos=start_pos)
    ws_x2.ping()
    assert any(f.get("kind") == "message.created" and f["data"]["id"] == canary["id"] for f in ws_x2.events()), \
        "the replay contains the canary"
    blob = json.dumps(ws_x2.snapshot())
    for secret in (chan["id"], m1["id"], m2["id"], m3["id"], "private 1", "hush"):
        assert secret not in blob, f"outsider's replay leaks {secret!r}"
