#pragma once
// The chat module: chats, members, messages, threads, polls, mentions, attachments, search.
// Depends on accounts (it shows users); publishes its ChatService.

#include <cstdint>
#include <memory>

#include "veche/platform/module.hpp"
#include "veche/storage/migration.hpp"

namespace veche::chat {

struct ChatOptions {
    std::uint64_t max_upload_bytes = 100ull << 20;
    std::uint64_t upload_quota_bytes = 10ull << 30;  // per user; 0 = unlimited
};

// Module "chat": its changes to the messenger's baseline tables (files' owners).
storage::ModuleSchema Schema();

// Finds api::HttpKit, files::FileStore and files::AttachmentOwners at Start (app publishes them).
std::unique_ptr<platform::Module> MakeModule(ChatOptions options);

}  // namespace veche::chat
