#pragma once
// Files owned by any module's item (PLATFORM.md 4b-2): a row of `files` names its owner as
// (owner_kind, owner_id) — a chat (the messenger's, attached to a message when posted), an expert
// application, a business object's document store — so that one table holds every stored file:
// one quota per uploader, one content-hash count for the bytes on disk, one download route
// (`GET /api/v1/files/{id}`). Who may download a file is its owner's module's rule, registered by
// kind; the messenger keeps its own for chats (membership, the message not deleted).
//
// Thread safety: AttachmentOwners is filled at start-up and read-only after; the functions run in
// the caller's Tx.

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"
#include "veche/files/file_store.hpp"
#include "veche/storage/database.hpp"

namespace veche::files {

struct AttachmentOwner {
    std::string kind;  // "application", "object": [a-z0-9_], 1..32; not "chat" (the messenger's)
    Id id = 0;
};

// Ok when `actor` may download a file of owner `owner_id` uploaded by `uploader_id`; otherwise
// the error to answer, by convention NotFound("file") so that ids leak nothing.
using DownloadCheck = std::function<Status(storage::Tx& tx, const Actor& actor, Id owner_id, Id uploader_id)>;

class AttachmentOwners {
public:
    // Throws std::logic_error for a kind registered twice, "chat", or one that is not [a-z0-9_].
    void Add(std::string kind, DownloadCheck check);
    const DownloadCheck* Find(std::string_view kind) const;

private:
    std::map<std::string, DownloadCheck, std::less<>> checks_;
};

// Orders the transactions that add and remove rows naming one content hash across PostgreSQL nodes
// (SQLite has one writer, so they are ordered already): a cleanup that finds no row left and moves
// the bytes aside commits before a concurrent upload of the same bytes records its row, and that
// upload then sees the bytes gone and stores its own copy (FileStore::EnsureStored). Every writer of
// `files` rows takes it, in hash order when it takes several.
void LockContentHash(storage::Tx& tx, const std::string& sha256);

// Records stored bytes (FileStore::Finish, EnsureStored) as a file of `owner`, in the caller's
// write transaction, after the module checked that the uploader may attach there. Returns its id.
// kInvalidArgument for a bad owner or name.
Result<Id> RecordAttachment(storage::Tx& tx, const AttachmentOwner& owner, Id uploader_id,
                            const std::string& name, const StoredFile& stored);

// Deletes the files of an owner (the item was deleted) and returns the content hashes that no
// file references any more, for FileStore::Remove after the commit.
std::vector<std::string> DeleteAttachments(storage::Tx& tx, const AttachmentOwner& owner);

}  // namespace veche::files
