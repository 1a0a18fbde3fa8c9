#include "veche/experts/notices.hpp"

#include <set>

#include "veche/chat/bound_chats.hpp"
#include "veche/core/clock.hpp"

namespace veche::experts {

Result<Id> Notices::Bot() {
    std::lock_guard lock(mu_);
    if (!bot_id_) {
        try {
            bot_id_ = make_bot_();
        } catch (const std::exception&) {
            return Error::Unavailable("the expert network's bot account cannot be created now");
        }
    }
    return *bot_id_;
}

Status Notices::Send(storage::Tx& tx, Id bot, const std::vector<Id>& users, const std::string& text) {
    std::set<Id> seen;
    for (Id user : users) {
        if (user == 0 || user == bot || !seen.insert(user).second) continue;
        auto chat_id = tx.QueryInt("SELECT chat_id FROM experts_notice_chats WHERE user_id = ?", user);
        if (!chat_id) {
            chat::BoundChatSpec spec;
            spec.kind = std::string(kNoticeChatKind);
            spec.owner_id = bot;
            spec.name = "Экспертная сеть";
            spec.topic = "Уведомления экспертной сети";
            spec.members = {{user, "guest"}};  // reads only: nobody answers there
            VECHE_ASSIGN_OR_RETURN(auto chat, chat::CreateBoundChat(tx, spec));
            tx.Exec("INSERT INTO experts_notice_chats(user_id, chat_id, created_at) VALUES (?, ?, ?)", user,
                    chat.id, NowMs());
            chat_id = chat.id;
        }
        VECHE_ASSIGN_OR_RETURN(auto message, chat::PostSystemMessage(tx, *chat_id, bot, text));
        (void)message;
    }
    return {};
}

}  // namespace veche::experts
