#pragma once
// The values of the business-objects module: an object type (the template an administrator edits),
// an object, its counterparties and its chats. Plain data; safe to copy between threads.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"

namespace veche::objects {

// The roles a user holds in one object. "supplier" is never granted: it is being a counterparty's user.
inline constexpr const char* kObjectRoles[] = {"owner", "category_manager", "commission", "observer"};
bool IsObjectRole(std::string_view role);

struct StageDef {
    std::string key;   // [a-z0-9_-], unique in the type
    std::string name;  // shown to people
};

// Which chats an object gets: on which stage ("*": for the object's whole life), of which category
// (for the tree), one shared or one per counterparty, and who is in them.
struct ChatTemplate {
    std::string key;
    std::string stage = "*";
    std::string category = "organization";  // organization | supplier | commission | approval | specification | shipment | other
    std::string scope = "shared";           // shared | per_counterparty
    std::string title;                      // {{object.title}}, {{counterparty.name}}, {{stage.name}}
    std::vector<std::string> members;       // object roles; a per_counterparty chat adds that counterparty's users
};

struct ObjectType {
    std::string key;
    std::string name;
    std::vector<StageDef> stages;  // in order; an object starts at the first
    std::vector<ChatTemplate> chats;
    // MSG-4 in the object's chats: no deletion after `immutable_after_minutes` (0: never), edits
    // keep versions and stay open for `edit_window_minutes`. null immutable: an ordinary chat.
    std::optional<std::int64_t> immutable_after_minutes = 0;
    std::int64_t edit_window_minutes = 10;
    bool reject_requires_comment = true;
    int approval_deadline_working_days = 3;
    bool approval_requires_signature = true;
    boost::json::array vote_fields;  // [{key, label, type: text|number|date|money}]
    std::int64_t updated_at = 0;

    const StageDef* Stage(std::string_view key) const;
    int StageIndex(std::string_view key) const;  // -1: unknown
};

// The array at `key` (nullptr when absent or null): 400 when it is not an array or has over `max` items.
Result<const boost::json::array*> OptArray(const boost::json::object& o, std::string_view key, std::size_t max);

// Parses and checks a definition as PUT /object-types/{key} takes it (docs/api.md).
Result<ObjectType> ParseObjectType(std::string key, const boost::json::object& body);
boost::json::object ObjectTypeToJson(const ObjectType& type);

struct ObjectMember {
    Id user_id = 0;
    std::string role;
};

struct Counterparty {
    Id id = 0;
    Id object_id = 0;
    std::string org_ref;  // the external system's key (INN/KPP, an id): unique in the object
    std::string name;
    std::vector<Id> user_ids;
    bool removed = false;
    std::int64_t created_at = 0;
};

struct ObjectChat {
    Id chat_id = 0;
    Id object_id = 0;
    std::string template_key;
    std::string stage;  // the template's stage ("*": the object's whole life)
    std::string category;
    Id counterparty_id = 0;
    std::string state;  // open | archived
    std::string name;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> archived_at;
};

struct BusinessObject {
    Id id = 0;
    std::string type_key;
    std::string external_id;
    std::string system;
    std::string url;
    std::string title;
    boost::json::object attributes;
    std::string stage;
    std::string state;  // active | closed | cancelled
    std::int64_t version = 0;
    Id created_by = 0;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

// What one user may see of an object: staff see everything; a counterparty's user sees the object,
// its own counterparty and the chats it is in, nothing of the other counterparties.
struct ObjectView {
    BusinessObject object;
    std::vector<std::string> my_roles;  // object roles; "supplier" for a counterparty's user
    bool staff = false;                 // an object role, or objects.manage / objects.integrate
    bool can_manage = false;            // change stage, counterparties, members
    std::vector<ObjectMember> members;  // staff only
    std::vector<Counterparty> counterparties;
    std::vector<ObjectChat> chats;
};

struct ObjectUpsert {
    std::string title;
    std::optional<std::string> url;
    std::optional<std::string> system;
    std::optional<boost::json::object> attributes;
    std::optional<std::vector<ObjectMember>> members;  // absent: unchanged
};

struct CounterpartyUpsert {
    std::string org_ref;
    std::string name;
    std::vector<Id> user_ids;
};

struct ObjectFilter {
    std::optional<std::string> type_key;
    std::optional<std::string> stage;
    std::optional<std::string> state;
    std::string query;  // in the title or external id
    std::optional<Id> before;
    int limit = 50;
};

}  // namespace veche::objects
