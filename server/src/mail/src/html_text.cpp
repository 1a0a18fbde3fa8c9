// HTML to plain text for inbound mail (mime.hpp): a small tolerant scanner, not a renderer. It never
// emits markup, so whatever the HTML held (script, event handlers, styles) cannot reach a client.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "veche/mail/mime.hpp"

namespace veche::mail {
namespace {

std::string Lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The first case-insensitive occurrence of `needle` (lower-case ASCII) at or after `from`.
std::size_t FindCi(std::string_view hay, std::string_view needle, std::size_t from) {
    if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
    for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
        std::size_t k = 0;
        while (k < needle.size() &&
               std::tolower(static_cast<unsigned char>(hay[i + k])) == static_cast<unsigned char>(needle[k]))
            ++k;
        if (k == needle.size()) return i;
    }
    return std::string_view::npos;
}

void AppendUtf8(std::string& out, std::uint32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// The entity at html[i] ('&'); appends its text and returns the index after it, or i+1 as a literal '&'.
std::size_t Entity(std::string_view html, std::size_t i, std::string& out) {
    std::size_t end = html.find(';', i);
    if (end == std::string_view::npos || end - i > 10) {
        out += '&';
        return i + 1;
    }
    std::string name(html.substr(i + 1, end - i - 1));
    if (!name.empty() && name[0] == '#') {
        std::uint32_t cp = 0;
        bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
        std::string digits = name.substr(hex ? 2 : 1);
        if (digits.empty()) {
            out += '&';
            return i + 1;
        }
        for (char c : digits) {
            int d = std::isdigit(static_cast<unsigned char>(c))           ? c - '0'
                    : hex && std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                                          : -1;
            if (d < 0) {
                out += '&';
                return i + 1;
            }
            cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
            if (cp > 0x10FFFF) cp = 0x110000;
        }
        AppendUtf8(out, cp);
        return end + 1;
    }
    static constexpr std::pair<std::string_view, std::string_view> kNamed[] = {
        {"amp", "&"},   {"lt", "<"},    {"gt", ">"},    {"quot", "\""}, {"apos", "'"},   {"nbsp", " "},
        {"laquo", "«"}, {"raquo", "»"}, {"mdash", "—"}, {"ndash", "–"}, {"hellip", "…"}, {"copy", "©"},
    };
    for (auto [n, v] : kNamed) {
        if (name == n) {
            out += v;
            return end + 1;
        }
    }
    out += '&';
    return i + 1;
}

bool IsBlock(const std::string& tag) {
    static constexpr std::string_view kBlocks[] = {"br",  "p",     "div", "tr", "li", "h1",
                                                   "h2",  "h3",    "h4",  "h5", "h6", "blockquote",
                                                   "pre", "table", "ul",  "ol", "hr"};
    return std::find(std::begin(kBlocks), std::end(kBlocks), tag) != std::end(kBlocks);
}

}  // namespace

std::string HtmlToText(std::string_view html) {
    std::string raw;
    raw.reserve(html.size() / 2);
    std::size_t i = 0;
    while (i < html.size()) {
        char c = html[i];
        if (c == '<') {
            if (html.substr(i, 4) == "<!--") {
                std::size_t end = html.find("-->", i + 4);
                i = end == std::string_view::npos ? html.size() : end + 3;
                continue;
            }
            std::size_t end = html.find('>', i + 1);
            if (end == std::string_view::npos) break;  // an unclosed tag: the rest is inside it
            std::string_view inner = html.substr(i + 1, end - i - 1);
            bool closing = !inner.empty() && inner[0] == '/';
            if (closing) inner.remove_prefix(1);
            std::size_t n = 0;
            while (n < inner.size() &&
                   (std::isalnum(static_cast<unsigned char>(inner[n])) || inner[n] == '!'))
                ++n;
            std::string tag = Lower(inner.substr(0, n));
            i = end + 1;
            if (!closing && (tag == "script" || tag == "style" || tag == "head" || tag == "title")) {
                // Skip to the matching close tag (or the end): its content is never text.
                std::size_t close = FindCi(html, "</" + tag, i);
                if (close == std::string_view::npos) break;
                std::size_t gt = html.find('>', close);
                i = gt == std::string_view::npos ? html.size() : gt + 1;
                continue;
            }
            if (IsBlock(tag)) raw += '\n';
            if (tag == "li" && !closing) raw += "• ";
            if ((tag == "td" || tag == "th") && closing) raw += ' ';
            continue;
        }
        if (c == '&') {
            i = Entity(html, i, raw);
            continue;
        }
        raw += c;
        ++i;
    }
    // Collapse: runs of spaces and tabs to one space, lines trimmed, at most one empty line in a row.
    std::string out;
    std::string line;
    int empty_lines = 0;
    auto flush = [&] {
        while (!line.empty() && line.back() == ' ') line.pop_back();
        if (line.empty()) {
            if (!out.empty() && ++empty_lines <= 1) out += '\n';
        } else {
            out += line;
            out += '\n';
            empty_lines = 0;
        }
        line.clear();
    };
    for (char c : raw) {
        if (c == '\n') {
            flush();
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            if (!line.empty() && line.back() != ' ') line += ' ';
        } else {
            line += c;
        }
    }
    flush();
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return ValidUtf8(out);
}

std::string ValidUtf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        auto b = static_cast<unsigned char>(s[i]);
        std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
        bool ok = len > 0 && i + len <= s.size();
        std::uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
        for (std::size_t k = 1; ok && k < len; ++k) {
            auto cb = static_cast<unsigned char>(s[i + k]);
            if ((cb >> 6) != 0x2) ok = false;
            cp = (cp << 6) | (cb & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are invalid too.
        if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
                   cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)))
            ok = false;
        if (ok && cp == 0) ok = false;  // NUL is not text
        if (ok) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

}  // namespace veche::mail
