// veche/mail/mime.hpp: GMime parsing of the inbound mail the support desk takes, and composing replies.
#include <gtest/gtest.h>

#include <string>

#include "veche/mail/mime.hpp"

namespace veche::mail {
namespace {

std::string Crlf(std::string s) {
    std::string out;
    for (char c : s) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

TEST(MailMime, PlainMessageHeadersAndText) {
    auto m =
        Parse(Crlf("From: =?UTF-8?B?0JDQvdC90LA=?= <Anna@Example.COM>\n"
                   "To: desk@example.org\n"
                   "Subject: =?UTF-8?Q?=D0=91=D0=B8=D0=BB=D0=B5=D1=82?= [SUP-000012]\n"
                   "Message-ID: <abc.1@example.com>\n"
                   "In-Reply-To: <out.7@example.org>\n"
                   "References: <first@example.com> <out.7@example.org>\n"
                   "Content-Type: text/plain; charset=utf-8\n"
                   "\n"
                   "Здравствуйте!\n"));
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->from_address, "anna@example.com");
    EXPECT_EQ(m->from_name, "Анна");
    EXPECT_EQ(m->subject, "Билет [SUP-000012]");
    EXPECT_EQ(m->message_id, "abc.1@example.com");
    EXPECT_EQ(m->in_reply_to, "out.7@example.org");
    ASSERT_EQ(m->references.size(), 2u);
    EXPECT_EQ(m->references[0], "first@example.com");
    EXPECT_EQ(m->text, "Здравствуйте!");
    EXPECT_FALSE(m->auto_submitted);
}

TEST(MailMime, AlternativePrefersPlainAndKeepsAttachments) {
    auto m = Parse(
        Crlf("From: a@b.c\nSubject: x\nMIME-Version: 1.0\n"
             "Content-Type: multipart/mixed; boundary=\"OUT\"\n\n"
             "--OUT\nContent-Type: multipart/alternative; boundary=\"ALT\"\n\n"
             "--ALT\nContent-Type: text/plain; charset=utf-8\n\nplain body\n"
             "--ALT\nContent-Type: text/html; charset=utf-8\n\n<p>html body</p>\n"
             "--ALT--\n"
             "--OUT\nContent-Type: application/pdf; name=\"ticket.pdf\"\nContent-Disposition: attachment; "
             "filename=\"ticket.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
             "--OUT--\n"));
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->text, "plain body");
    ASSERT_EQ(m->attachments.size(), 1u);
    EXPECT_EQ(m->attachments[0].filename, "ticket.pdf");
    EXPECT_EQ(m->attachments[0].content_type, "application/pdf");
    EXPECT_EQ(m->attachments[0].data, "%PDF-1.4\n");
}

TEST(MailMime, HtmlOnlyBecomesTextWithoutScriptStyleOrHandlers) {
    auto m =
        Parse(Crlf("From: a@b.c\nSubject: x\nContent-Type: text/html; charset=utf-8\n\n"
                   "<html><head><title>T</title><style>p{color:red}</style></head><body>"
                   "<p onclick=\"steal()\">Hello &amp; <b>welcome</b></p><script>alert('x')</script>"
                   "<SCRIPT type=x>document.cookie</SCRIPT><div>Line&nbsp;2 &#1046;&#x416;</div>"
                   "<img src=x onerror=alert(1)><!-- <script>hidden</script> --></body></html>\n"));
    ASSERT_TRUE(m.ok());
    EXPECT_TRUE(m->text_from_html);
    EXPECT_EQ(m->text, "Hello & welcome\n\nLine 2 ЖЖ");
    EXPECT_EQ(m->text.find("alert"), std::string::npos);
    EXPECT_EQ(m->text.find('<'), std::string::npos);
}

TEST(MailMime, BadCharsetAndInvalidUtf8AreReadNotDropped) {
    auto unknown =
        Parse(Crlf("From: a@b.c\nSubject: x\nContent-Type: text/plain; charset=x-no-such-charset\n\n"
                   "caf\xc3\xa9 ok\n"));
    ASSERT_TRUE(unknown.ok());
    EXPECT_EQ(unknown->text, "caf\xc3\xa9 ok");
    auto koi8 = Parse(Crlf(
        "From: a@b.c\nSubject: x\nContent-Type: text/plain; charset=koi8-r\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n"));
    ASSERT_TRUE(koi8.ok());
    EXPECT_EQ(koi8->text, "Привет");
    auto invalid =
        Parse(Crlf("From: a@b.c\nSubject: bad \xff\xfe subject\nContent-Type: text/plain; charset=utf-8\n\n"
                   "ab\xff\xc0\x80"
                   "cd\n"));
    ASSERT_TRUE(invalid.ok());
    EXPECT_EQ(invalid->text,
              "ab\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
              "cd");
    EXPECT_EQ(ValidUtf8(invalid->subject), invalid->subject);
}

TEST(MailMime, DeepNestingIsCutAndKeptAsAnAttachment) {
    std::string raw =
        "From: a@b.c\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n";
    const int depth = 3000;
    for (int i = 0; i < depth; ++i)
        raw += "--b" + std::to_string(i) + "\r\nContent-Type: multipart/mixed; boundary=\"b" +
               std::to_string(i + 1) + "\"\r\n\r\n";
    raw += "--b" + std::to_string(depth) + "\r\nContent-Type: text/plain\r\n\r\ndeep text\r\n";
    for (int i = depth; i >= 0; --i) raw += "--b" + std::to_string(i) + "--\r\n";
    auto m = Parse(raw);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->text, "");
    ASSERT_EQ(m->attachments.size(), 1u);
    EXPECT_EQ(m->attachments[0].content_type, "message/rfc822");
    EXPECT_NE(m->attachments[0].data.find("deep text"), std::string::npos);
    EXPECT_FALSE(m->notes.empty());
}

TEST(MailMime, ThousandsOfBoundariesKeepTheMessageWhole) {
    std::string raw =
        "From: a@b.c\r\nSubject: very deep\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n";
    for (int i = 0; i < 5000; ++i)
        raw += "--b" + std::to_string(i) + "\r\nContent-Type: multipart/mixed; boundary=\"b" +
               std::to_string(i + 1) + "\"\r\n\r\n";
    auto m = Parse(raw);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->from_address, "a@b.c");
    EXPECT_EQ(m->subject, "very deep");
    ASSERT_EQ(m->attachments.size(), 1u);
    EXPECT_EQ(m->attachments[0].data, raw);
}

TEST(MailMime, HugeBase64PartDecodes) {
    std::string b64;
    std::string line;
    for (int i = 0; i < 19; ++i) line += "QUJD";  // "ABC"
    for (int i = 0; i < 7000; ++i) b64 += line + "\r\n";
    auto m = Parse(
        "From: a@b.c\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=\"X\"\r\n\r\n--X\r\n"
        "Content-Type: text/plain\r\n\r\nsee attached\r\n--X\r\nContent-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=big.bin\r\n\r\n" +
        b64 + "--X--\r\n");
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->attachments.size(), 1u);
    EXPECT_EQ(m->attachments[0].data.size(), 7000u * 57u);
    EXPECT_EQ(m->attachments[0].data.substr(0, 6), "ABCABC");
    EXPECT_EQ(m->text, "see attached");
}

TEST(MailMime, NotAMessageOrHeadersOnly) {
    auto empty = Parse("");
    // GMime makes a message of anything; what matters is that nothing crashes and no sender appears.
    if (empty.ok()) {
        EXPECT_EQ(empty->from_address, "");
    }
    auto head = ParseHeaders("From: x@y.z\r\nSubject: big one\r\n\r\n" + std::string(100000, 'A'));
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head->from_address, "x@y.z");
    EXPECT_EQ(head->subject, "big one");
    EXPECT_EQ(head->text, "");
    auto bulk = ParseHeaders("From: x@y.z\r\nAuto-Submitted: auto-replied\r\n\r\n");
    ASSERT_TRUE(bulk.ok());
    EXPECT_TRUE(bulk->auto_submitted);
}

TEST(MailMime, ComposeCarriesThreadingHeadersAndRoundTrips) {
    OutgoingMail out;
    out.from_address = "desk@example.org";
    out.from_name = "Поддержка";
    out.to_address = "anna@example.com";
    out.to_name = "Анна";
    out.subject = "Re: Билет [SUP-000012]\r\nBcc: evil@x";
    out.message_id = NewMessageId(DomainOf(out.from_address));
    out.in_reply_to = "abc.1@example.com";
    out.references = {"first@example.com", "abc.1@example.com"};
    out.text = "Ответ агента\nвторая строка";
    std::string raw = Compose(out);
    EXPECT_NE(raw.find("\r\nIn-Reply-To: <abc.1@example.com>\r\n"), std::string::npos) << raw;
    EXPECT_EQ(raw.find("\nBcc:"), std::string::npos);
    auto back = Parse(raw);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->from_address, "desk@example.org");
    EXPECT_EQ(back->message_id, out.message_id);
    EXPECT_EQ(back->in_reply_to, "abc.1@example.com");
    ASSERT_EQ(back->references.size(), 2u);
    EXPECT_EQ(back->subject, "Re: Билет [SUP-000012]Bcc: evil@x");
    EXPECT_EQ(back->text, "Ответ агента\nвторая строка");
    EXPECT_NE(out.message_id.find("@example.org"), std::string::npos);
}

TEST(MailMime, Utf8Validation) {
    EXPECT_EQ(ValidUtf8("ok ☃ 𝄞"), "ok ☃ 𝄞");
    EXPECT_EQ(ValidUtf8(std::string("a\0b", 3)),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(ValidUtf8("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    EXPECT_EQ(HtmlToText("a<br>b<unclosed"), "a\nb");
    EXPECT_EQ(HtmlToText("&#0; &#x110000; &bogus; &"), "\xEF\xBF\xBD \xEF\xBF\xBD &bogus; &");
}

}  // namespace
}  // namespace veche::mail
