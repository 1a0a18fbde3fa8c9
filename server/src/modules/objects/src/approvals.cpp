#include "veche/objects/approvals.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <boost/json/array.hpp>

#include "object_store.hpp"
#include "veche/calendar/calendar_service.hpp"
#include "veche/chat/bound_chats.hpp"
#include "veche/chat/interactions.hpp"
#include "veche/core/clock.hpp"
#include "veche/core/crypto.hpp"
#include "veche/core/json.hpp"
#include "veche/files/file_store.hpp"
#include "veche/jobs/scheduler.hpp"
#include "veche/objects/object_service.hpp"
#include "veche/signing/signing_service.hpp"
#include "veche/signing/statement.hpp"
#include "veche/timeline/timeline.hpp"

namespace veche::objects {

namespace bj = boost::json;

namespace {

constexpr std::string_view kDeadlineKind = "objects.approval_deadline";
constexpr std::string_view kReminderKind = "objects.approval_reminder";
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
constexpr std::size_t kMaxParticipants = 100;

std::string DeadlineKey(Id id) { return "objects.approval." + IdToString(id) + ".deadline"; }
std::string ReminderKey(Id id) { return "objects.approval." + IdToString(id) + ".reminder"; }

bool Decided(const std::string& s) { return s == "approved" || s == "approved_with_remarks" || s == "rejected"; }

std::optional<Approval> LoadApproval(Tx& tx, Id id) {
    std::optional<Approval> a;
    {
        auto& st = tx.Query(
            "SELECT id, object_id, document_id, version_id, chat_id, initiator, state, require_signature, "
            "reject_requires_comment, file_sha256, title, deadline_at, created_at, finished_at FROM objects_approvals "
            "WHERE id = ?",
            id);
        if (st.Step()) {
            Approval x;
            x.id = st.Int(0);
            x.object_id = st.Int(1);
            x.document_id = st.Int(2);
            x.version_id = st.Int(3);
            x.chat_id = st.Int(4);
            x.initiator = st.Int(5);
            x.state = st.Text(6);
            x.require_signature = st.Int(7) != 0;
            x.reject_requires_comment = st.Int(8) != 0;
            x.file_sha256 = st.Text(9);
            x.title = st.Text(10);
            x.deadline_at = st.Int(11);
            x.created_at = st.Int(12);
            x.finished_at = st.OptInt(13);
            a = std::move(x);
        }
        while (st.Step()) {
        }
    }
    if (!a) return a;
    {
        auto& st = tx.Query(
            "SELECT id, ord, rule, required, state, started_at, finished_at FROM objects_approval_steps WHERE approval_id = "
            "? ORDER BY ord",
            id);
        while (st.Step()) {
            ApprovalStep s;
            s.id = st.Int(0);
            s.order = static_cast<int>(st.Int(1));
            s.rule = st.Text(2);
            s.required = static_cast<int>(st.Int(3));
            s.state = st.Text(4);
            s.started_at = st.OptInt(5);
            s.finished_at = st.OptInt(6);
            a->steps.push_back(std::move(s));
        }
    }
    for (auto& s : a->steps) {
        auto& st = tx.Query(
            "SELECT user_id, state, comment, decided_at, signature_id FROM objects_approval_tasks WHERE step_id = ? "
            "ORDER BY user_id",
            s.id);
        while (st.Step()) s.tasks.push_back({st.Int(0), st.Text(1), st.Text(2), st.OptInt(3), st.Int(4)});
    }
    return a;
}

Status Log(Tx& tx, Id object_id, std::string type, std::optional<Id> actor, const bj::object& data) {
    VECHE_ASSIGN_OR_RETURN(Id entry, timeline::Record(tx, {Topic{"object", object_id}, std::move(type), actor,
                                                            json::Serialize(data)}));
    (void)entry;
    return {};
}

// The assistant's note in the route's chat; none once that chat is archived (the stage ended).
Status Say(Tx& tx, Id chat_id, Id assistant, std::string text, const chat::ButtonRows& buttons = {}) {
    auto chat = chat::LoadBoundChat(tx, chat_id, "object");
    if (!chat || chat->archived) return {};
    VECHE_ASSIGN_OR_RETURN(auto m, chat::PostSystemMessage(tx, chat_id, assistant, std::move(text), buttons));
    (void)m;
    return {};
}

// The event of a route's change: to the object's staff, and to each participant it concerns.
void Tell(Tx& tx, const Approval& a, std::string kind, const std::vector<Id>& also) {
    bj::object data = ApprovalJson(a);
    EmitObjectEvent(tx, a.object_id, kind, data);
    for (Id u : also) {
        Event e;
        e.target_user_id = u;
        e.kind = kind;
        e.data_json = json::Serialize(data);
        tx.Emit(std::move(e));
    }
}

// "Approve" for whoever's task is pending, "open the document" for everyone (MODULES.md §0.6).
chat::ButtonRows TaskButtons(const Approval& a) {
    chat::Button approve;
    approve.label = "Согласовать";
    approve.command = "/approve";
    approve.data = bj::object{{"approval_id", IdToString(a.id)}};
    approve.silent = true;
    chat::Button open;
    open.label = "Открыть документ";
    open.link = "/objects/" + IdToString(a.object_id) + "?document=" + IdToString(a.document_id);
    return {{approve, open}};
}

std::vector<Id> PendingOf(const ApprovalStep& s) {
    std::vector<Id> out;
    for (const auto& t : s.tasks)
        if (t.state == "pending") out.push_back(t.user_id);
    return out;
}

std::string IdNames(const std::vector<Id>& ids) {
    std::string s;
    for (Id u : ids) s += (s.empty() ? "" : ", ") + std::string("#") + IdToString(u);
    return s;
}

Result<std::string> FileSha256(files::FileStore& files, const std::string& sha256) {
    std::ifstream in(files.PathOf(sha256), std::ios::binary);
    if (!in) return Error::NotFound("file");
    std::ostringstream buf;
    buf << in.rdbuf();
    return crypto::Sha256Hex(buf.str());
}

}  // namespace

ApprovalService::ApprovalService(storage::Database& db, ObjectService& objects, DocumentService& documents,
                                 signing::SigningService& signing, calendar::CalendarService& calendars,
                                 jobs::Scheduler& jobs, files::FileStore& files)
    : db_(db),
      objects_(objects),
      documents_(documents),
      signing_(signing),
      calendars_(calendars),
      jobs_(jobs),
      files_(files) {}

void ApprovalService::RegisterJobs() {
    jobs_.Register(std::string(kDeadlineKind), [this](const jobs::Job& job) -> Status {
        auto v = json::ParseObject(job.payload);
        if (!v.ok()) return {};
        VECHE_ASSIGN_OR_RETURN(auto id, json::ReqId(*v, "approval_id"));
        return Expire(id);
    });
    jobs_.Register(std::string(kReminderKind), [this](const jobs::Job& job) -> Status {
        auto v = json::ParseObject(job.payload);
        if (!v.ok()) return {};
        VECHE_ASSIGN_OR_RETURN(auto id, json::ReqId(*v, "approval_id"));
        return Remind(id);
    });
}

Result<Approval> ApprovalService::Start(const Actor& actor, Id version_id, const NewApproval& spec) {
    if (spec.steps.empty()) return Error::InvalidArgument("field 'steps' must list at least one step");
    VECHE_ASSIGN_OR_RETURN(Id assistant, objects_.Assistant());
    VECHE_ASSIGN_OR_RETURN(auto cal, calendars_.Get());
    std::int64_t now = NowMs();
    if (spec.deadline_at && *spec.deadline_at <= now)
        return Error::InvalidArgument("field 'deadline_at' must be in the future");
    VECHE_ASSIGN_OR_RETURN(auto approval, db_.Write([&](Tx& tx) -> Result<Approval> {
        VECHE_ASSIGN_OR_RETURN(auto found, documents_.VersionIn(tx, actor, version_id));
        auto& [doc, version] = found;
        VECHE_ASSIGN_OR_RETURN(auto view, objects_.ViewIn(tx, actor, doc.object_id));
        if (!view.staff)
            return Error{ErrorCode::kForbidden, "permission_required", "only the object's staff start approvals"};
        if (view.object.state != "active") return Error::Conflict("object_not_active", "the object is " + view.object.state);
        if (doc.versions.back().id != version.id)
            return Error::Conflict("version_superseded", "a newer version of the document exists");
        if (tx.QueryInt("SELECT 1 FROM objects_approvals WHERE version_id = ? AND state = 'pending'", version_id))
            return Error::Conflict("approval_pending", "this version is already being approved");
        auto type_def = objects_.GetType(view.object.type_key);
        bool reject_comment = type_def.ok() ? type_def->reject_requires_comment : true;
        bool signature = spec.require_signature.value_or(type_def.ok() ? type_def->approval_requires_signature : true);
        int days = type_def.ok() ? type_def->approval_deadline_working_days : 3;
        std::int64_t deadline = spec.deadline_at.value_or(cal.AddWorkingDays(now, days));
        Id chat_id = spec.chat_id.value_or(version.chat_id);
        {
            auto oc = LoadObjectChat(tx, chat_id);
            if (!oc || oc->object_id != doc.object_id || !IsChatMember(tx, chat_id, actor.user_id))
                return Error::NotFound("chat");
        }
        // Groups are expanded now and frozen: later changes of the object's roles change nobody's task.
        auto members = LoadMembers(tx, doc.object_id);
        auto cps = LoadCounterparties(tx, doc.object_id);
        auto may_see = [&](Id u) {
            for (const auto& m : members)
                if (m.user_id == u) return true;
            if (doc.counterparty_id)
                for (const auto& c : cps)
                    if (c.id == doc.counterparty_id && !c.removed &&
                        std::find(c.user_ids.begin(), c.user_ids.end(), u) != c.user_ids.end())
                        return true;
            return false;
        };
        std::map<int, std::pair<const StepSpec*, std::set<Id>>> by_order;
        std::set<Id> everyone;
        for (const auto& s : spec.steps) {
            auto& slot = by_order[s.order];
            if (slot.first && (slot.first->rule != s.rule || slot.first->n != s.n))
                return Error::InvalidArgument("steps of one order must share one rule");
            slot.first = &s;
            for (Id u : s.users) slot.second.insert(u);
            for (const auto& role : s.object_roles)
                for (const auto& m : members)
                    if (m.role == role) slot.second.insert(m.user_id);
        }
        for (auto& [order, slot] : by_order) {
            if (slot.second.empty())
                return Error{ErrorCode::kInvalidArgument, "no_participants",
                             "step " + std::to_string(order) + " has no participants"};
            if (slot.first->rule == "n_of_m" && (slot.first->n < 1 || slot.first->n > static_cast<int>(slot.second.size())))
                return Error::InvalidArgument("step " + std::to_string(order) + ": 'n' must be 1 to its participants");
            for (Id u : slot.second) {
                if (!may_see(u))
                    return Error{ErrorCode::kInvalidArgument, "participant_not_in_object",
                                 "every participant must see the document (a member of the object)"};
                everyone.insert(u);
            }
        }
        if (everyone.size() > kMaxParticipants) return Error::InvalidArgument("at most 100 participants");
        Approval a;
        a.id = GlobalIds().Next();
        a.object_id = doc.object_id;
        a.document_id = doc.id;
        a.version_id = version.id;
        a.chat_id = chat_id;
        a.initiator = actor.user_id;
        a.state = "pending";
        a.require_signature = signature;
        a.reject_requires_comment = reject_comment;
        a.file_sha256 = version.sha256;
        a.title = doc.title + " v" + std::to_string(version.n);
        a.deadline_at = deadline;
        a.created_at = now;
        tx.Exec(
            "INSERT INTO objects_approvals(id, object_id, document_id, version_id, chat_id, initiator, state, "
            "require_signature, reject_requires_comment, file_sha256, title, deadline_at, created_at) VALUES (?, ?, ?, ?, "
            "?, ?, 'pending', ?, ?, ?, ?, ?, ?)",
            a.id, a.object_id, a.document_id, a.version_id, a.chat_id, a.initiator, a.require_signature,
            a.reject_requires_comment, a.file_sha256, a.title, a.deadline_at, a.created_at);
        bool first = true;
        std::vector<Id> notified;
        for (auto& [order, slot] : by_order) {
            Id step_id = GlobalIds().Next();
            const std::string& rule = slot.first->rule;
            int m = static_cast<int>(slot.second.size());
            int required = rule == "all" ? m : rule == "any" ? 1 : slot.first->n;
            tx.Exec(
                "INSERT INTO objects_approval_steps(id, approval_id, ord, rule, required, state, started_at) VALUES (?, ?, "
                "?, ?, ?, ?, ?)",
                step_id, a.id, static_cast<std::int64_t>(order), rule, static_cast<std::int64_t>(required),
                first ? "active" : "waiting", first ? std::optional<std::int64_t>(now) : std::nullopt);
            for (Id u : slot.second) {
                tx.Exec("INSERT INTO objects_approval_tasks(step_id, approval_id, user_id, state, comment) VALUES (?, ?, "
                        "?, ?, '')",
                        step_id, a.id, u, first ? "pending" : "waiting");
                if (first) notified.push_back(u);
            }
            first = false;
        }
        std::string payload = json::Serialize(bj::object{{"approval_id", IdToString(a.id)}});
        VECHE_RETURN_IF_ERROR(jobs_.Schedule(tx, kDeadlineKind, payload, deadline, {DeadlineKey(a.id), 5}));
        // One working day before the deadline (for a deadline in working days: the same time a working day earlier).
        std::int64_t remind = !spec.deadline_at && days > 1 ? cal.AddWorkingDays(now, days - 1) : deadline - kDayMs;
        if (remind > now && remind < deadline)
            VECHE_RETURN_IF_ERROR(jobs_.Schedule(tx, kReminderKind, payload, remind, {ReminderKey(a.id), 5}));
        auto loaded = *LoadApproval(tx, a.id);
        VECHE_RETURN_IF_ERROR(Say(tx, a.chat_id, assistant,
                                  "Документ «" + a.title + "» направлен на согласование. Ждёт решения: " +
                                      (namer_ ? namer_(tx, notified) : IdNames(notified)) + ".",
                                  TaskButtons(a)));
        Tell(tx, loaded, "objects.approval_started", notified);
        VECHE_RETURN_IF_ERROR(Log(tx, a.object_id, "approval_started", actor.user_id,
                                  {{"approval_id", IdToString(a.id)}, {"version_id", IdToString(a.version_id)}}));
        return loaded;
    }));
    jobs_.Wake();
    return approval;
}

Result<Approval> ApprovalService::Get(const Actor& actor, Id approval_id) {
    return db_.Read([&](Tx& tx) -> Result<Approval> {
        auto a = LoadApproval(tx, approval_id);
        if (!a) return Error::NotFound("approval");
        auto doc_cp = tx.QueryInt("SELECT counterparty_id FROM objects_documents WHERE id = ?", a->document_id);
        VECHE_ASSIGN_OR_RETURN(bool sees, documents_.Sees(tx, actor, a->object_id, doc_cp.value_or(0)));
        if (!sees) {
            bool participant = tx.QueryInt("SELECT 1 FROM objects_approval_tasks WHERE approval_id = ? AND user_id = ?",
                                           approval_id, actor.user_id)
                                   .has_value();
            if (!participant) return Error::NotFound("approval");
        }
        return std::move(*a);
    });
}

Result<std::vector<Approval>> ApprovalService::Mine(const Actor& actor) {
    return db_.Read([&](Tx& tx) -> Result<std::vector<Approval>> {
        std::vector<Id> ids;
        {
            auto& st = tx.Query(
                "SELECT a.id FROM objects_approval_tasks t JOIN objects_approvals a ON a.id = t.approval_id WHERE "
                "t.user_id = ? AND t.state = 'pending' AND a.state = 'pending' ORDER BY a.deadline_at, a.id LIMIT 200",
                actor.user_id);
            while (st.Step()) ids.push_back(st.Int(0));
        }
        std::vector<Approval> out;
        for (Id id : ids) out.push_back(*LoadApproval(tx, id));
        return out;
    });
}

Result<std::vector<Approval>> ApprovalService::OfObject(const Actor& actor, Id object_id) {
    VECHE_ASSIGN_OR_RETURN(auto docs, documents_.List(actor, object_id));
    return db_.Read([&](Tx& tx) -> Result<std::vector<Approval>> {
        std::set<Id> visible;
        for (const auto& d : docs) visible.insert(d.id);
        std::vector<Id> ids;
        {
            auto& st = tx.Query("SELECT id, document_id FROM objects_approvals WHERE object_id = ? ORDER BY id DESC LIMIT 200",
                                object_id);
            while (st.Step())
                if (visible.count(st.Int(1))) ids.push_back(st.Int(0));
        }
        std::vector<Approval> out;
        for (Id id : ids) out.push_back(*LoadApproval(tx, id));
        return out;
    });
}

Result<std::string> ApprovalService::Statement(const Actor& actor, Id approval_id, const Decision& d) {
    VECHE_ASSIGN_OR_RETURN(auto a, Get(actor, approval_id));
    bj::object st{{"approval_id", IdToString(a.id)},
                  {"comment_sha256", crypto::Sha256Hex(d.comment)},
                  {"decision", d.decision},
                  {"document_version_id", IdToString(a.version_id)},
                  {"file_sha256", a.file_sha256},
                  {"signed_at", NowMs()},
                  {"signer_id", IdToString(actor.user_id)}};
    return signing::Canonical(st);
}

Result<Approval> ApprovalService::Decide(const Actor& actor, Id approval_id, const Decision& d) {
    if (d.decision != "approve" && d.decision != "approve_with_remarks" && d.decision != "reject")
        return Error::InvalidArgument("field 'decision' must be approve, approve_with_remarks or reject");
    VECHE_ASSIGN_OR_RETURN(Id assistant, objects_.Assistant());
    // The bytes as stored now: a file changed under the route cannot be signed.
    std::string current_sha;
    {
        VECHE_ASSIGN_OR_RETURN(auto a, Get(actor, approval_id));
        VECHE_ASSIGN_OR_RETURN(current_sha, FileSha256(files_, a.file_sha256));
    }
    VECHE_ASSIGN_OR_RETURN(auto out, db_.Write([&](Tx& tx) -> Result<Approval> {
        auto a = LoadApproval(tx, approval_id);
        if (!a) return Error::NotFound("approval");
        if (a->state != "pending")
            return Error::Conflict("approval_not_pending", "the route is " + a->state);
        ApprovalStep* step = nullptr;
        for (auto& s : a->steps)
            if (s.state == "active") step = &s;
        ApprovalTask* task = nullptr;
        if (step)
            for (auto& t : step->tasks)
                if (t.user_id == actor.user_id) task = &t;
        if (!task) {
            // On another step: decided there, or a task the route closed (not required any more).
            for (const auto& s : a->steps)
                for (const auto& t : s.tasks) {
                    if (t.user_id != actor.user_id || t.state == "waiting") continue;
                    if (Decided(t.state)) return Error::Conflict("already_decided", "you have decided on this route");
                    return Error::Conflict("task_closed", "your task on this route is " + t.state);
                }
            return Error{ErrorCode::kForbidden, "not_a_participant", "you are not a participant of the current step"};
        }
        if (task->state != "pending") {
            if (Decided(task->state)) return Error::Conflict("already_decided", "you have decided on this route");
            return Error::Conflict("task_closed", "your task on this step is " + task->state);
        }
        if (d.decision == "reject" && a->reject_requires_comment && d.comment.empty())
            return Error{ErrorCode::kUnprocessable, "comment_required", "a rejection needs a comment"};
        if (current_sha != a->file_sha256)
            return Error::Conflict("hash_mismatch", "the stored file no longer matches the version being approved");
        std::int64_t now = NowMs();
        Id signature_id = 0;
        if (a->require_signature) {
            bj::object statement{{"approval_id", IdToString(a->id)},
                                 {"comment_sha256", crypto::Sha256Hex(d.comment)},
                                 {"decision", d.decision},
                                 {"document_version_id", IdToString(a->version_id)},
                                 {"file_sha256", a->file_sha256},
                                 {"signed_at", now},
                                 {"signer_id", IdToString(actor.user_id)}};
            VECHE_ASSIGN_OR_RETURN(auto sig, signing_.Sign(tx, statement));
            signature_id = sig.id;
        }
        std::string state = d.decision == "approve" ? "approved" : d.decision == "approve_with_remarks" ? "approved_with_remarks" : "rejected";
        tx.Exec("UPDATE objects_approval_tasks SET state = ?, comment = ?, decided_at = ?, signature_id = ? WHERE step_id = ? "
                "AND user_id = ?",
                state, d.comment, now, signature_id, step->id, actor.user_id);
        task->state = state;
        std::vector<Id> notify;
        std::string note;
        auto close_rest = [&](const std::string& why) {
            tx.Exec("UPDATE objects_approval_tasks SET state = ? WHERE approval_id = ? AND state IN ('pending', 'waiting')",
                    why, a->id);
        };
        if (state == "rejected") {
            close_rest("not_required");
            tx.Exec("UPDATE objects_approval_steps SET state = 'rejected', finished_at = ? WHERE id = ?", now, step->id);
            tx.Exec("UPDATE objects_approval_steps SET state = 'closed' WHERE approval_id = ? AND state = 'waiting'", a->id);
            tx.Exec("UPDATE objects_approvals SET state = 'rejected', finished_at = ? WHERE id = ?", now, a->id);
            notify.push_back(a->initiator);
            note = "Документ «" + a->title + "» отклонён (" + (namer_ ? namer_(tx, {actor.user_id}) : IdNames({actor.user_id})) + "): " + d.comment;
        } else {
            int approvals = 0;
            for (const auto& t : step->tasks)
                if (t.state == "approved" || t.state == "approved_with_remarks") ++approvals;
            if (approvals >= step->required) {
                tx.Exec("UPDATE objects_approval_tasks SET state = 'not_required' WHERE step_id = ? AND state = 'pending'",
                        step->id);
                tx.Exec("UPDATE objects_approval_steps SET state = 'approved', finished_at = ? WHERE id = ?", now, step->id);
                ApprovalStep* next = nullptr;
                for (auto& s : a->steps)
                    if (s.state == "waiting" && (!next || s.order < next->order)) next = &s;
                if (next) {
                    tx.Exec("UPDATE objects_approval_steps SET state = 'active', started_at = ? WHERE id = ?", now, next->id);
                    tx.Exec("UPDATE objects_approval_tasks SET state = 'pending' WHERE step_id = ?", next->id);
                    for (const auto& t : next->tasks) notify.push_back(t.user_id);
                    note = "Этап согласования «" + a->title + "» пройден. Ждёт решения: " + (namer_ ? namer_(tx, notify) : IdNames(notify)) + ".";
                } else {
                    tx.Exec("UPDATE objects_approvals SET state = 'approved', finished_at = ? WHERE id = ?", now, a->id);
                    notify.push_back(a->initiator);
                    note = "Документ «" + a->title + "» согласован.";
                }
            }
        }
        auto fresh = *LoadApproval(tx, a->id);
        if (fresh.state != "pending") {
            jobs_.Cancel(tx, DeadlineKey(a->id));
            jobs_.Cancel(tx, ReminderKey(a->id));
        }
        if (!note.empty())
            VECHE_RETURN_IF_ERROR(Say(tx, a->chat_id, assistant, note,
                                      fresh.state == "pending" ? TaskButtons(fresh) : chat::ButtonRows{}));
        Tell(tx, fresh, "objects.approval_decided", notify);
        VECHE_RETURN_IF_ERROR(Log(tx, a->object_id, "approval_decided", actor.user_id,
                                  {{"approval_id", IdToString(a->id)}, {"decision", d.decision}, {"state", fresh.state}}));
        return fresh;
    }));
    return out;
}

Result<Approval> ApprovalService::Cancel(const Actor& actor, Id approval_id) {
    VECHE_ASSIGN_OR_RETURN(Id assistant, objects_.Assistant());
    VECHE_ASSIGN_OR_RETURN(auto seen, Get(actor, approval_id));
    return db_.Write([&](Tx& tx) -> Result<Approval> {
        auto a = LoadApproval(tx, approval_id);
        if (!a) return Error::NotFound("approval");
        if (a->initiator != actor.user_id)
            return Error{ErrorCode::kForbidden, "not_the_initiator", "only who started the route cancels it"};
        if (a->state != "pending") return Error::Conflict("approval_not_pending", "the route is " + a->state);
        std::int64_t now = NowMs();
        tx.Exec("UPDATE objects_approval_tasks SET state = 'cancelled' WHERE approval_id = ? AND state IN ('pending', 'waiting')",
                a->id);
        tx.Exec("UPDATE objects_approval_steps SET state = 'closed' WHERE approval_id = ? AND state IN ('active', 'waiting')",
                a->id);
        tx.Exec("UPDATE objects_approvals SET state = 'cancelled', finished_at = ? WHERE id = ?", now, a->id);
        jobs_.Cancel(tx, DeadlineKey(a->id));
        jobs_.Cancel(tx, ReminderKey(a->id));
        auto fresh = *LoadApproval(tx, a->id);
        VECHE_RETURN_IF_ERROR(Say(tx, a->chat_id, assistant, "Согласование «" + a->title + "» отменено."));
        Tell(tx, fresh, "objects.approval_cancelled", {});
        VECHE_RETURN_IF_ERROR(Log(tx, a->object_id, "approval_cancelled", actor.user_id, {{"approval_id", IdToString(a->id)}}));
        (void)seen;
        return fresh;
    });
}

Status ApprovalService::OnVersionAdded(Tx& tx, const Document& doc, const DocumentVersion& version) {
    std::vector<Id> ids;
    {
        auto& st = tx.Query("SELECT id FROM objects_approvals WHERE document_id = ? AND state = 'pending' AND version_id <> ?",
                            doc.id, version.id);
        while (st.Step()) ids.push_back(st.Int(0));
    }
    if (ids.empty()) return {};
    VECHE_ASSIGN_OR_RETURN(Id assistant, objects_.Assistant());
    std::int64_t now = NowMs();
    for (Id id : ids) {
        tx.Exec("UPDATE objects_approval_tasks SET state = 'superseded' WHERE approval_id = ? AND state IN ('pending', "
                "'waiting')",
                id);
        tx.Exec("UPDATE objects_approval_steps SET state = 'closed' WHERE approval_id = ? AND state IN ('active', 'waiting')",
                id);
        tx.Exec("UPDATE objects_approvals SET state = 'superseded', finished_at = ? WHERE id = ?", now, id);
        jobs_.Cancel(tx, DeadlineKey(id));
        jobs_.Cancel(tx, ReminderKey(id));
        auto a = *LoadApproval(tx, id);
        VECHE_RETURN_IF_ERROR(Say(tx, a.chat_id, assistant,
                                  "Загружена новая версия (v" + std::to_string(version.n) + "): согласование «" + a.title +
                                      "» прекращено."));
        Tell(tx, a, "objects.approval_superseded", {});
        VECHE_RETURN_IF_ERROR(Log(tx, a.object_id, "approval_superseded", std::nullopt,
                                  {{"approval_id", IdToString(id)}, {"version_id", IdToString(version.id)}}));
    }
    return {};
}

Status ApprovalService::Expire(Id approval_id) {
    VECHE_ASSIGN_OR_RETURN(Id assistant, objects_.Assistant());
    return db_.Write([&](Tx& tx) -> Status {
        auto a = LoadApproval(tx, approval_id);
        if (!a || a->state != "pending") return {};
        std::int64_t now = NowMs();
        if (now < a->deadline_at) {  // moved since: come back at the deadline
            VECHE_RETURN_IF_ERROR(jobs_.Schedule(tx, kDeadlineKind,
                                                 json::Serialize(bj::object{{"approval_id", IdToString(a->id)}}),
                                                 a->deadline_at, {DeadlineKey(a->id), 5}));
            return {};
        }
        tx.Exec("UPDATE objects_approval_tasks SET state = 'expired' WHERE approval_id = ? AND state IN ('pending', 'waiting')",
                a->id);
        tx.Exec("UPDATE objects_approval_steps SET state = 'closed' WHERE approval_id = ? AND state IN ('active', 'waiting')",
                a->id);
        tx.Exec("UPDATE objects_approvals SET state = 'expired', finished_at = ? WHERE id = ?", now, a->id);
        jobs_.Cancel(tx, ReminderKey(a->id));
        auto fresh = *LoadApproval(tx, a->id);
        VECHE_RETURN_IF_ERROR(Say(tx, a->chat_id, assistant, "Срок согласования «" + a->title + "» истёк."));
        Tell(tx, fresh, "objects.approval_expired", {a->initiator});
        return Log(tx, a->object_id, "approval_expired", std::nullopt, {{"approval_id", IdToString(a->id)}});
    });
}

Status ApprovalService::Remind(Id approval_id) {
    VECHE_ASSIGN_OR_RETURN(Id assistant, objects_.Assistant());
    return db_.Write([&](Tx& tx) -> Status {
        auto a = LoadApproval(tx, approval_id);
        if (!a || a->state != "pending") return {};
        std::vector<Id> pending;
        for (const auto& s : a->steps)
            if (s.state == "active") pending = PendingOf(s);
        if (pending.empty()) return {};
        VECHE_RETURN_IF_ERROR(Say(tx, a->chat_id, assistant,
                                  "Напоминание: согласование «" + a->title + "» ждёт решения " + (namer_ ? namer_(tx, pending) : IdNames(pending)) +
                                      "; срок истекает через рабочий день."));
        Tell(tx, *a, "objects.approval_reminder", pending);
        return {};
    });
}

Result<SignatureCheck> ApprovalService::Verify(const Actor& actor, Id signature_id) {
    auto approval_id = db_.Read([&](Tx& tx) -> Result<Id> {
        auto id = tx.QueryInt("SELECT approval_id FROM objects_approval_tasks WHERE signature_id = ?", signature_id);
        if (!id) return Error::NotFound("signature");
        return *id;
    });
    if (!approval_id.ok()) return approval_id.error();
    auto a = Get(actor, *approval_id);
    if (!a.ok()) return Error::NotFound("signature");
    VECHE_ASSIGN_OR_RETURN(auto v, signing_.Verify(signature_id));
    SignatureCheck out;
    out.signature_id = signature_id;
    out.statement = v.signature.statement;
    out.alg = v.signature.alg;
    out.key_id = v.signature.key_id;
    out.signature = v.signature.signature;
    out.approval_id = *approval_id;
    out.valid = v.valid;
    out.reason = v.reason;
    if (v.valid) {
        auto it = v.statement.find("file_sha256");
        std::string claimed = it != v.statement.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
        auto actual = FileSha256(files_, a->file_sha256);
        if (!actual.ok() || *actual != claimed) {
            out.valid = false;
            out.reason = "hash_mismatch";
        }
    }
    return out;
}

bj::object ApprovalJson(const Approval& a) {
    bj::array steps;
    for (const auto& s : a.steps) {
        bj::array tasks;
        for (const auto& t : s.tasks)
            tasks.push_back(bj::object{{"user_id", IdToString(t.user_id)},
                                       {"state", t.state},
                                       {"comment", t.comment},
                                       {"decided_at", t.decided_at ? bj::value(*t.decided_at) : bj::value(nullptr)},
                                       {"signature_id", t.signature_id ? bj::value(IdToString(t.signature_id)) : bj::value(nullptr)}});
        steps.push_back(bj::object{{"id", IdToString(s.id)},
                                   {"order", s.order},
                                   {"rule", s.rule},
                                   {"required", s.required},
                                   {"state", s.state},
                                   {"started_at", s.started_at ? bj::value(*s.started_at) : bj::value(nullptr)},
                                   {"finished_at", s.finished_at ? bj::value(*s.finished_at) : bj::value(nullptr)},
                                   {"tasks", std::move(tasks)}});
    }
    return {{"id", IdToString(a.id)},
            {"object_id", IdToString(a.object_id)},
            {"document_id", IdToString(a.document_id)},
            {"version_id", IdToString(a.version_id)},
            {"chat_id", IdToString(a.chat_id)},
            {"initiator", IdToString(a.initiator)},
            {"state", a.state},
            {"title", a.title},
            {"require_signature", a.require_signature},
            {"reject_requires_comment", a.reject_requires_comment},
            {"file_sha256", a.file_sha256},
            {"deadline_at", a.deadline_at},
            {"created_at", a.created_at},
            {"finished_at", a.finished_at ? bj::value(*a.finished_at) : bj::value(nullptr)},
            {"steps", std::move(steps)}};
}

}  // namespace veche::objects
