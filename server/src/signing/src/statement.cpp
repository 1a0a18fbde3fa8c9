#include "veche/signing/statement.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "veche/core/text.hpp"

namespace veche::signing {
namespace {

namespace bj = boost::json;

Status Check(const bj::value& v, int depth) {
    if (depth > kMaxStatementDepth) return Error::InvalidArgument("a statement may nest 16 levels at most");
    switch (v.kind()) {
        case bj::kind::double_:
            return Error::InvalidArgument("a statement holds integers only, no floats");
        case bj::kind::string:
            if (!text::IsValidUtf8(v.get_string()))
                return Error::InvalidArgument("a statement's strings must be valid UTF-8");
            return {};
        case bj::kind::array:
            for (const auto& e : v.get_array()) VECHE_RETURN_IF_ERROR(Check(e, depth + 1));
            return {};
        case bj::kind::object:
            for (const auto& kv : v.get_object()) {
                if (!text::IsValidUtf8(kv.key()))
                    return Error::InvalidArgument("a statement's keys must be valid UTF-8");
                VECHE_RETURN_IF_ERROR(Check(kv.value(), depth + 1));
            }
            return {};
        default:
            return {};
    }
}

void Append(std::string& out, const bj::value& v);

void AppendObject(std::string& out, const bj::object& obj) {
    std::vector<const bj::key_value_pair*> members;
    members.reserve(obj.size());
    for (const auto& kv : obj) members.push_back(&kv);
    // string_view compares as unsigned bytes (char_traits<char>), which for UTF-8 is code point order.
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->key() < b->key(); });
    out.push_back('{');
    bool first = true;
    for (const auto* kv : members) {
        if (!first) out.push_back(',');
        first = false;
        out += bj::serialize(bj::string_view(kv->key()));
        out.push_back(':');
        Append(out, kv->value());
    }
    out.push_back('}');
}

void Append(std::string& out, const bj::value& v) {
    switch (v.kind()) {
        case bj::kind::null:
            out += "null";
            return;
        case bj::kind::bool_:
            out += v.get_bool() ? "true" : "false";
            return;
        case bj::kind::int64:
            out += std::to_string(v.get_int64());
            return;
        case bj::kind::uint64:
            out += std::to_string(v.get_uint64());
            return;
        case bj::kind::double_:
            throw std::invalid_argument("a float in a signing statement");
        case bj::kind::string:
            out += bj::serialize(v.get_string());
            return;
        case bj::kind::array: {
            out.push_back('[');
            bool first = true;
            for (const auto& e : v.get_array()) {
                if (!first) out.push_back(',');
                first = false;
                Append(out, e);
            }
            out.push_back(']');
            return;
        }
        case bj::kind::object:
            AppendObject(out, v.get_object());
            return;
    }
}

}  // namespace

Status CheckStatement(const bj::object& statement) {
    for (const auto& kv : statement) {
        if (!text::IsValidUtf8(kv.key()))
            return Error::InvalidArgument("a statement's keys must be valid UTF-8");
        VECHE_RETURN_IF_ERROR(Check(kv.value(), 1));
    }
    if (Canonical(statement).size() > kMaxStatementBytes)
        return Error::InvalidArgument("a statement is 64 KiB at most");
    return {};
}

std::string Canonical(const bj::object& statement) {
    std::string out;
    AppendObject(out, statement);
    return out;
}

}  // namespace veche::signing
