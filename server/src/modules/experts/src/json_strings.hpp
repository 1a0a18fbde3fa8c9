#pragma once
// The module's lists of strings (tags, sections, levels, slides, links, allowed actions) as JSON:
// an array in responses, and its text in the TEXT columns that keep them.

#include <boost/json/array.hpp>
#include <string>
#include <vector>

namespace veche::experts {

boost::json::array StringsJson(const std::vector<std::string>& strings);
std::string StringsText(const std::vector<std::string>& strings);
// What StringsText wrote; the strings of anything else that is an array, and nothing otherwise.
std::vector<std::string> StringsFromText(const std::string& text);

}  // namespace veche::experts
