"""Event log retention (issue 10, point 11): old events are purged in the background, a resume from
before the purge gets an explicit resync_required instead of a silent gap, and a resume from a kept
position replays exactly what the client missed."""

import time

import pytest

from veche_harness import Server, WsClient, make_user, wait_until

RETENTION_S = 6


@pytest.fixture(scope="module")
def srv():
    s = Server(extra_env={"VECHE_EVENT_RETENTION_SECONDS": str(RETENTION_S),
                          "VECHE_MAINTENANCE_INTERVAL_SECONDS": "1"})
    s.start()
    yield s
    s.cleanup()


def resume(srv, client, last_pos):
    ws = WsClient(srv, client, last_pos=last_pos)
    frames = ws.snapshot()
    ws.close()
    end = next(i for i, f in enumerate(frames) if isinstance(f, dict) and f.get("type") == "synced")
    return frames[:end + 1]


def kinds(frames):
    return [f.get("type") for f in frames if isinstance(f, dict)]


def test_purged_positions_get_resync_required_and_kept_ones_replay_exactly(srv):
    alice = make_user(srv)
    bob = make_user(srv)
    chat = alice.create_chat("group", member_ids=[bob])
    live = WsClient(srv, bob)
    start = live.hello_ok["head"]
    for i in range(3):
        alice.send(chat["id"], f"old {i}")
    live.wait_event("message.created", lambda f: f["data"]["text"] == "old 2")
    old_pos = start

    # Before the purge, a resume from the start replays the old messages.
    first = resume(srv, bob, old_pos)
    assert "resync_required" not in kinds(first)
    assert [f["data"]["text"] for f in first if f.get("kind") == "message.created"] == ["old 0", "old 1", "old 2"]

    def purged():
        return "resync_required" in kinds(resume(srv, bob, old_pos))

    wait_until(purged, timeout=RETENTION_S + 30, interval=0.5, desc="old events to be purged")
    frames = resume(srv, bob, old_pos)
    assert kinds(frames)[0] == "hello_ok" and kinds(frames)[1] == "resync_required", kinds(frames)
    assert not [f for f in frames if f.get("type") == "event"], "events replayed across a purged gap"
    # The connection goes on live from the head after resync_required.
    ws = WsClient(srv, bob, last_pos=old_pos)
    alice.send(chat["id"], "live after resync")
    ws.wait_event("message.created", lambda f: f["data"]["text"] == "live after resync")
    ws.close()

    # A kept position replays exactly the events the client missed, in order, nothing else.
    mark = live.wait_event("message.created", lambda f: f["data"]["text"] == "live after resync")["pos"]
    n = live.count()
    sent_at = time.monotonic()
    for i in range(5):
        alice.send(chat["id"], f"new {i}")
    live.wait_event("message.created", lambda f: f["data"]["text"] == "new 4", start=n)
    replay = resume(srv, bob, mark)
    assert time.monotonic() - sent_at < RETENTION_S, "the machine was too slow to test within the retention"
    assert "resync_required" not in kinds(replay), kinds(replay)
    missed = [f["pos"] for f in live.snapshot() if isinstance(f, dict) and f.get("type") == "event" and f["pos"] > mark]
    got = [f["pos"] for f in replay if f.get("type") == "event"]
    assert got == missed and got, (got, missed)
    assert [f["data"]["text"] for f in replay if f.get("kind") == "message.created"] == [f"new {i}" for i in range(5)]
    live.close()


def test_the_newest_event_survives_retention(srv):
    """Even when every event is older than the retention, the newest one is kept, so the head
    position survives a restart and a client at the head resumes without a resync."""
    alice = make_user(srv)
    chat = alice.create_chat("group")
    alice.send(chat["id"], "the last word")
    ws = WsClient(srv, alice)
    head = ws.hello_ok["head"]
    ws.close()
    # Wait until everything before the head has been purged: a resume from just before it is a gap.
    wait_until(lambda: "resync_required" in kinds(resume(srv, alice, head - 2)), timeout=RETENTION_S + 30,
               interval=0.5, desc="the events before the head to be purged")
    srv.restart()
    frames = resume(srv, alice, head)
    assert "resync_required" not in kinds(frames), kinds(frames)
    assert frames[0]["head"] == head
