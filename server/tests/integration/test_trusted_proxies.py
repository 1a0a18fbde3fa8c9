"""Trusted proxies (issue 10): X-Forwarded-For / X-Real-IP name the client only when the TCP peer
is a configured trusted proxy; then login limits, sessions, per-address rate limits and request
logs use the forwarded address. Only loopback traffic: the forwarded addresses are just strings.
"""
import http.client
import json

import pytest

from veche_harness import (
    HTTP_TIMEOUT,
    Client,
    Server,
    expect,
    expect_error,
    make_user,
    new_http_session,
    next_source_ip,
    uniq,
)

PROXY = "127.0.0.1"  # the test plays nginx from here


def login_via(server, username, password, source_ip, headers=None):
    http = new_http_session(source_ip)
    try:
        return http.post(server.url("/api/v1/auth/login"), json={"username": username, "password": password},
                         headers=headers or {}, timeout=HTTP_TIMEOUT)
    finally:
        http.close()


def fail_logins(server, source_ip, headers, n=30):
    """n failed logins (unknown users, so no account lock) from source_ip with these headers."""
    for _ in range(n):
        r = login_via(server, uniq("ghost"), "wrong-password", source_ip, headers)
        assert r.status_code == 401, r.text


def login_with_two_lines(server, user, first, second):
    """A login through the proxy with two X-Forwarded-For header lines (requests sends only one)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=HTTP_TIMEOUT, source_address=(PROXY, 0))
    try:
        body = json.dumps({"username": user.username, "password": user.password}).encode()
        conn.putrequest("POST", "/api/v1/auth/login")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(body)))
        conn.putheader("X-Forwarded-For", first)
        conn.putheader("X-Forwarded-For", second)
        conn.endheaders(body)
        resp = conn.getresponse()
        assert resp.status == 200, resp.read()
        return json.loads(resp.read())["session"]["ip"]
    finally:
        conn.close()


def session_ip(server, login_response):
    body = expect(login_response, 200)
    c = Client(server, body["token"], body["user"], body["session"])
    sessions = expect(c.get("/api/v1/auth/sessions"), 200)["sessions"]
    listed = {s["id"]: s["ip"] for s in sessions}
    assert listed[body["session"]["id"]] == body["session"]["ip"]
    return body["session"]["ip"]


@pytest.fixture(scope="module")
def behind_proxy():
    srv = Server(trusted_proxies=[PROXY, "::1"])
    srv.start()
    yield srv
    srv.cleanup()


def test_without_trusted_proxies_forwarding_headers_change_nothing(server, make_user):
    user = make_user()
    ip = next_source_ip()
    spoofed = {"X-Forwarded-For": "203.0.113.7", "X-Real-IP": "203.0.113.8"}
    assert session_ip(server, login_via(server, user.username, user.password, ip, spoofed)) == ip
    # The address limit counts the peer, whatever address each attempt claims.
    attacker = next_source_ip()
    for i in range(30):
        r = login_via(server, uniq("ghost"), "wrong-password", attacker, {"X-Forwarded-For": f"198.51.100.{i + 1}"})
        assert r.status_code == 401, r.text
    expect_error(login_via(server, user.username, user.password, attacker, {"X-Forwarded-For": "198.51.100.99"}),
                 429, "rate_limited")


def test_behind_a_trusted_proxy_failed_logins_lock_out_the_forwarded_address_only(behind_proxy):
    user = make_user(behind_proxy)
    a, b = "203.0.113.10", "203.0.113.20"
    fail_logins(behind_proxy, PROXY, {"X-Forwarded-For": a})
    expect_error(login_via(behind_proxy, user.username, user.password, PROXY, {"X-Forwarded-For": a}),
                 429, "rate_limited")
    # Everyone else behind the same proxy logs in, and the session records where they are.
    assert session_ip(behind_proxy, login_via(behind_proxy, user.username, user.password, PROXY,
                                              {"X-Forwarded-For": b})) == b
    # The request log names the real client too.
    assert f"remote={a} " in behind_proxy.read_log("stderr")


def test_behind_a_trusted_proxy_the_right_most_untrusted_entry_is_the_client(behind_proxy):
    user = make_user(behind_proxy)
    login = lambda headers, ip=PROXY: session_ip(  # noqa: E731
        behind_proxy, login_via(behind_proxy, user.username, user.password, ip, headers))
    # The client sent a forged X-Forwarded-For; the proxy appended the address it saw.
    assert login({"X-Forwarded-For": "10.9.9.9, 198.51.100.9"}) == "198.51.100.9"
    # A chain of our own proxies: the hops that are trusted are skipped.
    assert login({"X-Forwarded-For": "198.51.100.10, 127.0.0.1"}) == "198.51.100.10"
    # Two header lines are one list, the second line's entries the right-most.
    assert login_with_two_lines(behind_proxy, user, "198.51.100.11", "198.51.100.14") == "198.51.100.14"
    assert login({"X-Real-IP": "2001:DB8::5"}) == "2001:db8::5"
    # Malformed values are ignored: the proxy's own address.
    assert login({"X-Forwarded-For": "not-an-address"}) == PROXY
    assert login({"X-Forwarded-For": "198.51.100.12, ???"}) == PROXY
    # A peer that is not a trusted proxy cannot choose its address.
    other = next_source_ip()
    assert login({"X-Forwarded-For": "198.51.100.13"}, ip=other) == other


def test_behind_a_trusted_proxy_rate_limits_per_address_use_the_forwarded_address():
    srv = Server(trusted_proxies=[PROXY], rate_limits={"login": (0.05, 3)})
    srv.start()
    try:
        user = make_user(srv)
        statuses = [login_via(srv, user.username, user.password, PROXY, {"X-Forwarded-For": "203.0.113.30"})
                    for _ in range(5)]
        assert [r.status_code for r in statuses[:3]] == [200, 200, 200]
        expect_error(statuses[4], 429, "rate_limited")
        assert int(statuses[4].headers["Retry-After"]) >= 1
        # Another client behind the same proxy has its own bucket.
        expect(login_via(srv, user.username, user.password, PROXY, {"X-Forwarded-For": "203.0.113.31"}), 200)
    finally:
        srv.cleanup()
