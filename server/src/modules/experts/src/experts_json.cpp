#include "json_strings.hpp"
#include "experts_json.hpp"

#include <boost/json/array.hpp>

namespace veche::experts {

namespace bj = boost::json;

namespace {

bj::array Ids(const std::vector<Id>& v) {
    bj::array a;
    for (Id id : v) a.emplace_back(IdToString(id));
    return a;
}

template <class T>
bj::value Opt(const std::optional<T>& v) {
    if (!v) return nullptr;
    return bj::value(*v);
}

}  // namespace

bj::object CommunityToJson(const CommunityView& v) {
    const Community& c = v.community;
    return bj::object{{"id", IdToString(c.id)},
                      {"slug", c.slug},
                      {"title", c.title},
                      {"description", c.description},
                      {"sections", StringsJson(c.sections)},
                      {"visibility", c.visibility},
                      {"created_by", IdToString(c.created_by)},
                      {"created_at", c.created_at},
                      {"updated_at", c.updated_at},
                      {"archived_at", Opt(c.archived_at)},
                      {"subscribers", v.subscribers},
                      {"experts", v.experts},
                      {"curators", v.curators},
                      {"subscribed", v.subscribed},
                      {"my_roles", StringsJson(v.my_roles)}};
}

bj::object MemberToJson(const CommunityMember& m) {
    return bj::object{{"user_id", IdToString(m.user_id)}, {"username", m.username},
                      {"display_name", m.display_name},   {"subscribed", m.subscribed},
                      {"joined_at", Opt(m.joined_at)},    {"roles", StringsJson(m.roles)}};
}

bj::object ProfileToJson(const Profile& p) {
    bj::array competences;
    for (const auto& c : p.competences) {
        bj::object o{{"tag", c.tag}, {"community_id", nullptr}};
        if (c.community_id) o["community_id"] = IdToString(*c.community_id);
        competences.push_back(std::move(o));
    }
    return bj::object{{"user_id", IdToString(p.user_id)},
                      {"competences", std::move(competences)},
                      {"levels", StringsJson(p.levels)},
                      {"vacation_until", Opt(p.vacation_until)},
                      {"bio", p.bio},
                      {"updated_at", p.updated_at},
                      {"expert_in", Ids(p.expert_in)}};
}

bj::object MeToJson(const Me& me) {
    bj::array communities;
    for (const auto& c : me.communities)
        communities.push_back(bj::object{{"community_id", IdToString(c.community_id)},
                                         {"subscribed", c.subscribed},
                                         {"roles", StringsJson(c.roles)}});
    return bj::object{{"user_id", IdToString(me.user_id)}, {"admin", me.admin},
                      {"moderator", me.moderator},         {"reservist", me.reservist},
                      {"roles", StringsJson(me.roles)},        {"communities", std::move(communities)}};
}

}  // namespace veche::experts
