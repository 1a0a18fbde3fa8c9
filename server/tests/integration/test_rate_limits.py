"""Rate limits (issue 10): per-user token buckets for sends, edits, reactions, uploads, searches,
chat creation and invites, per-address buckets for login; 429 rate_limited with Retry-After;
shared by the nodes of a cluster through Redis, and still applied when Redis is down.

Every test waits for states (a request accepted again) rather than for fixed times. The upper
bounds on accepted requests allow for what the bucket refills while the burst runs.
"""
import math
import signal
import subprocess
import threading
import time

import pytest
import requests

from veche_harness import (
    STORAGE,
    Client,
    Server,
    drop_pg_database,
    expect,
    expect_error,
    free_port,
    make_user,
    new_pg_database,
    parse_metrics,
    raw_login,
    uniq,
    wait_until,
    RedisServer,
)

# Small buckets so that a test reaches them in a few requests: (per second, burst).
SMALL = {
    "send": (0.5, 5),
    "edit": (0.5, 4),
    "react": (0.5, 4),
    "upload": (0.5, 3),
    "search": (0.5, 4),
    "create_chat": (0.5, 3),
    "invite": (0.5, 3),
    "login": (0.5, 4),
}


@pytest.fixture(scope="module")
def limited():
    srv = Server(rate_limits=SMALL)
    srv.start()
    yield srv
    srv.cleanup()


def check_429(resp):
    err = expect_error(resp, 429, "rate_limited")
    retry = resp.headers.get("Retry-After")
    assert retry is not None and retry.isdigit() and int(retry) >= 1, f"Retry-After {retry!r}"
    return err, int(retry)


def burst_until_limited(do, rule, max_requests=200):
    """Calls do() until it is refused with 429; returns (accepted, the 429 response).

    Asserts the burst passed and that no more than the burst plus what refilled meanwhile did."""
    per_second, burst = rule
    start = time.monotonic()
    accepted = 0
    for _ in range(max_requests):
        r = do()
        if r.status_code == 429:
            check_429(r)
            elapsed = time.monotonic() - start
            assert accepted >= burst, f"refused after {accepted} (< burst {burst}): {r.text}"
            assert accepted <= burst + math.ceil(elapsed * per_second) + 1, \
                f"{accepted} accepted in {elapsed:.2f}s with burst {burst} at {per_second}/s"
            return accepted, r
        assert r.status_code < 300, f"{r.request.method} {r.request.path_url} -> {r.status_code}: {r.text[:300]}"
        accepted += 1
    raise AssertionError(f"{max_requests} requests and never a 429")


def accepted_again(do, ok_status, timeout=60):
    """Polls do() until it is accepted (waiting at least Retry-After between tries)."""
    deadline = time.monotonic() + timeout
    while True:
        r = do()
        if r.status_code == ok_status:
            return r
        _, retry = check_429(r)
        assert time.monotonic() < deadline, f"still limited after {timeout}s"
        time.sleep(min(retry, 5))


def metric(server, name, **labels):
    samples = parse_metrics(requests.get(server.url("/metrics"), timeout=5).text)
    return sum(v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items()))


# -- the defaults ---------------------------------------------------------------------------------


def test_default_limits_cut_a_script_posting_400_messages_and_spare_everyone_else():
    srv = Server(rate_limits=None)  # the built-in defaults: 30 in a row, then 2 a second
    srv.start()
    try:
        script, colleague = make_user(srv), make_user(srv)
        chat = script.create_chat(type="group", name="flood", member_ids=[colleague.id])
        statuses, lock = [], threading.Lock()

        def flood(k):
            c = script.clone()
            for i in range(50):
                r = c.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": f"spam {k}-{i}"})
                with lock:
                    statuses.append(r)

        start = time.monotonic()
        threads = [threading.Thread(target=flood, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        accepted = [r for r in statuses if r.status_code == 201]
        refused = [r for r in statuses if r.status_code == 429]
        assert len(accepted) + len(refused) == 400, {r.status_code for r in statuses}
        assert len(accepted) >= 30
        assert len(accepted) <= 30 + math.ceil(elapsed * 2) + 1, f"{len(accepted)} accepted in {elapsed:.1f}s"
        for r in refused[:20]:
            check_429(r)
        # What was refused was not stored.
        assert len(script.all_messages(chat["id"])) == len(accepted)
        # Another user is unaffected, in the same chat.
        colleague.send(chat["id"], "I am a person")
        assert metric(srv, "veche_rate_limited_total", action="send") >= len(refused)
        # The script may post again once its bucket has a token.
        accepted_again(lambda: script.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": "later"}), 201)
    finally:
        srv.cleanup()


# -- each action ----------------------------------------------------------------------------------


def test_sends_are_limited_per_user_and_allowed_again_after_retry_after(limited):
    alice, bob = make_user(limited), make_user(limited)
    chat = alice.create_chat(type="group", name="limits", member_ids=[bob.id])
    post = lambda c: c.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": uniq("m")})  # noqa: E731
    accepted, refused = burst_until_limited(lambda: post(alice), SMALL["send"])
    err, retry = check_429(refused)
    assert "send" in err["message"]
    # Bob's bucket is his own.
    expect(post(bob), 201)
    accepted_again(lambda: post(alice), 201)
    assert len(alice.all_messages(chat["id"])) == accepted + 2  # alice's burst, Bob's, alice's later one


def test_polls_and_forwards_draw_from_the_bucket_of_sends(limited):
    carol = make_user(limited)
    chat = carol.create_chat(type="group", name="polls")
    first = carol.send(chat["id"], "to forward")  # takes one token of five
    kinds = iter(range(1000))

    def next_post():
        k = next(kinds) % 3
        if k == 0:
            return carol.post(f"/api/v1/chats/{chat['id']}/polls", json={"question": "q?", "options": ["a", "b"]})
        if k == 1:
            return carol.post(f"/api/v1/messages/{first['id']}/forward", json={"chat_id": chat["id"]})
        return carol.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": uniq("m")})

    per_second, burst = SMALL["send"]
    # Separate buckets would let through five of each kind; one bucket lets through five in all.
    burst_until_limited(next_post, (per_second, burst - 1))


def test_searches_are_limited(limited):
    alice, bob = make_user(limited), make_user(limited)
    search = lambda c: c.get("/api/v1/search", params={"query": "anything"})  # noqa: E731
    burst_until_limited(lambda: search(alice), SMALL["search"])
    expect(search(bob), 200)
    accepted_again(lambda: search(alice), 200)


def test_uploads_are_limited_before_the_body_is_read(limited):
    alice, bob = make_user(limited), make_user(limited)
    chat = alice.create_chat(type="group", name="files", member_ids=[bob.id])

    def upload(c):
        return c.post(f"/api/v1/chats/{chat['id']}/files?name=note.txt", data=b"hello " + uniq().encode(),
                      headers={"Content-Type": "application/octet-stream"})

    burst_until_limited(lambda: upload(alice), SMALL["upload"])
    expect(upload(bob), 201)
    accepted_again(lambda: upload(alice), 201)


def test_chat_creation_is_limited(limited):
    alice, bob = make_user(limited), make_user(limited)
    create = lambda c: c.post("/api/v1/chats", json={"type": "channel", "name": uniq("c-")})  # noqa: E731
    burst_until_limited(lambda: create(alice), SMALL["create_chat"])
    expect(create(bob), 201)
    accepted_again(lambda: create(alice), 201)


def test_invites_are_limited(limited):
    alice = make_user(limited)
    chat = alice.create_chat(type="group", name="invites")
    admin = limited.admin()
    invitees = []

    def new_invitee():
        u = {"username": uniq("i"), "password": "pw-" + uniq()}
        invitees.append(expect(admin.post("/api/v1/users", json=u), 201)["id"])
        return invitees[-1]

    invite = lambda: alice.post(f"/api/v1/chats/{chat['id']}/members", json={"user_ids": [new_invitee()]})  # noqa
    burst_until_limited(invite, SMALL["invite"])
    accepted_again(invite, 200)


def test_edits_and_reactions_are_limited(limited):
    alice = make_user(limited)
    chat = alice.create_chat(type="group", name="edits")
    msg = alice.send(chat["id"], "first version")
    n = iter(range(10**6))
    edit = lambda: alice.patch(f"/api/v1/messages/{msg['id']}", json={"text": f"version {next(n)}"})  # noqa: E731
    burst_until_limited(edit, SMALL["edit"])
    # Reactions have a bucket of their own, untouched by the edits.
    emojis = iter(["👍", "👎", "😀", "🎉", "❤️", "🔥", "👀", "🚀", "✅", "🙏", "💯", "😂"] * 4)
    react = lambda: alice.put(f"/api/v1/messages/{msg['id']}/reactions/{next(emojis)}")  # noqa: E731
    burst_until_limited(react, SMALL["react"])
    accepted_again(edit, 200)


def test_logins_are_limited_per_address_even_with_the_right_password(limited):
    user = make_user(limited)
    pinned = "127.88.0.1"
    login = lambda ip: raw_login(limited, user.username, user.password, source_ip=ip)  # noqa: E731
    _, refused = burst_until_limited(lambda: login(pinned), SMALL["login"])
    assert "token" not in refused.json()
    # Another address logs in at once.
    expect(login("127.88.0.2"), 200)
    accepted_again(lambda: login(pinned), 200)


def test_rate_limits_can_be_switched_off():
    srv = Server(rate_limits={"send": (0.01, 1)}, extra_env={"VECHE_RATE_LIMITS_ENABLED": "false"})
    srv.start()
    try:
        alice = make_user(srv)
        chat = alice.create_chat(type="group", name="free")
        for i in range(10):
            alice.send(chat["id"], f"m{i}")
        assert "rate limits: off" in srv.read_log("stderr")
    finally:
        srv.cleanup()


# -- cluster mode ---------------------------------------------------------------------------------


@pytest.fixture
def cluster(tmp_path):
    if STORAGE != "postgresql":
        pytest.skip("cluster mode needs PostgreSQL (the PostgreSQL pass runs it)")
    redis = RedisServer(tmp_path)
    redis.start()
    db = new_pg_database()
    files = str(tmp_path / "files")
    nodes = []
    try:
        for _ in range(2):
            # A slow refill: what either node accepts is what the shared bucket held.
            nodes.append(Server(storage=db, bus=redis.url, data_dir=files, rate_limits={"send": (0.02, 10)}).start())
        yield redis, nodes
    finally:
        for node in nodes:
            node.cleanup()
        drop_pg_database(db)
        if redis.proc.poll() is None:
            redis.kill()


def test_two_nodes_share_each_users_bucket(cluster):
    _, (a, b) = cluster
    alice = make_user(a)
    alice_on_b = Client(b, token=alice.token, user=alice.user)
    chat = alice.create_chat(type="group", name="shared-bucket")
    by_node = {"a": [], "b": []}
    for i in range(15):
        for name, c in (("a", alice), ("b", alice_on_b)):
            by_node[name].append(c.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": f"{name}{i}"}))
    accepted = {n: sum(r.status_code == 201 for r in rs) for n, rs in by_node.items()}
    for rs in by_node.values():
        for r in rs:
            if r.status_code != 201:
                check_429(r)
    # Each node alone would have let 10 through; together they let through the one bucket's 10
    # (plus at most one refilled token at 0.02/s while the burst ran).
    assert 10 <= accepted["a"] + accepted["b"] <= 11, accepted
    assert accepted["a"] >= 4 and accepted["b"] >= 4, accepted
    assert len(alice.all_messages(chat["id"])) == accepted["a"] + accepted["b"]
    assert metric(a, "veche_ratelimit_local_fallback_total") == 0


def test_with_redis_down_nodes_keep_limiting_with_their_own_buckets(cluster):
    redis, (a, b) = cluster
    alice, bob = make_user(a), make_user(a)
    chat = alice.create_chat(type="group", name="no-redis", member_ids=[bob.id])
    alice_on_b = Client(b, token=alice.token, user=alice.user)
    redis.kill()
    post = lambda c: c.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": uniq("m")})  # noqa: E731
    # Requests still work, and the limit still applies, now per node.
    accepted_a, _ = burst_until_limited(lambda: post(alice), (0.02, 10))
    accepted_b, _ = burst_until_limited(lambda: post(alice_on_b), (0.02, 10))
    assert accepted_a >= 10 and accepted_b >= 10
    expect(post(bob), 201)
    assert metric(a, "veche_ratelimit_local_fallback_total") > 0
    assert metric(b, "veche_ratelimit_local_fallback_total") > 0
    assert "rate limits: Redis" in a.read_log("stderr")
    assert len(bob.all_messages(chat["id"])) == accepted_a + accepted_b + 1
    # Redis back: the nodes share buckets again (fresh ones: Redis lost its state), once each has
    # waited out its retry interval.
    redis.start()
    fallbacks = lambda: (metric(a, "veche_ratelimit_local_fallback_total"),  # noqa: E731
                         metric(b, "veche_ratelimit_local_fallback_total"))

    def decided_through_redis():
        before = fallbacks()
        expect(bob.get("/api/v1/search", params={"query": "x"}), 200)  # a limited action (raised)
        expect(Client(b, token=bob.token, user=bob.user).get("/api/v1/search", params={"query": "x"}), 200)
        return fallbacks() == before

    wait_until(decided_through_redis, timeout=30, interval=0.5, desc="both nodes deciding through Redis again")
    dave = make_user(a)
    dave_on_b = Client(b, token=dave.token, user=dave.user)
    chat2 = dave.create_chat(type="group", name="redis-back")
    statuses = []
    for i in range(12):
        c = dave if i % 2 == 0 else dave_on_b
        statuses.append(c.post(f"/api/v1/chats/{chat2['id']}/messages", json={"text": f"x{i}"}).status_code)
    assert 10 <= statuses.count(201) <= 11 and statuses.count(201) + statuses.count(429) == 12, statuses
