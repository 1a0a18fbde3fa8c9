"""Files of a chat are for its members only (docs/api.md "Files (MSG-7)", "Access"): a non-member, a
removed member, and a member asking for someone else's unposted upload or for a file of a deleted
message all get 404 file_not_found, answered exactly as for an id that does not exist, whatever
they add to the request (Range, inline, HEAD). The chat's file list answers non-members 404
chat_not_found. Nothing they try changes anything."""

import pytest

from issue3_helpers import MISSING_CHAT, nonce
from test_files import (
    MISSING_FILE,
    download,
    list_files,
    png_bytes,
    post_files,
    text_bytes,
    upload,
)
from veche_harness import expect, expect_error, make_user

CHATS = ("chan", "group", "direct", "public")


class World:
    pass


@pytest.fixture(scope="module")
def world(server):
    w = World()
    w.owner = make_user(server)
    w.member = make_user(server)
    w.outsider = make_user(server)
    w.former = make_user(server)  # a member when the files were posted, removed since
    w.word = nonce()
    w.chats = {
        "chan": w.owner.create_chat("channel", visibility="private", member_ids=[w.member, w.former]),
        "group": w.owner.create_chat("group", member_ids=[w.member, w.former]),
        "direct": w.owner.direct(w.member),
        "public": w.owner.create_chat("channel", visibility="public", member_ids=[w.member, w.former]),
    }
    # per chat: posted (text, image), the owner's unposted upload, a file of a deleted message
    w.files = {}
    w.data = {}
    for key, chat in w.chats.items():
        c = chat["id"]
        txt_data = text_bytes(f"secret {key}")
        png_data = png_bytes(60, 30, seed=len(key))
        txt = upload(w.owner, c, txt_data, f"secret-{key}.txt")
        png = upload(w.member, c, png_data, f"secret-{key}.png")
        post_files(w.owner, c, [txt["id"]], f"{w.word} text {key}")
        post_files(w.member, c, [png["id"]], f"{w.word} image {key}")
        pending = upload(w.owner, c, text_bytes(f"pending {key}"), f"pending-{key}.txt")
        gone = upload(w.owner, c, png_bytes(20, 20, seed=9), f"gone-{key}.png")
        gm = post_files(w.owner, c, [gone["id"]], f"{w.word} deleted {key}")
        expect(w.owner.delete(f"/api/v1/messages/{gm['id']}"), 204)
        w.files[key] = {"txt": txt, "png": png, "pending": pending, "gone": gone}
        w.data[txt["id"]] = txt_data
        w.data[png["id"]] = png_data
    for key in ("chan", "group", "public"):
        expect(w.owner.delete(f"/api/v1/chats/{w.chats[key]['id']}/members/{w.former.id}"), 204)
    w.snapshot = snapshot(w)
    return w


def snapshot(w):
    return {key: [(f["id"], f["message_id"], f["name"]) for f in list_files(w.member, chat["id"])]
            for key, chat in w.chats.items()}


def all_ids(w, key):
    return [f["id"] for f in w.files[key].values()]


def _same_as_missing(resp, missing, what):
    """resp must be indistinguishable from the answer for an id that does not exist."""
    assert resp.status_code == missing.status_code == 404, (what, resp.status_code, resp.text[:300])
    err = expect_error(resp, 404, "file_not_found")
    assert err == missing.json()["error"], (what, err, missing.json())
    for h in ("Content-Disposition", "Content-Range", "Accept-Ranges"):
        assert h not in resp.headers, (what, h, resp.headers.get(h))
    assert "json" in resp.headers.get("Content-Type", ""), (what, resp.headers.get("Content-Type"))


VARIANTS = [
    ("download", "", {}),
    ("inline", "?inline=1", {}),
    ("range", "", {"Range": "bytes=0-9"}),
    ("suffix", "", {"Range": "bytes=-5"}),
    ("unsatisfiable", "", {"Range": "bytes=999999999-"}),  # a 416 would tell the size
    ("thumbnail", "/thumbnail", {}),
    ("thumbnail_range", "/thumbnail", {"Range": "bytes=0-1"}),
]


def _probe(client, fid, suffix, headers):
    path = f"/api/v1/files/{fid}" + (suffix if suffix.startswith("/") else "")
    query = suffix if suffix.startswith("?") else ""
    return client.get(path + query, headers=headers)


@pytest.mark.parametrize("who,key", [("outsider", k) for k in CHATS] +
                         [("former", k) for k in CHATS if k != "direct"])  # nobody leaves a direct chat
def test_non_members_get_404_for_every_file_of_the_chat(world, who, key):
    w = world
    caller = getattr(w, who)
    for fid in all_ids(w, key):
        for name, suffix, headers in VARIANTS:
            missing = _probe(caller, MISSING_FILE, suffix, headers)
            _same_as_missing(_probe(caller, fid, suffix, headers), missing, f"{who} {key} {fid} {name}")
    # guessed neighbours of real ids look the same too
    for fid in (str(int(all_ids(w, key)[0]) + 1), str(int(all_ids(w, key)[0]) - 1)):
        _same_as_missing(download(caller, fid), download(caller, MISSING_FILE), f"guess {fid}")
    # the chat's file list
    err = expect_error(caller.get(f"/api/v1/chats/{w.chats[key]['id']}/files"), 404, "chat_not_found")
    missing = expect_error(caller.get(f"/api/v1/chats/{MISSING_CHAT}/files"), 404, "chat_not_found")
    assert err == missing
    expect_error(caller.get(f"/api/v1/chats/{w.chats[key]['id']}/files",
                            params={"limit": 1, "before": w.files[key]["png"]["id"]}), 404, "chat_not_found")


def test_head_is_no_side_door(world):
    w = world
    probe = w.member.request("HEAD", f"/api/v1/files/{w.files['group']['txt']['id']}")
    assert probe.status_code == 200 and int(probe.headers["Content-Length"]) == w.files["group"]["txt"]["size"]
    for key in CHATS:
        for fid in all_ids(w, key):
            for path in (f"/api/v1/files/{fid}", f"/api/v1/files/{fid}/thumbnail"):
                r = w.outsider.request("HEAD", path)
                assert r.status_code == 404, (key, path, r.status_code)
                assert "Content-Disposition" not in r.headers
                assert r.headers.get("Content-Length") == w.outsider.request(
                    "HEAD", path.replace(fid, MISSING_FILE)).headers.get("Content-Length")


@pytest.mark.parametrize("key", CHATS)
def test_members_see_posted_files_only(world, key):
    w = world
    f = w.files[key]
    for who in (w.owner, w.member):
        for kind in ("txt", "png"):
            r = download(who, f[kind]["id"])
            assert r.status_code == 200 and r.content == w.data[f[kind]["id"]], (key, kind, who.username)
        t = who.get(f"/api/v1/files/{f['png']['id']}/thumbnail")
        assert t.status_code == 200 and t.content[:2] == b"\xff\xd8"
        # a file of a deleted message: gone for everybody, its uploader included
        for name, suffix, headers in VARIANTS:
            _same_as_missing(_probe(who, f["gone"]["id"], suffix, headers), _probe(who, MISSING_FILE, suffix, headers),
                             f"{key} deleted-message file {name}")
    # someone else's unposted upload
    for name, suffix, headers in VARIANTS:
        if name.startswith("thumbnail"):
            continue
        _same_as_missing(_probe(w.member, f["pending"]["id"], suffix, headers),
                         _probe(w.member, MISSING_FILE, suffix, headers), f"{key} pending {name}")
    assert download(w.owner, f["pending"]["id"]).status_code == 200, "the uploader sees the pending upload"
    listed = [x["id"] for x in list_files(w.member, w.chats[key]["id"])]
    assert listed == [f["png"]["id"], f["txt"]["id"]]


def test_unauthenticated(world):
    w = world
    fid = w.files["public"]["txt"]["id"]
    for path in (f"/api/v1/files/{fid}", f"/api/v1/files/{fid}/thumbnail",
                 f"/api/v1/chats/{w.chats['public']['id']}/files"):
        expect_error(w.member.get(path, auth=False), 401, "unauthenticated")
        expect_error(w.member.get(path, auth=False, headers={"Authorization": "Bearer vch_guessed"}), 401,
                     "unauthenticated")


def test_others_file_ids_cannot_be_posted_or_searched(world):
    w = world
    for who in ("outsider", "former"):
        caller = getattr(w, who)
        own = caller.create_chat("group")
        for key in CHATS:
            for fid in all_ids(w, key):
                expect_error(caller.post(f"/api/v1/chats/{own['id']}/messages",
                                         json={"text": "mine now", "file_ids": [fid]}), 404, "file_not_found")
        assert caller.all_messages(own["id"]) == []
        body = expect(caller.get("/api/v1/search", params={"query": w.word, "has_file": "true"}), 200)
        assert body["results"] == []
        for key in ("chan", "group"):
            expect_error(caller.get("/api/v1/search", params={"query": w.word, "chat_id": w.chats[key]["id"],
                                                              "has_file": "true"}), 404, "chat_not_found")
    # a member cannot post the owner's pending upload either
    for key in CHATS:
        expect_error(w.member.post(f"/api/v1/chats/{w.chats[key]['id']}/messages",
                                   json={"text": "", "file_ids": [w.files[key]["pending"]["id"]]}), 404,
                     "file_not_found")
    # nothing changed
    assert snapshot(w) == w.snapshot
    for key in CHATS:
        assert download(w.owner, w.files[key]["pending"]["id"]).status_code == 200
