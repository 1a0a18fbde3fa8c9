"""Scheduled messages ("send later", docs/api.md "Scheduled messages") and the job queue behind them
(docs/api.md "Jobs"), through the public API of a real server.

A scheduled message is posted once, as its author, at about its send_at; editing moves it,
deleting cancels it; the author who left the chat gets a visible failure; a restart in between
loses nothing. Waits are on states (the message's `state`, frames on a socket), never fixed sleeps.
"""
import time

import pytest

from veche_harness import Client, Server, WsClient, expect, expect_error, make_user, wait_until

# Short job timers so that a test waits seconds, not minutes (docs/operations.md, "Jobs and timers").
JOB_ENV = {"VECHE_JOBS_POLL_MS": "200", "VECHE_JOBS_LEASE_MS": "2000", "VECHE_JOBS_BACKOFF_BASE_MS": "200"}


@pytest.fixture(scope="module")
def srv():
    s = Server(extra_env=JOB_ENV)
    s.start()
    yield s
    s.cleanup()


def now_ms():
    return int(time.time() * 1000)


def schedule(client, chat_id, text, delay_ms=1500, **extra):
    body = {"text": text, "send_at": now_ms() + delay_ms, **extra}
    return expect(client.post(f"/api/v1/chats/{chat_id}/scheduled-messages", json=body), 201)


def state_of(client, sid):
    return expect(client.get(f"/api/v1/scheduled-messages/{sid}"), 200)


def wait_state(client, sid, state, timeout=30):
    return wait_until(lambda: (lambda m: m if m["state"] == state else None)(state_of(client, sid)),
                      timeout=timeout, desc=f"scheduled message {sid} {state}")


def with_text(client, chat_id, text):
    return [m for m in client.all_messages(chat_id) if m["text"] == text]


def test_posts_once_as_the_author_at_about_its_time(srv):
    alice, bob = make_user(srv), make_user(srv)
    chat = alice.create_chat(type="group", name="later", member_ids=[bob.id])
    ws_bob, ws_alice = WsClient(srv, bob), WsClient(srv, alice)
    text = "good morning, later"
    sched = schedule(alice, chat["id"], text, 1500)
    assert sched["state"] == "pending" and sched["text"] == text and sched["chat_id"] == chat["id"]
    assert sched["message_id"] is None and sched["failure"] is None
    listed = expect(alice.get("/api/v1/scheduled-messages"), 200)["scheduled_messages"]
    assert [m["id"] for m in listed] == [sched["id"]]
    assert with_text(bob, chat["id"], text) == [], "not before its time"

    sent = wait_state(alice, sched["id"], "sent")
    posted = with_text(bob, chat["id"], text)
    assert len(posted) == 1, posted
    assert posted[0]["id"] == sent["message_id"]
    assert posted[0]["author_id"] == alice.id
    assert posted[0]["created_at"] >= sched["send_at"]
    assert sent["sent_at"] >= sched["send_at"]
    frame = ws_bob.wait_event("message.created", lambda f: f["data"]["id"] == sent["message_id"])
    assert frame["data"]["text"] == text
    # The author hears that it went out.
    note = ws_alice.wait_event("scheduled_message.sent", lambda f: f["data"]["id"] == sched["id"])
    assert note["data"]["message_id"] == sent["message_id"]
    # Sent ones leave the default list, and show with ?state=sent.
    assert expect(alice.get("/api/v1/scheduled-messages"), 200)["scheduled_messages"] == []
    sent_list = expect(alice.get("/api/v1/scheduled-messages", params={"state": "sent"}), 200)["scheduled_messages"]
    assert [m["id"] for m in sent_list] == [sched["id"]]
    assert len([f for f in ws_bob.events("message.created") if f["data"]["id"] == sent["message_id"]]) == 1
    ws_bob.close()
    ws_alice.close()


def test_thread_reply_is_posted_into_the_thread(srv):
    alice = make_user(srv)
    chat = alice.create_chat(type="group", name="threads")
    root = alice.send(chat["id"], "root")
    sched = schedule(alice, chat["id"], "reply later", 1000, thread_root_id=root["id"])
    assert sched["thread_root_id"] == root["id"]
    sent = wait_state(alice, sched["id"], "sent")
    thread = expect(alice.get(f"/api/v1/messages/{root['id']}/thread"), 200)["messages"]
    assert [m["id"] for m in thread if m["text"] == "reply later"] == [sent["message_id"]]


def test_edit_changes_text_and_time(srv):
    alice = make_user(srv)
    chat = alice.create_chat(type="group", name="edit")
    sched = schedule(alice, chat["id"], "first draft", 3_600_000)
    new_at = now_ms() + 1500
    edited = expect(alice.patch(f"/api/v1/scheduled-messages/{sched['id']}",
                                json={"text": "final text", "send_at": new_at}), 200)
    assert edited["text"] == "final text" and edited["send_at"] == new_at and edited["state"] == "pending"
    sent = wait_state(alice, sched["id"], "sent")
    assert sent["sent_at"] >= new_at
    assert [m["text"] for m in alice.all_messages(chat["id"])] == ["final text"]
    # Sent: no more edits.
    expect_error(alice.patch(f"/api/v1/scheduled-messages/{sched['id']}", json={"text": "too late"}), 409,
                 "scheduled_message_not_pending")


def test_deleted_one_is_never_posted(srv):
    alice = make_user(srv)
    chat = alice.create_chat(type="group", name="cancel")
    cancelled = schedule(alice, chat["id"], "never mind", 1000)
    expect(alice.delete(f"/api/v1/scheduled-messages/{cancelled['id']}"), 204)
    expect_error(alice.get(f"/api/v1/scheduled-messages/{cancelled['id']}"), 404, "scheduled_message_not_found")
    expect_error(alice.delete(f"/api/v1/scheduled-messages/{cancelled['id']}"), 404, "scheduled_message_not_found")
    # A later one goes out; by then the cancelled one would have too.
    later = schedule(alice, chat["id"], "this one", 2000)
    wait_state(alice, later["id"], "sent")
    assert [m["text"] for m in alice.all_messages(chat["id"])] == ["this one"]


def test_another_users_scheduled_message_is_not_found(srv):
    alice, bob = make_user(srv), make_user(srv)
    chat = alice.create_chat(type="group", name="private", member_ids=[bob.id])
    sched = schedule(alice, chat["id"], "alice's secret plan", 3_600_000)
    path = f"/api/v1/scheduled-messages/{sched['id']}"
    expect_error(bob.get(path), 404, "scheduled_message_not_found")
    expect_error(bob.patch(path, json={"text": "hijacked"}), 404, "scheduled_message_not_found")
    expect_error(bob.delete(path), 404, "scheduled_message_not_found")
    assert expect(bob.get("/api/v1/scheduled-messages"), 200)["scheduled_messages"] == []
    assert state_of(alice, sched["id"])["text"] == "alice's secret plan"
    # A chat the caller cannot see is not found either.
    outsider = make_user(srv)
    expect_error(outsider.post(f"/api/v1/chats/{chat['id']}/scheduled-messages",
                               json={"text": "x", "send_at": now_ms() + 60_000}), 404, "chat_not_found")


def test_without_a_token_is_401(srv):
    anon = Client(srv)
    expect_error(anon.get("/api/v1/scheduled-messages", auth=False), 401, "unauthenticated")
    expect_error(anon.post("/api/v1/chats/1/scheduled-messages", auth=False,
                           json={"text": "x", "send_at": now_ms() + 60_000}), 401, "unauthenticated")
    expect_error(anon.delete("/api/v1/scheduled-messages/1", auth=False), 401, "unauthenticated")


def test_bad_input_is_400_with_a_code(srv):
    alice = make_user(srv)
    chat = alice.create_chat(type="group", name="bad")
    path = f"/api/v1/chats/{chat['id']}/scheduled-messages"
    cases = [
        ({"text": "past", "send_at": now_ms() - 1000}, "invalid_send_at"),
        ({"text": "now-ish", "send_at": now_ms()}, "invalid_send_at"),
        ({"text": "too far", "send_at": now_ms() + 400 * 24 * 3600 * 1000}, "invalid_send_at"),
        ({"text": "no time"}, "invalid_argument"),
        ({"text": "string time", "send_at": str(now_ms() + 60_000)}, "invalid_argument"),
        ({"text": 42, "send_at": now_ms() + 60_000}, "invalid_argument"),
        ({"text": "", "send_at": now_ms() + 60_000}, "invalid_argument"),
        ({"text": "x" * 16001, "send_at": now_ms() + 60_000}, "invalid_argument"),
        ({"text": "bad root", "send_at": now_ms() + 60_000, "thread_root_id": 5}, "invalid_argument"),
    ]
    for body, code in cases:
        expect_error(alice.post(path, json=body), 400, code)
    for raw in (b'{"text": ', b"[1]", b"\xff"):
        r = alice.post(path, data=raw, headers={"Content-Type": "application/json"})
        expect_error(r, 400, ("malformed_json", "invalid_argument"))
    expect_error(alice.post(f"/api/v1/chats/not-an-id/scheduled-messages",
                            json={"text": "x", "send_at": now_ms() + 60_000}), 400, "invalid_argument")
    expect_error(alice.get("/api/v1/scheduled-messages", params={"state": "bogus"}), 400, "invalid_argument")

    sched = schedule(alice, chat["id"], "to edit", 3_600_000)
    edit = f"/api/v1/scheduled-messages/{sched['id']}"
    expect_error(alice.patch(edit, json={}), 400, "invalid_argument")
    expect_error(alice.patch(edit, json={"send_at": now_ms() - 5}), 400, "invalid_send_at")
    expect_error(alice.patch(edit, json={"text": ["x"]}), 400, "invalid_argument")
    expect_error(alice.patch(edit, data=b"{", headers={"Content-Type": "application/json"}), 400, "malformed_json")
    assert state_of(alice, sched["id"])["text"] == "to edit"
    expect_error(alice.get("/api/v1/scheduled-messages/12x"), 400, "invalid_argument")


def test_author_who_left_the_chat_gets_a_visible_failure(srv):
    alice, bob = make_user(srv), make_user(srv)
    chat = bob.create_chat(type="group", name="leaving", member_ids=[alice.id])
    ws_alice = WsClient(srv, alice)
    sched = schedule(alice, chat["id"], "sent after I left", 1500)
    expect(alice.post(f"/api/v1/chats/{chat['id']}/leave"), 204)
    failed = wait_state(alice, sched["id"], "failed")
    assert failed["failure"]["code"] in ("chat_not_found", "forbidden", "not_a_member"), failed
    assert failed["failure"]["message"]
    assert failed["message_id"] is None
    listed = expect(alice.get("/api/v1/scheduled-messages"), 200)["scheduled_messages"]
    assert [(m["id"], m["state"]) for m in listed] == [(sched["id"], "failed")]
    assert with_text(bob, chat["id"], "sent after I left") == []
    ws_alice.wait_event("scheduled_message.failed", lambda f: f["data"]["id"] == sched["id"])
    # A failed one can be cleared away.
    expect(alice.delete(f"/api/v1/scheduled-messages/{sched['id']}"), 204)
    ws_alice.close()


def test_admin_job_api(srv):
    admin = srv.admin()
    alice = make_user(srv)
    chat = alice.create_chat(type="group", name="jobs")
    sched = schedule(alice, chat["id"], "job view", 3_600_000)
    jobs = expect(admin.get("/api/v1/admin/jobs", params={"kind": "scheduled.send", "state": "pending"}), 200)["jobs"]
    mine = [j for j in jobs if j["payload"] == {"id": sched["id"]}]
    assert len(mine) == 1, jobs
    job = mine[0]
    assert job["state"] == "pending" and job["due_at"] == sched["send_at"]
    assert job["dedupe_key"] == f"scheduled:{sched['id']}" and job["attempts"] == 0
    expect_error(alice.get("/api/v1/admin/jobs"), 403, "forbidden")
    expect_error(alice.post(f"/api/v1/admin/jobs/{job['id']}/retry"), 403, "forbidden")
    expect_error(admin.post(f"/api/v1/admin/jobs/{job['id']}/retry"), 409, "job_not_dead")
    expect_error(admin.post("/api/v1/admin/jobs/987654321987654321/retry"), 404, "job_not_found")
    expect_error(admin.post("/api/v1/admin/jobs/x/retry"), 400, "invalid_argument")
    for params in ({"state": "zombie"}, {"limit": "0"}, {"limit": "201"}, {"limit": "ten"}, {"kind": "k" * 101},
                   {"before": "nope"}):
        expect_error(admin.get("/api/v1/admin/jobs", params=params), 400, "invalid_argument")
    page = expect(admin.get("/api/v1/admin/jobs", params={"limit": "1"}), 200)
    assert len(page["jobs"]) == 1 and "next_before" in page
    # Cancelling the message removes its job.
    expect(alice.delete(f"/api/v1/scheduled-messages/{sched['id']}"), 204)
    jobs = expect(admin.get("/api/v1/admin/jobs", params={"kind": "scheduled.send"}), 200)["jobs"]
    assert not [j for j in jobs if j["id"] == job["id"]]


def test_metrics_show_the_queue(srv):
    text = Client(srv).get("/metrics", auth=False).text
    assert 'veche_jobs{state="pending"}' in text
    assert "veche_jobs_runs_total" in text and "veche_jobs_oldest_due_age_seconds" in text


def test_survives_a_restart(tmp_path):
    s = Server(extra_env=JOB_ENV)
    s.start()
    try:
        alice = make_user(s)
        chat = alice.create_chat(type="group", name="restart")
        sched = schedule(alice, chat["id"], "across a restart", 2500)
        assert s.stop() == 0  # SIGTERM: a clean stop before it is due
        s.start()
        alice = Client(s, token=alice.token, user=alice.user)
        sent = wait_state(alice, sched["id"], "sent")
        posted = with_text(alice, chat["id"], "across a restart")
        assert [m["id"] for m in posted] == [sent["message_id"]]
    finally:
        s.cleanup()
