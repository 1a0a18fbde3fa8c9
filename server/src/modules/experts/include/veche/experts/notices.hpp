#pragma once
// Notifications of the expert network: a direct line from the module's bot («Экспертная сеть», the
// system user `experts`) to each user, as a bound chat of kind "experts_notice" (the bot, and the
// user as a read-only guest member), made on the first notice and remembered in
// experts_notice_chats. A notice is a bot message posted there in the caller's write transaction,
// so it is sent exactly when the change it tells of commits; the messenger delivers it (unread
// counts, push, the resumable stream) like any message.
//
// Thread-safe. The bot account is made outside any transaction, on first use (Bot()). Two cluster
// nodes making the same user's first notice chat at the same moment collide on the primary key of
// experts_notice_chats: one of the two writes fails (and may be retried), no user gets two chats.

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"
#include "veche/storage/database.hpp"

namespace veche::experts {

inline constexpr std::string_view kNoticeChatKind = "experts_notice";

class Notices {
public:
    explicit Notices(std::function<Id()> make_bot) : make_bot_(std::move(make_bot)) {}

    // The bot's id; call before opening the write transaction that will Send.
    Result<Id> Bot();
    // Posts `text` to each user's notice chat (duplicates, 0 and the bot itself skipped). `bot` from Bot().
    Status Send(storage::Tx& tx, Id bot, const std::vector<Id>& users, const std::string& text);

private:
    std::function<Id()> make_bot_;
    std::mutex mu_;
    std::optional<Id> bot_id_;
};

}  // namespace veche::experts
