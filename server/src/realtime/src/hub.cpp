#include "veche/realtime/hub.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "veche/core/metrics.hpp"
#include "veche/realtime/event_log.hpp"

namespace veche::realtime {
namespace {
constexpr auto kPresenceInterval = std::chrono::milliseconds(250);

metrics::Counter* EventsSent() {
    static auto* c = metrics::Global().GetCounter("veche_events_sent_total", "Event frames handed to connections");
    return c;
}
metrics::Gauge* Connections() {
    static auto* g = metrics::Global().GetGauge("veche_ws_connections", "Open authenticated WebSocket connections");
    return g;
}
}  // namespace

std::string EventFrame(const Event& e) {
    std::string out;
    out.reserve(e.data_json.size() + e.kind.size() + 80);
    out += R"({"type":"event","pos":)";
    out += std::to_string(e.pos);
    out += R"(,"kind":")";
    out += e.kind;  // kinds and topic kinds are our own identifiers, no escaping needed
    out += '"';
    if (!e.topic.empty()) {
        out += R"(,"topic":")";
        out += e.topic.kind;
        out += ':';
        out += std::to_string(e.topic.id);
        out += '"';
        if (e.topic.kind == "chat") {
            out += R"(,"chat_id":")";
            out += std::to_string(e.topic.id);
            out += '"';
        }
    }
    out += R"(,"data":)";
    out += e.data_json;
    out += '}';
    return out;
}

void WsActions::Add(std::string type, WsAction action) {
    if (type.empty() || type == "hello" || type == "ping")
        throw std::logic_error("reserved WebSocket frame type: '" + type + "'");
    if (!actions_.emplace(type, std::move(action)).second)
        throw std::logic_error("WebSocket frame type registered twice: " + type);
}

const WsAction* WsActions::Find(std::string_view type) const {
    auto it = actions_.find(type);
    return it == actions_.end() ? nullptr : &it->second;
}

std::vector<std::string> WsActions::Types() const {
    std::vector<std::string> out;
    for (const auto& [type, action] : actions_) out.push_back(type);
    return out;
}

Hub::Hub(storage::Database& db) : db_(db) {
    // Register the series now so /metrics shows them before the first connection.
    EventsSent();
    Connections();
    auto head = HeadPosition(db_);
    if (!head.ok()) throw std::runtime_error("cannot read the event log head");
    last_published_ = *head;
    presence_thread_ = std::thread([this] { PresenceLoop(); });
}

Hub::~Hub() { Stop(); }

void Hub::Stop() {
    {
        std::lock_guard lock(presence_mu_);
        if (stopping_) return;
        stopping_ = true;
    }
    presence_cv_.notify_all();
    if (presence_thread_.joinable()) presence_thread_.join();
}

void Hub::AddAudience(const Audience& audience) {
    for (const Audience* a : audiences_) {
        if (a->kind() == audience.kind())
            throw std::logic_error("two audiences for topic kind " + std::string(audience.kind()));
    }
    if (!ValidTopicKind(audience.kind())) throw std::logic_error("bad topic kind " + std::string(audience.kind()));
    audiences_.push_back(&audience);
}

std::optional<Hub::Key> Hub::KeyOf(const Topic& topic) const {
    if (topic.empty()) return std::nullopt;
    for (std::size_t i = 0; i < audiences_.size(); ++i) {
        if (audiences_[i]->kind() == topic.kind) return Key{static_cast<std::uint32_t>(i), topic.id};
    }
    return std::nullopt;
}

Result<std::int64_t> Hub::Attach(const std::shared_ptr<Subscriber>& sub) {
    bool first = false;
    std::int64_t head;
    {
        std::lock_guard lock(mu_);
        auto& conns = by_user_[sub->user_id()];
        first = conns.empty();
        if (first) {
            // Read who follows what under the hub lock: every published event is already committed,
            // so this snapshot includes all of them, and later membership events are applied by
            // Publish in order.
            bool restricted = false;
            auto followed = db_.Read([&](storage::Tx& tx) -> Result<std::vector<Key>> {
                std::vector<Key> keys;
                for (std::size_t i = 0; i < audiences_.size(); ++i) {
                    for (Id id : audiences_[i]->FollowedBy(tx, sub->user_id()))
                        keys.push_back(Key{static_cast<std::uint32_t>(i), id});
                }
                restricted = visibility_ && visibility_->Restricted(tx, sub->user_id());
                return keys;
            });
            if (!followed.ok()) {
                by_user_.erase(sub->user_id());
                return std::move(followed).error();
            }
            if (restricted) restricted_.insert(sub->user_id());
            auto& mine = topics_by_user_[sub->user_id()];
            for (const Key& k : *followed) {
                mine.insert(k);
                users_by_topic_[k].insert(sub->user_id());
            }
        }
        conns.push_back(sub);
        head = last_published_;
    }
    Connections()->Add(1);
    if (first) {
        if (relay_) relay_->RelayConnection(sub->user_id(), true);
        if (presence_lookup_) {
            auto presence = presence_lookup_(sub->user_id());
            if (!presence.empty()) QueuePresence(sub->user_id(), std::move(presence));
        }
    }
    return head;
}

void Hub::Detach(const Subscriber* sub) {
    bool last = false;
    {
        std::lock_guard lock(mu_);
        auto it = by_user_.find(sub->user_id());
        if (it == by_user_.end()) return;
        auto& conns = it->second;
        auto found = std::find_if(conns.begin(), conns.end(), [&](const auto& p) { return p.get() == sub; });
        if (found == conns.end()) return;
        conns.erase(found);
        if (conns.empty()) {
            last = true;
            by_user_.erase(it);
            restricted_.erase(sub->user_id());
            if (auto mine = topics_by_user_.find(sub->user_id()); mine != topics_by_user_.end()) {
                for (const Key& k : mine->second) {
                    auto ut = users_by_topic_.find(k);
                    if (ut == users_by_topic_.end()) continue;
                    ut->second.erase(sub->user_id());
                    if (ut->second.empty()) users_by_topic_.erase(ut);
                }
                topics_by_user_.erase(mine);
            }
        }
    }
    Connections()->Add(-1);
    if (last) {
        if (relay_) relay_->RelayConnection(sub->user_id(), false);
        if (!IsConnected(sub->user_id())) QueuePresence(sub->user_id(), "offline");
    }
}

std::size_t Hub::DeliverToUserLocked(Id user_id, const Frame& frame, std::int64_t pos,
                                     std::vector<Subscriber*>& touched) {
    auto it = by_user_.find(user_id);
    if (it == by_user_.end()) return 0;
    for (const auto& s : it->second) {
        s->Deliver(frame, pos);
        if (s->hub_batch_ != batch_) {
            s->hub_batch_ = batch_;
            touched.push_back(s.get());
        }
    }
    return it->second.size();
}

// The session ids of a `session.revoked` event.
static std::vector<Id> RevokedSessions(const Event& e) {
    std::vector<Id> out;
    boost::system::error_code ec;
    auto v = boost::json::parse(e.data_json, ec);
    const auto* ids = !ec && v.is_object() ? v.as_object().if_contains("session_ids") : nullptr;
    if (!ids || !ids->is_array()) return out;
    for (const auto& id : ids->as_array()) {
        if (!id.is_string()) continue;
        if (auto parsed = ParseId(id.as_string())) out.push_back(*parsed);
    }
    return out;
}

Hub::Allowed Hub::AllowedBroadcasts(const std::vector<Event>& events) const {
    Allowed out;
    if (!visibility_) return out;
    std::vector<Id> subjects;
    for (const auto& e : events) {
        if (e.broadcast && e.subject_id != 0) subjects.push_back(e.subject_id);
    }
    if (subjects.empty()) return out;
    std::vector<Id> viewers;
    {
        std::lock_guard lock(mu_);
        viewers.assign(restricted_.begin(), restricted_.end());
    }
    if (viewers.empty()) return out;
    auto read = db_.Read([&](storage::Tx& tx) -> Status {
        for (Id v : viewers) {
            auto visible = visibility_->VisibleTo(tx, v, subjects);
            out[v].insert(visible.begin(), visible.end());
        }
        return {};
    });
    // Without the answer the restricted viewers hear of no one (the map is partial at worst).
    if (!read.ok()) spdlog::warn("realtime: cannot read who guests may see: {}", read.error().message);
    return out;
}

void Hub::Publish(const std::vector<Event>& events) {
    std::vector<Id> revoked;
    auto allowed = AllowedBroadcasts(events);
    PublishLocked(events, allowed, revoked);
    // After the event itself went out: the revoked connections learn why, then close (4001).
    if (!revoked.empty()) OnSessionsRevoked(revoked);
}

void Hub::PublishLocked(const std::vector<Event>& events, const Allowed& allowed, std::vector<Id>& revoked) {
    std::lock_guard lock(mu_);
    ++batch_;
    std::vector<Subscriber*> touched;
    std::size_t sent = 0;
    for (const auto& e : events) {
        auto frame = std::make_shared<const std::string>(EventFrame(e));
        auto key = KeyOf(e.topic);
        if (key && e.membership == MembershipChange::kAdd && by_user_.count(e.target_user_id)) {
            topics_by_user_[e.target_user_id].insert(*key);
            users_by_topic_[*key].insert(e.target_user_id);
        }
        if (e.broadcast) {
            for (const auto& [uid, conns] : by_user_) {
                if (restricted_.count(uid)) {
                    auto it = allowed.find(uid);
                    if (e.subject_id == 0 || it == allowed.end() || !it->second.count(e.subject_id)) continue;
                }
                sent += DeliverToUserLocked(uid, frame, e.pos, touched);
            }
        } else {
            const std::unordered_set<Id>* followers = nullptr;
            if (key) {
                if (auto it = users_by_topic_.find(*key); it != users_by_topic_.end()) {
                    followers = &it->second;
                    for (Id uid : it->second) sent += DeliverToUserLocked(uid, frame, e.pos, touched);
                }
            }
            // A target who also follows the topic already has it: every connection gets an event once.
            if (e.target_user_id != 0 && !(followers && followers->count(e.target_user_id)))
                sent += DeliverToUserLocked(e.target_user_id, frame, e.pos, touched);
        }
        if (key && e.membership == MembershipChange::kRemove) {
            if (auto mine = topics_by_user_.find(e.target_user_id); mine != topics_by_user_.end())
                mine->second.erase(*key);
            if (auto ut = users_by_topic_.find(*key); ut != users_by_topic_.end()) {
                ut->second.erase(e.target_user_id);
                if (ut->second.empty()) users_by_topic_.erase(ut);
            }
        }
        if (e.kind == "session.revoked") {
            auto ids = RevokedSessions(e);
            revoked.insert(revoked.end(), ids.begin(), ids.end());
        }
        last_published_ = std::max(last_published_, e.pos);
    }
    EventsSent()->Add(static_cast<double>(sent));
    for (Subscriber* s : touched) s->Flush();
}

void Hub::OnSessionsRevoked(const std::vector<Id>& session_ids) {
    std::vector<std::shared_ptr<Subscriber>> victims;
    {
        std::lock_guard lock(mu_);
        for (const auto& [uid, conns] : by_user_) {
            for (const auto& s : conns) {
                if (std::find(session_ids.begin(), session_ids.end(), s->session_id()) != session_ids.end())
                    victims.push_back(s);
            }
        }
    }
    for (auto& s : victims) s->Close(kCloseRevoked, "session revoked");
}

void Hub::OnPresenceChanged(Id user_id) {
    if (!IsConnected(user_id) || !presence_lookup_) return;  // offline to others until a connection appears
    auto presence = presence_lookup_(user_id);
    if (!presence.empty()) QueuePresence(user_id, std::move(presence));
}

bool Hub::Follows(Id user_id, const Topic& topic) const {
    auto key = KeyOf(topic);
    if (!key) return false;
    std::lock_guard lock(mu_);
    auto mine = topics_by_user_.find(user_id);
    return mine != topics_by_user_.end() && mine->second.count(*key) > 0;
}

void Hub::Signal(const Topic& topic, Id except_user, Frame frame) {
    if (auto key = KeyOf(topic)) {
        std::lock_guard lock(mu_);
        SignalLocked(*key, except_user, frame);
    }
    if (relay_) relay_->RelaySignal(topic, except_user, *frame);
}

void Hub::RemoteSignal(const Topic& topic, Id except_user, Frame frame) {
    auto key = KeyOf(topic);
    if (!key) return;
    std::lock_guard lock(mu_);
    SignalLocked(*key, except_user, frame);
}

void Hub::SignalLocked(const Key& key, Id except_user, const Frame& frame) {
    auto it = users_by_topic_.find(key);
    if (it == users_by_topic_.end()) return;
    for (Id uid : it->second) {
        if (uid == except_user) continue;
        if (auto conns = by_user_.find(uid); conns != by_user_.end()) {
            for (const auto& s : conns->second) {
                s->Deliver(frame, 0);
                s->Flush();
            }
        }
    }
}

Result<ReplayPage> Hub::ReadReplayPage(Id user_id, std::int64_t after_pos, int limit) const {
    auto page = realtime::ReadReplayPage(db_, audiences_, user_id, after_pos, limit);
    if (!page.ok() || page->gap || !visibility_) return page;
    auto restricted =
        db_.Read([&](storage::Tx& tx) -> Result<bool> { return visibility_->Restricted(tx, user_id); });
    if (!restricted.ok()) return std::move(restricted).error();
    if (!*restricted) return page;
    // Drop the broadcasts the user may not see, reading on while a full page shrank, so that a
    // short page still means the end of the log to the caller.
    ReplayPage out;
    for (;;) {
        bool full = static_cast<int>(page->events.size()) >= limit;
        std::int64_t last = page->events.empty() ? after_pos : page->events.back().pos;
        std::vector<Id> subjects;
        for (const auto& e : page->events) {
            if (e.broadcast && e.subject_id != 0) subjects.push_back(e.subject_id);
        }
        std::unordered_set<Id> visible;
        if (!subjects.empty()) {
            auto ids = db_.Read([&](storage::Tx& tx) -> Result<std::vector<Id>> {
                return visibility_->VisibleTo(tx, user_id, subjects);
            });
            if (!ids.ok()) return std::move(ids).error();
            visible.insert(ids->begin(), ids->end());
        }
        for (auto& e : page->events) {
            if (e.broadcast && (e.subject_id == 0 || !visible.count(e.subject_id))) continue;
            out.events.push_back(std::move(e));
        }
        if (!full || static_cast<int>(out.events.size()) >= limit) break;
        page = realtime::ReadReplayPage(db_, audiences_, user_id, last, limit);
        if (!page.ok()) return std::move(page).error();
        if (page->gap) return page;
    }
    if (static_cast<int>(out.events.size()) > limit) out.events.resize(static_cast<std::size_t>(limit));
    return out;
}

void Hub::RemoteConnectionChanged(Id user_id) {
    if (IsConnectedHere(user_id)) return;  // this node's own connections already decide
    if (!IsConnected(user_id)) {
        QueuePresence(user_id, "offline");
        return;
    }
    if (!presence_lookup_) return;
    auto presence = presence_lookup_(user_id);
    if (!presence.empty()) QueuePresence(user_id, std::move(presence));
}

bool Hub::IsConnectedHere(Id user_id) const {
    std::lock_guard lock(mu_);
    return by_user_.count(user_id) > 0;
}

bool Hub::IsConnected(Id user_id) const {
    return IsConnectedHere(user_id) || (relay_ && relay_->ConnectedElsewhere(user_id));
}

std::size_t Hub::ConnectionCount() const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& [uid, conns] : by_user_) n += conns.size();
    return n;
}

std::int64_t Hub::LastPublished() const {
    std::lock_guard lock(mu_);
    return last_published_;
}

void Hub::CloseAll(int code, const std::string& reason) {
    std::vector<std::shared_ptr<Subscriber>> all;
    {
        std::lock_guard lock(mu_);
        for (const auto& [uid, conns] : by_user_) all.insert(all.end(), conns.begin(), conns.end());
    }
    for (auto& s : all) s->Close(code, reason);
}

void Hub::ReleaseAll() {
    std::unordered_map<Id, std::vector<std::shared_ptr<Subscriber>>> dropped;
    {
        std::lock_guard lock(mu_);
        dropped.swap(by_user_);
        users_by_topic_.clear();
        topics_by_user_.clear();
    }
    // `dropped` is destroyed here, outside the lock.
}

void Hub::QueuePresence(Id user_id, std::string presence) {
    {
        std::lock_guard lock(presence_mu_);
        pending_presence_[user_id] = std::move(presence);
    }
    presence_cv_.notify_one();
}

void Hub::PresenceLoop() {
    std::unique_lock lock(presence_mu_);
    for (;;) {
        presence_cv_.wait(lock, [&] { return stopping_ || !pending_presence_.empty(); });
        if (stopping_) return;
        // Gather a short burst into one frame.
        presence_cv_.wait_for(lock, kPresenceInterval, [&] { return stopping_; });
        if (stopping_) return;
        auto batch = std::move(pending_presence_);
        pending_presence_.clear();
        lock.unlock();
        boost::json::array users;
        for (auto& [uid, presence] : batch) {
            // "offline" chosen by the user and "no connection" look the same to others.
            users.push_back(boost::json::object{{"user_id", IdToString(uid)}, {"presence", presence}});
        }
        auto frame = std::make_shared<const std::string>(
            boost::json::serialize(boost::json::object{{"type", "presence"}, {"users", users}}));
        // A restricted viewer gets a frame of its own, of the users it may see (none: no frame).
        std::unordered_map<Id, Frame> restricted_frames;
        if (visibility_) {
            std::vector<Id> viewers;
            {
                std::lock_guard hub_lock(mu_);
                viewers.assign(restricted_.begin(), restricted_.end());
            }
            if (!viewers.empty()) {
                std::vector<Id> subjects;
                for (const auto& [uid, presence] : batch) subjects.push_back(uid);
                (void)db_.Read([&](storage::Tx& tx) -> Status {
                    for (Id v : viewers) {
                        auto visible = visibility_->VisibleTo(tx, v, subjects);
                        std::unordered_set<Id> seen(visible.begin(), visible.end());
                        boost::json::array mine;
                        for (auto& [uid, presence] : batch) {
                            if (seen.count(uid))
                                mine.push_back(boost::json::object{{"user_id", IdToString(uid)},
                                                                   {"presence", presence}});
                        }
                        if (!mine.empty())
                            restricted_frames[v] = std::make_shared<const std::string>(boost::json::serialize(
                                boost::json::object{{"type", "presence"}, {"users", std::move(mine)}}));
                    }
                    return {};
                });
            }
        }
        {
            std::lock_guard hub_lock(mu_);
            for (const auto& [uid, conns] : by_user_) {
                const Frame* f = &frame;
                if (restricted_.count(uid)) {
                    auto it = restricted_frames.find(uid);
                    if (it == restricted_frames.end()) continue;
                    f = &it->second;
                }
                for (const auto& s : conns) {
                    s->Deliver(*f, 0);
                    s->Flush();
                }
            }
        }
        lock.lock();
    }
}

}  // namespace veche::realtime
