#pragma once
// The messenger on the realtime hub: a chat's topic ("chat:42") is followed by its members, and a
// member's "is typing" frame reaches the chat's other connected members.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "veche/realtime/audience.hpp"

namespace veche::realtime {
class Hub;
}

namespace veche::chat {

class ChatAudience final : public realtime::Audience {
public:
    std::string_view kind() const override { return "chat"; }
    std::vector<Id> FollowedBy(storage::Tx& tx, Id user_id) const override;
};

// The `{"type":"typing","chat_id":…}` frame: not stored, at most one per user and chat every 2 s
// (extra ones are dropped silently); chat_not_found for a chat the sender is not a member of.
// Thread-safe.
class TypingAction {
public:
    explicit TypingAction(realtime::Hub& hub) : hub_(hub) {}
    Status operator()(const realtime::ClientFrame& frame);

private:
    realtime::Hub& hub_;
    std::mutex mu_;
    std::unordered_map<std::string, std::int64_t> last_;  // "user:chat" → steady ms
};

}  // namespace veche::chat
