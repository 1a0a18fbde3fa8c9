"""veche backup / veche restore (OPS-4): an online backup of a running server restores into a new
data directory with every acknowledged message, user and file."""
import hashlib
import os
import subprocess

import pytest

from veche_harness import STORAGE, Server, VECHE_BIN, expect, login, make_user

# `veche backup` copies the SQLite database and the file tree; a PostgreSQL deployment backs up its
# database with PostgreSQL's own tools (docs/operations.md), so there is nothing of Veche's to test.
pytestmark = pytest.mark.skipif(STORAGE != "sqlite", reason="veche backup/restore is for the SQLite storage")


def run_cli(*args):
    return subprocess.run([VECHE_BIN, *args], capture_output=True, text=True, timeout=60)


def test_online_backup_restores_messages_users_and_files(fresh_server, tmp_path):
    alice, bob = make_user(fresh_server), make_user(fresh_server)
    chat = alice.create_chat(type="group", name="backup", member_ids=[bob.id])
    sent = [alice.send(chat["id"], f"до бэкапа {i}")["id"] for i in range(20)]
    payload = os.urandom(200_000)
    up = expect(alice.post(f"/api/v1/chats/{chat['id']}/files?name=отчёт.bin", data=payload), 201)
    with_file = expect(alice.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": "", "file_ids": [up["id"]]}), 201)

    backup_dir = tmp_path / "backup"
    r = run_cli("backup", "--data", fresh_server.data_dir, "--to", str(backup_dir))
    assert r.returncode == 0, r.stderr
    # Written after the backup: must not be in it.
    later = alice.send(chat["id"], "после бэкапа")["id"]

    r = run_cli("backup", "--data", fresh_server.data_dir, "--to", str(backup_dir))
    assert r.returncode != 0, "a backup never overwrites an existing directory"

    restored_dir = tmp_path / "restored"
    r = run_cli("restore", "--from", str(backup_dir), "--data", str(restored_dir))
    assert r.returncode == 0, r.stderr
    r = run_cli("restore", "--from", str(backup_dir), "--data", str(restored_dir))
    assert r.returncode != 0, "restore refuses a directory that already holds a database"

    fresh_server.stop()
    restored = Server(data_dir=str(restored_dir))
    try:
        restored.start()
        a2 = login(restored, alice.username, alice.password)
        ids = [m["id"] for m in expect(a2.get(f"/api/v1/chats/{chat['id']}/messages?limit=200"), 200)["messages"]]
        for mid in sent + [with_file["id"]]:
            assert mid in ids
        assert later not in ids
        got = a2.get(f"/api/v1/files/{up['id']}")
        assert got.status_code == 200
        assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(payload).hexdigest()
        b2 = login(restored, bob.username, bob.password)
        assert b2.get(f"/api/v1/files/{up['id']}").content == payload
    finally:
        restored.cleanup()
