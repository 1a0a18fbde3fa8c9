#include "veche/timeline/routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

namespace veche::timeline {

void AddRoutes(api::Router& router, const api::HttpKit& kit, storage::Database& db, const Readers& readers) {
    router.Add(
        "GET", "/api/v1/timeline/{kind}/{id}",
        api::Authed(
            kit, [&db, &readers](api::Request& req, const api::Caller& caller) -> Result<api::Response> {
                const std::string& kind = req.params.at(0);
                VECHE_ASSIGN_OR_RETURN(Id id, api::PathId(req, 1));
                VECHE_ASSIGN_OR_RETURN(auto before, api::QueryId(req, "before"));
                VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, 200));
                const int page = static_cast<int>(limit.value_or(50));
                // A kind no module reads is as absent as an item one may not see.
                const ReadCheck* check = readers.Find(kind);
                if (!check) return Error::NotFound("item");
                VECHE_ASSIGN_OR_RETURN(auto rows, db.Read([&](storage::Tx& tx) -> Result<std::vector<Row>> {
                    VECHE_RETURN_IF_ERROR((*check)(tx, caller.actor, id));
                    return List(tx, Topic{kind, id}, before, page);
                }));
                boost::json::array entries;
                for (const auto& r : rows) entries.push_back(boost::json::parse(RowJson(r)));
                boost::json::object body{{"entries", std::move(entries)}};
                api::SetNextBefore(body, rows, page, [](const Row& r) { return r.id; });
                return api::Json(200, body);
            }));
}

}  // namespace veche::timeline
