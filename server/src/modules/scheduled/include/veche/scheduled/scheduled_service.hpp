#pragma once
// Scheduled messages ("send later", as in Slack and Mattermost): a message a user writes now and
// the server posts as that user at send_at. The row lives in `scheduled_messages`; a job of kind
// `scheduled.send` (dedupe key "scheduled:<id>") is created in the same transaction and posts it
// through ChatService::Post, which re-checks the author's permission at that moment.
//
// Exactly-once posting over an at-least-once job: the post carries client_id "scheduled:<id>",
// so a job run again after a crash finds the message it already posted instead of posting twice.
// (One gap: if the author lost access to the chat between that first post and the rerun, the
// rerun reports failed although the message was posted.)
//
// States: pending → sending → sent | failed (failure code and reason kept, shown in GET).
// Thread-safe; call from worker threads. The job handler runs on the scheduler's runner thread.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "veche/accounts/account_service.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/storage/database.hpp"
#include "veche/storage/migration.hpp"

namespace veche::scheduled {

inline constexpr std::string_view kSendKind = "scheduled.send";
inline constexpr std::int64_t kMaxAheadMs = 365LL * 24 * 3600 * 1000;  // send_at at most a year ahead
inline constexpr std::int64_t kMaxPendingPerUser = 1000;

storage::ModuleSchema Schema();  // module "scheduled": the scheduled_messages table

struct ScheduledMessage {
    Id id = 0;
    Id author_id = 0;
    Id chat_id = 0;
    Id thread_root_id = 0;  // 0: not a thread reply
    std::string text;
    std::int64_t send_at = 0;
    std::string state;  // pending | sending | sent | failed
    std::optional<Id> message_id;
    std::optional<std::string> failure_code;
    std::optional<std::string> failure;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::optional<std::int64_t> sent_at;
};

struct ScheduledUpdate {
    std::optional<std::string> text;
    std::optional<std::int64_t> send_at;
};

class ScheduledService {
public:
    ScheduledService(storage::Database& db, chat::ChatService& chats, accounts::AccountService& accounts,
                     jobs::Scheduler& jobs);

    // Registers the `scheduled.send` handler; before jobs.Start().
    void RegisterJobs();

    // The caller must be able to post in the chat now; send_at must be in the future and at most a
    // year ahead (invalid_send_at).
    Result<ScheduledMessage> Create(const chat::Actor& actor, Id chat_id, std::string text,
                                    std::int64_t send_at, Id thread_root_id);
    // The caller's own; `state` filters, unset gives all but the sent ones. Soonest first.
    Result<std::vector<ScheduledMessage>> ListMine(const chat::Actor& actor,
                                                   std::optional<std::string> state);
    // Another user's id is scheduled_message_not_found.
    Result<ScheduledMessage> Get(const chat::Actor& actor, Id id);
    // Only while pending (scheduled_message_not_pending otherwise).
    Result<ScheduledMessage> Update(const chat::Actor& actor, Id id, const ScheduledUpdate& update);
    // Pending, failed or sent (the record only; a sent message stays in the chat); not while sending.
    Status Delete(const chat::Actor& actor, Id id);

    // The job handler: posts the message due in `job`.
    Status Send(const jobs::Job& job);

private:
    Status ValidateSendAt(std::int64_t send_at) const;

    storage::Database& db_;
    chat::ChatService& chats_;
    accounts::AccountService& accounts_;
    jobs::Scheduler& jobs_;
};

boost::json::object ScheduledToJson(const ScheduledMessage& m);

}  // namespace veche::scheduled
