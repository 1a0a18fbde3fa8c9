// The built web client, served from options.static_dir for GET/HEAD outside /api/, /.well-known/
// and /metrics.

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "transport.hpp"

namespace veche::http {

api::Response Server::Impl::ServeStatic(const std::string& path) {
    // Only plain file names below the static root: no "..", no hidden files.
    std::string rel = path == "/" ? "/index.html" : path;
    if (rel.find("..") != std::string::npos || rel.find("/.") != std::string::npos ||
        rel.find('\0') != std::string::npos)
        return ErrorFor(ErrorCode::kNotFound, "not_found", "not found");
    std::ifstream f(options.static_dir + rel, std::ios::binary);
    bool is_asset = rel.rfind("/assets/", 0) == 0;
    if (!f) {
        if (is_asset) return ErrorFor(ErrorCode::kNotFound, "not_found", "not found");
        // Client-side routes get the application shell.
        rel = "/index.html";
        f.open(options.static_dir + rel, std::ios::binary);
        if (!f) return ErrorFor(ErrorCode::kNotFound, "not_found", "not found");
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    api::Response r;
    r.body = ss.str();
    auto ends = [&](std::string_view ext) {
        return rel.size() >= ext.size() && rel.compare(rel.size() - ext.size(), ext.size(), ext) == 0;
    };
    r.content_type = ends(".html")    ? "text/html; charset=utf-8"
                     : ends(".js")    ? "text/javascript; charset=utf-8"
                     : ends(".css")   ? "text/css; charset=utf-8"
                     : ends(".svg")   ? "image/svg+xml"
                     : ends(".png")   ? "image/png"
                     : ends(".ico")   ? "image/x-icon"
                     : ends(".woff2") ? "font/woff2"
                     : ends(".json")  ? "application/json"
                                      : "application/octet-stream";
    // Built assets carry a content hash in their names, so they never change; the shell must be revalidated.
    r.headers.emplace_back("Cache-Control", is_asset ? "public, max-age=31536000, immutable" : "no-cache");
    // The web client may be framed only by itself and the configured origins (clickjacking).
    std::string ancestors = "frame-ancestors 'self'";
    for (const auto& o : services.kit.allowed_origins) ancestors += " " + o;
    r.headers.emplace_back("Content-Security-Policy", ancestors);
    r.headers.emplace_back("Referrer-Policy", "same-origin");
    return r;
}

}  // namespace veche::http
