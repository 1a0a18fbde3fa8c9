#pragma once
// Private to the chat module: its REST routes (docs/api.md, "Chats", "Messages", "Files") and the
// upload handler for attachments, with what they are written against.

#include <cstdint>

#include "veche/accounts/account_service.hpp"
#include "veche/api/kit.hpp"
#include "veche/api/uploads.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/json.hpp"
#include "veche/files/file_store.hpp"

namespace veche::chat {

struct ChatRoutes {
    const api::HttpKit& kit;
    accounts::AccountService& accounts;
    ChatService& chats;
    files::FileStore& files;
    std::uint64_t max_upload_bytes = 100ull << 20;
    std::uint64_t upload_quota_bytes = 10ull << 30;  // per user; 0 = unlimited
};

void AddChatRoutes(api::Router& router, ChatRoutes& routes);
void AddFileRoutes(api::Router& router, ChatRoutes& routes);

// POST /api/v1/chats/{id}/files: a file for a message of that chat, streamed by the transport.
class AttachmentUploads final : public api::UploadHandler {
public:
    explicit AttachmentUploads(ChatRoutes& routes) : s_(routes) {}
    bool Accepts(const api::Request& request) const override;
    std::string pattern() const override { return "/api/v1/chats/{id}/files"; }
    Result<api::UploadTicket> Authorize(const api::Request& request) override;
    Error QuotaExceeded() const override;
    api::Response Complete(const api::UploadTicket& ticket, std::unique_ptr<files::Upload> upload) override;

private:
    ChatRoutes& s_;
};

}  // namespace veche::chat
