#pragma once
// The desk's email channel (issue 13 §1(b), MODULES.md §2.7 item 2; docs/api.md "Email inboxes";
// docs/operations.md "Support desk mailbox setup"). An inbox becomes an email inbox when a support
// admin gives it a mailbox. Mail comes in through the inbound webhook (a raw RFC 5322 message,
// authenticated by the mailbox's webhook token) and through IMAP polling, a recurring durable job per
// mailbox (kind support.email_poll). Agents' public replies go out through SMTP as durable jobs
// (support.email_send, retried with backoff), and a message over the size limit is refused with a
// bounce (support.email_bounce).
//
// Threading of an inbound message, first match wins:
//   1. "[SUP-000123]" in the subject names that conversation of this inbox, but only when the
//      sender's address is that conversation's contact's; a stranger's number is ignored;
//   2. In-Reply-To, then References (newest first), matching a Message-ID stored for this inbox's
//      messages, again only for a conversation of the sender's own address;
//   3. otherwise a new conversation of the sender's contact (found by address, else created).
// The desk's reopen rules then apply (a resolved conversation within the window reopens; after it
// a new conversation linked to it starts). A message whose Message-ID was already received in this
// inbox is a duplicate and changes nothing (IMAP and the webhook may both deliver it).
//
// Thread-safe; every method blocks (SMTP, IMAP, the database): call from worker or job threads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veche/chat/types.hpp"
#include "veche/core/actor.hpp"
#include "veche/core/error.hpp"
#include "veche/storage/database.hpp"
#include "veche/support/types.hpp"

namespace veche::files {
class FileStore;
}
namespace veche::jobs {
class Scheduler;
struct Job;
}  // namespace veche::jobs
namespace veche::roles {
class RoleService;
}

namespace veche::support {

class SupportDesk;

inline constexpr std::int64_t kDefaultMaxEmailBytes = 10LL * 1024 * 1024;

struct MailboxSettings {
    std::string address;  // the desk's own address: From of replies and bounces
    std::string display_name;
    std::string imap_url;  // "" for none (webhook only)
    std::string imap_user;
    std::optional<std::string> imap_password;  // absent: keep the stored one
    std::string smtp_url;
    std::string smtp_user;
    std::optional<std::string> smtp_password;
    bool starttls = true;
    std::int64_t max_size = kDefaultMaxEmailBytes;
    int poll_interval_s = 60;
    bool rotate_webhook_token = false;
};

// A mailbox as admins read it: no password and no webhook token, only whether they are set.
struct MailboxView {
    Id inbox_id = 0;
    std::string address;
    std::string display_name;
    std::string imap_url;
    std::string imap_user;
    bool imap_password_set = false;
    std::string smtp_url;
    std::string smtp_user;
    bool smtp_password_set = false;
    bool starttls = true;
    std::int64_t max_size = 0;
    int poll_interval_s = 0;
    std::int64_t last_uid = 0;
    std::optional<std::int64_t> last_polled_at;
    std::string last_error;
    std::string webhook_token;  // only in the answer that issued it
};

struct InboundResult {
    Conversation conversation;
    Id message_id = 0;
    bool created = false;    // a new conversation
    bool duplicate = false;  // this Message-ID was already received: nothing changed
};

// The email side of one desk message (GET …/conversations/{id}/email).
struct EmailRecord {
    Id message_id = 0;
    std::string direction;  // incoming | outgoing
    std::string rfc_message_id;
    std::string subject;
    std::string peer;   // the customer's address
    std::string state;  // received | queued | sent | failed
    std::string error;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> sent_at;
};

class EmailChannel {
public:
    // Registers the job kinds and the desk's reply hook.
    EmailChannel(storage::Database& db, roles::RoleService& roles, SupportDesk& desk, files::FileStore& files,
                 jobs::Scheduler& scheduler);

    // support.admin. Makes the inbox an email inbox (or changes its mailbox); a first configuration,
    // or rotate_webhook_token, returns the new webhook token once. Starts polling when imap_url is set.
    Result<MailboxView> Configure(const Actor& actor, Id inbox_id, const MailboxSettings& settings);
    Result<MailboxView> Get(const Actor& actor, Id inbox_id);
    // Polls the mailbox now (the job, due now).
    Status PollNow(const Actor& actor, Id inbox_id);
    // Agents who may see the conversation.
    Result<std::vector<EmailRecord>> Records(const Actor& actor, Id conversation_id);

    // The inbound webhook: the token is the mailbox's. kUnauthenticated for an unknown inbox or a
    // wrong token; kPayloadTooLarge ("email_too_large") over max_size, after queueing a bounce.
    Result<InboundResult> Receive(Id inbox_id, std::string_view token, std::string_view raw);
    // The webhook in two steps, for the streamed upload (email_inbound.hpp): the token checked before
    // the body is read (the mailbox's max_size back), then the message taken as Receive takes it.
    // `raw` may be only the head of a message of `size` bytes over max_size (enough for its bounce).
    Result<std::int64_t> CheckWebhook(Id inbox_id, std::string_view token);
    Result<InboundResult> ReceiveChecked(Id inbox_id, std::string_view raw, std::int64_t size);

    // The jobs' work (public for the handlers; idempotent).
    Status Poll(Id inbox_id);
    Status Send(const jobs::Job& job);
    Status SendBounce(const jobs::Job& job);

    struct Mailbox;  // a support_mailboxes row (email_channel.cpp)

private:
    Result<InboundResult> Ingest(const Mailbox& box, std::string_view raw);
    Status QueueBounce(const Mailbox& box, std::string_view headers, std::int64_t size);
    Status OnReply(storage::Tx& tx, const Conversation& c, const chat::Message& m);

    storage::Database& db_;
    roles::RoleService& roles_;
    SupportDesk& desk_;
    files::FileStore& files_;
    jobs::Scheduler& scheduler_;
};

}  // namespace veche::support
