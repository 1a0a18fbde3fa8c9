#pragma once
// All SQL of communities, subscriptions and profiles (experts_communities, experts_members,
// experts_profiles, experts_competences). In the caller's transaction; no checks.

#include <optional>
#include <string>
#include <vector>

#include "veche/experts/access.hpp"
#include "veche/experts/communities.hpp"
#include "veche/experts/types.hpp"
#include "veche/storage/database.hpp"

namespace veche::experts::store {

std::optional<Community> LoadCommunity(storage::Tx& tx, Id community_id);
std::optional<Id> CommunityIdBySlug(storage::Tx& tx, const std::string& slug);
void InsertCommunity(storage::Tx& tx, const Community& c);
void UpdateCommunity(storage::Tx& tx, const Community& c);
// The community with its counts and `viewer`'s subscription and roles.
CommunityView ViewOf(storage::Tx& tx, const Access& access, const Community& c, Id viewer);

bool IsSubscribed(storage::Tx& tx, Id community_id, Id user_id);
// false when it was already there (or already gone).
bool AddSubscription(storage::Tx& tx, Id community_id, Id user_id);
bool RemoveSubscription(storage::Tx& tx, Id community_id, Id user_id);
std::vector<Id> SubscribedCommunities(storage::Tx& tx, Id user_id);

// Subscribers, experts and curators of the community, by user id ascending.
std::vector<CommunityMember> LoadMembers(storage::Tx& tx, const Access& access, Id community_id,
                                         const MemberFilter& filter);
std::optional<CommunityMember> LoadMember(storage::Tx& tx, const Access& access, Id community_id, Id user_id);

// An active person's account (user or admin: not a guest, a bot or deactivated).
bool IsPerson(storage::Tx& tx, Id user_id);

std::optional<Profile> LoadProfile(storage::Tx& tx, Id user_id);
// Writes the row and the normalized competences.
void SaveProfile(storage::Tx& tx, const Profile& p);
// The communities where the user holds experts.expert by a grant.
std::vector<Id> ExpertCommunities(storage::Tx& tx, Id user_id);

}  // namespace veche::experts::store
