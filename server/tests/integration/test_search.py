"""Full-text search (docs/api.md "Messages" / "Search"): Russian/English stemming, Ё = Е, AND of
words, visibility (only the caller's chats), deletes/edits, filters, paging, snippets, literal query
syntax and errors."""

import re
import time

import pytest

from issue3_helpers import MISSING_CHAT, nonce
from veche_harness import expect, expect_error, make_user

HL_OPEN, HL_CLOSE = "\ue000", "\ue001"


class People:
    pass


@pytest.fixture(scope="module")
def people(server):
    """Users of this module only, so that a search over all of a user's chats sees only what this
    module posted (each test still works in its own chats and with its own words)."""
    p = People()
    p.me = make_user(server)
    p.colleague = make_user(server)
    p.stranger = make_user(server)
    return p


def search(client, query, **params):
    return expect(client.get("/api/v1/search", params={"query": query, **params}), 200)


def ids(client, query, **params):
    return [r["message"]["id"] for r in search(client, query, **params)["results"]]


def test_inflected_forms(people):
    me, col = people.me, people.colleague
    chat = me.create_chat("group", member_ids=[col])
    c = chat["id"]
    m_dogovor = col.send(c, "Подписали договор с поставщиком вчера")
    m_dogovory = me.send(c, "Проверьте ДОГОВОРЫ до пятницы")
    m_soglas = col.send(c, "Ждём согласование бюджета от финансов")
    m_approval = col.send(c, "Pending approval from the legal team")
    m_yolka = me.send(c, "Ёлка стоит в холле, ещё ёлочные игрушки")
    m_elka = me.send(c, "Елку привезли утром")

    def found(q):
        return set(ids(me, q, chat_id=c))

    assert found("договора") == {m_dogovor["id"], m_dogovory["id"]}, "«договора» finds «договор»"
    assert found("договоров") == {m_dogovor["id"], m_dogovory["id"]}
    assert found("ДОГОВОР") == {m_dogovor["id"], m_dogovory["id"]}, "case-insensitive"
    assert found("согласования") == {m_soglas["id"]}, "«согласования» finds «согласование»"
    assert found("approvals") == {m_approval["id"]}, '"approvals" finds "approval"'
    assert found("APPROVAL") == {m_approval["id"]}
    assert found("елка") == {m_yolka["id"], m_elka["id"]}, "Ё = Е"
    assert found("ёлку") == {m_yolka["id"], m_elka["id"]}
    assert found("ЁЛКА") == {m_yolka["id"], m_elka["id"]}
    assert found("поставщика") == {m_dogovor["id"]}
    assert found("бюджетом") == {m_soglas["id"]}
    assert found("teams") == {m_approval["id"]}
    assert found("самолёт") == set()


def test_all_words_must_match(people):
    me, col = people.me, people.colleague
    chat = me.create_chat("group", member_ids=[col])
    c = chat["id"]
    both = col.send(c, "Договор с поставщиком согласован")
    only_one = col.send(c, "Новый договор на аренду")
    other = col.send(c, "Поставщики опаздывают")
    assert set(ids(me, "договор", chat_id=c)) == {both["id"], only_one["id"]}
    assert ids(me, "договора поставщика", chat_id=c) == [both["id"]]
    assert ids(me, "поставщику договоров", chat_id=c) == [both["id"]], "word order does not matter"
    assert ids(me, "договор аренды", chat_id=c) == [only_one["id"]]
    assert ids(me, "договор поставщик бюджет", chat_id=c) == []
    assert set(ids(me, "поставщики", chat_id=c)) == {both["id"], other["id"]}


def test_only_chats_of_the_caller(server, people):
    me, col, stranger = people.me, people.colleague, people.stranger
    word = nonce()
    mine = me.create_chat("group", member_ids=[col])
    hit = col.send(mine["id"], f"Договор согласования {word}")
    # decoys with the same words: a private group of others, a private channel, a public channel
    decoy_group = col.create_chat("group", member_ids=[stranger])
    d1 = stranger.send(decoy_group["id"], f"Договор согласования {word}")
    decoy_chan = stranger.create_chat("channel", visibility="private", member_ids=[col])
    d2 = col.send(decoy_chan["id"], f"Договор согласования {word} канал")
    decoy_pub = stranger.create_chat("channel", visibility="public")
    d3 = stranger.send(decoy_pub["id"], f"Договор согласования {word} public")
    direct = col.direct(stranger)
    d4 = col.send(direct["id"], f"Договор согласования {word} лично")

    assert ids(me, word) == [hit["id"]]
    assert ids(me, f"договора {word}") == [hit["id"]]
    body = search(me, f"согласование {word}")
    assert [r["message"]["chat_id"] for r in body["results"]] == [mine["id"]]
    # control: the decoys are searchable by their members
    assert set(ids(col, word)) == {hit["id"], d1["id"], d2["id"], d4["id"]}
    assert set(ids(stranger, word)) == {d1["id"], d2["id"], d3["id"], d4["id"]}
    # joining the public channel makes it searchable; leaving a chat hides it again
    expect(me.post(f"/api/v1/chats/{decoy_pub['id']}/join"), 200)
    assert set(ids(me, word)) == {hit["id"], d3["id"]}
    expect(me.post(f"/api/v1/chats/{decoy_pub['id']}/leave"), 204)
    expect(me.post(f"/api/v1/chats/{mine['id']}/leave"), 204)
    assert ids(me, word) == []


def test_deleted_messages_leave_the_index(server, people):
    me, col = people.me, people.colleague
    admin = server.admin()
    word = nonce()
    chat = me.create_chat("group", member_ids=[col, admin])
    keep = col.send(chat["id"], f"keep {word}")
    gone = col.send(chat["id"], f"remove {word}")
    assert ids(me, word) == [gone["id"], keep["id"]], "newest first"
    expect(col.delete(f"/api/v1/messages/{gone['id']}"), 204)
    assert ids(me, word) == [keep["id"]]
    assert ids(me, f"remove {word}") == []
    assert ids(admin, f"remove {word}") == [], "not even for system admins"
    # restored: no longer deleted, so searchable again
    expect(admin.post(f"/api/v1/messages/{gone['id']}/restore"), 200)
    assert ids(me, word) == [gone["id"], keep["id"]]


def test_edits_are_reindexed(people):
    me, col = people.me, people.colleague
    word = nonce()
    chat = me.create_chat("group", member_ids=[col])
    m = col.send(chat["id"], f"встреча в понедельник {word}")
    assert ids(me, f"понедельник {word}") == [m["id"]]
    expect(col.patch(f"/api/v1/messages/{m['id']}", json={"text": f"встреча во вторник {word}"}), 200)
    assert ids(me, f"понедельник {word}") == [], "the old text is no longer found"
    res = search(me, f"вторника {word}")["results"]
    assert [r["message"]["id"] for r in res] == [m["id"]]
    assert res[0]["message"]["text"] == f"встреча во вторник {word}"
    assert ids(me, word) == [m["id"]], "indexed once, not twice"


def test_filters(people):
    me, col, stranger = people.me, people.colleague, people.stranger
    word = nonce()
    a = me.create_chat("group", member_ids=[col])
    b = me.create_chat("group", member_ids=[col])
    msgs = []
    for i, (who, chat) in enumerate([(me, a), (col, a), (col, b), (me, b), (col, a)]):
        msgs.append(who.send(chat["id"], f"отчёт номер {i} {word}"))
        time.sleep(0.03)
    all_ids = [m["id"] for m in reversed(msgs)]
    assert ids(me, word) == all_ids
    assert ids(me, word, chat_id=a["id"]) == [msgs[4]["id"], msgs[1]["id"], msgs[0]["id"]]
    assert ids(me, word, chat_id=b["id"]) == [msgs[3]["id"], msgs[2]["id"]]
    assert ids(me, word, author_id=col.id) == [msgs[4]["id"], msgs[2]["id"], msgs[1]["id"]]
    assert ids(me, word, author_id=me.id, chat_id=b["id"]) == [msgs[3]["id"]]
    assert ids(me, word, author_id=stranger.id) == []
    t = [m["created_at"] for m in msgs]
    assert t == sorted(t) and len(set(t)) == len(t)
    # from/to: a window strictly around messages 1..3 (no boundary ambiguity)
    window = ids(me, word, **{"from": t[1] - 10, "to": t[3] + 10})
    assert window == [msgs[3]["id"], msgs[2]["id"], msgs[1]["id"]]
    assert ids(me, word, **{"from": t[4] + 10}) == []
    assert ids(me, word, **{"to": t[0] - 10}) == []
    assert ids(me, word, **{"from": t[2] - 10}) == [msgs[4]["id"], msgs[3]["id"], msgs[2]["id"]]
    assert ids(me, word, **{"to": t[1] + 10, "chat_id": a["id"]}) == [msgs[1]["id"], msgs[0]["id"]]


def test_paging(people):
    me, col = people.me, people.colleague
    word = nonce()
    chat = me.create_chat("group", member_ids=[col])
    posted = [col.send(chat["id"], f"пункт {i} {word}")["id"] for i in range(30)]
    newest_first = list(reversed(posted))
    first = search(me, word)
    assert [r["message"]["id"] for r in first["results"]] == newest_first[:20], "default limit 20"
    assert first["next_before"] is not None

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 7}
        if cursor:
            params["before"] = cursor
        body = search(me, word, **params)
        pages += 1
        got = [r["message"]["id"] for r in body["results"]]
        assert len(got) <= 7
        seen += got
        cursor = body["next_before"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor.isdigit() and len(got) == 7
        assert pages < 10
    assert seen == newest_first, "every hit exactly once, newest first"
    assert pages == 5

    body = search(me, word, limit=100)
    assert len(body["results"]) == 30 and body["next_before"] is None
    body = search(me, word, limit=10, before=newest_first[9])
    assert [r["message"]["id"] for r in body["results"]] == newest_first[10:20]
    for bad in ({"limit": 0}, {"limit": 101}, {"limit": "x"}, {"before": "abc"}):
        expect_error(me.get("/api/v1/search", params={"query": word, **bad}), 400, "invalid_argument")


def test_snippet_highlights_the_match(people):
    me, col = people.me, people.colleague
    word = nonce()
    chat = me.create_chat("group", member_ids=[col])
    m = col.send(chat["id"], f"Проект договора с поставщиком {word} уже на согласовании")
    (res,) = search(me, f"договор {word}")["results"]
    assert res["message"]["id"] == m["id"] and res["message"]["text"] == m["text"]
    snip = res["snippet"]
    assert f"{HL_OPEN}договора{HL_CLOSE}" in snip, repr(snip)
    assert f"{HL_OPEN}{word}{HL_CLOSE}" in snip, repr(snip)
    assert "поставщиком" in snip and f"{HL_OPEN}поставщиком" not in snip, "unmatched words are not marked"
    assert snip.count(HL_OPEN) == snip.count(HL_CLOSE) == 2
    # English
    m2 = col.send(chat["id"], f"Waiting for approvals {word}")
    (res,) = search(me, f"approval {word}")["results"]
    assert res["message"]["id"] == m2["id"]
    assert f"{HL_OPEN}approvals{HL_CLOSE}" in res["snippet"], repr(res["snippet"])


QUERIES = ['"(', "OR", "*", "NEAR(", "NEAR(a b)", "AND", "NOT", "договор OR", "договор AND NOT",
           '"unterminated', "col:договор", "text:x", "^start", "a*", "{a b}", "-минус", "(договор)",
           "'", "\\", "%", "_", "договор*", "NEAR(договор, 5)", '"договор" "поставщик"', "a:b:c", "+",
           "🎉", "x" * 400]


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_query_syntax_is_taken_literally(people, query):
    # docs/api.md: syntax characters are plain characters, so a query is its words (letters and
    # digits); one with a word is searched (200), one without any is `400 invalid_argument`.
    has_word = re.search(r"[^\W_]", query) is not None
    r = people.me.get("/api/v1/search", params={"query": query})
    if not has_word:
        expect_error(r, 400, "invalid_argument")
        return
    body = expect(r, 200)
    assert isinstance(body["results"], list) and "next_before" in body
    # the words are searched as written: a message holding exactly them is found
    words = re.findall(r"[^\W_]+", query)
    me, col = people.me, people.colleague
    chat = me.create_chat("group", member_ids=[col])
    tag = nonce()
    m = col.send(chat["id"], " ".join(words) + " " + tag)
    found = search(me, f"{query} {tag}")["results"]
    assert [x["message"]["id"] for x in found] == [m["id"]], f"{query!r}: {found!r}"


def test_operators_are_searched_as_words(people):
    me, col = people.me, people.colleague
    word = nonce()
    chat = me.create_chat("group", member_ids=[col])
    m1 = col.send(chat["id"], f"use OR logic here {word}")
    m2 = col.send(chat["id"], f"NEAR the door and NOT there {word}")
    assert ids(me, f"OR {word}") == [m1["id"]]
    assert ids(me, f"NOT {word}") == [m2["id"]], "NOT is a word, not an operator"
    assert ids(me, f"NEAR( {word}") == [m2["id"]]
    assert ids(me, f'"{word}') == [m2["id"], m1["id"]]
    assert ids(me, f"{word}*") == [m2["id"], m1["id"]]
    assert ids(me, f"door OR {word}") == [], "OR is a word that must match too (AND semantics)"


@pytest.mark.parametrize("query", ["", "   ", "!!!", '"(', "*", "🎉🎉", "— …"], ids=range(7))
def test_query_without_words_is_400(people, query):
    expect_error(people.me.get("/api/v1/search", params={"query": query}), 400, "invalid_argument")


def test_missing_query_and_foreign_chat(people):
    me, stranger, col = people.me, people.stranger, people.colleague
    expect_error(me.get("/api/v1/search"), 400, "invalid_argument")
    foreign = stranger.create_chat("group", member_ids=[col])
    stranger.send(foreign["id"], "секретный договор")
    expect_error(me.get("/api/v1/search", params={"query": "договор", "chat_id": foreign["id"]}), 404,
                 "chat_not_found")
    expect_error(me.get("/api/v1/search", params={"query": "договор", "chat_id": MISSING_CHAT}), 404,
                 "chat_not_found")
    pub = stranger.create_chat("channel", visibility="public")
    stranger.send(pub["id"], "публичный договор")
    expect_error(me.get("/api/v1/search", params={"query": "договор", "chat_id": pub["id"]}), 404,
                 "chat_not_found")
    expect_error(me.get("/api/v1/search", params={"query": "договор", "chat_id": "abc"}), 400, "invalid_argument")
    # unauthenticated
    r = me.get("/api/v1/search", params={"query": "договор"}, auth=False)
    expect_error(r, 401, "unauthenticated")
