#include <set>

#include "access.hpp"
#include "chat_events.hpp"
#include "chat_internal.hpp"
#include "message_store.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/text.hpp"

namespace veche::chat {

namespace {

Status CheckPoll(const NewPoll& p) {
    if (text::Trim(p.question).empty()) return Error::InvalidArgument("field 'question' must not be empty");
    if (text::CodePointCount(p.question) > 300)
        return Error::InvalidArgument("field 'question' is longer than 300 characters");
    if (p.options.size() < 2 || p.options.size() > kMaxPollOptions)
        return Error::InvalidArgument("a poll has 2 to 20 options");
    std::set<std::string> seen;
    for (const auto& o : p.options) {
        if (text::Trim(o).empty() || text::CodePointCount(o) > 100)
            return Error::InvalidArgument("each option must be 1 to 100 characters");
        if (o.find('\0') != std::string::npos) return Error::InvalidArgument("options must not contain NUL");
        if (!seen.insert(std::string(text::Trim(o))).second)
            return Error::InvalidArgument("options must differ");
    }
    if (p.deadline && *p.deadline <= NowMs())
        return Error::InvalidArgument("field 'deadline' must be in the future");
    return {};
}

}  // namespace

Result<std::pair<Message, bool>> ChatService::CreatePoll(const Actor& actor, Id chat_id,
                                                         const NewPoll& poll) {
    VECHE_RETURN_IF_ERROR(CheckPoll(poll));
    if (poll.client_id && (poll.client_id->empty() || poll.client_id->size() > kMaxClientIdBytes))
        return Error::InvalidArgument("field 'client_id' must be 1 to 64 bytes");
    return db_.Write([&](Tx& tx) -> Result<std::pair<Message, bool>> {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        if (poll.client_id) {
            if (auto existing = tx.QueryInt(
                    "SELECT id FROM messages WHERE chat_id = ? AND author_id = ? AND client_id = ?", chat_id,
                    actor.user_id, *poll.client_id)) {
                return std::pair<Message, bool>{*LoadMessage(tx, *existing, actor.user_id), false};
            }
        }
        VECHE_RETURN_IF_ERROR(CheckWritable(a));
        Id id = GlobalIds().Next();
        std::int64_t now = NowMs();
        std::string question(text::Trim(poll.question));
        tx.Exec(
            "INSERT INTO messages(id, chat_id, author_id, text, client_id, created_at, kind) "
            "VALUES (?, ?, ?, ?, ?, ?, 'poll')",
            id, chat_id, actor.user_id, question, poll.client_id, now);
        tx.Exec(
            "INSERT INTO polls(message_id, question, multiple, anonymous, deadline) VALUES (?, ?, ?, ?, ?)",
            id, question, poll.multiple, poll.anonymous, poll.deadline);
        for (std::size_t i = 0; i < poll.options.size(); ++i) {
            tx.Exec("INSERT INTO poll_options(message_id, idx, text) VALUES (?, ?, ?)", id,
                    static_cast<std::int64_t>(i), std::string(text::Trim(poll.options[i])));
        }
        IndexMessage(tx, id, question);
        tx.Exec("UPDATE chats SET last_activity_at = ?, last_message_id = ? WHERE id = ?", now, id, chat_id);
        tx.Exec("UPDATE members SET last_read_message_id = ? WHERE chat_id = ? AND user_id = ?", id, chat_id,
                actor.user_id);
        auto m = LoadMessage(tx, id);
        EmitMessage(tx, "message.created", *m);
        return std::pair<Message, bool>{*LoadMessage(tx, id, actor.user_id), true};
    });
}

Result<Message> ChatService::Vote(const Actor& actor, Id message_id, const std::vector<int>& options) {
    return db_.Write([&](Tx& tx) -> Result<Message> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        auto& [m, a] = found;
        if (!a.is_member() || m.deleted) return Error::NotFound("message");
        if (!m.poll) return Error::InvalidArgument("this message is not a poll");
        VECHE_RETURN_IF_ERROR(CheckWritable(a));
        if (m.poll->closed(NowMs())) return Error::Conflict("poll_closed", "the poll is closed");
        std::set<int> chosen(options.begin(), options.end());
        if (chosen.size() != options.size()) return Error::InvalidArgument("each option may be chosen once");
        if (!m.poll->multiple && chosen.size() > 1)
            return Error::InvalidArgument("this poll takes one option");
        for (int i : chosen) {
            if (i < 0 || i >= static_cast<int>(m.poll->options.size()))
                return Error::InvalidArgument("no such option: " + std::to_string(i));
        }
        // A new vote replaces the previous one; an empty list takes the vote back.
        tx.Exec("DELETE FROM poll_votes WHERE message_id = ? AND user_id = ?", m.id, actor.user_id);
        for (int i : chosen) {
            tx.Exec("INSERT INTO poll_votes(message_id, user_id, idx, created_at) VALUES (?, ?, ?, ?)", m.id,
                    actor.user_id, i, NowMs());
        }
        auto shared = LoadMessage(tx, m.id);
        EmitMessage(tx, "message.updated", *shared);
        return *LoadMessage(tx, m.id, actor.user_id);
    });
}

Result<Message> ChatService::ClosePoll(const Actor& actor, Id message_id) {
    return db_.Write([&](Tx& tx) -> Result<Message> {
        VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
        auto& [m, a] = found;
        if (!a.is_member() || m.deleted) return Error::NotFound("message");
        if (!m.poll) return Error::InvalidArgument("this message is not a poll");
        if (m.author_id != actor.user_id && !a.is_manager())
            return Error::Forbidden("only the author or chat admins close a poll");
        if (!m.poll->closed_at) {
            tx.Exec("UPDATE polls SET closed_at = ? WHERE message_id = ?", NowMs(), m.id);
            auto shared = LoadMessage(tx, m.id);
            EmitMessage(tx, "message.updated", *shared);
        }
        return *LoadMessage(tx, m.id, actor.user_id);
    });
}

}  // namespace veche::chat
