#include "veche/audit/admin_routes.hpp"

#include <boost/json/parse.hpp>
#include <ctime>

#include "veche/api/kit.hpp"
#include "veche/core/json.hpp"
#include "veche/roles/role_service.hpp"

namespace veche::audit {
namespace {

namespace bj = boost::json;
using api::Caller;
using api::Request;
using api::Response;

constexpr int kCsvMaxRows = 50'000;  // rows per file; page on with X-Next-Before

bj::value OptText(const std::optional<std::string>& s) { return s ? bj::value(*s) : bj::value(nullptr); }
bj::value OptId(const std::optional<Id>& id) { return id ? bj::value(IdToString(*id)) : bj::value(nullptr); }

Result<std::optional<std::string>> QueryName(const Request& req, const std::string& name, std::size_t max) {
    auto it = req.query.find(name);
    if (it == req.query.end() || it->second.empty()) return std::optional<std::string>();
    const std::string& v = it->second;
    bool ok = v.size() <= max;
    for (char c : v) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.');
    if (!ok)
        return Error::InvalidArgument("query parameter '" + name + "' must be up to " + std::to_string(max) +
                                      " of a-z, 0-9, '_', '.'");
    return std::optional<std::string>(v);
}

// The filters both routes share; `max_limit` and `default_limit` differ.
Result<Filter> ReadFilter(const Request& req, int default_limit, int max_limit) {
    Filter f;
    VECHE_ASSIGN_OR_RETURN(f.actor_id, api::QueryId(req, "actor"));
    VECHE_ASSIGN_OR_RETURN(f.action, QueryName(req, "action", kMaxActionBytes));
    VECHE_ASSIGN_OR_RETURN(f.target_kind, QueryName(req, "target_kind", kMaxTargetKindBytes));
    VECHE_ASSIGN_OR_RETURN(f.target_id, api::QueryId(req, "target_id"));
    constexpr std::int64_t kMaxMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
    VECHE_ASSIGN_OR_RETURN(f.from, api::QueryInt(req, "from", 0, kMaxMs));
    VECHE_ASSIGN_OR_RETURN(f.to, api::QueryInt(req, "to", 0, kMaxMs));
    if (f.from && f.to && *f.from > *f.to)
        return Error{ErrorCode::kInvalidArgument, "invalid_time_range", "'from' is after 'to'"};
    VECHE_ASSIGN_OR_RETURN(f.before, api::QueryId(req, "before"));
    VECHE_ASSIGN_OR_RETURN(auto limit, api::QueryInt(req, "limit", 1, max_limit));
    f.limit = static_cast<int>(limit.value_or(default_limit));
    return f;
}

bj::object FilterToJson(const Filter& f) {
    bj::object o;
    if (f.actor_id) o["actor"] = IdToString(*f.actor_id);
    if (f.action) o["action"] = *f.action;
    if (f.target_kind) o["target_kind"] = *f.target_kind;
    if (f.target_id) o["target_id"] = IdToString(*f.target_id);
    if (f.from) o["from"] = *f.from;
    if (f.to) o["to"] = *f.to;
    if (f.before) o["before"] = IdToString(*f.before);
    o["limit"] = f.limit;
    return o;
}

std::string IsoTime(std::int64_t ms) {
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
    return buf;
}

// data.username, when the entry names a login (an attempted one, a created account): a column of
// its own because administrators filter their spreadsheets by it. Anyone can choose it by failing
// a login, which is why CsvField defuses formulas.
std::string DataUsername(const std::string& data_json) {
    boost::system::error_code ec;
    bj::value v = bj::parse(data_json, ec);
    if (ec || !v.is_object()) return "";
    const auto* u = v.as_object().if_contains("username");
    return u && u->is_string() ? std::string(u->as_string()) : "";
}

std::string CsvLine(std::initializer_list<std::string_view> fields) {
    std::string out;
    bool first = true;
    for (auto f : fields) {
        if (!first) out += ',';
        first = false;
        out += CsvField(f);
    }
    out += "\r\n";
    return out;
}

std::string OptString(const std::optional<std::string>& s) { return s.value_or(""); }
std::string OptIdString(const std::optional<Id>& id) { return id ? IdToString(*id) : ""; }

}  // namespace

bj::object RowToJson(const Row& r) {
    boost::system::error_code ec;
    bj::value data = bj::parse(r.data_json, ec);
    if (ec) data = bj::value(r.data_json);
    return bj::object{{"id", IdToString(r.id)},
                      {"at", r.at},
                      {"actor_id", OptId(r.actor_id)},
                      {"actor_ip", OptText(r.actor_ip)},
                      {"action", r.action},
                      {"target_kind", OptText(r.target_kind)},
                      {"target_id", OptId(r.target_id)},
                      {"data", std::move(data)},
                      {"prev_hash", r.prev_hash},
                      {"hash", r.hash}};
}

std::string CsvField(std::string_view value) {
    std::string v;
    if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                           value[0] == '\t' || value[0] == '\r'))
        v = "'";
    v += value;
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

void AddAdminRoutes(api::Router& router, const api::HttpKit& kit, storage::Database& db,
                    roles::RoleService& roles) {
    router.Add("GET", "/api/v1/admin/audit",
               api::Authed(kit, [&db, &roles](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(roles.Require(ctx.user_id(), roles::kAuditRead));
                   VECHE_ASSIGN_OR_RETURN(auto f, ReadFilter(req, 50, 200));
                   VECHE_ASSIGN_OR_RETURN(auto rows, List(db, f));
                   bj::array arr;
                   for (const auto& r : rows) arr.push_back(RowToJson(r));
                   bj::object out{{"entries", std::move(arr)}};
                   api::SetNextBefore(out, rows, f.limit, [](const auto& r) { return r.id; });
                   return api::Json(200, out);
               }));

    // The export is itself audited, in a write after the read: a failure to record it is a 500
    // and no file, so no export goes unrecorded.
    router.Add("GET", "/api/v1/admin/audit.csv",
               api::Authed(kit, [&db, &roles](Request& req, const Caller& ctx) -> Result<Response> {
                   VECHE_RETURN_IF_ERROR(roles.Require(ctx.user_id(), roles::kAuditRead));
                   VECHE_ASSIGN_OR_RETURN(auto f, ReadFilter(req, kCsvMaxRows, kCsvMaxRows));
                   VECHE_ASSIGN_OR_RETURN(auto rows, List(db, f));
                   std::string body =
                       CsvLine({"id", "time", "at", "actor_id", "actor_ip", "action", "target_kind",
                                "target_id", "username", "data", "prev_hash", "hash"});
                   for (const auto& r : rows) {
                       body += CsvLine({IdToString(r.id), IsoTime(r.at), std::to_string(r.at),
                                        OptIdString(r.actor_id), OptString(r.actor_ip), r.action,
                                        OptString(r.target_kind), OptIdString(r.target_id),
                                        DataUsername(r.data_json), r.data_json, r.prev_hash, r.hash});
                   }
                   bj::object data{{"format", "csv"},
                                   {"rows", static_cast<std::int64_t>(rows.size())},
                                   {"filters", FilterToJson(f)}};
                   VECHE_RETURN_IF_ERROR(db.Write([&](storage::Tx& tx) -> Status {
                       return Record(tx, {ctx.user_id(), req.remote_ip, "audit.exported", "", std::nullopt,
                                          json::Serialize(data)});
                   }));
                   Response r;
                   r.status = 200;
                   r.content_type = "text/csv; charset=utf-8";
                   r.body = std::move(body);
                   r.headers.emplace_back("Content-Disposition", "attachment; filename=\"veche-audit.csv\"");
                   if (static_cast<int>(rows.size()) == f.limit)
                       r.headers.emplace_back("X-Next-Before", IdToString(rows.back().id));
                   return r;
               }));
}

}  // namespace veche::audit
