#include "consultation_files.hpp"

#include <boost/json/object.hpp>

#include "consultation_ops.hpp"
#include "consultation_store.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"
#include "veche/core/text.hpp"
#include "veche/experts/consultations.hpp"
#include "veche/files/attachments.hpp"
#include "veche/files/file_store.hpp"

namespace veche::experts {

namespace bj = boost::json;
using storage::Tx;
using namespace consult;

namespace {

Status CheckAttach(Tx& tx, const Access& access, const Actor& actor, const Consultation& c) {
    Party p = PartyOf(tx, access, actor, c);
    if (!p.requester && !p.expert && !p.curator)
        return Error::Forbidden("only the requester, the expert and the curators attach files");
    if (!IsOpenState(c.state)) return InvalidState(c, "given files");
    auto n = tx.QueryInt("SELECT COUNT(*) FROM files WHERE owner_kind = ? AND owner_id = ?",
                         kAttachmentOwnerKind, c.id)
                 .value_or(0);
    if (n >= static_cast<std::int64_t>(kMaxAttachments))
        return Error::Conflict("too_many_attachments", "a consultation has at most 20 files");
    return {};
}

}  // namespace

Status ConsultationService::CheckUpload(const Actor& actor, Id id) {
    if (actor.is_guest) return Error::NotFound("consultation");
    return db_.Read([&](Tx& tx) -> Status {
        auto c = store::LoadConsultation(tx, id);
        if (!c || !access_.CommunityVisible(tx, actor.user_id, c->community_id))
            return Error::NotFound("consultation");
        return CheckAttach(tx, access_, actor, *c);
    });
}

Result<Attachment> ConsultationService::RecordUpload(const Actor& actor, Id id, const std::string& name,
                                                     const files::StoredFile& stored) {
    return db_.Write([&](Tx& tx) -> Result<Attachment> {
        auto c = store::LoadConsultation(tx, id);
        if (!c || !access_.CommunityVisible(tx, actor.user_id, c->community_id))
            return Error::NotFound("consultation");
        VECHE_RETURN_IF_ERROR(CheckAttach(tx, access_, actor, *c));
        VECHE_ASSIGN_OR_RETURN(
            Id file_id, files::RecordAttachment(tx, {std::string(kAttachmentOwnerKind), id}, actor.user_id,
                                                name, stored));
        store::AddConsultationEvent(tx, id, "file_added", actor.user_id, name,
                                    json::Serialize(bj::object{{"file_id", IdToString(file_id)}}));
        c->updated_at = NowMs();
        store::SaveConsultation(tx, *c);
        return Attachment{file_id,       name,   static_cast<std::int64_t>(stored.size), stored.content_type,
                          actor.user_id, NowMs()};
    });
}

Status ConsultationService::CheckDownload(Tx& tx, const Actor& actor, Id id) const {
    if (actor.is_guest) return Error::NotFound("file");
    auto c = store::LoadConsultation(tx, id);
    if (!c || !access_.CommunityVisible(tx, actor.user_id, c->community_id)) return Error::NotFound("file");
    return {};
}

bool ConsultationUploads::Accepts(const api::Request& request) const {
    if (request.method != "POST") return false;
    auto seg = api::SplitPath(request.path);
    return seg.size() == 6 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "experts" &&
           seg[3] == "consultations" && seg[5] == "files";
}

Result<api::UploadTicket> ConsultationUploads::Authorize(const api::Request& request) {
    VECHE_ASSIGN_OR_RETURN(auto ctx, api::AuthenticateRequest(kit_, request));
    VECHE_RETURN_IF_ERROR(api::CheckRate(kit_, ratelimit::Action::kUpload, ctx));
    VECHE_ASSIGN_OR_RETURN(auto target, api::ReadUploadTarget(request, 4));
    VECHE_RETURN_IF_ERROR(consultations_.CheckUpload(ctx.actor, target.id));
    return api::UploadTicket{ctx, target.id, files::SafeFilename(target.name), kMaxAttachmentBytes, std::nullopt};
}

Error ConsultationUploads::QuotaExceeded() const {
    return {ErrorCode::kPayloadTooLarge, "file_too_large", "a consultation's file is limited to 25 MiB"};
}

api::Response ConsultationUploads::Complete(const api::UploadTicket& t,
                                            std::unique_ptr<files::Upload> upload) {
    if (upload->size() == 0) return api::ErrorResponse(Error::InvalidArgument("the file is empty"));
    auto stored = files_.Finish(*upload);
    if (!stored.ok()) return api::ErrorResponse(stored.error());
    auto a = consultations_.RecordUpload(t.caller.actor, t.owner_id, t.name, *stored);
    if (!a.ok()) return api::ErrorResponse(a.error());
    auto kept = files_.EnsureStored(*upload, *stored);
    if (!kept.ok()) return api::ErrorResponse(kept.error());
    return api::Json(201, bj::object{{"id", IdToString(a->id)},
                                     {"name", a->name},
                                     {"size", a->size},
                                     {"content_type", a->content_type},
                                     {"uploader_id", IdToString(a->uploader_id)},
                                     {"created_at", a->created_at}});
}

}  // namespace veche::experts
