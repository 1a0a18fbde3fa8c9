#include <set>

#include "access.hpp"
#include "chat_internal.hpp"
#include "chat_store.hpp"
#include "message_store.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/clock.hpp"

namespace veche::chat {

Status ChatService::CheckCanUpload(const Actor& actor, Id chat_id) {
    return db_.Read([&](Tx& tx) -> Status {
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        return CheckWritable(a);
    });
}

Result<std::int64_t> ChatService::UploadedBytes(Id user_id) {
    return db_.Read([&](Tx& tx) -> Result<std::int64_t> {
        return tx.QueryInt("SELECT COALESCE(SUM(size), 0) FROM files WHERE uploader_id = ?", user_id)
            .value_or(0);
    });
}

Result<bool> ChatService::ContentInUse(const std::string& sha256) {
    return db_.Read([&](Tx& tx) -> Result<bool> {
        return tx.QueryInt("SELECT 1 FROM files WHERE sha256 = ? LIMIT 1", sha256).has_value();
    });
}

Result<int> ChatService::DeleteUnattachedFiles(std::int64_t created_before_ms, int limit,
                                               const std::function<void(const std::string&)>& release) {
    return db_.Write([&](Tx& tx) -> Result<int> {
        std::vector<std::pair<Id, std::string>> old;
        auto& st = tx.Query(
            "SELECT id, sha256 FROM files WHERE message_id IS NULL AND owner_kind = 'chat' AND created_at < "
            "? "
            "ORDER BY created_at LIMIT ?",
            created_before_ms, limit);
        while (st.Step()) old.emplace_back(st.Int(0), st.Text(1));
        std::set<std::string> hashes;
        for (const auto& [id, sha] : old) hashes.insert(sha);
        // In hash order, so that two nodes cleaning up at once take the locks in the same order.
        for (const auto& sha : hashes) files::LockContentHash(tx, sha);
        int deleted = 0;
        std::set<std::string> touched;
        for (const auto& [id, sha] : old) {
            // Re-checked: another node may have deleted it, or its uploader posted it meanwhile.
            if (tx.Exec("DELETE FROM files WHERE id = ? AND message_id IS NULL AND owner_kind = 'chat'",
                        id) == 1) {
                ++deleted;
                touched.insert(sha);
            }
        }
        for (const auto& sha : touched) {
            if (!tx.QueryInt("SELECT 1 FROM files WHERE sha256 = ? LIMIT 1", sha)) release(sha);
        }
        return deleted;
    });
}

Result<FileInfo> ChatService::RecordFile(const Actor& actor, Id chat_id, const FileInfo& file) {
    return db_.Write([&](Tx& tx) -> Result<FileInfo> {
        // Checked again in the writing transaction: membership may have changed during the upload.
        VECHE_ASSIGN_OR_RETURN(Access a, SeeAsMember(tx, actor, chat_id));
        VECHE_RETURN_IF_ERROR(CheckWritable(a));
        FileInfo f = file;
        f.id = GlobalIds().Next();
        f.chat_id = chat_id;
        f.uploader_id = actor.user_id;
        f.message_id = 0;
        f.created_at = NowMs();
        files::LockContentHash(tx, f.sha256);
        tx.Exec(
            "INSERT INTO files(id, owner_kind, owner_id, chat_id, uploader_id, name, size, content_type, "
            "sha256, "
            "width, height, has_thumbnail, created_at) VALUES (?, 'chat', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            f.id, f.chat_id, f.chat_id, f.uploader_id, f.name, f.size, f.content_type, f.sha256, f.width,
            f.height, f.has_thumbnail, f.created_at);
        return f;
    });
}

Result<FileInfo> ChatService::GetFile(const Actor& actor, Id file_id) {
    return db_.Read([&](Tx& tx) -> Result<FileInfo> {
        static const std::string sql = S(kFileSelect, "WHERE id = ?");
        auto& st = tx.Query(sql, file_id);
        if (!st.Step()) return Error::NotFound("file");
        FileInfo f = ReadFile(st);
        while (st.Step()) {
        }
        if (f.owner_kind != "chat") {
            const files::DownloadCheck* check =
                attachment_owners_ ? attachment_owners_->Find(f.owner_kind) : nullptr;
            if (!check) return Error::NotFound("file");
            VECHE_RETURN_IF_ERROR((*check)(tx, actor, f.owner_id, f.uploader_id));
            return f;
        }
        if (!RoleOf(tx, f.chat_id, actor.user_id)) return Error::NotFound("file");
        if (f.message_id == 0) {
            if (f.uploader_id != actor.user_id) return Error::NotFound("file");
        } else if (tx.QueryInt("SELECT 1 FROM messages WHERE id = ? AND deleted_at IS NULL", f.message_id) !=
                   1) {
            return Error::NotFound("file");  // deleting the message hides its files
        }
        return f;
    });
}

Result<std::vector<FileInfo>> ChatService::ListFiles(const Actor& actor, Id chat_id, std::optional<Id> before,
                                                     int limit) {
    if (limit < 1 || limit > kMaxPageSize) return Error::InvalidArgument("'limit' must be between 1 and 200");
    return db_.Read([&](Tx& tx) -> Result<std::vector<FileInfo>> {
        VECHE_RETURN_IF_ERROR(SeeAsMember(tx, actor, chat_id));
        std::vector<FileInfo> out;
        auto& st = tx.Query(
            "SELECT f.id, f.chat_id, f.uploader_id, f.message_id, f.name, f.size, f.content_type, "
            "f.sha256, f.width, f.height, f.has_thumbnail, f.created_at FROM files f "
            "JOIN messages m ON m.id = f.message_id "
            "WHERE f.chat_id = ? AND f.id < ? AND m.deleted_at IS NULL ORDER BY f.id DESC LIMIT ?",
            chat_id, before.value_or(INT64_MAX), static_cast<std::int64_t>(limit));
        while (st.Step()) out.push_back(ReadFile(st));
        return out;
    });
}

}  // namespace veche::chat
