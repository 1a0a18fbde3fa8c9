// The allow-list over libxml2's HTML tree (veche/experts/sanitize.hpp).
#include "veche/experts/sanitize.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <string>

namespace veche::experts {
namespace {

constexpr int kMaxDepth = 100;  // deeper nesting is dropped (no editor makes it)

constexpr std::string_view kAllowed[] = {
    "p",     "br",         "hr", "h1", "h2",     "h3",   "h4",  "h5",     "h6",         "strong", "b",
    "em",    "i",          "u",  "s",  "strike", "del",  "ins", "sub",    "sup",        "mark",   "code",
    "pre",   "blockquote", "ul", "ol", "li",     "a",    "img", "figure", "figcaption", "table",  "thead",
    "tbody", "tfoot",      "tr", "th", "td",     "span", "div", "video"};
constexpr std::string_view kDropped[] = {
    "script",   "style",    "iframe", "frame",   "frameset", "object",    "embed",  "applet",
    "svg",      "math",     "form",   "input",   "button",   "textarea",  "select", "option",
    "template", "noscript", "head",   "title",   "meta",     "link",      "base",   "audio",
    "source",   "track",    "canvas", "noembed", "xmp",      "plaintext", "param",  "portal"};
constexpr std::string_view kVoid[] = {"br", "hr", "img"};

template <std::size_t N>
bool In(const std::string_view (&list)[N], std::string_view name) {
    return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

void Escape(std::string& out, std::string_view s, bool attribute) {
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                if (attribute) {
                    out += "&quot;";
                    break;
                }
                [[fallthrough]];
            default:
                out += c;
        }
    }
}

// http(s):, mailto: (links) and same-site paths. The parser has decoded entities already; control
// characters and spaces (which browsers skip inside a scheme) are refused rather than skipped.
bool SafeUrl(std::string_view url, bool link) {
    if (url.empty() || url.size() > 2000) return false;
    for (char c : url)
        if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) return false;
    if (url[0] == '/') return url.size() == 1 || (url[1] != '/' && url[1] != '\\');
    if (link && url[0] == '#') return true;
    std::string l = Lower(url.substr(0, std::min<std::size_t>(url.size(), 8)));
    if (l.rfind("https://", 0) == 0 || l.rfind("http://", 0) == 0) return url.size() > l.find("//") + 2;
    return link && l.rfind("mailto:", 0) == 0;
}

bool Digits(std::string_view v, std::size_t max_len) {
    return !v.empty() && v.size() <= max_len &&
           std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool LanguageClass(std::string_view v) {
    if (v.rfind("language-", 0) != 0 || v.size() > 40 || v.size() == 9) return false;
    return std::all_of(v.begin() + 9, v.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '#';
    });
}

std::string Prop(xmlAttr* a) {
    xmlChar* v = xmlNodeListGetString(a->doc, a->children, 1);
    std::string out = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    // Leading and trailing spaces, as browsers strip them from URLs.
    auto b = out.find_first_not_of(" \t\r\n\f");
    if (b == std::string::npos) return "";
    auto e = out.find_last_not_of(" \t\r\n\f");
    return out.substr(b, e - b + 1);
}

void Attributes(std::string& out, const std::string& tag, xmlNode* node) {
    bool blank_target = false;
    for (xmlAttr* a = node->properties; a; a = a->next) {
        std::string name = Lower(reinterpret_cast<const char*>(a->name));
        std::string v = Prop(a);
        bool keep = false;
        if (tag == "a") {
            if (name == "href") keep = SafeUrl(v, true);
            if (name == "title") keep = true;
            if (name == "target" && Lower(v) == "_blank") blank_target = true;
        } else if (tag == "img") {
            if (name == "src") keep = SafeUrl(v, false);
            if (name == "alt" || name == "title") keep = true;
            if (name == "width" || name == "height") keep = Digits(v, 5);
        } else if (tag == "video") {
            if (name == "src" || name == "poster") keep = SafeUrl(v, false);
            if (name == "controls") {
                out += " controls";
                continue;
            }
        } else if (tag == "ol") {
            keep = name == "start" && Digits(v, 6);
        } else if (tag == "th" || tag == "td") {
            keep = (name == "colspan" || name == "rowspan") && Digits(v, 3);
        } else if (tag == "code") {
            keep = name == "class" && LanguageClass(v);
        }
        if (!keep) continue;
        out += ' ';
        out += name;
        out += "=\"";
        Escape(out, v, true);
        out += '"';
    }
    if (blank_target) out += " target=\"_blank\"";
    if (tag == "a") out += " rel=\"noopener noreferrer nofollow\"";
}

void Emit(std::string& out, xmlNode* node, int depth) {
    for (xmlNode* n = node; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content) Escape(out, reinterpret_cast<const char*>(n->content), false);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE) continue;  // comments, PIs, DTDs
        std::string tag = Lower(reinterpret_cast<const char*>(n->name));
        if (In(kDropped, tag) || depth >= kMaxDepth) continue;
        if (!In(kAllowed, tag)) {
            Emit(out, n->children, depth + 1);  // unwrapped: html, body, font, center, unknown …
            continue;
        }
        out += '<';
        out += tag;
        Attributes(out, tag, n);
        out += '>';
        if (In(kVoid, tag)) continue;
        Emit(out, n->children, depth + 1);
        out += "</";
        out += tag;
        out += '>';
    }
}

struct DocFree {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

// libxml2 wants its globals set up once before threads parse.
[[maybe_unused]] const bool kParserReady = (xmlInitParser(), true);

std::unique_ptr<xmlDoc, DocFree> Parse(std::string_view html) {
    // The fragment inside a body of its own, so that leading text is not taken for the head's.
    std::string doc = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>";
    doc.append(html);
    doc += "</body></html>";
    int options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                  HTML_PARSE_NOIMPLIED;
    return std::unique_ptr<xmlDoc, DocFree>(
        htmlReadMemory(doc.data(), static_cast<int>(doc.size()), nullptr, "UTF-8", options));
}

}  // namespace

std::string SanitizeHtml(std::string_view html) {
    if (html.find_first_not_of(" \t\r\n") == std::string_view::npos) return "";
    auto doc = Parse(html);
    if (!doc) return "";
    std::string out;
    Emit(out, xmlDocGetRootElement(doc.get()), 0);
    return out;
}

std::string EscapeHtml(std::string_view text) {
    std::string out;
    Escape(out, text, true);
    return out;
}

std::string HtmlToText(std::string_view html) {
    auto doc = Parse(html);
    if (!doc) return "";
    std::string out;
    // Text of every node, a space after each block so words of two paragraphs stay apart.
    auto walk = [&out](auto&& self, xmlNode* n) -> void {
        for (; n; n = n->next) {
            if (n->type == XML_TEXT_NODE && n->content) {
                out += reinterpret_cast<const char*>(n->content);
            } else if (n->type == XML_ELEMENT_NODE) {
                std::string tag = Lower(reinterpret_cast<const char*>(n->name));
                if (In(kDropped, tag)) continue;
                self(self, n->children);
                if (tag != "strong" && tag != "b" && tag != "em" && tag != "i" && tag != "u" && tag != "s" &&
                    tag != "a" && tag != "span" && tag != "code" && tag != "mark" && tag != "sub" &&
                    tag != "sup")
                    out += ' ';
            }
        }
    };
    walk(walk, xmlDocGetRootElement(doc.get()));
    std::string squeezed;
    bool space = true;
    for (char c : out) {
        bool ws = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (ws) {
            if (!space) squeezed += ' ';
            space = true;
        } else {
            squeezed += c;
            space = false;
        }
    }
    while (!squeezed.empty() && squeezed.back() == ' ') squeezed.pop_back();
    return squeezed;
}

}  // namespace veche::experts
