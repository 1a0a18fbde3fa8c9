#pragma once
// The desk's realtime events (docs/api.md, "Events": support.*), addressed by the same rule as
// CanSee so that an agent hears only of conversations they may open (SUP-4):
//   support_desk:1      followed by support admins and agents of scope `all`;
//   support_team:<id>   followed by the team's members of scope `team`;
//   the assignee        the event's target user, unless a topic above already reaches them.
// One event per topic, so the cost of a change follows the number of topics (two at most), not of
// agents. Visitors hold no session and never open the WebSocket: nothing here reaches them, and no
// event carries a message's text.

#include <optional>
#include <string_view>

#include <boost/json/object.hpp>

#include "veche/realtime/audience.hpp"
#include "veche/storage/database.hpp"
#include "veche/support/types.hpp"

namespace veche::roles {
class RoleService;
}

namespace veche::support {

inline constexpr std::string_view kDeskTopic = "support_desk";
inline constexpr std::string_view kTeamTopic = "support_team";
inline constexpr Id kDeskTopicId = 1;

// Any support.* event about a conversation (other slices: deleted, restored, sla…), addressed as
// above: the desk's topic, the team's topic with the assignee as its target, or the assignee alone.
// `data` must not carry message text.
void EmitConversationEvent(storage::Tx& tx, const Conversation& c, std::string_view kind,
                           const boost::json::object& data);
// support.conversation.created: the conversation as it stands after its first assignment.
void EmitCreated(storage::Tx& tx, const Conversation& c);
// support.conversation.status_changed and/or .assigned, comparing the stored row with the new one
// (called by SaveConversation, so every path that changes a conversation tells the inbox).
void EmitChanges(storage::Tx& tx, const Conversation& before, const Conversation& after);
// support.conversation.message: a message was added (its id and direction, never its text).
void EmitMessage(storage::Tx& tx, const Conversation& c, Id message_id, std::string_view direction);
// support.agent.access_changed with the MembershipChange that makes `user_id` follow the desk
// topic or a team topic, or stop following it.
void EmitFollow(storage::Tx& tx, Id user_id, std::string_view kind, Id topic_id, bool follows);

// After a change of `user_id`'s grants that touches the desk's permissions: the desk topic and
// their teams' topics, followed or not as the user may see them now (EmitFollow for each), so a
// revoked agent stops hearing at once. Repeating a follow the user already had is harmless.
Status ReaddressAgent(storage::Tx& tx, const roles::RoleService& roles, Id user_id);

// Who follows support_desk:1 (admins and scope all) and support_team:<id> (scope team, their teams).
class DeskAudience final : public realtime::Audience {
public:
    explicit DeskAudience(const roles::RoleService& roles) : roles_(roles) {}
    std::string_view kind() const override { return kDeskTopic; }
    std::vector<Id> FollowedBy(storage::Tx& tx, Id user_id) const override;

private:
    const roles::RoleService& roles_;
};

class TeamAudience final : public realtime::Audience {
public:
    explicit TeamAudience(const roles::RoleService& roles) : roles_(roles) {}
    std::string_view kind() const override { return kTeamTopic; }
    std::vector<Id> FollowedBy(storage::Tx& tx, Id user_id) const override;

private:
    const roles::RoleService& roles_;
};

}  // namespace veche::support
