#pragma once
// Clicks on the buttons of bots' messages (MODULES.md §0.6, CTX-8, BOT-3; after eXpress BotX). A
// module that owns a bot user posts a message carrying buttons through ChatService::Post
// (NewMessage::buttons) and registers, in its Start, the handler of that bot in the
// InteractionHandlers it finds in the ModuleContext (the chat module publishes it):
//
//     ctx.Find<chat::InteractionHandlers>().Register(bot_user_id, [](const chat::Interaction& i) {
//         return chat::InteractionReply{.alert = "Approved"};
//     });
//
// A click on a command button (POST /api/v1/messages/{id}/interactions) reaches the handler of
// the message's author once per idempotency key (message, user, command): a repeated click while
// the first is handled, or within kInteractionRepeatWindowMs after its answer, gets that first
// answer and delivers nothing (docs/api.md, "Buttons and interactions").
//
// Thread safety: InteractionHandlers is safe for concurrent use; handlers are called on worker
// threads, outside any transaction (they may call ChatService), possibly concurrently for
// different keys, and must return promptly (the clicking request waits for them).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "veche/chat/types.hpp"
#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"

namespace veche::chat {

inline constexpr std::int64_t kInteractionRepeatWindowMs = 5000;

// One click, as the bot receives it.
struct Interaction {
    Id id = 0;       // the stored interaction (chat_interactions.id)
    Id bot_id = 0;   // the author of the message: whose handler this is
    Id user_id = 0;  // who clicked
    Id chat_id = 0;
    Id message_id = 0;  // the message that carried the button
    std::string command;
    boost::json::object data;  // the button's data
};

// A new text and/or buttons for a message (ChatService::EditButtons). Unset parts stay; an empty
// `buttons` removes them.
struct MessageEdit {
    std::optional<std::string> text;
    std::optional<ButtonRows> buttons;
};

// What the bot answers a click: an ephemeral alert for the clicking user only, and/or an edit of
// the message that carried the button (applied by the chat module, as ChatService::EditButtons).
struct InteractionReply {
    std::optional<std::string> alert;
    std::optional<MessageEdit> edit;
};

// An error return is answered to the clicking user as it is (and the click may be retried).
using InteractionHandler = std::function<Result<InteractionReply>(const Interaction&)>;

class InteractionHandlers {
public:
    // Replaces an earlier handler of the same bot.
    void Register(Id bot_user_id, InteractionHandler handler);
    void Unregister(Id bot_user_id);
    // A copy, so that a handler unregistered meanwhile stays callable for the click under way.
    std::optional<InteractionHandler> Find(Id bot_user_id) const;

private:
    mutable std::mutex mu_;
    std::map<Id, InteractionHandler> handlers_;
};

// What the clicking user is answered (the same for every click of one key within the window).
struct InteractionResult {
    Id interaction_id = 0;
    std::optional<std::string> alert;
    bool repeated = false;  // true: an earlier click of the same key was answered; nothing delivered
    Message message;        // the message as it is now (after the bot's edit)
};

// Buttons in their wire shape (docs/api.md): [[{label, command | link, data?, silent?, alert?}]].
// Parsing checks every limit: kInvalidArgument with api_code "invalid_buttons" and the reason.
Result<ButtonRows> ButtonsFromJson(const boost::json::value& v);
boost::json::value ButtonsToJson(const ButtonRows& rows);
Status ValidateButtons(const ButtonRows& rows);

}  // namespace veche::chat
