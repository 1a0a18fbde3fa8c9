// The email channel (email_channel.hpp): mailbox configuration, ingest and threading, the poll,
// send and bounce jobs.
#include "email_channel.hpp"

#include <spdlog/spdlog.h>

#include "conversation_ops.hpp"
#include "email_subject.hpp"
#include "store.hpp"
#include "veche/audit/audit.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/crypto.hpp"
#include "veche/core/json.hpp"
#include "veche/core/text.hpp"
#include "veche/files/attachments.hpp"
#include "veche/files/file_store.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/mail/mime.hpp"
#include "veche/mail/transport.hpp"
#include "veche/roles/role_service.hpp"
#include "veche/support/desk.hpp"

namespace veche::support {

using storage::Tx;

struct EmailChannel::Mailbox {
    Id inbox_id = 0;
    std::string address;
    std::string display_name;
    mail::Endpoint imap;
    mail::Endpoint smtp;
    std::int64_t max_size = 0;
    int poll_interval_s = 60;
    std::string webhook_token_hash;
    std::int64_t uid_validity = 0;
    std::int64_t last_uid = 0;
    std::optional<std::int64_t> last_polled_at;
    std::string last_error;
    std::int64_t poll_requests = 0;  // counts Configure and PollNow: a poll under way sees it change
};

namespace {

constexpr std::string_view kPollJob = "support.email_poll";
constexpr std::string_view kSendJob = "support.email_send";
constexpr std::string_view kBounceJob = "support.email_bounce";
constexpr std::string_view kTokenPrefix = "mbx_";
constexpr std::size_t kMaxTextChars = 15000;  // below the messenger's 16,000
constexpr std::size_t kMaxAttachments = 50;
constexpr int kMaxPerPoll = 50;
constexpr int kSendAttempts = 8;
// A poll run stops taking messages after this long (the job runner has other work: snoozes, sends);
// the next run then comes at once. Below the jobs' default lease of 60 s.
constexpr std::int64_t kPollBudgetMs = 30'000;

std::string PollKey(Id inbox) { return "support.email_poll." + IdToString(inbox); }

Error Unauthenticated() {
    return {ErrorCode::kUnauthenticated, "webhook_unauthenticated",
            "a valid mailbox webhook token is required"};
}

std::optional<EmailChannel::Mailbox> LoadMailbox(Tx& tx, Id inbox_id) {
    auto& st = tx.Query(
        "SELECT inbox_id, address, display_name, imap_url, imap_user, imap_password, smtp_url, smtp_user, "
        "smtp_password, starttls, max_size, poll_interval_s, webhook_token_hash, uid_validity, last_uid, "
        "last_polled_at, last_error, poll_requests FROM support_mailboxes WHERE inbox_id = ?",
        inbox_id);
    if (!st.Step()) return std::nullopt;
    EmailChannel::Mailbox b;
    b.inbox_id = st.Int(0);
    b.address = st.Text(1);
    b.display_name = st.Text(2);
    b.imap = {st.Text(3), st.Text(4), st.Text(5), st.Int(9) != 0};
    b.smtp = {st.Text(6), st.Text(7), st.Text(8), st.Int(9) != 0};
    b.max_size = st.Int(10);
    b.poll_interval_s = static_cast<int>(st.Int(11));
    b.webhook_token_hash = st.Text(12);
    b.uid_validity = st.Int(13);
    b.last_uid = st.Int(14);
    b.last_polled_at = st.OptInt(15);
    b.last_error = st.Text(16);
    b.poll_requests = st.Int(17);
    while (st.Step()) {
    }
    return b;
}

MailboxView ViewOf(const EmailChannel::Mailbox& b) {
    MailboxView v;
    v.inbox_id = b.inbox_id;
    v.address = b.address;
    v.display_name = b.display_name;
    v.imap_url = b.imap.url;
    v.imap_user = b.imap.user;
    v.imap_password_set = !b.imap.password.empty();
    v.smtp_url = b.smtp.url;
    v.smtp_user = b.smtp.user;
    v.smtp_password_set = !b.smtp.password.empty();
    v.starttls = b.imap.starttls;
    v.max_size = b.max_size;
    v.poll_interval_s = b.poll_interval_s;
    v.last_uid = b.last_uid;
    v.last_polled_at = b.last_polled_at;
    v.last_error = b.last_error;
    return v;
}

// The first `max` code points of valid UTF-8 text; `cut` says whether anything was left out.
std::string Truncate(const std::string& s, std::size_t max, bool& cut) {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
            if (chars == max) {
                cut = true;
                return s.substr(0, i);
            }
            ++chars;
        }
    }
    cut = false;
    return s;
}

bool SameAddress(const std::string& a, const std::string& b) {
    return !a.empty() && text::ToLowerAscii(a) == text::ToLowerAscii(b);
}

// Whether the address is the contact's: its own, or one it gathered by merging another contact
// (contacts.cpp keeps the mergee's address as an identity of the target).
bool AddressOf(Tx& tx, const Contact& contact, const std::string& sender) {
    if (SameAddress(contact.email, sender)) return true;
    if (sender.empty()) return false;
    return tx
        .QueryInt(
            "SELECT 1 FROM support_contact_identities WHERE contact_id = ? AND kind = 'email' AND "
            "LOWER(value) = ?",
            contact.id, text::ToLowerAscii(sender))
        .has_value();
}

// A conversation of this inbox for the sender: the number's or a Message-ID's, when the sender's
// address is its contact's.
std::optional<Conversation> Owned(Tx& tx, std::optional<Conversation> c, Id inbox_id,
                                  const std::string& sender) {
    if (!c || c->inbox_id != inbox_id) return std::nullopt;
    auto contact = LoadContact(tx, c->contact_id);
    if (!contact || !AddressOf(tx, *contact, sender)) return std::nullopt;
    return c;
}

// The sender's contact in this inbox: the one with the address, or the contact it was merged into
// (merges keep merged_into pointing at the final target), or one that gathered the address in a merge.
std::optional<Id> ContactOfSender(Tx& tx, Id inbox_id, const std::string& sender) {
    std::string address = text::ToLowerAscii(sender);
    if (auto id = tx.QueryInt("SELECT COALESCE(merged_into, id) FROM support_contacts WHERE inbox_id = ? AND "
                              "LOWER(email) = ? ORDER BY merged_into IS NOT NULL, id LIMIT 1",
                              inbox_id, address))
        return id;
    return tx.QueryInt(
        "SELECT i.contact_id FROM support_contact_identities i JOIN support_contacts k ON "
        "k.id = i.contact_id WHERE i.inbox_id = ? AND i.kind = 'email' AND LOWER(i.value) = ? AND "
        "k.merged_into IS NULL ORDER BY i.added_at, i.contact_id LIMIT 1",
        inbox_id, address);
}

std::optional<Conversation> ByMessageId(Tx& tx, Id inbox_id, const std::string& rfc_id) {
    if (rfc_id.empty()) return std::nullopt;
    auto id = tx.QueryInt(
        "SELECT conversation_id FROM support_email_messages WHERE inbox_id = ? AND rfc_message_id = ? ORDER "
        "BY "
        "message_id LIMIT 1",
        inbox_id, rfc_id);
    if (!id) return std::nullopt;
    return LoadConversation(tx, *id);
}

std::optional<Conversation> ByNumber(Tx& tx, std::int64_t number) {
    auto id = tx.QueryInt("SELECT id FROM support_conversations WHERE number = ?", number);
    if (!id) return std::nullopt;
    return LoadConversation(tx, *id);
}

struct StoredUpload {
    std::unique_ptr<files::Upload> upload;
    files::StoredFile stored;
    std::string name;
};

Status Audit(Tx& tx, Id actor, std::string action, Id target, boost::json::object data = {}) {
    return audit::Record(tx,
                         {actor, "", std::move(action), "support_inbox", target, json::Serialize(data), 0});
}

}  // namespace

EmailChannel::EmailChannel(storage::Database& db, roles::RoleService& roles, SupportDesk& desk,
                           files::FileStore& files, jobs::Scheduler& scheduler)
    : db_(db), roles_(roles), desk_(desk), files_(files), scheduler_(scheduler) {
    scheduler_.Register(std::string(kPollJob), [this](const jobs::Job& job) -> Status {
        VECHE_ASSIGN_OR_RETURN(auto payload, json::ParseObject(job.payload));
        VECHE_ASSIGN_OR_RETURN(Id inbox, json::ReqId(payload, "inbox_id"));
        return Poll(inbox);
    });
    scheduler_.Register(std::string(kSendJob), [this](const jobs::Job& job) { return Send(job); });
    scheduler_.Register(std::string(kBounceJob), [this](const jobs::Job& job) { return SendBounce(job); });
    desk_.SetReplyHook(
        [this](Tx& tx, const Conversation& c, const chat::Message& m) { return OnReply(tx, c, m); });
}

Result<MailboxView> EmailChannel::Configure(const Actor& actor, Id inbox_id, const MailboxSettings& s) {
    auto configured = db_.Write([&](Tx& tx) -> Result<MailboxView> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        auto inbox = LoadInbox(tx, inbox_id);
        if (!inbox) return Error::NotFound("inbox");
        if (inbox->channel == "widget")
            return Error::Conflict("wrong_channel", "a widget inbox cannot become an email inbox");
        auto old = LoadMailbox(tx, inbox_id);
        std::string token;
        std::string token_hash = old ? old->webhook_token_hash : "";
        if (!old || s.rotate_webhook_token) {
            token = std::string(kTokenPrefix) + crypto::RandomToken(32);
            token_hash = crypto::Sha256Hex(token);
        }
        std::string imap_password = s.imap_password ? *s.imap_password : old ? old->imap.password : "";
        std::string smtp_password = s.smtp_password ? *s.smtp_password : old ? old->smtp.password : "";
        std::int64_t now = NowMs();
        if (old) {
            // A new IMAP server or mailbox starts from its first message again (duplicates are skipped by
            // Message-ID).
            bool moved = old->imap.url != s.imap_url || old->imap.user != s.imap_user;
            tx.Exec(
                "UPDATE support_mailboxes SET address = ?, display_name = ?, imap_url = ?, imap_user = ?, "
                "imap_password = ?, smtp_url = ?, smtp_user = ?, smtp_password = ?, starttls = ?, max_size = "
                "?, "
                "poll_interval_s = ?, webhook_token_hash = ?, uid_validity = ?, last_uid = ?, "
                "poll_requests = poll_requests + 1, updated_at = ? WHERE inbox_id = ?",
                s.address, s.display_name, s.imap_url, s.imap_user, imap_password, s.smtp_url, s.smtp_user,
                smtp_password, s.starttls, s.max_size, s.poll_interval_s, token_hash,
                moved ? std::int64_t{0} : old->uid_validity, moved ? std::int64_t{0} : old->last_uid, now,
                inbox_id);
        } else {
            tx.Exec(
                "INSERT INTO support_mailboxes(inbox_id, address, display_name, imap_url, imap_user, "
                "imap_password, "
                "smtp_url, smtp_user, smtp_password, starttls, max_size, poll_interval_s, "
                "webhook_token_hash, "
                "uid_validity, last_uid, last_error, poll_requests, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?, ?, ?, "
                "?, 0, 0, '', 1, ?)",
                inbox_id, s.address, s.display_name, s.imap_url, s.imap_user, imap_password, s.smtp_url,
                s.smtp_user, smtp_password, s.starttls, s.max_size, s.poll_interval_s, token_hash, now);
        }
        if (!s.imap_url.empty()) {
            boost::json::object payload{{"inbox_id", IdToString(inbox_id)}};
            jobs::ScheduleOptions o;
            o.dedupe_key = PollKey(inbox_id);
            VECHE_RETURN_IF_ERROR(scheduler_.Schedule(tx, kPollJob, json::Serialize(payload), now, o));
        } else {
            scheduler_.Cancel(tx, PollKey(inbox_id));
        }
        VECHE_RETURN_IF_ERROR(Audit(tx, actor.user_id, "support.mailbox_configured", inbox_id,
                                    {{"address", s.address},
                                     {"imap", !s.imap_url.empty()},
                                     {"webhook_token_rotated", !token.empty()}}));
        MailboxView v = ViewOf(*LoadMailbox(tx, inbox_id));
        v.webhook_token = token;
        return v;
    });
    if (configured.ok()) scheduler_.Wake();  // the first poll is due now, and committed
    return configured;
}

Result<MailboxView> EmailChannel::Get(const Actor& actor, Id inbox_id) {
    return db_.Read([&](Tx& tx) -> Result<MailboxView> {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        auto box = LoadMailbox(tx, inbox_id);
        if (!box) return Error::NotFound("mailbox");
        return ViewOf(*box);
    });
}

Status EmailChannel::PollNow(const Actor& actor, Id inbox_id) {
    Status scheduled = db_.Write([&](Tx& tx) -> Status {
        VECHE_RETURN_IF_ERROR(RequireAdmin(tx, roles_, actor.user_id));
        auto box = LoadMailbox(tx, inbox_id);
        if (!box) return Error::NotFound("mailbox");
        if (box->imap.url.empty())
            return Error::Conflict("no_imap", "the mailbox has no IMAP server to poll");
        tx.Exec("UPDATE support_mailboxes SET poll_requests = poll_requests + 1 WHERE inbox_id = ?",
                inbox_id);
        boost::json::object payload{{"inbox_id", IdToString(inbox_id)}};
        jobs::ScheduleOptions o;
        o.dedupe_key = PollKey(inbox_id);
        return scheduler_.Schedule(tx, kPollJob, json::Serialize(payload), NowMs(), o).ok()
                   ? Status{}
                   : Status(Error::Internal("cannot schedule the poll"));
    });
    if (!scheduled.ok()) return scheduled;
    scheduler_.Wake();
    return {};
}

Result<std::vector<EmailRecord>> EmailChannel::Records(const Actor& actor, Id conversation_id) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<EmailRecord>> {
        VECHE_ASSIGN_OR_RETURN(auto viewer, ViewerOf(tx, roles_, actor.user_id));
        auto c = LoadConversation(tx, conversation_id);
        if (!c || !CanSee(viewer, *c)) return Error::NotFound("conversation");
        std::vector<EmailRecord> out;
        auto& st = tx.Query(
            "SELECT message_id, direction, rfc_message_id, subject, peer, state, error, created_at, sent_at "
            "FROM "
            "support_email_messages WHERE conversation_id = ? ORDER BY message_id",
            conversation_id);
        while (st.Step())
            out.push_back({st.Int(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4), st.Text(5), st.Text(6),
                           st.Int(7), st.OptInt(8)});
        return out;
    });
}

Result<InboundResult> EmailChannel::Receive(Id inbox_id, std::string_view token, std::string_view raw) {
    VECHE_RETURN_IF_ERROR(CheckWebhook(inbox_id, token));
    return ReceiveChecked(inbox_id, raw, static_cast<std::int64_t>(raw.size()));
}

Result<std::int64_t> EmailChannel::CheckWebhook(Id inbox_id, std::string_view token) {
    return db_.Read([&](Tx& tx) -> Result<std::int64_t> {
        auto b = LoadMailbox(tx, inbox_id);
        if (!b || token.empty() ||
            !crypto::ConstantTimeEqual(crypto::Sha256Hex(token), b->webhook_token_hash))
            return Unauthenticated();
        return b->max_size;
    });
}

Result<InboundResult> EmailChannel::ReceiveChecked(Id inbox_id, std::string_view raw, std::int64_t size) {
    VECHE_ASSIGN_OR_RETURN(auto box, db_.Read([&](Tx& tx) -> Result<Mailbox> {
        auto b = LoadMailbox(tx, inbox_id);
        if (!b) return Unauthenticated();
        return *b;
    }));
    if (size > box.max_size) {
        VECHE_RETURN_IF_ERROR(QueueBounce(box, raw, size));
        return Error{ErrorCode::kPayloadTooLarge, "email_too_large",
                     "the message is over the mailbox's size limit; its sender gets a bounce (when the "
                     "mailbox has SMTP)"};
    }
    return Ingest(box, raw);
}

Status EmailChannel::QueueBounce(const Mailbox& box, std::string_view raw, std::int64_t size) {
    auto head = mail::ParseHeaders(raw);
    if (!head.ok() || head->from_address.empty() || head->auto_submitted ||
        SameAddress(head->from_address, box.address) || head->from_address.rfind("mailer-daemon@", 0) == 0 ||
        head->from_address.rfind("postmaster@", 0) == 0) {
        spdlog::warn(
            "support: an oversized email to inbox {} was refused without a bounce (no usable sender)",
            box.inbox_id);
        return {};
    }
    spdlog::info("support: an email of {} bytes to inbox {} is over its limit of {}: bounced", size,
                 box.inbox_id, box.max_size);
    boost::json::object payload{{"inbox_id", IdToString(box.inbox_id)},
                                {"to", head->from_address},
                                {"subject", head->subject},
                                {"message_id", head->message_id},
                                {"size", size}};
    std::string text = json::Serialize(payload);
    if (text.size() > jobs::kMaxPayloadBytes / 2) {
        payload["subject"] = "";
        text = json::Serialize(payload);
    }
    Status queued = db_.Write([&](Tx& tx) -> Status {
        auto id = scheduler_.Schedule(tx, kBounceJob, text, NowMs());
        return id.ok() ? Status{} : Status(id.error());
    });
    if (!queued.ok()) return queued;
    scheduler_.Wake();
    return {};
}

Result<InboundResult> EmailChannel::Ingest(const Mailbox& box, std::string_view raw) {
    VECHE_ASSIGN_OR_RETURN(auto parsed, mail::Parse(raw));
    for (const auto& note : parsed.notes)
        spdlog::info("support: inbound email to inbox {}: {}", box.inbox_id, note);
    if (parsed.from_address.empty())
        return Error{ErrorCode::kInvalidArgument, "bad_email", "the message has no sender address (From)"};
    if (SameAddress(parsed.from_address, box.address))
        return Error{ErrorCode::kInvalidArgument, "own_email",
                     "the message comes from the desk's own address"};
    bool subject_cut = false;
    parsed.subject = Truncate(parsed.subject, 1000, subject_cut);
    if (parsed.message_id.size() > 900)
        parsed.message_id = crypto::Sha256Hex(parsed.message_id) + "@long-message-id.invalid";
    if (parsed.message_id.empty())
        parsed.message_id = crypto::Sha256Hex(raw).substr(0, 40) + "@no-message-id.invalid";

    // The message's text: a long one is cut and kept whole as a text attachment.
    bool cut = false;
    std::string body = Truncate(parsed.text, kMaxTextChars, cut);
    std::vector<mail::Attachment> attachments = std::move(parsed.attachments);
    if (cut) attachments.insert(attachments.begin(), {"message.txt", "text/plain", parsed.text});
    if (attachments.size() > kMaxAttachments) {
        spdlog::warn("support: inbound email to inbox {} has {} attachments; the first {} are kept",
                     box.inbox_id, attachments.size(), kMaxAttachments);
        attachments.resize(kMaxAttachments);
    }
    if (cut) body += "\n\n[…] (полный текст — во вложении message.txt)";
    if (body.empty())
        body = attachments.empty()
                   ? "(пустое письмо)"
                   : "(письмо без текста, вложений: " + std::to_string(attachments.size()) + ")";

    // A duplicate changes nothing: found before any byte is stored (and again in the transaction).
    VECHE_ASSIGN_OR_RETURN(auto seen, db_.Read([&](Tx& tx) -> Result<std::optional<Id>> {
        return tx.QueryInt(
            "SELECT conversation_id FROM support_email_messages WHERE inbox_id = ? AND rfc_message_id = ? "
            "AND "
            "direction = 'incoming'",
            box.inbox_id, parsed.message_id);
    }));
    if (seen) {
        VECHE_ASSIGN_OR_RETURN(auto known, db_.Read([&](Tx& tx) -> Result<Conversation> {
            auto c = LoadConversation(tx, *seen);
            if (!c) return Error::NotFound("conversation");
            return *c;
        }));
        return InboundResult{std::move(known), 0, false, true};
    }

    // The attachments' bytes first, outside the transaction (content-addressed: a rollback leaves
    // only unreferenced bytes, which the store's cleanup removes).
    std::vector<StoredUpload> uploads;
    for (std::size_t i = 0; i < attachments.size(); ++i) {
        auto& a = attachments[i];
        VECHE_ASSIGN_OR_RETURN(auto upload, files_.BeginUpload());
        VECHE_RETURN_IF_ERROR(upload->Write(a.data.data(), a.data.size()));
        VECHE_ASSIGN_OR_RETURN(auto stored, files_.Finish(*upload));
        std::string name = a.filename.empty() ? "attachment-" + std::to_string(i + 1) : a.filename;
        uploads.push_back({std::move(upload), std::move(stored), files::SafeFilename(name)});
    }

    VECHE_ASSIGN_OR_RETURN(Id bot, desk_.Bot());
    VECHE_ASSIGN_OR_RETURN(auto result, db_.Write([&](Tx& tx) -> Result<InboundResult> {
        InboundResult out;
        auto inbox = LoadInbox(tx, box.inbox_id);
        if (!inbox) return Error::NotFound("inbox");
        if (auto dup = tx.QueryInt("SELECT conversation_id FROM support_email_messages WHERE inbox_id = ? "
                                   "AND rfc_message_id = ? AND "
                                   "direction = 'incoming'",
                                   box.inbox_id, parsed.message_id)) {
            out.conversation = *LoadConversation(tx, *dup);
            out.duplicate = true;
            return out;
        }
        const std::string& sender = parsed.from_address;
        // Threading (email_channel.hpp): the number for its own contact, then the Message-IDs.
        std::optional<Conversation> target;
        if (auto number = NumberInSubject(parsed.subject))
            target = Owned(tx, ByNumber(tx, *number), inbox->id, sender);
        if (!target) target = Owned(tx, ByMessageId(tx, inbox->id, parsed.in_reply_to), inbox->id, sender);
        for (auto it = parsed.references.rbegin(); !target && it != parsed.references.rend(); ++it)
            target = Owned(tx, ByMessageId(tx, inbox->id, *it), inbox->id, sender);

        Contact contact;
        if (target) {
            contact = *LoadContact(tx, target->contact_id);
        } else if (auto id = ContactOfSender(tx, inbox->id, sender)) {
            contact = *LoadContact(tx, *id);
        } else {
            contact.id = GlobalIds().Next();
            contact.inbox_id = inbox->id;
            contact.name = parsed.from_name;
            contact.email = sender;
            contact.created_at = NowMs();
            tx.Exec(
                "INSERT INTO support_contacts(id, inbox_id, name, email, verified, created_at) VALUES (?, ?, "
                "?, ?, 0, ?)",
                contact.id, contact.inbox_id, contact.name, contact.email, contact.created_at);
        }
        Assigner assigner(roles_, bot);
        chat::Message m;
        if (target && (target->status != "resolved" || WithinReopenWindow(*target, *inbox, NowMs()))) {
            VECHE_ASSIGN_OR_RETURN(m, AddIncoming(tx, assigner, bot, *target, body));
            out.conversation = *LoadConversation(tx, target->id);
        } else {
            std::optional<Id> previous = target ? std::optional<Id>(target->id) : std::nullopt;
            std::string first = parsed.subject.empty() ? body : "Тема: " + parsed.subject + "\n\n" + body;
            bool first_cut = false;
            first = Truncate(first, kMaxTextChars + 1000, first_cut);
            VECHE_ASSIGN_OR_RETURN(auto started, StartConversation(tx, assigner, bot, *inbox, contact,
                                                                   std::nullopt, first, previous));
            m = std::move(started.message);
            out.conversation = std::move(started.conversation);
            out.created = true;
        }
        out.message_id = m.id;
        for (const auto& u : uploads) {
            files::LockContentHash(tx, u.stored.sha256);
            tx.Exec(
                "INSERT INTO files(id, owner_kind, owner_id, chat_id, uploader_id, message_id, name, size, "
                "content_type, sha256, width, height, has_thumbnail, created_at) VALUES (?, 'chat', ?, ?, ?, "
                "?, ?, ?, "
                "?, ?, ?, ?, ?, ?)",
                GlobalIds().Next(), out.conversation.chat_id, out.conversation.chat_id, bot, m.id, u.name,
                static_cast<std::int64_t>(u.stored.size), u.stored.content_type, u.stored.sha256,
                u.stored.width, u.stored.height, u.stored.has_thumbnail, m.created_at);
        }
        tx.Exec(
            "INSERT INTO support_email_messages(message_id, conversation_id, inbox_id, direction, "
            "rfc_message_id, "
            "subject, peer, state, error, created_at) VALUES (?, ?, ?, 'incoming', ?, ?, ?, 'received', '', "
            "?)",
            m.id, out.conversation.id, inbox->id, parsed.message_id, parsed.subject, sender, m.created_at);
        return out;
    }));
    if (!result.duplicate)
        for (auto& u : uploads) VECHE_RETURN_IF_ERROR(files_.EnsureStored(*u.upload, u.stored));
    return result;
}

Status EmailChannel::OnReply(Tx& tx, const Conversation& c, const chat::Message& m) {
    auto box = LoadMailbox(tx, c.inbox_id);
    if (!box) return {};  // not an email inbox
    auto contact = LoadContact(tx, c.contact_id);
    std::string peer = contact ? contact->email : "";
    std::string rfc_id = mail::NewMessageId(mail::DomainOf(box->address));
    auto first_subject = [&]() -> std::string {
        auto& st = tx.Query(
            "SELECT subject FROM support_email_messages WHERE conversation_id = ? ORDER BY message_id LIMIT "
            "1",
            c.id);
        std::string s = st.Step() ? st.Text(0) : "";
        while (st.Step()) {
        }
        return s;
    }();
    std::string base = BaseSubject(first_subject);
    std::string subject = (base.empty() ? "Re: " : "Re: " + base + " ") + "[" + NumberText(c.number) + "]";
    bool sendable = !peer.empty() && !box->smtp.url.empty();
    tx.Exec(
        "INSERT INTO support_email_messages(message_id, conversation_id, inbox_id, direction, "
        "rfc_message_id, subject, "
        "peer, state, error, created_at) VALUES (?, ?, ?, 'outgoing', ?, ?, ?, ?, ?, ?)",
        m.id, c.id, c.inbox_id, rfc_id, subject, peer, sendable ? "queued" : "failed",
        sendable       ? ""
        : peer.empty() ? "the contact has no email address"
                       : "the mailbox has no SMTP server",
        m.created_at);
    if (!sendable) return {};
    boost::json::object payload{{"message_id", IdToString(m.id)}};
    jobs::ScheduleOptions o;
    o.dedupe_key = "support.email_send." + IdToString(m.id);
    o.max_attempts = kSendAttempts;
    auto id = scheduler_.Schedule(tx, kSendJob, json::Serialize(payload), NowMs(), o);
    return id.ok() ? Status{} : Status(id.error());
}

Status EmailChannel::Send(const jobs::Job& job) {
    VECHE_ASSIGN_OR_RETURN(auto payload, json::ParseObject(job.payload));
    VECHE_ASSIGN_OR_RETURN(Id message_id, json::ReqId(payload, "message_id"));
    struct Out {
        Mailbox box;
        mail::OutgoingMail mail;
        bool skip = false;
    };
    VECHE_ASSIGN_OR_RETURN(Id bot, desk_.Bot());
    VECHE_ASSIGN_OR_RETURN(auto out, db_.Read([&](Tx& tx) -> Result<Out> {
        Out o;
        auto& st = tx.Query(
            "SELECT conversation_id, inbox_id, rfc_message_id, subject, peer, state FROM "
            "support_email_messages WHERE "
            "message_id = ? AND direction = 'outgoing'",
            message_id);
        if (!st.Step()) {
            o.skip = true;
            return o;
        }
        Id conversation_id = st.Int(0);
        Id inbox_id = st.Int(1);
        o.mail.message_id = st.Text(2);
        o.mail.subject = st.Text(3);
        o.mail.to_address = st.Text(4);
        std::string state = st.Text(5);
        while (st.Step()) {
        }
        auto box = LoadMailbox(tx, inbox_id);
        auto c = LoadConversation(tx, conversation_id);
        if (state == "sent" || !box || !c) {
            o.skip = true;
            return o;
        }
        o.box = *box;
        auto contact = LoadContact(tx, c->contact_id);
        o.mail.to_name = contact ? contact->name : "";
        o.mail.from_address = box->address;
        o.mail.from_name = box->display_name;
        // Threading: every earlier email of the conversation in References, the latest one the customer sent
        // (else the latest of ours) in In-Reply-To.
        auto& refs = tx.Query(
            "SELECT rfc_message_id, direction FROM support_email_messages WHERE conversation_id = ? AND "
            "message_id < ? "
            "ORDER BY message_id",
            conversation_id, message_id);
        std::string last_incoming;
        while (refs.Step()) {
            o.mail.references.push_back(refs.Text(0));
            if (refs.Text(1) == "incoming") last_incoming = refs.Text(0);
        }
        if (o.mail.references.size() > 20)
            o.mail.references.erase(o.mail.references.begin() + 1, o.mail.references.end() - 19);
        o.mail.in_reply_to = !last_incoming.empty()       ? last_incoming
                             : !o.mail.references.empty() ? o.mail.references.back()
                                                          : "";
        return o;
    }));
    if (out.skip) return {};
    auto message = desk_.chats_.GetMessage(Actor{bot, false, false}, message_id);
    if (!message.ok() || message->deleted) {
        return db_.Write([&](Tx& tx) -> Status {
            tx.Exec("UPDATE support_email_messages SET state = 'failed', error = ? WHERE message_id = ?",
                    "the reply was deleted before it was sent", message_id);
            return {};
        });
    }
    out.mail.text = message->text;
    std::string data = mail::Compose(out.mail);
    Status sent = mail::SendMail(out.box.smtp, out.box.address, {out.mail.to_address}, data);
    bool last = job.attempts >= job.max_attempts;
    Status recorded = db_.Write([&](Tx& tx) -> Status {
        if (sent.ok())
            tx.Exec(
                "UPDATE support_email_messages SET state = 'sent', error = '', sent_at = ? WHERE message_id "
                "= ?",
                NowMs(), message_id);
        else
            tx.Exec("UPDATE support_email_messages SET state = ?, error = ? WHERE message_id = ?",
                    last ? "failed" : "queued", sent.error().message, message_id);
        return {};
    });
    if (!recorded.ok()) return recorded;
    if (!sent.ok())
        spdlog::warn("support: reply {} not sent (attempt {}): {}", message_id, job.attempts,
                     sent.error().message);
    return sent;
}

Status EmailChannel::SendBounce(const jobs::Job& job) {
    VECHE_ASSIGN_OR_RETURN(auto payload, json::ParseObject(job.payload));
    VECHE_ASSIGN_OR_RETURN(Id inbox_id, json::ReqId(payload, "inbox_id"));
    VECHE_ASSIGN_OR_RETURN(auto to, json::ReqString(payload, "to", {400, 1}));
    VECHE_ASSIGN_OR_RETURN(auto subject, json::OptString(payload, "subject", {100000, 0}));
    VECHE_ASSIGN_OR_RETURN(auto original_id, json::OptString(payload, "message_id", {2000, 0}));
    VECHE_ASSIGN_OR_RETURN(auto size, json::OptInt(payload, "size", 0, INT64_MAX));
    auto box = db_.Read([&](Tx& tx) -> Result<Mailbox> {
        auto b = LoadMailbox(tx, inbox_id);
        if (!b) return Error::NotFound("mailbox");
        return *b;
    });
    if (!box.ok() || box->smtp.url.empty()) return {};  // nothing to send with: dropped (logged at refusal)
    mail::OutgoingMail m;
    m.from_address = box->address;
    m.from_name = box->display_name;
    m.to_address = to;
    m.message_id = mail::NewMessageId(mail::DomainOf(box->address));
    m.in_reply_to = original_id.value_or("");
    if (!m.in_reply_to.empty()) m.references = {m.in_reply_to};
    m.subject = "Письмо не доставлено / Undelivered: " + subject.value_or("");
    m.auto_submitted = true;
    std::string limit_mb = std::to_string(box->max_size / (1024 * 1024));
    m.text = "Ваше письмо не принято: его размер (" + std::to_string(size.value_or(0)) +
             " байт) больше допустимого для этого адреса (" + std::to_string(box->max_size) +
             " байт). Отправьте его меньшего размера, например без больших вложений.\n\n"
             "Your message was not accepted: its size (" +
             std::to_string(size.value_or(0)) + " bytes) is over this address's limit (" +
             std::to_string(box->max_size) + " bytes, about " + limit_mb +
             " MB). Please send it again without large attachments.\n";
    // The null envelope sender: a bounce is never bounced back (RFC 5321 §4.5.5).
    return mail::SendMail(box->smtp, "", {to}, mail::Compose(m));
}

Status EmailChannel::Poll(Id inbox_id) {
    auto loaded = db_.Read([&](Tx& tx) -> Result<Mailbox> {
        auto b = LoadMailbox(tx, inbox_id);
        if (!b) return Error::NotFound("mailbox");
        return *b;
    });
    if (!loaded.ok() || loaded->imap.url.empty()) return {};  // no longer polled: the job ends
    Mailbox box = std::move(*loaded);
    std::string error;
    int taken = 0;
    bool more = false;  // messages left for the next run
    const std::int64_t started = NowMs();
    auto status = mail::ImapMailboxStatus(box.imap);
    if (!status.ok()) {
        error = status.error().message;
    } else {
        auto validity = static_cast<std::int64_t>(status->uid_validity);
        if (validity != box.uid_validity) box.last_uid = 0;  // the mailbox was recreated: its UIDs start over
        box.uid_validity = validity;
        auto uids = mail::ImapUidsAfter(box.imap, static_cast<std::uint64_t>(box.last_uid));
        if (!uids.ok()) error = uids.error().message;
        for (std::uint64_t uid : uids.ok() ? *uids : std::vector<std::uint64_t>{}) {
            if (taken++ >= kMaxPerPoll || NowMs() - started > kPollBudgetMs) {
                more = true;
                break;
            }
            auto size = mail::ImapSize(box.imap, uid);
            if (!size.ok()) {
                error = size.error().message;
                break;
            }
            if (static_cast<std::int64_t>(*size) > box.max_size) {
                auto head = mail::ImapFetch(box.imap, uid, true);
                if (!head.ok()) {
                    error = head.error().message;
                    break;
                }
                auto st = QueueBounce(box, *head, static_cast<std::int64_t>(*size));
                if (!st.ok()) {
                    error = st.error().message;
                    break;
                }
            } else {
                auto raw = mail::ImapFetch(box.imap, uid, false);
                if (!raw.ok()) {
                    error = raw.error().message;
                    break;
                }
                auto got =
                    static_cast<std::int64_t>(raw->size()) > box.max_size
                        ? Result<InboundResult>(Error{ErrorCode::kPayloadTooLarge, "email_too_large", ""})
                        : Ingest(box, *raw);
                if (!got.ok() && got.error().code == ErrorCode::kPayloadTooLarge)
                    (void)QueueBounce(box, *raw, static_cast<std::int64_t>(raw->size()));
                if (!got.ok() && got.error().code != ErrorCode::kInvalidArgument &&
                    got.error().code != ErrorCode::kPayloadTooLarge) {
                    error = got.error().message;  // storage or the database: retried at the next poll
                    break;
                }
                if (!got.ok())
                    spdlog::warn("support: email UID {} of inbox {} not taken: {}", uid, inbox_id,
                                 got.error().message);
            }
            box.last_uid = static_cast<std::int64_t>(uid);
            auto saved = db_.Write([&](Tx& tx) -> Status {
                tx.Exec("UPDATE support_mailboxes SET uid_validity = ?, last_uid = ? WHERE inbox_id = ?",
                        box.uid_validity, box.last_uid, inbox_id);
                return {};
            });
            if (!saved.ok()) return saved;
        }
    }
    if (!error.empty()) spdlog::warn("support: polling the mailbox of inbox {}: {}", inbox_id, error);
    // The next poll, in the same transaction as this one's outcome (unless the mailbox was changed
    // meanwhile: then Configure scheduled it already).
    return db_.Write([&](Tx& tx) -> Status {
        std::int64_t now = NowMs();
        tx.Exec(
            "UPDATE support_mailboxes SET uid_validity = ?, last_polled_at = ?, last_error = ? WHERE "
            "inbox_id = ?",
            box.uid_validity, now, error, inbox_id);
        auto current = LoadMailbox(tx, inbox_id);
        if (!current || current->imap.url.empty()) return {};
        boost::json::object payload{{"inbox_id", IdToString(inbox_id)}};
        jobs::ScheduleOptions o;
        o.dedupe_key = PollKey(inbox_id);
        // More waiting than one run takes, or a poll asked for (or the settings changed) while this one
        // ran: the next run comes at once.
        bool asked = current->poll_requests != box.poll_requests;
        std::int64_t due =
            more || asked ? now : now + static_cast<std::int64_t>(current->poll_interval_s) * 1000;
        auto id = scheduler_.Schedule(tx, kPollJob, json::Serialize(payload), due, o);
        return id.ok() ? Status{} : Status(id.error());
    });
}

}  // namespace veche::support
