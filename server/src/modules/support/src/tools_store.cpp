// Rows of the agents' tools read beside the desk's own: labels, deletion marks, deleted messages.
#include "store.hpp"
#include "veche/support/desk.hpp"

namespace veche::support {

using storage::Tx;

bool IsDeleted(Tx& tx, Id conversation_id) {
    return tx.QueryInt("SELECT 1 FROM support_conversations WHERE id = ? AND deleted_at IS NOT NULL", conversation_id)
        .has_value();
}

std::vector<Label> LabelsOf(Tx& tx, Id conversation_id) {
    std::vector<Label> out;
    auto& st = tx.Query(
        "SELECT l.id, l.title, l.color, l.created_at FROM support_conversation_labels cl JOIN support_labels l ON "
        "l.id = cl.label_id WHERE cl.conversation_id = ? ORDER BY l.title, l.id",
        conversation_id);
    while (st.Step()) out.push_back({st.Int(0), st.Text(1), st.Text(2), st.Int(3)});
    return out;
}

void AddToolFields(Tx& tx, ConversationView& view) {
    view.labels = LabelsOf(tx, view.conversation.id);
    auto& st = tx.Query("SELECT deleted_at, deleted_by FROM support_conversations WHERE id = ?", view.conversation.id);
    if (st.Step()) {
        view.deleted_at = st.OptInt(0);
        view.deleted_by = st.OptInt(1);
        while (st.Step()) {
        }
    }
}

DeletedMessages LoadDeletedMessages(Tx& tx, Id chat_id) {
    DeletedMessages out;
    auto& st = tx.Query(
        "SELECT id, deleted_by, deleted_at FROM messages WHERE chat_id = ? AND deleted_at IS NOT NULL", chat_id);
    while (st.Step()) out[st.Int(0)] = {st.IsNull(1) ? 0 : st.Int(1), st.Int(2)};
    return out;
}

}  // namespace veche::support
