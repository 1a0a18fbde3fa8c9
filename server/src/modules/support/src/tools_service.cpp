// DeskTools' shared parts, soft deletion and restore (SUP-7), snooze presets, team calendars.
#include "assignment.hpp"
#include "desk_events.hpp"
#include "support_json.hpp"
#include "tools_common.hpp"
#include "veche/audit/audit.hpp"
#include "veche/calendar/calendar_service.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/roles/role_service.hpp"
#include "veche/support/snooze_presets.hpp"
#include "veche/support/tools.hpp"

namespace veche::support {

using storage::Tx;

Status AuditTool(Tx& tx, Id actor, std::string action, std::string kind, Id target, boost::json::object data) {
    return audit::Record(tx, {actor, "", std::move(action), std::move(kind), target, json::Serialize(data), 0});
}

Result<Conversation> VisibleConversation(Tx& tx, const Viewer& viewer, Id id) {
    auto c = LoadConversation(tx, id);
    if (!c || !CanSee(viewer, *c) || IsDeleted(tx, id)) return Error::NotFound("conversation");
    return *c;
}

Result<Contact> VisibleContact(Tx& tx, const Viewer& viewer, Id id) {
    auto contact = LoadContact(tx, id);
    if (!contact || contact->merged_into) return Error::NotFound("contact");
    if (viewer.admin || viewer.scope == "all") return *contact;
    for (const auto& c : ConversationsOfContact(tx, id))
        if (CanSee(viewer, c)) return *contact;
    return Error::NotFound("contact");
}

DeskTools::DeskTools(storage::Database& db, roles::RoleService& roles, calendar::CalendarService& calendars,
                     std::function<Id()> make_bot)
    : db_(db), roles_(roles), calendars_(calendars), make_bot_(std::move(make_bot)) {}

Result<Id> DeskTools::Bot() {
    std::lock_guard lock(bot_mu_);
    if (!bot_id_) {
        try {
            bot_id_ = make_bot_();
        } catch (const std::exception&) {
            return Error::Unavailable("the support desk's bot account cannot be created now");
        }
    }
    return bot_id_;
}

Status DeskTools::DeleteConversation(const Actor& actor, Id id) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        auto c = LoadConversation(tx, id);
        if (!c || IsDeleted(tx, id)) return Error::NotFound("conversation");
        tx.Exec("UPDATE support_conversations SET deleted_at = ?, deleted_by = ? WHERE id = ?", NowMs(), actor.user_id,
                id);
        VECHE_RETURN_IF_ERROR(AuditTool(tx, actor.user_id, "support.conversation_deleted", "support_conversation", id,
                                        {{"number", NumberText(c->number)}}));
        // Every inbox that showed it drops it (the one event a deleted conversation still sends).
        EmitConversationEvent(tx, *c, "support.conversation.deleted",
                              {{"conversation_id", IdToString(c->id)}, {"number", NumberText(c->number)}});
        // Its place in the assignee's capacity is free now: their queues may move.
        if (c->status == "open" && c->assignee_id)
            VECHE_RETURN_IF_ERROR(Assigner(roles_, bot).DrainForAgent(tx, *c->assignee_id));
        return {};
    });
}

Status DeskTools::RestoreConversation(const Actor& actor, Id id) {
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        auto c = LoadConversation(tx, id);
        if (!c) return Error::NotFound("conversation");
        if (!IsDeleted(tx, id)) return Error::Conflict("conversation_not_deleted", "the conversation is not deleted");
        tx.Exec("UPDATE support_conversations SET deleted_at = NULL, deleted_by = NULL WHERE id = ?", id);
        EmitConversationEvent(tx, *c, "support.conversation.restored", {{"conversation", ConversationToJson(*c)}});
        return AuditTool(tx, actor.user_id, "support.conversation_restored", "support_conversation", id,
                         {{"number", NumberText(c->number)}});
    });
}

Result<std::optional<std::int64_t>> DeskTools::ResolveSnooze(const Actor& actor, Id id, const std::string& preset,
                                                             std::int64_t now) {
    VECHE_ASSIGN_OR_RETURN(auto calendar_id, db_.Read([&](Tx& tx) -> Result<std::optional<Id>> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        VECHE_ASSIGN_OR_RETURN(auto c, VisibleConversation(tx, viewer, id));
        if (!c.team_id) return std::optional<Id>();
        auto team = LoadTeam(tx, *c.team_id);
        return team ? team->calendar_id : std::nullopt;
    }));
    auto cal = calendars_.Get(calendar_id);
    // A team calendar removed since: the default one.
    if (!cal.ok() && calendar_id) cal = calendars_.Get(std::nullopt);
    if (!cal.ok()) return std::move(cal).error();
    return ResolveSnoozePreset(preset, now, *cal);
}

Result<Team> DeskTools::SetTeamCalendar(const Actor& actor, Id team_id, std::optional<Id> calendar_id) {
    if (calendar_id) VECHE_RETURN_IF_ERROR(calendars_.Info(*calendar_id));
    return db_.Write([&](Tx& tx) -> Result<Team> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        if (!LoadTeam(tx, team_id)) return Error::NotFound("team");
        tx.Exec("UPDATE support_teams SET calendar_id = ? WHERE id = ?", calendar_id, team_id);
        VECHE_RETURN_IF_ERROR(
            AuditTool(tx, actor.user_id, "support.team_calendar_set", "support_team", team_id,
                      {{"calendar_id", calendar_id ? boost::json::value(IdToString(*calendar_id))
                                                   : boost::json::value(nullptr)}}));
        return *LoadTeam(tx, team_id);
    });
}

}  // namespace veche::support
