#include "json_strings.hpp"
#include "consultation_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

namespace veche::experts {

namespace bj = boost::json;

namespace {

bj::value OptId(const std::optional<Id>& id) { return id ? bj::value(IdToString(*id)) : bj::value(nullptr); }
bj::value OptInt(const std::optional<std::int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

bj::object EventToJson(const ConsultationEvent& e) {
    boost::system::error_code ec;
    bj::value data = bj::parse(e.data_json, ec);
    if (ec || !data.is_object()) data = bj::object{};
    return bj::object{{"id", IdToString(e.id)}, {"type", e.type},          {"actor_id", OptId(e.actor_id)},
                      {"text", e.text},         {"data", std::move(data)}, {"at", e.at}};
}

}  // namespace

bj::object ConsultationToJson(const Consultation& c, bool full) {
    bj::object o{{"id", IdToString(c.id)},
                 {"number", ConsultationNumberText(c.number)},
                 {"requester_id", IdToString(c.requester_id)},
                 {"community_id", IdToString(c.community_id)},
                 {"title", c.title},
                 {"question", c.question},
                 {"expected_result", c.expected_result},
                 {"difficulty", c.difficulty},
                 {"tags", StringsJson(c.tags)},
                 {"state", c.state},
                 {"expert_id", OptId(c.expert_id)},
                 {"curator_id", OptId(c.curator_id)},
                 {"chat_id", OptId(c.chat_id)},
                 {"questions", c.questions},
                 {"due_assign_at", c.due_assign_at},
                 {"overdue", c.overdue},
                 {"escalated_at", OptInt(c.escalated_at)},
                 {"assigned_at", OptInt(c.assigned_at)},
                 {"resolved_at", OptInt(c.resolved_at)},
                 {"created_at", c.created_at},
                 {"updated_at", c.updated_at}};
    o["prior_state"] = c.prior_state ? bj::value(*c.prior_state) : bj::value(nullptr);
    o["call"] =
        c.call ? bj::value(bj::object{{"at", c.call->at}, {"link", c.call->link}}) : bj::value(nullptr);
    if (c.state == "resolved")
        o["answer"] = bj::object{{"text", c.answer_text}, {"message_id", OptId(c.answer_message_id)}};
    else
        o["answer"] = nullptr;
    if (c.state == "rejected")
        o["rejection"] = bj::object{{"reason_code", c.reject_reason_code}, {"text", c.reject_text}};
    else
        o["rejection"] = nullptr;
    if (c.rating)
        o["rating"] = bj::object{
            {"rating", *c.rating}, {"comment", c.rating_comment}, {"rated_at", OptInt(c.rated_at)}};
    else
        o["rating"] = nullptr;
    if (full) {
        bj::array events;
        for (const auto& e : c.events) events.push_back(EventToJson(e));
        o["events"] = std::move(events);
        bj::array files;
        for (const auto& a : c.attachments)
            files.push_back(bj::object{{"id", IdToString(a.id)},
                                       {"name", a.name},
                                       {"size", a.size},
                                       {"content_type", a.content_type},
                                       {"uploader_id", IdToString(a.uploader_id)},
                                       {"created_at", a.created_at}});
        o["attachments"] = std::move(files);
        o["actions"] = StringsJson(c.actions);
    }
    return o;
}

bj::object SuggestedExpertToJson(const SuggestedExpert& s) {
    return bj::object{{"user_id", IdToString(s.user_id)},
                      {"username", s.username},
                      {"display_name", s.display_name},
                      {"match", s.match},
                      {"matched_tags", StringsJson(s.matched_tags)},
                      {"takes_level", s.takes_level},
                      {"open", s.open},
                      {"last_assigned_at", OptInt(s.last_assigned_at)}};
}

bj::object StatsToJson(const CommunityStats& s) {
    bj::array rows;
    std::int64_t t_new = 0, t_progress = 0, t_resolved = 0, t_rejected = 0, t_cancelled = 0;
    for (const auto& r : s.rows) {
        rows.push_back(bj::object{{"difficulty", r.difficulty},
                                  {"new", r.new_count},
                                  {"in_progress", r.in_progress},
                                  {"resolved", r.resolved},
                                  {"rejected", r.rejected},
                                  {"cancelled", r.cancelled}});
        t_new += r.new_count;
        t_progress += r.in_progress;
        t_resolved += r.resolved;
        t_rejected += r.rejected;
        t_cancelled += r.cancelled;
    }
    bj::object totals{{"new", t_new},
                      {"in_progress", t_progress},
                      {"resolved", t_resolved},
                      {"rejected", t_rejected},
                      {"cancelled", t_cancelled}};
    return bj::object{{"community_id", IdToString(s.community_id)},
                      {"from", OptInt(s.from)},
                      {"to", OptInt(s.to)},
                      {"by_difficulty", std::move(rows)},
                      {"totals", std::move(totals)},
                      {"ratings", s.ratings},
                      {"rating_avg", s.rating_avg ? bj::value(*s.rating_avg) : bj::value(nullptr)}};
}

bj::object ExpertStatsToJson(const ExpertStats& s) {
    return bj::object{{"user_id", IdToString(s.user_id)},
                      {"open", s.open},
                      {"resolved", s.resolved},
                      {"rejected", s.rejected},
                      {"ratings", s.ratings},
                      {"rating_avg", s.rating_avg ? bj::value(*s.rating_avg) : bj::value(nullptr)}};
}

bj::object SettingsToJson(const ConsultationSettings& s) {
    return bj::object{{"community_id", IdToString(s.community_id)},
                      {"assign_within_working_days", s.assign_within_working_days},
                      {"updated_at", s.updated_at == 0 ? bj::value(nullptr) : bj::value(s.updated_at)}};
}

}  // namespace veche::experts
