#pragma once
// The inbound mail webhook as a streamed upload (docs/api.md, "Email inboxes"): a raw RFC 5322
// message is often larger than the API's 1 MiB body limit (any attachment), so the transport streams
// it to a temporary file once the mailbox token in the header has been checked (a stranger's body
// is never read), up to the mailbox's max_size and a little more, so that a message just over the
// limit is still read far enough to bounce it with its subject.

#include "veche/api/uploads.hpp"

namespace veche::files {
class FileStore;
}

namespace veche::support {

class EmailChannel;

// POST /api/v1/support/email/inbound/{id} with Authorization: Bearer mbx_…
class InboundMailUploads final : public api::UploadHandler {
public:
    InboundMailUploads(EmailChannel& email, files::FileStore& files) : email_(email), files_(files) {}
    bool Accepts(const api::Request& request) const override;
    std::string pattern() const override { return "/api/v1/support/email/inbound/{id}"; }
    Result<api::UploadTicket> Authorize(const api::Request& request) override;
    Error QuotaExceeded() const override;
    api::Response Complete(const api::UploadTicket& ticket, std::unique_ptr<files::Upload> upload) override;

private:
    EmailChannel& email_;
    files::FileStore& files_;
};

}  // namespace veche::support
