#pragma once
// The one parser of @mentions. The server records mentions and notifications with it, and every
// Message carries its result as `mentions`, so clients count mention badges from the server's
// reading instead of a second parser that drifts (docs/api.md, "Read receipts, mentions").

#include <set>
#include <string>
#include <string_view>

namespace veche::chat {

// The lowercased names after "@" in `text`: a-z, 0-9, '.', '_', '-', 2 to 32 of them, after a
// character that is not part of a word (so "x@alice" and e-mail addresses are not mentions);
// a trailing '.' or '-' ends the sentence, not the name. Includes "channel", "all" and "here"
// as written; which of the names are users is decided by the caller. Pure; thread-safe.
std::set<std::string> ParseMentions(std::string_view text);

}  // namespace veche::chat
