// Files (MSG-7): streamed upload, ranged download, thumbnails, per-chat list (docs/api.md, "Files").
#include <algorithm>
#include <boost/json/array.hpp>
#include <charconv>
#include <filesystem>

#include "routes.hpp"
#include "veche/api/file_response.hpp"
#include "veche/core/text.hpp"
#include "veche/files/file_store.hpp"

namespace veche::chat {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::ErrorResponse;
using api::Json;
using api::JsonBody;
using api::NoContent;
using api::PathId;
using api::QueryId;
using api::QueryInt;
using api::Request;
using api::Response;
using api::Router;
using api::ServeFile;

}  // namespace

bool AttachmentUploads::Accepts(const Request& request) const {
    if (request.method != "POST") return false;
    auto seg = api::SplitPath(request.path);
    return seg.size() == 5 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "chats" && seg[4] == "files";
}

Result<api::UploadTicket> AttachmentUploads::Authorize(const Request& request) {
    VECHE_ASSIGN_OR_RETURN(auto ctx, api::AuthenticateRequest(s_.kit, request));
    // Before a byte of the body is read: a refused upload costs no disk.
    VECHE_RETURN_IF_ERROR(api::CheckRate(s_.kit, ratelimit::Action::kUpload, ctx));
    VECHE_ASSIGN_OR_RETURN(auto target, api::ReadUploadTarget(request, 3));
    Id chat_id = target.id;
    VECHE_RETURN_IF_ERROR(s_.chats.CheckCanUpload(ctx.actor, chat_id));
    api::UploadTicket ticket{ctx, chat_id, files::SafeFilename(target.name), s_.max_upload_bytes,
                             std::nullopt};
    if (s_.upload_quota_bytes > 0) {
        VECHE_ASSIGN_OR_RETURN(std::int64_t used, s_.chats.UploadedBytes(ctx.user_id()));
        auto u = static_cast<std::uint64_t>(std::max<std::int64_t>(used, 0));
        ticket.quota_left = u >= s_.upload_quota_bytes ? 0 : s_.upload_quota_bytes - u;
    }
    return ticket;
}

Error AttachmentUploads::QuotaExceeded() const {
    return {ErrorCode::kPayloadTooLarge, "quota_exceeded",
            "this upload would exceed your storage quota of " + std::to_string(s_.upload_quota_bytes >> 20) +
                " MiB; delete files or ask an administrator"};
}

Response AttachmentUploads::Complete(const api::UploadTicket& t, std::unique_ptr<files::Upload> upload) {
    if (upload->size() == 0) return ErrorResponse(Error::InvalidArgument("the file is empty"));
    if (s_.upload_quota_bytes > 0) {
        // Again now that the size is known: other uploads of the same user may have finished
        // while this one streamed (uploads that finish at the same moment can still overshoot).
        auto used = s_.chats.UploadedBytes(t.caller.user_id());
        if (!used.ok()) return ErrorResponse(used.error());
        if (static_cast<std::uint64_t>(std::max<std::int64_t>(*used, 0)) + upload->size() >
            s_.upload_quota_bytes)
            return ErrorResponse(QuotaExceeded());
    }
    auto stored = s_.files.Finish(*upload);
    if (!stored.ok()) return ErrorResponse(stored.error());
    FileInfo f;
    f.name = t.name;
    f.size = static_cast<std::int64_t>(stored->size);
    f.content_type = stored->content_type;
    f.sha256 = stored->sha256;
    f.width = stored->width;
    f.height = stored->height;
    f.has_thumbnail = stored->has_thumbnail;
    auto recorded = s_.chats.RecordFile(t.caller.actor, t.owner_id, f);
    if (!recorded.ok()) return ErrorResponse(recorded.error());
    auto kept = s_.files.EnsureStored(*upload, *stored);
    if (!kept.ok()) return ErrorResponse(kept.error());
    return Json(201, FileToJson(*recorded));
}

void AddFileRoutes(Router& router, ChatRoutes& s) {
    router.Add("GET", "/api/v1/files/{id}",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto f, s.chats.GetFile(ctx.actor, id));
                   auto inl = req.query.find("inline");
                   bool want_inline = inl != req.query.end() && (inl->second == "1" || inl->second == "true");
                   // Only images and videos are ever shown inline; everything else downloads.
                   bool can_inline =
                       f.content_type.rfind("image/", 0) == 0 || f.content_type.rfind("video/", 0) == 0;
                   if (f.content_type == "image/svg+xml") can_inline = false;
                   return ServeFile(req, s.files.PathOf(f.sha256), f.content_type,
                                    files::ContentDisposition(f.name, want_inline && can_inline));
               }));

    router.Add("GET", "/api/v1/files/{id}/thumbnail",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto f, s.chats.GetFile(ctx.actor, id));
                   if (!f.has_thumbnail) return Error::NotFound("thumbnail");
                   return ServeFile(req, s.files.ThumbnailPathOf(f.sha256), "image/jpeg",
                                    files::ContentDisposition(f.name + ".jpg", true));
               }));

    router.Add("GET", "/api/v1/chats/{id}/files",
               api::Authed(s.kit, [&s](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(Id id, PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto before, QueryId(req, "before"));
                   VECHE_ASSIGN_OR_RETURN(auto limit, QueryInt(req, "limit", 1, kMaxPageSize));
                   VECHE_ASSIGN_OR_RETURN(auto list, s.chats.ListFiles(ctx.actor, id, before,
                                                                       static_cast<int>(limit.value_or(50))));
                   bj::array arr;
                   for (const auto& f : list) arr.push_back(FileToJson(f));
                   return Json(200, bj::object{{"files", std::move(arr)}});
               }));

    // What a client shows as "storage used": the quota's measure, every upload counted once.
    router.Add("GET", "/api/v1/users/me/storage",
               api::Authed(s.kit, [&s](Request&, const Caller& ctx) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(std::int64_t used, s.chats.UploadedBytes(ctx.user_id()));
                   bj::object out{{"used_bytes", used}};
                   if (s.upload_quota_bytes > 0) {
                       out["quota_bytes"] = s.upload_quota_bytes;
                   } else {
                       out["quota_bytes"] = nullptr;
                   }
                   out["max_file_bytes"] = s.max_upload_bytes;
                   return Json(200, out);
               }));

    // So that a POST reaching the router (it cannot: the transport streams it) is not a 405.
    router.Add("POST", "/api/v1/chats/{id}/files", [](Request&) {
        return ErrorResponse(Error::Internal("uploads are handled by the transport"));
    });
}

}  // namespace veche::chat
