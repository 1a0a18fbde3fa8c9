#include "veche/files/file_store.hpp"

#include <fcntl.h>
#include <magic.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <vips/vips.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "veche/core/crypto.hpp"
#include "veche/core/text.hpp"

namespace veche::files {
namespace fs = std::filesystem;

struct Upload::Hash {
    crypto_hash_sha256_state state;
};

Upload::Upload(std::string path, int fd) : path_(std::move(path)), fd_(fd), hash_(std::make_unique<Hash>()) {
    crypto_hash_sha256_init(&hash_->state);
}

Upload::~Upload() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) {
        std::error_code ec;
        fs::remove(path_, ec);
    }
}

Status Upload::Write(const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    std::size_t left = size;
    while (left > 0) {
        ssize_t n = ::write(fd_, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            spdlog::error("files: write failed: {}", std::strerror(errno));
            if (errno == ENOSPC || errno == EDQUOT) return Error::StorageFull();
            return Error::Unavailable("cannot store the file");
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    crypto_hash_sha256_update(&hash_->state, static_cast<const unsigned char*>(data), size);
    size_ += size;
    return {};
}

namespace {

// A magic cookie is not thread-safe: one per thread, loaded on first use, closed with the thread.
class MagicCookie {
public:
    MagicCookie() : cookie_(magic_open(MAGIC_MIME_TYPE)) {
        if (cookie_ && magic_load(cookie_, nullptr) != 0) {
            magic_close(cookie_);
            cookie_ = nullptr;
        }
    }
    ~MagicCookie() {
        if (cookie_) magic_close(cookie_);
    }
    MagicCookie(const MagicCookie&) = delete;
    MagicCookie& operator=(const MagicCookie&) = delete;
    magic_t get() const { return cookie_; }

private:
    magic_t cookie_;
};

std::string DetectType(const std::string& path) {
    thread_local MagicCookie cookie;
    if (!cookie.get()) return "application/octet-stream";
    const char* type = magic_file(cookie.get(), path.c_str());
    return type ? type : "application/octet-stream";
}

bool IsThumbnailable(const std::string& type) {
    return type == "image/jpeg" || type == "image/png" || type == "image/gif" || type == "image/webp";
}

void InitVips() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (VIPS_INIT("veche") != 0) spdlog::error("files: libvips failed to start; no thumbnails");
        vips_concurrency_set(1);
        vips_cache_set_max(0);
    });
}

}  // namespace

FileStore::FileStore(std::string root) : root_(std::move(root)) {
    fs::create_directories(fs::path(root_) / "tmp");
    fs::create_directories(fs::path(root_) / "thumbs");
    // Leftovers of uploads cut short by a crash. Only old ones: in cluster mode every node shares
    // this directory, and another node may be streaming an upload into it right now (an upload
    // that stalls is cut off by the transport's read deadline long before an hour).
    auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(1);
    for (const auto& e : fs::directory_iterator(fs::path(root_) / "tmp")) {
        std::error_code ec;
        std::string name = e.path().filename().string();
        // Bytes set aside by a cleanup whose transaction may not have committed before a crash:
        // put them back. At worst they outlive their last row (a leak), never the other way round.
        if (name.rfind("removed-", 0) == 0 && name.size() > 8 + 64) {
            std::string sha = name.substr(8, 64);
            bool thumb = name.size() > 4 && name.compare(name.size() - 4, 4, ".jpg") == 0;
            std::string home = thumb ? ThumbnailPathOf(sha) : PathOf(sha);
            fs::create_directories(fs::path(home).parent_path(), ec);
            if (!fs::exists(home, ec)) fs::rename(e.path(), home, ec);
            if (fs::exists(e.path(), ec)) fs::remove(e.path(), ec);
            continue;
        }
        auto written = fs::last_write_time(e.path(), ec);
        if (!ec && written < cutoff) fs::remove(e.path(), ec);
    }
    InitVips();
}

Result<std::unique_ptr<Upload>> FileStore::BeginUpload() {
    std::string path = (fs::path(root_) / "tmp" / crypto::RandomToken(18)).string();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        spdlog::error("files: cannot create {}: {}", path, std::strerror(errno));
        return Error::Unavailable("cannot store the file");
    }
    return std::unique_ptr<Upload>(new Upload(path, fd));
}

std::string FileStore::PathOf(const std::string& sha) const {
    return (fs::path(root_) / sha.substr(0, 2) / sha.substr(2, 2) / sha).string();
}

std::string FileStore::ThumbnailPathOf(const std::string& sha) const {
    return (fs::path(root_) / "thumbs" / (sha + ".jpg")).string();
}

namespace {

void SyncDirectoryOf(const std::string& path) {
    int dfd = ::open(fs::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

// Image dimensions from the header only: libvips opens lazily, so this decodes no pixels.
std::pair<int, int> HeaderDimensions(const std::string& path) {
    VipsImage* image = vips_image_new_from_file(path.c_str(), "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
    if (!image) {
        vips_error_clear();
        return {0, 0};
    }
    std::pair<int, int> wh{vips_image_get_width(image), vips_image_get_height(image)};
    g_object_unref(image);
    return wh;
}

bool FitsThumbnailLimits(int width, int height) {
    return width > 0 && height > 0 && width <= kMaxThumbnailSide && height <= kMaxThumbnailSide &&
           static_cast<std::int64_t>(width) * height <= kMaxThumbnailPixels;
}

}  // namespace

bool FileStore::MakeThumbnail(const std::string& sha, const std::string& path) {
    std::error_code ec;
    std::string thumb = ThumbnailPathOf(sha);
    if (fs::exists(thumb, ec)) return true;
    VipsImage* t = nullptr;
    if (vips_thumbnail(path.c_str(), &t, 320, "height", 320, nullptr) != 0) {
        spdlog::warn("files: no thumbnail for {}: {}", sha, vips_error_buffer());
        vips_error_clear();
        return false;
    }
    bool made = false;
    std::string tmp = thumb + "." + crypto::RandomToken(6) + ".tmp";
    if (vips_jpegsave(t, tmp.c_str(), "Q", 80, nullptr) == 0) {
        fs::rename(tmp, thumb, ec);
        made = !ec;
    } else {
        vips_error_clear();
    }
    if (!made) fs::remove(tmp, ec);
    g_object_unref(t);
    return made;
}

Result<std::string> FileStore::ReadUpload(const Upload& upload, std::uint64_t max_bytes) const {
    std::size_t want = static_cast<std::size_t>(std::min(upload.size(), max_bytes));
    std::string out(want, '\0');
    int fd = ::open(upload.path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error::Internal("cannot read the upload back");
    std::size_t got = 0;
    while (got < want) {
        ssize_t n = ::pread(fd, out.data() + got, want - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (got != want) return Error::Internal("the upload was shorter than written");
    return out;
}

Result<StoredFile> FileStore::Finish(Upload& upload) {
    if (::fsync(upload.fd_) != 0 || ::close(upload.fd_) != 0) {
        bool full = errno == ENOSPC || errno == EDQUOT;
        upload.fd_ = -1;
        return full ? Error::StorageFull() : Error::Unavailable("cannot store the file");
    }
    upload.fd_ = -1;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&upload.hash_->state, digest);
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));

    StoredFile f;
    f.sha256 = hex;
    f.size = upload.size_;
    f.content_type = DetectType(upload.path_);
    std::string final_path = PathOf(f.sha256);
    std::error_code ec;
    fs::create_directories(fs::path(final_path).parent_path(), ec);
    if (fs::exists(final_path, ec)) {
        // Same bytes are stored once; the upload's temporary copy stays until the row is recorded
        // (EnsureStored), then goes away with `upload`.
    } else {
        fs::rename(upload.path_, final_path, ec);
        if (ec) {
            spdlog::error("files: cannot move upload into place: {}", ec.message());
            return Error::Unavailable("cannot store the file");
        }
        upload.path_.clear();
        SyncDirectoryOf(final_path);  // makes the rename itself durable
    }
    if (IsThumbnailable(f.content_type)) {
        auto [w, h] = HeaderDimensions(final_path);
        f.width = w;
        f.height = h;
        if (FitsThumbnailLimits(w, h)) {
            f.has_thumbnail = MakeThumbnail(f.sha256, final_path);
        } else if (w > 0) {
            spdlog::info("files: no thumbnail for {}: {}x{} is over the limit", f.sha256, w, h);
        }
    }
    return f;
}

Status FileStore::EnsureStored(Upload& upload, const StoredFile& file) {
    std::string final_path = PathOf(file.sha256);
    std::error_code ec;
    if (fs::exists(final_path, ec) || upload.path_.empty()) return {};
    spdlog::info("files: {} was removed while being uploaded again; storing it anew", file.sha256);
    fs::create_directories(fs::path(final_path).parent_path(), ec);
    fs::rename(upload.path_, final_path, ec);
    if (ec) {
        spdlog::error("files: cannot move upload into place: {}", ec.message());
        return Error::Unavailable("cannot store the file");
    }
    upload.path_.clear();
    SyncDirectoryOf(final_path);
    if (file.has_thumbnail) MakeThumbnail(file.sha256, final_path);
    return {};
}

std::optional<std::uint64_t> FileStore::FreeBytes() const {
    struct statvfs st {};
    if (::statvfs(root_.c_str(), &st) != 0) return std::nullopt;
    return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

Removal FileStore::Remove(const std::string& sha) {
    Removal r;
    r.sha256 = sha;
    std::error_code ec;
    // The name keeps the hash so that a start after a crash can put the bytes back (see FileStore).
    std::string aside = (fs::path(root_) / "tmp" / ("removed-" + sha + "-" + crypto::RandomToken(12))).string();
    fs::rename(PathOf(sha), aside, ec);
    if (!ec) r.bytes_aside = aside;
    fs::rename(ThumbnailPathOf(sha), aside + ".jpg", ec);
    if (!ec) r.thumb_aside = aside + ".jpg";
    return r;
}

void FileStore::Discard(const Removal& r) {
    std::error_code ec;
    if (!r.bytes_aside.empty()) fs::remove(r.bytes_aside, ec);
    if (!r.thumb_aside.empty()) fs::remove(r.thumb_aside, ec);
}

void FileStore::Restore(const Removal& r) {
    std::error_code ec;
    // An upload of the same bytes may have stored them again meanwhile; either copy will do.
    if (!r.bytes_aside.empty()) {
        fs::rename(r.bytes_aside, PathOf(r.sha256), ec);
        if (ec) fs::remove(r.bytes_aside, ec);
    }
    if (!r.thumb_aside.empty()) {
        fs::rename(r.thumb_aside, ThumbnailPathOf(r.sha256), ec);
        if (ec) fs::remove(r.thumb_aside, ec);
    }
}

std::string SafeFilename(std::string_view name) {
    auto slash = name.find_last_of("/\\");
    if (slash != std::string_view::npos) name = name.substr(slash + 1);
    std::string out;
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7F) continue;
        out.push_back(static_cast<char>(c));
    }
    while (out.size() > 255 || !text::IsValidUtf8(out)) {
        // Cut on a character boundary (invalid bytes are dropped one by one from the end).
        out.pop_back();
    }
    std::string_view trimmed = text::Trim(out);
    if (trimmed.empty() || trimmed == "." || trimmed == "..") return "file";
    return std::string(trimmed);
}

std::string ContentDisposition(const std::string& filename, bool inline_display) {
    std::string ascii;
    for (unsigned char c : filename) {
        ascii.push_back(c < 0x20 || c >= 0x7F || c == '"' || c == '\\' || c == ';' ? '_' : static_cast<char>(c));
    }
    std::string encoded;
    for (unsigned char c : filename) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                     c == '-' || c == '_' || c == '~';
        if (plain) {
            encoded.push_back(static_cast<char>(c));
        } else {
            char buf[4];
            std::snprintf(buf, sizeof(buf), "%%%02X", c);
            encoded += buf;
        }
    }
    return std::string(inline_display ? "inline" : "attachment") + "; filename=\"" + ascii + "\"; filename*=UTF-8''" +
           encoded;
}

}  // namespace veche::files
