// Canned replies (MODULES.md §2.2, CannedReply): personal, team or global, the short code unique
// within its scope (the scope_key column: "u:<owner>", "t:<team>", "g"). Lookups rank a short-code
// prefix above a short-code substring, and both above a content match (the Chatwoot order).
#include <algorithm>

#include "tools_common.hpp"
#include "veche/core/clock.hpp"
#include "veche/roles/role_service.hpp"
#include "veche/support/tools.hpp"

namespace veche::support {

using storage::Tx;

namespace {

constexpr const char* kCannedColumns =
    "SELECT id, scope, owner_id, team_id, short_code, content, created_at, updated_at FROM support_canned_replies ";

CannedReply ReadCanned(const storage::Statement& st) {
    CannedReply r;
    r.id = st.Int(0);
    r.scope = st.Text(1);
    r.owner_id = st.OptInt(2);
    r.team_id = st.OptInt(3);
    r.short_code = st.Text(4);
    r.content = st.Text(5);
    r.created_at = st.Int(6);
    r.updated_at = st.Int(7);
    return r;
}

std::optional<CannedReply> LoadCanned(Tx& tx, Id id) {
    auto& st = tx.Query(std::string(kCannedColumns) + "WHERE id = ?", id);
    if (!st.Step()) return std::nullopt;
    CannedReply r = ReadCanned(st);
    while (st.Step()) {
    }
    return r;
}

std::string ScopeKey(const CannedReply& r) {
    if (r.scope == "personal") return "u:" + IdToString(*r.owner_id);
    if (r.scope == "team") return "t:" + IdToString(*r.team_id);
    return "g";
}

bool IsMember(const Viewer& v, Id team_id) {
    return std::find(v.team_ids.begin(), v.team_ids.end(), team_id) != v.team_ids.end();
}

bool CanRead(const Viewer& v, const CannedReply& r) {
    if (r.scope == "personal") return r.owner_id == v.user_id;
    if (r.scope == "team") return v.admin || (r.team_id && IsMember(v, *r.team_id));
    return true;
}

bool CanEdit(const Viewer& v, const CannedReply& r) {
    return r.scope == "personal" ? r.owner_id == v.user_id : v.admin;
}

std::string AsciiLower(std::string s) {
    for (char& ch : s)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return s;
}

// Letters, digits, '_', '-' and '.', any UTF-8 letter included; 1 to 32 bytes; stored in ASCII lower case.
Result<std::string> ValidShortCode(const std::string& raw) {
    std::string code = AsciiLower(raw);
    if (code.empty() || code.size() > 32)
        return Error::InvalidArgument("field 'short_code' must be 1 to 32 characters long");
    for (unsigned char ch : code) {
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.' ||
                  ch >= 0x80;
        if (!ok) return Error::InvalidArgument("field 'short_code' holds letters, digits, '_', '-' and '.' only");
    }
    return code;
}

Status CheckFree(Tx& tx, const std::string& scope_key, const std::string& code, Id except) {
    auto taken = tx.QueryInt("SELECT id FROM support_canned_replies WHERE scope_key = ? AND short_code = ?", scope_key,
                             code);
    if (taken && *taken != except)
        return Error::Conflict("canned_reply_exists", "a canned reply with this short code exists in the scope");
    return {};
}

}  // namespace

Result<std::vector<CannedReply>> DeskTools::ListCanned(const Actor& actor, const std::string& query) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<CannedReply>> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        std::vector<CannedReply> all;
        auto& st = tx.Query(std::string(kCannedColumns) + "ORDER BY short_code, id");
        while (st.Step()) {
            CannedReply r = ReadCanned(st);
            if (CanRead(viewer, r)) all.push_back(std::move(r));
        }
        if (query.empty()) return all;
        std::string q = AsciiLower(query);
        auto rank = [&](const CannedReply& r) {
            if (r.short_code.rfind(q, 0) == 0) return 0;
            if (r.short_code.find(q) != std::string::npos) return 1;
            if (AsciiLower(r.content).find(q) != std::string::npos) return 2;
            return 3;
        };
        std::vector<CannedReply> out;
        for (auto& r : all)
            if (rank(r) < 3) out.push_back(std::move(r));
        std::stable_sort(out.begin(), out.end(),
                         [&](const CannedReply& a, const CannedReply& b) { return rank(a) < rank(b); });
        return out;
    });
}

Result<CannedReply> DeskTools::CreateCanned(const Actor& actor, const CannedInput& in) {
    return db_.Write([&](Tx& tx) -> Result<CannedReply> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        CannedReply r;
        r.scope = in.scope;
        if (in.team_id && in.scope != "team") return Error::InvalidArgument("field 'team_id' goes with scope 'team' only");
        if (in.scope == "personal") {
            r.owner_id = actor.user_id;
        } else {
            if (!viewer.admin) return Error::Forbidden("only support admins write team and global canned replies");
            if (in.scope == "team") {
                if (!in.team_id) return Error::InvalidArgument("scope 'team' needs field 'team_id'");
                if (!LoadTeam(tx, *in.team_id)) return Error::NotFound("team");
                r.team_id = in.team_id;
            }
        }
        VECHE_ASSIGN_OR_RETURN(r.short_code, ValidShortCode(in.short_code));
        r.content = in.content;
        std::string key = ScopeKey(r);
        VECHE_RETURN_IF_ERROR(CheckFree(tx, key, r.short_code, 0));
        r.id = GlobalIds().Next();
        r.created_at = r.updated_at = NowMs();
        tx.Exec(
            "INSERT INTO support_canned_replies(id, scope, scope_key, owner_id, team_id, short_code, content, "
            "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            r.id, r.scope, key, r.owner_id, r.team_id, r.short_code, r.content, actor.user_id, r.created_at,
            r.updated_at);
        return r;
    });
}

Result<CannedReply> DeskTools::UpdateCanned(const Actor& actor, Id id, const CannedPatch& patch) {
    return db_.Write([&](Tx& tx) -> Result<CannedReply> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        auto r = LoadCanned(tx, id);
        if (!r || !CanRead(viewer, *r)) return Error::NotFound("canned_reply");
        if (!CanEdit(viewer, *r)) return Error::Forbidden("only support admins edit team and global canned replies");
        if (patch.short_code) {
            VECHE_ASSIGN_OR_RETURN(r->short_code, ValidShortCode(*patch.short_code));
            VECHE_RETURN_IF_ERROR(CheckFree(tx, ScopeKey(*r), r->short_code, r->id));
        }
        if (patch.content) r->content = *patch.content;
        r->updated_at = NowMs();
        tx.Exec("UPDATE support_canned_replies SET short_code = ?, content = ?, updated_at = ? WHERE id = ?",
                r->short_code, r->content, r->updated_at, r->id);
        return *r;
    });
}

Status DeskTools::DeleteCanned(const Actor& actor, Id id) {
    return db_.Write([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        auto r = LoadCanned(tx, id);
        if (!r || !CanRead(viewer, *r)) return Error::NotFound("canned_reply");
        if (!CanEdit(viewer, *r)) return Error::Forbidden("only support admins delete team and global canned replies");
        tx.Exec("DELETE FROM support_canned_replies WHERE id = ?", id);
        return {};
    });
}

}  // namespace veche::support
