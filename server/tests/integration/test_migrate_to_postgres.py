"""`veche migrate --from <SQLite data dir> --to postgresql://…` (issue 6): a single-node install moves
to cluster storage with its users, chats, messages, edits, reactions, polls, files' metadata and read
state, and the counts are verified. Runs in the PostgreSQL pass of the suite."""
import hashlib
import os
import subprocess
import time

import pytest

from veche_harness import STORAGE, Server, VECHE_BIN, WsClient, drop_pg_database, expect, login, make_user, new_pg_database

pytestmark = pytest.mark.skipif(STORAGE != "postgresql", reason="needs the suite's PostgreSQL (the PostgreSQL pass runs it)")


def run_cli(*args):
    return subprocess.run([VECHE_BIN, *args], capture_output=True, text=True, timeout=120)


def test_single_node_install_moves_to_postgresql_with_everything(tmp_path):
    old = Server(storage="sqlite", data_dir=str(tmp_path / "data")).start()
    target = new_pg_database()
    new = None
    try:
        alice, bob = make_user(old), make_user(old)
        chat = alice.create_chat(type="group", name="переезд", member_ids=[bob.id])
        cid = chat["id"]
        sent = [alice.send(cid, f"сообщение номер {i} про ёлку")["id"] for i in range(30)]
        expect(alice.patch(f"/api/v1/messages/{sent[0]}", json={"text": "исправленный текст"}), 200)
        expect(bob.put(f"/api/v1/messages/{sent[1]}/reactions/👍"), 200)
        expect(alice.delete(f"/api/v1/messages/{sent[2]}"), 204)
        payload = os.urandom(50_000)
        up = expect(alice.post(f"/api/v1/chats/{cid}/files?name=отчёт.bin", data=payload), 201)
        expect(alice.post(f"/api/v1/chats/{cid}/messages", json={"text": "файл", "file_ids": [up["id"]]}), 201)
        expect(bob.post(f"/api/v1/chats/{cid}/read", json={"message_id": sent[9]}), 200)
        # Module tables move too: a message scheduled for later, with its timer in the job queue.
        later = expect(alice.post(f"/api/v1/chats/{cid}/scheduled-messages",
                                  json={"text": "через час", "send_at": int(time.time() * 1000) + 3_600_000}), 201)
        before_chats = {c["id"]: c for c in expect(bob.get("/api/v1/chats"), 200)["chats"]}
        before_history = alice.all_messages(cid)
        head_before = WsClient(old, alice).hello_ok["head"]
        old.stop()

        # The target must be empty: a second run refuses.
        r = run_cli("migrate", "--from", old.data_dir, "--to", target)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "counts verified" in r.stdout
        assert "MISMATCH" not in r.stdout
        lines = {l.split()[0]: l.split()[1:] for l in r.stdout.splitlines()[1:] if len(l.split()) == 3}
        assert lines["messages"][0] == lines["messages"][1] and int(lines["messages"][0]) >= 31
        for module_table in ("scheduled_messages", "jobs_queue", "audit_log", "audit_head"):
            assert module_table in lines and lines[module_table][0] == lines[module_table][1] != "0", r.stdout
        # The audit chain verifies in the copy (its head row moved with it).
        v = run_cli("audit", "--storage", target, "--data", str(tmp_path / "empty"), "verify")
        assert v.returncode == 0 and "verified" in v.stdout, v.stdout + v.stderr
        r = run_cli("migrate", "--from", old.data_dir, "--to", target)
        assert r.returncode != 0 and "already holds data" in r.stderr

        # The same data directory keeps the files; the database is now PostgreSQL.
        new = Server(storage=target, data_dir=old.data_dir).start()
        a2 = login(new, alice.username, alice.password)
        b2 = login(new, bob.username, bob.password)
        after_history = a2.all_messages(cid)
        assert [(m["id"], m["text"], m.get("edited_at"), m["deleted"]) for m in after_history] == \
               [(m["id"], m["text"], m.get("edited_at"), m["deleted"]) for m in before_history]
        after_chats = {c["id"]: c for c in expect(b2.get("/api/v1/chats"), 200)["chats"]}
        assert after_chats[cid]["unread_count"] == before_chats[cid]["unread_count"]
        pending = expect(a2.get(f"/api/v1/scheduled-messages/{later['id']}"), 200)
        assert pending["state"] == "pending" and pending["text"] == "через час"
        reacted = next(m for m in after_history if m["id"] == sent[1])
        assert reacted["reactions"] and reacted["reactions"][0]["emoji"] == "👍"
        got = a2.get(f"/api/v1/files/{up['id']}")
        assert got.status_code == 200 and hashlib.sha256(got.content).digest() == hashlib.sha256(payload).digest()
        # Search works on the rebuilt index (Ё folded to Е), and misses the deleted message.
        hits = expect(a2.get("/api/v1/search", params={"query": "елка", "limit": 100}), 200)["results"]
        hit_ids = {h["message"]["id"] for h in hits}
        assert sent[5] in hit_ids and sent[2] not in hit_ids
        # Event positions continue after the old log.
        ws = WsClient(new, a2)
        assert ws.hello_ok["head"] == head_before
        fresh = a2.send(cid, "после переезда")["id"]
        ev = ws.wait_event("message.created", lambda f: f["data"]["id"] == fresh)
        assert ev["pos"] > head_before
    finally:
        old.cleanup()
        if new:
            new.cleanup()
        drop_pg_database(target)
