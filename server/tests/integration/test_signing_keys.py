"""The server's signing keys (docs/api.md, "Signatures"): GET /.well-known/veche-signing-keys serves
a JWK set (RFC 7517; Ed25519 keys as RFC 8037 OKP) without authentication, even beside the web
client; the key is created once and survives restarts; `veche signing rotate-key` retires it (still
published, so what it signed still verifies) and makes the next; nodes sharing a database publish
one key.
"""

import base64
import hashlib
import os
import subprocess
import tempfile

import pytest
import requests

from veche_harness import STORAGE, VECHE_BIN, Server, drop_pg_database, new_pg_database

PATH = "/.well-known/veche-signing-keys"


def b64url_decode(text):
    assert "=" not in text, "JWK bytes are base64url without padding (RFC 7515 §2)"
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_set(server):
    r = requests.get(server.url(PATH), timeout=10)  # no token, no cookie
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"keys"}
    for jwk in body["keys"]:
        assert set(jwk) == {"kid", "kty", "crv", "x", "alg", "use", "created_at", "retired_at"}
        assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA" and jwk["use"] == "sig"
        public = b64url_decode(jwk["x"])
        assert len(public) == 32
        # kid: the first 16 hex digits of SHA-256 of the public key's bytes.
        assert jwk["kid"] == hashlib.sha256(public).hexdigest()[:16]
        assert isinstance(jwk["created_at"], int) and jwk["created_at"] > 0
        assert jwk["retired_at"] is None or isinstance(jwk["retired_at"], int)
    return body["keys"]


def run_cli(server, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VECHE_")}
    cmd = [VECHE_BIN, args[0], "--data", server.data_dir]
    if server.storage:
        cmd += ["--storage", server.storage]
    cmd += args[1:]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


def test_the_key_set_is_public_and_shaped_as_jwks(server):
    keys = key_set(server)
    assert len(keys) == 1
    assert keys[0]["retired_at"] is None
    # The route is not an API route of any session: a bad token changes nothing.
    r = requests.get(server.url(PATH), headers={"Authorization": "Bearer nonsense"}, timeout=10)
    assert r.status_code == 200 and r.json()["keys"] == keys
    assert requests.post(server.url(PATH), timeout=10).status_code == 405


def test_the_key_survives_a_restart_and_a_rotation_keeps_the_old_one(fresh_server):
    before = key_set(fresh_server)
    assert len(before) == 1
    fresh_server.restart()
    assert key_set(fresh_server) == before

    fresh_server.stop()
    rotated = run_cli(fresh_server, "signing", "rotate-key")
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    fresh_server.start()
    after = key_set(fresh_server)
    assert len(after) == 2
    assert after[0]["retired_at"] is None and after[0]["kid"] != before[0]["kid"]
    assert after[0]["kid"] in rotated.stdout
    assert after[1]["kid"] == before[0]["kid"] and after[1]["x"] == before[0]["x"]
    assert isinstance(after[1]["retired_at"], int)


def test_the_route_is_not_shadowed_by_the_web_client():
    web = tempfile.mkdtemp(prefix="veche-web-")
    with open(os.path.join(web, "index.html"), "w") as f:
        f.write("<!doctype html><title>shell</title>")
    srv = Server(extra_env={"VECHE_WEB_DIR": web})
    try:
        srv.start()
        assert len(key_set(srv)) == 1
        shell = requests.get(srv.url("/some/client/route"), timeout=10)
        assert shell.status_code == 200 and "shell" in shell.text
    finally:
        srv.cleanup()


@pytest.mark.skipif(STORAGE != "postgresql", reason="nodes share a database in cluster mode (PostgreSQL)")
def test_nodes_sharing_a_database_publish_one_key(tmp_path):
    db = new_pg_database()
    files = str(tmp_path / "files")
    nodes = []
    try:
        for _ in range(2):
            nodes.append(Server(storage=db, data_dir=files).start())
        a, b = (key_set(n) for n in nodes)
        assert len(a) == 1 and a == b
    finally:
        for n in nodes:
            n.cleanup()
        drop_pg_database(db)
