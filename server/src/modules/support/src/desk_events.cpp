#include "desk_events.hpp"

#include "store.hpp"
#include "support_json.hpp"
#include "veche/core/event.hpp"
#include "veche/core/json.hpp"

namespace veche::support {

using storage::Tx;
namespace bj = boost::json;

namespace {

// Whether a topic already reaches `user_id` for a conversation of `team_id`: their agent row says
// scope all (the desk topic), or scope team and they are a member of the team (its topic). An
// administrator whose row says otherwise may then get an event twice; clients treat events as
// "this changed, look again", so a repeat is harmless, a miss would not be.
bool ReachedByTopic(Tx& tx, Id user_id, std::optional<Id> team_id) {
    auto& st = tx.Query("SELECT scope FROM support_agents WHERE user_id = ?", user_id);
    std::string scope = st.Step() ? st.Text(0) : "assigned";
    while (st.Step()) {
    }
    if (scope == "all") return true;
    if (scope != "team" || !team_id) return false;
    return tx.QueryInt("SELECT 1 FROM support_team_members WHERE team_id = ? AND user_id = ?", *team_id, user_id)
        .has_value();
}

void EmitOne(Tx& tx, veche::Topic topic, Id target, std::string_view kind, const std::string& data) {
    if (topic.empty() && target == 0) return;
    Event e;
    e.topic = std::move(topic);
    e.target_user_id = target;
    e.kind = std::string(kind);
    e.data_json = data;
    tx.Emit(std::move(e));
}

}  // namespace

void EmitConversationEvent(Tx& tx, const Conversation& c, std::string_view kind, const bj::object& data) {
    // A deleted conversation is hidden from every list until an admin restores it: its deletion is
    // the last thing the inboxes hear of it.
    if (kind != "support.conversation.deleted" && IsDeleted(tx, c.id)) return;
    std::string text = json::Serialize(data);
    EmitOne(tx, veche::Topic{std::string(kDeskTopic), kDeskTopicId}, 0, kind, text);
    Id target = c.assignee_id && !ReachedByTopic(tx, *c.assignee_id, c.team_id) ? *c.assignee_id : 0;
    veche::Topic team = c.team_id ? veche::Topic{std::string(kTeamTopic), *c.team_id} : veche::Topic{};
    EmitOne(tx, std::move(team), target, kind, text);
}

void EmitCreated(Tx& tx, const Conversation& c) {
    EmitConversationEvent(tx, c, "support.conversation.created", {{"conversation", ConversationToJson(c)}});
}

void EmitChanges(Tx& tx, const Conversation& before, const Conversation& after) {
    if (before.status != after.status) {
        EmitConversationEvent(tx, after, "support.conversation.status_changed",
                   {{"conversation", ConversationToJson(after)}, {"from", before.status}});
    }
    if (before.assignee_id != after.assignee_id) {
        bj::value from = before.assignee_id ? bj::value(IdToString(*before.assignee_id)) : bj::value(nullptr);
        EmitConversationEvent(tx, after, "support.conversation.assigned",
                   {{"conversation", ConversationToJson(after)}, {"from", from}});
        // The previous assignee no longer sees it (unless a topic still shows it to them): they
        // learn only that it left their list.
        if (before.assignee_id && !ReachedByTopic(tx, *before.assignee_id, after.team_id)) {
            EmitOne(tx, veche::Topic{}, *before.assignee_id, "support.conversation.assigned",
                    json::Serialize(bj::object{{"conversation_id", IdToString(after.id)}, {"visible", false}}));
        }
    }
}

void EmitMessage(Tx& tx, const Conversation& c, Id message_id, std::string_view direction) {
    EmitConversationEvent(tx, c, "support.conversation.message",
               {{"conversation_id", IdToString(c.id)},
                {"number", NumberText(c.number)},
                {"status", c.status},
                {"message_id", IdToString(message_id)},
                {"direction", std::string(direction)}});
}

void EmitFollow(Tx& tx, Id user_id, std::string_view kind, Id topic_id, bool follows) {
    Event e;
    e.topic = veche::Topic{std::string(kind), topic_id};
    e.target_user_id = user_id;
    e.kind = "support.agent.access_changed";
    e.membership = follows ? MembershipChange::kAdd : MembershipChange::kRemove;
    e.data_json = json::Serialize(bj::object{{"user_id", IdToString(user_id)}});
    tx.Emit(std::move(e));
}

Status ReaddressAgent(Tx& tx, const roles::RoleService& roles, Id user_id) {
    auto viewer = ViewerOf(tx, roles, user_id);
    if (!viewer.ok() && viewer.error().code != ErrorCode::kForbidden) return std::move(viewer).error();
    std::string scope = viewer.ok() ? viewer->scope : "";
    EmitFollow(tx, user_id, kDeskTopic, kDeskTopicId, scope == "all");
    for (Id team : LoadAgent(tx, user_id).team_ids) EmitFollow(tx, user_id, kTeamTopic, team, scope == "team");
    return {};
}

std::vector<Id> DeskAudience::FollowedBy(Tx& tx, Id user_id) const {
    auto viewer = ViewerOf(tx, roles_, user_id);
    if (!viewer.ok() || viewer->scope != "all") return {};
    return {kDeskTopicId};
}

std::vector<Id> TeamAudience::FollowedBy(Tx& tx, Id user_id) const {
    auto viewer = ViewerOf(tx, roles_, user_id);
    if (!viewer.ok() || viewer->scope != "team") return {};
    return viewer->team_ids;
}

}  // namespace veche::support
