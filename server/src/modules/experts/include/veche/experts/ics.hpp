#pragma once
// iCalendar (RFC 5545) building blocks for the events feed (meetings_ics.cpp).

#include <cstdint>
#include <string>
#include <string_view>

namespace veche::experts::ics {

// DATE-TIME in UTC (§3.3.5, form #2): 20260105T090000Z.
std::string Time(std::int64_t ms);
// TEXT (§3.3.11): backslash, semicolon and comma escaped, newlines as \n, other controls dropped.
std::string Text(std::string_view s);
// Appends a content line folded at 75 octets (§3.1), never inside a UTF-8 sequence, ended by CRLF.
void Line(std::string& out, std::string_view line);

}  // namespace veche::experts::ics
