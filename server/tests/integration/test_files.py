"""Files (docs/api.md "Files (MSG-7)"): streamed upload, type detection, image size and thumbnails,
safe names, Content-Disposition, ranged download, the upload size limit, posting files with
messages, the per-chat file list, search has_file and the message.created event.

Who may see which file (non-members, unposted uploads, deleted messages) is in
test_files_authorization.py, which reuses the helpers of this module."""

import hashlib
import os
import re
import socket
import struct
import time
import urllib.parse
import zlib

import pytest
import requests

from issue3_helpers import MISSING_CHAT, nonce
from veche_harness import (
    Server,
    expect,
    expect_error,
    make_user,
    wait_until,
)

MISSING_FILE = "999999999997"
MiB = 1 << 20


# ---------------------------------------------------------------------------------------------
# helpers (also used by test_files_authorization.py)


def png_bytes(width, height, seed=0):
    """A valid RGB PNG of the given size (zlib + struct, no imaging library)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows += bytes(((x * 3 + seed) & 0xFF, (y * 5 + seed) & 0xFF, ((x ^ y) + seed) & 0xFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b"")


def jpeg_size(data):
    """(width, height) from a JPEG's SOF marker, or None."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        seg_len = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + seg_len
    return None


def text_bytes(tag=""):
    return (f"Plain text notes {tag}\nline two\nline three\n" * 4).encode()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def upload_path(chat_id, name):
    if name is None:
        return f"/api/v1/chats/{chat_id}/files"
    return f"/api/v1/chats/{chat_id}/files?name={urllib.parse.quote(name, safe='')}"


def upload_raw(client, chat_id, data, name="file.bin", content_type="application/octet-stream", **kw):
    """POST the bytes; returns the response (no assertion)."""
    headers = dict(kw.pop("headers", {}) or {})
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.post(upload_path(chat_id, name), data=data, headers=headers, **kw)


def upload(client, chat_id, data, name="file.bin", **kw):
    """Upload and assert 201; returns the File."""
    return expect(upload_raw(client, chat_id, data, name, **kw), 201)


def post_files(client, chat_id, file_ids, text=""):
    return expect(client.post(f"/api/v1/chats/{chat_id}/messages", json={"text": text, "file_ids": list(file_ids)}),
                  201)


def download(client, file_id, **kw):
    return client.get(f"/api/v1/files/{file_id}", **kw)


def list_files(client, chat_id, **params):
    return expect(client.get(f"/api/v1/chats/{chat_id}/files", params=params), 200)["files"]


def stored_paths(data_dir, digest):
    """Every regular file under data_dir whose name is the SHA-256 of some bytes."""
    out = []
    for root, _dirs, files in os.walk(data_dir):
        out += [os.path.join(root, f) for f in files if f == digest]
    return out


def upload_tmp_dir(data_dir):
    return os.path.join(data_dir, "files", "tmp")


def tmp_leftovers(data_dir):
    d = upload_tmp_dir(data_dir)
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def assert_file_fields(f, *, chat_id, uploader, name, data, content_type, message_id=None):
    assert set(f) >= {"id", "chat_id", "message_id", "uploader_id", "name", "size", "content_type", "width",
                      "height", "url", "thumbnail_url", "created_at"}, f
    assert isinstance(f["id"], str) and f["id"].isdigit(), f
    assert f["chat_id"] == chat_id
    assert f["message_id"] == message_id
    assert f["uploader_id"] == uploader.id
    assert f["name"] == name
    assert f["size"] == len(data) and isinstance(f["size"], int)
    assert f["content_type"] == content_type, f
    assert f["url"] == f"/api/v1/files/{f['id']}", f
    assert isinstance(f["created_at"], int) and abs(f["created_at"] - time.time() * 1000) < 120_000, f


class People:
    pass


@pytest.fixture(scope="module")
def people(server):
    p = People()
    p.owner = make_user(server)
    p.member = make_user(server)
    p.guest = make_user(server)
    p.outsider = make_user(server)
    return p


@pytest.fixture(scope="module")
def small_server():
    """This module's own server, with max_upload_mb = 1, so that its data directory holds only what
    these tests put there."""
    srv = Server(extra_env={"VECHE_MAX_UPLOAD_MB": "1"})  # this server's environment only
    srv.start()
    yield srv
    # A clean SIGTERM shutdown after uploads is test_sigterm_after_uploads_exits_cleanly's business;
    # here it would only add its timeout to the suite if it hangs.
    srv.kill()
    srv.cleanup()


@pytest.fixture
def room(people):
    """A fresh group: owner, member, guest (read-only)."""
    chat = people.owner.create_chat("group", member_ids=[people.member])
    people.owner.add_members(chat["id"], [people.guest], role="guest")
    return chat


# ---------------------------------------------------------------------------------------------
# upload: fields, type detection, images


def test_upload_text_file_fields(people, room):
    owner = people.owner
    data = text_bytes("fields")
    f = upload(owner, room["id"], data, "notes.txt", content_type="text/plain")
    assert_file_fields(f, chat_id=room["id"], uploader=owner, name="notes.txt", data=data, content_type="text/plain")
    assert f["width"] == 0 and f["height"] == 0
    assert f["thumbnail_url"] is None
    r = download(owner, f["id"])
    assert r.status_code == 200 and r.content == data
    assert r.headers["Content-Type"].split(";")[0].strip() == "text/plain"
    # no thumbnail for text
    expect_error(owner.get(f"/api/v1/files/{f['id']}/thumbnail"), 404, "thumbnail_not_found")


def test_upload_png_size_and_thumbnail(people, room):
    owner = people.owner
    data = png_bytes(400, 300, seed=1)
    f = upload(owner, room["id"], data, "picture.png", content_type="image/png")
    assert_file_fields(f, chat_id=room["id"], uploader=owner, name="picture.png", data=data, content_type="image/png")
    assert (f["width"], f["height"]) == (400, 300)
    assert isinstance(f["thumbnail_url"], str) and f["thumbnail_url"].startswith("/api/v1/")
    for path in (f"/api/v1/files/{f['id']}/thumbnail", f["thumbnail_url"]):
        r = owner.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
        assert r.headers["Content-Type"].split(";")[0].strip() == "image/jpeg"
        assert r.content[:2] == b"\xff\xd8", r.content[:16]
        size = jpeg_size(r.content)
        assert size is not None, "thumbnail is not a parseable JPEG"
        assert max(size) == 320 and size[0] > size[1], f"a 400x300 image gives a 320 px thumbnail, got {size}"
    full = download(owner, f["id"])
    assert full.status_code == 200 and full.content == data
    assert full.headers["Content-Type"].split(";")[0].strip() == "image/png"


def test_content_type_comes_from_the_bytes_not_the_name(people, room):
    owner = people.owner
    png = png_bytes(40, 20, seed=2)
    f = upload(owner, room["id"], png, "notes.txt", content_type="text/plain")
    assert f["name"] == "notes.txt"
    assert f["content_type"] == "image/png"
    assert (f["width"], f["height"]) == (40, 20)
    assert f["thumbnail_url"] is not None
    r = owner.get(f"/api/v1/files/{f['id']}/thumbnail")
    assert r.status_code == 200 and r.content[:2] == b"\xff\xd8"

    txt = text_bytes("disguised")
    g = upload(owner, room["id"], txt, "x.png", content_type="image/png")
    assert g["name"] == "x.png"
    assert g["content_type"] == "text/plain"
    assert (g["width"], g["height"]) == (0, 0) and g["thumbnail_url"] is None
    expect_error(owner.get(f"/api/v1/files/{g['id']}/thumbnail"), 404, "thumbnail_not_found")
    r = download(owner, g["id"])
    assert r.headers["Content-Type"].split(";")[0].strip() == "text/plain"

    # the request Content-Type is ignored, even application/json with a non-JSON body
    h = upload(owner, room["id"], b"\x00\x01\x02 not json at all \xff\xfe", "blob.json", content_type="application/json")
    assert h["size"] == 22 and h["content_type"] != "application/json"
    # and so is its absence
    k = upload(owner, room["id"], txt, "plain.txt", content_type=None)
    assert k["content_type"] == "text/plain"


def test_large_upload_and_chunked_upload(server, people, room):
    owner = people.owner
    big = b"\0veche-random\0" + os.urandom(5 * MiB + 12345)  # no magic number by chance (1 in ~10^4 starts like zlib)
    t0 = time.monotonic()
    f = upload(owner, room["id"], big, "big.bin")
    assert f["size"] == len(big)
    assert f["content_type"] == "application/octet-stream"
    r = download(owner, f["id"])
    assert r.status_code == 200
    assert int(r.headers["Content-Length"]) == len(big)
    assert sha(r.content) == sha(big)
    assert stored_paths(server.data_dir, sha(big)), "the bytes are stored under their SHA-256"

    # streamed from a generator: requests sends it chunked (no Content-Length)
    piece = os.urandom(64 * 1024)
    chunks = [piece[i:] + piece[:i] for i in range(0, 48 * 7, 7)]  # 48 distinct 64 KiB chunks, 3 MiB
    whole = b"".join(chunks)

    def gen():
        yield from chunks

    resp = upload_raw(owner, room["id"], gen(), "streamed.bin")
    assert resp.request.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in resp.request.headers
    g = expect(resp, 201)
    assert g["size"] == len(whole) and g["name"] == "streamed.bin"
    r = download(owner, g["id"])
    assert r.status_code == 200 and sha(r.content) == sha(whole)
    assert time.monotonic() - t0 < 30


def test_same_bytes_twice_are_two_files(people, room):
    owner = people.owner
    data = text_bytes("twice")
    a = upload(owner, room["id"], data, "a.txt")
    b = upload(owner, room["id"], data, "b.txt")
    assert a["id"] != b["id"]
    assert (a["name"], b["name"]) == ("a.txt", "b.txt")
    assert download(owner, a["id"]).content == data and download(owner, b["id"]).content == data
    cd = download(owner, b["id"]).headers["Content-Disposition"]
    assert 'filename="b.txt"' in cd


# ---------------------------------------------------------------------------------------------
# names


def _safe_name(n):
    assert isinstance(n, str)
    assert "/" not in n and "\\" not in n, n
    assert len(n.encode("utf-8")) <= 255, len(n.encode("utf-8"))
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in n), repr(n)
    assert "\ufffd" not in n, f"name was cut inside a character: {n!r}"


NAME_CASES = [
    # (supplied, expected stored name or None = only check safety)
    ("../../etc/passwd", "passwd"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("a/b/c.txt", "c.txt"),
    ("/abs/olute.txt", "olute.txt"),
    ("..%2f..%2fescape.txt", "..%2f..%2fescape.txt"),  # (encoded once more: the server decodes once)
    ("ctl\x01na\x1fme\x7f.txt", "ctlname.txt"),
    ("line\r\nbreak\t.txt", "linebreak.txt"),
    ("Договор №5 (финал).pdf", "Договор №5 (финал).pdf"),
    ("a" * 996 + ".txt", None),
    ("я" * 500, None),  # 1000 bytes of two-byte characters: must be cut on a character boundary
    ("x/" + "ж" * 300 + ".txt", None),
    ("..", None),
    ("dir/..", None),
    ("C:\\Windows\\System32\\drivers\\etc\\hosts", "hosts"),
]


def test_names_are_reduced_to_a_safe_last_component(small_server):
    srv = small_server
    owner = make_user(srv)
    chat = owner.create_chat("group")
    before = set()
    for root, _d, files in os.walk(srv.tmp):
        before |= {os.path.join(root, f) for f in files}
    uploaded = []
    for i, (name, want) in enumerate(NAME_CASES):
        data = text_bytes(f"name case {i}")
        f = upload(owner, chat["id"], data, name)
        stored = f["name"]
        _safe_name(stored)
        if want is not None:
            assert stored == want, f"{name!r} -> {stored!r}, expected {want!r}"
        if name.startswith("a" * 996):
            assert len(stored.encode()) >= 200 and stored.startswith("a" * 200), "a long name is cut, not replaced"
        if name == "я" * 500:
            assert set(stored) == {"я"} and 100 <= len(stored) <= 127, stored
        uploaded.append((name, f, data))
        # the download's headers carry the safe name too
        r = download(owner, f["id"])
        assert r.status_code == 200 and r.content == data
        cd = r.headers["Content-Disposition"]
        m = re.search(r'filename="([^"]*)"', cd)
        assert m, cd
        assert "/" not in m.group(1) and "\\" not in m.group(1), cd
    post_files(owner, chat["id"], [f["id"] for _n, f, _d in uploaded[:10]])
    for _n, f, data in uploaded:
        r = owner.get(f"/api/v1/files/{f['id']}", headers={"Range": "bytes=0-0"})
        assert r.status_code == 206 and r.content == data[:1]

    # nothing was written outside the data directory, and no user-supplied name reached the disk
    d = srv.data_dir
    roots = [d, os.path.join(d, "files"), os.path.join(d, "files", "tmp"), os.path.join(d, "files", "thumbs"),
             os.getcwd()]
    for root in roots:
        for name, _f, _data in uploaded:
            for variant in (name, name.replace("\\", "/")):
                if variant.rstrip("/").split("/")[-1] in ("", ".", ".."):
                    continue  # names that point at directories (which exist anyway)
                target = os.path.normpath(os.path.join(root, variant))
                if os.path.normpath(target) in ("/etc/passwd", "/etc/hosts"):
                    continue  # the real system files, outside any data directory
                assert not os.path.lexists(target), f"upload named {variant!r} created {target}"
    after = set()
    for root, _d, files in os.walk(srv.tmp):
        after |= {os.path.join(root, f) for f in files}
    new = after - before
    real_data = os.path.realpath(d)
    for p in new:
        assert os.path.realpath(p).startswith(real_data + os.sep) or p in (srv.stdout_path, srv.stderr_path), p
    bad_basenames = {"passwd", "boot.ini", "c.txt", "olute.txt", "hosts", "ctlname.txt", "linebreak.txt",
                     "Договор №5 (финал).pdf"}
    for root, _dirs, files in os.walk(d):
        for fn in files:
            assert fn not in bad_basenames, os.path.join(root, fn)
    for _n, _f, data in uploaded:
        assert stored_paths(d, sha(data)), "bytes are stored by their SHA-256"


def test_content_disposition_keeps_cyrillic_names(people, room):
    owner = people.owner
    name = "Договор №5 (финал).pdf"
    data = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    f = upload(owner, room["id"], data, name)
    assert f["name"] == name
    assert f["content_type"] == "application/pdf"
    r = download(owner, f["id"])
    assert r.status_code == 200 and r.content == data
    # header values travel as latin-1 in http.client; the server must send pure ASCII here
    cd = r.headers["Content-Disposition"]
    cd.encode("ascii")
    assert cd.split(";")[0].strip().lower() == "attachment", cd
    star = re.search(r"filename\*=UTF-8''([^;\s]+)", cd, re.IGNORECASE)
    assert star, f"no filename*=UTF-8'' in {cd!r}"
    value = star.group(1)
    # RFC 5987 attr-chars or %XX only
    assert re.fullmatch(r"(?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-Fa-f]{2})+", value), value
    assert urllib.parse.unquote(value, encoding="utf-8", errors="strict") == name
    plain = re.search(r'filename="([^"]*)"', cd)
    assert plain, f"no ASCII fallback filename=\"…\" in {cd!r}"
    fallback = plain.group(1)
    assert fallback and all(0x20 <= ord(c) < 0x7F for c in fallback), fallback
    assert fallback.endswith(".pdf"), fallback
    # other download headers of the contract
    assert r.headers.get("Accept-Ranges") == "bytes"
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert "sandbox" in r.headers.get("Content-Security-Policy", ""), r.headers.get("Content-Security-Policy")


def test_inline_only_for_images(people, room):
    owner = people.owner
    png = upload(owner, room["id"], png_bytes(10, 10, seed=3), "i.png")
    html = upload(owner, room["id"], b"<!DOCTYPE html>\n<html><head><title>x</title></head><body>"
                                     b"<script>alert(document.cookie)</script></body></html>\n", "page.html")
    svg = upload(owner, room["id"], b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
                                    b'height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>\n',
                 "drawing.svg")
    assert html["content_type"] == "text/html"
    assert svg["content_type"] == "image/svg+xml"

    def disposition(fid, **params):
        r = download(owner, fid, params=params)
        assert r.status_code == 200
        assert r.headers.get("X-Content-Type-Options") == "nosniff"
        return r.headers["Content-Disposition"].split(";")[0].strip().lower()

    assert disposition(png["id"]) == "attachment"
    assert disposition(png["id"], inline="1") == "inline"
    assert disposition(html["id"], inline="1") == "attachment"
    assert disposition(svg["id"], inline="1") == "attachment"


# ---------------------------------------------------------------------------------------------
# download and ranges


def test_download_ranges(people, room):
    owner, member = people.owner, people.member
    data = os.urandom(100_003)
    size = len(data)
    f = upload(owner, room["id"], data, "ranges.bin")
    post_files(owner, room["id"], [f["id"]], "ranges")

    for who in (owner, member):
        r = download(who, f["id"])
        assert r.status_code == 200
        assert sha(r.content) == sha(data)
        assert int(r.headers["Content-Length"]) == size
        assert r.headers.get("Accept-Ranges") == "bytes"

    def ranged(spec):
        return download(member, f["id"], headers={"Range": spec})

    cases = [
        ("bytes=0-9", 0, 9),
        ("bytes=10-", 10, size - 1),
        ("bytes=-5", size - 5, size - 1),
        ("bytes=50000-50000", 50000, 50000),
        (f"bytes=100-{size + 1000}", 100, size - 1),  # end past the size is clamped
        (f"bytes=-{size * 2}", 0, size - 1),  # suffix longer than the file: all of it
    ]
    for spec, a, b in cases:
        r = ranged(spec)
        assert r.status_code == 206, (spec, r.status_code, r.text[:200])
        assert r.headers.get("Content-Range") == f"bytes {a}-{b}/{size}", (spec, r.headers.get("Content-Range"))
        assert r.content == data[a:b + 1], spec
        assert int(r.headers["Content-Length"]) == b - a + 1

    for spec in ("bytes=999999999-", f"bytes={size}-", f"bytes={size}-{size + 10}"):
        r = ranged(spec)
        assert r.status_code == 416, (spec, r.status_code)
        assert r.headers.get("Content-Range") == f"bytes */{size}", (spec, r.headers.get("Content-Range"))

    # several ranges: the whole file with 200
    r = ranged("bytes=0-9,20-29")
    assert r.status_code == 200 and sha(r.content) == sha(data)
    assert "Content-Range" not in r.headers

    # the connection stays usable after ranged and refused requests
    r = ranged("bytes=0-3")
    assert r.status_code == 206 and r.content == data[:4]


def test_head_download(people, room):
    owner = people.owner
    data = text_bytes("head")
    f = upload(owner, room["id"], data, "head.txt")
    r = owner.request("HEAD", f"/api/v1/files/{f['id']}")
    assert r.status_code == 200, r.status_code
    assert r.content == b""
    assert int(r.headers["Content-Length"]) == len(data)
    assert r.headers["Content-Type"].split(";")[0].strip() == "text/plain"
    assert "filename=" in r.headers.get("Content-Disposition", "")
    # the connection is still in sync afterwards
    assert download(owner, f["id"]).content == data


# ---------------------------------------------------------------------------------------------
# the upload size limit


def _no_trace_of(srv, chat_id, data, owner):
    wait_until(lambda: tmp_leftovers(srv.data_dir) == [], desc="files/tmp to be empty")
    assert stored_paths(srv.data_dir, sha(data)) == [], "an oversized upload was kept"
    assert list_files(owner, chat_id) == []


def test_oversized_upload_with_content_length(small_server):
    srv = small_server
    owner = make_user(srv)
    chat = owner.create_chat("group")
    data = os.urandom(2 * MiB)
    try:
        r = upload_raw(owner, chat["id"], data, "too-big.bin")
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"a declared oversized upload must get 413 file_too_large, got a connection error: {e!r}")
    expect_error(r, 413, "file_too_large")
    _no_trace_of(srv, chat["id"], data, owner)

    # exactly the limit is fine, one byte more is not
    exact = os.urandom(MiB)
    f = upload(owner, chat["id"], exact, "exact.bin")
    assert f["size"] == MiB
    over = os.urandom(MiB + 1)
    r = upload_raw(owner, chat["id"], over, "over.bin")
    expect_error(r, 413, "file_too_large")
    wait_until(lambda: tmp_leftovers(srv.data_dir) == [], desc="files/tmp to be empty")
    assert stored_paths(srv.data_dir, sha(over)) == []
    assert expect(srv.health(), 200)["status"] == "ok"


def test_oversized_chunked_upload(small_server):
    srv = small_server
    owner = make_user(srv)
    chat = owner.create_chat("group")
    piece = os.urandom(64 * 1024)
    chunks = [bytes([i]) + piece[1:] for i in range(40)]  # 2.5 MiB, no Content-Length
    data = b"".join(chunks)

    def gen():
        yield from chunks

    status = None
    try:
        r = upload_raw(owner, chat["id"], gen(), "stream-too-big.bin")
        assert r.request.headers.get("Transfer-Encoding") == "chunked"
        status = r.status_code
        expect_error(r, 413, "file_too_large")
    except (OSError, requests.RequestException):
        status = "connection closed"
    assert status in (413, "connection closed")
    _no_trace_of(srv, chat["id"], data, owner)

    # the server still serves, uploads included
    assert expect(srv.health(), 200)["status"] == "ok"
    ok = upload(owner, chat["id"], text_bytes("after"), "after.txt")
    post_files(owner, chat["id"], [ok["id"]])
    assert [f["id"] for f in list_files(owner, chat["id"])] == [ok["id"]]


def _raw_http(srv, request_head, body_after_continue=None, timeout=10):
    """Send a request head; if body_after_continue is given and the server answers 100 Continue, send
    the body. Returns everything the server sent until it closed the connection (or the deadline)."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    deadline = time.monotonic() + timeout
    got = b""
    sent_body = False
    try:
        s.sendall(request_head)
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            got += chunk
            if (body_after_continue is not None and not sent_body and got.startswith(b"HTTP/1.1 100")
                    and b"\r\n\r\n" in got):
                s.sendall(body_after_continue)
                sent_body = True
        return got
    finally:
        s.close()


def test_expect_100_continue(small_server):
    srv = small_server
    owner = make_user(srv)
    chat = owner.create_chat("group")
    path = upload_path(chat["id"], "continue.txt")

    # over the limit: refused with 413 before any body is sent (no 100 Continue)
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {owner.token}\r\n"
            f"Content-Length: {5 * MiB}\r\nExpect: 100-continue\r\n\r\n").encode()
    got = _raw_http(srv, head)
    assert got.startswith(b"HTTP/1.1 413"), got[:200]
    assert b"file_too_large" in got, got[:400]

    # a non-member is refused before the body too
    outsider = make_user(srv)
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {outsider.token}\r\n"
            f"Content-Length: 100\r\nExpect: 100-continue\r\n\r\n").encode()
    got = _raw_http(srv, head)
    assert got.startswith(b"HTTP/1.1 404"), got[:200]
    assert b"chat_not_found" in got and b"HTTP/1.1 100" not in got, got[:400]

    # allowed: 100 Continue, then the body, then 201
    body = text_bytes("continue")
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {owner.token}\r\n"
            f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n").encode()
    got = _raw_http(srv, head, body_after_continue=body)
    assert got.startswith(b"HTTP/1.1 100"), got[:200]
    assert b"HTTP/1.1 201" in got, got[:400]
    assert tmp_leftovers(srv.data_dir) == []


# ---------------------------------------------------------------------------------------------
# upload refusals


def test_upload_refusals(server, people, room):
    owner, member, guest, outsider = people.owner, people.member, people.guest, people.outsider
    c = room["id"]
    # The shared server's upload directory may hold other tests' uploads in flight: only what
    # this test's refused uploads could leave behind counts.
    tmp_before = set(tmp_leftovers(server.data_dir))
    expect_error(upload_raw(owner, c, b""), 400, "invalid_argument")
    expect_error(upload_raw(owner, c, text_bytes("noname"), name=None), 400, "invalid_argument")
    expect_error(upload_raw(owner, c, text_bytes("emptyname"), name=""), 400, "invalid_argument")
    expect_error(upload_raw(owner, "not-a-number", text_bytes("badid")), 400, "invalid_argument")

    refused = {}
    data = text_bytes("unauthenticated " + nonce())
    expect_error(upload_raw(owner, c, data, auth=False), 401, "unauthenticated")
    refused["unauth"] = data
    data = text_bytes("bad token " + nonce())
    expect_error(upload_raw(owner, c, data, auth=False, headers={"Authorization": "Bearer vch_nope"}), 401,
                 "unauthenticated")
    refused["badtoken"] = data
    data = text_bytes("guest " + nonce())
    expect_error(upload_raw(guest, c, data), 403, "forbidden")
    refused["guest"] = data
    data = text_bytes("outsider " + nonce())
    expect_error(upload_raw(outsider, c, data), 404, "chat_not_found")
    refused["outsider"] = data
    data = text_bytes("missing " + nonce())
    expect_error(upload_raw(owner, MISSING_CHAT, data), 404, "chat_not_found")
    refused["missing"] = data
    # a public channel the caller has not joined is no different
    pub = member.create_chat("channel", visibility="public")
    data = text_bytes("public non-member " + nonce())
    expect_error(upload_raw(outsider, pub["id"], data), 404, "chat_not_found")
    refused["public"] = data

    # archived chat
    arch = owner.create_chat("group", member_ids=[member])
    pending = upload(member, arch["id"], text_bytes("before archive"), "pending.txt")
    posted = upload(member, arch["id"], text_bytes("posted before archive"), "posted.txt")
    msg = post_files(member, arch["id"], [posted["id"]], "posted")
    expect(owner.post(f"/api/v1/chats/{arch['id']}/archive"), 200)
    data = text_bytes("archived " + nonce())
    expect_error(upload_raw(member, arch["id"], data), 403, "chat_archived")
    refused["archived"] = data
    expect_error(member.post(f"/api/v1/chats/{arch['id']}/messages", json={"text": "", "file_ids": [pending["id"]]}),
                 403, "chat_archived")
    # an archived chat is still readable, its files too
    r = download(owner, posted["id"])
    assert r.status_code == 200 and r.content == text_bytes("posted before archive")
    assert [f["id"] for f in list_files(owner, arch["id"])] == [posted["id"]]
    assert msg["files"][0]["id"] == posted["id"]

    for why, data in refused.items():
        assert stored_paths(server.data_dir, sha(data)) == [], f"refused upload ({why}) was stored"
    wait_until(lambda: set(tmp_leftovers(server.data_dir)) <= tmp_before,
               desc="no temporary file of a refused upload left behind")
    # nothing of it appears in the chat's list either
    assert list_files(owner, c) == []


# ---------------------------------------------------------------------------------------------
# posting files


def test_post_message_with_files(people, room):
    owner, member = people.owner, people.member
    c = room["id"]
    a = upload(owner, c, text_bytes("first"), "first.txt")
    b = upload(owner, c, png_bytes(30, 40, seed=4), "second.png")
    msg = post_files(owner, c, [a["id"], b["id"]], text="")
    assert msg["text"] == ""
    assert msg["author_id"] == owner.id
    got = {f["id"]: f for f in msg["files"]}
    assert set(got) == {a["id"], b["id"]} and len(msg["files"]) == 2
    for f, orig in ((got[a["id"]], a), (got[b["id"]], b)):
        assert f["message_id"] == msg["id"]
        for k in ("name", "size", "content_type", "width", "height", "url", "uploader_id", "chat_id"):
            assert f[k] == orig[k], k
    assert got[b["id"]]["thumbnail_url"] is not None and (got[b["id"]]["width"], got[b["id"]]["height"]) == (30, 40)

    # everywhere the message appears it carries its files
    for who in (owner, member):
        one = expect(who.get(f"/api/v1/messages/{msg['id']}"), 200)
        assert {f["id"] for f in one["files"]} == {a["id"], b["id"]}
        hist = who.history(c)["messages"]
        assert {f["id"] for f in [m for m in hist if m["id"] == msg["id"]][0]["files"]} == {a["id"], b["id"]}
    last = [x for x in member.chats() if x["id"] == c][0]["last_message"]
    assert last["id"] == msg["id"] and {f["id"] for f in last["files"]} == {a["id"], b["id"]}, last
    # text with files
    t = upload(owner, c, text_bytes("with text"), "t.txt")
    m2 = post_files(owner, c, [t["id"]], text="see attached **report**")
    assert m2["text"] == "see attached **report**" and [f["id"] for f in m2["files"]] == [t["id"]]
    # a plain message has no files
    plain = owner.send(c, "no files here")
    assert plain.get("files") == [], plain
    # empty text without files is still refused
    expect_error(owner.post(f"/api/v1/chats/{c}/messages", json={"text": ""}), 400, "invalid_argument")
    expect_error(owner.post(f"/api/v1/chats/{c}/messages", json={"text": "", "file_ids": []}), 400,
                 "invalid_argument")


def test_post_file_ids_refusals(people, room):
    owner, member = people.owner, people.member
    c = room["id"]
    other_chat = owner.create_chat("group", member_ids=[member])
    mine = upload(owner, c, text_bytes("mine"), "mine.txt")
    theirs = upload(member, c, text_bytes("theirs"), "theirs.txt")
    elsewhere = upload(owner, other_chat["id"], text_bytes("elsewhere"), "elsewhere.txt")
    used = upload(owner, c, text_bytes("used"), "used.txt")
    post_files(owner, c, [used["id"]])
    count = len(owner.all_messages(c))

    def refuse(ids, status, code, text=""):
        expect_error(owner.post(f"/api/v1/chats/{c}/messages", json={"text": text, "file_ids": ids}), status, code)

    refuse([theirs["id"]], 404, "file_not_found")
    refuse([mine["id"], theirs["id"]], 404, "file_not_found")
    refuse([elsewhere["id"]], 404, "file_not_found")
    refuse([used["id"]], 404, "file_not_found")
    refuse([MISSING_FILE], 404, "file_not_found", text="hello")
    many = [upload(owner, c, text_bytes(f"many {i}"), f"m{i}.txt")["id"] for i in range(11)]
    refuse(many, 400, "invalid_argument", text="too many")
    refuse(["not-a-number"], 400, "invalid_argument")
    refuse("not-a-list", 400, "invalid_argument")
    assert len(owner.all_messages(c)) == count, "a refused post created a message"

    # none of the refused files got attached: each can still be posted by its uploader
    m = post_files(owner, c, [mine["id"]] + many[:9])
    assert len(m["files"]) == 10
    post_files(member, c, [theirs["id"]])
    post_files(owner, other_chat["id"], [elsewhere["id"]])
    refuse([many[9], many[10], mine["id"]], 404, "file_not_found")
    assert len(post_files(owner, c, many[9:])["files"]) == 2, "a refused post attaches nothing"


# ---------------------------------------------------------------------------------------------
# visibility over the file's life


def test_access_follows_posting_and_deletion(server, people, room):
    owner, member, guest, outsider = people.owner, people.member, people.guest, people.outsider
    admin = server.admin()
    c = room["id"]
    owner.add_members(c, [admin])
    data = png_bytes(64, 48, seed=5)
    f = upload(member, c, data, "draft.png")
    fid = f["id"]

    def can(who):
        r = download(who, fid)
        t = who.get(f"/api/v1/files/{fid}/thumbnail")
        if r.status_code == 200:
            assert r.content == data and t.status_code == 200 and t.content[:2] == b"\xff\xd8"
            return True
        expect_error(r, 404, "file_not_found")
        expect_error(t, 404, "file_not_found")
        return False

    assert can(member)
    assert not can(owner), "before posting only the uploader may download"
    assert not can(guest) and not can(outsider)
    assert fid not in [x["id"] for x in list_files(member, c)], "unposted uploads are not listed"

    msg = post_files(member, c, [fid], "here it is")
    for who in (member, owner, guest, admin):
        assert can(who), who.username
    assert not can(outsider)
    assert [x["id"] for x in list_files(owner, c)] == [fid]
    assert list_files(guest, c)[0]["message_id"] == msg["id"]

    expect(owner.delete(f"/api/v1/messages/{msg['id']}"), 204)
    for who in (member, owner, guest, outsider):
        assert not can(who), f"{who.username} sees a file of a deleted message"
    for who in (member, owner, guest):
        assert list_files(who, c) == []

    restored = expect(admin.post(f"/api/v1/messages/{msg['id']}/restore"), 200)
    assert [x["id"] for x in restored["files"]] == [fid]
    for who in (member, owner, guest):
        assert can(who)
    assert not can(outsider)
    assert [x["id"] for x in list_files(member, c)] == [fid]

    # a member who leaves loses access; the file was posted, not "given" to them
    expect(owner.delete(f"/api/v1/chats/{c}/members/{guest.id}"), 204)
    assert not can(guest)


# ---------------------------------------------------------------------------------------------
# the chat's file list


def test_chat_file_list_newest_first_and_paging(people, room):
    owner, member = people.owner, people.member
    c = room["id"]
    posted = []
    for i, n in enumerate((1, 2, 1, 3)):
        ids = [upload(owner if i % 2 == 0 else member, c, text_bytes(f"list {i}.{j}"), f"l{i}-{j}.txt")["id"]
               for j in range(n)]
        post_files(owner if i % 2 == 0 else member, c, ids, f"batch {i}")
        posted += ids
    upload(owner, c, text_bytes("not posted"), "pending.txt")
    gone = upload(member, c, text_bytes("deleted"), "gone.txt")
    gm = post_files(member, c, [gone["id"]])
    expect(member.delete(f"/api/v1/messages/{gm['id']}"), 204)

    want = sorted(posted, key=int, reverse=True)
    full = list_files(member, c)
    assert [f["id"] for f in full] == want, "newest first, posted and not deleted only"
    assert all(f["chat_id"] == c and f["message_id"] for f in full)
    assert [f["id"] for f in list_files(owner, c, limit=200)] == want

    pages, before = [], None
    while True:
        params = {"limit": 2}
        if before:
            params["before"] = before
        page = list_files(owner, c, **params)
        assert len(page) <= 2
        if not page:
            break
        pages.append([f["id"] for f in page])
        before = page[-1]["id"]
    assert [x for p in pages for x in p] == want
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [f["id"] for f in list_files(owner, c, before=want[2], limit=50)] == want[3:]
    assert list_files(owner, c, before=want[-1]) == []

    for bad in ({"limit": 0}, {"limit": 201}, {"limit": "x"}, {"before": "x"}):
        expect_error(owner.get(f"/api/v1/chats/{c}/files", params=bad), 400, "invalid_argument")


# ---------------------------------------------------------------------------------------------
# search and real time


def test_search_has_file(people, room):
    owner, member = people.owner, people.member
    c = room["id"]
    word = nonce()
    plain = owner.send(c, f"report {word} without attachment")
    f = upload(owner, c, text_bytes("search"), "report.txt")
    with_file = post_files(owner, c, [f["id"]], f"report {word} attached")
    g = upload(member, c, text_bytes("search 2"), "other.txt")
    post_files(member, c, [g["id"]], "unrelated words")

    def ids(**params):
        body = expect(member.get("/api/v1/search", params={"query": word, **params}), 200)
        return [r["message"]["id"] for r in body["results"]]

    assert ids() == [with_file["id"], plain["id"]]
    assert ids(has_file="true") == [with_file["id"]]
    assert ids(has_file="true", chat_id=c) == [with_file["id"]]
    res = expect(member.get("/api/v1/search", params={"query": word, "has_file": "true"}), 200)["results"]
    assert [x["id"] for x in res[0]["message"]["files"]] == [f["id"]]


def test_websocket_message_created_carries_files(server, people, room, ws_factory):
    owner, member = people.owner, people.member
    c = room["id"]
    ws = ws_factory(server, member)
    start = ws.count()
    f = upload(owner, c, png_bytes(20, 20, seed=6), "live.png")
    ws.ping()
    leaked = [fr for fr in ws.snapshot()[start:] if f["id"] in repr(fr)]
    assert leaked == [], f"an unposted upload showed up on another member's socket: {leaked!r}"

    msg = post_files(owner, c, [f["id"]], "")
    ev = ws.wait_event("message.created", lambda e: e["data"]["id"] == msg["id"], start=start)
    assert ev["chat_id"] == c
    files = ev["data"]["files"]
    assert len(files) == 1
    got = files[0]
    assert got["id"] == f["id"] and got["message_id"] == msg["id"]
    for k in ("name", "size", "content_type", "width", "height", "url", "uploader_id"):
        assert got[k] == f[k], k
    assert got["thumbnail_url"] is not None


# ---------------------------------------------------------------------------------------------
# shutdown


def test_sigterm_after_uploads_exits_cleanly(fresh_server):
    """Uploads (type detection, thumbnails) must not keep the process from a clean exit (exit code 0,
    as after any SIGTERM: test_durability.py)."""
    srv = fresh_server
    owner = make_user(srv)
    chat = owner.create_chat("group")
    f = upload(owner, chat["id"], text_bytes("shutdown"), "s.txt")
    g = upload(owner, chat["id"], png_bytes(50, 50, seed=7), "s.png")
    post_files(owner, chat["id"], [f["id"], g["id"]])
    owner.close()
    rc = srv.stop(timeout=60)
    assert rc == 0, (f"SIGTERM after uploads: exit code {rc} (-9 = had to be killed)\n"
                     f"{srv.read_log('stderr')[-1500:]}")
