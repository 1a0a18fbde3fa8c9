"""An item's history (docs/api.md "Timeline"): the chat module records who created, renamed and
archived a chat and who added, removed or re-roled whom; its members read it newest first in
keyset pages; anyone else, a kind no module reads, and bad ids and limits get a clear 4xx.
"""

from veche_harness import expect, expect_error


def history(client, chat_id, **params):
    return client.get(f"/api/v1/timeline/chat/{chat_id}", params=params)


def test_a_chats_members_read_its_history_with_actors_and_changes(make_user):
    owner, bob, carol = make_user(), make_user(), make_user()
    chat = owner.create_chat(type="group", name="Tender 17", member_ids=[bob])
    expect(owner.patch(f"/api/v1/chats/{chat['id']}", json={"name": "Tender 17: stage 2"}), 200)
    owner.add_members(chat["id"], [carol])
    expect(owner.patch(f"/api/v1/chats/{chat['id']}/members/{bob.id}", json={"role": "admin"}), 200)
    expect(bob.delete(f"/api/v1/chats/{chat['id']}/members/{carol.id}"), 204)
    expect(owner.post(f"/api/v1/chats/{chat['id']}/archive"), 200)

    body = expect(history(bob, chat["id"]), 200)
    entries = body["entries"]
    assert [e["type"] for e in entries] == ["archived", "member_removed", "member_role_changed", "member_added",
                                            "updated", "created"]
    assert "next_before" not in body
    for e in entries:
        assert e["item"] == f"chat:{chat['id']}" and e["at"] > 0 and isinstance(e["id"], str)
    by_type = {e["type"]: e for e in entries}
    assert by_type["created"]["actor_id"] == owner.id and by_type["created"]["data"]["member_ids"] == [bob.id]
    assert by_type["updated"]["data"]["name"] == {"from": "Tender 17", "to": "Tender 17: stage 2"}
    assert by_type["member_added"]["data"] == {"user_id": carol.id, "role": "member"}
    assert by_type["member_role_changed"]["data"] == {"user_id": bob.id, "from": "member", "to": "admin"}
    assert by_type["member_removed"]["actor_id"] == bob.id and by_type["member_removed"]["data"]["user_id"] == carol.id

    # Keyset pages: two, then the rest, no overlap and no gap.
    first = expect(history(owner, chat["id"], limit=2), 200)
    assert [e["id"] for e in first["entries"]] == [e["id"] for e in entries[:2]]
    rest = expect(history(owner, chat["id"], limit=50, before=first["next_before"]), 200)
    assert [e["id"] for e in rest["entries"]] == [e["id"] for e in entries[2:]]


def test_who_may_not_see_the_chat_gets_404_like_a_missing_one(make_user):
    owner, removed, stranger = make_user(), make_user(), make_user()
    chat = owner.create_chat(type="group", name="confidential", member_ids=[removed])
    expect(owner.delete(f"/api/v1/chats/{chat['id']}/members/{removed.id}"), 204)
    expect_error(history(stranger, chat["id"]), 404, "chat_not_found")
    expect_error(history(removed, chat["id"]), 404, "chat_not_found")  # no longer a member
    # A public channel's history is for its members too, as its member list is.
    channel = owner.create_chat(type="channel", visibility="public")
    expect_error(history(stranger, channel["id"]), 404, "chat_not_found")
    expect(stranger.post(f"/api/v1/chats/{channel['id']}/join"), 200)
    joined = expect(history(stranger, channel["id"]), 200)["entries"]
    assert joined[0]["type"] == "member_joined" and joined[0]["actor_id"] == stranger.id
    expect_error(history(stranger, "999999999999"), 404, "chat_not_found")


def test_bad_requests_get_a_clear_4xx(make_user):
    u = make_user()
    chat = u.create_chat(type="group", name="mine")
    expect_error(u.get(f"/api/v1/timeline/ticket/{chat['id']}"), 404, "item_not_found")  # no module reads it
    expect_error(u.get(f"/api/v1/timeline/Chat!/{chat['id']}"), 404, "item_not_found")
    expect_error(u.get("/api/v1/timeline/chat/not-an-id"), 400)
    for limit in ("0", "201", "x"):
        expect_error(history(u, chat["id"], limit=limit), 400)
    expect_error(history(u, chat["id"], before="x"), 400)
    expect_error(u.get(f"/api/v1/timeline/chat/{chat['id']}", auth=False), 401, "unauthenticated")
