"""Prometheus metrics at GET /metrics."""

import re

import requests

from veche_harness import (WsClient, expect, make_user, metric_sum, new_http_session, parse_metrics,
                           wait_until)


def scrape(server):
    s = new_http_session()
    try:
        r = s.get(server.url("/metrics"), timeout=10)  # no auth needed
    finally:
        s.close()
    assert r.status_code == 200, r.text[:300]
    assert r.headers.get("Content-Type", "").startswith("text/plain"), r.headers.get("Content-Type")
    return r.text


def test_metrics_exposes_the_documented_families(server, ws_factory):
    u = make_user(server)
    chan = u.create_chat("channel", visibility="private")
    ws = ws_factory(server, u)
    m = u.send(chan["id"], "metrics")
    ws.wait_event("message.created", lambda f: f["data"]["id"] == m["id"])
    text = scrape(server)
    samples = parse_metrics(text)
    names = {n for n, _, _ in samples}

    http = [(labels, v) for n, labels, v in samples if n == "veche_http_requests_total"]
    assert http, "veche_http_requests_total missing"
    assert all("route" in l and "status" in l for l, _ in http), http[:3]
    assert any(l["status"] == "201" for l, _ in http), "a 201 was served, it must be counted"
    assert all(re.fullmatch(r"[1-5]\d\d", l["status"]) for l, _ in http)
    # routes are templates, not raw paths with ids (bounded cardinality)
    assert not any(chan["id"] in l["route"] for l, _ in http), "route label must not contain ids"
    assert "veche_ws_connections" in names
    assert metric_sum(samples, "veche_ws_connections") >= 1
    assert "veche_events_sent_total" in names
    assert re.search(r"^# TYPE veche_db_commit_batch_size histogram", text, re.M), "batch size is a histogram"
    for suffix in ("_bucket", "_sum", "_count"):
        assert "veche_db_commit_batch_size" + suffix in names, suffix
    assert any(n == "veche_db_commit_batch_size_bucket" and l.get("le") == "+Inf" for n, l, _ in samples)
    assert any(n.startswith("veche_db_commit_seconds") for n in names)
    assert re.search(r"^# TYPE veche_http_requests_total counter", text, re.M)


def test_counters_increase(server, ws_factory):
    u = make_user(server)
    chan = u.create_chat("channel", visibility="private")
    ws = ws_factory(server, u)
    before = parse_metrics(scrape(server))

    def health_count(samples):
        return metric_sum(samples, "veche_http_requests_total", route=lambda r: "health" in r, status="200")

    def not_found_count(samples):
        return metric_sum(samples, "veche_http_requests_total", status="404")

    s = requests.Session()
    for _ in range(7):
        assert s.get(server.url("/api/v1/health"), timeout=5).status_code == 200
    for _ in range(3):
        assert s.get(server.url("/api/v1/no-such-route"), timeout=5).status_code == 404
    s.close()
    for i in range(5):
        m = u.send(chan["id"], f"count {i}")
    ws.wait_event("message.created", lambda f: f["data"]["id"] == m["id"])
    ws.ping()
    after = parse_metrics(scrape(server))

    assert health_count(after) - health_count(before) >= 7
    assert not_found_count(after) - not_found_count(before) >= 3
    assert metric_sum(after, "veche_events_sent_total") - metric_sum(before, "veche_events_sent_total") >= 5
    assert (metric_sum(after, "veche_db_commit_batch_size_count")
            > metric_sum(before, "veche_db_commit_batch_size_count"))
    assert (metric_sum(after, "veche_db_commit_batch_size_sum")
            - metric_sum(before, "veche_db_commit_batch_size_sum")) >= 5, "5 messages were committed"
    seconds_count = [n for n, _, _ in after if n.startswith("veche_db_commit_seconds") and n.endswith("_count")]
    if seconds_count:  # histogram/summary form
        assert metric_sum(after, seconds_count[0]) > metric_sum(before, seconds_count[0])
    else:  # a plain counter of seconds
        assert metric_sum(after, "veche_db_commit_seconds") > metric_sum(before, "veche_db_commit_seconds")


def test_ws_connections_gauge(fresh_server):
    srv = fresh_server
    u = make_user(srv)

    def gauge():
        return metric_sum(parse_metrics(scrape(srv)), "veche_ws_connections")

    assert gauge() == 0
    a = WsClient(srv, u)
    b = WsClient(srv, u)
    wait_until(lambda: gauge() == 2, desc="veche_ws_connections == 2")
    a.close()
    wait_until(lambda: gauge() == 1, desc="veche_ws_connections == 1 after a close")
    b.abort()
    wait_until(lambda: gauge() == 0, timeout=10, desc="veche_ws_connections == 0 after an abrupt drop")
