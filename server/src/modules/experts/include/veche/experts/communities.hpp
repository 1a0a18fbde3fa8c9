#pragma once
// Communities, subscriptions, per-community roles, moderators and expert profiles (EXP-1, EXP-7):
// the service behind /api/v1/experts/{communities,moderators,me,profiles}.
//
// Rules: a community the caller may not see (Access::CommunityVisible) is 404 like an unknown id;
// moderators create communities and hand out the expert and curator roles (audited role.granted /
// role.revoked with the community as scope); a community's curators may edit it (but not archive it
// or change its visibility); guests have no place in the network (403). Every write is one
// transaction: the check, the change, its audit entry and its event commit together.
//
// Synchronous; call from worker threads. Thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/experts/access.hpp"
#include "veche/experts/types.hpp"
#include "veche/storage/database.hpp"

namespace veche::experts {

inline constexpr std::size_t kMaxSlugBytes = 64;
inline constexpr std::size_t kMaxTitleChars = 200;
inline constexpr std::size_t kMaxDescriptionChars = 5000;
inline constexpr std::size_t kMaxCompetences = 50;
inline constexpr std::size_t kMaxTagChars = 50;
inline constexpr std::size_t kMaxBioChars = 2000;

struct NewCommunity {
    std::string slug;  // [a-z0-9-], starting with a letter or digit
    std::string title;
    std::string description;
    std::optional<std::vector<std::string>> sections;  // of kSections; absent: all of them
    std::string visibility = "all";
};

struct CommunityChange {
    std::optional<std::string> title;
    std::optional<std::string> description;
    std::optional<std::vector<std::string>> sections;
    std::optional<std::string> visibility;  // moderators only
    std::optional<bool> archived;           // moderators only
};

struct CommunityFilter {
    std::optional<std::string> q;  // a substring of the title or slug (case-insensitive for ASCII)
    bool subscribed_only = false;
    bool include_archived = false;
};

struct MemberFilter {
    std::optional<std::string> kind;  // subscriber | expert | curator
    std::optional<Id> after;          // user id: the page after it (ascending)
    int limit = 100;
};

struct ProfileChange {
    std::optional<std::vector<Competence>> competences;
    std::optional<std::vector<std::string>> levels;
    std::optional<std::optional<std::int64_t>> vacation_until;  // set, or cleared with null
    std::optional<std::string> bio;
};

// Lowercases ASCII and Cyrillic letters (Ё as ё) and trims: how tags compare.
std::string NormalizeTag(std::string_view tag);

class CommunityService {
public:
    CommunityService(storage::Database& db, const Access& access);

    Result<std::vector<CommunityView>> List(const Actor& actor, const CommunityFilter& filter);
    Result<CommunityView> Create(const Actor& actor, const NewCommunity& spec);
    Result<CommunityView> Get(const Actor& actor, Id community_id);
    Result<CommunityView> Update(const Actor& actor, Id community_id, const CommunityChange& change);

    // The caller's own subscription, or (curators and moderators) another user's: `user_id`.
    Result<CommunityView> Subscribe(const Actor& actor, Id community_id, std::optional<Id> user_id);
    Result<CommunityView> Unsubscribe(const Actor& actor, Id community_id, std::optional<Id> user_id);
    Result<std::vector<CommunityMember>> Members(const Actor& actor, Id community_id,
                                                 const MemberFilter& filter);

    // role: expert | curator. Moderators only. 409 already_granted; 404 user_not_found, grant_not_found.
    Result<CommunityMember> GrantRole(const Actor& actor, Id community_id, Id user_id,
                                      const std::string& role);
    // Both roles when `role` is absent.
    Status RevokeRole(const Actor& actor, Id community_id, Id user_id,
                      const std::optional<std::string>& role);
    // Administrators and moderators.
    Status SetModerator(const Actor& actor, Id user_id, bool moderator);

    Result<Me> GetMe(const Actor& actor);
    Result<Profile> GetProfile(const Actor& actor, Id user_id);
    // The user themself or a moderator; absent fields keep their values.
    Result<Profile> PutProfile(const Actor& actor, Id user_id, const ProfileChange& change);

private:
    storage::Database& db_;
    const Access& access_;
};

}  // namespace veche::experts
