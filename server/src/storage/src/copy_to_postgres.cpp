// `veche migrate --from <data dir> --to postgresql://…`: moves a single-node install to cluster
// storage. Both schemas are brought to the latest version first, so their tables and columns match;
// rows are streamed from one SQLite read transaction into PostgreSQL in batches, then the parts that
// differ by engine (the search index, the event position counter) are rebuilt.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "veche/storage/database.hpp"

namespace veche::storage {
namespace {

constexpr int kRowsPerWrite = 500;

struct TableInfo {
    std::string name;
    std::vector<std::string> columns;
};

// Tables of the SQLite schema that hold data (not FTS5 shadow tables or bookkeeping).
std::vector<TableInfo> DataTables(Database& sqlite, const std::vector<ModuleSchema>& modules) {
    auto r = sqlite.Read([](Tx& tx) -> Result<std::vector<TableInfo>> {
        std::vector<TableInfo> out;
        // FTS5 tables (messages_fts, any module's) and their shadow tables (<name>_data, …) are
        // SQLite's own index; PostgreSQL builds its own (below, or a generated column).
        std::vector<std::string> fts;
        auto& vt = tx.Query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'");
        while (vt.Step()) fts.push_back(vt.Text(0));
        auto& st = tx.Query(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT IN ('schema_migrations', 'module_migrations', 'sqlite_sequence') ORDER BY "
            "rootpage");
        while (st.Step()) {
            std::string name = st.Text(0);
            bool index = std::any_of(fts.begin(), fts.end(), [&](const std::string& v) {
                return name == v || name.rfind(v + "_", 0) == 0;
            });
            if (!index) out.push_back({std::move(name), {}});
        }
        for (auto& t : out) {
            auto& cols = tx.Query("SELECT name FROM pragma_table_info(?) ORDER BY cid", t.name);
            while (cols.Step()) t.columns.push_back(cols.Text(0));
        }
        return out;
    });
    if (!r.ok()) throw StorageError("cannot list the SQLite tables: " + r.error().message, false);
    // Referenced tables first (PostgreSQL checks foreign keys row by row): the baseline's in this
    // order, then each module's (named after it) in dependency order, each in creation order.
    static const std::vector<std::string> kOrder = {"users", "sessions", "chats", "members", "messages"};
    auto rank = [&modules](const std::string& name) {
        auto it = std::find(kOrder.begin(), kOrder.end(), name);
        if (it != kOrder.end()) return static_cast<std::size_t>(it - kOrder.begin());
        for (std::size_t i = 0; i < modules.size(); ++i) {
            if (name.rfind(modules[i].module + "_", 0) == 0) return kOrder.size() + 1 + i;
        }
        return kOrder.size();
    };
    std::stable_sort(r->begin(), r->end(),
                     [&](const TableInfo& a, const TableInfo& b) { return rank(a.name) < rank(b.name); });
    return std::move(*r);
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
    return out;
}

std::int64_t Count(Database& db, const std::string& table) {
    auto n = db.Read([&](Tx& tx) -> Result<std::int64_t> {
        return tx.QueryInt("SELECT COUNT(*) FROM " + table).value_or(-1);
    });
    return n.ok() ? *n : -1;
}

}  // namespace

std::vector<TableCopy> CopySqliteToPostgres(const std::string& sqlite_path, const std::string& pg_url,
                                            const std::vector<ModuleSchema>& modules,
                                            const std::function<void(const TableCopy&)>& progress) {
    DatabaseOptions so;
    so.path = sqlite_path;
    so.readers = 1;
    so.modules = modules;
    auto sqlite = OpenSqlite(so);
    PostgresOptions po;
    po.url = pg_url;
    po.readers = 1;
    po.modules = modules;
    auto pg = OpenPostgres(po);

    auto existing = pg->Read([](Tx& tx) -> Result<std::int64_t> {
        return tx.QueryInt("SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM events)").value_or(0);
    });
    if (!existing.ok()) throw StorageError("cannot read the target database", false);
    if (*existing != 0)
        throw StorageError("the target database already holds data; migrate into an empty one", false);

    std::vector<TableCopy> copies;
    for (const auto& table : DataTables(*sqlite, modules)) {
        std::string cols = Join(table.columns, ", ");
        std::vector<std::string> marks(table.columns.size(), "?");
        std::string insert =
            "INSERT INTO " + table.name + "(" + cols + ") VALUES (" + Join(marks, ", ") + ")";
        std::int64_t copied = 0;
        // Rows as text with their NULLs: PostgreSQL converts each to its column's type.
        using Row = std::vector<std::optional<std::string>>;
        std::vector<Row> chunk;
        auto flush = [&] {
            if (chunk.empty()) return;
            auto w = pg->Write([&](Tx& tx) -> Status {
                for (const auto& row : chunk) {
                    Statement& st = tx.Prepare(insert);
                    st.Reset();
                    for (std::size_t i = 0; i < row.size(); ++i) st.Bind(static_cast<int>(i + 1), row[i]);
                    while (st.Step()) {
                    }
                }
                return {};
            });
            if (!w.ok()) throw StorageError("copying " + table.name + " failed: " + w.error().message, false);
            copied += static_cast<std::int64_t>(chunk.size());
            chunk.clear();
        };
        auto read = sqlite->Read([&](Tx& tx) -> Status {
            auto& st = tx.Query("SELECT " + cols + " FROM " + table.name);
            while (st.Step()) {
                Row row(table.columns.size());
                for (std::size_t i = 0; i < row.size(); ++i) {
                    if (!st.IsNull(static_cast<int>(i))) row[i] = st.Text(static_cast<int>(i));
                }
                chunk.push_back(std::move(row));
                if (chunk.size() >= kRowsPerWrite) flush();
            }
            flush();
            return {};
        });
        if (!read.ok())
            throw StorageError("reading " + table.name + " failed: " + read.error().message, false);
        TableCopy c{table.name, Count(*sqlite, table.name), Count(*pg, table.name)};
        if (progress) progress(c);
        copies.push_back(std::move(c));
    }

    // What each engine keeps its own way: the search index and the next event position.
    auto fin = pg->Write([](Tx& tx) -> Status {
        tx.Exec(
            "INSERT INTO message_search(message_id, search) "
            "SELECT id, to_tsvector('veche', translate(text, 'Ёё', 'Ее')) FROM messages WHERE deleted_at IS "
            "NULL");
        tx.Exec("UPDATE event_counter SET last = (SELECT COALESCE(MAX(pos), 0) FROM events) WHERE id = 1");
        return {};
    });
    if (!fin.ok()) throw StorageError("rebuilding the search index failed: " + fin.error().message, false);
    sqlite->Stop();
    pg->Stop();
    return copies;
}

}  // namespace veche::storage
