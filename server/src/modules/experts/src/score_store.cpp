#include "score_store.hpp"

#include <cstdlib>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace veche::experts::store {

namespace bj = boost::json;
using storage::Tx;

namespace {

constexpr std::string_view kEventColumns =
    "id, user_id, community_id, rule_key, points, source_kind, source_id, day, created_at, created_by, reason, "
    "voided_at, void_reason";

ScoreEvent ReadEvent(storage::Statement& st) {
    ScoreEvent e;
    e.id = st.Int(0);
    e.user_id = st.Int(1);
    e.community_id = st.OptInt(2);
    e.rule_key = st.Text(3);
    e.points = static_cast<int>(st.Int(4));
    e.source_kind = st.Text(5);
    e.source_id = st.Int(6);
    e.day = st.Int(7);
    e.created_at = st.Int(8);
    e.created_by = st.OptInt(9);
    e.reason = st.Text(10);
    e.voided_at = st.OptInt(11);
    if (!st.IsNull(12)) e.void_reason = st.Text(12);
    return e;
}

ScoreRule ReadRule(storage::Statement& st) {
    ScoreRule r;
    r.key = st.Text(0);
    r.points = static_cast<int>(st.Int(1));
    r.active = st.Int(2) != 0;
    r.description = st.Text(3);
    r.updated_by = st.OptInt(4);
    r.updated_at = st.Int(5);
    return r;
}

void AddToMonth(Tx& tx, std::int64_t day, Id user_id, std::optional<Id> community_id, std::int64_t points,
                std::int64_t events) {
    tx.Exec(
        "INSERT INTO experts_score_monthly(month, user_id, community_id, points, events) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (month, user_id, community_id) DO UPDATE SET points = experts_score_monthly.points + "
        "excluded.points, events = experts_score_monthly.events + excluded.events",
        MonthOfDay(day), user_id, community_id.value_or(0), points, events);
    tx.Exec(
        "INSERT INTO experts_score_yearly(year, user_id, community_id, points, events) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (year, user_id, community_id) DO UPDATE SET points = experts_score_yearly.points + "
        "excluded.points, events = experts_score_yearly.events + excluded.events",
        MonthOfDay(day) / 12, user_id, community_id.value_or(0), points, events);
}

// The table and key column of a span, and the key's lower bound.
std::string SpanSource(const Span& span) {
    return span.by_year ? "experts_score_yearly m WHERE m.year >= ?" : "experts_score_monthly m WHERE m.month >= ?";
}

std::int64_t SpanFrom(const Span& span) { return span.by_year ? span.from_month / 12 : span.from_month; }

// " AND m.user_id NOT IN (…)" for the excluded roles and deactivated accounts; binds follow.
std::string Exclusions(std::size_t roles) {
    std::string sql = " AND m.user_id NOT IN (SELECT id FROM users WHERE deactivated <> 0)";
    if (roles == 0) return sql;
    sql += " AND m.user_id NOT IN (SELECT g.user_id FROM roles_grants g JOIN roles_catalog r ON r.id = g.role_id "
           "WHERE r.name IN (";
    for (std::size_t i = 0; i < roles; ++i) sql += i ? ", ?" : "?";
    return sql + "))";
}

}  // namespace

void InsertDefaults(Tx& tx) {
    for (const auto& d : kDefaultRules)
        tx.Exec("INSERT INTO experts_score_rules(key, points, active, description, updated_at) VALUES (?, ?, 1, ?, 0) "
                "ON CONFLICT (key) DO NOTHING",
                d.key, d.points, d.description);
    const std::string insert = "INSERT INTO experts_score_settings(key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING";
    tx.Exec(insert, "excluded_roles", "[\"experts.moderator\"]");
    tx.Exec(insert, "recalculations_per_day", "5");
}

RulePoints ActiveRulePoints(Tx& tx) {
    RulePoints out;
    auto& st = tx.Query("SELECT key, points FROM experts_score_rules WHERE active = 1");
    while (st.Step()) out.emplace(st.Text(0), static_cast<int>(st.Int(1)));
    return out;
}

std::vector<ScoreRule> LoadRules(Tx& tx) {
    std::vector<ScoreRule> out;
    auto& st = tx.Query(
        "SELECT key, points, active, description, updated_by, updated_at FROM experts_score_rules ORDER BY key");
    while (st.Step()) out.push_back(ReadRule(st));
    return out;
}

std::optional<ScoreRule> LoadRule(Tx& tx, const std::string& key) {
    auto& st = tx.Query(
        "SELECT key, points, active, description, updated_by, updated_at FROM experts_score_rules WHERE key = ?",
        key);
    if (!st.Step()) return std::nullopt;
    ScoreRule r = ReadRule(st);
    while (st.Step()) {
    }
    return r;
}

void SaveRule(Tx& tx, const ScoreRule& r) {
    tx.Exec("UPDATE experts_score_rules SET points = ?, active = ?, updated_by = ?, updated_at = ? WHERE key = ?",
            r.points, r.active, r.updated_by, r.updated_at, r.key);
}

ScoreSettings LoadSettings(Tx& tx) {
    ScoreSettings s;
    auto& st = tx.Query("SELECT key, value FROM experts_score_settings");
    while (st.Step()) {
        std::string key = st.Text(0), value = st.Text(1);
        if (key == "excluded_roles") {
            boost::system::error_code ec;
            bj::value v = bj::parse(value, ec);
            if (!ec && v.is_array())
                for (const auto& e : v.get_array())
                    if (e.is_string()) s.excluded_roles.emplace_back(e.get_string());
        } else if (key == "recalculations_per_day") {
            s.recalculations_per_day = std::atoi(value.c_str());
        }
    }
    return s;
}

void SaveSettings(Tx& tx, const ScoreSettings& s) {
    bj::array roles;
    for (const auto& r : s.excluded_roles) roles.emplace_back(r);
    const std::string upsert =
        "INSERT INTO experts_score_settings(key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
        "excluded.value";
    tx.Exec(upsert, "excluded_roles", bj::serialize(roles));
    tx.Exec(upsert, "recalculations_per_day", std::to_string(s.recalculations_per_day));
}

std::vector<LedgerRow> UnvoidedRows(Tx& tx, std::string_view source_kind, Id source_id) {
    std::vector<LedgerRow> out;
    auto& st = tx.Query(
        "SELECT id, user_id, community_id, rule_key, points, day FROM experts_score_events "
        "WHERE source_kind = ? AND source_id = ? AND voided_at IS NULL ORDER BY id",
        source_kind, source_id);
    while (st.Step())
        out.push_back({st.Int(0), {st.Int(1), st.OptInt(2), st.Text(3), static_cast<int>(st.Int(4)), st.Int(5)}});
    return out;
}

void InsertEvent(Tx& tx, const ScoreEvent& e) {
    tx.Exec(
        "INSERT INTO experts_score_events(id, user_id, community_id, rule_key, points, source_kind, source_id, day, "
        "created_at, created_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        e.id, e.user_id, e.community_id, e.rule_key, e.points, e.source_kind, e.source_id, e.day, e.created_at,
        e.created_by, e.reason);
    AddToMonth(tx, e.day, e.user_id, e.community_id, e.points, 1);
}

bool VoidEvent(Tx& tx, Id event_id, const std::string& reason, std::int64_t now) {
    auto e = LoadEvent(tx, event_id);
    if (!e || e->voided_at) return false;
    tx.Exec("UPDATE experts_score_events SET voided_at = ?, void_reason = ? WHERE id = ? AND voided_at IS NULL", now,
            reason, event_id);
    AddToMonth(tx, e->day, e->user_id, e->community_id, -e->points, -1);
    return true;
}

std::optional<ScoreEvent> LoadEvent(Tx& tx, Id event_id) {
    auto& st = tx.Query("SELECT " + std::string(kEventColumns) + " FROM experts_score_events WHERE id = ?", event_id);
    if (!st.Step()) return std::nullopt;
    ScoreEvent e = ReadEvent(st);
    while (st.Step()) {
    }
    return e;
}

std::vector<ScoreEvent> ListEvents(Tx& tx, const LedgerFilter& f) {
    std::string sql = "SELECT " + std::string(kEventColumns) + " FROM experts_score_events WHERE id < ?";
    if (f.user_id) sql += " AND user_id = ?";
    if (f.community_id) sql += " AND community_id = ?";
    if (f.source_kind) sql += " AND source_kind = ?";
    if (f.source_id) sql += " AND source_id = ?";
    if (!f.include_voided) sql += " AND voided_at IS NULL";
    sql += " ORDER BY id DESC LIMIT ?";
    auto& st = tx.Prepare(sql);
    st.Reset();
    int i = 1;
    st.Bind(i++, f.before.value_or(INT64_MAX));
    if (f.user_id) st.Bind(i++, *f.user_id);
    if (f.community_id) st.Bind(i++, *f.community_id);
    if (f.source_kind) st.Bind(i++, *f.source_kind);
    if (f.source_id) st.Bind(i++, *f.source_id);
    st.Bind(i++, f.limit);
    std::vector<ScoreEvent> out;
    while (st.Step()) out.push_back(ReadEvent(st));
    return out;
}

Span SpanOf(Period period, std::int64_t from_day) {
    if (period == Period::kAll) return {0, true};
    return {MonthOfDay(from_day), period == Period::kYear};
}

std::vector<std::pair<Id, std::int64_t>> UserTotals(Tx& tx, Span span, std::optional<Id> community_id,
                                                   const std::vector<std::string>& excluded_roles) {
    std::string sql = "SELECT m.user_id, SUM(m.points) FROM " + SpanSource(span);
    if (community_id) sql += " AND m.community_id = ?";
    sql += Exclusions(excluded_roles.size()) + " GROUP BY m.user_id HAVING SUM(m.events) > 0";
    auto& st = tx.Prepare(sql);
    st.Reset();
    int i = 1;
    st.Bind(i++, SpanFrom(span));
    if (community_id) st.Bind(i++, *community_id);
    for (const auto& r : excluded_roles) st.Bind(i++, r);
    std::vector<std::pair<Id, std::int64_t>> out;
    while (st.Step()) out.emplace_back(st.Int(0), st.Int(1));
    return out;
}

std::vector<std::pair<Id, std::int64_t>> CommunityTotals(Tx& tx, Span span,
                                                        const std::vector<std::string>& excluded_roles) {
    std::string sql = "SELECT m.community_id, SUM(m.points) FROM " + SpanSource(span) + " AND m.community_id <> 0" +
                      Exclusions(excluded_roles.size()) + " GROUP BY m.community_id HAVING SUM(m.events) > 0";
    auto& st = tx.Prepare(sql);
    st.Reset();
    int i = 1;
    st.Bind(i++, SpanFrom(span));
    for (const auto& r : excluded_roles) st.Bind(i++, r);
    std::vector<std::pair<Id, std::int64_t>> out;
    while (st.Step()) out.emplace_back(st.Int(0), st.Int(1));
    return out;
}

std::pair<std::int64_t, std::int64_t> UserSum(Tx& tx, Id user_id, Span span) {
    auto& st = tx.Query("SELECT COALESCE(SUM(m.points), 0), COALESCE(SUM(m.events), 0) FROM " + SpanSource(span) +
                            " AND m.user_id = ?",
                        SpanFrom(span), user_id);
    std::pair<std::int64_t, std::int64_t> out{0, 0};
    if (st.Step()) out = {st.Int(0), st.Int(1)};
    while (st.Step()) {
    }
    return out;
}

std::int64_t RecalculationsSince(Tx& tx, std::int64_t since_ms) {
    return tx.QueryInt("SELECT COUNT(*) FROM experts_score_recalculations WHERE at >= ?", since_ms).value_or(0);
}

void InsertRecalculation(Tx& tx, Id by, const Recalculation& r, std::int64_t at) {
    tx.Exec(
        "INSERT INTO experts_score_recalculations(id, requested_by, since, at, sources, inserted, voided) VALUES "
        "(?, ?, ?, ?, ?, ?, ?)",
        r.id, by, r.since, at, r.sources, r.inserted, r.voided);
}

}  // namespace veche::experts::store
