// Communities, subscriptions, roles, moderators and profiles (veche/experts/communities.hpp).
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <set>

#include "community_store.hpp"
#include "events.hpp"
#include "veche/audit/audit.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/core/text.hpp"
#include "veche/experts/communities.hpp"

namespace veche::experts {

namespace bj = boost::json;
using storage::Tx;

namespace {

Status Audit(Tx& tx, Id actor, std::string action, Id target, bj::object data) {
    return audit::Record(
        tx, {actor, "", std::move(action), "experts_community", target, json::Serialize(data), 0});
}

Status RequireEmployee(const Actor& actor) {
    if (actor.is_guest) return Error::Forbidden("guest accounts have no place in the expert network");
    return {};
}

bool ValidSlug(std::string_view s) {
    if (s.empty() || s.size() > kMaxSlugBytes) return false;
    auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; };
    return s.front() != '-' && std::all_of(s.begin(), s.end(), ok);
}

Result<std::vector<std::string>> CheckSections(const std::vector<std::string>& sections) {
    std::vector<std::string> out;
    for (const char* known : kSections)
        if (std::find(sections.begin(), sections.end(), known) != sections.end()) out.emplace_back(known);
    for (const auto& s : sections)
        if (std::find(out.begin(), out.end(), s) == out.end())
            return Error{ErrorCode::kUnprocessable, "unknown_section",
                         "sections are feed, topics, practices, stories, video, events"};
    return out;
}

Status CheckVisibility(const std::string& v) {
    if (v != "all" && v != "members")
        return Error{ErrorCode::kUnprocessable, "invalid_visibility", "visibility is all or members"};
    return {};
}

std::string RoleName(const std::string& role) {
    if (role == "expert") return std::string(kRoleExpert);
    if (role == "curator") return std::string(kRoleCurator);
    return {};
}

void TellRoles(Tx& tx, const Access& access, Id user_id, Id community_id) {
    bj::array roles;
    for (const auto& r : access.RolesIn(tx, user_id, community_id)) roles.emplace_back(r);
    EmitToUsers(tx, "experts.roles_changed", {user_id},
                bj::object{{"community_id", IdToString(community_id)}, {"roles", std::move(roles)}});
}

}  // namespace

std::string NormalizeTag(std::string_view tag) {
    std::string_view t = text::Trim(tag);
    std::string out;
    out.reserve(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        auto c = static_cast<unsigned char>(t[i]);
        if (c >= 'A' && c <= 'Z') {
            out.push_back(static_cast<char>(c + 32));
        } else if (c == 0xD0 && i + 1 < t.size()) {
            // U+0410..U+042F (А..Я) are D0 90..D0 AF; а..п are D0 B0..D0 BF, р..я D1 80..D1 8F; Ё D0 81 → ё
            // D1 91.
            auto d = static_cast<unsigned char>(t[i + 1]);
            if (d >= 0x90 && d <= 0x9F) {
                out.push_back(static_cast<char>(0xD0));
                out.push_back(static_cast<char>(d + 0x20));
            } else if (d >= 0xA0 && d <= 0xAF) {
                out.push_back(static_cast<char>(0xD1));
                out.push_back(static_cast<char>(d - 0x20));
            } else if (d == 0x81) {
                out.push_back(static_cast<char>(0xD1));
                out.push_back(static_cast<char>(0x91));
            } else {
                out.push_back(static_cast<char>(c));
                out.push_back(static_cast<char>(d));
            }
            ++i;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

CommunityService::CommunityService(storage::Database& db, const Access& access) : db_(db), access_(access) {}

Result<std::vector<CommunityView>> CommunityService::List(const Actor& actor, const CommunityFilter& filter) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    return db_.Read([&](Tx& tx) -> Result<std::vector<CommunityView>> {
        std::vector<CommunityView> out;
        std::string q = filter.q ? text::ToLowerAscii(*filter.q) : "";
        for (Id id : access_.VisibleCommunities(tx, actor.user_id)) {
            auto c = store::LoadCommunity(tx, id);
            if (!c) continue;
            if (c->archived_at && !filter.include_archived) continue;
            if (!q.empty() && text::ToLowerAscii(c->title).find(q) == std::string::npos &&
                c->slug.find(q) == std::string::npos)
                continue;
            auto v = store::ViewOf(tx, access_, *c, actor.user_id);
            if (filter.subscribed_only && !v.subscribed) continue;
            out.push_back(std::move(v));
        }
        std::sort(out.begin(), out.end(), [](const CommunityView& a, const CommunityView& b) {
            return a.community.title < b.community.title;
        });
        return out;
    });
}

Result<CommunityView> CommunityService::Create(const Actor& actor, const NewCommunity& spec) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    if (!ValidSlug(spec.slug))
        return Error{ErrorCode::kUnprocessable, "invalid_slug",
                     "a slug is 1 to 64 characters of a-z, 0-9 and '-', not starting with '-'"};
    VECHE_RETURN_IF_ERROR(CheckVisibility(spec.visibility));
    std::vector<std::string> sections(std::begin(kSections), std::end(kSections));
    if (spec.sections) {
        VECHE_ASSIGN_OR_RETURN(sections, CheckSections(*spec.sections));
    }
    return db_.Write([&](Tx& tx) -> Result<CommunityView> {
        if (!access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("only the expert network's moderators create communities");
        if (store::CommunityIdBySlug(tx, spec.slug))
            return Error::Conflict("slug_taken", "a community has this slug");
        Community c;
        c.id = GlobalIds().Next();
        c.slug = spec.slug;
        c.title = spec.title;
        c.description = spec.description;
        c.sections = sections;
        c.visibility = spec.visibility;
        c.created_by = actor.user_id;
        c.created_at = c.updated_at = NowMs();
        store::InsertCommunity(tx, c);
        VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "experts.community_created", c.id,
                                    {{"slug", c.slug}, {"title", c.title}, {"visibility", c.visibility}}));
        return store::ViewOf(tx, access_, c, actor.user_id);
    });
}

Result<CommunityView> CommunityService::Get(const Actor& actor, Id community_id) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    return db_.Read([&](Tx& tx) -> Result<CommunityView> {
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        auto c = store::LoadCommunity(tx, community_id);
        if (!c) return Error::NotFound("community");
        return store::ViewOf(tx, access_, *c, actor.user_id);
    });
}

Result<CommunityView> CommunityService::Update(const Actor& actor, Id community_id,
                                               const CommunityChange& change) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    if (change.visibility) VECHE_RETURN_IF_ERROR(CheckVisibility(*change.visibility));
    std::optional<std::vector<std::string>> sections;
    if (change.sections) {
        VECHE_ASSIGN_OR_RETURN(sections, CheckSections(*change.sections));
    }
    return db_.Write([&](Tx& tx) -> Result<CommunityView> {
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        auto c = store::LoadCommunity(tx, community_id);
        if (!c) return Error::NotFound("community");
        bool moderator = access_.IsModerator(tx, actor.user_id);
        if (!moderator && !access_.IsCurator(tx, actor.user_id, community_id))
            return Error::Forbidden("only the community's curators and the moderators edit a community");
        if (!moderator && (change.visibility || change.archived))
            return Error::Forbidden("only moderators change a community's visibility or archive it");
        if (c->archived_at && !change.archived.has_value())
            return Error::Conflict("community_archived", "an archived community is read-only");
        bj::object data;
        if (change.title) c->title = *change.title, data["title"] = *change.title;
        if (change.description) c->description = *change.description, data["description_changed"] = true;
        if (sections) {
            c->sections = *sections;
            bj::array a;
            for (const auto& s : *sections) a.emplace_back(s);
            data["sections"] = std::move(a);
        }
        if (change.visibility) c->visibility = *change.visibility, data["visibility"] = *change.visibility;
        if (change.archived) {
            if (*change.archived && !c->archived_at) c->archived_at = NowMs();
            if (!*change.archived) c->archived_at.reset();
            data["archived"] = *change.archived;
        }
        c->updated_at = NowMs();
        store::UpdateCommunity(tx, *c);
        VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "experts.community_updated", c->id, std::move(data)));
        return store::ViewOf(tx, access_, *c, actor.user_id);
    });
}

Result<CommunityView> CommunityService::Subscribe(const Actor& actor, Id community_id,
                                                  std::optional<Id> user_id) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    return db_.Write([&](Tx& tx) -> Result<CommunityView> {
        Id who = user_id.value_or(actor.user_id);
        bool for_other = who != actor.user_id;
        // Someone else's subscription is a curator's or a moderator's act; a members-only community
        // is joined only that way (its outsiders do not see it).
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        auto c = store::LoadCommunity(tx, community_id);
        if (!c) return Error::NotFound("community");
        if (for_other && !access_.IsCurator(tx, actor.user_id, community_id) &&
            !access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("only curators and moderators subscribe other users");
        if (c->archived_at)
            return Error::Conflict("community_archived", "an archived community takes no subscribers");
        if (for_other && !store::IsPerson(tx, who)) return Error::NotFound("user");
        if (store::AddSubscription(tx, community_id, who)) {
            EmitToUsers(tx, "experts.subscription_changed", {who},
                        bj::object{{"community_id", IdToString(community_id)}, {"subscribed", true}});
        }
        return store::ViewOf(tx, access_, *c, actor.user_id);
    });
}

Result<CommunityView> CommunityService::Unsubscribe(const Actor& actor, Id community_id,
                                                    std::optional<Id> user_id) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    return db_.Write([&](Tx& tx) -> Result<CommunityView> {
        Id who = user_id.value_or(actor.user_id);
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        auto c = store::LoadCommunity(tx, community_id);
        if (!c) return Error::NotFound("community");
        if (who != actor.user_id && !access_.IsCurator(tx, actor.user_id, community_id) &&
            !access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("only curators and moderators unsubscribe other users");
        if (store::RemoveSubscription(tx, community_id, who)) {
            EmitToUsers(tx, "experts.subscription_changed", {who},
                        bj::object{{"community_id", IdToString(community_id)}, {"subscribed", false}});
        }
        return store::ViewOf(tx, access_, *c, actor.user_id);
    });
}

Result<std::vector<CommunityMember>> CommunityService::Members(const Actor& actor, Id community_id,
                                                               const MemberFilter& filter) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    if (filter.kind && *filter.kind != "subscriber" && *filter.kind != "expert" && *filter.kind != "curator")
        return Error::InvalidArgument("kind is subscriber, expert or curator");
    return db_.Read([&](Tx& tx) -> Result<std::vector<CommunityMember>> {
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        return store::LoadMembers(tx, access_, community_id, filter);
    });
}

Result<CommunityMember> CommunityService::GrantRole(const Actor& actor, Id community_id, Id user_id,
                                                    const std::string& role) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    std::string role_name = RoleName(role);
    if (role_name.empty())
        return Error{ErrorCode::kUnprocessable, "invalid_role", "role is expert or curator"};
    return db_.Write([&](Tx& tx) -> Result<CommunityMember> {
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        if (!access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("only the expert network's moderators assign roles");
        if (!store::LoadCommunity(tx, community_id)) return Error::NotFound("community");
        if (!store::IsPerson(tx, user_id)) return Error::NotFound("user");
        VECHE_ASSIGN_OR_RETURN(bool granted,
                               access_.roles().GrantSystemRole(tx, actor.user_id, user_id, role_name,
                                                               CommunityScope(community_id)));
        if (!granted) return Error::Conflict("already_granted", "the user already holds this role here");
        // An expert's application pipeline ends with the role; a reservist made expert directly is one no
        // more.
        if (role == "expert")
            VECHE_RETURN_IF_ERROR(
                access_.roles().RevokeSystemRole(tx, actor.user_id, user_id, kRoleReservist));
        TellRoles(tx, access_, user_id, community_id);
        auto m = store::LoadMember(tx, access_, community_id, user_id);
        if (!m) return Error::NotFound("user");
        return *m;
    });
}

Status CommunityService::RevokeRole(const Actor& actor, Id community_id, Id user_id,
                                    const std::optional<std::string>& role) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    std::vector<std::string> names;
    if (role) {
        std::string n = RoleName(*role);
        if (n.empty()) return Error{ErrorCode::kUnprocessable, "invalid_role", "role is expert or curator"};
        names.push_back(n);
    } else {
        names = {std::string(kRoleExpert), std::string(kRoleCurator)};
    }
    return db_.Write([&](Tx& tx) -> Status {
        if (!access_.CommunityVisible(tx, actor.user_id, community_id)) return Error::NotFound("community");
        if (!access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("only the expert network's moderators take roles away");
        if (!tx.QueryInt("SELECT 1 FROM users WHERE id = ?", user_id)) return Error::NotFound("user");
        bool any = false;
        for (const auto& n : names) {
            VECHE_ASSIGN_OR_RETURN(bool gone, access_.roles().RevokeSystemRole(tx, actor.user_id, user_id, n,
                                                                               CommunityScope(community_id)));
            any = any || gone;
        }
        if (!any) return Error::NotFound("grant");
        TellRoles(tx, access_, user_id, community_id);
        return {};
    });
}

Status CommunityService::SetModerator(const Actor& actor, Id user_id, bool moderator) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    return db_.Write([&](Tx& tx) -> Status {
        if (!access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("only administrators and moderators appoint moderators");
        if (!store::IsPerson(tx, user_id)) return Error::NotFound("user");
        if (moderator) {
            VECHE_ASSIGN_OR_RETURN(
                bool granted, access_.roles().GrantSystemRole(tx, actor.user_id, user_id, kRoleModerator));
            if (!granted) return Error::Conflict("already_granted", "the user is a moderator already");
        } else {
            VECHE_ASSIGN_OR_RETURN(
                bool gone, access_.roles().RevokeSystemRole(tx, actor.user_id, user_id, kRoleModerator));
            if (!gone) return Error::NotFound("grant");
        }
        EmitToUsers(tx, "experts.roles_changed", {user_id}, bj::object{{"moderator", moderator}});
        return {};
    });
}

Result<Me> CommunityService::GetMe(const Actor& actor) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    return db_.Read([&](Tx& tx) -> Result<Me> {
        Me me;
        me.user_id = actor.user_id;
        me.admin = actor.is_admin;
        me.moderator = access_.IsModerator(tx, actor.user_id);
        me.reservist = access_.IsReservist(tx, actor.user_id);
        std::set<Id> ids;
        for (Id id : store::SubscribedCommunities(tx, actor.user_id)) ids.insert(id);
        auto& st = tx.Query("SELECT DISTINCT scope_id FROM roles_grants WHERE user_id = ? AND scope_kind = ?",
                            actor.user_id, kScopeKind);
        while (st.Step()) ids.insert(st.Int(0));
        for (Id id : ids) {
            if (!store::LoadCommunity(tx, id)) continue;
            MyCommunity mc;
            mc.community_id = id;
            mc.subscribed = store::IsSubscribed(tx, id, actor.user_id);
            mc.roles = access_.RolesIn(tx, actor.user_id, id);
            me.communities.push_back(std::move(mc));
        }
        // Grants only (an administrator is not listed as a moderator unless appointed).
        bool moderator_grant = tx.QueryInt(
                                     "SELECT 1 FROM roles_grants g JOIN roles_catalog r ON r.id = g.role_id "
                                     "WHERE g.user_id = ? AND r.name = ? LIMIT 1",
                                     actor.user_id, kRoleModerator)
                                   .has_value();
        bool curator = std::any_of(me.communities.begin(), me.communities.end(), [](const MyCommunity& c) {
            return std::find(c.roles.begin(), c.roles.end(), "curator") != c.roles.end();
        });
        if (moderator_grant) me.roles.emplace_back("moderator");
        if (curator) me.roles.emplace_back("curator");
        if (access_.HoldsExpertAnywhere(tx, actor.user_id)) me.roles.emplace_back("expert");
        if (me.reservist) me.roles.emplace_back("reservist");
        if (me.roles.empty()) me.roles.emplace_back("user");
        return me;
    });
}

Result<Profile> CommunityService::GetProfile(const Actor& actor, Id user_id) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    return db_.Read([&](Tx& tx) -> Result<Profile> {
        if (!store::IsPerson(tx, user_id)) return Error::NotFound("user");
        Profile p = store::LoadProfile(tx, user_id).value_or(Profile{});
        p.user_id = user_id;
        // Competences in communities the caller may not see are left out, like the communities.
        std::erase_if(p.competences, [&](const Competence& c) {
            return c.community_id && !access_.CommunityVisible(tx, actor.user_id, *c.community_id);
        });
        for (Id id : store::ExpertCommunities(tx, user_id))
            if (access_.CommunityVisible(tx, actor.user_id, id)) p.expert_in.push_back(id);
        return p;
    });
}

Result<Profile> CommunityService::PutProfile(const Actor& actor, Id user_id, const ProfileChange& change) {
    VECHE_RETURN_IF_ERROR(RequireEmployee(actor));
    std::optional<std::vector<std::string>> levels;
    if (change.levels) {
        std::vector<std::string> ordered;
        for (const char* l : kLevels)
            if (std::find(change.levels->begin(), change.levels->end(), l) != change.levels->end())
                ordered.emplace_back(l);
        for (const auto& l : *change.levels)
            if (std::find(ordered.begin(), ordered.end(), l) == ordered.end())
                return Error{ErrorCode::kUnprocessable, "invalid_level",
                             "levels are beginner, basic, advanced"};
        levels = std::move(ordered);
    }
    std::optional<std::vector<Competence>> competences;
    if (change.competences) {
        std::vector<Competence> list;
        std::set<std::pair<std::string, Id>> seen;
        for (const auto& c : *change.competences) {
            Competence n{NormalizeTag(c.tag), c.community_id};
            std::size_t chars = text::CodePointCount(n.tag);
            if (chars == 0 || chars > kMaxTagChars)
                return Error{ErrorCode::kUnprocessable, "invalid_competence",
                             "a competence tag is 1 to 50 characters"};
            if (seen.insert({n.tag, n.community_id.value_or(0)}).second) list.push_back(std::move(n));
        }
        if (list.size() > kMaxCompetences)
            return Error{ErrorCode::kUnprocessable, "too_many_competences", "at most 50 competences"};
        competences = std::move(list);
    }
    return db_.Write([&](Tx& tx) -> Result<Profile> {
        if (!store::IsPerson(tx, user_id)) return Error::NotFound("user");
        if (user_id != actor.user_id && !access_.IsModerator(tx, actor.user_id))
            return Error::Forbidden("a profile is edited by its owner or a moderator");
        Profile p = store::LoadProfile(tx, user_id).value_or(Profile{});
        p.user_id = user_id;
        if (competences) {
            for (const auto& c : *competences)
                if (c.community_id && !access_.CommunityVisible(tx, actor.user_id, *c.community_id))
                    return Error::NotFound("community");
            p.competences = *competences;
        }
        if (levels) p.levels = *levels;
        if (change.vacation_until) p.vacation_until = *change.vacation_until;
        if (change.bio) p.bio = *change.bio;
        p.updated_at = NowMs();
        store::SaveProfile(tx, p);
        EmitToUsers(tx, "experts.profile_updated", {user_id}, bj::object{{"user_id", IdToString(user_id)}});
        p.expert_in = store::ExpertCommunities(tx, user_id);
        return p;
    });
}

}  // namespace veche::experts
