"""Chats past 50 members: read receipts are not kept and `chat.read` reaches only the reader's own
devices (docs/api.md, "Read receipts"); at 50 members both work again."""

from veche_harness import expect, expect_error, login, uniq


def add_users(admin, n):
    ids = []
    for _ in range(n):
        ids.append(expect(admin.post("/api/v1/users", json={"username": uniq("big"), "password": "pw-" + uniq("p")}),
                          201)["id"])
    return ids


def test_seen_by_and_read_fanout_stop_past_50_members_and_return_at_50(server, admin_client, make_user, ws_factory):
    owner = make_user()
    reader = make_user()
    others = add_users(admin_client, 49)  # owner + reader + 49 = 51 members
    chat = expect(owner.post("/api/v1/chats", json={"type": "group", "name": "big",
                                                     "member_ids": [reader.id] + others}), 201)
    chat_id = chat["id"]
    assert expect(owner.get(f"/api/v1/chats/{chat_id}"), 200)["member_count"] == 51
    msg = expect(owner.post(f"/api/v1/chats/{chat_id}/messages", json={"text": "to many"}), 201)

    expect_error(owner.get(f"/api/v1/messages/{msg['id']}/seen"), 409, "chat_too_large")

    ws_owner = ws_factory(server, owner)
    ws_reader = ws_factory(server, reader)
    start_owner = ws_owner.count()
    expect(reader.post(f"/api/v1/chats/{chat_id}/read", json={"message_id": msg["id"]}), 200)
    # the reader's own devices hear of it ...
    ws_reader.wait_event("chat.read", lambda f: f["data"]["chat_id"] == chat_id)
    # ... the other members do not: everything the server queued before the pong has arrived
    ws_owner.ping()
    reads = [f for f in ws_owner.snapshot()[start_owner:]
             if f.get("type") == "event" and f.get("kind") == "chat.read"]
    assert reads == [], f"chat.read reached another member of a 51-member chat: {reads!r}"

    # one member fewer: 50 members, receipts and the live fan-out are back
    expect(owner.delete(f"/api/v1/chats/{chat_id}/members/{others[0]}"), 204)
    assert expect(owner.get(f"/api/v1/chats/{chat_id}"), 200)["member_count"] == 50
    msg2 = expect(owner.post(f"/api/v1/chats/{chat_id}/messages", json={"text": "to fifty"}), 201)
    start_owner = ws_owner.count()
    expect(reader.post(f"/api/v1/chats/{chat_id}/read", json={"message_id": msg2["id"]}), 200)
    ws_owner.wait_event("chat.read", lambda f: f["data"]["chat_id"] == chat_id and f["data"]["user_id"] == reader.id,
                        start=start_owner)
    assert reader.id in expect(owner.get(f"/api/v1/messages/{msg2['id']}/seen"), 200)["user_ids"]
