#include "access.hpp"
#include "chat_internal.hpp"
#include "message_store.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/search/search_index.hpp"

namespace veche::chat {

Result<SearchPage> ChatService::Search(const Actor& actor, const SearchQuery& q) {
    std::string match = search::MatchExpression(q.text);
    if (match.empty()) return Error::InvalidArgument("query parameter 'query' must contain a word");
    if (q.limit < 1 || q.limit > 100) return Error::InvalidArgument("'limit' must be between 1 and 100");
    return db_.Read([&](Tx& tx) -> Result<SearchPage> {
        if (q.chat_id) VECHE_RETURN_IF_ERROR(SeeAsMember(tx, actor, *q.chat_id));
            // FTS5 walks its index newest-first (rowids are time-ordered ids), so the filters and LIMIT
            // stop the scan early instead of ranking every match.
#define VECHE_SEARCH_FILTERS                                            \
    "AND m.chat_id IN (SELECT chat_id FROM members WHERE user_id = ?) " \
    "AND (CAST(? AS BIGINT) IS NULL OR m.chat_id = ?) "                 \
    "AND (CAST(? AS BIGINT) IS NULL OR m.author_id = ?) "               \
    "AND (CAST(? AS BIGINT) IS NULL OR m.created_at >= ?) "             \
    "AND (CAST(? AS BIGINT) IS NULL OR m.created_at < ?) "              \
    "AND (? = 0 OR EXISTS (SELECT 1 FROM files f WHERE f.message_id = m.id)) "
        // The query's words are quoted phrases in both engines: FTS5 MATCH syntax, and PostgreSQL's
        // websearch_to_tsquery, which reads "…" as a phrase and never fails on user input.
        auto& st = tx.dialect() == storage::Dialect::kPostgres
            ? tx.Query(
                  "SELECT " VECHE_MESSAGE_COLUMNS("m.") ", ts_headline('veche', m.text, q.q, "
                  "'StartSel=\uE000, StopSel=\uE001, MaxWords=24, MinWords=8, MaxFragments=1, "
                  "FragmentDelimiter=…') "
                  "FROM (SELECT websearch_to_tsquery('veche', translate(?, 'Ёё', 'Ее')) AS q) q "
                  "JOIN message_search s ON s.search @@ q.q JOIN messages m ON m.id = s.message_id "
                  "WHERE s.message_id < ? AND m.deleted_at IS NULL " VECHE_SEARCH_FILTERS
                  "ORDER BY s.message_id DESC LIMIT ?",
                  match, q.before.value_or(INT64_MAX), actor.user_id, q.chat_id, q.chat_id, q.author_id,
                  q.author_id, q.from_ms, q.from_ms, q.to_ms, q.to_ms, q.has_file,
                  static_cast<std::int64_t>(q.limit) + 1)
            : tx.Query(
                  "SELECT " VECHE_MESSAGE_COLUMNS("m.") ", snippet(messages_fts, 0, char(57344), char(57345), '…', 24) "
                  "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
                  "WHERE messages_fts MATCH ? AND messages_fts.rowid < ? AND m.deleted_at IS NULL " VECHE_SEARCH_FILTERS
                  "ORDER BY messages_fts.rowid DESC LIMIT ?",
                  match, q.before.value_or(INT64_MAX), actor.user_id, q.chat_id, q.chat_id, q.author_id,
                  q.author_id, q.from_ms, q.from_ms, q.to_ms, q.to_ms, q.has_file,
                  static_cast<std::int64_t>(q.limit) + 1);
#undef VECHE_SEARCH_FILTERS
        SearchPage page;
        while (st.Step()) page.hits.push_back({ReadMessage(st), st.Text(kMessageColumnCount)});
        if (static_cast<int>(page.hits.size()) > q.limit) {
            page.hits.pop_back();
            page.next_before = page.hits.back().message.id;
        }
        std::vector<Message> messages;
        for (auto& h : page.hits) messages.push_back(std::move(h.message));
        LoadExtras(tx, messages, actor.user_id);
        for (std::size_t i = 0; i < messages.size(); ++i) page.hits[i].message = std::move(messages[i]);
        return page;
    });
}

}  // namespace veche::chat
