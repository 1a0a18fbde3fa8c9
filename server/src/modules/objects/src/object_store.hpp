#pragma once
// Private to veche_objects: reading and writing the module's rows inside the caller's Tx. No
// permission checks.

#include <optional>
#include <string>
#include <vector>

#include "veche/core/event.hpp"
#include "veche/objects/types.hpp"
#include "veche/storage/database.hpp"

namespace veche::objects {

using storage::Tx;

std::optional<BusinessObject> LoadObject(Tx& tx, Id object_id);
std::vector<ObjectMember> LoadMembers(Tx& tx, Id object_id);
std::vector<Counterparty> LoadCounterparties(Tx& tx, Id object_id, std::optional<Id> only = std::nullopt);
std::vector<ObjectChat> LoadChats(Tx& tx, Id object_id);
std::optional<ObjectChat> LoadObjectChat(Tx& tx, Id chat_id);
// The counterparty of the object whose user `user_id` is (0: none).
Id CounterpartyOfUser(Tx& tx, Id object_id, Id user_id);
bool IsChatMember(Tx& tx, Id chat_id, Id user_id);

// The object's topic ("object:<id>"), followed by its members (object roles).
void EmitObjectEvent(Tx& tx, Id object_id, std::string kind, const boost::json::object& data,
                     MembershipChange membership = MembershipChange::kNone, Id target = 0);

boost::json::object ObjectJson(const BusinessObject& o);
boost::json::object CounterpartyJson(const Counterparty& c);
boost::json::object ObjectChatJson(const ObjectChat& c);
boost::json::object ViewJson(const ObjectView& v);

}  // namespace veche::objects
