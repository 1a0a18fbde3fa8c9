#include "json_strings.hpp"
#include "community_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"

namespace veche::experts::store {

namespace bj = boost::json;
using storage::Tx;

namespace {

constexpr std::string_view kCommunityColumns =
    "id, slug, title, description, sections, visibility, created_by, created_at, updated_at, archived_at";

Community ReadCommunity(storage::Statement& st) {
    Community c;
    c.id = st.Int(0);
    c.slug = st.Text(1);
    c.title = st.Text(2);
    c.description = st.Text(3);
    c.sections = StringsFromText(st.Text(4));
    c.visibility = st.Text(5);
    c.created_by = st.Int(6);
    c.created_at = st.Int(7);
    c.updated_at = st.Int(8);
    c.archived_at = st.OptInt(9);
    return c;
}

std::int64_t CountRole(Tx& tx, std::string_view role, Id community_id) {
    return tx
        .QueryInt(
            "SELECT COUNT(*) FROM roles_grants g JOIN roles_catalog r ON r.id = g.role_id "
            "JOIN users u ON u.id = g.user_id AND u.deactivated = 0 "
            "WHERE r.name = ? AND g.scope_kind = ? AND g.scope_id = ?",
            role, kScopeKind, community_id)
        .value_or(0);
}

}  // namespace

std::optional<Community> LoadCommunity(Tx& tx, Id community_id) {
    auto& st = tx.Query("SELECT " + std::string(kCommunityColumns) + " FROM experts_communities WHERE id = ?",
                        community_id);
    if (!st.Step()) return std::nullopt;
    Community c = ReadCommunity(st);
    while (st.Step()) {
    }
    return c;
}

std::optional<Id> CommunityIdBySlug(Tx& tx, const std::string& slug) {
    return tx.QueryInt("SELECT id FROM experts_communities WHERE slug = ?", slug);
}

void InsertCommunity(Tx& tx, const Community& c) {
    tx.Exec(
        "INSERT INTO experts_communities(id, slug, title, description, sections, visibility, created_by, "
        "created_at, updated_at, archived_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        c.id, c.slug, c.title, c.description, StringsText(c.sections), c.visibility, c.created_by,
        c.created_at, c.updated_at, c.archived_at);
}

void UpdateCommunity(Tx& tx, const Community& c) {
    tx.Exec(
        "UPDATE experts_communities SET title = ?, description = ?, sections = ?, visibility = ?, updated_at "
        "= ?, "
        "archived_at = ? WHERE id = ?",
        c.title, c.description, StringsText(c.sections), c.visibility, c.updated_at, c.archived_at, c.id);
}

CommunityView ViewOf(Tx& tx, const Access& access, const Community& c, Id viewer) {
    CommunityView v;
    v.community = c;
    v.subscribers =
        tx.QueryInt("SELECT COUNT(*) FROM experts_members WHERE community_id = ?", c.id).value_or(0);
    v.experts = CountRole(tx, kRoleExpert, c.id);
    v.curators = CountRole(tx, kRoleCurator, c.id);
    v.subscribed = IsSubscribed(tx, c.id, viewer);
    v.my_roles = access.RolesIn(tx, viewer, c.id);
    return v;
}

bool IsSubscribed(Tx& tx, Id community_id, Id user_id) {
    return tx
        .QueryInt("SELECT 1 FROM experts_members WHERE community_id = ? AND user_id = ?", community_id,
                  user_id)
        .has_value();
}

bool AddSubscription(Tx& tx, Id community_id, Id user_id) {
    return tx.Exec(
               "INSERT INTO experts_members(community_id, user_id, kind, joined_at) VALUES (?, ?, "
               "'subscriber', "
               "?) ON CONFLICT DO NOTHING",
               community_id, user_id, NowMs()) > 0;
}

bool RemoveSubscription(Tx& tx, Id community_id, Id user_id) {
    return tx.Exec("DELETE FROM experts_members WHERE community_id = ? AND user_id = ?", community_id,
                   user_id) > 0;
}

std::vector<Id> SubscribedCommunities(Tx& tx, Id user_id) {
    std::vector<Id> out;
    auto& st =
        tx.Query("SELECT community_id FROM experts_members WHERE user_id = ? ORDER BY community_id", user_id);
    while (st.Step()) out.push_back(st.Int(0));
    return out;
}

std::vector<CommunityMember> LoadMembers(Tx& tx, const Access& access, Id community_id,
                                         const MemberFilter& filter) {
    // Everyone with a subscription or a role there; the kind filter narrows it.
    std::string sql =
        "SELECT u.id, u.username, u.display_name, m.joined_at FROM users u "
        "LEFT JOIN experts_members m ON m.community_id = ? AND m.user_id = u.id "
        "WHERE u.deactivated = 0 AND u.id > ? AND ";
    const std::string any_role =
        "EXISTS (SELECT 1 FROM roles_grants g JOIN roles_catalog r ON r.id = g.role_id WHERE g.user_id = "
        "u.id AND "
        "g.scope_kind = 'experts_community' AND g.scope_id = ? AND r.name ";
    std::string role_name;
    if (filter.kind == "subscriber") {
        sql += "m.user_id IS NOT NULL";
    } else if (filter.kind == "expert" || filter.kind == "curator") {
        sql += any_role + "= ?)";
        role_name = *filter.kind == "expert" ? std::string(kRoleExpert) : std::string(kRoleCurator);
    } else {
        sql += "(m.user_id IS NOT NULL OR " + any_role + "IN (?, ?)))";
    }
    sql += " ORDER BY u.id LIMIT ?";
    Id after = filter.after.value_or(0);
    std::int64_t limit = filter.limit;
    std::vector<CommunityMember> out;
    auto read = [&](storage::Statement& st) {
        while (st.Step()) {
            CommunityMember m;
            m.user_id = st.Int(0);
            m.username = st.Text(1);
            m.display_name = st.Text(2);
            m.joined_at = st.OptInt(3);
            m.subscribed = m.joined_at.has_value();
            out.push_back(std::move(m));
        }
    };
    if (filter.kind == "subscriber")
        read(tx.Query(sql, community_id, after, limit));
    else if (!role_name.empty())
        read(tx.Query(sql, community_id, after, community_id, role_name, limit));
    else
        read(tx.Query(sql, community_id, after, community_id, kRoleExpert, kRoleCurator, limit));
    for (auto& m : out) m.roles = access.RolesIn(tx, m.user_id, community_id);
    return out;
}

std::optional<CommunityMember> LoadMember(Tx& tx, const Access& access, Id community_id, Id user_id) {
    auto& st = tx.Query(
        "SELECT u.id, u.username, u.display_name, m.joined_at FROM users u "
        "LEFT JOIN experts_members m ON m.community_id = ? AND m.user_id = u.id WHERE u.id = ?",
        community_id, user_id);
    if (!st.Step()) return std::nullopt;
    CommunityMember m;
    m.user_id = st.Int(0);
    m.username = st.Text(1);
    m.display_name = st.Text(2);
    m.joined_at = st.OptInt(3);
    m.subscribed = m.joined_at.has_value();
    while (st.Step()) {
    }
    m.roles = access.RolesIn(tx, user_id, community_id);
    return m;
}

bool IsPerson(Tx& tx, Id user_id) {
    return tx
        .QueryInt("SELECT 1 FROM users WHERE id = ? AND deactivated = 0 AND role IN ('user', 'admin')",
                  user_id)
        .has_value();
}

std::optional<Profile> LoadProfile(Tx& tx, Id user_id) {
    auto& st = tx.Query(
        "SELECT levels, vacation_until, bio, updated_at FROM experts_profiles WHERE user_id = ?", user_id);
    if (!st.Step()) return std::nullopt;
    Profile p;
    p.user_id = user_id;
    p.levels = StringsFromText(st.Text(0));
    p.vacation_until = st.OptInt(1);
    p.bio = st.Text(2);
    p.updated_at = st.Int(3);
    while (st.Step()) {
    }
    auto& cs = tx.Query(
        "SELECT tag, community_id FROM experts_competences WHERE user_id = ? ORDER BY tag, community_id",
        user_id);
    while (cs.Step()) p.competences.push_back({cs.Text(0), cs.OptInt(1)});
    return p;
}

void SaveProfile(Tx& tx, const Profile& p) {
    bj::array competences;
    for (const auto& c : p.competences) {
        bj::object o{{"tag", c.tag}};
        if (c.community_id) o["community_id"] = IdToString(*c.community_id);
        competences.push_back(std::move(o));
    }
    tx.Exec(
        "INSERT INTO experts_profiles(user_id, competences, levels, vacation_until, bio, updated_at) VALUES "
        "(?, ?, ?, "
        "?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET competences = excluded.competences, levels = "
        "excluded.levels, "
        "vacation_until = excluded.vacation_until, bio = excluded.bio, updated_at = excluded.updated_at",
        p.user_id, bj::serialize(competences), StringsText(p.levels), p.vacation_until, p.bio, p.updated_at);
    tx.Exec("DELETE FROM experts_competences WHERE user_id = ?", p.user_id);
    for (const auto& c : p.competences)
        tx.Exec("INSERT INTO experts_competences(user_id, community_id, tag) VALUES (?, ?, ?)", p.user_id,
                c.community_id, c.tag);
}

std::vector<Id> ExpertCommunities(Tx& tx, Id user_id) {
    std::vector<Id> out;
    auto& st = tx.Query(
        "SELECT g.scope_id FROM roles_grants g JOIN roles_catalog r ON r.id = g.role_id "
        "WHERE g.user_id = ? AND r.name = ? AND g.scope_kind = ? ORDER BY g.scope_id",
        user_id, kRoleExpert, kScopeKind);
    while (st.Step()) out.push_back(st.Int(0));
    return out;
}

}  // namespace veche::experts::store
