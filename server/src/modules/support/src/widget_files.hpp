#pragma once
// The widget's file routes (docs/api.md, "The widget"): the streamed upload of a visitor's file into
// their own conversation, and the download of a file of its public messages. CORS as every widget
// route (widget_http.hpp), on the transport's own refusals of an upload too (UploadHandler::ResponseHeaders).

#include <cstdint>

#include "veche/api/kit.hpp"
#include "veche/api/router.hpp"
#include "veche/api/uploads.hpp"

namespace veche::files {
class FileStore;
}

namespace veche::support {

class SupportDesk;
class WidgetGate;

// A visitor's file is at most this large (the messenger's limit is the operator's; a stranger's is ours).
inline constexpr std::uint64_t kVisitorFileBytes = 10ull << 20;

// POST /api/v1/support/widget/conversations/{id}/files?name=…
class VisitorUploads final : public api::UploadHandler {
public:
    VisitorUploads(const api::HttpKit& kit, SupportDesk& desk, files::FileStore& files,
                   const WidgetGate& gate)
        : kit_(kit), desk_(desk), files_(files), gate_(gate) {}
    bool Accepts(const api::Request& request) const override;
    std::string pattern() const override { return "/api/v1/support/widget/conversations/{id}/files"; }
    Result<api::UploadTicket> Authorize(const api::Request& request) override;
    std::vector<std::pair<std::string, std::string>> ResponseHeaders(const api::Request& request) override;
    Error QuotaExceeded() const override;
    api::Response Complete(const api::UploadTicket& ticket, std::unique_ptr<files::Upload> upload) override;

private:
    const api::HttpKit& kit_;
    SupportDesk& desk_;
    files::FileStore& files_;
    const WidgetGate& gate_;
};

// GET /api/v1/support/widget/files/{id}
void AddWidgetFileRoutes(api::Router& router, SupportDesk& desk, files::FileStore& files,
                         const WidgetGate& gate);

}  // namespace veche::support
