"""Uploads (issue 10, point 10): the per-user quota (413 quota_exceeded), a full disk (507
storage_full), the background cleanup of uploads never posted, and thumbnails only for images whose
header declares a sane size."""

import os
import socket
import struct
import time
import zlib

import pytest

from test_files import (
    MiB,
    download,
    png_bytes,
    post_files,
    sha,
    stored_paths,
    tmp_leftovers,
    upload,
    upload_path,
    upload_raw,
)
from veche_harness import Server, expect, expect_error, make_user, wait_until


def storage_of(client):
    return expect(client.get("/api/v1/users/me/storage"), 200)


def thumbnail_paths(data_dir, digest):
    d = os.path.join(data_dir, "files", "thumbs")
    return [os.path.join(d, n) for n in os.listdir(d) if n.startswith(digest)] if os.path.isdir(d) else []


def raw_head(srv, client, chat_id, length, name="big.bin", timeout=30):
    """Send only a request head declaring `length` bytes; return what the server answers."""
    head = (f"POST {upload_path(chat_id, name)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {client.token}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    got = b""
    try:
        s.sendall(head)
        while b"\r\n\r\n" not in got or len(got) < got.find(b"\r\n\r\n") + 4 + 20:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    finally:
        s.close()
    return got


def server_with(**env):
    srv = Server(extra_env={k: str(v) for k, v in env.items()})
    srv.start()
    return srv


@pytest.fixture(scope="module")
def quota_server():
    srv = server_with(VECHE_UPLOAD_QUOTA_MB=1)
    yield srv
    srv.cleanup()


def test_quota_refuses_uploads_over_it_and_leaves_nothing(quota_server):
    srv = quota_server
    owner = make_user(srv)
    other = make_user(srv)
    chat = owner.create_chat("group", member_ids=[other])
    assert storage_of(owner) == {"used_bytes": 0, "quota_bytes": MiB, "max_file_bytes": 100 * MiB}

    first = os.urandom(600 * 1024)
    upload(owner, chat["id"], first, "first.bin")
    assert storage_of(owner)["used_bytes"] == len(first)

    # Declared by Content-Length: refused before the body is read.
    declared = os.urandom(600 * 1024)
    expect_error(upload_raw(owner, chat["id"], declared, "declared.bin"), 413, "quota_exceeded")
    # Streamed without a length: refused when the stream passes the quota.
    streamed = os.urandom(600 * 1024)

    def gen():
        for i in range(0, len(streamed), 64 * 1024):
            yield streamed[i:i + 64 * 1024]

    try:
        r = upload_raw(owner, chat["id"], gen(), "streamed.bin")
        expect_error(r, 413, "quota_exceeded")
    except Exception as e:  # noqa: BLE001 - the server may close while the client still sends
        if "Connection" not in repr(e) and "Broken pipe" not in repr(e):
            raise
    wait_until(lambda: tmp_leftovers(srv.data_dir) == [], timeout=10, desc="files/tmp to be empty")
    for data in (declared, streamed):
        assert stored_paths(srv.data_dir, sha(data)) == [], "a refused upload was kept"
    assert storage_of(owner)["used_bytes"] == len(first)

    # What still fits is accepted; the quota is per user.
    rest = os.urandom(MiB - len(first))
    upload(owner, chat["id"], rest, "rest.bin")
    assert storage_of(owner)["used_bytes"] == MiB
    expect_error(upload_raw(owner, chat["id"], b"x", "one-more.bin"), 413, "quota_exceeded")
    upload(other, chat["id"], os.urandom(900 * 1024), "other.bin")
    assert storage_of(other)["used_bytes"] == 900 * 1024
    assert expect(srv.health(), 200)["status"] == "ok"


def test_storage_full_when_the_disk_has_no_room():
    srv = server_with(VECHE_MAX_UPLOAD_MB=1 << 20, VECHE_UPLOAD_QUOTA_MB=0)
    try:
        owner = make_user(srv)
        chat = owner.create_chat("group")
        assert storage_of(owner)["quota_bytes"] is None
        st = os.statvfs(srv.data_dir)
        free = st.f_bavail * st.f_frsize
        length = free + (8 << 30)
        if length > (1 << 40):
            pytest.skip("more than 1 TiB free: cannot declare a file larger than the disk")
        got = raw_head(srv, owner, chat["id"], length)
        assert got.startswith(b"HTTP/1.1 507"), got[:300]
        assert b'"storage_full"' in got, got[:600]
        wait_until(lambda: tmp_leftovers(srv.data_dir) == [], timeout=10, desc="files/tmp to be empty")
        assert expect(srv.health(), 200)["status"] == "ok"
    finally:
        srv.cleanup()


def test_unattached_uploads_are_removed_after_their_age():
    srv = server_with(VECHE_UPLOAD_ORPHAN_MAX_AGE_SECONDS=3, VECHE_MAINTENANCE_INTERVAL_SECONDS=1)
    try:
        owner = make_user(srv)
        chat = owner.create_chat("group")
        orphan_png = png_bytes(40, 30, seed=11)
        orphan = upload(owner, chat["id"], orphan_png, "orphan.png")
        assert orphan["thumbnail_url"], orphan
        posted_png = png_bytes(40, 30, seed=12)
        posted = upload(owner, chat["id"], posted_png, "posted.png")
        post_files(owner, chat["id"], [posted["id"]], "kept")
        shared = os.urandom(4096)
        shared_posted = upload(owner, chat["id"], shared, "shared-posted.bin")
        post_files(owner, chat["id"], [shared_posted["id"]], "shared")
        shared_orphan = upload(owner, chat["id"], shared, "shared-orphan.bin")
        assert stored_paths(srv.data_dir, sha(orphan_png)) and thumbnail_paths(srv.data_dir, sha(orphan_png))
        expect(download(owner, orphan["id"]), 200)
        used = storage_of(owner)["used_bytes"]

        wait_until(lambda: download(owner, orphan["id"]).status_code == 404, timeout=30,
                   interval=0.2, desc="the unattached upload to be removed")
        wait_until(lambda: download(owner, shared_orphan["id"]).status_code == 404, timeout=30,
                   interval=0.2, desc="the unattached copy of shared bytes to be removed")
        assert stored_paths(srv.data_dir, sha(orphan_png)) == [], "the bytes of a removed upload stayed"
        assert thumbnail_paths(srv.data_dir, sha(orphan_png)) == [], "its thumbnail stayed"
        # Posted files, and bytes another row still names, are never touched.
        assert download(owner, posted["id"]).content == posted_png
        assert expect(owner.get(f"/api/v1/files/{posted['id']}/thumbnail"), 200)
        assert download(owner, shared_posted["id"]).content == shared
        assert len(stored_paths(srv.data_dir, sha(shared))) == 1
        assert storage_of(owner)["used_bytes"] == used - len(orphan_png) - len(shared)
        # The same bytes uploaded again after their removal are stored anew.
        again = upload(owner, chat["id"], orphan_png, "again.png")
        assert download(owner, again["id"]).content == orphan_png
        assert expect(srv.health(), 200)["status"] == "ok"
    finally:
        srv.cleanup()


def huge_png(width, height):
    """A 1-bit grey PNG of one colour: tiny on disk (zlib), enormous when decoded."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    z = zlib.compressobj(9)
    idat = []
    rows_per_piece = 1000
    for y in range(0, height, rows_per_piece):
        idat.append(z.compress(row * min(rows_per_piece, height - y)))
    idat.append(z.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(idat)) + chunk(b"IEND", b"")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_huge_image_gets_no_thumbnail_and_costs_no_memory(server):
    owner = make_user(server)
    chat = owner.create_chat("group")
    # Warm the upload path (libvips, libmagic) so that first-use allocations do not count.
    upload(owner, chat["id"], png_bytes(32, 32, seed=3), "warm.png")
    data = huge_png(50_000, 50_000)
    assert len(data) < 2 * MiB
    before = rss_kib(server.proc.pid)
    f = upload(owner, chat["id"], data, "huge.png")
    after = rss_kib(server.proc.pid)
    assert f["content_type"] == "image/png"
    assert (f["width"], f["height"]) == (50_000, 50_000)
    assert f["thumbnail_url"] is None, f
    expect_error(owner.get(f"/api/v1/files/{f['id']}/thumbnail"), 404)
    assert after - before < 50 * 1024, f"RSS grew by {(after - before) // 1024} MiB"
    # An ordinary image still gets one.
    small = upload(owner, chat["id"], png_bytes(64, 48, seed=5), "fine.png")
    assert small["thumbnail_url"]
    assert expect(server.health(), 200)["status"] == "ok"
