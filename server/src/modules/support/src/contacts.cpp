// The customer profile's tools: contact search and contact merge (MODULES.md §2.1, Chatwoot's
// ContactMergeAction, but the mergee is kept, marked merged_into, so its identifiers still lead to
// the customer). Either direction: the caller picks the target; the target keeps its own fields.
#include "tools_common.hpp"
#include "veche/core/clock.hpp"
#include "veche/roles/role_service.hpp"
#include "veche/support/tools.hpp"

namespace veche::support {

using storage::Tx;

namespace {

std::vector<ContactIdentity> LoadIdentities(Tx& tx, Id contact_id) {
    std::vector<ContactIdentity> out;
    auto& st = tx.Query(
        "SELECT kind, value, inbox_id, from_contact_id, added_at FROM support_contact_identities WHERE contact_id = ? "
        "ORDER BY added_at, kind, value",
        contact_id);
    while (st.Step()) out.push_back({st.Text(0), st.Text(1), st.Int(2), st.Int(3), st.Int(4)});
    return out;
}

void AddIdentity(Tx& tx, Id contact_id, const std::string& kind, const std::string& value, Id inbox_id, Id from,
                 std::int64_t at) {
    tx.Exec(
        "INSERT INTO support_contact_identities(contact_id, kind, value, inbox_id, from_contact_id, added_at) VALUES "
        "(?, ?, ?, ?, ?, ?) ON CONFLICT (contact_id, kind, value, inbox_id) DO NOTHING",
        contact_id, kind, value, inbox_id, from, at);
}

std::string LikePattern(const std::string& q) {
    std::string out = "%";
    for (char ch : q) {
        if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
        out += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    }
    return out + "%";
}

}  // namespace

Result<std::vector<ContactSummary>> DeskTools::SearchContacts(const Actor& actor, const std::string& query) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<ContactSummary>> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        if (query.empty() || query.size() > 100)
            return Error::InvalidArgument("query parameter 'q' must be 1 to 100 bytes");
        std::string pattern = LikePattern(query);
        SqlBuilder q;
        q.Add("SELECT k.id FROM support_contacts k WHERE k.merged_into IS NULL AND (lower(k.name) LIKE ? ESCAPE '\\' "
              "OR lower(k.email) LIKE ? ESCAPE '\\') AND EXISTS (SELECT 1 FROM support_conversations c WHERE "
              "c.contact_id = k.id AND c.deleted_at IS NULL")
            .Param(pattern)
            .Param(pattern);
        AddScopeCondition(q, viewer);
        q.Add(") ORDER BY k.id DESC LIMIT 20");
        std::vector<Id> ids;
        auto& st = q.Run(tx);
        while (st.Step()) ids.push_back(st.Int(0));
        std::vector<ContactSummary> out;
        for (Id id : ids) {
            if (auto c = LoadContact(tx, id)) out.push_back({std::move(*c), LoadIdentities(tx, id)});
        }
        return out;
    });
}

Result<std::vector<ContactIdentity>> DeskTools::Identities(const Actor& actor, Id contact_id) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<ContactIdentity>> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        VECHE_RETURN_IF_ERROR(VisibleContact(tx, viewer, contact_id));
        return LoadIdentities(tx, contact_id);
    });
}

Result<MergeOutcome> DeskTools::MergeContacts(const Actor& actor, Id target_id, Id mergee_id) {
    if (target_id == mergee_id) return Error::InvalidArgument("a contact cannot be merged into itself");
    return db_.Write([&](Tx& tx) -> Result<MergeOutcome> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        VECHE_ASSIGN_OR_RETURN(auto target, VisibleContact(tx, viewer, target_id));
        VECHE_ASSIGN_OR_RETURN(auto mergee, VisibleContact(tx, viewer, mergee_id));
        std::int64_t now = NowMs();
        MergeOutcome out;
        out.moved_conversations =
            tx.QueryInt("SELECT COUNT(*) FROM support_conversations WHERE contact_id = ?", mergee_id).value_or(0);
        out.moved_visitors =
            tx.QueryInt("SELECT COUNT(*) FROM support_visitors WHERE contact_id = ?", mergee_id).value_or(0);
        tx.Exec("UPDATE support_conversations SET contact_id = ?, updated_at = ? WHERE contact_id = ?", target_id, now,
                mergee_id);
        tx.Exec("UPDATE support_visitors SET contact_id = ? WHERE contact_id = ?", target_id, mergee_id);
        // What the mergee had gathered from earlier merges, then its own email and identifier.
        tx.Exec(
            "INSERT INTO support_contact_identities(contact_id, kind, value, inbox_id, from_contact_id, added_at) "
            "SELECT ?, kind, value, inbox_id, from_contact_id, added_at FROM support_contact_identities WHERE "
            "contact_id = ? ON CONFLICT (contact_id, kind, value, inbox_id) DO NOTHING",
            target_id, mergee_id);
        tx.Exec("DELETE FROM support_contact_identities WHERE contact_id = ?", mergee_id);
        if (!mergee.email.empty() && mergee.email != target.email)
            AddIdentity(tx, target_id, "email", mergee.email, mergee.inbox_id, mergee_id, now);
        if (mergee.external_id && mergee.external_id != target.external_id)
            AddIdentity(tx, target_id, "external_id", *mergee.external_id, mergee.inbox_id, mergee_id, now);
        tx.Exec("UPDATE support_contacts SET merged_into = ? WHERE merged_into = ?", target_id, mergee_id);
        tx.Exec("UPDATE support_contacts SET merged_into = ?, merged_by = ?, merged_at = ? WHERE id = ?", target_id,
                actor.user_id, now, mergee_id);
        VECHE_RETURN_IF_ERROR(AuditTool(tx, actor.user_id, "support.contact_merged", "support_contact", target_id,
                                        {{"mergee_id", IdToString(mergee_id)},
                                         {"conversations", out.moved_conversations},
                                         {"visitors", out.moved_visitors}}));
        out.contact = std::move(target);
        out.identities = LoadIdentities(tx, target_id);
        return out;
    });
}

}  // namespace veche::support
