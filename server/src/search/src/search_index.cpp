#include "veche/search/search_index.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "veche/core/clock.hpp"
#include "veche/core/text.hpp"
#include "veche/core/topic.hpp"

namespace veche::search {
namespace {

// Append-only (veche/storage/migration.hpp). SQLite: the documents, and an FTS5 index over their
// title and body with the Snowball tokenizer (external content: the text is stored once).
// PostgreSQL: the same table with a generated, weighted tsvector in the `veche` configuration
// (baseline migration 4), Ё folded to Е as the tokenizer folds it.
constexpr storage::ModuleMigration kMigrations[] = {
    {1, "create search_documents",
     "CREATE TABLE search_documents (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, doc_id INTEGER NOT NULL, "
     "scope_id INTEGER NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL, "
     "UNIQUE (kind, doc_id));"
     "CREATE VIRTUAL TABLE search_documents_fts USING fts5(title, body, content='search_documents', "
     "content_rowid='id', tokenize='veche')",
     "CREATE TABLE search_documents (id BIGINT PRIMARY KEY, kind TEXT NOT NULL, doc_id BIGINT NOT NULL, "
     "scope_id BIGINT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, at BIGINT NOT NULL, "
     "search TSVECTOR GENERATED ALWAYS AS ("
     "setweight(to_tsvector('veche', translate(title, 'Ёё', 'Ее')), 'A') || "
     "setweight(to_tsvector('veche', translate(body, 'Ёё', 'Ее')), 'B')) STORED, "
     "UNIQUE (kind, doc_id));"
     "CREATE INDEX search_documents_gin ON search_documents USING GIN (search)"},
};

struct Stored {
    Id row_id;
    std::string title, body;
};

std::optional<Stored> Load(storage::Tx& tx, const std::string& kind, Id id) {
    auto& st =
        tx.Query("SELECT id, title, body FROM search_documents WHERE kind = ? AND doc_id = ?", kind, id);
    std::optional<Stored> out;
    if (st.Step()) out = Stored{st.Int(0), st.Text(1), st.Text(2)};
    while (st.Step()) {
    }
    return out;
}

// SQLite FTS5 flushes its pending terms at every savepoint, so index maintenance runs once per
// batch (Tx::Defer), with the text the index holds captured now.
void FtsDelete(storage::Tx& tx, const Stored& old) {
    tx.Defer([old](storage::Tx& t) {
        t.Exec(
            "INSERT INTO search_documents_fts(search_documents_fts, rowid, title, body) VALUES ('delete', ?, "
            "?, ?)",
            old.row_id, old.title, old.body);
    });
}
void FtsInsert(storage::Tx& tx, Id row_id, const std::string& title, const std::string& body) {
    tx.Defer([row_id, title, body](storage::Tx& t) {
        t.Exec("INSERT INTO search_documents_fts(rowid, title, body) VALUES (?, ?, ?)", row_id, title, body);
    });
}

}  // namespace

storage::ModuleSchema Schema() { return {"search", kMigrations}; }

Status Index(storage::Tx& tx, const Document& doc) {
    if (!ValidTopicKind(doc.kind))
        return Error::InvalidArgument("search: bad document kind '" + doc.kind + "'");
    if (doc.id <= 0) return Error::InvalidArgument("search: bad document id");
    if (doc.title.size() > kMaxTitleBytes || doc.body.size() > kMaxBodyBytes)
        return Error::InvalidArgument("search: document text too large");
    if (!text::IsValidUtf8(doc.title) || !text::IsValidUtf8(doc.body))
        return Error::InvalidArgument("search: document text is not UTF-8");
    std::int64_t at = doc.at ? doc.at : NowMs();
    if (tx.dialect() == storage::Dialect::kPostgres) {
        tx.Exec(
            "INSERT INTO search_documents(id, kind, doc_id, scope_id, title, body, at) VALUES (?, ?, ?, ?, "
            "?, ?, ?) "
            "ON CONFLICT (kind, doc_id) DO UPDATE SET scope_id = excluded.scope_id, title = excluded.title, "
            "body = excluded.body, at = excluded.at",
            GlobalIds().Next(), doc.kind, doc.id, doc.scope_id, doc.title, doc.body, at);
        return {};
    }
    if (auto old = Load(tx, doc.kind, doc.id)) {
        tx.Exec("UPDATE search_documents SET scope_id = ?, title = ?, body = ?, at = ? WHERE id = ?",
                doc.scope_id, doc.title, doc.body, at, old->row_id);
        FtsDelete(tx, *old);
        FtsInsert(tx, old->row_id, doc.title, doc.body);
        return {};
    }
    Id row_id = GlobalIds().Next();
    tx.Exec(
        "INSERT INTO search_documents(id, kind, doc_id, scope_id, title, body, at) VALUES (?, ?, ?, ?, ?, ?, "
        "?)",
        row_id, doc.kind, doc.id, doc.scope_id, doc.title, doc.body, at);
    FtsInsert(tx, row_id, doc.title, doc.body);
    return {};
}

void Remove(storage::Tx& tx, const std::string& kind, Id id) {
    if (tx.dialect() == storage::Dialect::kPostgres) {
        tx.Exec("DELETE FROM search_documents WHERE kind = ? AND doc_id = ?", kind, id);
        return;
    }
    auto old = Load(tx, kind, id);
    if (!old) return;
    tx.Exec("DELETE FROM search_documents WHERE id = ?", old->row_id);
    FtsDelete(tx, *old);
}

Result<std::vector<Hit>> Find(storage::Tx& tx, const Query& q) {
    std::string match = MatchExpression(q.text);
    if (match.empty()) return Error::InvalidArgument("the query must contain a word");
    if (q.kinds.empty()) return Error::InvalidArgument("search: no kinds");
    for (const auto& k : q.kinds) {
        if (!ValidTopicKind(k)) return Error::InvalidArgument("search: bad document kind '" + k + "'");
    }
    if (q.limit < 1 || q.limit > 100) return Error::InvalidArgument("'limit' must be between 1 and 100");
    if (q.offset < 0 || q.offset > 1000) return Error::InvalidArgument("'offset' must be between 0 and 1000");
    std::vector<Hit> out;
    if (q.scopes && q.scopes->empty()) return out;

    const bool pg = tx.dialect() == storage::Dialect::kPostgres;
    // Lists travel as one parameter: a PostgreSQL array literal, a JSON array for SQLite's
    // json_each (kinds are [a-z0-9_], ids are numbers, so neither needs quoting).
    std::string kinds, scopes;
    for (const auto& k : q.kinds) kinds += (kinds.empty() ? "" : ",") + (pg ? k : "\"" + k + "\"");
    kinds = pg ? "{" + kinds + "}" : "[" + kinds + "]";
    std::optional<std::string> scope_list;
    if (q.scopes) {
        for (Id s : *q.scopes) scopes += (scopes.empty() ? "" : ",") + std::to_string(s);
        scope_list = pg ? "{" + scopes + "}" : "[" + scopes + "]";
    }
    auto& st =
        pg ? tx.Query(
                 "SELECT d.kind, d.doc_id, d.scope_id, d.at, ts_headline('veche', d.title || ' — ' || "
                 "d.body, q.q, "
                 "'StartSel=\uE000, StopSel=\uE001, MaxWords=24, MinWords=8, MaxFragments=1, "
                 "FragmentDelimiter=…') "
                 "FROM (SELECT websearch_to_tsquery('veche', translate(?, 'Ёё', 'Ее')) AS q) q "
                 "JOIN search_documents d ON d.search @@ q.q "
                 "WHERE d.kind = ANY(?::text[]) AND (?::text IS NULL OR d.scope_id = ANY(?::bigint[])) "
                 "ORDER BY ts_rank(d.search, q.q) DESC, d.id DESC LIMIT ? OFFSET ?",
                 match, kinds, scope_list, scope_list, q.limit, q.offset)
           : tx.Query(
                 "SELECT d.kind, d.doc_id, d.scope_id, d.at, "
                 "snippet(search_documents_fts, -1, char(57344), char(57345), '…', 24) "
                 "FROM search_documents_fts JOIN search_documents d ON d.id = search_documents_fts.rowid "
                 "WHERE search_documents_fts MATCH ? AND d.kind IN (SELECT value FROM json_each(?)) "
                 "AND (? IS NULL OR d.scope_id IN (SELECT value FROM json_each(?))) "
                 "ORDER BY bm25(search_documents_fts, 2.0, 1.0), d.id DESC LIMIT ? OFFSET ?",
                 match, kinds, scope_list, scope_list, q.limit, q.offset);
    while (st.Step()) out.push_back({st.Text(0), st.Int(1), st.Int(2), st.Int(3), st.Text(4)});
    return out;
}

}  // namespace veche::search
