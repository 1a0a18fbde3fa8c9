#pragma once
// A WebSocket connection as the hub sees it, recording what it is handed (hub and module tests).

#include <boost/json/parse.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "veche/realtime/hub.hpp"

namespace veche::test {

using realtime::Frame;

// A connection that records what the hub hands it. Presence frames (pos 0) are kept apart: they
// come from the hub's own timer thread.
class FakeSubscriber final : public realtime::Subscriber {
public:
    using Subscriber::Subscriber;

    struct Delivery {
        Frame frame;
        std::int64_t pos;
    };

    void Deliver(Frame frame, std::int64_t pos) override {
        {
            std::lock_guard lock(mu_);
            if (pos == 0) {
                presence_.push_back(std::move(frame));
            } else {
                events_.push_back({std::move(frame), pos});
            }
        }
        cv_.notify_all();
    }
    void Flush() override {
        std::lock_guard lock(mu_);
        flushed_events_.push_back(events_.size());
    }
    void Close(int code, std::string reason) override {
        std::lock_guard lock(mu_);
        closes_.emplace_back(code, std::move(reason));
    }
    // The number of event frames received before each Flush.
    std::vector<std::size_t> FlushedEvents() const {
        std::lock_guard lock(mu_);
        return flushed_events_;
    }

    std::vector<Delivery> Events() const {
        std::lock_guard lock(mu_);
        return events_;
    }
    std::vector<std::int64_t> Positions() const {
        std::lock_guard lock(mu_);
        std::vector<std::int64_t> out;
        for (const auto& d : events_) out.push_back(d.pos);
        return out;
    }
    std::vector<std::string> Kinds() const {
        std::lock_guard lock(mu_);
        std::vector<std::string> out;
        for (const auto& d : events_)
            out.push_back(boost::json::parse(*d.frame).at("kind").as_string().c_str());
        return out;
    }
    std::vector<std::pair<int, std::string>> Closes() const {
        std::lock_guard lock(mu_);
        return closes_;
    }
    // Whether an event at `pos` or later arrived within a generous deadline.
    bool WaitForPos(std::int64_t pos) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, std::chrono::seconds(20),
                            [&] { return !events_.empty() && events_.back().pos >= pos; });
    }
    bool WaitForPresence() {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return !presence_.empty(); });
    }
    std::vector<Frame> Presence() const {
        std::lock_guard lock(mu_);
        return presence_;
    }

private:
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Delivery> events_;
    std::vector<Frame> presence_;
    std::vector<std::pair<int, std::string>> closes_;
    std::vector<std::size_t> flushed_events_;
};

}  // namespace veche::test
