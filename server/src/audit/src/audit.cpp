#include "veche/audit/audit.hpp"

#include "veche/core/clock.hpp"
#include "veche/core/crypto.hpp"

namespace veche::audit {
namespace {

using storage::Dialect;
using storage::Statement;
using storage::Tx;

constexpr std::string_view kColumns =
    "id, at, actor_id, actor_ip, action, target_kind, target_id, data, prev_hash, hash";

bool IsActionChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'; }

Status CheckName(std::string_view what, std::string_view s, std::size_t max, bool may_be_empty) {
    if ((s.empty() && !may_be_empty) || s.size() > max)
        return Error::InvalidArgument(std::string(what) + " must be 1 to " + std::to_string(max) + " bytes");
    for (char c : s) {
        if (!IsActionChar(c))
            return Error::InvalidArgument(std::string(what) + " may contain only a-z, 0-9, '_', '.'");
    }
    return {};
}

std::optional<std::string> OptText(const Statement& st, int col) {
    return st.IsNull(col) ? std::nullopt : std::optional<std::string>(st.Text(col));
}

Row ReadRow(const Statement& st) {
    Row r;
    r.id = st.Int(0);
    r.at = st.Int(1);
    r.actor_id = st.OptInt(2);
    r.actor_ip = OptText(st, 3);
    r.action = st.Text(4);
    r.target_kind = OptText(st, 5);
    r.target_id = st.OptInt(6);
    r.data_json = st.Text(7);
    r.prev_hash = st.Text(8);
    r.hash = st.Text(9);
    return r;
}

void Frame(std::string& out, std::string_view field) {
    out += std::to_string(field.size());
    out += ':';
    out += field;
    out += '\n';
}
void FrameOpt(std::string& out, const std::optional<std::string>& field) {
    if (field)
        Frame(out, *field);
    else
        out += "-\n";
}
std::optional<std::string> OptNumber(const std::optional<Id>& v) {
    return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
}

// Links one row to the head and moves the head, at the end of the batch (see audit.hpp).
// The head row is created by the first append rather than by the migration, so that
// `veche migrate --to postgresql://…` can copy a SQLite head into the new database.
void Append(Tx& tx, Row row) {
    tx.Exec("INSERT INTO audit_head(id, seq, hash) VALUES (1, 0, ?) ON CONFLICT (id) DO NOTHING",
            kGenesisHash);
    const char* head_sql = tx.dialect() == Dialect::kPostgres
                               ? "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
                               : "SELECT seq, hash FROM audit_head WHERE id = 1";
    Statement& head = tx.Query(head_sql);
    if (!head.Step()) throw storage::StorageError("audit_head row is missing", false);
    row.id = head.Int(0) + 1;
    row.prev_hash = head.Text(1);
    while (head.Step()) {
    }
    row.hash = ChainHash(row.prev_hash, row);
    tx.Exec(
        "INSERT INTO audit_log(id, at, actor_id, actor_ip, action, target_kind, target_id, data, prev_hash, "
        "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        row.id, row.at, row.actor_id, row.actor_ip, row.action, row.target_kind, row.target_id, row.data_json,
        row.prev_hash, row.hash);
    tx.Exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", row.id, row.hash);
}

}  // namespace

std::string CanonicalText(const Row& r) {
    std::string out = "veche-audit-v1\n";
    Frame(out, std::to_string(r.id));
    Frame(out, std::to_string(r.at));
    FrameOpt(out, OptNumber(r.actor_id));
    FrameOpt(out, r.actor_ip);
    Frame(out, r.action);
    FrameOpt(out, r.target_kind);
    FrameOpt(out, OptNumber(r.target_id));
    Frame(out, r.data_json);
    return out;
}

std::string ChainHash(std::string_view prev_hash, const Row& row) {
    std::string text(prev_hash);
    text += '\n';
    text += CanonicalText(row);
    return crypto::Sha256Hex(text);
}

Status Record(Tx& tx, Entry entry) {
    if (!tx.IsWrite()) return Error::Internal("audit::Record outside a write transaction");
    VECHE_RETURN_IF_ERROR(CheckName("audit action", entry.action, kMaxActionBytes, false));
    VECHE_RETURN_IF_ERROR(CheckName("audit target kind", entry.target_kind, kMaxTargetKindBytes, true));
    if (entry.data_json.empty()) entry.data_json = "{}";
    if (entry.data_json.size() > kMaxDataBytes || entry.data_json.front() != '{')
        return Error::InvalidArgument("audit data must be a JSON object of at most 16 KiB");
    Row row;
    row.at = entry.at ? entry.at : NowMs();
    row.actor_id = entry.actor_id;
    if (!entry.actor_ip.empty()) row.actor_ip = std::move(entry.actor_ip);
    row.action = std::move(entry.action);
    if (!entry.target_kind.empty()) row.target_kind = std::move(entry.target_kind);
    row.target_id = entry.target_id;
    row.data_json = std::move(entry.data_json);
    tx.Defer([row = std::move(row)](Tx& t) { Append(t, row); });
    return {};
}

Result<std::vector<Row>> List(storage::Database& db, const Filter& f) {
    std::string sql = "SELECT " + std::string(kColumns) + " FROM audit_log WHERE 1 = 1";
    if (f.actor_id) sql += " AND actor_id = ?";
    if (f.action) sql += " AND action = ?";
    if (f.target_kind) sql += " AND target_kind = ?";
    if (f.target_id) sql += " AND target_id = ?";
    if (f.from) sql += " AND at >= ?";
    if (f.to) sql += " AND at <= ?";
    if (f.before) sql += " AND id < ?";
    sql += " ORDER BY id DESC LIMIT ?";
    return db.Read([&](Tx& tx) -> Result<std::vector<Row>> {
        Statement& st = tx.Prepare(sql);
        st.Reset();
        int i = 1;
        if (f.actor_id) st.Bind(i++, *f.actor_id);
        if (f.action) st.Bind(i++, *f.action);
        if (f.target_kind) st.Bind(i++, *f.target_kind);
        if (f.target_id) st.Bind(i++, *f.target_id);
        if (f.from) st.Bind(i++, *f.from);
        if (f.to) st.Bind(i++, *f.to);
        if (f.before) st.Bind(i++, *f.before);
        st.Bind(i++, f.limit);
        std::vector<Row> out;
        while (st.Step()) out.push_back(ReadRow(st));
        return out;
    });
}

Result<Verification> Verify(storage::Database& db) {
    return db.Read([](Tx& tx) -> Result<Verification> {
        Verification v;
        auto broken = [&v](Id id, std::string reason) {
            v.ok = false;
            v.broken_id = id;
            v.reason = std::move(reason);
        };
        std::string prev(kGenesisHash);
        Id expected = 1;
        static const std::string sql = "SELECT " + std::string(kColumns) + " FROM audit_log ORDER BY id";
        Statement& st = tx.Query(sql);
        while (st.Step()) {
            Row r = ReadRow(st);
            ++v.rows;
            if (r.id != expected) {
                broken(expected, r.id > expected ? "the row is missing (the next stored row is " +
                                                       std::to_string(r.id) + ")"
                                                 : "the row is out of sequence");
            } else if (r.prev_hash != prev) {
                broken(r.id, "prev_hash does not match the hash of the row before it");
            } else if (ChainHash(prev, r) != r.hash) {
                broken(r.id, "the hash does not match the row's contents (the row was changed)");
            }
            if (!v.ok) {
                while (st.Step()) {
                }
                return v;
            }
            prev = r.hash;
            ++expected;
        }
        v.head_hash = prev;
        Id last = expected - 1;
        // No head row: nothing was ever recorded (the first append creates it).
        Id seq = 0;
        std::string head_hash(kGenesisHash);
        Statement& head = tx.Query("SELECT seq, hash FROM audit_head WHERE id = 1");
        if (head.Step()) {
            seq = head.Int(0);
            head_hash = head.Text(1);
            while (head.Step()) {
            }
        }
        if (seq > last) {
            broken(last + 1, "the row is missing (the log ends at " + std::to_string(last) +
                                 " but the head names row " + std::to_string(seq) + ")");
        } else if (seq < last) {
            broken(seq + 1,
                   "the row was added after the head (the head names row " + std::to_string(seq) + ")");
        } else if (head_hash != prev) {
            broken(last, "the head's hash does not match the last row");
        }
        return v;
    });
}

}  // namespace veche::audit
