#include "veche/files/attachments.hpp"

#include <set>
#include <stdexcept>
#include <vector>

#include "veche/core/clock.hpp"
#include "veche/core/text.hpp"
#include "veche/core/topic.hpp"

namespace veche::files {

void LockContentHash(storage::Tx& tx, const std::string& sha256) {
    if (tx.dialect() == storage::Dialect::kPostgres)
        tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", "veche.file." + sha256);
}

void AttachmentOwners::Add(std::string kind, DownloadCheck check) {
    if (!ValidTopicKind(kind) || kind == "chat") throw std::logic_error("files: bad owner kind " + kind);
    if (!checks_.emplace(kind, std::move(check)).second)
        throw std::logic_error("files: two download checks for owner kind " + kind);
}

const DownloadCheck* AttachmentOwners::Find(std::string_view kind) const {
    auto it = checks_.find(kind);
    return it == checks_.end() ? nullptr : &it->second;
}

Result<Id> RecordAttachment(storage::Tx& tx, const AttachmentOwner& owner, Id uploader_id,
                            const std::string& name, const StoredFile& stored) {
    if (!ValidTopicKind(owner.kind) || owner.kind == "chat" || owner.id <= 0)
        return Error::InvalidArgument("files: bad attachment owner");
    if (name.empty() || name.size() > 255 || !text::IsValidUtf8(name))
        return Error::InvalidArgument("files: bad file name");
    Id id = GlobalIds().Next();
    LockContentHash(tx, stored.sha256);
    tx.Exec(
        "INSERT INTO files(id, owner_kind, owner_id, uploader_id, name, size, content_type, sha256, width, "
        "height, "
        "has_thumbnail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        id, owner.kind, owner.id, uploader_id, name, static_cast<std::int64_t>(stored.size),
        stored.content_type, stored.sha256, static_cast<std::int64_t>(stored.width),
        static_cast<std::int64_t>(stored.height), stored.has_thumbnail, NowMs());
    return id;
}

std::vector<std::string> DeleteAttachments(storage::Tx& tx, const AttachmentOwner& owner) {
    std::set<std::string> hashes;
    {
        auto& st =
            tx.Query("SELECT sha256 FROM files WHERE owner_kind = ? AND owner_id = ?", owner.kind, owner.id);
        while (st.Step()) hashes.insert(st.Text(0));
    }
    // In hash order, so that two nodes take the locks in the same order.
    for (const auto& sha : hashes) LockContentHash(tx, sha);
    tx.Exec("DELETE FROM files WHERE owner_kind = ? AND owner_id = ?", owner.kind, owner.id);
    std::vector<std::string> unused;
    for (const auto& sha : hashes) {
        if (!tx.QueryInt("SELECT 1 FROM files WHERE sha256 = ? LIMIT 1", sha)) unused.push_back(sha);
    }
    return unused;
}

}  // namespace veche::files
