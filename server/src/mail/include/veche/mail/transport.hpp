#pragma once
// IMAP fetching and SMTP sending through libcurl. Every call is blocking, with a connect timeout of
// 10 s and a total timeout of 45 s (less under 1 KB/s); run it on a worker or job thread. Only imap(s):// and
// smtp(s):// URLs are accepted (no other protocol can be reached through a configured URL).
//
// Thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "veche/core/error.hpp"

namespace veche::mail {

struct Endpoint {
    std::string url;  // imap://host:143/INBOX, imaps://host/INBOX, smtp://host:25, smtps://host:465
    std::string user;
    std::string password;
    bool starttls = true;  // plain imap:// and smtp://: require STARTTLS (false: no TLS at all)
};

// Ok when `url` is imap:// or imaps:// (`smtp`: smtp:// or smtps://) with a host.
Status ValidateUrl(const std::string& url, bool smtp);

// Sends `data` (a whole RFC 5322 message) from `envelope_from` ("" for the null sender of bounces)
// to the recipients. kUnavailable ("smtp_failed") with the server's complaint when it fails.
Status SendMail(const Endpoint& smtp, const std::string& envelope_from, const std::vector<std::string>& to,
                const std::string& data);

struct ImapStatus {
    std::uint64_t uid_validity = 0;
};

// The mailbox of the URL (its path, INBOX by default). kUnavailable ("imap_failed") on failure.
Result<ImapStatus> ImapMailboxStatus(const Endpoint& imap);
// UIDs greater than `after`, ascending.
Result<std::vector<std::uint64_t>> ImapUidsAfter(const Endpoint& imap, std::uint64_t after);
// RFC822.SIZE of one message (0 when the server does not say).
Result<std::uint64_t> ImapSize(const Endpoint& imap, std::uint64_t uid);
// The whole message, or only its header block.
Result<std::string> ImapFetch(const Endpoint& imap, std::uint64_t uid, bool header_only);

}  // namespace veche::mail
