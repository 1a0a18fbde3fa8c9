// GMime behind mime.hpp: parse inbound messages, compose outbound ones.
#include "veche/mail/mime.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "veche/core/crypto.hpp"

namespace veche::mail {
namespace {

void InitOnce() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

// Owns one GObject reference.
template <class T>
struct Ref {
    T* p = nullptr;
    explicit Ref(T* ptr) : p(ptr) {}
    ~Ref() {
        if (p) g_object_unref(p);
    }
    Ref(const Ref&) = delete;
    Ref& operator=(const Ref&) = delete;
};

std::string Str(const char* s) { return s ? ValidUtf8(s) : std::string(); }

std::string Lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string Trim(std::string s) {
    auto sp = [](unsigned char c) { return std::isspace(c) != 0; };
    while (!s.empty() && sp(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t b = 0;
    while (b < s.size() && sp(static_cast<unsigned char>(s[b]))) ++b;
    return s.substr(b);
}

std::vector<std::string> Ids(const char* header) {
    std::vector<std::string> out;
    if (!header) return out;
    GMimeReferences* refs = g_mime_references_parse(nullptr, header);
    if (!refs) return out;
    int n = g_mime_references_length(refs);
    for (int i = 0; i < n && i < 100; ++i) out.push_back(Str(g_mime_references_get_message_id(refs, i)));
    g_mime_references_free(refs);
    return out;
}

// The decoded bytes of a leaf part (transfer encoding undone).
std::string PartBytes(GMimePart* part) {
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (!content) return {};
    Ref<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(content, out.p);
    GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.p));
    return std::string(reinterpret_cast<const char*>(arr->data), arr->len);
}

// A text part's bytes as UTF-8 from its declared charset; a bad or unknown charset, or bytes that
// do not convert, fall back to the bytes taken as UTF-8 with invalid ones replaced.
std::string PartText(GMimePart* part, std::vector<std::string>& notes) {
    std::string bytes = PartBytes(part);
    GMimeContentType* ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
    const char* charset = ct ? g_mime_content_type_get_parameter(ct, "charset") : nullptr;
    if (charset && *charset) {
        std::string cs = Lower(charset);
        if (cs != "utf-8" && cs != "utf8" && cs != "us-ascii") {
            gsize written = 0;
            GError* err = nullptr;
            gchar* converted = g_convert(bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8",
                                         g_mime_charset_iconv_name(charset), nullptr, &written, &err);
            if (converted) {
                std::string out(converted, written);
                g_free(converted);
                return ValidUtf8(out);
            }
            if (err) g_error_free(err);
            notes.push_back("charset '" + ValidUtf8(charset) + "' could not be decoded; read as UTF-8");
        }
    }
    return ValidUtf8(bytes);
}

struct Walk {
    const ParseLimits& limits;
    ParsedMail& out;
    std::size_t leaves = 0;
    bool have_plain = false;
    bool have_html = false;
    std::string html;
};

std::string ObjectText(GMimeObject* obj) {
    char* s = g_mime_object_to_string(obj, nullptr);
    std::string out = s ? s : "";
    g_free(s);
    return out;
}

void WalkPart(Walk& w, GMimeObject* obj, int depth) {
    if (GMIME_IS_MULTIPART(obj)) {
        if (depth >= w.limits.max_depth) {
            w.out.notes.push_back("multipart nesting deeper than " + std::to_string(w.limits.max_depth) +
                                  " levels: kept as an attachment");
            w.out.attachments.push_back({"nested-parts.eml", "message/rfc822", ObjectText(obj)});
            return;
        }
        GMimeMultipart* mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n; ++i) {
            if (w.leaves >= w.limits.max_parts) {
                w.out.notes.push_back("more than " + std::to_string(w.limits.max_parts) +
                                      " parts: the rest kept as an attachment");
                w.out.attachments.push_back({"remaining-parts.eml", "message/rfc822", ObjectText(obj)});
                return;
            }
            WalkPart(w, g_mime_multipart_get_part(mp, i), depth + 1);
        }
        return;
    }
    ++w.leaves;
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        std::string name = inner ? Str(g_mime_message_get_subject(inner)) : "";
        w.out.attachments.push_back({name.empty() ? "message.eml" : name + ".eml", "message/rfc822",
                                     inner ? ObjectText(GMIME_OBJECT(inner)) : std::string()});
        return;
    }
    if (!GMIME_IS_PART(obj)) return;
    GMimePart* part = GMIME_PART(obj);
    GMimeContentType* ct = g_mime_object_get_content_type(obj);
    bool attachment = g_mime_part_is_attachment(part);
    bool plain = ct && g_mime_content_type_is_type(ct, "text", "plain");
    bool html = ct && g_mime_content_type_is_type(ct, "text", "html");
    if (!attachment && plain && !w.have_plain) {
        w.have_plain = true;
        w.out.text = PartText(part, w.out.notes);
        return;
    }
    if (!attachment && html && !w.have_html) {
        w.have_html = true;
        w.html = PartText(part, w.out.notes);
        return;
    }
    if (!attachment && (plain || html)) return;  // further alternatives of the same text
    Attachment a;
    a.filename = Str(g_mime_part_get_filename(part));
    if (ct) {
        char* mime = g_mime_content_type_get_mime_type(ct);
        a.content_type = Str(mime);
        g_free(mime);
    }
    a.data = PartBytes(part);
    w.out.attachments.push_back(std::move(a));
}

void ReadHeaders(GMimeMessage* msg, ParsedMail& out) {
    out.subject = Trim(Str(g_mime_message_get_subject(msg)));
    out.message_id = Str(g_mime_message_get_message_id(msg));
    InternetAddressList* from = g_mime_message_get_from(msg);
    if (from && internet_address_list_length(from) > 0) {
        InternetAddress* ia = internet_address_list_get_address(from, 0);
        if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
            out.from_address = Lower(Str(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia))));
            out.from_name = Trim(Str(internet_address_get_name(ia)));
        }
    }
    GMimeObject* o = GMIME_OBJECT(msg);
    auto irt = Ids(g_mime_object_get_header(o, "In-Reply-To"));
    if (!irt.empty()) out.in_reply_to = irt.front();
    out.references = Ids(g_mime_object_get_header(o, "References"));
    const char* auto_sub = g_mime_object_get_header(o, "Auto-Submitted");
    const char* precedence = g_mime_object_get_header(o, "Precedence");
    std::string a = auto_sub ? Lower(Trim(auto_sub)) : "";
    std::string p = precedence ? Lower(Trim(precedence)) : "";
    out.auto_submitted = (!a.empty() && a != "no") || p == "bulk" || p == "junk" || p == "list";
}

Result<ParsedMail> ParseBytes(std::string_view raw, const ParseLimits& limits, bool headers_only) {
    InitOnce();
    Ref<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
    Ref<GMimeParser> parser(g_mime_parser_new_with_stream(stream.p));
    Ref<GMimeMessage> msg(g_mime_parser_construct_message(parser.p, nullptr));
    if (!msg.p) return Error{ErrorCode::kInvalidArgument, "bad_email", "the body is not an email message"};
    ParsedMail out;
    ReadHeaders(msg.p, out);
    if (headers_only) return out;
    GMimeObject* body = g_mime_message_get_mime_part(msg.p);
    if (body) {
        Walk w{limits, out, 0, false, false, {}};
        WalkPart(w, body, 0);
        if (!w.have_plain && w.have_html) {
            out.text = HtmlToText(w.html);
            out.text_from_html = true;
        }
    }
    out.text = Trim(std::move(out.text));
    return out;
}

std::string Clean(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != '\r' && c != '\n') out += c;
    return out;
}

}  // namespace

Result<ParsedMail> Parse(std::string_view raw, const ParseLimits& limits) {
    // GMime's parser checks every line against every open boundary: thousands of nested multiparts
    // would take it minutes. Such a message is kept whole as an attachment, with its headers read.
    std::size_t boundaries = 0;
    for (std::size_t at = raw.find("oundary="); at != std::string_view::npos;
         at = raw.find("oundary=", at + 1))
        if (++boundaries > limits.max_boundaries) break;
    if (boundaries > limits.max_boundaries) {
        VECHE_ASSIGN_OR_RETURN(auto out, ParseHeaders(raw));
        out.notes.push_back("more than " + std::to_string(limits.max_boundaries) +
                            " multipart boundaries: the message is kept whole as an attachment");
        out.attachments.push_back({"original.eml", "message/rfc822", std::string(raw)});
        return out;
    }
    return ParseBytes(raw, limits, false);
}

Result<ParsedMail> ParseHeaders(std::string_view raw) {
    std::size_t end = raw.find("\r\n\r\n");
    std::size_t lf = raw.find("\n\n");
    std::size_t cut = std::min(end == std::string_view::npos ? raw.size() : end + 4,
                               lf == std::string_view::npos ? raw.size() : lf + 2);
    return ParseBytes(raw.substr(0, std::min<std::size_t>(cut, 1 << 20)), {}, true);
}

std::string Compose(const OutgoingMail& m) {
    InitOnce();
    Ref<GMimeMessage> msg(g_mime_message_new(TRUE));
    g_mime_message_add_mailbox(msg.p, GMIME_ADDRESS_TYPE_FROM, Clean(m.from_name).c_str(),
                               Clean(m.from_address).c_str());
    g_mime_message_add_mailbox(msg.p, GMIME_ADDRESS_TYPE_TO, Clean(m.to_name).c_str(),
                               Clean(m.to_address).c_str());
    g_mime_message_set_subject(msg.p, Clean(m.subject).c_str(), "utf-8");
    g_mime_message_set_message_id(msg.p, Clean(m.message_id).c_str());
    GDateTime* now = g_date_time_new_now_utc();
    g_mime_message_set_date(msg.p, now);
    g_date_time_unref(now);
    GMimeObject* o = GMIME_OBJECT(msg.p);
    if (!m.in_reply_to.empty())
        g_mime_object_set_header(o, "In-Reply-To", ("<" + Clean(m.in_reply_to) + ">").c_str(), nullptr);
    if (!m.references.empty()) {
        std::string refs;
        for (const auto& r : m.references) refs += (refs.empty() ? "<" : " <") + Clean(r) + ">";
        g_mime_object_set_header(o, "References", refs.c_str(), nullptr);
    }
    if (m.auto_submitted) g_mime_object_set_header(o, "Auto-Submitted", "auto-replied", nullptr);
    Ref<GMimeTextPart> body(g_mime_text_part_new_with_subtype("plain"));
    g_mime_text_part_set_text(body.p, ValidUtf8(m.text).c_str());
    g_mime_text_part_set_charset(body.p, "utf-8");
    g_mime_object_encode(GMIME_OBJECT(body.p), GMIME_ENCODING_CONSTRAINT_7BIT);
    g_mime_message_set_mime_part(msg.p, GMIME_OBJECT(body.p));
    GMimeFormatOptions* fo = g_mime_format_options_clone(g_mime_format_options_get_default());
    g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
    char* s = g_mime_object_to_string(o, fo);
    g_mime_format_options_free(fo);
    std::string out = s ? s : "";
    g_free(s);
    return out;
}

std::string DomainOf(std::string_view address) {
    auto at = address.rfind('@');
    if (at == std::string_view::npos || at + 1 >= address.size()) return "localhost";
    return Clean(address.substr(at + 1));
}

std::string NewMessageId(std::string_view domain) {
    return crypto::RandomToken(12) + "@" + std::string(domain);
}

}  // namespace veche::mail
