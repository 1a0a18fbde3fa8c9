#pragma once
// Turns text into search terms (SRCH-2): words are lowercased (Unicode-aware for Latin and Cyrillic,
// Ё → Е) and reduced to their stems with Snowball — Russian for Cyrillic words, English for Latin
// ones — so "договора" and "договор", "approvals" and "approval" meet on one term.
// Not thread-safe: one instance per thread or connection.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

struct sb_stemmer;

namespace veche::search {

class TermExtractor {
public:
    TermExtractor();
    ~TermExtractor();
    TermExtractor(const TermExtractor&) = delete;
    TermExtractor& operator=(const TermExtractor&) = delete;

    // Calls `emit(term, begin, end)` for each word, with byte offsets of the word in `text`.
    // Returns false early if `emit` does.
    bool ForEachTerm(std::string_view text,
                     const std::function<bool(std::string_view term, std::size_t begin, std::size_t end)>& emit);

    // The terms of `text` joined by spaces (for tests and query building).
    std::string Terms(std::string_view text);

private:
    std::string_view Stem(std::string_view lowered, bool cyrillic, bool latin);

    sb_stemmer* russian_;
    sb_stemmer* english_;
    std::string buffer_;
};

}  // namespace veche::search
