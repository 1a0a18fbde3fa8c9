#include "widget_files.hpp"

#include "veche/api/file_response.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/text.hpp"
#include "veche/files/file_store.hpp"
#include "veche/support/desk.hpp"
#include "support_json.hpp"
#include "widget_http.hpp"

namespace veche::support {
using api::Request;
using api::Response;

bool VisitorUploads::Accepts(const Request& request) const {
    if (request.method != "POST") return false;
    auto seg = api::SplitPath(request.path);
    return seg.size() == 7 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "support" && seg[3] == "widget" &&
           seg[4] == "conversations" && seg[6] == "files";
}

std::vector<std::pair<std::string, std::string>> VisitorUploads::ResponseHeaders(const Request& request) {
    auto verdict = gate_.Judge(request);
    return verdict.ok() ? CorsHeaders(*verdict) : std::vector<std::pair<std::string, std::string>>{};
}

Result<api::UploadTicket> VisitorUploads::Authorize(const Request& request) {
    VECHE_ASSIGN_OR_RETURN(auto verdict, gate_.Judge(request));
    if (!verdict.allowed) return OriginNotAllowed();
    auto token_or = RequiredVisitor(request);
    if (!token_or.ok()) return token_or.error();
    std::string token = std::move(*token_or);
    VECHE_RETURN_IF_ERROR(api::CheckRateOfAddress(kit_, ratelimit::Action::kUpload, request));
    VECHE_ASSIGN_OR_RETURN(auto upload, api::ReadUploadTarget(request, 5));
    VECHE_ASSIGN_OR_RETURN(auto target, desk_.VisitorUploadTarget(token, upload.id));
    api::UploadTicket ticket;
    // The desk's bot records and posts the file; the conversation is what it belongs to.
    ticket.caller.actor = Actor{target.bot_id, false, false};
    ticket.owner_id = upload.id;
    ticket.name = files::SafeFilename(upload.name);
    ticket.max_bytes = kVisitorFileBytes;
    return ticket;
}

Error VisitorUploads::QuotaExceeded() const {
    return {ErrorCode::kPayloadTooLarge, "file_too_large", "a visitor's file is limited to 10 MiB"};
}

Response VisitorUploads::Complete(const api::UploadTicket& t, std::unique_ptr<files::Upload> upload) {
    if (upload->size() == 0) return api::ErrorResponse(Error::InvalidArgument("the file is empty"));
    auto stored = files_.Finish(*upload);
    if (!stored.ok()) return api::ErrorResponse(stored.error());
    chat::FileInfo f;
    f.name = t.name;
    f.size = static_cast<std::int64_t>(stored->size);
    f.content_type = stored->content_type;
    f.sha256 = stored->sha256;
    f.width = stored->width;
    f.height = stored->height;
    f.has_thumbnail = stored->has_thumbnail;
    auto posted = desk_.PostVisitorFile(t.owner_id, f);
    if (!posted.ok()) return api::ErrorResponse(posted.error());
    auto kept = files_.EnsureStored(*upload, *stored);
    if (!kept.ok()) return api::ErrorResponse(kept.error());
    return api::Json(201, boost::json::object{{"message", VisitorMessageToJson(*posted)}});
}

void AddWidgetFileRoutes(api::Router& router, SupportDesk& desk, files::FileStore& files,
                         const WidgetGate& gate) {
    router.Add("GET", "/api/v1/support/widget/files/{id}",
               WidgetHandler(gate, [&desk, &files](Request& req) -> Result<Response> {
                   VECHE_ASSIGN_OR_RETURN(std::string token, RequiredVisitor(req));
                   VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 0));
                   VECHE_ASSIGN_OR_RETURN(auto f, desk.VisitorFile(token, id));
                   return api::ServeFile(req, files.PathOf(f.sha256), f.content_type,
                                         files::ContentDisposition(f.name, false));
               }));
}

}  // namespace veche::support
