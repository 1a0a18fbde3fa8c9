// Object type definitions: parsing, checking and the wire shape (docs/api.md, "Business objects").
#include <algorithm>
#include <set>

#include <boost/json/array.hpp>

#include "veche/core/json.hpp"
#include "veche/core/text.hpp"
#include "veche/objects/types.hpp"

namespace veche::objects {
namespace {

namespace bj = boost::json;

constexpr std::size_t kMaxStages = 30;
constexpr std::size_t kMaxChatTemplates = 50;
constexpr std::size_t kMaxVoteFields = 30;

bool IsKey(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

bool OneOf(std::string_view s, std::initializer_list<std::string_view> options) {
    return std::find(options.begin(), options.end(), s) != options.end();
}

Result<std::string> ReqKey(const bj::object& o, std::string_view field, std::string_view where) {
    VECHE_ASSIGN_OR_RETURN(auto k, json::ReqString(o, field, {64, 1}));
    if (!IsKey(k))
        return Error::InvalidArgument(std::string(where) + ": '" + std::string(field) +
                                      "' must be 1-64 characters of a-z, 0-9, _ and -");
    return k;
}

}  // namespace

Result<const bj::array*> OptArray(const bj::object& o, std::string_view key, std::size_t max) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return static_cast<const bj::array*>(nullptr);
    if (!it->value().is_array()) return Error::InvalidArgument("field '" + std::string(key) + "' must be an array");
    if (it->value().get_array().size() > max)
        return Error::InvalidArgument("field '" + std::string(key) + "' has too many items");
    return &it->value().get_array();
}

bool IsObjectRole(std::string_view role) {
    return std::any_of(std::begin(kObjectRoles), std::end(kObjectRoles),
                       [&](const char* r) { return role == r; });
}

const StageDef* ObjectType::Stage(std::string_view k) const {
    for (const auto& s : stages)
        if (s.key == k) return &s;
    return nullptr;
}

int ObjectType::StageIndex(std::string_view k) const {
    for (std::size_t i = 0; i < stages.size(); ++i)
        if (stages[i].key == k) return static_cast<int>(i);
    return -1;
}

Result<ObjectType> ParseObjectType(std::string key, const bj::object& body) {
    if (!IsKey(key)) return Error::InvalidArgument("the type key must be 1-64 characters of a-z, 0-9, _ and -");
    ObjectType t;
    t.key = std::move(key);
    VECHE_ASSIGN_OR_RETURN(t.name, json::ReqString(body, "name", {200, 1, true}));
    VECHE_ASSIGN_OR_RETURN(const bj::array* stages, OptArray(body, "stages", kMaxStages));
    if (!stages || stages->empty()) return Error::InvalidArgument("field 'stages' must list at least one stage");
    std::set<std::string> stage_keys;
    for (const auto& v : *stages) {
        if (!v.is_object()) return Error::InvalidArgument("every stage must be an object {key, name}");
        StageDef s;
        VECHE_ASSIGN_OR_RETURN(s.key, ReqKey(v.get_object(), "key", "stage"));
        VECHE_ASSIGN_OR_RETURN(s.name, json::ReqString(v.get_object(), "name", {200, 1, true}));
        if (!stage_keys.insert(s.key).second) return Error::InvalidArgument("stage '" + s.key + "' is listed twice");
        t.stages.push_back(std::move(s));
    }
    VECHE_ASSIGN_OR_RETURN(const bj::array* chats, OptArray(body, "chats", kMaxChatTemplates));
    std::set<std::string> chat_keys;
    if (chats) {
        for (const auto& v : *chats) {
            if (!v.is_object()) return Error::InvalidArgument("every chat template must be an object");
            const auto& o = v.get_object();
            ChatTemplate c;
            VECHE_ASSIGN_OR_RETURN(c.key, ReqKey(o, "key", "chat template"));
            if (!chat_keys.insert(c.key).second)
                return Error::InvalidArgument("chat template '" + c.key + "' is listed twice");
            VECHE_ASSIGN_OR_RETURN(auto stage, json::OptString(o, "stage", {64, 1}));
            c.stage = stage.value_or("*");
            if (c.stage != "*" && !stage_keys.count(c.stage))
                return Error::InvalidArgument("chat template '" + c.key + "': unknown stage '" + c.stage + "'");
            VECHE_ASSIGN_OR_RETURN(auto category, json::OptString(o, "category", {32, 1}));
            c.category = category.value_or("organization");
            if (!OneOf(c.category, {"organization", "supplier", "commission", "approval", "specification",
                                    "shipment", "other"}))
                return Error::InvalidArgument(
                    "chat template '" + c.key +
                    "': 'category' must be organization, supplier, commission, approval, specification, "
                    "shipment or other");
            VECHE_ASSIGN_OR_RETURN(auto scope, json::OptString(o, "scope", {32, 1}));
            c.scope = scope.value_or("shared");
            if (!OneOf(c.scope, {"shared", "per_counterparty"}))
                return Error::InvalidArgument("chat template '" + c.key +
                                              "': 'scope' must be shared or per_counterparty");
            VECHE_ASSIGN_OR_RETURN(c.title, json::ReqString(o, "title", {200, 1, true}));
            VECHE_ASSIGN_OR_RETURN(const bj::array* members, OptArray(o, "members", 10));
            if (members) {
                for (const auto& m : *members) {
                    if (!m.is_string() || !IsObjectRole(m.get_string()))
                        return Error::InvalidArgument(
                            "chat template '" + c.key +
                            "': 'members' lists object roles: owner, category_manager, commission, observer");
                    c.members.emplace_back(m.get_string());
                }
            }
            if (c.members.empty() && c.scope == "shared")
                return Error::InvalidArgument("chat template '" + c.key + "': a shared chat needs 'members'");
            t.chats.push_back(std::move(c));
        }
    }
    if (auto it = body.find("immutable_after_minutes"); it != body.end() && it->value().is_null()) {
        t.immutable_after_minutes = std::nullopt;
    } else {
        VECHE_ASSIGN_OR_RETURN(auto imm, json::OptInt(body, "immutable_after_minutes", 0, 525'600));
        t.immutable_after_minutes = imm.value_or(0);
    }
    VECHE_ASSIGN_OR_RETURN(auto window, json::OptInt(body, "edit_window_minutes", 0, 1440));
    t.edit_window_minutes = window.value_or(10);
    if (auto it = body.find("approvals"); it != body.end() && !it->value().is_null()) {
        if (!it->value().is_object()) return Error::InvalidArgument("field 'approvals' must be an object");
        const auto& a = it->value().get_object();
        VECHE_ASSIGN_OR_RETURN(auto req, json::OptBool(a, "reject_requires_comment"));
        t.reject_requires_comment = req.value_or(true);
        VECHE_ASSIGN_OR_RETURN(auto days, json::OptInt(a, "deadline_working_days", 1, 60));
        t.approval_deadline_working_days = static_cast<int>(days.value_or(3));
        VECHE_ASSIGN_OR_RETURN(auto sig, json::OptBool(a, "requires_signature"));
        t.approval_requires_signature = sig.value_or(true);
    }
    VECHE_ASSIGN_OR_RETURN(const bj::array* fields, OptArray(body, "vote_fields", kMaxVoteFields));
    if (fields) {
        std::set<std::string> field_keys;
        for (const auto& v : *fields) {
            if (!v.is_object()) return Error::InvalidArgument("every vote field must be an object");
            const auto& o = v.get_object();
            VECHE_ASSIGN_OR_RETURN(auto k, ReqKey(o, "key", "vote field"));
            VECHE_ASSIGN_OR_RETURN(auto label, json::ReqString(o, "label", {200, 1, true}));
            VECHE_ASSIGN_OR_RETURN(auto type, json::OptString(o, "type", {16, 1}));
            std::string ty = type.value_or("text");
            if (!OneOf(ty, {"text", "number", "date", "money"}))
                return Error::InvalidArgument("vote field '" + k + "': 'type' must be text, number, date or money");
            if (!field_keys.insert(k).second) return Error::InvalidArgument("vote field '" + k + "' is listed twice");
            t.vote_fields.push_back(bj::object{{"key", k}, {"label", label}, {"type", ty}});
        }
    }
    return t;
}

bj::object ObjectTypeToJson(const ObjectType& t) {
    bj::array stages, chats;
    for (const auto& s : t.stages) stages.push_back(bj::object{{"key", s.key}, {"name", s.name}});
    for (const auto& c : t.chats) {
        bj::array members;
        for (const auto& m : c.members) members.push_back(bj::value(m));
        chats.push_back(bj::object{{"key", c.key},
                                   {"stage", c.stage},
                                   {"category", c.category},
                                   {"scope", c.scope},
                                   {"title", c.title},
                                   {"members", std::move(members)}});
    }
    return {{"key", t.key},
            {"name", t.name},
            {"stages", std::move(stages)},
            {"chats", std::move(chats)},
            {"immutable_after_minutes",
             t.immutable_after_minutes ? bj::value(*t.immutable_after_minutes) : bj::value(nullptr)},
            {"edit_window_minutes", t.edit_window_minutes},
            {"approvals",
             bj::object{{"reject_requires_comment", t.reject_requires_comment},
                        {"deadline_working_days", t.approval_deadline_working_days},
                        {"requires_signature", t.approval_requires_signature}}},
            {"vote_fields", t.vote_fields},
            {"updated_at", t.updated_at}};
}

}  // namespace veche::objects
