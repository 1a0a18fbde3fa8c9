#include "veche/objects/documents.hpp"

#include <boost/json/array.hpp>

#include "object_store.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/objects/object_service.hpp"

namespace veche::objects {

namespace bj = boost::json;

namespace {

constexpr const char* kDocSelect =
    "SELECT id, object_id, counterparty_id, title, doc_type, number, series, valid_until, created_by, created_at, "
    "updated_at FROM objects_documents ";

Document ReadDoc(storage::Statement& st) {
    Document d;
    d.id = st.Int(0);
    d.object_id = st.Int(1);
    d.counterparty_id = st.Int(2);
    d.title = st.Text(3);
    d.doc_type = st.Text(4);
    d.number = st.Text(5);
    d.series = st.Text(6);
    d.valid_until = st.Text(7);
    d.created_by = st.Int(8);
    d.created_at = st.Int(9);
    d.updated_at = st.Int(10);
    return d;
}

constexpr const char* kVersionSelect =
    "SELECT id, document_id, n, file_id, sha256, size, name, content_type, uploaded_by, uploaded_at, chat_id "
    "FROM objects_document_versions ";

DocumentVersion ReadVersion(storage::Statement& st) {
    DocumentVersion v;
    v.id = st.Int(0);
    v.document_id = st.Int(1);
    v.n = static_cast<int>(st.Int(2));
    v.file_id = st.Int(3);
    v.sha256 = st.Text(4);
    v.size = st.Int(5);
    v.name = st.Text(6);
    v.content_type = st.Text(7);
    v.uploaded_by = st.Int(8);
    v.uploaded_at = st.Int(9);
    v.chat_id = st.Int(10);
    return v;
}

void LoadVersions(Tx& tx, Document& d) {
    auto& st = tx.Query(std::string(kVersionSelect) + "WHERE document_id = ? ORDER BY n", d.id);
    while (st.Step()) d.versions.push_back(ReadVersion(st));
}

std::optional<Document> LoadDoc(Tx& tx, Id id) {
    std::optional<Document> d;
    {
        auto& st = tx.Query(std::string(kDocSelect) + "WHERE id = ?", id);
        if (st.Step()) d = ReadDoc(st);
        while (st.Step()) {
        }
    }
    if (d) LoadVersions(tx, *d);
    return d;
}

bool ValidDate(const std::string& s) {
    if (s.empty()) return true;
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (s[static_cast<std::size_t>(i)] < '0' || s[static_cast<std::size_t>(i)] > '9') return false;
    int m = std::stoi(s.substr(5, 2)), day = std::stoi(s.substr(8, 2));
    return m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

}  // namespace

DocumentService::DocumentService(storage::Database& db, ObjectService& objects, chat::ChatService& chats)
    : db_(db), objects_(objects), chats_(chats) {}

Result<bool> DocumentService::Sees(Tx& tx, const Actor& actor, Id object_id, Id counterparty_id) const {
    auto view = objects_.ViewIn(tx, actor, object_id);
    if (!view.ok()) return false;
    if (view->staff) return true;
    return counterparty_id != 0 && !view->counterparties.empty() && view->counterparties.front().id == counterparty_id;
}

Result<std::pair<Document, DocumentVersion>> DocumentService::Add(Tx& tx, Id object_id, Id counterparty_id,
                                                                  const DocumentCard& card, const chat::FileInfo& file,
                                                                  Id actor_id) {
    std::int64_t now = NowMs();
    auto id = tx.QueryInt(
        "SELECT id FROM objects_documents WHERE object_id = ? AND counterparty_id = ? AND doc_type = ? AND number = ?",
        object_id, counterparty_id, card.doc_type, card.number);
    Id doc_id = id.value_or(GlobalIds().Next());
    std::string title = card.title.empty() ? file.name : card.title;
    if (!id) {
        tx.Exec(
            "INSERT INTO objects_documents(id, object_id, counterparty_id, title, doc_type, number, series, valid_until, "
            "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            doc_id, object_id, counterparty_id, title, card.doc_type, card.number, card.series, card.valid_until,
            actor_id, now, now);
    } else {
        if (auto same = tx.QueryInt("SELECT id FROM objects_document_versions WHERE document_id = ? AND file_id = ?",
                                    doc_id, file.id)) {
            auto doc = LoadDoc(tx, doc_id);
            for (const auto& v : doc->versions)
                if (v.id == *same) return std::pair<Document, DocumentVersion>{*doc, v};
        }
        tx.Exec("UPDATE objects_documents SET title = ?, series = ?, valid_until = ?, updated_at = ? WHERE id = ?", title,
                card.series, card.valid_until, now, doc_id);
    }
    DocumentVersion v;
    v.id = GlobalIds().Next();
    v.document_id = doc_id;
    v.n = static_cast<int>(
        tx.QueryInt("SELECT COALESCE(MAX(n), 0) + 1 FROM objects_document_versions WHERE document_id = ?", doc_id)
            .value_or(1));
    v.file_id = file.id;
    v.sha256 = file.sha256;
    v.size = file.size;
    v.name = file.name;
    v.content_type = file.content_type;
    v.uploaded_by = file.uploader_id;
    v.uploaded_at = now;
    v.chat_id = file.chat_id;
    tx.Exec(
        "INSERT INTO objects_document_versions(id, document_id, object_id, n, file_id, sha256, size, name, content_type, "
        "uploaded_by, uploaded_at, chat_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        v.id, v.document_id, object_id, v.n, v.file_id, v.sha256, v.size, v.name, v.content_type, v.uploaded_by,
        v.uploaded_at, v.chat_id);
    auto doc = *LoadDoc(tx, doc_id);
    bj::object data = VersionJson(v);
    data["object_id"] = IdToString(object_id);
    data["document"] = DocumentJson(doc);
    // Told to the staff; a supplier hears of its own documents through its chat's file message.
    EmitObjectEvent(tx, object_id, "objects.document_version_added", data);
    if (version_added_) VECHE_RETURN_IF_ERROR(version_added_(tx, doc, v));
    return std::pair<Document, DocumentVersion>{std::move(doc), std::move(v)};
}

Status DocumentService::OnPosted(Tx& tx, const chat::Chat& chat, const chat::Message& message) {
    if (message.files.empty()) return {};
    auto oc = LoadObjectChat(tx, chat.id);
    if (!oc) return {};
    for (const auto& f : message.files) {
        DocumentCard card;
        card.doc_type = "file";
        card.number = f.name;
        VECHE_ASSIGN_OR_RETURN(auto added, Add(tx, oc->object_id, oc->counterparty_id, card, f, message.author_id));
        (void)added;
    }
    return {};
}

Result<std::vector<Document>> DocumentService::List(const Actor& actor, Id object_id) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Document>> {
        VECHE_ASSIGN_OR_RETURN(auto view, objects_.ViewIn(tx, actor, object_id));
        std::vector<Document> out;
        {
            std::string sql = std::string(kDocSelect) + "WHERE object_id = ?";
            if (!view.staff) sql += " AND counterparty_id = ?";
            sql += " ORDER BY updated_at DESC, id DESC";
            auto& st = view.staff ? tx.Query(sql, object_id)
                                  : tx.Query(sql, object_id, view.counterparties.empty() ? Id{-1} : view.counterparties.front().id);
            while (st.Step()) out.push_back(ReadDoc(st));
        }
        for (auto& d : out) LoadVersions(tx, d);
        return out;
    });
}

Result<Document> DocumentService::Get(const Actor& actor, Id document_id) {
    return db_.Read([&](Tx& tx) -> Result<Document> {
        auto d = LoadDoc(tx, document_id);
        if (!d) return Error::NotFound("document");
        VECHE_ASSIGN_OR_RETURN(bool sees, Sees(tx, actor, d->object_id, d->counterparty_id));
        if (!sees) return Error::NotFound("document");
        return std::move(*d);
    });
}

Result<DocumentVersion> DocumentService::GetVersion(const Actor& actor, Id version_id) {
    return db_.Read([&](Tx& tx) -> Result<DocumentVersion> {
        VECHE_ASSIGN_OR_RETURN(auto found, VersionIn(tx, actor, version_id));
        return std::move(found.second);
    });
}

Result<std::pair<Document, DocumentVersion>> DocumentService::VersionIn(Tx& tx, const Actor& actor, Id version_id) const {
    auto doc_id = tx.QueryInt("SELECT document_id FROM objects_document_versions WHERE id = ?", version_id);
    if (!doc_id) return Error::NotFound("document_version");
    auto d = LoadDoc(tx, *doc_id);
    VECHE_ASSIGN_OR_RETURN(bool sees, Sees(tx, actor, d->object_id, d->counterparty_id));
    if (!sees) return Error::NotFound("document_version");
    for (const auto& v : d->versions)
        if (v.id == version_id) return std::pair<Document, DocumentVersion>{*d, v};
    return Error::NotFound("document_version");
}

Result<std::pair<Document, DocumentVersion>> DocumentService::AddVersion(const Actor& actor, Id object_id,
                                                                         const DocumentCard& card) {
    if (!ValidDate(card.valid_until)) return Error::InvalidArgument("field 'valid_until' must be a date YYYY-MM-DD");
    // The file as the actor may see it: posted in a chat the actor is in (or the actor's upload).
    auto file = chats_.GetFile(actor, card.file_id);
    if (!file.ok()) return Error::NotFound("file");
    if (!file->message_id) return Error::Conflict("file_not_posted", "post the file in the object's chat first");
    return db_.Write([&](Tx& tx) -> Result<std::pair<Document, DocumentVersion>> {
        VECHE_ASSIGN_OR_RETURN(auto view, objects_.ViewIn(tx, actor, object_id));
        auto oc = LoadObjectChat(tx, file->chat_id);
        if (!oc || oc->object_id != object_id) return Error::NotFound("file");
        (void)view;
        return Add(tx, object_id, oc->counterparty_id, card, *file, actor.user_id);
    });
}

bj::object VersionJson(const DocumentVersion& v) {
    return {{"id", IdToString(v.id)},
            {"document_id", IdToString(v.document_id)},
            {"n", v.n},
            {"file_id", IdToString(v.file_id)},
            {"sha256", v.sha256},
            {"size", v.size},
            {"name", v.name},
            {"content_type", v.content_type},
            {"uploaded_by", IdToString(v.uploaded_by)},
            {"uploaded_at", v.uploaded_at},
            {"chat_id", IdToString(v.chat_id)}};
}

bj::object DocumentJson(const Document& d) {
    bj::array versions;
    for (const auto& v : d.versions) versions.push_back(VersionJson(v));
    return {{"id", IdToString(d.id)},
            {"object_id", IdToString(d.object_id)},
            {"counterparty_id", d.counterparty_id ? bj::value(IdToString(d.counterparty_id)) : bj::value(nullptr)},
            {"title", d.title},
            {"doc_type", d.doc_type},
            {"number", d.number},
            {"series", d.series},
            {"valid_until", d.valid_until.empty() ? bj::value(nullptr) : bj::value(d.valid_until)},
            {"created_by", IdToString(d.created_by)},
            {"created_at", d.created_at},
            {"updated_at", d.updated_at},
            {"current_version_id", d.versions.empty() ? bj::value(nullptr) : bj::value(IdToString(d.versions.back().id))},
            {"versions", std::move(versions)}};
}

}  // namespace veche::objects
