#pragma once
// POST /api/v1/experts/consultations/{id}/files?name=… (docs/api.md, "Consultations"): a file streamed
// onto the request itself, recorded as a files row owned by the consultation.

#include "veche/api/kit.hpp"
#include "veche/api/uploads.hpp"

namespace veche::files {
class FileStore;
}

namespace veche::experts {

class ConsultationService;

class ConsultationUploads final : public api::UploadHandler {
public:
    ConsultationUploads(const api::HttpKit& kit, ConsultationService& consultations, files::FileStore& files)
        : kit_(kit), consultations_(consultations), files_(files) {}
    bool Accepts(const api::Request& request) const override;
    std::string pattern() const override { return "/api/v1/experts/consultations/{id}/files"; }
    Result<api::UploadTicket> Authorize(const api::Request& request) override;
    Error QuotaExceeded() const override;
    api::Response Complete(const api::UploadTicket& ticket, std::unique_ptr<files::Upload> upload) override;

private:
    const api::HttpKit& kit_;
    ConsultationService& consultations_;
    files::FileStore& files_;
};

}  // namespace veche::experts
