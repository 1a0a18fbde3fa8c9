#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace veche::text {

// Number of Unicode code points in valid UTF-8 (continuation bytes are not counted).
std::size_t CodePointCount(std::string_view utf8);
bool IsValidUtf8(std::string_view bytes);
// Strips ASCII and Unicode whitespace commonly typed (space, tabs, newlines, NBSP) at both ends.
std::string_view Trim(std::string_view s);
std::string ToLowerAscii(std::string_view s);

}  // namespace veche::text
