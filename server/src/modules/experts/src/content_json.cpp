#include "json_strings.hpp"
#include "content_json.hpp"

#include <boost/json/array.hpp>

namespace veche::experts {

namespace bj = boost::json;

namespace {

bj::value OptId(const std::optional<Id>& id) { return id ? bj::value(IdToString(*id)) : bj::value(nullptr); }
bj::value OptInt(const std::optional<std::int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }
bj::value OptText(const std::optional<std::string>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

}  // namespace

bj::object FeedItemToJson(const FeedItem& f) {
    return bj::object{{"id", IdToString(f.id)},
                      {"community_id", IdToString(f.community_id)},
                      {"kind", f.kind},
                      {"author_id", IdToString(f.author_id)},
                      {"author_name", f.author_name},
                      {"text", f.text},
                      {"links", StringsJson(f.links)},
                      {"source_id", OptId(f.source_id)},
                      {"title", OptText(f.title)},
                      {"created_at", f.created_at}};
}

bj::object TopicToJson(const Topic& t) {
    return bj::object{{"id", IdToString(t.id)},
                      {"community_id", IdToString(t.community_id)},
                      {"chat_id", IdToString(t.chat_id)},
                      {"title", t.title},
                      {"created_by", IdToString(t.created_by)},
                      {"created_at", t.created_at},
                      {"members", t.members},
                      {"joined", t.joined}};
}

bj::object ArticleFileToJson(const ArticleFile& f) {
    return bj::object{{"id", IdToString(f.id)},
                      {"name", f.name},
                      {"size", f.size},
                      {"content_type", f.content_type},
                      {"url", "/api/v1/files/" + IdToString(f.id)}};
}

bj::object ArticleToJson(const Article& a, bool full) {
    bj::object o{{"id", IdToString(a.id)},
                 {"community_id", IdToString(a.community_id)},
                 {"kind", a.kind},
                 {"title", a.title},
                 {"summary", a.summary},
                 {"state", a.state},
                 {"author_id", IdToString(a.author_id)},
                 {"author_name", a.author_name},
                 {"reviewer_id", OptId(a.reviewer_id)},
                 {"return_reason", OptText(a.return_reason)},
                 {"created_at", a.created_at},
                 {"updated_at", a.updated_at},
                 {"submitted_at", OptInt(a.submitted_at)},
                 {"published_at", OptInt(a.published_at)},
                 {"archived_at", OptInt(a.archived_at)},
                 {"actions", StringsJson(a.actions)}};
    if (full) {
        o["body"] = a.body;
        o["slides"] = StringsJson(a.slides);
        bj::array files;
        for (const auto& f : a.files) files.push_back(ArticleFileToJson(f));
        o["files"] = std::move(files);
    }
    if (a.snippet) o["snippet"] = *a.snippet;
    return o;
}

bj::object MeetingToJson(const Meeting& m) {
    bj::object o{{"id", IdToString(m.id)},
                 {"community_id", OptId(m.community_id)},
                 {"title", m.title},
                 {"topic", m.topic},
                 {"agenda", m.agenda},
                 {"starts_at", m.starts_at},
                 {"ends_at", m.ends_at},
                 {"tz", m.tz},
                 {"link", m.link},
                 {"capacity", OptInt(m.capacity)},
                 {"state", m.state},
                 {"summary", OptText(m.summary)},
                 {"summary_by", OptId(m.summary_by)},
                 {"summary_at", OptInt(m.summary_at)},
                 {"created_by", IdToString(m.created_by)},
                 {"created_at", m.created_at},
                 {"updated_at", m.updated_at},
                 {"going", m.going},
                 {"interested", m.interested},
                 {"waitlist", m.waitlist},
                 {"my_status", OptText(m.my_status)},
                 {"my_waitlist_position", OptInt(m.my_waitlist_position)},
                 {"actions", StringsJson(m.actions)}};
    if (m.snippet) o["snippet"] = *m.snippet;
    return o;
}

bj::object RegistrationToJson(const Registration& r) {
    return bj::object{{"user_id", IdToString(r.user_id)},
                      {"name", r.name},
                      {"status", r.status},
                      {"registered_at", r.registered_at}};
}

}  // namespace veche::experts
