#pragma once
// Request decoding shared by the expert network's routes: a field of the wrong type is 400
// invalid_argument (as everywhere), a required field that is absent, null or blank is 422
// field_required, naming the field.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veche/api/kit.hpp"
#include "veche/core/error.hpp"
#include "veche/core/json.hpp"
#include "veche/core/text.hpp"

namespace veche::experts {

inline Error FieldRequired(std::string_view key) {
    return {ErrorCode::kUnprocessable, "field_required", "field '" + std::string(key) + "' is required"};
}

// A trimmed string of at most `max_chars`; 422 when absent or blank.
inline Result<std::string> RequiredText(const boost::json::object& body, std::string_view key,
                                        std::size_t max_chars) {
    VECHE_ASSIGN_OR_RETURN(auto v, json::OptString(body, key, {max_chars, 0, true}));
    if (!v || v->empty()) return FieldRequired(key);
    return std::move(*v);
}

inline Result<std::optional<std::string>> OptionalText(const boost::json::object& body, std::string_view key,
                                                       std::size_t max_chars, bool trim = true) {
    return json::OptString(body, key, {max_chars, 0, trim});
}

// An array of strings (each trimmed, 1 to `max_chars`), at most `max_items`; absent gives nullopt.
inline Result<std::optional<std::vector<std::string>>> OptionalStrings(const boost::json::object& body,
                                                                       std::string_view key,
                                                                       std::size_t max_items,
                                                                       std::size_t max_chars) {
    auto it = body.find(key);
    if (it == body.end() || it->value().is_null()) return std::optional<std::vector<std::string>>();
    if (!it->value().is_array())
        return Error::InvalidArgument("field '" + std::string(key) + "' must be an array of strings");
    const auto& arr = it->value().get_array();
    if (arr.size() > max_items)
        return Error::InvalidArgument("field '" + std::string(key) + "' has more than " +
                                      std::to_string(max_items) + " entries");
    std::vector<std::string> out;
    for (const auto& v : arr) {
        if (!v.is_string())
            return Error::InvalidArgument("field '" + std::string(key) + "' must be an array of strings");
        std::string_view s = text::Trim(v.get_string());
        std::size_t n = text::CodePointCount(s);
        if (n == 0 || n > max_chars || s.find('\0') != std::string_view::npos)
            return Error::InvalidArgument("each of '" + std::string(key) + "' is 1 to " +
                                          std::to_string(max_chars) + " characters");
        out.emplace_back(s);
    }
    return std::optional<std::vector<std::string>>(std::move(out));
}

// The body of a request whose body is optional: an empty object when none was sent.
inline Result<boost::json::object> OptionalBody(const api::Request& req) {
    if (text::Trim(req.body).empty()) return boost::json::object{};
    return api::JsonBody(req);
}

// A query parameter that is a boolean: true|1, false|0; absent gives `fallback`.
inline Result<bool> QueryBool(const api::Request& req, const std::string& name, bool fallback) {
    auto it = req.query.find(name);
    if (it == req.query.end() || it->second.empty()) return fallback;
    if (it->second == "true" || it->second == "1") return true;
    if (it->second == "false" || it->second == "0") return false;
    return Error::InvalidArgument("query parameter '" + name + "' is true or false");
}

}  // namespace veche::experts
