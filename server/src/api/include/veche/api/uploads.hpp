#pragma once
// Uploads are streamed by the transport, so they are not ordinary routes. A module registers an
// UploadHandler for the paths it accepts; for each request the transport asks the registry whether
// one takes it, has it authorize the upload before a byte of the body is read (a refused upload
// costs no disk), streams the body into the blob store within the ticket's limits, and hands the
// stored bytes to the handler to record.
//
// Thread safety: handlers are added on the main thread before serving; Accepts, Authorize and
// Complete are called on worker threads and must be safe there.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "veche/api/http_types.hpp"
#include "veche/api/kit.hpp"

namespace veche::files {
class Upload;
}

namespace veche::api {

struct UploadTicket {
    Caller caller;
    Id owner_id = 0;   // what the upload will belong to (a chat, a video …), as the handler reads it
    std::string name;  // the file's name, already made safe
    std::uint64_t max_bytes = 0;  // the largest body this upload may have
    // Bytes this upload may take before the caller's quota is exceeded; unset: no quota.
    std::optional<std::uint64_t> quota_left;
};

// What every upload route names: the item in path segment `id_segment` and the file's name in
// `?name=` (valid UTF-8, not yet made safe: files::SafeFilename). 400 for a malformed id, or a
// missing or non-UTF-8 name. Not BadQueryParameter: a file's name keeps what a person's system
// allowed in it, and SafeFilename drops control characters instead of refusing the upload.
struct UploadTarget {
    Id id = 0;
    std::string name;
};
Result<UploadTarget> ReadUploadTarget(const Request& request, std::size_t id_segment);

class UploadHandler {
public:
    virtual ~UploadHandler() = default;
    // Whether this handler takes the request (method and path only: nothing is authorized yet).
    virtual bool Accepts(const Request& request) const = 0;
    // The paths it accepts, as a route pattern ("/api/v1/chats/{id}/files"), for `veche routes`.
    virtual std::string pattern() const = 0;
    virtual Result<UploadTicket> Authorize(const Request& request) = 0;
    // Headers the transport adds to every response to the request, Complete's and its own refusals
    // alike (401, 413 before the body is read …), so that a cross-origin page can read them: the
    // widget's CORS headers. Asked once, before Authorize, on a worker thread.
    virtual std::vector<std::pair<std::string, std::string>> ResponseHeaders(const Request& /*request*/) {
        return {};
    }
    // What the transport answers when the body would pass ticket.quota_left (413 quota_exceeded).
    virtual Error QuotaExceeded() const = 0;
    // Records the stored bytes; the response goes to the client as it is.
    virtual Response Complete(const UploadTicket& ticket, std::unique_ptr<files::Upload> upload) = 0;
};

class UploadRegistry {
public:
    void Add(UploadHandler& handler) { handlers_.push_back(&handler); }
    UploadHandler* Find(const Request& request) const {
        for (auto* h : handlers_)
            if (h->Accepts(request)) return h;
        return nullptr;
    }

    const std::vector<UploadHandler*>& handlers() const { return handlers_; }

private:
    std::vector<UploadHandler*> handlers_;
};

}  // namespace veche::api
