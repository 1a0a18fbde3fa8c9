#include "email_inbound.hpp"

#include "email_channel.hpp"
#include "support_json.hpp"
#include "veche/api/router.hpp"
#include "veche/core/json.hpp"
#include "veche/files/file_store.hpp"

namespace veche::support {
namespace {

namespace bj = boost::json;

// How far past max_size a message is still read: its head is all the bounce needs.
constexpr std::uint64_t kBounceSlack = 1ull << 20;
constexpr std::uint64_t kBounceHead = 256ull << 10;

}  // namespace

bool InboundMailUploads::Accepts(const api::Request& request) const {
    if (request.method != "POST") return false;
    auto seg = api::SplitPath(request.path);
    return seg.size() == 6 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "support" && seg[3] == "email" &&
           seg[4] == "inbound";
}

Result<api::UploadTicket> InboundMailUploads::Authorize(const api::Request& request) {
    auto seg = api::SplitPath(request.path);
    auto id = ParseId(api::PercentDecode(seg.at(5), false));
    // An id that is not one is a mailbox that does not exist: the same answer as a wrong token.
    VECHE_ASSIGN_OR_RETURN(auto max_size, email_.CheckWebhook(id.value_or(0), api::BearerToken(request)));
    api::UploadTicket ticket;
    ticket.owner_id = *id;
    ticket.name = "message.eml";
    ticket.max_bytes = static_cast<std::uint64_t>(max_size) + kBounceSlack;
    return ticket;
}

Error InboundMailUploads::QuotaExceeded() const {
    return {ErrorCode::kPayloadTooLarge, "email_too_large", "the message is over the mailbox's size limit"};
}

api::Response InboundMailUploads::Complete(const api::UploadTicket& ticket, std::unique_ptr<files::Upload> upload) {
    auto handled = [&]() -> Result<api::Response> {
        if (upload->size() == 0) return Error::InvalidArgument("the message is empty");
        auto size = static_cast<std::int64_t>(upload->size());
        // Read it all only when it may be taken; over the limit, its head is enough for the bounce.
        std::uint64_t max_size = ticket.max_bytes - kBounceSlack;
        std::uint64_t read = upload->size() > max_size ? kBounceHead : upload->size();
        VECHE_ASSIGN_OR_RETURN(auto raw, files_.ReadUpload(*upload, read));
        upload.reset();  // the temporary file is not needed any more
        VECHE_ASSIGN_OR_RETURN(auto got, email_.ReceiveChecked(ticket.owner_id, raw, size));
        bj::object out{{"conversation_id", IdToString(got.conversation.id)},
                       {"number", NumberText(got.conversation.number)},
                       {"created", got.created},
                       {"duplicate", got.duplicate}};
        if (got.message_id) out["message_id"] = IdToString(got.message_id);
        return api::Json(got.duplicate ? 200 : 201, out);
    }();
    return handled.ok() ? std::move(*handled) : api::ErrorResponse(handled.error());
}

}  // namespace veche::support
