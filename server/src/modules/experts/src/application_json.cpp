#include "json_strings.hpp"
#include "application_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

namespace veche::experts {

namespace bj = boost::json;

namespace {

bj::array Ids(const std::vector<Id>& v) {
    bj::array a;
    for (Id id : v) a.emplace_back(IdToString(id));
    return a;
}

bj::object AnswersToJson(const Answers& a) {
    bj::object o{{"full_name", a.full_name},
                 {"position", a.position},
                 {"department", a.department},
                 {"site", a.site},
                 {"phone", a.phone},
                 {"experience", a.experience},
                 {"competences", StringsJson(a.competences)},
                 {"skills", a.skills},
                 {"motivation", a.motivation}};
    o["experience_years"] = a.experience_years ? bj::value(*a.experience_years) : bj::value(nullptr);
    return o;
}

bj::object EventToJson(const ApplicationEvent& e) {
    boost::system::error_code ec;
    bj::value data = bj::parse(e.data_json, ec);
    if (ec || !data.is_object()) data = bj::object{};
    return bj::object{{"id", IdToString(e.id)},
                      {"type", e.type},
                      {"actor_id", e.actor_id ? bj::value(IdToString(*e.actor_id)) : bj::value(nullptr)},
                      {"text", e.text},
                      {"data", std::move(data)},
                      {"at", e.at}};
}

}  // namespace

bj::object ApplicationToJson(const Application& a) {
    bj::object o{{"id", IdToString(a.id)},
                 {"user_id", IdToString(a.user_id)},
                 {"username", a.username},
                 {"display_name", a.display_name},
                 {"state", a.state},
                 {"answers", AnswersToJson(a.answers)},
                 {"community_ids", Ids(a.community_ids)},
                 {"curator_id", a.curator_id ? bj::value(IdToString(*a.curator_id)) : bj::value(nullptr)},
                 {"created_at", a.created_at},
                 {"updated_at", a.updated_at},
                 {"submitted_at", a.submitted_at ? bj::value(*a.submitted_at) : bj::value(nullptr)},
                 {"actions", StringsJson(a.actions)}};
    o["interview"] = a.interview ? bj::value(bj::object{{"at", a.interview->at}, {"link", a.interview->link}})
                                 : bj::value(nullptr);
    if (a.decision) {
        o["decision"] = bj::object{{"decision", a.decision->decision},
                                   {"reason", a.decision->reason},
                                   {"by", IdToString(a.decision->by)},
                                   {"at", a.decision->at},
                                   {"community_ids", Ids(a.decision->community_ids)}};
    } else {
        o["decision"] = nullptr;
    }
    bj::array events;
    for (const auto& e : a.events) events.push_back(EventToJson(e));
    o["events"] = std::move(events);
    return o;
}

}  // namespace veche::experts
