"""Support desk, the email channel (issue 13 §1(b) and "Bad input"; MODULES.md §2.7 item 2): mail in through
a real Dovecot (IMAP polling) and through the inbound webhook, replies out through a real SMTP server
(aiosmtpd) with threading headers, threading by number (for the conversation's own contact only) and by
Message-ID, and a bounce for mail over the size limit. Both servers start on free loopback ports for this
module and stop after it (mail_servers.py)."""

import base64
import re

import pytest

from mail_servers import Dovecot, SmtpSink
from objects_helpers import grant
from veche_harness import Client, expect, expect_error, uniq, wait_until


@pytest.fixture(scope="module")
def dovecot():
    d = Dovecot().start()
    yield d
    d.stop()


@pytest.fixture(scope="module")
def smtp():
    s = SmtpSink().start()
    yield s
    s.stop()


class MailDesk:
    """A team with one online agent and an email inbox whose mailbox is a folder of its own on Dovecot."""

    def __init__(self, admin, make_user, dovecot, smtp, max_size=None, smtp_url=None, imap=True, poll_interval=3600):
        self.admin = admin
        self.dovecot = dovecot
        self.folder = uniq("box").replace("-", "")
        self.address = f"{self.folder}@desk.test"
        self.team = expect(admin.post("/api/v1/support/teams", json={"name": uniq("team")}), 201)
        self.inbox = expect(admin.post("/api/v1/support/inboxes", json={
            "name": uniq("mail"), "channel": "api", "team_id": self.team["id"]}), 201)
        self.agent = make_user()
        grant(admin, self.agent, "support.agent")
        expect(admin.put(f"/api/v1/support/agents/{self.agent.id}/scope", json={"scope": "all"}), 200)
        expect(admin.put(f"/api/v1/support/teams/{self.team['id']}/members",
                         json={"members": [{"user_id": self.agent.id, "capacity": 50}]}), 200)
        expect(self.agent.put(f"/api/v1/support/agents/{self.agent.id}/availability",
                              json={"availability": "online"}), 200)
        settings = {"address": self.address, "display_name": "Служба поддержки",
                    "smtp_url": smtp_url or smtp.url(), "starttls": False,
                    "poll_interval_seconds": poll_interval}
        if imap:
            dovecot.create(self.folder)
            settings.update({"imap_url": dovecot.url(self.folder), "imap_user": Dovecot.USER,
                             "imap_password": Dovecot.PASSWORD})
        if max_size:
            settings["max_size"] = max_size
        self.mailbox = self.configure(**settings)
        self.token = self.mailbox["webhook_token"]

    def configure(self, **settings):
        return expect(self.admin.put(f"/api/v1/support/inboxes/{self.inbox['id']}/email", json=settings), 200)

    def stop_polling(self):
        self.configure(address=self.address, smtp_url=self.mailbox["smtp_url"], starttls=False)

    def deliver(self, raw):
        self.dovecot.deliver(self.folder, raw)
        expect(self.admin.post(f"/api/v1/support/inboxes/{self.inbox['id']}/email/poll"), 202)

    def webhook(self, server, raw, status=201, token=None):
        if isinstance(raw, str):
            raw = raw.encode()
        r = Client(server).post(f"/api/v1/support/email/inbound/{self.inbox['id']}", data=raw,
                                headers={"Authorization": f"Bearer {token or self.token}",
                                         "Content-Type": "message/rfc822"})
        return r if status is None else expect(r, status)

    def conversations_of(self, address):
        got = expect(self.admin.get("/api/v1/support/conversations?limit=200"), 200)["conversations"]
        return [c for c in got if c["inbox_id"] == self.inbox["id"] and c["contact"]["email"] == address]

    def wait_conversations(self, address, count=1):
        return wait_until(lambda: (lambda cs: cs if len(cs) >= count else None)(self.conversations_of(address)),
                          desc=f"{count} conversation(s) of {address}")

    def messages(self, conversation_id):
        return expect(self.admin.get(f"/api/v1/support/conversations/{conversation_id}/messages"), 200)["messages"]

    def incoming(self, conversation_id):
        return [m for m in self.messages(conversation_id) if m["direction"] == "incoming"]

    def wait_incoming(self, conversation_id, count):
        return wait_until(lambda: (lambda ms: ms if len(ms) >= count else None)(self.incoming(conversation_id)),
                          desc=f"{count} incoming message(s)")

    def emails(self, conversation_id, who=None):
        return expect((who or self.admin).get(f"/api/v1/support/conversations/{conversation_id}/email"),
                      200)["emails"]

    def reply(self, conversation_id, text):
        return expect(self.agent.post(f"/api/v1/support/conversations/{conversation_id}/messages",
                                      json={"text": text}), 201)


def mail(sender, subject, body, message_id, extra="", name="Анна"):
    return (f"From: {name} <{sender}>\r\nTo: desk@desk.test\r\nSubject: {subject}\r\n"
            f"Message-ID: <{message_id}>\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")


def header_ids(value):
    return re.findall(r"<([^>]+)>", value or "")


# -- the round trip through the real IMAP and SMTP servers ------------------------------------------

def test_round_trip_imap_in_smtp_out_threads_replies_and_keeps_strangers_out(
        server, admin_client, make_user, dovecot, smtp):
    desk = MailDesk(admin_client, make_user, dovecot, smtp, poll_interval=1)
    anna = f"{uniq('anna')}@customer.test"
    first_id = f"{uniq('m')}@customer.test"
    # the recurring poll finds it by itself (every second here)
    dovecot.deliver(desk.folder, mail(anna, "Не приходит билет", "Оплатила заказ 42, билета нет.", first_id))
    [conv] = desk.wait_conversations(anna)
    assert conv["status"] == "open" and conv["assignee_id"] == desk.agent.id
    assert conv["contact"]["name"] == "Анна"
    [first] = desk.incoming(conv["id"])
    assert "Не приходит билет" in first["text"] and "Оплатила заказ 42" in first["text"]
    [rec] = desk.emails(conv["id"], desk.agent)
    assert rec["direction"] == "incoming" and rec["rfc_message_id"] == first_id and rec["state"] == "received"
    inbox = [i for i in expect(admin_client.get("/api/v1/support/inboxes"), 200)["inboxes"]
             if i["id"] == desk.inbox["id"]][0]
    assert inbox["channel"] == "email"

    # an agent's note is never mailed; the reply is, with the threading headers
    expect(desk.agent.post(f"/api/v1/support/conversations/{conv['id']}/notes",
                           json={"text": "ВНУТРЕННЯЯ заметка"}), 201)
    reply = desk.reply(conv["id"], "Билет отправлен повторно.")
    [sent] = smtp.wait_for(anna)
    msg = sent["msg"]
    number = conv["number"]
    assert msg["Subject"] == f"Re: Не приходит билет [{number}]"
    assert header_ids(msg["In-Reply-To"]) == [first_id]
    assert header_ids(msg["References"]) == [first_id]
    assert sent["from"] == desk.address and desk.address in msg["From"]
    body = msg.get_content()
    assert "Билет отправлен повторно." in body and "ВНУТРЕННЯЯ" not in body
    out = wait_until(lambda: [e for e in desk.emails(conv["id"]) if e["direction"] == "outgoing"
                              and e["state"] == "sent"], desc="the reply marked sent")
    assert len(out) == 1 and out[0]["message_id"] == reply["id"]
    assert header_ids(msg["Message-ID"]) == [out[0]["rfc_message_id"]]

    # the customer answers the reply: no number, only the headers → the same conversation
    desk.deliver(mail(anna, "Re: Не приходит билет", "Спасибо, пришёл!", f"{uniq('m')}@customer.test",
                      extra=f"In-Reply-To: {msg['Message-ID']}\r\nReferences: <{first_id}> {msg['Message-ID']}\r\n"))
    desk.wait_incoming(conv["id"], 2)
    # …and with the number alone (no threading headers)
    desk.deliver(mail(anna, f"Ещё вопрос [{number}]", "А возврат?", f"{uniq('m')}@customer.test"))
    texts = [m["text"] for m in desk.wait_incoming(conv["id"], 3)]
    assert texts[1].startswith("Спасибо, пришёл!") and texts[2].startswith("А возврат?")
    assert len(desk.conversations_of(anna)) == 1

    # a stranger quoting Anna's number and even her Message-IDs gets a conversation of their own
    mallory = f"{uniq('mallory')}@evil.test"
    desk.deliver(mail(mallory, f"Re: [{number}] отмените", "Отмените заказ Анны", f"{uniq('m')}@evil.test",
                      extra=f"In-Reply-To: <{first_id}>\r\nReferences: <{first_id}>\r\n", name="Mallory"))
    [theirs] = desk.wait_conversations(mallory)
    assert theirs["id"] != conv["id"] and theirs["number"] != number
    assert len(desk.incoming(conv["id"])) == 3
    assert all("Отмените" not in m["text"] for m in desk.messages(conv["id"]))

    # the same message polled or posted again is not taken twice
    dup = desk.webhook(server, mail(anna, "Не приходит билет", "Оплатила заказ 42, билета нет.", first_id), 200)
    assert dup["duplicate"] is True and dup["conversation_id"] == conv["id"]
    assert len(desk.incoming(conv["id"])) == 3
    # the poll's progress is saved after each message it took
    polled = wait_until(lambda: (lambda b: b if int(b["last_uid"]) >= 4 else None)(
        expect(admin_client.get(f"/api/v1/support/inboxes/{desk.inbox['id']}/email"), 200)), desc="last_uid 4")
    assert polled["last_error"] == "" and polled["last_polled_at"]
    desk.stop_polling()
    expect_error(admin_client.post(f"/api/v1/support/inboxes/{desk.inbox['id']}/email/poll"), 409, "no_imap")


def test_a_resolved_conversation_reopens_on_an_email_reply(server, admin_client, make_user, dovecot, smtp):
    desk = MailDesk(admin_client, make_user, dovecot, smtp, imap=False)
    anna = f"{uniq('anna')}@customer.test"
    made = desk.webhook(server, mail(anna, "Вопрос", "Первое письмо", f"{uniq('m')}@c.test"))
    assert made["created"] is True
    conv_id = made["conversation_id"]
    expect(desk.agent.post(f"/api/v1/support/conversations/{conv_id}/status", json={"status": "resolved"}), 200)
    again = desk.webhook(server, mail(anna, f"Re: Вопрос [{made['number']}]", "Снова не работает", f"{uniq('m')}@c.test"))
    assert again["conversation_id"] == conv_id and again["created"] is False
    c = expect(admin_client.get(f"/api/v1/support/conversations/{conv_id}"), 200)
    assert c["status"] == "open" and c["reopen_count"] == 1


def test_mail_from_a_merged_contacts_address_goes_to_the_contact_it_was_merged_into(
        server, admin_client, make_user, dovecot, smtp):
    desk = MailDesk(admin_client, make_user, dovecot, smtp, imap=False)
    anna, anya = f"{uniq('anna')}@customer.test", f"{uniq('anya')}@phone.test"
    first_a = desk.webhook(server, mail(anna, "Билет", "Не пришёл билет", f"{uniq('m')}@c.test"))
    b_id_msg = f"{uniq('m')}@c.test"
    first_b = desk.webhook(server, mail(anya, "Билет ещё раз", "Пишу с телефона", b_id_msg, name="Аня"))
    conv_a = expect(admin_client.get(f"/api/v1/support/conversations/{first_a['conversation_id']}"), 200)
    conv_b = expect(admin_client.get(f"/api/v1/support/conversations/{first_b['conversation_id']}"), 200)
    a_id, b_id = conv_a["contact_id"], conv_b["contact_id"]
    assert a_id != b_id
    expect(desk.agent.post(f"/api/v1/support/contacts/{a_id}/merge", json={"mergee_id": b_id}), 200)

    # B's address answering B's old conversation by its number, and by In-Reply-To: threaded there
    by_number = desk.webhook(server, mail(anya, f"Re: Билет ещё раз [{first_b['number']}]", "Всё ещё нет",
                                          f"{uniq('m')}@c.test", name="Аня"))
    assert by_number["created"] is False and by_number["conversation_id"] == conv_b["id"]
    by_header = desk.webhook(server, mail(anya, "Re: без номера", "И ещё", f"{uniq('m')}@c.test",
                                          extra=f"In-Reply-To: <{b_id_msg}>\r\n", name="Аня"))
    assert by_header["created"] is False and by_header["conversation_id"] == conv_b["id"]
    # ... and A's own conversation, which B's address may now answer too
    to_a = desk.webhook(server, mail(anya, f"Re: Билет [{first_a['number']}]", "Это я же", f"{uniq('m')}@c.test"))
    assert to_a["created"] is False and to_a["conversation_id"] == conv_a["id"]
    assert len(desk.incoming(conv_b["id"])) == 3 and len(desk.incoming(conv_a["id"])) == 2
    # a new mail from B's address opens a conversation for A (the address in any letter case)
    fresh = desk.webhook(server, mail(anya.upper(), "Новый вопрос", "Другой заказ", f"{uniq('m')}@c.test"))
    assert fresh["created"] is True
    made = expect(admin_client.get(f"/api/v1/support/conversations/{fresh['conversation_id']}"), 200)
    assert made["contact_id"] == a_id and made["contact"]["email"] == anna
    profile = expect(desk.agent.get(f"/api/v1/support/contacts/{a_id}"), 200)
    assert {c["id"] for c in profile["conversations"]} == {conv_a["id"], conv_b["id"], made["id"]}
    assert expect(desk.agent.get(f"/api/v1/support/contacts/{b_id}"), 200)["conversations"] == []
    # a stranger with the number still gets a conversation of their own
    stranger = f"{uniq('eve')}@evil.test"
    other = desk.webhook(server, mail(stranger, f"Re: [{first_b['number']}]", "Дайте доступ", f"{uniq('m')}@c.test"))
    assert other["created"] is True and other["conversation_id"] not in {conv_a["id"], conv_b["id"], made["id"]}
    assert len(desk.incoming(conv_b["id"])) == 3


# -- the inbound webhook and the mailbox settings ----------------------------------------------------

def test_webhook_needs_the_mailbox_token_and_settings_never_show_secrets(server, admin_client, make_user, dovecot,
                                                                        smtp):
    desk = MailDesk(admin_client, make_user, dovecot, smtp)
    assert desk.token.startswith("mbx_")
    raw = mail(f"{uniq('c')}@customer.test", "Привет", "Текст", f"{uniq('m')}@c.test")
    url = f"/api/v1/support/email/inbound/{desk.inbox['id']}"
    raw = raw.encode()
    expect_error(Client(server).post(url, data=raw), 401, "webhook_unauthenticated")
    expect_error(desk.webhook(server, raw, None, token="mbx_wrong"), 401, "webhook_unauthenticated")
    # a session is not a mailbox token
    expect_error(admin_client.post(url, data=raw), 401, "webhook_unauthenticated")
    expect_error(Client(server).post("/api/v1/support/email/inbound/987654321987654321", data=raw,
                                     headers={"Authorization": f"Bearer {desk.token}"}), 401, "webhook_unauthenticated")
    assert desk.webhook(server, raw)["created"] is True

    got = expect(admin_client.get(f"/api/v1/support/inboxes/{desk.inbox['id']}/email"), 200)
    assert got["imap_password_set"] is True and got["address"] == desk.address
    text = str(got)
    assert "webhook_token" not in got and Dovecot.PASSWORD not in text and desk.token not in text
    for listing in (expect(admin_client.get("/api/v1/support/inboxes"), 200),):
        assert Dovecot.PASSWORD not in str(listing) and desk.token not in str(listing)
    # a change without passwords keeps them; rotating gives a new token and the old one stops working
    changed = desk.configure(address=desk.address, imap_url=dovecot.url(desk.folder), imap_user=Dovecot.USER,
                             smtp_url=smtp.url(), starttls=False, rotate_webhook_token=True)
    assert changed["imap_password_set"] is True and changed["webhook_token"] != desk.token
    expect_error(desk.webhook(server, raw, None), 401, "webhook_unauthenticated")
    desk.token = changed["webhook_token"]
    assert desk.webhook(server, raw, 200)["duplicate"] is True

    # agents may not read or change the mailbox; bad settings are refused
    expect_error(desk.agent.get(f"/api/v1/support/inboxes/{desk.inbox['id']}/email"), 403)
    expect_error(desk.agent.put(f"/api/v1/support/inboxes/{desk.inbox['id']}/email",
                                json={"address": "x@y.z"}), 403)
    for bad in ({"address": "nope"}, {"address": "a@b.c", "imap_url": "http://127.0.0.1/"},
                {"address": "a@b.c", "smtp_url": "file:///etc/passwd"}, {"address": "a@b.c", "max_size": 10}):
        expect_error(admin_client.put(f"/api/v1/support/inboxes/{desk.inbox['id']}/email", json=bad), 400)
    widget = expect(admin_client.post("/api/v1/support/inboxes", json={"name": uniq("w"), "channel": "widget"}), 201)
    expect_error(admin_client.put(f"/api/v1/support/inboxes/{widget['id']}/email", json={"address": "a@b.c"}), 409,
                 "wrong_channel")
    expect_error(admin_client.get(f"/api/v1/support/inboxes/{widget['id']}/email"), 404)


# -- bad input ---------------------------------------------------------------------------------------

def test_oversized_mail_is_refused_with_a_bounce_by_webhook_and_by_imap(server, admin_client, make_user, dovecot,
                                                                       smtp):
    desk = MailDesk(admin_client, make_user, dovecot, smtp, max_size=4096)
    big_sender = f"{uniq('big')}@customer.test"
    big = mail(big_sender, "Скан паспорта", "x" * 6000, f"{uniq('m')}@c.test")
    r = desk.webhook(server, big, None)
    expect_error(r, 413, "email_too_large")
    [bounce] = smtp.wait_for(big_sender)
    assert bounce["from"] in ("", "<>") and bounce["msg"]["Auto-Submitted"] == "auto-replied"
    assert "Скан паспорта" in bounce["msg"]["Subject"] and "4096" in bounce["msg"].get_content()
    assert desk.conversations_of(big_sender) == []

    # by IMAP: the big one bounces, the next one is still taken (the poll does not stick on it)
    imap_sender = f"{uniq('big')}@customer.test"
    desk.dovecot.deliver(desk.folder, mail(imap_sender, "Большое", "y" * 6000, f"{uniq('m')}@c.test"))
    desk.deliver(mail(imap_sender, "Маленькое", "коротко", f"{uniq('m')}@c.test"))
    [imap_bounce] = smtp.wait_for(imap_sender)
    told = re.search(r"размер \((\d+) байт\)", imap_bounce["msg"].get_content())
    assert told and int(told.group(1)) > 6000  # the message's size as IMAP said, not its headers'
    [conv] = desk.wait_conversations(imap_sender)
    [only] = desk.incoming(conv["id"])
    assert "коротко" in only["text"]


def test_malformed_mail_is_taken_without_loss(server, admin_client, make_user, dovecot, smtp):
    desk = MailDesk(admin_client, make_user, dovecot, smtp, imap=False)
    sender = f"{uniq('odd')}@customer.test"

    def post(raw):
        made = desk.webhook(server, raw)
        return made, desk.incoming(made["conversation_id"])[-1]

    # HTML with script and handlers: text only
    html = (f"From: <{sender}>\r\nSubject: html\r\nMessage-ID: <{uniq('m')}@c>\r\nContent-Type: text/html; "
            "charset=utf-8\r\n\r\n<p onclick=\"x()\">Здравствуйте</p><script>alert('xss')</script><b>Жду</b>\r\n")
    _, m = post(html)
    assert "Здравствуйте" in m["text"] and "Жду" in m["text"]
    assert "alert" not in m["text"] and "<" not in m["text"] and "onclick" not in m["text"]

    # an unknown charset and invalid UTF-8: read as UTF-8 with replacements
    bad = (f"From: <{sender}>\r\nSubject: charset\r\nMessage-ID: <{uniq('m')}@c>\r\nContent-Type: text/plain; "
           "charset=x-unknown-42\r\n\r\n").encode() + b"caf\xc3\xa9 \xff\xfe end\r\n"
    _, m = post(bad)
    assert "café" in m["text"] and "end" in m["text"] and "\ufffd" in m["text"]

    # deep multipart nesting: the text beyond the depth is kept as an attachment
    depth = 60
    raw = f"From: <{sender}>\r\nSubject: deep\r\nMessage-ID: <{uniq('m')}@c>\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n"
    for i in range(depth):
        raw += f"--b{i}\r\nContent-Type: multipart/mixed; boundary=\"b{i + 1}\"\r\n\r\n"
    raw += f"--b{depth}\r\nContent-Type: text/plain\r\n\r\nглубоко\r\n"
    for i in range(depth, -1, -1):
        raw += f"--b{i}--\r\n"
    _, m = post(raw)
    assert [f["name"] for f in m["files"]] == ["nested-parts.eml"] and m["files"][0]["size"] > 100

    # a large base64 attachment is stored as a file of the message; at 4 MiB of base64 the message is
    # over the API's 1 MiB body limit, which the webhook (a streamed upload) does not have
    payload = bytes(range(256)) * 12288  # 3 MiB
    b64 = base64.encodebytes(payload).decode().replace("\n", "\r\n")
    att = (f"From: <{sender}>\r\nSubject: file\r\nMessage-ID: <{uniq('m')}@c>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"X\"\r\n\r\n--X\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Скан во вложении\r\n--X\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
           f"Content-Disposition: attachment; filename=\"скан.bin\"\r\n\r\n{b64}--X--\r\n")
    _, m = post(att)
    assert m["text"].endswith("Скан во вложении")
    [f] = m["files"]
    assert f["name"] == "скан.bin" and f["size"] == len(payload)

    # no sender, or not a message at all: 400, nothing stored
    expect_error(desk.webhook(server, "Subject: nobody\r\n\r\ntext\r\n", None), 400, "bad_email")
    expect_error(desk.webhook(server, b"\x00\x01\x02 garbage", None), 400, "bad_email")
    # mail from the desk's own address is refused (no loops)
    expect_error(desk.webhook(server, mail(desk.address, "loop", "x", f"{uniq('m')}@c"), None), 400, "own_email")


def test_a_failed_send_is_retried_until_the_smtp_server_answers(server, admin_client, make_user, dovecot, smtp):
    from mail_servers import free_port
    dead = f"smtp://127.0.0.1:{free_port()}"
    desk = MailDesk(admin_client, make_user, dovecot, smtp, smtp_url=dead, imap=False)
    anna = f"{uniq('anna')}@customer.test"
    # a forwarded subject with someone's number (unknown here): a new conversation, and the reply's subject
    # is built on the bare subject with this conversation's number
    made = desk.webhook(server, mail(anna, "RE: Fwd:  Повтор [SUP-999999]", "Ответьте", f"{uniq('m')}@c.test"))
    assert made["created"] is True
    desk.reply(made["conversation_id"], "Отвечаем")
    queued = wait_until(lambda: [e for e in desk.emails(made["conversation_id"])
                                 if e["direction"] == "outgoing" and e["error"]], desc="a failed attempt recorded")
    assert queued[0]["state"] == "queued" and "smtp_failed" in queued[0]["error"]
    desk.configure(address=desk.address, smtp_url=smtp.url(), starttls=False)
    [sent] = smtp.wait_for(anna)
    assert "Отвечаем" in sent["msg"].get_content()
    assert sent["msg"]["Subject"] == f"Re: Повтор [{made['number']}]"
    wait_until(lambda: [e for e in desk.emails(made["conversation_id"]) if e["state"] == "sent"], desc="sent")


def test_a_failing_imap_login_is_reported_and_polling_goes_on(server, admin_client, make_user, dovecot, smtp):
    desk = MailDesk(admin_client, make_user, dovecot, smtp)
    desk.configure(address=desk.address, imap_url=dovecot.url(desk.folder), imap_user=Dovecot.USER,
                   imap_password="wrong", smtp_url=smtp.url(), starttls=False, poll_interval_seconds=3600)
    failed = wait_until(lambda: (lambda b: b if "imap_failed" in b["last_error"] else None)(
        expect(admin_client.get(f"/api/v1/support/inboxes/{desk.inbox['id']}/email"), 200)), desc="the poll's error")
    assert Dovecot.PASSWORD not in failed["last_error"] and "wrong" not in failed["last_error"]
    # the right password again: the waiting mail is taken and the error clears
    sender = f"{uniq('late')}@customer.test"
    dovecot.deliver(desk.folder, mail(sender, "Жду", "Есть кто?", f"{uniq('m')}@c.test"))
    desk.configure(address=desk.address, imap_url=dovecot.url(desk.folder), imap_user=Dovecot.USER,
                   imap_password=Dovecot.PASSWORD, smtp_url=smtp.url(), starttls=False, poll_interval_seconds=3600)
    desk.wait_conversations(sender)
    wait_until(lambda: expect(admin_client.get(f"/api/v1/support/inboxes/{desk.inbox['id']}/email"),
                              200)["last_error"] == "", desc="the error cleared")
