"""Shared helpers for the thread/pin/mention/poll/search/typing integration tests."""

import random
import string

from veche_harness import expect, make_user

MISSING_CHAT = "999999999999"
MISSING_MSG = "999999999998"

def pool(server, n):
    """n brand-new users of `server`. Never shared between tests (a shared pool let one test's
    notifications, unread counts and presence leak into another's), so any test can run alone, in
    any order or in parallel."""
    return [make_user(server) for _ in range(n)]


def nonce(length=10):
    """A random all-letters word, to make search queries and texts unique to one test."""
    return "".join(random.choice(string.ascii_lowercase) for _ in range(length))


def get_msg(client, mid):
    return expect(client.get(f"/api/v1/messages/{mid}"), 200)


def notifications(client, chat_ids=None, kind=None, **params):
    """The caller's notifications (newest first), optionally only of the given chats / kind."""
    got = expect(client.get("/api/v1/notifications", params={"limit": 200, **params}), 200)["notifications"]
    if chat_ids is not None:
        ids = {chat_ids} if isinstance(chat_ids, str) else set(chat_ids)
        got = [n for n in got if n["chat_id"] in ids]
    if kind is not None:
        got = [n for n in got if n["kind"] == kind]
    return got


def chat_entry(client, chat_id):
    """The chat as listed in GET /api/v1/chats (per-user fields included)."""
    found = [c for c in client.chats() if c["id"] == chat_id]
    assert found, f"chat {chat_id} not in the caller's list"
    return found[0]
