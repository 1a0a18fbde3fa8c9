#include "veche/core/topic.hpp"

namespace veche {

bool ValidTopicKind(std::string_view kind) {
    if (kind.empty() || kind.size() > 32) return false;
    for (char c : kind) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

std::string TopicToString(const Topic& topic) {
    if (topic.empty()) return {};
    return topic.kind + ":" + IdToString(topic.id);
}

std::optional<Topic> ParseTopic(std::string_view text) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto kind = text.substr(0, colon);
    if (!ValidTopicKind(kind)) return std::nullopt;
    auto id = ParseId(text.substr(colon + 1));
    if (!id || *id <= 0) return std::nullopt;
    return Topic{std::string(kind), *id};
}

}  // namespace veche
