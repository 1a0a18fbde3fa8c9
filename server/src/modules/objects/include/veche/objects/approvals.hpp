#pragma once
// Approval routes over a document version (CTX-6). A route has steps with order numbers: the
// lowest order runs first, equal orders run together (they are one step here: participants of the
// same order share one rule). A step's rule is all, any or n_of_m; when it is met the step is
// approved, its remaining tasks become not_required and the next order starts. A reject stops the
// route (later steps are never notified). A new version of the document supersedes a pending
// route; its decisions stay bound to the old version and hash. The deadline (working days on the
// business calendar by default) and a reminder a day before it are durable jobs.
//
// Signatures: a decision on a route that requires them stores an Ed25519 signature (veche/signing)
// over the canonical statement {approval_id, comment_sha256, decision, document_version_id,
// file_sha256, signed_at, signer_id}; Verify re-reads the stored file's bytes, so a changed file
// is `hash_mismatch`.
//
// Thread-safe; synchronous, for worker threads.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "veche/core/actor.hpp"
#include "veche/objects/documents.hpp"
#include "veche/storage/database.hpp"

namespace veche::calendar {
class CalendarService;
}
namespace veche::files {
class FileStore;
}
namespace veche::jobs {
class Scheduler;
}
namespace veche::signing {
class SigningService;
}

namespace veche::objects {

struct ApprovalTask {
    Id user_id = 0;
    // waiting (step not started) | pending | approved | approved_with_remarks | rejected |
    // not_required | expired | superseded | cancelled
    std::string state;
    std::string comment;
    std::optional<std::int64_t> decided_at;
    Id signature_id = 0;
};

struct ApprovalStep {
    Id id = 0;
    int order = 0;
    std::string rule;  // all | any | n_of_m
    int required = 0;  // approvals that complete the step
    std::string state;  // waiting | active | approved | rejected | closed
    std::optional<std::int64_t> started_at;
    std::optional<std::int64_t> finished_at;
    std::vector<ApprovalTask> tasks;
};

struct Approval {
    Id id = 0;
    Id object_id = 0;
    Id document_id = 0;
    Id version_id = 0;
    Id chat_id = 0;
    Id initiator = 0;
    std::string state;  // pending | approved | rejected | expired | cancelled | superseded
    bool require_signature = true;
    bool reject_requires_comment = true;
    std::string file_sha256;
    std::string title;  // the document's, at the start
    std::int64_t deadline_at = 0;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> finished_at;
    std::vector<ApprovalStep> steps;
};

struct StepSpec {
    int order = 1;
    std::string rule = "all";
    int n = 0;                              // n_of_m
    std::vector<Id> users;                  // named participants
    std::vector<std::string> object_roles;  // groups: the holders of these object roles, frozen at the start
};

struct NewApproval {
    std::vector<StepSpec> steps;
    std::optional<std::int64_t> deadline_at;
    std::optional<bool> require_signature;
    std::optional<Id> chat_id;  // where the bot reports; default: the chat the version came from
};

struct Decision {
    std::string decision;  // approve | approve_with_remarks | reject
    std::string comment;
};

struct SignatureCheck {
    bool valid = false;
    std::string reason;  // "" | bad_signature | unknown_key | hash_mismatch | …
    Id signature_id = 0;
    std::string statement;  // canonical
    std::string alg;
    std::string key_id;
    std::string signature;  // raw bytes
    Id approval_id = 0;
};

class ApprovalService {
public:
    ApprovalService(storage::Database& db, ObjectService& objects, DocumentService& documents,
                    signing::SigningService& signing, calendar::CalendarService& calendars, jobs::Scheduler& jobs,
                    files::FileStore& files);

    void RegisterJobs();
    // How the bot names people in its notes ("Иванова А., Петров П."); "#<id>" until set.
    // Runs inside the change's transaction.
    using Namer = std::function<std::string(storage::Tx&, const std::vector<Id>&)>;
    void SetNamer(Namer namer) { namer_ = std::move(namer); }
    // The document hook: a new version supersedes the document's pending routes.
    Status OnVersionAdded(storage::Tx& tx, const Document& doc, const DocumentVersion& version);

    Result<Approval> Start(const Actor& actor, Id version_id, const NewApproval& spec);
    Result<Approval> Get(const Actor& actor, Id approval_id);
    // Routes with a task pending for the actor ("for my decision"), oldest deadline first.
    Result<std::vector<Approval>> Mine(const Actor& actor);
    Result<std::vector<Approval>> OfObject(const Actor& actor, Id object_id);
    Result<Approval> Decide(const Actor& actor, Id approval_id, const Decision& decision);
    Result<Approval> Cancel(const Actor& actor, Id approval_id);
    // What a signer of `decision` would sign now (for an external or qualified signer).
    Result<std::string> Statement(const Actor& actor, Id approval_id, const Decision& decision);
    Result<SignatureCheck> Verify(const Actor& actor, Id signature_id);

private:
    Status Expire(Id approval_id);
    Status Remind(Id approval_id);

    storage::Database& db_;
    ObjectService& objects_;
    DocumentService& documents_;
    signing::SigningService& signing_;
    calendar::CalendarService& calendars_;
    jobs::Scheduler& jobs_;
    files::FileStore& files_;
    Namer namer_;
};

boost::json::object ApprovalJson(const Approval& a);

}  // namespace veche::objects
