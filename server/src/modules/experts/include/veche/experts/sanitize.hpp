#pragma once
// Rich text of the expert network (articles, slides, feed posts) as the server keeps it: HTML that
// passed an allow-list, whatever the client sent. The web client edits with TipTap, whose output
// is a small set of tags; the server does not trust that and rebuilds the document from libxml2's
// HTML parser tree (the parser browsers' quirks were modelled on, in Debian as libxml2), emitting
// only:
//
//   tags        p br hr h1–h6 strong b em i u s strike del ins sub sup mark code pre blockquote
//               ul ol li a img figure figcaption table thead tbody tfoot tr th td span div video
//   attributes  a: href title (target _blank only, with rel="noopener noreferrer nofollow" added);
//               img: src alt title width height; video: src poster controls; ol: start;
//               th/td: colspan rowspan; code: class "language-…"
//   URLs        http:, https:, mailto: (links only), and same-site paths ("/…", not "//…");
//               anything else (javascript:, data:, vbscript:, entity-obfuscated or split by
//               control characters) drops the attribute
//
// script, style, iframe, object, embed, svg, math, form controls, template, noscript and the head
// are dropped with their content; any other element is unwrapped (its text and allowed children
// kept); comments, processing instructions and every other attribute (on*, style, class, id) go.
// The output is well-formed (every tag closed, attributes double-quoted, text escaped), so
// sanitizing it again gives the same bytes.
//
// Thread-safe (libxml2's parser keeps its state per call).

#include <string>
#include <string_view>

namespace veche::experts {

std::string SanitizeHtml(std::string_view html);

// The text of sanitized HTML, tags removed and entities decoded, block ends as spaces: for the
// search index and for notices.
std::string HtmlToText(std::string_view html);

// Plain text as HTML text: & < > " escaped.
std::string EscapeHtml(std::string_view text);

}  // namespace veche::experts
