// Desk numbers in mail subjects (email_subject.hpp).
#include "email_subject.hpp"

#include <cctype>

#include "veche/core/text.hpp"

namespace veche::support {

// "[SUP-000123]" in a subject: the number (the first well-formed tag; case-insensitive).
std::optional<std::int64_t> NumberInSubject(const std::string& subject) {
    for (std::size_t at = 0; at + 6 < subject.size(); ++at) {
        if (subject[at] != '[' ||
            (subject.compare(at + 1, 4, "SUP-") != 0 && subject.compare(at + 1, 4, "sup-") != 0))
            continue;
        std::size_t d = at + 5;
        std::size_t end = d;
        while (end < subject.size() && end - d < 13 && std::isdigit(static_cast<unsigned char>(subject[end])))
            ++end;
        if (end > d && end - d <= 12 && end < subject.size() && subject[end] == ']')
            return std::stoll(subject.substr(d, end - d));
    }
    return std::nullopt;
}

// The subject without reply prefixes ("Re:", "Fwd:", "AW:", "Ответ:") and desk numbers: what
// "Re: … [SUP-…]" is built on. Linear in the subject's length.
std::string BaseSubject(const std::string& subject) {
    std::string s;
    for (std::size_t i = 0; i < subject.size();) {
        std::size_t close = subject[i] == '[' ? subject.find(']', i) : std::string::npos;
        if (close != std::string::npos && close - i <= 18 &&
            NumberInSubject(subject.substr(i, close - i + 1))) {
            i = close + 1;
            continue;
        }
        s += subject[i++];
    }
    // ASCII prefixes compare case-insensitively (the first bytes lowered); Cyrillic ones as usually written.
    static constexpr std::string_view kPrefixes[] = {
        "re:", "fwd:", "fw:", "aw:", "ответ:", "Ответ:", "отв:", "Отв:"};
    for (bool again = true; again;) {
        again = false;
        s = std::string(text::Trim(s));
        std::string head = s.substr(0, 16);
        for (auto& c : head)
            if (static_cast<unsigned char>(c) < 0x80)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (auto p : kPrefixes) {
            if (head.compare(0, p.size(), p) == 0) {
                s.erase(0, p.size());
                again = true;
                break;
            }
        }
    }
    std::string out;  // the double spaces a removed tag leaves, collapsed
    for (char c : s)
        if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
    return std::string(text::Trim(out));
}

}  // namespace veche::support
