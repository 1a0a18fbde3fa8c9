#pragma once
// What the agents' tools share: the audit entry, the conversation and contact visibility rules
// (deleted and merged ones are gone), inside the caller's transaction.

#include <boost/json/object.hpp>

#include "store.hpp"

namespace veche::support {

Status AuditTool(storage::Tx& tx, Id actor, std::string action, std::string kind, Id target,
                 boost::json::object data = {});
// The conversation if the viewer may see it and it is not deleted; else 404 conversation_not_found.
Result<Conversation> VisibleConversation(storage::Tx& tx, const Viewer& viewer, Id id);
// A contact that is not merged away and that the viewer sees: admins and scope "all" every one,
// others those with a conversation they see; else 404 contact_not_found.
Result<Contact> VisibleContact(storage::Tx& tx, const Viewer& viewer, Id id);

}  // namespace veche::support
