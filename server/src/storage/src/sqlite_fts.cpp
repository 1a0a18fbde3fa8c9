// The "veche" FTS5 tokenizer: search::TermExtractor (lowercase + Snowball stems) behind SQLite's
// tokenizer interface (https://sqlite.org/fts5.html#custom_tokenizers). Documents and queries go
// through the same code, so an inflected query word meets its other forms in the index.
#include <memory>

#include "sqlite_internal.hpp"
#include "veche/core/search_text.hpp"

namespace veche::storage::sqlite {
namespace {

int Create(void*, const char**, int, Fts5Tokenizer** out) {
    try {
        *out = reinterpret_cast<Fts5Tokenizer*>(new search::TermExtractor());
        return SQLITE_OK;
    } catch (...) {
        return SQLITE_ERROR;
    }
}

void Delete(Fts5Tokenizer* t) { delete reinterpret_cast<search::TermExtractor*>(t); }

int Tokenize(Fts5Tokenizer* t, void* ctx, int, const char* text, int size,
             int (*token)(void*, int, const char*, int, int, int)) {
    auto* extractor = reinterpret_cast<search::TermExtractor*>(t);
    int rc = SQLITE_OK;
    extractor->ForEachTerm(std::string_view(text, static_cast<std::size_t>(size)),
                           [&](std::string_view term, std::size_t begin, std::size_t end) {
                               rc = token(ctx, 0, term.data(), static_cast<int>(term.size()),
                                          static_cast<int>(begin), static_cast<int>(end));
                               return rc == SQLITE_OK;
                           });
    return rc;
}

}  // namespace

void RegisterTokenizer(sqlite3* db) {
    fts5_api* api = nullptr;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, nullptr) == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, reinterpret_cast<void*>(&api), "fts5_api_ptr", nullptr);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (!api) throw StorageError("SQLite was built without FTS5", false);
    static fts5_tokenizer tokenizer{Create, Delete, Tokenize};
    int rc = api->xCreateTokenizer(api, "veche", nullptr, &tokenizer, nullptr);
    if (rc != SQLITE_OK) Throw(db, rc, "register tokenizer");
}

}  // namespace veche::storage::sqlite
