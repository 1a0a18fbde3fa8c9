#include "article_files.hpp"

#include "content_json.hpp"
#include "veche/api/router.hpp"
#include "veche/core/text.hpp"

namespace veche::experts {

using api::Request;

bool ArticleUploads::Accepts(const Request& request) const {
    if (request.method != "POST") return false;
    auto seg = api::SplitPath(request.path);
    return seg.size() == 6 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "experts" &&
           seg[3] == "articles" && seg[5] == "files";
}

Result<api::UploadTicket> ArticleUploads::Authorize(const Request& request) {
    VECHE_ASSIGN_OR_RETURN(auto ctx, api::AuthenticateRequest(kit_, request));
    VECHE_RETURN_IF_ERROR(api::CheckRate(kit_, ratelimit::Action::kUpload, ctx));
    VECHE_ASSIGN_OR_RETURN(auto target, api::ReadUploadTarget(request, 4));
    VECHE_RETURN_IF_ERROR(content_.CheckCanAttach(ctx.actor, target.id));
    return api::UploadTicket{ctx, target.id, files::SafeFilename(target.name), kMaxArticleFileBytes, std::nullopt};
}

Error ArticleUploads::QuotaExceeded() const {
    return {ErrorCode::kPayloadTooLarge, "file_too_large", "an article's file is at most 200 MiB"};
}

api::Response ArticleUploads::Complete(const api::UploadTicket& t, std::unique_ptr<files::Upload> upload) {
    if (upload->size() == 0) return api::ErrorResponse(Error::InvalidArgument("the file is empty"));
    auto stored = files_.Finish(*upload);
    if (!stored.ok()) return api::ErrorResponse(stored.error());
    auto recorded = content_.RecordFile(t.caller.actor, t.owner_id, t.name, *stored);
    if (!recorded.ok()) return api::ErrorResponse(recorded.error());
    auto kept = files_.EnsureStored(*upload, *stored);
    if (!kept.ok()) return api::ErrorResponse(kept.error());
    return api::Json(201, ArticleFileToJson(*recorded));
}

}  // namespace veche::experts
