#pragma once
// Content-addressed file storage on the local disk (MSG-7). Bytes live at
// <root>/<aa>/<bb>/<sha256>, thumbnails at <root>/thumbs/<sha256>.jpg; names given by users never
// reach the file system, so no upload can choose where it is written.
// Thread-safe; an Upload belongs to one caller.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "veche/core/error.hpp"

namespace veche::files {

struct StoredFile {
    std::string sha256;
    std::uint64_t size = 0;
    std::string content_type;  // detected from the bytes (libmagic), never taken from the client
    int width = 0;             // images only
    int height = 0;
    bool has_thumbnail = false;
};

class FileStore;

// An upload being streamed to a temporary file; removed unless finished.
class Upload {
public:
    ~Upload();
    Upload(const Upload&) = delete;
    Upload& operator=(const Upload&) = delete;

    Status Write(const void* data, std::size_t size);
    std::uint64_t size() const { return size_; }

private:
    friend class FileStore;
    Upload(std::string path, int fd);
    std::string path_;
    int fd_;
    std::uint64_t size_ = 0;
    struct Hash;
    std::unique_ptr<Hash> hash_;
};

class FileStore {
public:
    // Creates the directories; throws when they cannot be created.
    explicit FileStore(std::string root);

    Result<std::unique_ptr<Upload>> BeginUpload();
    // Makes the upload durable (fsync), detects its type, moves it into place and makes a
    // thumbnail for images. Slow: call from a worker thread.
    Result<StoredFile> Finish(std::unique_ptr<Upload> upload);

    std::string PathOf(const std::string& sha256) const;
    std::string ThumbnailPathOf(const std::string& sha256) const;

private:
    std::string root_;
};

// What a user-given name becomes: the last path component, without control characters, at most
// 255 bytes of valid UTF-8; "file" when nothing is left.
std::string SafeFilename(std::string_view name);
// RFC 6266 with an RFC 5987 `filename*` for non-ASCII names.
std::string ContentDisposition(const std::string& filename, bool inline_display);

}  // namespace veche::files
