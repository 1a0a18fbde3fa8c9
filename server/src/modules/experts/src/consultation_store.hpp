#pragma once
// All SQL of consultations (experts_consultations, experts_consultation_events, experts_counters,
// experts_consultation_settings). In the caller's transaction; no checks.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "veche/experts/consultations.hpp"
#include "veche/storage/database.hpp"

namespace veche::experts::store {

std::optional<Consultation> LoadConsultation(storage::Tx& tx, Id id);
// The next number of the counter row, taken in the caller's write transaction (the row lock keeps
// two PostgreSQL writers apart; SQLite has one writer).
std::int64_t NextConsultationNumber(storage::Tx& tx);
void InsertConsultation(storage::Tx& tx, const Consultation& c);
void SaveConsultation(storage::Tx& tx, const Consultation& c);

// A parameter of a dynamically built statement: an integer or a text.
struct SqlParam {
    bool is_text = false;
    std::int64_t i = 0;
    std::string s;
};
void BindAll(storage::Statement& st, const std::vector<SqlParam>& params);

struct ConsultationQuery {
    std::vector<Id> communities;         // visible ones; empty finds nothing
    std::optional<std::vector<Id>> ids;  // a text search's hits
    std::vector<std::string> states;
    std::optional<std::string> difficulty;
    std::optional<Id> expert_id;
    std::optional<Id> requester_id;
    std::optional<bool> overdue;
    std::optional<std::int64_t> from;
    std::optional<std::int64_t> to;
    std::optional<Id> before;
    int limit = 50;
};
// Newest first.
std::vector<Consultation> FindConsultations(storage::Tx& tx, const ConsultationQuery& q);

// Every consultation with updated_at >= since_ms, oldest change first; stops at fn's first error.
Status ForEachChangedSince(storage::Tx& tx, std::int64_t since_ms,
                           const std::function<Status(const Consultation&)>& fn);

ConsultationEvent AddConsultationEvent(storage::Tx& tx, Id consultation_id, std::string type,
                                       std::optional<Id> actor, std::string text,
                                       std::string data_json = "{}");
std::vector<ConsultationEvent> LoadConsultationEvents(storage::Tx& tx, Id consultation_id);

std::vector<Attachment> LoadAttachments(storage::Tx& tx, Id consultation_id);

ConsultationSettings LoadSettings(storage::Tx& tx, Id community_id);
void SaveSettings(storage::Tx& tx, const ConsultationSettings& s);

// Holders of the global experts.moderator role by a grant, ascending, deactivated ones left out.
std::vector<Id> Moderators(storage::Tx& tx);

}  // namespace veche::experts::store
