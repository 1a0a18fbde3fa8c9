// Buttons on messages and the clicks on them (veche/chat/interactions.hpp, docs/api.md "Buttons and
// interactions").
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <thread>

#include "access.hpp"
#include "chat_events.hpp"
#include "chat_internal.hpp"
#include "message_store.hpp"
#include "veche/chat/bound_chats.hpp"
#include "veche/chat/interactions.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/core/text.hpp"

namespace veche::chat {

namespace bj = boost::json;

namespace {

// A pending claim older than this is taken to be a node that died while its bot handled the click.
constexpr std::int64_t kStaleClaimMs = 30'000;
// How long a repeated click waits for the first one's answer.
constexpr std::int64_t kWaitForFirstMs = 15'000;

Error BadButtons(std::string message) {
    return {ErrorCode::kInvalidArgument, "invalid_buttons", std::move(message)};
}

bool IsAllowedLink(std::string_view link) {
    if (link.starts_with("https://") || link.starts_with("http://"))
        return link.size() > (link[4] == 's' ? 8u : 7u);
    // An app path, never a protocol-relative "//host".
    return link.starts_with("/") && !link.starts_with("//");
}

}  // namespace

void InteractionHandlers::Register(Id bot_user_id, InteractionHandler handler) {
    std::lock_guard lock(mu_);
    handlers_[bot_user_id] = std::move(handler);
}

void InteractionHandlers::Unregister(Id bot_user_id) {
    std::lock_guard lock(mu_);
    handlers_.erase(bot_user_id);
}

std::optional<InteractionHandler> InteractionHandlers::Find(Id bot_user_id) const {
    std::lock_guard lock(mu_);
    auto it = handlers_.find(bot_user_id);
    if (it == handlers_.end()) return std::nullopt;
    return it->second;
}

Status ValidateButtons(const ButtonRows& rows) {
    if (rows.size() > kMaxButtonRows) return BadButtons("at most 5 rows of buttons");
    for (const auto& row : rows) {
        if (row.empty() || row.size() > kMaxButtonsPerRow) return BadButtons("a row has 1 to 5 buttons");
        for (const auto& b : row) {
            if (!text::IsValidUtf8(b.label) || text::Trim(b.label).empty() ||
                text::CodePointCount(b.label) > kMaxButtonLabelChars)
                return BadButtons("a button's label is 1 to 64 characters");
            if (b.command.empty() == b.link.empty())
                return BadButtons("a button has exactly one of 'command' and 'link'");
            if (!b.command.empty() &&
                (b.command.size() > kMaxButtonCommandBytes || !text::IsValidUtf8(b.command) ||
                 b.command.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos))
                return BadButtons("a button's command is 1 to 128 bytes on one line");
            if (!b.link.empty() &&
                (b.link.size() > kMaxButtonLinkBytes || !text::IsValidUtf8(b.link) ||
                 !IsAllowedLink(b.link) ||
                 b.link.find_first_of(std::string_view(" \t\r\n\0", 5)) != std::string::npos))
                return BadButtons("a button's link is an http(s) URL or an app path starting with '/'");
            if (json::Serialize(b.data).size() > kMaxButtonDataBytes)
                return BadButtons("a button's data is at most 4 KiB");
            if (b.alert &&
                (!text::IsValidUtf8(*b.alert) || text::CodePointCount(*b.alert) > kMaxButtonAlertChars))
                return BadButtons("a button's alert is at most 256 characters");
        }
    }
    return {};
}

Result<ButtonRows> ButtonsFromJson(const bj::value& v) {
    if (!v.is_array()) return BadButtons("'buttons' must be an array of rows");
    ButtonRows rows;
    for (const auto& rv : v.get_array()) {
        if (!rv.is_array()) return BadButtons("each row of 'buttons' must be an array");
        auto& row = rows.emplace_back();
        for (const auto& bv : rv.get_array()) {
            if (!bv.is_object()) return BadButtons("each button must be an object");
            const auto& o = bv.get_object();
            Button b;
            auto str = [&](std::string_view key, std::string& out) -> Status {
                auto it = o.find(key);
                if (it == o.end() || it->value().is_null()) return {};
                if (!it->value().is_string())
                    return BadButtons("a button's '" + std::string(key) + "' must be a string");
                out = std::string(it->value().get_string());
                return {};
            };
            VECHE_RETURN_IF_ERROR(str("label", b.label));
            VECHE_RETURN_IF_ERROR(str("command", b.command));
            VECHE_RETURN_IF_ERROR(str("link", b.link));
            std::string alert;
            VECHE_RETURN_IF_ERROR(str("alert", alert));
            if (auto it = o.find("alert"); it != o.end() && !it->value().is_null()) b.alert = alert;
            if (auto it = o.find("data"); it != o.end() && !it->value().is_null()) {
                if (!it->value().is_object()) return BadButtons("a button's 'data' must be an object");
                b.data = it->value().get_object();
            }
            if (auto it = o.find("silent"); it != o.end() && !it->value().is_null()) {
                if (!it->value().is_bool()) return BadButtons("a button's 'silent' must be a boolean");
                b.silent = it->value().get_bool();
            }
            row.push_back(std::move(b));
        }
    }
    VECHE_RETURN_IF_ERROR(ValidateButtons(rows));
    return rows;
}

bj::value ButtonsToJson(const ButtonRows& rows) {
    bj::array out;
    for (const auto& row : rows) {
        bj::array r;
        for (const auto& b : row) {
            bj::object o{{"label", b.label}};
            if (!b.command.empty()) o["command"] = b.command;
            if (!b.link.empty()) o["link"] = b.link;
            o["data"] = b.data;
            o["silent"] = b.silent;
            o["alert"] = b.alert ? bj::value(*b.alert) : bj::value(nullptr);
            r.push_back(std::move(o));
        }
        out.push_back(std::move(r));
    }
    return out;
}

// Stored buttons were checked when written; a row that no longer parses shows none.
ButtonRows ParseStoredButtons(const std::string& stored) {
    boost::system::error_code ec;
    auto v = bj::parse(stored, ec);
    if (ec) return {};
    auto rows = ButtonsFromJson(v);
    return rows.ok() ? std::move(*rows) : ButtonRows{};
}

std::optional<std::string> SerializeButtons(const ButtonRows& rows) {
    if (rows.empty()) return std::nullopt;
    return json::Serialize(ButtonsToJson(rows));
}

Result<Message> EditSystemMessage(Tx& tx, Id message_id, const MessageEdit& edit) {
    if (edit.text) VECHE_RETURN_IF_ERROR(ChatService::ValidateText(*edit.text));
    if (edit.buttons) VECHE_RETURN_IF_ERROR(ValidateButtons(*edit.buttons));
        auto m = LoadMessage(tx, message_id);
        if (!m || m->deleted) return Error::NotFound("message");
        bool changed = false;
        if (edit.text && *edit.text != m->text) {
            std::int64_t now = NowMs();
            std::int64_t version =
                tx.QueryInt("SELECT COALESCE(MAX(version), 0) + 1 FROM message_versions WHERE message_id = ?",
                            m->id)
                    .value_or(1);
            tx.Exec(
                "INSERT INTO message_versions(message_id, version, text, editor_id, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                m->id, version, m->text, m->author_id, m->edited_at.value_or(m->created_at));
            tx.Exec("UPDATE messages SET text = ?, edited_at = ? WHERE id = ?", *edit.text, now, m->id);
            UnindexMessage(tx, m->id, m->text);
            IndexMessage(tx, m->id, *edit.text);
            changed = true;
        }
        if (edit.buttons) {
            auto stored = SerializeButtons(*edit.buttons);
            if (stored != SerializeButtons(m->buttons)) {
                tx.Exec("UPDATE messages SET buttons = ? WHERE id = ?", stored, m->id);
                changed = true;
            }
        }
        if (!changed) return std::move(*m);
        RedactMessage(tx, m->id);
        auto fresh = LoadMessage(tx, m->id);
        EmitMessage(tx, "message.updated", *fresh);
        return std::move(*fresh);
}


Result<Message> ChatService::EditButtons(Id message_id, const MessageEdit& edit) {
    return db_.Write([&](Tx& tx) { return EditSystemMessage(tx, message_id, edit); });
}

Result<InteractionResult> ChatService::Interact(const Actor& actor, Id message_id, int row, int col) {
    struct Claim {
        Message message;
        Button button;
        Id interaction_id = 0;
        bool owner = false;  // this click delivers
        bool done = false;   // an earlier click of the key was answered within the window
        std::optional<std::string> alert;
        bool can_echo = false;
    };
    auto claim_once = [&]() -> Result<Claim> {
        return db_.Write([&](Tx& tx) -> Result<Claim> {
            VECHE_ASSIGN_OR_RETURN(auto found, SeeMessage(tx, actor, message_id));
            auto& [m, a] = found;
            if (m.deleted || !a.is_member()) return Error::NotFound("message");
            if (a.chat.archived) return ArchivedError();
            if (m.buttons.empty())
                return Error{ErrorCode::kInvalidArgument, "no_buttons", "the message has no buttons"};
            if (row < 0 || col < 0 || static_cast<std::size_t>(row) >= m.buttons.size() ||
                static_cast<std::size_t>(col) >= m.buttons[static_cast<std::size_t>(row)].size())
                return Error{ErrorCode::kInvalidArgument, "bad_button", "no button at this row and column"};
            Claim c;
            c.button = m.buttons[static_cast<std::size_t>(row)][static_cast<std::size_t>(col)];
            if (c.button.command.empty())
                return Error{ErrorCode::kInvalidArgument, "link_button",
                             "a link button is opened by the client"};
            if (!handlers_ || !handlers_->Find(m.author_id))
                return Error::Conflict("bot_unavailable", "the bot does not answer now");
            c.can_echo = a.can_write();
            std::int64_t now = NowMs();
            Id id = GlobalIds().Next();
            const std::string& command = c.button.command;
            if (tx.Exec(
                    "INSERT INTO chat_interactions(message_id, user_id, command, id, bot_id, chat_id, state, "
                    "claimed_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (message_id, user_id, "
                    "command) DO NOTHING",
                    m.id, actor.user_id, command, id, m.author_id, m.chat_id, now) == 1) {
                c.owner = true;
                c.interaction_id = id;
            } else {
                auto& st = tx.Query(
                    "SELECT id, state, alert, claimed_at, done_at FROM chat_interactions WHERE message_id = "
                    "? AND "
                    "user_id = ? AND command = ?",
                    m.id, actor.user_id, command);
                if (!st.Step()) return Error::Internal("interaction row vanished");
                c.interaction_id = st.Int(0);
                bool done = st.Text(1) == "done";
                if (!st.IsNull(2)) c.alert = st.Text(2);
                std::int64_t claimed_at = st.Int(3);
                std::int64_t done_at = st.OptInt(4).value_or(0);
                while (st.Step()) {
                }
                bool expired =
                    done ? done_at < now - kInteractionRepeatWindowMs : claimed_at < now - kStaleClaimMs;
                if (done && !expired) {
                    c.done = true;
                } else if (expired &&
                           tx.Exec("UPDATE chat_interactions SET id = ?, state = 'pending', alert = NULL, "
                                   "claimed_at = ?, done_at = NULL WHERE message_id = ? AND user_id = ? AND "
                                   "command = ? AND id = ?",
                                   id, now, m.id, actor.user_id, command, c.interaction_id) == 1) {
                    // A new click after the window (or after a node died mid-click): delivered anew.
                    c.owner = true;
                    c.interaction_id = id;
                    c.alert.reset();
                }
            }
            c.message = std::move(m);
            return c;
        });
    };
    VECHE_ASSIGN_OR_RETURN(Claim c, claim_once());

    auto answer = [&](Claim& cl, bool repeated) -> Result<InteractionResult> {
        InteractionResult r;
        r.interaction_id = cl.interaction_id;
        r.alert = cl.alert;
        r.repeated = repeated;
        VECHE_ASSIGN_OR_RETURN(r.message, GetMessage(actor, message_id));
        return r;
    };
    if (c.done) return answer(c, true);
    if (!c.owner) {
        // The first click of this key is being handled (here or on another node): wait for its answer.
        std::int64_t deadline = NowMs() + kWaitForFirstMs;
        while (NowMs() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
            // By key, not by id: when another click took over an expired claim, its answer is the one.
            struct Seen {
                Id id = 0;
                bool done = false;
                std::optional<std::string> alert;
            };
            VECHE_ASSIGN_OR_RETURN(auto seen, db_.Read([&](Tx& tx) -> Result<std::optional<Seen>> {
                auto& st = tx.Query(
                    "SELECT id, state, alert FROM chat_interactions WHERE message_id = ? AND user_id = ? AND "
                    "command = ?",
                    message_id, actor.user_id, c.button.command);
                std::optional<Seen> out;
                if (st.Step())
                    out = Seen{st.Int(0), st.Text(1) == "done",
                               st.IsNull(2) ? std::nullopt : std::optional<std::string>(st.Text(2))};
                while (st.Step()) {
                }
                return out;
            }));
            if (!seen) return Error::Conflict("interaction_failed", "the first click failed; click again");
            if (seen->done) {
                c.interaction_id = seen->id;
                c.alert = seen->alert;
                return answer(c, true);
            }
        }
        return Error::Conflict("interaction_pending", "the first click is still being handled");
    }

    // This click delivers. The claim goes if the bot fails, so that a retry delivers again.
    auto release = [&] {
        (void)db_.Write([&](Tx& tx) -> Status {
            tx.Exec(
                "DELETE FROM chat_interactions WHERE message_id = ? AND user_id = ? AND command = ? AND id = "
                "?",
                message_id, actor.user_id, c.button.command, c.interaction_id);
            return {};
        });
    };
    auto handler = handlers_->Find(c.message.author_id);
    if (!handler) {
        release();
        return Error::Conflict("bot_unavailable", "the bot does not answer now");
    }
    if (!c.button.silent && c.can_echo) {
        // BotX semantics: the click shows in the chat as the user's message with the button's label.
        // Its client id makes a retried echo of the same interaction a no-op.
        NewMessage echo;
        echo.text = c.button.label;
        echo.client_id = "interaction:" + IdToString(c.interaction_id);
        echo.thread_root_id = c.message.thread_root_id;
        (void)Post(actor, c.message.chat_id, echo);
    }
    Interaction in;
    in.id = c.interaction_id;
    in.bot_id = c.message.author_id;
    in.user_id = actor.user_id;
    in.chat_id = c.message.chat_id;
    in.message_id = c.message.id;
    in.command = c.button.command;
    in.data = c.button.data;
    Result<InteractionReply> reply = Error::Internal();
    try {
        reply = (*handler)(in);
    } catch (...) {
        release();
        throw;
    }
    if (!reply.ok()) {
        release();
        return std::move(reply).error();
    }
    c.alert = reply->alert ? reply->alert : c.button.alert;
    Status edited;
    if (reply->edit) {
        auto e = EditButtons(c.message.id, *reply->edit);
        if (!e.ok()) edited = std::move(e).error();
    }
    VECHE_RETURN_IF_ERROR(db_.Write([&](Tx& tx) -> Status {
        tx.Exec(
            "UPDATE chat_interactions SET state = 'done', alert = ?, done_at = ? WHERE message_id = ? AND "
            "user_id = ? AND command = ? AND id = ?",
            c.alert, NowMs(), message_id, actor.user_id, c.button.command, c.interaction_id);
        return {};
    }));
    VECHE_RETURN_IF_ERROR(edited);
    return answer(c, false);
}

}  // namespace veche::chat
