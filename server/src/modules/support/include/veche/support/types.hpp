#pragma once
// The support desk's records as its services return them (docs/api.md, "Support desk").

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "veche/core/ids.hpp"

namespace veche::support {

struct Inbox {
    Id id = 0;
    std::string name;
    std::string channel;  // api | widget | email (an inbox with a mailbox, email_channel.hpp)
    std::optional<Id> team_id;  // conversations go to this team unless their topic names another
    std::string token;          // public: what the widget's page names the inbox by
    bool hmac_mandatory = false;
    std::string hmac_secret;  // the key of identifier_hash; shown to support admins only
    int reopen_window_days = 30;
    std::string greeting;
    // The pages ("https://shop.example") whose widget may use the inbox; empty: any origin.
    std::vector<std::string> allowed_origins;
    std::int64_t created_at = 0;
};

struct TeamMember {
    Id user_id = 0;
    int capacity = 5;  // open conversations of this agent at most before the engine skips them
};

struct Team {
    Team() = default;
    Team(Id i, std::string n, std::int64_t at, std::vector<TeamMember> m, std::optional<Id> cal = std::nullopt)
        : id(i), name(std::move(n)), created_at(at), members(std::move(m)), calendar_id(cal) {}

    Id id = 0;
    std::string name;
    std::int64_t created_at = 0;
    std::vector<TeamMember> members;
    std::optional<Id> calendar_id;  // business hours (snooze presets, SLA); absent: the default calendar
};

struct Topic {
    Id id = 0;
    Id team_id = 0;
    std::string title;
    std::optional<std::int64_t> archived_at;  // archived: listed for agents, refused to new conversations
};

// PATCH /support/topics/{id}: the fields present change.
struct TopicChange {
    std::optional<std::string> title;
    std::optional<Id> team_id;
    std::optional<bool> archived;
};

struct Agent {
    Id user_id = 0;
    std::string scope = "assigned";       // all | team | assigned (SUP-4)
    std::string availability = "offline";  // online | offline
    std::optional<std::int64_t> last_assigned_at;
    std::int64_t open_count = 0;
    std::vector<Id> team_ids;
};

struct Contact {
    Id id = 0;
    Id inbox_id = 0;
    std::string name;
    std::string email;
    std::optional<std::string> external_id;  // the widget's identifier, trusted only when verified
    bool verified = false;
    std::int64_t created_at = 0;
    std::optional<Id> merged_into;  // merged into that contact, which now holds its conversations
};

struct Conversation {
    Id id = 0;
    std::int64_t number = 0;
    Id chat_id = 0;
    Id inbox_id = 0;
    std::optional<Id> team_id;
    std::optional<Id> topic_id;
    Id contact_id = 0;
    std::optional<Id> assignee_id;
    std::optional<Id> last_assignee_id;
    std::string status = "open";  // open | pending | snoozed | resolved
    std::optional<std::int64_t> snoozed_until;
    bool snooze_until_reply = false;
    std::optional<std::int64_t> waiting_since;
    std::optional<std::int64_t> first_reply_at;
    std::optional<std::int64_t> resolved_at;
    std::int64_t reopen_count = 0;
    std::optional<Id> previous_id;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

// An admin-managed tag of conversations.
struct Label {
    Id id = 0;
    std::string title;
    std::string color;  // "#rrggbb"
    std::int64_t created_at = 0;
};

// What a merge brought to a contact besides its own email and identifier.
struct ContactIdentity {
    std::string kind;  // email | external_id
    std::string value;
    Id inbox_id = 0;
    Id from_contact_id = 0;
    std::int64_t added_at = 0;
};

// A canned reply: personal (its owner's), a team's (its members') or global (every agent's).
struct CannedReply {
    Id id = 0;
    std::string scope;  // personal | team | global
    std::optional<Id> owner_id;
    std::optional<Id> team_id;
    std::string short_code;  // unique within the scope
    std::string content;     // may hold {{contact.name}}, {{contact.email}}, {{conversation.number}}, {{agent.name}}
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

// "SUP-000123": the number customers and agents quote.
std::string NumberText(std::int64_t number);

}  // namespace veche::support
