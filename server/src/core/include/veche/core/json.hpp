#pragma once
// Typed access to JSON request bodies. Each getter distinguishes "absent" from "wrong type" so that
// handlers answer 400 invalid_argument with the field's name instead of guessing.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"

namespace veche::json {

namespace bj = boost::json;

// Parses a request body that must be a JSON object. Invalid JSON or invalid UTF-8 give
// malformed_json; any other top-level value gives invalid_argument.
Result<bj::object> ParseObject(std::string_view body);

// Field readers: nullopt when the field is absent (or null where `null_is_absent`),
// an error naming the field when it has the wrong type or breaks a limit.
struct StringLimits {
    std::size_t max_chars = 200;  // in Unicode code points
    std::size_t min_chars = 0;
    bool trim = false;
};
Result<std::optional<std::string>> OptString(const bj::object& obj, std::string_view key,
                                             StringLimits limits = {});
Result<std::string> ReqString(const bj::object& obj, std::string_view key, StringLimits limits = {});
Result<std::optional<bool>> OptBool(const bj::object& obj, std::string_view key);
Result<std::optional<std::int64_t>> OptInt(const bj::object& obj, std::string_view key,
                                           std::int64_t min, std::int64_t max);
// Ids are decimal strings in JSON.
Result<std::optional<Id>> OptId(const bj::object& obj, std::string_view key);
Result<Id> ReqId(const bj::object& obj, std::string_view key);
Result<std::vector<Id>> OptIdArray(const bj::object& obj, std::string_view key, std::size_t max_items);

// Whether the key is present with a null value (used for "turn this setting off").
bool IsNull(const bj::object& obj, std::string_view key);

std::string Serialize(const bj::value& value);

}  // namespace veche::json
