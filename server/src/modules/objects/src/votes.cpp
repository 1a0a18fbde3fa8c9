#include "veche/objects/votes.hpp"

#include <algorithm>
#include <ctime>
#include <set>

#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

#include "object_store.hpp"
#include "veche/chat/bound_chats.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/files/file_store.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/objects/object_service.hpp"
#include "veche/timeline/timeline.hpp"

namespace veche::objects {

namespace bj = boost::json;

namespace {

constexpr std::string_view kCloseKind = "objects.vote_deadline";
std::string CloseKey(Id id) { return "objects.vote." + IdToString(id) + ".deadline"; }

std::string Utc(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

std::string ValueText(const bj::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    return json::Serialize(v);
}

std::optional<Vote> LoadVote(Tx& tx, Id id, Id viewer) {
    std::optional<Vote> out;
    {
        auto& st = tx.Query(
            "SELECT id, object_id, chat_id, creator, title, fields, options, quorum, secret, deadline_at, state, result, "
            "card_message_id, result_message_id, protocol_file_id, created_at, closed_at FROM objects_votes WHERE id = ?",
            id);
        if (st.Step()) {
            Vote v;
            v.id = st.Int(0);
            v.object_id = st.Int(1);
            v.chat_id = st.Int(2);
            v.creator = st.Int(3);
            v.title = st.Text(4);
            boost::system::error_code ec;
            auto f = bj::parse(st.Text(5), ec);
            if (!ec && f.is_object()) v.fields = f.get_object();
            auto o = bj::parse(st.Text(6), ec);
            if (!ec && o.is_array())
                for (const auto& x : o.get_array())
                    if (x.is_string()) v.options.emplace_back(x.get_string());
            v.quorum = static_cast<int>(st.Int(7));
            v.secret = st.Int(8) != 0;
            v.deadline_at = st.Int(9);
            v.state = st.Text(10);
            v.result = st.Text(11);
            v.card_message_id = st.Int(12);
            v.result_message_id = st.Int(13);
            v.protocol_file_id = st.Int(14);
            v.created_at = st.Int(15);
            v.closed_at = st.OptInt(16);
            out = std::move(v);
        }
        while (st.Step()) {
        }
    }
    if (!out) return out;
    {
        auto& st = tx.Query("SELECT user_id, voted_at FROM objects_vote_electors WHERE vote_id = ? ORDER BY user_id", id);
        while (st.Step()) {
            out->electorate.push_back(st.Int(0));
            if (!st.IsNull(1)) {
                out->voted_ids.push_back(st.Int(0));
                if (st.Int(0) == viewer) out->i_voted = true;
            }
        }
    }
    out->voted = static_cast<std::int64_t>(out->voted_ids.size());
    out->counts.assign(out->options.size(), 0);
    out->voters.assign(out->options.size(), {});
    {
        auto& st = tx.Query("SELECT option, voter_id FROM objects_vote_ballots WHERE vote_id = ?", id);
        while (st.Step()) {
            auto o = static_cast<std::size_t>(st.Int(0));
            if (o >= out->counts.size()) continue;
            out->counts[o] += 1;
            if (!st.IsNull(1)) {
                out->voters[o].push_back(st.Int(1));
                if (st.Int(1) == viewer) out->my_option = static_cast<int>(o);
            }
        }
    }
    return out;
}

// What a viewer may know: counts once closed; voters of an open card once closed; who voted, the
// creator; a secret card's choices, nobody.
Vote ForViewer(Vote v, Id viewer) {
    if (v.state == "open") {
        std::fill(v.counts.begin(), v.counts.end(), 0);
        for (auto& x : v.voters) x.clear();
    }
    if (v.secret)
        for (auto& x : v.voters) x.clear();
    if (viewer != v.creator) v.voted_ids.clear();
    return v;
}

std::string CardText(const Vote& v, const std::vector<bj::object>& field_defs) {
    std::string s = "Голосование: " + v.title + "\n";
    for (const auto& def : field_defs) {
        auto key = def.at("key").as_string();
        auto it = v.fields.find(key);
        if (it == v.fields.end()) continue;
        s += std::string(def.at("label").as_string()) + ": " + ValueText(it->value()) + "\n";
    }
    s += (v.secret ? "Тайное голосование. " : "") + std::string("Проголосовали ") + std::to_string(v.voted) + " из " +
         std::to_string(v.electorate.size()) + " (кворум " + std::to_string(v.quorum) + "), до " + Utc(v.deadline_at) + ".";
    if (v.state != "open") s += "\nГолосование завершено.";
    return s;
}

chat::ButtonRows CardButtons(const Vote& v) {
    if (v.state != "open") return {};
    std::vector<chat::Button> row;
    for (std::size_t i = 0; i < v.options.size(); ++i) {
        chat::Button b;
        b.label = v.options[i];
        b.command = "/vote";
        b.data = bj::object{{"vote_id", IdToString(v.id)}, {"option", static_cast<std::int64_t>(i)}};
        b.silent = true;
        row.push_back(std::move(b));
    }
    return {row};
}

std::vector<bj::object> FieldDefs(ObjectService& objects, Tx& tx, Id object_id) {
    std::vector<bj::object> out;
    auto obj = LoadObject(tx, object_id);
    if (!obj) return out;
    auto type = objects.GetType(obj->type_key);
    if (!type.ok()) return out;
    for (const auto& f : type->vote_fields)
        if (f.is_object()) out.push_back(f.get_object());
    return out;
}

std::string ResultName(const std::string& r) {
    return r == "passed" ? "решение принято" : r == "failed" ? "решение не принято" : "кворум не набран";
}

}  // namespace

VoteService::VoteService(storage::Database& db, ObjectService& objects, chat::ChatService& chats, jobs::Scheduler& jobs,
                         files::FileStore& files)
    : db_(db), objects_(objects), chats_(chats), jobs_(jobs), files_(files) {}

void VoteService::RegisterJobs() {
    jobs_.Register(std::string(kCloseKind), [this](const jobs::Job& job) -> Status {
        auto v = json::ParseObject(job.payload);
        if (!v.ok()) return {};
        VECHE_ASSIGN_OR_RETURN(auto id, json::ReqId(*v, "vote_id"));
        auto done = Finish(id, std::nullopt);
        return done.ok() || done.error().code == ErrorCode::kConflict ? Status{} : Status(done.error());
    });
}

Result<Vote> VoteService::Create(const Actor& actor, Id chat_id, const NewVote& spec) {
    if (spec.options.size() < 2 || spec.options.size() > 5) return Error::InvalidArgument("a vote has 2 to 5 options");
    std::int64_t now = NowMs();
    if (spec.deadline_at <= now) return Error::InvalidArgument("field 'deadline_at' must be in the future");
    VECHE_ASSIGN_OR_RETURN(Id assistant, objects_.Assistant());
    VECHE_ASSIGN_OR_RETURN(auto vote, db_.Write([&](Tx& tx) -> Result<Vote> {
        auto oc = LoadObjectChat(tx, chat_id);
        if (!oc || !IsChatMember(tx, chat_id, actor.user_id)) return Error::NotFound("chat");
        VECHE_ASSIGN_OR_RETURN(auto view, objects_.ViewIn(tx, actor, oc->object_id));
        if (!view.staff) return Error{ErrorCode::kForbidden, "permission_required", "only the object's staff put cards to a vote"};
        if (oc->state != "open") return Error{ErrorCode::kForbidden, "chat_archived", "chat is archived"};
        auto defs = FieldDefs(objects_, tx, oc->object_id);
        for (const auto& kv : spec.fields) {
            bool known = std::any_of(defs.begin(), defs.end(), [&](const bj::object& d) { return d.at("key").as_string() == kv.key(); });
            if (!known) return Error::InvalidArgument("field '" + std::string(kv.key()) + "' is not a vote field of this object type");
            if (!kv.value().is_string() && !kv.value().is_int64() && !kv.value().is_uint64())
                return Error::InvalidArgument("a card's values are strings or integers");
        }
        std::set<Id> electors(spec.electorate.begin(), spec.electorate.end());
        for (const auto& role : spec.electorate_roles)
            for (const auto& m : LoadMembers(tx, oc->object_id))
                if (m.role == role) electors.insert(m.user_id);
        if (electors.empty()) return Error{ErrorCode::kInvalidArgument, "no_electorate", "the vote has no electorate"};
        for (Id u : electors)
            if (!IsChatMember(tx, chat_id, u))
                return Error{ErrorCode::kInvalidArgument, "elector_not_in_chat", "every elector must be a member of the chat"};
        int n = static_cast<int>(electors.size());
        int quorum = spec.quorum.value_or(n / 2 + 1);
        if (quorum < 1 || quorum > n) return Error::InvalidArgument("field 'quorum' must be 1 to the electorate's size");
        Vote v;
        v.id = GlobalIds().Next();
        v.object_id = oc->object_id;
        v.chat_id = chat_id;
        v.creator = actor.user_id;
        v.title = spec.title;
        v.fields = spec.fields;
        v.options = spec.options;
        v.electorate.assign(electors.begin(), electors.end());
        v.quorum = quorum;
        v.secret = spec.secret;
        v.deadline_at = spec.deadline_at;
        v.state = "open";
        v.created_at = now;
        bj::array options;
        for (const auto& o : v.options) options.push_back(bj::value(o));
        auto card = chat::PostSystemMessage(tx, chat_id, assistant, CardText(v, defs), CardButtons(v));
        if (!card.ok()) return card.error();
        v.card_message_id = card->id;
        VECHE_RETURN_IF_ERROR(chat::PinSystemMessage(tx, card->id, assistant, true));
        tx.Exec(
            "INSERT INTO objects_votes(id, object_id, chat_id, creator, title, fields, options, quorum, secret, deadline_at, "
            "state, result, card_message_id, result_message_id, protocol_file_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, 'open', '', ?, 0, 0, ?)",
            v.id, v.object_id, v.chat_id, v.creator, v.title, json::Serialize(v.fields), json::Serialize(options),
            static_cast<std::int64_t>(v.quorum), v.secret, v.deadline_at, v.card_message_id, v.created_at);
        for (Id u : v.electorate)
            tx.Exec("INSERT INTO objects_vote_electors(vote_id, user_id) VALUES (?, ?)", v.id, u);
        VECHE_RETURN_IF_ERROR(jobs_.Schedule(tx, kCloseKind, json::Serialize(bj::object{{"vote_id", IdToString(v.id)}}),
                                             v.deadline_at, {CloseKey(v.id), 5}));
        EmitObjectEvent(tx, v.object_id, "objects.vote_opened", VoteJson(ForViewer(v, 0)));
        VECHE_ASSIGN_OR_RETURN(Id entry, timeline::Record(tx, {Topic{"object", v.object_id}, "vote_opened", actor.user_id,
                                                                json::Serialize(bj::object{{"vote_id", IdToString(v.id)},
                                                                                           {"title", v.title}})}));
        (void)entry;
        return ForViewer(*LoadVote(tx, v.id, actor.user_id), actor.user_id);
    }));
    jobs_.Wake();
    return vote;
}

Result<Vote> VoteService::Get(const Actor& actor, Id vote_id) {
    return db_.Read([&](Tx& tx) -> Result<Vote> {
        auto v = LoadVote(tx, vote_id, actor.user_id);
        if (!v || !IsChatMember(tx, v->chat_id, actor.user_id)) return Error::NotFound("vote");
        return ForViewer(std::move(*v), actor.user_id);
    });
}

Result<Vote> VoteService::Cast(const Actor& actor, Id vote_id, int option) {
    VECHE_ASSIGN_OR_RETURN(Id assistant, objects_.Assistant());
    bool everyone = false;
    VECHE_ASSIGN_OR_RETURN(auto vote, db_.Write([&](Tx& tx) -> Result<Vote> {
        auto v = LoadVote(tx, vote_id, actor.user_id);
        if (!v || !IsChatMember(tx, v->chat_id, actor.user_id)) return Error::NotFound("vote");
        if (v->state != "open" || NowMs() >= v->deadline_at) return Error::Conflict("vote_closed", "the vote is closed");
        if (std::find(v->electorate.begin(), v->electorate.end(), actor.user_id) == v->electorate.end())
            return Error{ErrorCode::kForbidden, "not_an_elector", "you are not in this vote's electorate"};
        if (option < 0 || option >= static_cast<int>(v->options.size()))
            return Error::InvalidArgument("field 'option' must name one of the options");
        std::int64_t now = NowMs();
        if (tx.Exec("UPDATE objects_vote_electors SET voted_at = ? WHERE vote_id = ? AND user_id = ? AND voted_at IS NULL",
                    now, vote_id, actor.user_id) != 1)
            return Error::Conflict("already_voted", "you have voted");
        // A secret ballot is stored without its voter and time: nothing links it to anyone.
        tx.Exec("INSERT INTO objects_vote_ballots(id, vote_id, option, voter_id, cast_at) VALUES (?, ?, ?, ?, ?)",
                GlobalIds().Next(), vote_id, static_cast<std::int64_t>(option),
                v->secret ? std::nullopt : std::optional<Id>(actor.user_id), v->secret ? 0 : now);
        auto fresh = *LoadVote(tx, vote_id, actor.user_id);
        VECHE_ASSIGN_OR_RETURN(auto card, chat::EditSystemMessage(tx, fresh.card_message_id,
                                                                  {CardText(fresh, FieldDefs(objects_, tx, fresh.object_id)),
                                                                   CardButtons(fresh)}));
        (void)card;
        (void)assistant;
        bj::object progress{{"vote_id", IdToString(vote_id)}, {"object_id", IdToString(fresh.object_id)},
                            {"voted", fresh.voted}, {"electorate", static_cast<std::int64_t>(fresh.electorate.size())}};
        EmitObjectEvent(tx, fresh.object_id, "objects.vote_ballot_cast", progress);
        everyone = fresh.voted == static_cast<std::int64_t>(fresh.electorate.size());
        return ForViewer(std::move(fresh), actor.user_id);
    }));
    if (everyone) {
        auto closed = Finish(vote_id, std::nullopt);
        if (closed.ok()) return Get(actor, vote_id);
    }
    return vote;
}

Result<Vote> VoteService::Close(const Actor& actor, Id vote_id) {
    VECHE_ASSIGN_OR_RETURN(auto v, Get(actor, vote_id));
    if (v.creator != actor.user_id) return Error{ErrorCode::kForbidden, "not_the_creator", "only who opened the vote closes it"};
    VECHE_RETURN_IF_ERROR(Finish(vote_id, actor.user_id));
    return Get(actor, vote_id);
}

Result<Vote> VoteService::Finish(Id vote_id, std::optional<Id> by) {
    VECHE_ASSIGN_OR_RETURN(Id assistant, objects_.Assistant());
    VECHE_ASSIGN_OR_RETURN(auto vote, db_.Write([&](Tx& tx) -> Result<Vote> {
        auto v = LoadVote(tx, vote_id, 0);
        if (!v) return Error::NotFound("vote");
        if (v->state != "open") return Error::Conflict("vote_closed", "the vote is closed");
        std::int64_t now = NowMs();
        if (!by && now < v->deadline_at && v->voted < static_cast<std::int64_t>(v->electorate.size())) {
            // The job came early (the deadline moved): come back then.
            VECHE_RETURN_IF_ERROR(jobs_.Schedule(tx, kCloseKind, json::Serialize(bj::object{{"vote_id", IdToString(v->id)}}),
                                                 v->deadline_at, {CloseKey(v->id), 5}));
            return Error::Conflict("vote_open", "not yet");
        }
        std::string result = v->voted < v->quorum ? "no_quorum"
                             : v->counts.at(0) * 2 > v->voted ? "passed"
                                                              : "failed";
        tx.Exec("UPDATE objects_votes SET state = 'closed', result = ?, closed_at = ? WHERE id = ?", result, now, v->id);
        jobs_.Cancel(tx, CloseKey(v->id));
        auto fresh = *LoadVote(tx, v->id, 0);
        auto defs = FieldDefs(objects_, tx, fresh.object_id);
        VECHE_ASSIGN_OR_RETURN(auto card, chat::EditSystemMessage(tx, fresh.card_message_id,
                                                                  {CardText(fresh, defs), chat::ButtonRows{}}));
        (void)card;
        VECHE_RETURN_IF_ERROR(chat::PinSystemMessage(tx, fresh.card_message_id, assistant, false));
        std::string text = "Итоги голосования «" + fresh.title + "»: " + ResultName(result) + ". Проголосовали " +
                           std::to_string(fresh.voted) + " из " + std::to_string(fresh.electorate.size()) + " (кворум " +
                           std::to_string(fresh.quorum) + ").";
        for (std::size_t i = 0; i < fresh.options.size(); ++i)
            text += "\n" + fresh.options[i] + ": " + std::to_string(fresh.counts[i]);
        VECHE_ASSIGN_OR_RETURN(auto posted, chat::PostSystemMessage(tx, fresh.chat_id, assistant, text));
        VECHE_RETURN_IF_ERROR(chat::PinSystemMessage(tx, posted.id, assistant, true));
        tx.Exec("UPDATE objects_votes SET result_message_id = ? WHERE id = ?", posted.id, v->id);
        fresh.result_message_id = posted.id;
        EmitObjectEvent(tx, fresh.object_id, "objects.vote_closed", VoteJson(ForViewer(fresh, 0)));
        VECHE_ASSIGN_OR_RETURN(Id entry, timeline::Record(tx, {Topic{"object", fresh.object_id}, "vote_closed", by,
                                                                json::Serialize(bj::object{{"vote_id", IdToString(v->id)},
                                                                                           {"result", result}})}));
        (void)entry;
        return fresh;
    }));
    auto posted = PostProtocol(vote);
    if (!posted.ok()) spdlog::warn("objects: the protocol of vote {} was not posted: {}", vote.id, posted.error().message);
    return vote;
}

Status VoteService::PostProtocol(const Vote& v) {
    VECHE_ASSIGN_OR_RETURN(Id assistant, objects_.Assistant());
    std::vector<std::string> lines;
    lines.push_back("Дата и время закрытия: " + Utc(v.closed_at.value_or(NowMs())));
    lines.push_back("Открыто: " + Utc(v.created_at) + "; срок: " + Utc(v.deadline_at));
    lines.push_back(std::string("Порядок: ") + (v.secret ? "тайное голосование" : "открытое голосование"));
    lines.push_back("");
    for (const auto& kv : v.fields) lines.push_back(std::string(kv.key()) + ": " + ValueText(kv.value()));
    lines.push_back("");
    lines.push_back("Число членов комиссии (электорат): " + std::to_string(v.electorate.size()));
    lines.push_back("Кворум: " + std::to_string(v.quorum));
    lines.push_back("Проголосовали: " + std::to_string(v.voted));
    for (std::size_t i = 0; i < v.options.size(); ++i)
        lines.push_back("  " + v.options[i] + ": " + std::to_string(v.counts[i]));
    lines.push_back("");
    lines.push_back("Решение: " + ResultName(v.result));
    std::string pdf = ProtocolPdf("Протокол голосования: " + v.title, lines);
    VECHE_ASSIGN_OR_RETURN(auto upload, files_.BeginUpload());
    VECHE_RETURN_IF_ERROR(upload->Write(pdf.data(), pdf.size()));
    VECHE_ASSIGN_OR_RETURN(auto stored, files_.Finish(*upload));
    chat::FileInfo f;
    f.name = "protocol-" + IdToString(v.id) + ".pdf";
    f.size = static_cast<std::int64_t>(stored.size);
    f.content_type = stored.content_type;
    f.sha256 = stored.sha256;
    Actor bot{assistant, false};
    VECHE_ASSIGN_OR_RETURN(auto recorded, chats_.RecordFile(bot, v.chat_id, f));
    VECHE_RETURN_IF_ERROR(files_.EnsureStored(*upload, stored));
    chat::NewMessage m;
    m.text = "Протокол голосования «" + v.title + "»";
    m.file_ids = {recorded.id};
    m.client_id = "vote-protocol-" + IdToString(v.id);
    VECHE_ASSIGN_OR_RETURN(auto posted, chats_.Post(bot, v.chat_id, m));
    (void)posted;
    return db_.Write([&](Tx& tx) -> Status {
        tx.Exec("UPDATE objects_votes SET protocol_file_id = ? WHERE id = ?", recorded.id, v.id);
        return {};
    });
}

bj::object VoteJson(const Vote& v) {
    bj::array options, counts, voters, electorate, voted;
    for (const auto& o : v.options) options.push_back(bj::value(o));
    for (auto c : v.counts) counts.push_back(c);
    for (const auto& list : v.voters) {
        bj::array a;
        for (Id u : list) a.push_back(bj::value(IdToString(u)));
        voters.push_back(std::move(a));
    }
    for (Id u : v.electorate) electorate.push_back(bj::value(IdToString(u)));
    for (Id u : v.voted_ids) voted.push_back(bj::value(IdToString(u)));
    bj::object o{{"id", IdToString(v.id)},
                 {"object_id", IdToString(v.object_id)},
                 {"chat_id", IdToString(v.chat_id)},
                 {"creator", IdToString(v.creator)},
                 {"title", v.title},
                 {"fields", v.fields},
                 {"options", std::move(options)},
                 {"electorate", std::move(electorate)},
                 {"quorum", v.quorum},
                 {"secret", v.secret},
                 {"deadline_at", v.deadline_at},
                 {"state", v.state},
                 {"result", v.result.empty() ? bj::value(nullptr) : bj::value(v.result)},
                 {"voted", v.voted},
                 {"i_voted", v.i_voted},
                 {"card_message_id", IdToString(v.card_message_id)},
                 {"result_message_id", v.result_message_id ? bj::value(IdToString(v.result_message_id)) : bj::value(nullptr)},
                 {"protocol_file_id", v.protocol_file_id ? bj::value(IdToString(v.protocol_file_id)) : bj::value(nullptr)},
                 {"created_at", v.created_at},
                 {"closed_at", v.closed_at ? bj::value(*v.closed_at) : bj::value(nullptr)}};
    if (v.state != "open") o["counts"] = std::move(counts);
    if (v.state != "open" && !v.secret) o["voters"] = std::move(voters);
    if (!v.voted_ids.empty()) o["voted_ids"] = std::move(voted);
    if (v.my_option) o["my_option"] = *v.my_option;
    return o;
}

}  // namespace veche::objects
