#include "json_strings.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace veche::experts {

namespace bj = boost::json;

bj::array StringsJson(const std::vector<std::string>& strings) {
    bj::array a;
    for (const auto& s : strings) a.emplace_back(s);
    return a;
}

std::string StringsText(const std::vector<std::string>& strings) { return bj::serialize(StringsJson(strings)); }

std::vector<std::string> StringsFromText(const std::string& text) {
    std::vector<std::string> out;
    boost::system::error_code ec;
    bj::value v = bj::parse(text, ec);
    if (ec || !v.is_array()) return out;
    for (const auto& e : v.get_array())
        if (e.is_string()) out.emplace_back(e.get_string());
    return out;
}

}  // namespace veche::experts
