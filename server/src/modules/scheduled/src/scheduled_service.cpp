#include "veche/scheduled/scheduled_service.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>

#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"

namespace veche::scheduled {
namespace {

namespace bj = boost::json;
using storage::Statement;
using storage::Tx;

constexpr const char* kSelect =
    "SELECT id, author_id, chat_id, thread_root_id, text, send_at, state, message_id, failure_code, failure, "
    "created_at, updated_at, sent_at FROM scheduled_messages";

ScheduledMessage ReadRow(const Statement& st) {
    ScheduledMessage m;
    m.id = st.Int(0);
    m.author_id = st.Int(1);
    m.chat_id = st.Int(2);
    m.thread_root_id = st.OptInt(3).value_or(0);
    m.text = st.Text(4);
    m.send_at = st.Int(5);
    m.state = st.Text(6);
    m.message_id = st.OptInt(7);
    if (!st.IsNull(8)) m.failure_code = st.Text(8);
    if (!st.IsNull(9)) m.failure = st.Text(9);
    m.created_at = st.Int(10);
    m.updated_at = st.Int(11);
    m.sent_at = st.OptInt(12);
    return m;
}

// The caller's row, or nothing: another user's id is reported exactly like an unknown one.
std::optional<ScheduledMessage> LoadOwn(Tx& tx, Id id, Id author_id) {
    static const std::string sql = std::string(kSelect) + " WHERE id = ? AND author_id = ?";
    Statement& st = tx.Query(sql, id, author_id);
    if (!st.Step()) return std::nullopt;
    ScheduledMessage m = ReadRow(st);
    while (st.Step()) {
    }
    return m;
}

std::optional<ScheduledMessage> LoadAny(Tx& tx, Id id) {
    static const std::string sql = std::string(kSelect) + " WHERE id = ?";
    Statement& st = tx.Query(sql, id);
    if (!st.Step()) return std::nullopt;
    ScheduledMessage m = ReadRow(st);
    while (st.Step()) {
    }
    return m;
}

std::string JobKey(Id id) { return "scheduled:" + IdToString(id); }
std::string Payload(Id id) { return json::Serialize(bj::object{{"id", IdToString(id)}}); }

// Tells the author's clients (every node, through the event log) what became of the message.
void EmitToAuthor(Tx& tx, const ScheduledMessage& m, std::string kind) {
    Event e;
    e.target_user_id = m.author_id;
    e.kind = std::move(kind);
    e.data_json = json::Serialize(ScheduledToJson(m));
    tx.Emit(std::move(e));
}

// Errors that the same post would meet again: recorded as the scheduled message's failure.
bool Permanent(const Error& e) {
    switch (e.code) {
        case ErrorCode::kInvalidArgument:
        case ErrorCode::kForbidden:
        case ErrorCode::kNotFound:
        case ErrorCode::kConflict:
        case ErrorCode::kUnauthenticated:
            return true;
        default:
            return false;
    }
}

}  // namespace

bj::object ScheduledToJson(const ScheduledMessage& m) {
    bj::object o{
        {"id", IdToString(m.id)},
        {"chat_id", IdToString(m.chat_id)},
        {"author_id", IdToString(m.author_id)},
        {"thread_root_id", m.thread_root_id ? bj::value(IdToString(m.thread_root_id)) : bj::value(nullptr)},
        {"text", m.text},
        {"send_at", m.send_at},
        {"state", m.state},
        {"message_id", m.message_id ? bj::value(IdToString(*m.message_id)) : bj::value(nullptr)},
        {"created_at", m.created_at},
        {"updated_at", m.updated_at},
        {"sent_at", m.sent_at ? bj::value(*m.sent_at) : bj::value(nullptr)}};
    if (m.failure_code)
        o["failure"] = bj::object{{"code", *m.failure_code}, {"message", m.failure.value_or("")}};
    else
        o["failure"] = nullptr;
    return o;
}

ScheduledService::ScheduledService(storage::Database& db, chat::ChatService& chats,
                                   accounts::AccountService& accounts, jobs::Scheduler& jobs)
    : db_(db), chats_(chats), accounts_(accounts), jobs_(jobs) {}

void ScheduledService::RegisterJobs() {
    jobs_.Register(std::string(kSendKind), [this](const jobs::Job& job) { return Send(job); });
}

Status ScheduledService::ValidateSendAt(std::int64_t send_at) const {
    std::int64_t now = NowMs();
    if (send_at <= now)
        return Error{ErrorCode::kInvalidArgument, "invalid_send_at", "send_at must be in the future"};
    if (send_at > now + kMaxAheadMs)
        return Error{ErrorCode::kInvalidArgument, "invalid_send_at", "send_at must be at most a year ahead"};
    return {};
}

Result<ScheduledMessage> ScheduledService::Create(const chat::Actor& actor, Id chat_id, std::string text,
                                                  std::int64_t send_at, Id thread_root_id) {
    VECHE_RETURN_IF_ERROR(chat::ChatService::ValidateText(text));
    VECHE_RETURN_IF_ERROR(ValidateSendAt(send_at));
    // Checked now so that the author learns at once; ChatService::Post checks again at send_at.
    VECHE_RETURN_IF_ERROR(chats_.CheckCanUpload(actor, chat_id));
    if (thread_root_id) {
        VECHE_ASSIGN_OR_RETURN(auto root, chats_.GetMessage(actor, thread_root_id));
        if (root.chat_id != chat_id || root.deleted) return Error::NotFound("message");
        if (root.thread_root_id) return Error::InvalidArgument("replies go to the thread's root message");
    }
    ScheduledMessage m;
    m.id = GlobalIds().Next();
    m.author_id = actor.user_id;
    m.chat_id = chat_id;
    m.thread_root_id = thread_root_id;
    m.text = std::move(text);
    m.send_at = send_at;
    m.state = "pending";
    m.created_at = m.updated_at = NowMs();
    return db_.Write([&](Tx& tx) -> Result<ScheduledMessage> {
        auto pending = tx.QueryInt(
            "SELECT COUNT(*) FROM scheduled_messages WHERE author_id = ? AND state IN ('pending', 'sending')",
            actor.user_id);
        if (pending.value_or(0) >= kMaxPendingPerUser)
            return Error::Conflict(
                "too_many_scheduled_messages",
                "at most " + std::to_string(kMaxPendingPerUser) + " scheduled messages at a time");
        tx.Exec(
            "INSERT INTO scheduled_messages(id, author_id, chat_id, thread_root_id, text, send_at, state, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            m.id, m.author_id, m.chat_id, thread_root_id ? std::optional<Id>(thread_root_id) : std::nullopt,
            m.text, m.send_at, m.created_at, m.updated_at);
        jobs::ScheduleOptions o;
        o.dedupe_key = JobKey(m.id);
        o.max_attempts = 10;
        VECHE_RETURN_IF_ERROR(jobs_.Schedule(tx, kSendKind, Payload(m.id), m.send_at, o));
        return m;
    });
}

Result<std::vector<ScheduledMessage>> ScheduledService::ListMine(const chat::Actor& actor,
                                                                 std::optional<std::string> state) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<ScheduledMessage>> {
        static const std::string by_state =
            std::string(kSelect) + " WHERE author_id = ? AND state = ? ORDER BY send_at, id LIMIT 1000";
        static const std::string unsent =
            std::string(kSelect) + " WHERE author_id = ? AND state <> 'sent' ORDER BY send_at, id LIMIT 1000";
        Statement& st = state ? tx.Query(by_state, actor.user_id, *state) : tx.Query(unsent, actor.user_id);
        std::vector<ScheduledMessage> out;
        while (st.Step()) out.push_back(ReadRow(st));
        return out;
    });
}

Result<ScheduledMessage> ScheduledService::Get(const chat::Actor& actor, Id id) {
    VECHE_ASSIGN_OR_RETURN(auto m, db_.Read([&](Tx& tx) -> Result<std::optional<ScheduledMessage>> {
        return LoadOwn(tx, id, actor.user_id);
    }));
    if (!m) return Error::NotFound("scheduled_message");
    return *m;
}

Result<ScheduledMessage> ScheduledService::Update(const chat::Actor& actor, Id id, const ScheduledUpdate& u) {
    if (u.text) VECHE_RETURN_IF_ERROR(chat::ChatService::ValidateText(*u.text));
    if (u.send_at) VECHE_RETURN_IF_ERROR(ValidateSendAt(*u.send_at));
    return db_.Write([&](Tx& tx) -> Result<ScheduledMessage> {
        auto m = LoadOwn(tx, id, actor.user_id);
        if (!m) return Error::NotFound("scheduled_message");
        if (m->state != "pending")
            return Error::Conflict("scheduled_message_not_pending",
                                   "only a pending scheduled message can change");
        if (u.text) m->text = *u.text;
        if (u.send_at) m->send_at = *u.send_at;
        m->updated_at = NowMs();
        tx.Exec("UPDATE scheduled_messages SET text = ?, send_at = ?, updated_at = ? WHERE id = ?", m->text,
                m->send_at, m->updated_at, id);
        if (u.send_at) {
            // Same key: the job row moves to the new time (and a run under way skips, see Send).
            jobs::ScheduleOptions o;
            o.dedupe_key = JobKey(id);
            o.max_attempts = 10;
            VECHE_RETURN_IF_ERROR(jobs_.Schedule(tx, kSendKind, Payload(id), m->send_at, o));
        }
        return *m;
    });
}

Status ScheduledService::Delete(const chat::Actor& actor, Id id) {
    return db_.Write([&](Tx& tx) -> Status {
        auto m = LoadOwn(tx, id, actor.user_id);
        if (!m) return Error::NotFound("scheduled_message");
        if (m->state == "sending")
            return Error::Conflict("scheduled_message_not_pending", "the message is being sent");
        tx.Exec("DELETE FROM scheduled_messages WHERE id = ?", id);
        jobs_.Cancel(tx, JobKey(id));
        return {};
    });
}

Status ScheduledService::Send(const jobs::Job& job) {
    boost::system::error_code ec;
    bj::value payload = bj::parse(job.payload, ec);
    std::optional<Id> id;
    if (!ec && payload.is_object())
        if (const auto* v = payload.as_object().if_contains("id"); v && v->is_string())
            id = ParseId(std::string_view(v->as_string()));
    if (!id) {
        spdlog::error("scheduled: job {} has a malformed payload", IdToString(job.id));
        return {};  // nothing a retry could change
    }
    std::int64_t now = NowMs();
    // Mark it sending first: an edit or delete from now on is refused instead of racing the post.
    VECHE_ASSIGN_OR_RETURN(auto due, db_.Write([&](Tx& tx) -> Result<std::optional<ScheduledMessage>> {
        auto m = LoadAny(tx, *id);
        if (!m || m->state == "sent" || m->state == "failed") return std::optional<ScheduledMessage>();
        // Moved later after this run was claimed: the rescheduled job posts it.
        if (m->state == "pending" && m->send_at > std::max(job.due_at, now))
            return std::optional<ScheduledMessage>();
        if (m->state == "pending") {
            m->state = "sending";
            m->updated_at = now;
            tx.Exec("UPDATE scheduled_messages SET state = 'sending', updated_at = ? WHERE id = ?", now, *id);
        }
        return m;
    }));
    if (!due) return {};
    ScheduledMessage m = std::move(*due);

    auto fail = [&](const Error& e) -> Status {
        m.state = "failed";
        m.failure_code = e.api_code.empty() ? "send_failed" : e.api_code;
        m.failure = e.message;
        m.updated_at = NowMs();
        return db_.Write([&](Tx& tx) -> Status {
            if (tx.Exec("UPDATE scheduled_messages SET state = 'failed', failure_code = ?, failure = ?, "
                        "updated_at = ? "
                        "WHERE id = ? AND state = 'sending'",
                        m.failure_code, m.failure, m.updated_at, m.id) > 0)
                EmitToAuthor(tx, m, "scheduled_message.failed");
            return {};
        });
    };
    bool last_attempt = job.attempts >= job.max_attempts;

    auto author = accounts_.GetUser(m.author_id);
    if (!author.ok()) {
        if (Permanent(author.error()) || last_attempt) return fail(author.error());
        return author.error();
    }
    chat::NewMessage nm;
    nm.text = m.text;
    nm.client_id = JobKey(m.id);
    nm.thread_root_id = m.thread_root_id;
    auto posted = chats_.Post(author->actor(), m.chat_id, nm);
    if (!posted.ok()) {
        spdlog::info("scheduled: {} could not be posted: {}", IdToString(m.id), posted.error().message);
        if (Permanent(posted.error()) || last_attempt) return fail(posted.error());
        return posted.error();  // transient: the job retries, and the client_id keeps it single
    }
    m.state = "sent";
    m.message_id = posted->first.id;
    m.sent_at = posted->first.created_at;
    m.updated_at = NowMs();
    return db_.Write([&](Tx& tx) -> Status {
        if (tx.Exec(
                "UPDATE scheduled_messages SET state = 'sent', message_id = ?, sent_at = ?, updated_at = ? "
                "WHERE id = ? AND state = 'sending'",
                m.message_id, m.sent_at, m.updated_at, m.id) > 0)
            EmitToAuthor(tx, m, "scheduled_message.sent");
        return {};
    });
}

}  // namespace veche::scheduled
