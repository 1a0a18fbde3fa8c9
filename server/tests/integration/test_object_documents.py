"""Documents, approval routes and signatures of business objects (MODULES.md §1.7 items 8-16;
docs/api.md "Documents and approvals")."""

import base64
import hashlib
import json
import os
import subprocess
import tempfile
import time

from objects_helpers import Tender
from veche_harness import WsClient, expect, expect_error, uniq, wait_until

MISSING = "1"


def post_file(client, chat_id, data, name):
    up = expect(client.post(f"/api/v1/chats/{chat_id}/files?name={name}", data=data,
                            headers={"Content-Type": "application/octet-stream"}), 201)
    expect(client.post(f"/api/v1/chats/{chat_id}/messages", json={"text": "", "file_ids": [up["id"]]}), 201)
    return up


def documents(client, obj_id):
    return expect(client.get(f"/api/v1/objects/{obj_id}/documents"), 200)["documents"]


def tender_with_suppliers(admin, make_user):
    t = Tender(admin, make_user)
    t.upsert()
    t.add_suppliers()
    return t


def start(client, version_id, steps, **extra):
    return client.post(f"/api/v1/document-versions/{version_id}/approvals", json={"steps": steps, **extra})


def decide(client, approval_id, decision, comment=""):
    return client.post(f"/api/v1/approvals/{approval_id}/decisions", json={"decision": decision, "comment": comment})


def task_states(a):
    return {t["user_id"]: t["state"] for s in a["steps"] for t in s["tasks"]}


def test_files_posted_in_object_chats_are_versioned_documents(server, admin_client, make_user):
    t = tender_with_suppliers(admin_client, make_user)
    ca, cb = t.chat("supplier", t.a)["chat_id"], t.chat("supplier", t.b)["chat_id"]
    a1, b1 = t.a_users[0], t.b_users[0]
    v1 = b"offer v1 " + uniq().encode()
    post_file(a1, ca, v1, "offer.pdf")
    post_file(b1, cb, b"beta offer", "offer.pdf")  # the same name at B: another supplier's document
    v2 = b"offer v2 " + uniq().encode()
    post_file(t.manager, ca, v2, "offer.pdf")
    docs_a = documents(a1, t.obj["id"])
    assert len(docs_a) == 1 and docs_a[0]["counterparty_id"] == t.a["id"]
    versions = docs_a[0]["versions"]
    assert [v["n"] for v in versions] == [1, 2]
    assert versions[0]["sha256"] == hashlib.sha256(v1).hexdigest() and versions[0]["uploaded_by"] == a1.id
    assert versions[1]["sha256"] == hashlib.sha256(v2).hexdigest() and versions[1]["uploaded_by"] == t.manager.id
    assert versions[0]["uploaded_at"] <= versions[1]["uploaded_at"]
    # both versions stay downloadable
    for v, data in zip(versions, (v1, v2)):
        r = a1.get(f"/api/v1/files/{v['file_id']}")
        assert r.status_code == 200 and r.content == data
    # the staff's own download route: the observer is not in A's chat, yet downloads A's versions
    expect_error(t.observer.get(f"/api/v1/files/{versions[0]['file_id']}"), 404)
    r = t.observer.get(f"/api/v1/document-versions/{versions[0]['id']}/download")
    assert r.status_code == 200 and r.content == v1 and "offer.pdf" in r.headers["Content-Disposition"]
    r = t.observer.get(f"/api/v1/document-versions/{versions[1]['id']}/download", headers={"Range": "bytes=0-4"})
    assert r.status_code == 206 and r.content == v2[:5]
    expect_error(b1.get(f"/api/v1/document-versions/{versions[0]['id']}/download"), 404, "document_version_not_found")
    # B never sees A's document, by list or by id; staff see both
    assert [d["counterparty_id"] for d in documents(b1, t.obj["id"])] == [t.b["id"]]
    expect_error(b1.get(f"/api/v1/documents/{docs_a[0]['id']}"), 404, "document_not_found")
    assert len(documents(t.manager, t.obj["id"])) == 2
    expect_error(make_user().get(f"/api/v1/objects/{t.obj['id']}/documents"), 404, "object_not_found")
    # a card: type, number, series, validity; the same number again is the next version
    up = post_file(t.manager, t.chat("org")["chat_id"], b"spec v1", "spec.docx")
    card = expect(t.manager.post(f"/api/v1/objects/{t.obj['id']}/documents", json={
        "file_id": up["id"], "doc_type": "specification", "number": "СП-7", "series": "А",
        "valid_until": "2027-12-31", "title": "Спецификация"}), 201)
    assert card["document"]["number"] == "СП-7" and card["version"]["n"] == 1
    up2 = post_file(t.manager, t.chat("org")["chat_id"], b"spec v2", "spec-2.docx")
    card2 = expect(t.manager.post(f"/api/v1/objects/{t.obj['id']}/documents", json={
        "file_id": up2["id"], "doc_type": "specification", "number": "СП-7"}), 201)
    assert card2["document"]["id"] == card["document"]["id"] and card2["version"]["n"] == 2
    # bad cards
    expect_error(t.manager.post(f"/api/v1/objects/{t.obj['id']}/documents", json={
        "file_id": up["id"], "doc_type": "x", "number": "1", "valid_until": "31.12.2027"}), 400)
    expect_error(t.manager.post(f"/api/v1/objects/{t.obj['id']}/documents", json={
        "file_id": MISSING, "doc_type": "x", "number": "1"}), 404, "file_not_found")
    # a supplier cannot file another chat's file, nor see it
    expect_error(a1.post(f"/api/v1/objects/{t.obj['id']}/documents", json={
        "file_id": up["id"], "doc_type": "x", "number": "1"}), 404, "file_not_found")


def sequential_route(t):
    """A specification in the org chat, put up with steps 1 {Ivanova} and 2 {Petrov, Kononov, all}."""
    up = post_file(t.manager, t.chat("org")["chat_id"], b"spec " + uniq().encode(), "spec.pdf")
    ver = expect(t.manager.post(f"/api/v1/objects/{t.obj['id']}/documents", json={
        "file_id": up["id"], "doc_type": "specification", "number": uniq("N")}), 201)["version"]
    ivanova, petrov, kononov = t.owner, t.commission[0], t.commission[1]
    a = expect(start(t.manager, ver["id"], [
        {"order": 1, "participants": [{"user_id": ivanova.id}]},
        {"order": 2, "rule": "all", "participants": [petrov.username, kononov.username]}]), 201)
    return a, ver, ivanova, petrov, kononov


def test_a_sequential_route_signs_each_decision_and_verifies(server, admin_client, make_user):
    t = tender_with_suppliers(admin_client, make_user)
    a, ver, ivanova, petrov, kononov = sequential_route(t)
    assert a["state"] == "pending" and a["require_signature"] is True
    assert task_states(a) == {ivanova.id: "pending", petrov.id: "waiting", kononov.id: "waiting"}
    assert [x["id"] for x in expect(ivanova.get("/api/v1/approvals"), 200)["approvals"]] == [a["id"]]
    assert expect(petrov.get("/api/v1/approvals"), 200)["approvals"] == []
    # not on the current step: refused, nothing changed
    expect_error(decide(petrov, a["id"], "approve"), 403, "not_a_participant")
    expect_error(decide(make_user(), a["id"], "approve"), 404, "approval_not_found")
    expect_error(decide(ivanova, a["id"], "maybe"), 400)
    a = expect(decide(ivanova, a["id"], "approve_with_remarks", "поправить п. 3"), 200)
    assert task_states(a) == {ivanova.id: "approved_with_remarks", petrov.id: "pending", kononov.id: "pending"}
    expect_error(decide(ivanova, a["id"], "approve"), 409, "already_decided")
    a = expect(decide(petrov, a["id"], "approve"), 200)
    assert a["state"] == "pending"
    a = expect(decide(kononov, a["id"], "approve"), 200)
    assert a["state"] == "approved"
    org_texts = [m["text"] for m in t.manager.all_messages(t.chat("org")["chat_id"])]
    assert any("направлен на согласование" in x for x in org_texts) and any(x.endswith("согласован.") for x in org_texts)
    # every decision carries a signature over the canonical statement
    task = next(x for s in a["steps"] for x in s["tasks"] if x["user_id"] == ivanova.id)
    check = expect(t.manager.get(f"/api/v1/signatures/{task['signature_id']}/verify"), 200)
    assert check["valid"] is True and check["alg"] == "ed25519"
    st = json.loads(check["statement"])
    assert st == {"approval_id": a["id"], "comment_sha256": hashlib.sha256("поправить п. 3".encode()).hexdigest(),
                  "decision": "approve_with_remarks", "document_version_id": ver["id"], "file_sha256": ver["sha256"],
                  "signed_at": st["signed_at"], "signer_id": ivanova.id}
    assert check["statement"] == json.dumps(st, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # offline: the published key and the statement verify with another Ed25519 implementation (OpenSSL)
    keys = expect(t.manager.get("/.well-known/veche-signing-keys", auth=False), 200)["keys"]
    jwk = next(k for k in keys if k["kid"] == check["kid"])
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    sig = base64.urlsafe_b64decode(check["signature"] + "=" * (-len(check["signature"]) % 4))
    der = bytes.fromhex("302a300506032b6570032100") + raw
    with tempfile.TemporaryDirectory() as d:
        pem = os.path.join(d, "k.pem")
        with open(pem, "w") as f:
            f.write("-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(der).decode() + "\n-----END PUBLIC KEY-----\n")
        for name, data in (("s", check["statement"].encode()), ("sig", sig), ("bad", check["statement"].encode() + b" ")):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        ok = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin", "-in",
                             os.path.join(d, "s"), "-sigfile", os.path.join(d, "sig")], capture_output=True)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        bad = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin", "-in",
                              os.path.join(d, "bad"), "-sigfile", os.path.join(d, "sig")], capture_output=True)
        assert bad.returncode != 0
    # a supplier does not see the staff's route, nor its signatures
    expect_error(t.a_users[0].get(f"/api/v1/approvals/{a['id']}"), 404)
    expect_error(t.a_users[0].get(f"/api/v1/signatures/{task['signature_id']}/verify"), 404, "signature_not_found")
    # flipping one byte of the stored file: the signature no longer holds
    path = os.path.join(server.data_dir, "files", ver["sha256"][:2], ver["sha256"][2:4], ver["sha256"])
    with open(path, "r+b") as f:
        first = f.read(1)
        f.seek(0)
        f.write(bytes([first[0] ^ 1]))
    check = expect(t.manager.get(f"/api/v1/signatures/{task['signature_id']}/verify"), 200)
    assert check["valid"] is False and check["reason"] == "hash_mismatch"


def test_a_parallel_any_step_and_a_reject(server, admin_client, make_user):
    t = tender_with_suppliers(admin_client, make_user)
    up = post_file(t.manager, t.chat("org")["chat_id"], b"contract " + uniq().encode(), "contract.pdf")
    ver = documents(t.manager, t.obj["id"])[0]["versions"][-1]
    assert ver["file_id"] == up["id"]
    c1, c2 = t.commission
    a = expect(start(t.manager, ver["id"], [{"order": 1, "rule": "any", "groups": ["commission"]},
                                            {"order": 2, "participants": [{"user_id": t.owner.id}]}]), 201)
    assert task_states(a) == {c1.id: "pending", c2.id: "pending", t.owner.id: "waiting"}
    a = expect(decide(c2, a["id"], "approve"), 200)
    assert task_states(a) == {c1.id: "not_required", c2.id: "approved", t.owner.id: "pending"}
    expect_error(decide(c1, a["id"], "approve"), 409, "task_closed")
    # a reject needs a comment where the type says so (422), and stops the route
    expect_error(decide(t.owner, a["id"], "reject"), 422, "comment_required")
    a = expect(decide(t.owner, a["id"], "reject", "цена выше рынка"), 200)
    assert a["state"] == "rejected" and a["steps"][1]["state"] == "rejected"
    texts = [m["text"] for m in t.manager.all_messages(t.chat("org")["chat_id"])]
    assert any("отклонён" in x and "цена выше рынка" in x for x in texts)
    expect_error(decide(t.owner, a["id"], "approve"), 409, "approval_not_pending")


def test_a_rejected_route_never_reaches_later_steps(server, admin_client, make_user):
    t = tender_with_suppliers(admin_client, make_user)
    a, ver, ivanova, petrov, kononov = sequential_route(t)
    a = expect(decide(ivanova, a["id"], "reject", "нет"), 200)
    assert a["state"] == "rejected"
    assert task_states(a)[petrov.id] == "not_required" and task_states(a)[kononov.id] == "not_required"
    assert expect(petrov.get("/api/v1/approvals"), 200)["approvals"] == []


def test_a_new_version_supersedes_a_pending_route(server, admin_client, make_user):
    t = tender_with_suppliers(admin_client, make_user)
    a, ver, ivanova, petrov, kononov = sequential_route(t)
    a = expect(decide(ivanova, a["id"], "approve"), 200)
    doc_id = ver["document_id"]
    number = expect(t.manager.get(f"/api/v1/documents/{doc_id}"), 200)["number"]
    up = post_file(t.manager, t.chat("org")["chat_id"], b"spec v2 " + uniq().encode(), "spec.pdf")
    v2 = expect(t.manager.post(f"/api/v1/objects/{t.obj['id']}/documents", json={
        "file_id": up["id"], "doc_type": "specification", "number": number}), 201)["version"]
    assert v2["n"] == 2
    a = expect(t.manager.get(f"/api/v1/approvals/{a['id']}"), 200)
    assert a["state"] == "superseded" and a["version_id"] == ver["id"] and a["file_sha256"] == ver["sha256"]
    assert task_states(a)[ivanova.id] == "approved" and task_states(a)[petrov.id] == "superseded"
    expect_error(decide(petrov, a["id"], "approve"), 409, "approval_not_pending")
    # the old version cannot be put up again; the new one can
    expect_error(start(t.manager, ver["id"], [{"order": 1, "participants": [{"user_id": petrov.id}]}]), 409, "version_superseded")
    expect(start(t.manager, v2["id"], [{"order": 1, "participants": [{"user_id": petrov.id}]}]), 201)
    expect_error(start(t.manager, v2["id"], [{"order": 1, "participants": [{"user_id": petrov.id}]}]), 409, "approval_pending")


def test_groups_are_frozen_and_bad_routes_are_refused(server, admin_client, make_user):
    t = tender_with_suppliers(admin_client, make_user)
    up = post_file(t.manager, t.chat("org")["chat_id"], b"g " + uniq().encode(), "g.pdf")
    ver = documents(t.manager, t.obj["id"])[0]["versions"][-1]
    assert ver["file_id"] == up["id"]
    for bad, status, code in (
            ([], 400, None), ([{"order": 1}], 400, "no_participants"),
            ([{"order": 1, "rule": "most", "participants": [{"user_id": t.owner.id}]}], 400, None),
            ([{"order": 1, "rule": "n_of_m", "n": 5, "participants": [{"user_id": t.owner.id}]}], 400, None),
            ([{"order": 1, "groups": ["king"]}], 400, None),
            ([{"order": 1, "participants": [{"user_id": make_user().id}]}], 400, "participant_not_in_object"),
            ([{"order": 1, "participants": [{"user_id": t.a_users[0].id}]}], 400, "participant_not_in_object"),
            ([{"order": 1, "participants": [{"user_id": MISSING}]}], 404, "user_not_found")):
        expect_error(start(t.manager, ver["id"], bad), status, code)
    expect_error(start(t.manager, ver["id"], [{"order": 1, "participants": [{"user_id": t.owner.id}]}], deadline_at=1000), 400)
    expect_error(start(t.a_users[0], ver["id"], [{"order": 1, "participants": [{"user_id": t.owner.id}]}]), 404)
    expect_error(start(t.manager, MISSING, [{"order": 1, "participants": [{"user_id": t.owner.id}]}]), 404)
    a = expect(start(t.manager, ver["id"], [{"order": 1, "groups": ["commission"]}]), 201)
    before = set(task_states(a))
    # the commission changes after the start: the route's participants do not
    newcomer = make_user()
    t.commission.append(newcomer)
    t.upsert()
    a = expect(t.manager.get(f"/api/v1/approvals/{a['id']}"), 200)
    assert set(task_states(a)) == before and newcomer.id not in before
    expect_error(decide(newcomer, a["id"], "approve"), 403, "not_a_participant")
    # the initiator cancels; others cannot
    expect_error(t.commission[0].post(f"/api/v1/approvals/{a['id']}/cancel"), 403, "not_the_initiator")
    assert expect(t.manager.post(f"/api/v1/approvals/{a['id']}/cancel"), 200)["state"] == "cancelled"


def test_a_route_expires_at_its_deadline_even_across_a_restart(fresh_server, make_user):
    from veche_harness import make_user as mk
    admin = fresh_server.admin()
    t = Tender(admin, lambda **kw: mk(fresh_server, admin, **kw))
    t.upsert()
    up = post_file(t.manager, t.chat("org")["chat_id"], b"late " + uniq().encode(), "late.pdf")
    ver = documents(t.manager, t.obj["id"])[0]["versions"][-1]
    assert ver["file_id"] == up["id"]
    deadline = int(time.time() * 1000) + 4000
    a = expect(start(t.manager, ver["id"], [{"order": 1, "participants": [{"user_id": t.owner.id}]}], deadline_at=deadline), 201)
    assert a["deadline_at"] == deadline
    jobs = expect(admin.get("/api/v1/admin/jobs", params={"kind": "objects.approval_deadline", "limit": "50"}), 200)["jobs"]
    assert any(j["payload"] == {"approval_id": a["id"]} and j["due_at"] == deadline for j in jobs)
    fresh_server.restart()
    wait_until(lambda: expect(t.manager.get(f"/api/v1/approvals/{a['id']}"), 200)["state"] == "expired",
               timeout=30, desc="the route expired")
    a = expect(t.manager.get(f"/api/v1/approvals/{a['id']}"), 200)
    assert a["finished_at"] >= deadline and task_states(a)[t.owner.id] == "expired"
    expect_error(decide(t.owner, a["id"], "approve"), 409, "approval_not_pending")
    texts = [m["text"] for m in t.manager.all_messages(t.chat("org")["chat_id"])]
    assert any("Срок согласования" in x for x in texts)


def test_the_default_deadline_is_working_days_with_a_reminder_a_working_day_before(server, admin_client, make_user):
    t = tender_with_suppliers(admin_client, make_user)
    up = post_file(t.manager, t.chat("org")["chat_id"], b"d " + uniq().encode(), "d.pdf")
    ver = documents(t.manager, t.obj["id"])[0]["versions"][-1]
    assert ver["file_id"] == up["id"]
    a = expect(start(t.manager, ver["id"], [{"order": 1, "participants": [{"user_id": t.owner.id}]}]), 201)
    now = int(time.time() * 1000)
    assert a["deadline_at"] >= now + 3 * 86_400_000 - 60_000  # three working days are at least three days
    jobs = expect(admin_client.get("/api/v1/admin/jobs", params={"kind": "objects.approval_reminder", "limit": "200"}),
                  200)["jobs"]
    remind = next(j for j in jobs if j["payload"] == {"approval_id": a["id"]})
    assert now < remind["due_at"] < a["deadline_at"] and a["deadline_at"] - remind["due_at"] >= 86_400_000


def test_the_reminder_fires_a_day_before_the_deadline_to_whoever_has_not_decided(server, admin_client, make_user):
    t = tender_with_suppliers(admin_client, make_user)
    chat = t.chat("org")["chat_id"]
    up = post_file(t.manager, chat, b"r " + uniq().encode(), "r.pdf")
    ver = documents(t.manager, t.obj["id"])[0]["versions"][-1]
    assert ver["file_id"] == up["id"]
    # An explicit deadline a day and two seconds away: its reminder is due in two seconds.
    deadline = int(time.time() * 1000) + 86_400_000 + 2000
    a = expect(start(t.manager, ver["id"], [{"order": 1, "rule": "all",
                                              "participants": [{"user_id": t.owner.id}, {"user_id": t.commission[0].id}]}],
                     deadline_at=deadline), 201)
    expect(decide(t.owner, a["id"], "approve"), 200)
    owner_ws, waiting_ws = WsClient(server, t.owner), WsClient(server, t.commission[0])

    def reminders():
        return [m["text"] for m in t.manager.all_messages(chat) if m["text"].startswith("Напоминание")]
    wait_until(lambda: reminders(), timeout=30, desc="the reminder posted")
    [text] = reminders()
    assert a["title"] in text and "рабочий день" in text
    ev = waiting_ws.wait_for(lambda f: f.get("kind") == "objects.approval_reminder" and f["data"]["id"] == a["id"],
                             desc="the reminder to the one still deciding")
    assert ev["data"]["state"] == "pending"
    # The owner has decided: the reminder reaches them as staff, on the object's topic, and never as
    # a task of their own (a frame without the topic).
    owner_ws.wait_for(lambda f: f.get("kind") == "objects.approval_reminder", desc="the staff's reminder")
    owner_ws.ping()
    owner_frames = [f for f in owner_ws.frames if f.get("kind") == "objects.approval_reminder"]
    assert owner_frames and all(f.get("topic") == f"object:{t.obj['id']}" for f in owner_frames)
    assert expect(t.manager.get(f"/api/v1/approvals/{a['id']}"), 200)["state"] == "pending"


def test_the_assistant_s_approve_button_decides_once(server, admin_client, make_user):
    import threading
    t = tender_with_suppliers(admin_client, make_user)
    a, ver, ivanova, petrov, kononov = sequential_route(t)
    org = t.chat("org")["chat_id"]
    msg = next(m for m in reversed(t.manager.all_messages(org)) if m.get("buttons"))
    assert "направлен на согласование" in msg["text"]
    labels = [b["label"] for b in msg["buttons"][0]]
    assert labels == ["Согласовать", "Открыть документ"]
    assert msg["buttons"][0][1]["link"] == f"/objects/{t.obj['id']}?document={ver['document_id']}"
    # someone not on the step clicks: told why, nothing changes
    r = expect(petrov.post(f"/api/v1/messages/{msg['id']}/interactions", json={"row": 0, "col": 0}), 200)
    assert r["alert"] and "participant" in r["alert"]
    assert task_states(expect(t.manager.get(f"/api/v1/approvals/{a['id']}"), 200))[petrov.id] == "waiting"
    # Ivanova double-clicks: one decision
    answers = []

    def click():
        answers.append(ivanova.post(f"/api/v1/messages/{msg['id']}/interactions", json={"row": 0, "col": 0}))

    threads = [threading.Thread(target=click) for _ in range(2)]
    [th.start() for th in threads]
    [th.join() for th in threads]
    assert all(x.status_code == 200 for x in answers), [x.text for x in answers]
    assert len({x.json()["interaction_id"] for x in answers}) == 1
    a = expect(t.manager.get(f"/api/v1/approvals/{a['id']}"), 200)
    assert task_states(a)[ivanova.id] == "approved" and task_states(a)[petrov.id] == "pending"
    # the next step's note carries the button for Petrov and Kononov
    nxt = next(m for m in reversed(t.manager.all_messages(org)) if m.get("buttons"))
    assert nxt["id"] != msg["id"] and "пройден" in nxt["text"]
