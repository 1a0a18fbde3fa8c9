#pragma once
// The document store of a business object (CTX-5): every file posted in one of its chats becomes a
// version of a document; a document is (counterparty, type, number) within the object, so the same
// number uploaded again is version n+1 and suppliers' documents never mix. Versions are immutable
// and keep their SHA-256, uploader, time and the chat they came from.
//
// Who sees a document: the object's staff, all of them; a counterparty's user, its counterparty's.
// Thread-safe; synchronous, for worker threads.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "veche/chat/types.hpp"
#include "veche/core/actor.hpp"
#include "veche/objects/types.hpp"
#include "veche/storage/database.hpp"

namespace veche::chat {
class ChatService;
}

namespace veche::objects {

class ObjectService;

struct DocumentVersion {
    Id id = 0;
    Id document_id = 0;
    int n = 0;
    Id file_id = 0;
    std::string sha256;
    std::int64_t size = 0;
    std::string name;
    std::string content_type;
    Id uploaded_by = 0;
    std::int64_t uploaded_at = 0;
    Id chat_id = 0;
};

struct Document {
    Id id = 0;
    Id object_id = 0;
    Id counterparty_id = 0;  // 0: the object's own (from a shared chat)
    std::string title;
    std::string doc_type;  // "file" for a file posted without a card
    std::string number;
    std::string series;
    std::string valid_until;  // YYYY-MM-DD or ""
    Id created_by = 0;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::vector<DocumentVersion> versions;  // oldest first
};

struct DocumentCard {
    Id file_id = 0;  // a file posted in one of the object's chats
    std::string doc_type;
    std::string number;
    std::string series;
    std::string valid_until;
    std::string title;  // default: the file's name
};

class DocumentService {
public:
    DocumentService(storage::Database& db, ObjectService& objects, chat::ChatService& chats);

    // The bound-chat hook: every file of a message posted in an object chat becomes a version.
    Status OnPosted(storage::Tx& tx, const chat::Chat& chat, const chat::Message& message);

    Result<std::vector<Document>> List(const Actor& actor, Id object_id);
    Result<Document> Get(const Actor& actor, Id document_id);
    // A version for download: whoever sees its document (staff who are not in the supplier's chat too).
    Result<DocumentVersion> GetVersion(const Actor& actor, Id version_id);
    // Files a posted file under a card: the version of (counterparty, type, number) it becomes.
    Result<std::pair<Document, DocumentVersion>> AddVersion(const Actor& actor, Id object_id, const DocumentCard& card);

    // Inside a transaction: the version and its document, if the actor may see them (404 otherwise).
    Result<std::pair<Document, DocumentVersion>> VersionIn(storage::Tx& tx, const Actor& actor, Id version_id) const;
    // Inside a transaction: whether `actor` sees documents of `counterparty_id` in the object.
    Result<bool> Sees(storage::Tx& tx, const Actor& actor, Id object_id, Id counterparty_id) const;

    // Told of each new version in the transaction that adds it (approvals supersede pending routes).
    using VersionHook = std::function<Status(storage::Tx&, const Document&, const DocumentVersion&)>;
    void OnVersionAdded(VersionHook hook) { version_added_ = std::move(hook); }

private:
    Result<std::pair<Document, DocumentVersion>> Add(storage::Tx& tx, Id object_id, Id counterparty_id,
                                                     const DocumentCard& card, const chat::FileInfo& file, Id actor_id);

    storage::Database& db_;
    ObjectService& objects_;
    chat::ChatService& chats_;
    VersionHook version_added_;
};

boost::json::object DocumentJson(const Document& d);
boost::json::object VersionJson(const DocumentVersion& v);

}  // namespace veche::objects
