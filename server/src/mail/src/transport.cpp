// libcurl behind transport.hpp: IMAP (STATUS, UID SEARCH, UID FETCH) and SMTP.
#include "veche/mail/transport.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>

namespace veche::mail {
namespace {

void InitOnce() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Easy {
    CURL* h;
    curl_slist* rcpt = nullptr;
    char error[CURL_ERROR_SIZE] = {0};
    Easy() : h(curl_easy_init()) {}
    ~Easy() {
        if (rcpt) curl_slist_free_all(rcpt);
        if (h) curl_easy_cleanup(h);
    }
    Easy(const Easy&) = delete;
    Easy& operator=(const Easy&) = delete;
};

size_t Collect(char* data, size_t size, size_t n, void* user) {
    auto* out = static_cast<std::string*>(user);
    // A response far larger than any message we accept is cut (and then fails to parse): bounded memory.
    if (out->size() + size * n > (std::size_t(256) << 20)) return 0;
    out->append(data, size * n);
    return size * n;
}

struct Reader {
    const std::string* data;
    std::size_t pos = 0;
};

size_t Feed(char* buf, size_t size, size_t n, void* user) {
    auto* r = static_cast<Reader*>(user);
    std::size_t take = std::min(size * n, r->data->size() - r->pos);
    std::memcpy(buf, r->data->data() + r->pos, take);
    r->pos += take;
    return take;
}

bool StartsWith(const std::string& s, std::string_view p) { return s.compare(0, p.size(), p) == 0; }

void Common(Easy& e, const Endpoint& ep, const std::string& url, bool smtp) {
    curl_easy_setopt(e.h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e.h, CURLOPT_PROTOCOLS_STR, smtp ? "smtp,smtps" : "imap,imaps");
    curl_easy_setopt(e.h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e.h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(e.h, CURLOPT_TIMEOUT, 45L);
    curl_easy_setopt(e.h, CURLOPT_LOW_SPEED_LIMIT, 1024L);  // under 1 KB/s for 15 s: given up
    curl_easy_setopt(e.h, CURLOPT_LOW_SPEED_TIME, 15L);
    curl_easy_setopt(e.h, CURLOPT_ERRORBUFFER, e.error);
    if (!ep.user.empty()) {
        curl_easy_setopt(e.h, CURLOPT_USERNAME, ep.user.c_str());
        curl_easy_setopt(e.h, CURLOPT_PASSWORD, ep.password.c_str());
    }
    bool implicit_tls = StartsWith(url, "imaps://") || StartsWith(url, "smtps://");
    if (!implicit_tls && ep.starttls)
        curl_easy_setopt(e.h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
}

Error Failed(const char* what, CURLcode rc, const Easy& e) {
    std::string detail = e.error[0] ? e.error : curl_easy_strerror(rc);
    return {ErrorCode::kUnavailable, what, std::string(what) + ": " + detail};
}

// The mailbox URL without a trailing slash (INBOX when the URL names none).
std::string MailboxUrl(const std::string& url) {
    std::string u = url;
    while (!u.empty() && u.back() == '/') u.pop_back();
    auto scheme_end = u.find("://");
    if (scheme_end == std::string::npos || u.find('/', scheme_end + 3) == std::string::npos) u += "/INBOX";
    return u;
}

std::string MailboxName(const std::string& url) {
    std::string u = MailboxUrl(url);
    auto scheme_end = u.find("://");
    std::string name = u.substr(u.find('/', scheme_end + 3) + 1);
    char* decoded = curl_easy_unescape(nullptr, name.c_str(), static_cast<int>(name.size()), nullptr);
    std::string out = decoded ? decoded : name;
    curl_free(decoded);
    return out;
}

std::string ServerUrl(const std::string& url) {
    std::string u = MailboxUrl(url);
    auto scheme_end = u.find("://");
    return u.substr(0, u.find('/', scheme_end + 3)) + "/";
}

Result<std::string> Imap(const Endpoint& ep, const std::string& url, const std::string& command) {
    InitOnce();
    Easy e;
    if (!e.h) return Error{ErrorCode::kUnavailable, "imap_failed", "imap_failed: no curl handle"};
    std::string body;
    Common(e, ep, url, false);
    curl_easy_setopt(e.h, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(e.h, CURLOPT_WRITEDATA, &body);
    if (!command.empty()) curl_easy_setopt(e.h, CURLOPT_CUSTOMREQUEST, command.c_str());
    CURLcode rc = curl_easy_perform(e.h);
    if (rc != CURLE_OK) return Failed("imap_failed", rc, e);
    return body;
}

}  // namespace

Status ValidateUrl(const std::string& url, bool smtp) {
    static const std::regex imap_re(R"(^imaps?://[A-Za-z0-9.\-\[\]:]+(:[0-9]{1,5})?(/[^\s]*)?$)");
    static const std::regex smtp_re(R"(^smtps?://[A-Za-z0-9.\-\[\]:]+(:[0-9]{1,5})?/?$)");
    if (url.size() > 500 || !std::regex_match(url, smtp ? smtp_re : imap_re))
        return Error::InvalidArgument(
            smtp ? "field 'smtp_url' must be smtp://host[:port] or smtps://host[:port]"
                 : "field 'imap_url' must be imap://host[:port][/mailbox] or imaps://…");
    return {};
}

Status SendMail(const Endpoint& ep, const std::string& envelope_from, const std::vector<std::string>& to,
                const std::string& data) {
    InitOnce();
    Easy e;
    if (!e.h) return Error{ErrorCode::kUnavailable, "smtp_failed", "smtp_failed: no curl handle"};
    Common(e, ep, ep.url, true);
    std::string from = "<" + envelope_from + ">";
    curl_easy_setopt(e.h, CURLOPT_MAIL_FROM, from.c_str());
    for (const auto& r : to) e.rcpt = curl_slist_append(e.rcpt, ("<" + r + ">").c_str());
    curl_easy_setopt(e.h, CURLOPT_MAIL_RCPT, e.rcpt);
    Reader reader{&data};
    curl_easy_setopt(e.h, CURLOPT_READFUNCTION, Feed);
    curl_easy_setopt(e.h, CURLOPT_READDATA, &reader);
    curl_easy_setopt(e.h, CURLOPT_UPLOAD, 1L);
    std::string ignored;
    curl_easy_setopt(e.h, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(e.h, CURLOPT_WRITEDATA, &ignored);
    CURLcode rc = curl_easy_perform(e.h);
    if (rc != CURLE_OK) return Failed("smtp_failed", rc, e);
    return {};
}

Result<ImapStatus> ImapMailboxStatus(const Endpoint& ep) {
    std::string name = MailboxName(ep.url);
    std::string quoted = "\"";
    for (char c : name) {
        if (c == '"' || c == '\\') quoted += '\\';
        if (c != '\r' && c != '\n') quoted += c;
    }
    quoted += '"';
    VECHE_ASSIGN_OR_RETURN(auto body, Imap(ep, ServerUrl(ep.url), "STATUS " + quoted + " (UIDVALIDITY)"));
    static const std::regex re(R"(UIDVALIDITY\s+([0-9]{1,10}))");
    std::smatch m;
    ImapStatus st;
    if (std::regex_search(body, m, re)) st.uid_validity = std::stoull(m[1].str());
    return st;
}

Result<std::vector<std::uint64_t>> ImapUidsAfter(const Endpoint& ep, std::uint64_t after) {
    VECHE_ASSIGN_OR_RETURN(
        auto body, Imap(ep, MailboxUrl(ep.url), "UID SEARCH UID " + std::to_string(after + 1) + ":*"));
    std::vector<std::uint64_t> out;
    std::istringstream lines(body);
    std::string line;
    while (std::getline(lines, line)) {
        if (!StartsWith(line, "* SEARCH")) continue;
        std::istringstream words(line.substr(8));
        std::string w;
        while (words >> w) {
            if (w.empty() || w.size() > 10 || !std::all_of(w.begin(), w.end(), ::isdigit)) continue;
            std::uint64_t uid = std::stoull(w);
            if (uid > after) out.push_back(uid);  // "n:*" names the last message even when below n
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

Result<std::uint64_t> ImapSize(const Endpoint& ep, std::uint64_t uid) {
    VECHE_ASSIGN_OR_RETURN(auto body,
                           Imap(ep, MailboxUrl(ep.url), "UID FETCH " + std::to_string(uid) + " RFC822.SIZE"));
    static const std::regex re(R"(RFC822\.SIZE\s+([0-9]{1,10}))");
    std::smatch m;
    if (std::regex_search(body, m, re)) return static_cast<std::uint64_t>(std::stoull(m[1].str()));
    return std::uint64_t{0};
}

Result<std::string> ImapFetch(const Endpoint& ep, std::uint64_t uid, bool header_only) {
    std::string url = MailboxUrl(ep.url) + "/;UID=" + std::to_string(uid);
    if (header_only) url += "/;SECTION=HEADER";
    return Imap(ep, url, "");
}

}  // namespace veche::mail
