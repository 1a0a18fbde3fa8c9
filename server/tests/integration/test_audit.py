"""The audit log (SEC-7; docs/api.md "Audit log", docs/operations.md "Audit log").

Logins, failed logins and administrative changes are recorded with the actor and the address;
only administrators read and export the log; the CSV parses and defuses formulas; the export is
itself recorded; `veche audit verify` passes on an untouched log and names the row that was
changed or removed when someone edits the database behind the server's back.
"""

import csv
import io
import json
import os
import sqlite3
import subprocess

import pytest

from veche_harness import (ADMIN_PASSWORD, STORAGE, VECHE_BIN, expect, expect_error, login, make_user,
                           next_source_ip, psql, raw_login, uniq)


def entries(admin, **filters):
    params = {k: str(v) for k, v in filters.items()}
    params.setdefault("limit", "200")
    return expect(admin.get("/api/v1/admin/audit", params=params), 200)["entries"]


def test_failed_and_successful_logins_are_recorded_with_the_address(server, admin_client):
    u = make_user(server)
    ip = next_source_ip()
    r = raw_login(server, u.username, "not-the-password-" + uniq(), source_ip=ip)
    expect_error(r, 401)
    ghost = uniq("ghost")
    expect_error(raw_login(server, ghost, "whatever-password", source_ip=ip), 401)
    again = login(server, u.username, u.password, source_ip=ip)

    failed = entries(admin_client, action="auth.login_failed", target_kind="user", target_id=u.id)
    assert len(failed) == 1, failed
    f = failed[0]
    assert f["actor_id"] is None and f["actor_ip"] == ip
    assert f["data"]["username"] == u.username and f["data"]["reason"] == "wrong_password"
    assert "not-the-password" not in json.dumps(f)
    unknown = [e for e in entries(admin_client, action="auth.login_failed") if e["data"]["username"] == ghost]
    assert len(unknown) == 1 and unknown[0]["target_id"] is None and unknown[0]["data"]["reason"] == "unknown_user"

    ok = entries(admin_client, action="auth.login", actor=u.id)
    assert [e["target_id"] for e in ok][0] == again.session_id
    assert ok[0]["actor_ip"] == ip and ok[0]["target_kind"] == "session"
    assert ok[0]["hash"] and ok[0]["prev_hash"] and ok[0]["hash"] != ok[0]["prev_hash"]


def test_administrative_changes_are_recorded_with_the_admin(server, admin_client):
    u = make_user(server)
    created = entries(admin_client, action="user.created", target_id=u.id)
    assert len(created) == 1
    assert created[0]["actor_id"] == admin_client.id and created[0]["actor_ip"] == admin_client.source_ip
    assert created[0]["data"]["username"] == u.username and created[0]["data"]["generated_password"] is False

    expect(admin_client.patch(f"/api/v1/users/{u.id}", json={"role": "admin"}), 200)
    expect(admin_client.patch(f"/api/v1/users/{u.id}", json={"role": "admin"}), 200)  # no change: no entry
    expect(admin_client.patch(f"/api/v1/users/{u.id}", json={"deactivated": True}), 200)
    expect(admin_client.patch(f"/api/v1/users/{u.id}", json={"deactivated": False, "role": "user"}), 200)
    pw = expect(admin_client.post(f"/api/v1/users/{u.id}/password", json={}), 200)["password"]
    assert pw not in json.dumps(entries(admin_client, target_id=u.id))

    again = login(server, u.username, pw)
    expect(again.post("/api/v1/users/me/password", json={"old_password": pw, "new_password": "n-" + uniq()}), 204)
    expect(again.post("/api/v1/auth/logout"), 204)

    actions = [e["action"] for e in reversed(entries(admin_client, target_kind="user", target_id=u.id))]
    # One PATCH that changes both records the role first.
    assert actions == ["user.created", "user.role_changed", "user.deactivated", "user.role_changed",
                       "user.reactivated", "user.password_reset", "user.password_changed"], actions
    changed = entries(admin_client, action="user.role_changed", target_id=u.id)
    assert [(e["data"]["from"], e["data"]["to"]) for e in changed] == [("admin", "user"), ("user", "admin")]
    mine = entries(admin_client, actor=u.id)
    assert [e["action"] for e in mine][:2] == ["auth.logout", "user.password_changed"]
    assert mine[0]["target_id"] == again.session_id


def test_revoking_a_session_is_recorded(server, admin_client):
    u = make_user(server)
    second = login(server, u.username, u.password)
    expect(u.delete(f"/api/v1/auth/sessions/{second.session_id}"), 204)
    revoked = entries(admin_client, action="session.revoked", actor=u.id)
    assert [e["target_id"] for e in revoked] == [second.session_id]
    assert revoked[0]["actor_ip"] == u.source_ip


def test_only_administrators_read_or_export(server, make_user):
    u = make_user()
    expect_error(u.get("/api/v1/admin/audit"), 403, "forbidden")
    expect_error(u.get("/api/v1/admin/audit.csv"), 403, "forbidden")
    expect_error(u.get("/api/v1/admin/audit", auth=False), 401)


@pytest.mark.parametrize("params,code", [
    ({"actor": "abc"}, "invalid_argument"),
    ({"target_id": "-1x"}, "invalid_argument"),
    ({"action": "Auth Login"}, "invalid_argument"),
    ({"target_kind": "x" * 40}, "invalid_argument"),
    ({"limit": "0"}, "invalid_argument"),
    ({"limit": "201"}, "invalid_argument"),
    ({"from": "soon"}, "invalid_argument"),
    ({"from": "2000", "to": "1000"}, "invalid_time_range"),
    ({"before": "x"}, "invalid_argument"),
])
def test_bad_filters_are_refused(admin_client, params, code):
    expect_error(admin_client.get("/api/v1/admin/audit", params=params), 400, code)
    if params != {"limit": "201"}:
        expect_error(admin_client.get("/api/v1/admin/audit.csv", params=params), 400, code)


def test_filters_and_keyset_pages(server, admin_client):
    u = make_user(server)
    for _ in range(4):
        login(server, u.username, u.password)
    everything = entries(admin_client, actor=u.id, action="auth.login")
    assert len(everything) == 5
    ids = [int(e["id"]) for e in everything]
    assert ids == sorted(ids, reverse=True)

    seen, before = [], None
    while True:
        params = {"actor": u.id, "action": "auth.login", "limit": "2"}
        if before:
            params["before"] = before
        page = expect(admin_client.get("/api/v1/admin/audit", params=params), 200)
        seen += [e["id"] for e in page["entries"]]
        before = page.get("next_before")
        if not before:
            break
    assert seen == [e["id"] for e in everything]

    middle = everything[2]
    window = entries(admin_client, actor=u.id, **{"from": middle["at"], "to": middle["at"]})
    assert middle["id"] in [e["id"] for e in window]
    assert all(e["at"] == middle["at"] for e in window)
    later = entries(admin_client, actor=u.id, **{"from": everything[0]["at"] + 1})
    assert all(e["at"] > everything[0]["at"] for e in later)
    earlier = entries(admin_client, actor=u.id, action="auth.login", to=everything[-1]["at"])
    assert everything[-1]["id"] in [e["id"] for e in earlier]
    assert all(e["at"] <= everything[-1]["at"] for e in earlier)


def test_csv_export_parses_defuses_formulas_and_is_itself_recorded(server, admin_client):
    tag = uniq("x")
    formula = f"=hyperlink(\"http://evil.example/{tag}\",\"a, b\")"
    multiline = f"@{tag}\nsecond line"
    expect_error(raw_login(server, formula, "whatever-password"), 401)
    r = raw_login(server, multiline, "whatever-password")
    newline_accepted = r.status_code == 401

    resp = admin_client.get("/api/v1/admin/audit.csv", params={"action": "auth.login_failed"})
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers.get("Content-Disposition", "")
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    assert header == ["id", "time", "at", "actor_id", "actor_ip", "action", "target_kind", "target_id", "username",
                      "data", "prev_hash", "hash"]
    assert all(len(row) == len(header) for row in body)
    by_user = {row[8]: dict(zip(header, row)) for row in body}
    assert "'" + formula in by_user, "a formula must come out with a leading quote"
    evil = by_user["'" + formula]
    assert json.loads(evil["data"])["username"] == formula  # commas and quotes survive the quoting
    assert evil["action"] == "auth.login_failed" and evil["time"].endswith("Z")
    if newline_accepted:
        assert "'" + multiline in by_user
    for row in body:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@"), row

    exported = entries(admin_client, action="audit.exported", actor=admin_client.id)
    assert exported, "the export itself must be recorded"
    assert exported[0]["data"]["format"] == "csv" and exported[0]["data"]["rows"] == len(body)
    assert exported[0]["data"]["filters"]["action"] == "auth.login_failed"
    assert exported[0]["actor_ip"] == admin_client.source_ip


def run_cli(server, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VECHE_")}
    cmd = [VECHE_BIN, args[0], "--data", server.data_dir]  # the options belong to the first word
    if server.storage:
        cmd += ["--storage", server.storage]
    cmd += args[1:]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


def tamper(server, sql):
    if server.storage:
        psql(sql, server.storage)
    else:
        with sqlite3.connect(os.path.join(server.data_dir, "veche.db")) as db:
            db.execute(sql)


def test_verify_passes_and_then_names_the_changed_or_removed_row(fresh_server):
    admin = fresh_server.admin()
    users = [make_user(fresh_server, admin) for _ in range(3)]
    expect_error(raw_login(fresh_server, users[0].username, "wrong-password-1"), 401)
    # The CLI's admin commands are recorded too, with no actor.
    fresh_server.stop()
    cli = run_cli(fresh_server, "admin", "set-role", users[1].username, "admin")
    assert cli.returncode == 0, cli.stderr
    ok = run_cli(fresh_server, "audit", "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "verified" in ok.stdout

    fresh_server.start()
    via_cli = entries(fresh_server.admin(), action="user.role_changed", target_id=users[1].id)
    assert via_cli[0]["actor_id"] is None and via_cli[0]["data"]["via"] == "cli"
    rows = entries(fresh_server.admin())
    fresh_server.stop()
    n = max(int(e["id"]) for e in rows)
    assert n >= 8

    tamper(fresh_server, "UPDATE audit_log SET data = '{\"username\":\"someone-else\"}' WHERE id = 3")
    bad = run_cli(fresh_server, "audit", "verify")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "row 3" in bad.stdout and "changed" in bad.stdout

    original = next(e for e in rows if e["id"] == "3")
    tamper(fresh_server, "UPDATE audit_log SET data = '" + json.dumps(original["data"], separators=(",", ":"), ensure_ascii=False)
           .replace("'", "''") + "' WHERE id = 3")
    assert run_cli(fresh_server, "audit", "verify").returncode == 0

    tamper(fresh_server, "DELETE FROM audit_log WHERE id = 5")
    gone = run_cli(fresh_server, "audit", "verify")
    assert gone.returncode == 1 and "row 5" in gone.stdout, gone.stdout + gone.stderr
