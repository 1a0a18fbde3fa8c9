#include "consultation_events.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <set>

#include "veche/core/clock.hpp"
#include "veche/core/event.hpp"
#include "veche/core/json.hpp"

namespace veche::experts {

namespace bj = boost::json;
using storage::Tx;

namespace {

bj::object EventData(const Consultation& c) {
    bj::object o{{"consultation_id", IdToString(c.id)},
                 {"number", ConsultationNumberText(c.number)},
                 {"community_id", IdToString(c.community_id)},
                 {"state", c.state}};
    o["expert_id"] = c.expert_id ? bj::value(IdToString(*c.expert_id)) : bj::value(nullptr);
    return o;
}

void Emit(Tx& tx, Topic topic, Id target, std::string kind, const std::string& data,
          MembershipChange membership = MembershipChange::kNone) {
    Event e;
    e.topic = std::move(topic);
    e.target_user_id = target;
    e.kind = std::move(kind);
    e.data_json = data;
    e.membership = membership;
    e.created_at = NowMs();
    tx.Emit(std::move(e));
}

}  // namespace

std::vector<Id> ConsultationAudience::FollowedBy(Tx& tx, Id user_id) const {
    std::set<Id> ids;
    for (const char* column : {"requester_id", "expert_id", "curator_id"}) {
        auto& st =
            tx.Query("SELECT id FROM experts_consultations WHERE " + std::string(column) + " = ?", user_id);
        while (st.Step()) ids.insert(st.Int(0));
    }
    return {ids.begin(), ids.end()};
}

std::vector<Id> Participants(const Consultation& c) {
    std::vector<Id> out;
    for (std::optional<Id> u : {std::optional<Id>(c.requester_id), c.expert_id, c.curator_id})
        if (u && *u != 0 && std::find(out.begin(), out.end(), *u) == out.end()) out.push_back(*u);
    return out;
}

void EmitConsultationEvent(Tx& tx, const Access& access, const Consultation& c, std::string_view kind,
                           const std::vector<Id>& also) {
    std::string name = "experts.consultation." + std::string(kind);
    std::string data = json::Serialize(EventData(c));
    Emit(tx, Topic{std::string(kConsultationTopic), c.id}, 0, name, data);
    std::set<Id> reached;
    for (Id u : Participants(c)) reached.insert(u);
    std::vector<Id> others = access.Holders(tx, kRoleCurator, c.community_id);
    others.insert(others.end(), also.begin(), also.end());
    for (Id u : others)
        if (u != 0 && reached.insert(u).second) Emit(tx, Topic{}, u, name, data);
}

void EmitFollow(Tx& tx, const Consultation& c, Id user_id, bool follow) {
    Emit(tx, Topic{std::string(kConsultationTopic), c.id}, user_id,
         follow ? "experts.consultation.followed" : "experts.consultation.unfollowed",
         json::Serialize(bj::object{{"consultation_id", IdToString(c.id)}, {"user_id", IdToString(user_id)}}),
         follow ? MembershipChange::kAdd : MembershipChange::kRemove);
}

}  // namespace veche::experts
