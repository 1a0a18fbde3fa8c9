#include <string>
#include <string_view>

#include "veche/core/search_text.hpp"
#include "veche/search/search_index.hpp"

namespace veche::search {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

// Each word a quoted phrase (implicit AND): FTS5 MATCH syntax, and PostgreSQL's
// websearch_to_tsquery, which reads "…" as a phrase and never fails on user input, so operators
// and punctuation typed by the user are never parsed as query syntax.
std::string MatchExpression(std::string_view query) {
    std::string out;
    std::size_t i = 0;
    while (i < query.size()) {
        while (i < query.size() && IsSpace(query[i])) ++i;
        std::size_t j = i;
        while (j < query.size() && !IsSpace(query[j])) ++j;
        std::string word;
        for (char c : query.substr(i, j - i)) {
            if (c != '"') word.push_back(c);
        }
        // Words that hold no searchable term (punctuation, emoji) would make an empty phrase.
        thread_local TermExtractor extractor;
        if (!word.empty() && !extractor.Terms(word).empty()) {
            if (!out.empty()) out.push_back(' ');
            out += '"' + word + '"';
        }
        i = j;
    }
    return out;
}

}  // namespace veche::search
