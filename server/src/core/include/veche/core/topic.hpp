#pragma once
// What an event is about, as the realtime layer addresses it: `chat:42`, `ticket:7`, `queue:3`,
// `community:5`. The module that owns a kind says who follows its topics (realtime::Audience);
// the hub delivers an event to the followers of its topic, live and on replay.
//
// Topic ids are Veche ids (veche/core/ids.hpp), unique across every kind of object, so the event
// log indexes events by id alone and the kind travels beside it.

#include <optional>
#include <string>
#include <string_view>

#include "veche/core/ids.hpp"

namespace veche {

struct Topic {
    std::string kind;  // a module's object kind: lowercase letters, digits and '_', 1..32 chars
    Id id = 0;

    bool empty() const { return id == 0; }
    bool operator==(const Topic&) const = default;
};

inline Topic ChatTopic(Id chat_id) { return chat_id == 0 ? Topic{} : Topic{"chat", chat_id}; }

// Whether `kind` may name a topic kind (see above).
bool ValidTopicKind(std::string_view kind);

// "chat:42"; "" for the empty topic.
std::string TopicToString(const Topic& topic);
// "chat:42" → {"chat", 42}; nullopt for anything else (no kind, bad kind, bad or zero id).
std::optional<Topic> ParseTopic(std::string_view text);

}  // namespace veche
