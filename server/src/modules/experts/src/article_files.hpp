#pragma once
// The streamed upload of an article's file (docs/api.md, "Communities' content"):
// POST /api/v1/experts/articles/{id}/files?name=… — images, videos and documents the body and the
// slides link to as /api/v1/files/{id}. Downloads go through the platform's route, which asks
// ContentService::CanDownload (registered for the owner kind "experts_article").

#include "veche/api/kit.hpp"
#include "veche/api/uploads.hpp"
#include "veche/experts/content.hpp"
#include "veche/files/file_store.hpp"

namespace veche::experts {

class ArticleUploads final : public api::UploadHandler {
public:
    ArticleUploads(const api::HttpKit& kit, ContentService& content, files::FileStore& files)
        : kit_(kit), content_(content), files_(files) {}
    bool Accepts(const api::Request& request) const override;
    std::string pattern() const override { return "/api/v1/experts/articles/{id}/files"; }
    Result<api::UploadTicket> Authorize(const api::Request& request) override;
    Error QuotaExceeded() const override;
    api::Response Complete(const api::UploadTicket& ticket, std::unique_ptr<files::Upload> upload) override;

private:
    const api::HttpKit& kit_;
    ContentService& content_;
    files::FileStore& files_;
};

}  // namespace veche::experts
