// The widget's files: a visitor attaches a file to their own conversation, and downloads the files
// of its public messages (theirs and the agents' replies), never those of notes.
#include "conversation_ops.hpp"
#include "store.hpp"
#include "visitor_auth.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/support/desk.hpp"

namespace veche::support {

using storage::Tx;

namespace {

// The visitor's own conversation, else exactly like an unknown id.
Result<Conversation> VisitorsConversation(Tx& tx, const std::string& token, Id conversation_id) {
    VECHE_ASSIGN_OR_RETURN(auto contact, VisitorContact(tx, token));
    auto c = LoadConversation(tx, conversation_id);
    if (!c || c->contact_id != contact.id) return Error::NotFound("conversation");
    return *c;
}

}  // namespace

Result<SupportDesk::VisitorUpload> SupportDesk::VisitorUploadTarget(const std::string& token, Id conversation_id) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    return db_.Read([&](Tx& tx) -> Result<VisitorUpload> {
        VECHE_ASSIGN_OR_RETURN(auto c, VisitorsConversation(tx, token, conversation_id));
        return VisitorUpload{c.chat_id, bot};
    });
}

Result<DeskMessage> SupportDesk::PostVisitorFile(Id conversation_id, const chat::FileInfo& stored) {
    VECHE_ASSIGN_OR_RETURN(Id bot_id, Bot());
    VECHE_ASSIGN_OR_RETURN(Id chat_id, db_.Read([&](Tx& tx) -> Result<Id> {
        auto c = LoadConversation(tx, conversation_id);
        if (!c) return Error::NotFound("conversation");
        return c->chat_id;
    }));
    const Actor bot{bot_id, false, false};
    VECHE_ASSIGN_OR_RETURN(auto file, chats_.RecordFile(bot, chat_id, stored));
    chat::NewMessage nm;
    nm.file_ids = {file.id};
    VECHE_ASSIGN_OR_RETURN(auto posted, chats_.Post(bot, chat_id, nm));
    // A second transaction: should it fail, the message stays without a direction, which shows it to
    // agents only (like a note), never to the visitor.
    VECHE_RETURN_IF_ERROR(db_.Write([&](Tx& tx) -> Status {
        auto c = LoadConversation(tx, conversation_id);
        if (!c) return Error::NotFound("conversation");
        return TakeIncoming(tx, Assigner(roles_, bot_id), *c, posted.first.id);
    }));
    return DeskMessage{std::move(posted.first), "incoming"};
}

Result<chat::FileInfo> SupportDesk::VisitorFile(const std::string& token, Id file_id) {
    VECHE_ASSIGN_OR_RETURN(Id bot, Bot());
    auto file = chats_.GetFile(Actor{bot, false, false}, file_id);
    // Another chat's file, or one not posted (yet): exactly like an unknown id.
    if (!file.ok() || file->message_id == 0) return Error::NotFound("file");
    VECHE_RETURN_IF_ERROR(db_.Read([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(auto contact, VisitorContact(tx, token));
        auto owner = tx.QueryInt(
            "SELECT c.contact_id FROM support_messages m JOIN support_conversations c ON c.id = m.conversation_id "
            "WHERE m.message_id = ? AND m.direction IN ('incoming', 'outgoing')",
            file->message_id);
        if (!owner || *owner != contact.id) return Error::NotFound("file");
        return {};
    }));
    return *file;
}

}  // namespace veche::support
