#include "veche/core/search_text.hpp"

#include <libstemmer.h>

#include <stdexcept>

namespace veche::search {
namespace {

constexpr std::size_t kMaxWordBytes = 128;

// Decodes one UTF-8 code point at `i`; invalid bytes decode as themselves (one byte), which the
// word test then treats as a separator.
char32_t Decode(std::string_view s, std::size_t& i) {
    auto c = static_cast<unsigned char>(s[i]);
    auto cont = [&](std::size_t k) { return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80; };
    if (c < 0x80) { i += 1; return c; }
    if ((c & 0xE0) == 0xC0 && cont(1)) {
        char32_t cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
        i += 2;
        return cp;
    }
    if ((c & 0xF0) == 0xE0 && cont(1) && cont(2)) {
        char32_t cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
        i += 3;
        return cp;
    }
    if ((c & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
        char32_t cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
        i += 4;
        return cp;
    }
    i += 1;
    return 0xFFFD;
}

void Encode(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

bool IsCyrillic(char32_t cp) { return cp >= 0x400 && cp <= 0x52F; }

bool IsWordChar(char32_t cp) {
    if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    if (cp == 0xFFFD) return false;
    if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;  // Latin-1 punctuation and signs
    if (cp == 0xD7 || cp == 0xF7) return false;                    // × ÷
    if (cp >= 0x2000 && cp <= 0x2BFF) return false;                // punctuation, arrows, symbols
    if (cp >= 0x3000 && cp <= 0x303F) return false;                // CJK punctuation
    if (cp >= 0xFE00 && cp <= 0xFE6F) return false;                // variation selectors, small forms
    if (cp >= 0xFF00 && cp <= 0xFF0F) return false;
    if (cp >= 0x1F000) return false;                               // emoji and pictographs
    return true;
}

char32_t Lower(char32_t cp) {
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if (cp == 0x401 || cp == 0x451) return 0x435;               // Ё, ё → е
    if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;           // А–Я
    if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;           // Ѐ–Џ
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;  // À–Þ
    return cp;
}

}  // namespace

TermExtractor::TermExtractor()
    : russian_(sb_stemmer_new("russian", "UTF_8")), english_(sb_stemmer_new("english", "UTF_8")) {
    if (!russian_ || !english_) throw std::runtime_error("Snowball stemmers are not available");
}

TermExtractor::~TermExtractor() {
    sb_stemmer_delete(russian_);
    sb_stemmer_delete(english_);
}

std::string_view TermExtractor::Stem(std::string_view lowered, bool cyrillic, bool latin) {
    sb_stemmer* stemmer = cyrillic ? russian_ : latin ? english_ : nullptr;
    if (!stemmer || lowered.size() > kMaxWordBytes) return lowered;
    const sb_symbol* out =
        sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(lowered.data()), static_cast<int>(lowered.size()));
    if (!out) return lowered;
    return {reinterpret_cast<const char*>(out), static_cast<std::size_t>(sb_stemmer_length(stemmer))};
}

bool TermExtractor::ForEachTerm(
    std::string_view text, const std::function<bool(std::string_view, std::size_t, std::size_t)>& emit) {
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t start = i;
        char32_t cp = Decode(text, i);
        if (!IsWordChar(cp)) continue;
        buffer_.clear();
        bool cyrillic = false, latin = true;
        std::size_t end = i;
        for (;;) {
            cyrillic = cyrillic || IsCyrillic(cp);
            latin = latin && cp < 0x80 && !(cp >= '0' && cp <= '9');
            Encode(Lower(cp), buffer_);
            end = i;
            if (i >= text.size()) break;
            std::size_t next = i;
            char32_t ncp = Decode(text, next);
            if (!IsWordChar(ncp)) break;
            cp = ncp;
            i = next;
        }
        std::string_view term = Stem(buffer_, cyrillic, latin && !cyrillic);
        if (!emit(term, start, end)) return false;
    }
    return true;
}

std::string TermExtractor::Terms(std::string_view text) {
    std::string out;
    ForEachTerm(text, [&](std::string_view term, std::size_t, std::size_t) {
        if (!out.empty()) out.push_back(' ');
        out.append(term);
        return true;
    });
    return out;
}

}  // namespace veche::search
