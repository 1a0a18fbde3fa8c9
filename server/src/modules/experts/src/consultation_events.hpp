#pragma once
// The consultations' realtime events (docs/api.md, "Consultations"). Each consultation is a topic
// `consultation:<id>` followed by its participants — the requester, the assigned expert and the
// curator who assigned it; the community's other curators (their queue) and, for an escalation,
// the moderators get the same event addressed to them as its target user. When the expert or the
// curator changes, membership events (experts.consultation.followed / .unfollowed) move the topic
// to the new participants on every node, live and on replay.

#include <string_view>
#include <vector>

#include "veche/experts/access.hpp"
#include "veche/experts/consultations.hpp"
#include "veche/realtime/audience.hpp"

namespace veche::experts {

inline constexpr std::string_view kConsultationTopic = "consultation";

// The consultations `user_id` takes part in (any state): one indexed query per role.
class ConsultationAudience final : public realtime::Audience {
public:
    std::string_view kind() const override { return kConsultationTopic; }
    std::vector<Id> FollowedBy(storage::Tx& tx, Id user_id) const override;
};

// The participants of `c`, without duplicates.
std::vector<Id> Participants(const Consultation& c);

// `kind` ("assigned" → experts.consultation.assigned) to the topic and to the community's curators
// and `also` who are not participants.
void EmitConsultationEvent(storage::Tx& tx, const Access& access, const Consultation& c,
                           std::string_view kind, const std::vector<Id>& also = {});

// Starts (follow) or ends `user_id`'s following of the consultation's topic.
void EmitFollow(storage::Tx& tx, const Consultation& c, Id user_id, bool follow);

}  // namespace veche::experts
