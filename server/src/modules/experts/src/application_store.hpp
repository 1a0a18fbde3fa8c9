#pragma once
// All SQL of expert applications (experts_applications, experts_application_communities,
// experts_application_events). In the caller's transaction; no checks.

#include <optional>
#include <string>
#include <vector>

#include "veche/experts/applications.hpp"
#include "veche/storage/database.hpp"

namespace veche::experts::store {

std::optional<Application> LoadApplication(storage::Tx& tx, Id id);
void InsertApplication(storage::Tx& tx, const Application& a);
// Writes the row's columns and the applied communities.
void SaveApplication(storage::Tx& tx, const Application& a);
// The user's application in an open state (draft … interview_scheduled), if any.
std::optional<Id> OpenApplicationOf(storage::Tx& tx, Id user_id);

struct ApplicationQuery {
    std::optional<Id> user_id;                   // only this applicant's
    std::optional<std::vector<Id>> communities;  // only naming one of these (and never drafts)
    bool all_submitted = false;                  // every application but drafts (moderators' queue)
    std::optional<Id> or_user_id;                // … or this applicant's own (drafts included)
    std::optional<std::string> state;
    std::optional<Id> community_id;
    std::optional<Id> before;
    int limit = 50;
};
// Newest first.
std::vector<Application> FindApplications(storage::Tx& tx, const ApplicationQuery& q);

ApplicationEvent AddApplicationEvent(storage::Tx& tx, Id application_id, std::string type,
                                     std::optional<Id> actor, std::string text, std::string data_json = "{}");
std::vector<ApplicationEvent> LoadApplicationEvents(storage::Tx& tx, Id application_id);

}  // namespace veche::experts::store
