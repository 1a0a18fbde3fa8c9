#include "events.hpp"

#include <set>

#include "veche/core/clock.hpp"
#include "veche/core/json.hpp"

namespace veche::experts {

void EmitToUsers(storage::Tx& tx, std::string_view kind, const std::vector<Id>& users,
                 const boost::json::object& data) {
    std::set<Id> seen;
    std::string text = json::Serialize(data);
    for (Id u : users) {
        if (u == 0 || !seen.insert(u).second) continue;
        Event e;
        e.target_user_id = u;
        e.kind = std::string(kind);
        e.data_json = text;
        e.created_at = NowMs();
        tx.Emit(std::move(e));
    }
}

}  // namespace veche::experts
