// An expert's consultations for their profile card (outcomes.hpp, CountExpertConsultations), read
// from the consultations table of this module (all communities; the card filters nothing by viewer).
#include "veche/experts/outcomes.hpp"

namespace veche::experts {

ExpertCounts CountExpertConsultations(storage::Tx& tx, Id expert_id) {
    ExpertCounts c;
    std::int64_t sum = 0;
    auto& st = tx.Query(
        "SELECT state, COUNT(*), COUNT(rating), COALESCE(SUM(rating), 0) FROM experts_consultations "
        "WHERE expert_id = ? GROUP BY state",
        expert_id);
    while (st.Step()) {
        std::string state = st.Text(0);
        if (state == "resolved") c.resolved += st.Int(1);
        else if (state == "rejected") c.rejected += st.Int(1);
        else if (state == "assigned" || state == "in_progress" || state == "returned_for_clarification")
            c.in_progress += st.Int(1);
        c.rated += st.Int(2);
        sum += st.Int(3);
    }
    if (c.rated > 0) c.rating_average = static_cast<double>(sum) / static_cast<double>(c.rated);
    return c;
}

}  // namespace veche::experts
