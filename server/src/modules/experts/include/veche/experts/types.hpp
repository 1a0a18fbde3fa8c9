#pragma once
// The expert network's values as the service hands them out (docs/api.md, "Expert network (EXP)").

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "veche/core/ids.hpp"

namespace veche::experts {

// The sections a community may show (MODULES.md §3.2); the web client shows only the listed ones.
inline constexpr const char* kSections[] = {"feed", "topics", "practices", "stories", "video", "events"};
// Difficulty levels of consultations, which an expert's profile says they take.
inline constexpr const char* kLevels[] = {"beginner", "basic", "advanced"};

struct Community {
    Id id = 0;
    std::string slug;
    std::string title;
    std::string description;
    std::vector<std::string> sections;
    std::string visibility = "all";  // all | members
    Id created_by = 0;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::optional<std::int64_t> archived_at;
};

// A community with the counts and the caller's own relation to it, as lists show it.
struct CommunityView {
    Community community;
    std::int64_t subscribers = 0;
    std::int64_t experts = 0;
    std::int64_t curators = 0;
    bool subscribed = false;
    std::vector<std::string> my_roles;  // expert, curator
};

struct CommunityMember {
    Id user_id = 0;
    std::string username;
    std::string display_name;
    bool subscribed = false;
    std::optional<std::int64_t> joined_at;  // of the subscription
    std::vector<std::string> roles;         // expert, curator
};

struct Competence {
    std::string tag;  // lowercased (ASCII and Cyrillic), trimmed
    std::optional<Id> community_id;
};

struct Profile {
    Id user_id = 0;
    std::vector<Competence> competences;
    std::vector<std::string> levels;  // of kLevels, in that order
    std::optional<std::int64_t> vacation_until;
    std::string bio;
    std::int64_t updated_at = 0;  // 0: never saved (the defaults)
    std::vector<Id> expert_in;    // communities where the user holds experts.expert
};

struct MyCommunity {
    Id community_id = 0;
    bool subscribed = false;
    std::vector<std::string> roles;  // expert, curator
};

// GET /experts/me: the caller's place in the network.
struct Me {
    Id user_id = 0;
    bool moderator = false;
    bool reservist = false;
    bool admin = false;
    // The rungs of EXP-1 the user stands on anywhere, by grant: moderator, curator, expert,
    // reservist; ["user"] when none.
    std::vector<std::string> roles;
    std::vector<MyCommunity> communities;
};

}  // namespace veche::experts
