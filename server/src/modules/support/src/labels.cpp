// Labels (tags) of conversations: support admins keep the list; agents tag what they see.
#include "tools_common.hpp"
#include "veche/core/clock.hpp"
#include "veche/roles/role_service.hpp"
#include "veche/support/tools.hpp"

namespace veche::support {

using storage::Tx;

namespace {

std::optional<Label> LoadLabel(Tx& tx, Id id) {
    auto& st = tx.Query("SELECT id, title, color, created_at FROM support_labels WHERE id = ?", id);
    if (!st.Step()) return std::nullopt;
    Label l{st.Int(0), st.Text(1), st.Text(2), st.Int(3)};
    while (st.Step()) {
    }
    return l;
}

Status CheckTitleFree(Tx& tx, const std::string& title, Id except) {
    auto taken = tx.QueryInt("SELECT id FROM support_labels WHERE title = ?", title);
    if (taken && *taken != except) return Error::Conflict("label_exists", "a label with this title exists");
    return {};
}

}  // namespace

Result<std::vector<Label>> DeskTools::ListLabels(const Actor& actor) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Label>> {
        VECHE_RETURN_IF_ERROR(ViewerOf(tx, roles_, actor.user_id));
        std::vector<Label> out;
        auto& st = tx.Query("SELECT id, title, color, created_at FROM support_labels ORDER BY title, id");
        while (st.Step()) out.push_back({st.Int(0), st.Text(1), st.Text(2), st.Int(3)});
        return out;
    });
}

Result<Label> DeskTools::CreateLabel(const Actor& actor, const LabelInput& in) {
    return db_.Write([&](Tx& tx) -> Result<Label> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        VECHE_RETURN_IF_ERROR(CheckTitleFree(tx, in.title, 0));
        Label l{GlobalIds().Next(), in.title, in.color, NowMs()};
        tx.Exec("INSERT INTO support_labels(id, title, color, created_at) VALUES (?, ?, ?, ?)", l.id, l.title, l.color,
                l.created_at);
        return l;
    });
}

Result<Label> DeskTools::UpdateLabel(const Actor& actor, Id id, const LabelInput& in) {
    return db_.Write([&](Tx& tx) -> Result<Label> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        auto l = LoadLabel(tx, id);
        if (!l) return Error::NotFound("label");
        VECHE_RETURN_IF_ERROR(CheckTitleFree(tx, in.title, id));
        l->title = in.title;
        l->color = in.color;
        tx.Exec("UPDATE support_labels SET title = ?, color = ? WHERE id = ?", l->title, l->color, id);
        return *l;
    });
}

Status DeskTools::DeleteLabel(const Actor& actor, Id id) {
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        if (!LoadLabel(tx, id)) return Error::NotFound("label");
        tx.Exec("DELETE FROM support_conversation_labels WHERE label_id = ?", id);
        tx.Exec("DELETE FROM support_labels WHERE id = ?", id);
        return {};
    });
}

Result<std::vector<Label>> DeskTools::AddLabel(const Actor& actor, Id conversation_id, Id label_id) {
    return db_.Write([&](Tx& tx) -> Result<std::vector<Label>> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        VECHE_RETURN_IF_ERROR(VisibleConversation(tx, viewer, conversation_id));
        if (!LoadLabel(tx, label_id)) return Error::NotFound("label");
        tx.Exec(
            "INSERT INTO support_conversation_labels(conversation_id, label_id, added_by, added_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (conversation_id, label_id) DO NOTHING",
            conversation_id, label_id, actor.user_id, NowMs());
        return LabelsOf(tx, conversation_id);
    });
}

Result<std::vector<Label>> DeskTools::RemoveLabel(const Actor& actor, Id conversation_id, Id label_id) {
    return db_.Write([&](Tx& tx) -> Result<std::vector<Label>> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        VECHE_RETURN_IF_ERROR(VisibleConversation(tx, viewer, conversation_id));
        if (!LoadLabel(tx, label_id)) return Error::NotFound("label");
        tx.Exec("DELETE FROM support_conversation_labels WHERE conversation_id = ? AND label_id = ?", conversation_id,
                label_id);
        return LabelsOf(tx, conversation_id);
    });
}

}  // namespace veche::support
