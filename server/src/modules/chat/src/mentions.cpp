#include "veche/chat/mentions.hpp"

#include <cctype>

namespace veche::chat {

std::set<std::string> ParseMentions(std::string_view t) {
    std::set<std::string> out;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] != '@') continue;
        if (i > 0) {
            unsigned char prev = static_cast<unsigned char>(t[i - 1]);
            if (std::isalnum(prev) || prev == '.' || prev == '_' || prev == '-' || prev >= 0x80) continue;
        }
        std::size_t j = i + 1;
        std::string name;
        while (j < t.size() && name.size() <= 32) {
            char c = static_cast<char>(std::tolower(static_cast<unsigned char>(t[j])));
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
                break;
            name.push_back(c);
            ++j;
        }
        while (!name.empty() && (name.back() == '.' || name.back() == '-'))
            name.pop_back();  // "@ivan." ends a sentence
        if (name.size() >= 2 && name.size() <= 32) out.insert(name);
        i = j - 1;
    }
    return out;
}

}  // namespace veche::chat
