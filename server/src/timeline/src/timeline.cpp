#include "veche/timeline/timeline.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "veche/audit/audit.hpp"
#include "veche/core/clock.hpp"

namespace veche::timeline {
namespace {

// Append-only (veche/storage/migration.hpp). No foreign keys: an item's history outlives it.
constexpr storage::ModuleMigration kMigrations[] = {
    {1, "create timeline_events",
     "CREATE TABLE timeline_events (id INTEGER PRIMARY KEY, item_kind TEXT NOT NULL, item_id INTEGER NOT "
     "NULL, "
     "type TEXT NOT NULL, actor_id INTEGER, at INTEGER NOT NULL, data TEXT NOT NULL);"
     "CREATE INDEX timeline_events_item ON timeline_events(item_id, id)",
     "CREATE TABLE timeline_events (id BIGINT PRIMARY KEY, item_kind TEXT NOT NULL, item_id BIGINT NOT NULL, "
     "type TEXT NOT NULL, actor_id BIGINT, at BIGINT NOT NULL, data TEXT NOT NULL);"
     "CREATE INDEX timeline_events_item ON timeline_events(item_id, id)"},
};

bool ValidType(std::string_view type) {
    if (type.empty() || type.size() > kMaxTypeBytes) return false;
    for (char c : type) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
    }
    return true;
}

}  // namespace

storage::ModuleSchema Schema() { return {"timeline", kMigrations}; }

Result<Id> Record(storage::Tx& tx, Entry entry, const Options& options) {
    if (entry.item.empty() || !ValidTopicKind(entry.item.kind))
        return Error::InvalidArgument("timeline: the item must be a topic such as ticket:7");
    if (!ValidType(entry.type))
        return Error::InvalidArgument("timeline: bad entry type '" + entry.type + "'");
    if (entry.data_json.size() > kMaxDataBytes) return Error::InvalidArgument("timeline: data too large");
    boost::system::error_code ec;
    auto data = boost::json::parse(entry.data_json, ec);
    if (ec || !data.is_object()) return Error::InvalidArgument("timeline: data must be a JSON object");
    if (entry.at == 0) entry.at = NowMs();

    Row row{GlobalIds().Next(), entry.item, entry.type, entry.actor_id, entry.at, entry.data_json};
    if (row.actor_id) {
        tx.Exec(
            "INSERT INTO timeline_events(id, item_kind, item_id, type, actor_id, at, data) VALUES (?, ?, ?, "
            "?, ?, ?, ?)",
            row.id, row.item.kind, row.item.id, row.type, *row.actor_id, row.at, row.data_json);
    } else {
        tx.Exec(
            "INSERT INTO timeline_events(id, item_kind, item_id, type, at, data) VALUES (?, ?, ?, ?, ?, ?)",
            row.id, row.item.kind, row.item.id, row.type, row.at, row.data_json);
    }
    if (options.audit) {
        audit::Entry a;
        a.actor_id = row.actor_id;
        a.actor_ip = options.actor_ip;
        a.action = row.item.kind + "." + row.type;
        a.target_kind = row.item.kind;
        a.target_id = row.item.id;
        a.data_json = row.data_json;
        a.at = row.at;
        VECHE_RETURN_IF_ERROR(audit::Record(tx, std::move(a)));
    }
    if (options.publish) {
        Event e;
        e.topic = row.item;
        e.kind = "timeline.added";
        e.data_json = RowJson(row);
        tx.Emit(std::move(e));
    }
    return row.id;
}

std::vector<Row> List(storage::Tx& tx, const Topic& item, std::optional<Id> before, int limit) {
    std::vector<Row> out;
    auto& st = tx.Query(
        "SELECT id, type, actor_id, at, data FROM timeline_events WHERE item_id = ? AND item_kind = ? AND id "
        "< ? "
        "ORDER BY id DESC LIMIT ?",
        item.id, item.kind, before.value_or(INT64_MAX), limit);
    while (st.Step()) {
        Row r;
        r.id = st.Int(0);
        r.item = item;
        r.type = st.Text(1);
        if (!st.IsNull(2)) r.actor_id = st.Int(2);
        r.at = st.Int(3);
        r.data_json = st.Text(4);
        out.push_back(std::move(r));
    }
    return out;
}

std::string RowJson(const Row& row) {
    boost::json::object o{{"id", IdToString(row.id)},
                          {"item", TopicToString(row.item)},
                          {"type", row.type},
                          {"actor_id", row.actor_id ? boost::json::value(IdToString(*row.actor_id))
                                                    : boost::json::value(nullptr)},
                          {"at", row.at}};
    boost::system::error_code ec;
    auto data = boost::json::parse(row.data_json, ec);
    o["data"] = ec ? boost::json::value(boost::json::object{}) : std::move(data);
    return boost::json::serialize(o);
}

void Readers::Add(std::string kind, ReadCheck check) {
    if (!ValidTopicKind(kind)) throw std::logic_error("timeline: bad item kind " + kind);
    if (!checks_.emplace(kind, std::move(check)).second)
        throw std::logic_error("timeline: two readers for kind " + kind);
}

const ReadCheck* Readers::Find(std::string_view kind) const {
    auto it = checks_.find(kind);
    return it == checks_.end() ? nullptr : &it->second;
}

}  // namespace veche::timeline
