#pragma once
// The agents' daily tools beside the desk (issue 13 §2, §5, §7): canned replies, labels, the
// customer profile's contact merge, soft deletion and restore of conversations, snooze presets
// resolved through the team's business calendar, and the team's calendar setting.
//
// Authorization follows the desk: support.agent (or support.admin) to use, support.admin to
// configure; an object the caller may not see is reported like an unknown id (404). Every change
// worth auditing (merge, delete, restore) writes its audit entry in the same transaction.
//
// Synchronous; call from worker threads. Thread-safe.

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/storage/database.hpp"
#include "veche/support/types.hpp"

namespace veche::roles {
class RoleService;
}
namespace veche::calendar {
class CalendarService;
}

namespace veche::support {

struct CannedInput {
    std::string scope = "personal";
    std::optional<Id> team_id;  // scope team only
    std::string short_code;
    std::string content;
};

// Absent fields stay as they are; the scope does not change.
struct CannedPatch {
    std::optional<std::string> short_code;
    std::optional<std::string> content;
};

struct LabelInput {
    std::string title;
    std::string color;
};

struct ContactSummary {
    Contact contact;
    std::vector<ContactIdentity> identities;
};

struct MergeOutcome {
    Contact contact;  // the target, unchanged in name and fields
    std::vector<ContactIdentity> identities;
    std::int64_t moved_conversations = 0;
    std::int64_t moved_visitors = 0;
};

class DeskTools {
public:
    // `make_bot` as for SupportDesk: the desk's bot account, which assignment needs.
    DeskTools(storage::Database& db, roles::RoleService& roles, calendar::CalendarService& calendars,
              std::function<Id()> make_bot);

    // Canned replies: the caller's personal ones, their teams' (every team for admins) and the
    // global ones. Agents create and edit their personal replies; admins also team and global ones.
    // 409 canned_reply_exists for a short code taken in the same scope.
    Result<std::vector<CannedReply>> ListCanned(const Actor& actor, const std::string& query);
    Result<CannedReply> CreateCanned(const Actor& actor, const CannedInput& input);
    Result<CannedReply> UpdateCanned(const Actor& actor, Id id, const CannedPatch& patch);
    Status DeleteCanned(const Actor& actor, Id id);

    // Labels: admins create, rename and delete; agents list them and tag the conversations they see.
    Result<std::vector<Label>> ListLabels(const Actor& actor);
    Result<Label> CreateLabel(const Actor& actor, const LabelInput& input);
    Result<Label> UpdateLabel(const Actor& actor, Id id, const LabelInput& input);
    Status DeleteLabel(const Actor& actor, Id id);
    // The conversation's labels after the change (adding one it has is not an error).
    Result<std::vector<Label>> AddLabel(const Actor& actor, Id conversation_id, Id label_id);
    Result<std::vector<Label>> RemoveLabel(const Actor& actor, Id conversation_id, Id label_id);

    // Contacts the caller may see (those with a conversation in their scope) whose name or email
    // contains `query`; at most 20.
    Result<std::vector<ContactSummary>> SearchContacts(const Actor& actor, const std::string& query);
    Result<std::vector<ContactIdentity>> Identities(const Actor& actor, Id contact_id);
    // Moves every conversation, visitor token and identifier of the mergee to the target, keeps
    // the target's name and fields, and marks the mergee merged (audited as support.contact_merged).
    // 400 for a contact merged into itself; 404 for a contact the caller may not see or already merged.
    Result<MergeOutcome> MergeContacts(const Actor& actor, Id target_id, Id mergee_id);

    // Soft deletion (support.admin): hidden from every list, the contact's history and the widget,
    // restorable with its messages and assignee. Both audited.
    Status DeleteConversation(const Actor& actor, Id conversation_id);
    Status RestoreConversation(const Actor& actor, Id conversation_id);

    // The instant a snooze preset names for this conversation, through its team's calendar (the
    // default calendar without one); nullopt for until_reply. 400 for an unknown preset.
    Result<std::optional<std::int64_t>> ResolveSnooze(const Actor& actor, Id conversation_id,
                                                      const std::string& preset, std::int64_t now);

    // The team's business calendar (support.admin); nullopt: the default one.
    Result<Team> SetTeamCalendar(const Actor& actor, Id team_id, std::optional<Id> calendar_id);

private:
    Result<Id> Bot();

    storage::Database& db_;
    roles::RoleService& roles_;
    calendar::CalendarService& calendars_;
    std::function<Id()> make_bot_;
    std::mutex bot_mu_;
    Id bot_id_ = 0;
};

}  // namespace veche::support
