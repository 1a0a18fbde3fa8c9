#pragma once
// Email messages (RFC 5322 with MIME) in and out, through GMime: what the support desk needs of an
// inbound message (sender, subject, threading headers, the text, the attachments), and an outbound
// plain-text message with threading headers. Everything returned is valid UTF-8: a part in an
// unknown or lying charset is decoded as UTF-8 with invalid bytes replaced (U+FFFD), never dropped.
// HTML bodies become plain text (HtmlToText): no markup, script or style survives.
//
// Thread-safe (GMime is initialized once, on first use).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veche/core/error.hpp"

namespace veche::mail {

struct Attachment {
    std::string filename;      // as the sender named it ("" when unnamed), UTF-8
    std::string content_type;  // as declared ("application/pdf"); the bytes decide what is stored
    std::string data;          // decoded bytes
};

struct ParsedMail {
    std::string from_address;  // the addr-spec of the first From mailbox, lower-cased; "" when none
    std::string from_name;
    std::string subject;
    std::string message_id;               // without angle brackets; "" when the message has none
    std::string in_reply_to;              // the first id of In-Reply-To, without brackets
    std::vector<std::string> references;  // oldest first, without brackets
    bool auto_submitted = false;          // Auto-Submitted other than "no", or a Precedence of bulk/junk/list
    std::string text;                     // text/plain if any, else the HTML body as text; "" when neither
    bool text_from_html = false;
    std::vector<Attachment> attachments;
    // What was not taken as given, for logs and tests: "nesting deeper than 20 parts", …
    std::vector<std::string> notes;
};

struct ParseLimits {
    int max_depth = 20;  // multipart levels looked into; deeper parts are kept as raw attachments
    std::size_t max_parts =
        500;  // leaf parts looked at; the rest of the message is kept as one raw attachment
    // More "boundary=" parameters than this: the structure is not parsed at all (GMime's cost grows
    // with depth × lines); the headers are read and the message is kept whole as an attachment.
    std::size_t max_boundaries = 1000;
};

// kInvalidArgument ("bad_email") when the bytes are not a message at all.
Result<ParsedMail> Parse(std::string_view raw, const ParseLimits& limits = {});
// The header block only (up to the first empty line): for a message too large to parse whole.
Result<ParsedMail> ParseHeaders(std::string_view raw);

// Plain text from HTML: text content kept, <script>, <style>, <head> and comments dropped, block
// elements become line breaks, entities decoded, whitespace collapsed.
std::string HtmlToText(std::string_view html);
// `bytes` as UTF-8: valid sequences kept, each invalid byte becomes U+FFFD.
std::string ValidUtf8(std::string_view bytes);

struct OutgoingMail {
    std::string from_address;
    std::string from_name;
    std::string to_address;
    std::string to_name;
    std::string subject;
    std::string message_id;   // without brackets
    std::string in_reply_to;  // "" for none
    std::vector<std::string> references;
    std::string text;
    bool auto_submitted = false;  // Auto-Submitted: auto-replied (bounces)
};

// The message as RFC 5322 text with CRLF line ends (header values have CR and LF removed).
std::string Compose(const OutgoingMail& mail);
// "<random>.<id>@<domain>" without brackets, unique.
std::string NewMessageId(std::string_view domain);
// The domain of an address ("desk@example.com" → "example.com"; "localhost" when none).
std::string DomainOf(std::string_view address);

}  // namespace veche::mail
