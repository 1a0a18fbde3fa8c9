#include "access.hpp"

#include <algorithm>

#include "chat_store.hpp"
#include "message_store.hpp"
#include "veche/core/clock.hpp"

namespace veche::chat {

Result<Access> See(Tx& tx, const Actor& actor, Id chat_id) {
    auto chat = LoadChat(tx, chat_id);
    if (!chat) return Error::NotFound("chat");
    auto role = RoleOf(tx, chat_id, actor.user_id);
    bool open_to_all = chat->type == "channel" && chat->visibility == "public" && !actor.is_guest;
    if (!role && !open_to_all) return Error::NotFound("chat");
    return Access{std::move(*chat), std::move(role)};
}

Result<Access> SeeAsMember(Tx& tx, const Actor& actor, Id chat_id) {
    VECHE_ASSIGN_OR_RETURN(Access a, See(tx, actor, chat_id));
    if (!a.is_member()) return Error::NotFound("chat");
    return a;
}

Result<std::pair<Message, Access>> SeeMessage(Tx& tx, const Actor& actor, Id message_id) {
    auto m = LoadMessage(tx, message_id, actor.user_id);
    if (!m) return Error::NotFound("message");
    auto access = See(tx, actor, m->chat_id);
    if (!access.ok() || !(access->is_member() || actor.is_admin)) return Error::NotFound("message");
    return std::pair<Message, Access>{std::move(*m), std::move(*access)};
}

Error GuestForbidden(std::string message) {
    return Error{ErrorCode::kForbidden, "guest_forbidden", std::move(message)};
}

Status CheckWritable(const Access& a) {
    if (a.chat.archived) return ArchivedError();
    if (!a.can_write()) return Error::Forbidden("read-only members cannot do this");
    return {};
}

Error ArchivedError() { return {ErrorCode::kForbidden, "chat_archived", "chat is archived"}; }

Status CheckManaged(const Chat& chat) {
    if (chat.kind == "chat") return {};
    return Error{ErrorCode::kForbidden, "managed_chat",
                 "the members and settings of this chat are managed by its " + chat.kind};
}

Status CheckMutable(const Chat& chat, const Message& m, Change change) {
    if (!chat.immutable_after_minutes) return {};
    std::int64_t n = *chat.immutable_after_minutes;
    // An edit window keeps typo fixes possible where deletion never is; the edit keeps a version.
    if (change == Change::kEdit && chat.edit_window_minutes) n = std::max(n, *chat.edit_window_minutes);
    if (n == 0 || NowMs() - m.created_at >= n * 60'000)
        return Error{ErrorCode::kForbidden, "immutable_history", "history of this chat can no longer be changed"};
    return {};
}

}  // namespace veche::chat
