"""Communities' content: the feed, discussion topics, articles and the catalogue (docs/api.md "Expert
network (EXP)", "Communities' content"; MODULES.md §3.7 acceptance 16)."""

import struct
import zlib

from experts_helpers import API, Network, notices
from veche_harness import expect, expect_error, uniq, wait_until

HOSTILE = ('<p onclick="steal()">Текст</p><script>alert(1)</script><img src="x" onerror="alert(2)">'
           '<a href="javascript:alert(3)">ссылка</a><a href="jav&#x61;script:alert(4)">b</a>'
           '<style>body{display:none}</style><iframe src="https://evil.test"></iframe>'
           '<p style="position:fixed">стиль</p><svg onload="alert(5)"></svg>')


def assert_clean(html):
    low = html.lower()
    for bad in ("<script", "onerror", "onclick", "onload", "javascript:", "<style", "<iframe", "style=", "<svg",
                "alert("):
        assert bad not in low, f"{bad!r} survived sanitizing: {html!r}"


def tiny_png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00\xff")) + chunk(b"IEND", b""))


def subscriber(net):
    u = net.make_user()
    expect(u.post(f"{API}/communities/{net.community['id']}/subscription"), 200)
    return u


def test_feed_posts_are_sanitized_paged_and_members_only(admin_client, make_user):
    net = Network(admin_client, make_user)
    cid = net.community["id"]
    member, passer_by = subscriber(net), make_user()
    post = expect(member.post(f"{API}/communities/{cid}/feed",
                              json={"text": HOSTILE, "links": ["https://wiki.test/pump"]}), 201)
    assert_clean(post["text"])
    assert "<p>Текст</p>" in post["text"] and "ссылка" in post["text"]
    assert post["kind"] == "post" and post["author_id"] == member.id and post["links"] == ["https://wiki.test/pump"]
    # reading is for anyone who sees the community; posting for its members
    expect_error(passer_by.post(f"{API}/communities/{cid}/feed", json={"text": "hi"}), 403, "forbidden")
    expect_error(member.post(f"{API}/communities/{cid}/feed", json={"text": "<script>x</script>"}), 422,
                 "field_required")
    expect_error(member.post(f"{API}/communities/{cid}/feed", json={"text": "x", "links": ["javascript:alert(1)"]}),
                 422, "invalid_link")
    expect_error(member.post(f"{API}/communities/{cid}/feed", json={"text": "x" * 20001}), 413)
    expect_error(member.post(f"{API}/communities/{cid}/feed", json={"text": 5}), 400)
    for i in range(4):
        expect(net.curator.post(f"{API}/communities/{cid}/feed", json={"text": f"пост {i}"}), 201)
    page = expect(passer_by.get(f"{API}/communities/{cid}/feed", params={"limit": 3}), 200)
    assert [i["text"] for i in page["items"]] == ["пост 3", "пост 2", "пост 1"]
    rest = expect(passer_by.get(f"{API}/communities/{cid}/feed", params={"before": page["next_before"]}), 200)
    assert [i["text"] for i in rest["items"]][0] == "пост 0" and rest["items"][-1]["id"] == post["id"]
    # a members-only community's feed is not there for outsiders
    closed = Network(admin_client, make_user, visibility="members")
    expect_error(passer_by.get(f"{API}/communities/{closed.community['id']}/feed"), 404, "community_not_found")
    expect_error(passer_by.post(f"{API}/communities/{closed.community['id']}/feed", json={"text": "x"}), 404)


def test_topics_are_chats_of_their_own_kind_and_joining_joins_the_chat(admin_client, make_user):
    net = Network(admin_client, make_user)
    cid = net.community["id"]
    author, reader = subscriber(net), make_user()
    expect_error(author.post(f"{API}/communities/{cid}/topics", json={}), 422, "field_required")
    expect_error(reader.post(f"{API}/communities/{cid}/topics", json={"title": "Чужая тема"}), 403)
    topic = expect(author.post(f"{API}/communities/{cid}/topics", json={"title": "Износ подшипников"}), 201)
    assert topic["joined"] is True and topic["title"] == "Износ подшипников"
    chats = {c["id"]: c for c in expect(author.get("/api/v1/chats"), 200)["chats"]}
    assert chats[topic["chat_id"]]["kind"] == "community_topic"
    assert topic["chat_id"] not in [c["id"] for c in expect(reader.get("/api/v1/chats"), 200)["chats"]]
    listed = expect(reader.get(f"{API}/communities/{cid}/topics"), 200)["topics"]
    assert [t["id"] for t in listed] == [topic["id"]] and listed[0]["joined"] is False
    joined = expect(reader.post(f"{API}/topics/{topic['id']}/join"), 200)
    assert joined["joined"] is True and joined["members"] == topic["members"] + 1
    assert expect(reader.post(f"{API}/topics/{topic['id']}/join"), 200)["members"] == joined["members"]  # idempotent
    msg = expect(reader.post(f"/api/v1/chats/{topic['chat_id']}/messages", json={"text": "Меняли на SKF"}), 201)
    assert msg["text"] == "Меняли на SKF"
    texts = [m["text"] for m in expect(author.get(f"/api/v1/chats/{topic['chat_id']}/messages"), 200)["messages"]]
    assert "Меняли на SKF" in texts
    expect_error(reader.post(f"{API}/topics/987654321987654321/join"), 404, "topic_not_found")
    closed = Network(admin_client, make_user, visibility="members")
    t2 = expect(closed.curator.post(f"{API}/communities/{closed.community['id']}/topics", json={"title": "T"}), 201)
    expect_error(reader.post(f"{API}/topics/{t2['id']}/join"), 404, "topic_not_found")


def test_best_practice_review_and_the_catalogue_with_russian_stemming(admin_client, make_user):
    """Acceptance 16: draft → in_review → published; only published ones are in the catalogue, which
    finds "ремонт" when asked for "ремонта"."""
    net = Network(admin_client, make_user)
    cid = net.community["id"]
    author, reader = subscriber(net), make_user()
    word = uniq("w")  # a word of this test only, so the shared catalogue answers this test's articles
    body = {"kind": "best_practice", "title": f"Ремонт насоса {word}", "summary": "Как мы сократили простой",
            "body": "<h2>Шаги</h2><p>Плановый ремонт каждые 2000 часов.</p>" + HOSTILE,
            "slides": ["<h1>Слайд 1</h1><script>x</script>", "<p onclick=\"x\">Слайд 2</p>"]}
    a = expect(author.post(f"{API}/communities/{cid}/articles", json=body), 201)
    assert a["state"] == "draft" and a["actions"] == ["update", "submit"]
    assert_clean(a["body"])
    assert "<h2>Шаги</h2>" in a["body"]
    assert a["slides"] == ["<h1>Слайд 1</h1>", "<p>Слайд 2</p>"]
    # a draft is its author's: others get 404, and the catalogue does not have it
    expect_error(reader.get(f"{API}/articles/{a['id']}"), 404, "article_not_found")
    assert expect(author.get(f"{API}/practices", params={"q": word}), 200)["articles"] == []
    # a second one that stays in review: matching words, never in the catalogue
    b = expect(author.post(f"{API}/communities/{cid}/articles",
                           json={**body, "title": f"Ремонт клапана {word}", "slides": []}), 201)
    expect(author.post(f"{API}/articles/{b['id']}/submit"), 200)

    expect_error(net.curator.post(f"{API}/articles/{a['id']}/publish"), 409, "invalid_state")  # a draft
    submitted = expect(author.post(f"{API}/articles/{a['id']}/submit"), 200)
    assert submitted["state"] == "in_review" and submitted["submitted_at"]
    assert any(f"Ремонт насоса {word}" in t for t in notices(net.curator))
    expect_error(author.patch(f"{API}/articles/{a['id']}", json={"title": "Другое"}), 409, "invalid_state")
    expect_error(author.post(f"{API}/articles/{a['id']}/publish"), 403, "forbidden")
    expect_error(reader.post(f"{API}/articles/{a['id']}/publish"), 404, "article_not_found")
    expect_error(net.curator.post(f"{API}/articles/{a['id']}/return", json={}), 422, "field_required")
    queue = expect(net.curator.get(f"{API}/communities/{cid}/articles", params={"state": "in_review"}), 200)
    assert {a["id"], b["id"]} <= {x["id"] for x in queue["articles"]}

    published = expect(net.curator.post(f"{API}/articles/{a['id']}/publish"), 200)
    assert published["state"] == "published" and published["reviewer_id"] == net.curator.id
    assert any("опубликован" in t for t in notices(author))
    # the catalogue across communities: Russian morphology, kind and community filters
    hits = expect(reader.get(f"{API}/practices", params={"q": f"ремонта {word}"}), 200)["articles"]
    assert [h["id"] for h in hits] == [a["id"]]
    assert "\ue000" in hits[0]["snippet"]
    assert expect(reader.get(f"{API}/practices", params={"q": f"насосы {word}"}), 200)["articles"][0]["id"] == a["id"]
    assert expect(reader.get(f"{API}/practices", params={"q": word, "kind": "success_story"}), 200)["articles"] == []
    listed = expect(reader.get(f"{API}/practices", params={"community": cid}), 200)["articles"]
    assert [x["id"] for x in listed] == [a["id"]] and "body" not in listed[0]
    expect_error(reader.get(f"{API}/practices", params={"kind": "gossip"}), 400)
    # published: readable by all who see the community, and an item of its feed
    assert expect(reader.get(f"{API}/articles/{a['id']}"), 200)["body"] == published["body"]
    feed = expect(reader.get(f"{API}/communities/{cid}/feed"), 200)["items"]
    assert feed[0]["kind"] == "article" and feed[0]["source_id"] == a["id"] and feed[0]["title"] == a["title"]

    archived = expect(author.post(f"{API}/articles/{a['id']}/archive"), 200)
    assert archived["state"] == "archived"
    assert expect(reader.get(f"{API}/practices", params={"q": word}), 200)["articles"] == []
    expect_error(reader.get(f"{API}/articles/{a['id']}"), 404, "article_not_found")


def test_returned_article_goes_back_to_its_author_and_validation(admin_client, make_user):
    net = Network(admin_client, make_user)
    cid = net.community["id"]
    author = subscriber(net)
    expect_error(author.post(f"{API}/communities/{cid}/articles", json={"kind": "best_practice"}), 422,
                 "field_required")
    expect_error(author.post(f"{API}/communities/{cid}/articles", json={"kind": "rumour", "title": "T"}), 422,
                 "invalid_kind")
    expect_error(author.post(f"{API}/communities/{cid}/articles",
                             json={"kind": "success_story", "title": "T", "body": "x" * 200001}), 413)
    expect_error(author.post(f"{API}/communities/{cid}/articles",
                             json={"kind": "success_story", "title": "T", "slides": ["s"] * 51}), 422,
                 "too_many_slides")
    expect_error(make_user().post(f"{API}/communities/{cid}/articles",
                                  json={"kind": "success_story", "title": "T"}), 403)
    a = expect(author.post(f"{API}/communities/{cid}/articles", json={"kind": "success_story", "title": "Итог"}), 201)
    expect_error(author.post(f"{API}/articles/{a['id']}/submit"), 422, "field_required")  # nothing written yet
    edited = expect(author.patch(f"{API}/articles/{a['id']}",
                                 json={"body": "<p>Запустили линию <b>за 3 дня</b></p><script>x</script>"}), 200)
    assert edited["body"] == "<p>Запустили линию <b>за 3 дня</b></p>"
    expect(author.post(f"{API}/articles/{a['id']}/submit"), 200)
    returned = expect(net.curator.post(f"{API}/articles/{a['id']}/return", json={"reason": "Добавьте цифры"}), 200)
    assert returned["state"] == "draft" and returned["return_reason"] == "Добавьте цифры"
    assert any("Добавьте цифры" in t for t in notices(author))
    assert expect(author.get(f"{API}/articles/{a['id']}"), 200)["actions"] == ["update", "submit"]
    expect_error(net.curator.patch(f"{API}/articles/{a['id']}", json={"title": "X"}), 403)


def test_article_files_are_the_authors_to_attach_and_follow_the_articles_visibility(admin_client, make_user):
    net = Network(admin_client, make_user)
    cid = net.community["id"]
    author, other = subscriber(net), subscriber(net)
    a = expect(author.post(f"{API}/communities/{cid}/articles",
                           json={"kind": "best_practice", "title": "Схема", "body": "<p>см. файл</p>"}), 201)
    png = tiny_png()
    f = expect(author.post(f"{API}/articles/{a['id']}/files?name=scheme.png", data=png), 201)
    assert f["name"] == "scheme.png" and f["content_type"] == "image/png" and f["url"] == f"/api/v1/files/{f['id']}"
    doc = expect(author.post(f"{API}/articles/{a['id']}/files?name=guide.txt", data=b"step 1, step 2"), 201)
    got = expect(author.get(f"{API}/articles/{a['id']}"), 200)
    assert [x["id"] for x in got["files"]] == [f["id"], doc["id"]]
    assert author.get(f"/api/v1/files/{doc['id']}").content == b"step 1, step 2"
    expect_error(other.post(f"{API}/articles/{a['id']}/files?name=x.txt", data=b"x"), 404, "article_not_found")
    expect_error(net.curator.post(f"{API}/articles/{a['id']}/files?name=x.txt", data=b"x"), 403)  # sees, not author
    expect_error(other.get(f"/api/v1/files/{doc['id']}"), 404, "file_not_found")  # a draft: not theirs to see
    expect_error(author.post(f"{API}/articles/{a['id']}/files", data=b"x"), 400)  # no name
    expect_error(author.post(f"{API}/articles/987654321987654321/files?name=x.txt", data=b"x"), 404)
    expect(author.post(f"{API}/articles/{a['id']}/submit"), 200)
    expect_error(author.post(f"{API}/articles/{a['id']}/files?name=late.txt", data=b"x"), 409, "invalid_state")
    expect(net.curator.post(f"{API}/articles/{a['id']}/publish"), 200)
    assert other.get(f"/api/v1/files/{doc['id']}").content == b"step 1, step 2"
    closed = Network(admin_client, make_user, visibility="members")
    b = expect(closed.curator.post(f"{API}/communities/{closed.community['id']}/articles",
                                   json={"kind": "success_story", "title": "T", "body": "<p>x</p>"}), 201)
    hidden = expect(closed.curator.post(f"{API}/articles/{b['id']}/files?name=h.txt", data=b"hidden"), 201)
    expect_error(other.get(f"/api/v1/files/{hidden['id']}"), 404, "file_not_found")
