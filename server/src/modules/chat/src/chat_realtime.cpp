#include "veche/chat/realtime.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <memory>

#include "veche/core/topic.hpp"
#include "veche/realtime/hub.hpp"
#include "veche/storage/database.hpp"

namespace veche::chat {

std::vector<Id> ChatAudience::FollowedBy(storage::Tx& tx, Id user_id) const {
    std::vector<Id> out;
    auto& st = tx.Query("SELECT chat_id FROM members WHERE user_id = ?", user_id);
    while (st.Step()) out.push_back(st.Int(0));
    return out;
}

Status TypingAction::operator()(const realtime::ClientFrame& frame) {
    auto it = frame.body.find("chat_id");
    std::optional<Id> chat_id;
    if (it != frame.body.end() && it->value().is_string()) chat_id = ParseId(it->value().get_string());
    if (!chat_id || *chat_id <= 0) return realtime::InvalidFrame("'chat_id' must be an id string");
    Topic topic = ChatTopic(*chat_id);
    // The hub's view of membership is the one its deliveries follow: typing in a chat one has just
    // left fails exactly when its events stop arriving.
    if (!hub_.Follows(frame.user_id, topic)) return Error::NotFound("chat");
    std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now().time_since_epoch())
                           .count();
    {
        std::lock_guard lock(mu_);
        if (last_.size() > 100'000) last_.clear();
        auto& last = last_[std::to_string(frame.user_id) + ":" + std::to_string(*chat_id)];
        if (now - last < 2000) return {};
        last = now;
    }
    auto out = std::make_shared<const std::string>(boost::json::serialize(boost::json::object{
        {"type", "typing"}, {"chat_id", IdToString(*chat_id)}, {"user_id", IdToString(frame.user_id)}}));
    hub_.Signal(topic, frame.user_id, std::move(out));
    return {};
}

}  // namespace veche::chat
