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

// Thumbnails are made only for images within these bounds, read from the header before any pixel
// is decoded: a small file can declare a huge image (a 50,000 × 50,000 PNG of one colour is a few
// hundred KB), and decoding it would take gigabytes and minutes.
inline constexpr std::int64_t kMaxThumbnailPixels = 50'000'000;
inline constexpr int kMaxThumbnailSide = 20'000;

// Bytes taken out of place by FileStore::Remove, kept aside until the transaction that decided
// their removal has committed (then Discard) or failed (then Restore).
struct Removal {
    std::string sha256;
    std::string bytes_aside;  // empty: there were no bytes
    std::string thumb_aside;  // empty: there was no thumbnail
};

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
    // thumbnail for images. Slow: call from a worker thread. When the same bytes are already
    // stored, the upload keeps its temporary copy until it is destroyed (see EnsureStored).
    // A full disk is kInsufficientStorage ("storage_full").
    Result<StoredFile> Finish(Upload& upload);
    // After the file's row is committed: if a concurrent cleanup removed the stored bytes that a
    // deduplicated upload relied on, puts this upload's copy (and a new thumbnail) in their place.
    Status EnsureStored(Upload& upload, const StoredFile& file);

    // The first `max_bytes` bytes of an upload not yet finished, for a handler that takes the body
    // as data (an email) rather than keeping it as a file; the upload's temporary file goes with it.
    Result<std::string> ReadUpload(const Upload& upload, std::uint64_t max_bytes) const;

    // Free bytes on the file system of the store, if it can tell.
    std::optional<std::uint64_t> FreeBytes() const;

    // Moves the bytes and thumbnail of `sha256` aside (both may be missing already). Call inside
    // the transaction that deletes the last row naming them, so that an upload recorded after it
    // finds them gone and re-stores them (EnsureStored); then Discard after the commit, or
    // Restore when it failed.
    Removal Remove(const std::string& sha256);
    void Discard(const Removal& removal);
    void Restore(const Removal& removal);

    std::string PathOf(const std::string& sha256) const;
    std::string ThumbnailPathOf(const std::string& sha256) const;

private:
    bool MakeThumbnail(const std::string& sha256, const std::string& path);
    std::string root_;
};

// What a user-given name becomes: the last path component, without control characters, at most
// 255 bytes of valid UTF-8; "file" when nothing is left.
std::string SafeFilename(std::string_view name);
// RFC 6266 with an RFC 5987 `filename*` for non-ASCII names.
std::string ContentDisposition(const std::string& filename, bool inline_display);

}  // namespace veche::files
