#include "veche/core/json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "veche/core/text.hpp"

namespace veche::json {

Result<bj::object> ParseObject(std::string_view body) {
    boost::system::error_code ec;
    bj::parse_options opts;
    opts.max_depth = 32;
    // Boost.JSON rejects invalid UTF-8 inside strings by default (allow_invalid_utf8 = false).
    bj::value v = bj::parse(body, ec, {}, opts);
    if (ec) return Error::Malformed("request body is not valid JSON: " + ec.message());
    if (!v.is_object()) return Error::InvalidArgument("request body must be a JSON object");
    return std::move(v.as_object());
}

namespace {
Error WrongType(std::string_view key, std::string_view expected) {
    return Error::InvalidArgument("field '" + std::string(key) + "' must be " + std::string(expected));
}
}  // namespace

Result<std::optional<std::string>> OptString(const bj::object& obj, std::string_view key,
                                             StringLimits limits) {
    auto it = obj.find(key);
    if (it == obj.end() || it->value().is_null()) return std::optional<std::string>();
    if (!it->value().is_string()) return WrongType(key, "a string");
    std::string_view s = it->value().get_string();
    if (limits.trim) s = text::Trim(s);
    if (s.find('\0') != std::string_view::npos)
        return Error::InvalidArgument("field '" + std::string(key) + "' must not contain NUL");
    std::size_t n = text::CodePointCount(s);
    if (n > limits.max_chars)
        return Error::InvalidArgument("field '" + std::string(key) + "' is longer than " +
                                      std::to_string(limits.max_chars) + " characters");
    if (n < limits.min_chars)
        return Error::InvalidArgument(
            limits.min_chars == 1 ? "field '" + std::string(key) + "' must not be empty"
                                  : "field '" + std::string(key) + "' is shorter than " +
                                        std::to_string(limits.min_chars) + " characters");
    return std::optional<std::string>(std::string(s));
}

Result<std::string> ReqString(const bj::object& obj, std::string_view key, StringLimits limits) {
    VECHE_ASSIGN_OR_RETURN(auto v, OptString(obj, key, limits));
    if (!v) return Error::InvalidArgument("field '" + std::string(key) + "' is required");
    return std::move(*v);
}

Result<std::optional<bool>> OptBool(const bj::object& obj, std::string_view key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->value().is_null()) return std::optional<bool>();
    if (!it->value().is_bool()) return WrongType(key, "a boolean");
    return std::optional<bool>(it->value().get_bool());
}

Result<std::optional<std::int64_t>> OptInt(const bj::object& obj, std::string_view key,
                                           std::int64_t min, std::int64_t max) {
    auto it = obj.find(key);
    if (it == obj.end() || it->value().is_null()) return std::optional<std::int64_t>();
    const auto& v = it->value();
    std::int64_t n;
    if (v.is_int64()) {
        n = v.get_int64();
    } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        n = static_cast<std::int64_t>(v.get_uint64());
    } else {
        return WrongType(key, "an integer");
    }
    if (n < min || n > max)
        return Error::InvalidArgument("field '" + std::string(key) + "' must be between " +
                                      std::to_string(min) + " and " + std::to_string(max));
    return std::optional<std::int64_t>(n);
}

Result<std::optional<Id>> OptId(const bj::object& obj, std::string_view key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->value().is_null()) return std::optional<Id>();
    if (!it->value().is_string()) return WrongType(key, "an id string");
    auto id = ParseId(it->value().get_string());
    if (!id) return WrongType(key, "an id string");
    return std::optional<Id>(*id);
}

Result<Id> ReqId(const bj::object& obj, std::string_view key) {
    VECHE_ASSIGN_OR_RETURN(auto v, OptId(obj, key));
    if (!v) return Error::InvalidArgument("field '" + std::string(key) + "' is required");
    return *v;
}

Result<std::vector<Id>> OptIdArray(const bj::object& obj, std::string_view key, std::size_t max_items) {
    std::vector<Id> out;
    auto it = obj.find(key);
    if (it == obj.end() || it->value().is_null()) return out;
    if (!it->value().is_array()) return WrongType(key, "an array of id strings");
    const auto& arr = it->value().get_array();
    if (arr.size() > max_items)
        return Error::InvalidArgument("field '" + std::string(key) + "' has more than " +
                                      std::to_string(max_items) + " items");
    for (const auto& item : arr) {
        if (!item.is_string()) return WrongType(key, "an array of id strings");
        auto id = ParseId(item.get_string());
        if (!id) return WrongType(key, "an array of id strings");
        out.push_back(*id);
    }
    return out;
}

bool IsNull(const bj::object& obj, std::string_view key) {
    auto it = obj.find(key);
    return it != obj.end() && it->value().is_null();
}

std::string Serialize(const bj::value& value) { return bj::serialize(value); }

}  // namespace veche::json
