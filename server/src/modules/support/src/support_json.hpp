#pragma once
// Wire shapes of the support desk (docs/api.md, "Support desk").

#include <boost/json/object.hpp>

#include "veche/support/desk.hpp"

namespace veche::support {

boost::json::object InboxToJson(const Inbox& inbox);
boost::json::object TeamToJson(const Team& team);
boost::json::object TopicToJson(const Topic& topic);
boost::json::object AgentToJson(const Agent& agent);
boost::json::object ContactToJson(const Contact& contact);
boost::json::object ConversationToJson(const Conversation& c);
boost::json::object ConversationViewToJson(const ConversationView& v);
// The agents' view: the core message with its direction.
boost::json::object DeskMessageToJson(const DeskMessage& m, Id viewer);
boost::json::object LabelToJson(const Label& label);
boost::json::object CannedReplyToJson(const CannedReply& reply);
boost::json::object IdentityToJson(const ContactIdentity& identity);
// What a visitor sees: no chat, no assignee, no team; messages without author ids.
boost::json::object VisitorConversationToJson(const Conversation& c);
boost::json::object VisitorMessageToJson(const DeskMessage& m);

}  // namespace veche::support
