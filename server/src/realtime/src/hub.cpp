#include "veche/realtime/hub.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

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
    out += e.kind;  // kinds are our own identifiers, no escaping needed
    out += '"';
    if (e.chat_id != 0) {
        out += R"(,"chat_id":")";
        out += std::to_string(e.chat_id);
        out += '"';
    }
    out += R"(,"data":)";
    out += e.data_json;
    out += '}';
    return out;
}

Hub::Hub(storage::Database& db, chat::ChatService& chats, accounts::AccountService& accounts)
    : db_(db), chats_(chats), accounts_(accounts) {
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

Result<std::int64_t> Hub::Attach(const std::shared_ptr<Subscriber>& sub) {
    bool first = false;
    std::int64_t head;
    {
        std::lock_guard lock(mu_);
        auto& conns = by_user_[sub->user_id()];
        first = conns.empty();
        if (first) {
            // Read membership under the hub lock: every published event is already committed, so this
            // snapshot includes all of them, and later membership events are applied by Publish in order.
            auto chat_ids = chats_.ChatIdsOf(sub->user_id());
            if (!chat_ids.ok()) {
                by_user_.erase(sub->user_id());
                return std::move(chat_ids).error();
            }
            auto& mine = chats_by_user_[sub->user_id()];
            for (Id c : *chat_ids) {
                mine.insert(c);
                users_by_chat_[c].insert(sub->user_id());
            }
        }
        conns.push_back(sub);
        head = last_published_;
    }
    Connections()->Add(1);
    if (first) {
        if (relay_) relay_->RelayConnection(sub->user_id(), true);
        auto user = accounts_.GetUser(sub->user_id());
        if (user.ok()) QueuePresence(sub->user_id(), user->presence_pref);
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
            if (auto mine = chats_by_user_.find(sub->user_id()); mine != chats_by_user_.end()) {
                for (Id c : mine->second) {
                    auto uc = users_by_chat_.find(c);
                    if (uc == users_by_chat_.end()) continue;
                    uc->second.erase(sub->user_id());
                    if (uc->second.empty()) users_by_chat_.erase(uc);
                }
                chats_by_user_.erase(mine);
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

void Hub::Publish(const std::vector<Event>& events) {
    std::vector<Id> revoked;
    PublishLocked(events, revoked);
    // After the event itself went out: the revoked connections learn why, then close (4001).
    if (!revoked.empty()) OnSessionsRevoked(revoked);
}

void Hub::PublishLocked(const std::vector<Event>& events, std::vector<Id>& revoked) {
    std::lock_guard lock(mu_);
    ++batch_;
    std::vector<Subscriber*> touched;
    std::size_t sent = 0;
    for (const auto& e : events) {
        auto frame = std::make_shared<const std::string>(EventFrame(e));
        if (e.membership == MembershipChange::kAdd && by_user_.count(e.target_user_id)) {
            chats_by_user_[e.target_user_id].insert(e.chat_id);
            users_by_chat_[e.chat_id].insert(e.target_user_id);
        }
        if (e.broadcast) {
            for (const auto& [uid, conns] : by_user_) sent += DeliverToUserLocked(uid, frame, e.pos, touched);
        } else {
            const std::unordered_set<Id>* members = nullptr;
            if (e.chat_id != 0) {
                if (auto it = users_by_chat_.find(e.chat_id); it != users_by_chat_.end()) {
                    members = &it->second;
                    for (Id uid : it->second) sent += DeliverToUserLocked(uid, frame, e.pos, touched);
                }
            }
            // A target who is also a member already has it: every connection gets an event once.
            if (e.target_user_id != 0 && !(members && members->count(e.target_user_id)))
                sent += DeliverToUserLocked(e.target_user_id, frame, e.pos, touched);
        }
        if (e.membership == MembershipChange::kRemove) {
            if (auto mine = chats_by_user_.find(e.target_user_id); mine != chats_by_user_.end())
                mine->second.erase(e.chat_id);
            if (auto uc = users_by_chat_.find(e.chat_id); uc != users_by_chat_.end()) {
                uc->second.erase(e.target_user_id);
                if (uc->second.empty()) users_by_chat_.erase(uc);
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
    if (!IsConnected(user_id)) return;  // still offline to others until a connection appears
    auto user = accounts_.GetUser(user_id);
    if (user.ok()) QueuePresence(user_id, user->presence_pref);
}

bool Hub::Typing(Id user_id, Id chat_id) {
    std::lock_guard lock(mu_);
    auto mine = chats_by_user_.find(user_id);
    if (mine == chats_by_user_.end() || !mine->second.count(chat_id)) return false;
    std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now().time_since_epoch()).count();
    if (last_typing_.size() > 100'000) last_typing_.clear();
    auto& last = last_typing_[std::to_string(user_id) + ":" + std::to_string(chat_id)];
    if (now - last < 2000) return true;
    last = now;
    DeliverTypingLocked(user_id, chat_id);
    if (relay_) relay_->RelayTyping(user_id, chat_id);
    return true;
}

void Hub::RemoteTyping(Id user_id, Id chat_id) {
    std::lock_guard lock(mu_);
    DeliverTypingLocked(user_id, chat_id);
}

void Hub::DeliverTypingLocked(Id user_id, Id chat_id) {
    auto it = users_by_chat_.find(chat_id);
    if (it == users_by_chat_.end()) return;
    auto frame = std::make_shared<const std::string>(boost::json::serialize(boost::json::object{
        {"type", "typing"}, {"chat_id", IdToString(chat_id)}, {"user_id", IdToString(user_id)}}));
    for (Id uid : it->second) {
        if (uid == user_id) continue;
        if (auto conns = by_user_.find(uid); conns != by_user_.end()) {
            for (const auto& s : conns->second) {
                s->Deliver(frame, 0);
                s->Flush();
            }
        }
    }
}

void Hub::RemoteConnectionChanged(Id user_id) {
    if (IsConnectedHere(user_id)) return;  // this node's own connections already decide
    if (!IsConnected(user_id)) {
        QueuePresence(user_id, "offline");
        return;
    }
    auto user = accounts_.GetUser(user_id);
    if (user.ok()) QueuePresence(user_id, user->presence_pref);
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
        users_by_chat_.clear();
        chats_by_user_.clear();
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
            boost::json::serialize(boost::json::object{{"type", "presence"}, {"users", std::move(users)}}));
        {
            std::lock_guard hub_lock(mu_);
            for (const auto& [uid, conns] : by_user_) {
                for (const auto& s : conns) {
                    s->Deliver(frame, 0);
                    s->Flush();
                }
            }
        }
        lock.lock();
    }
}

}  // namespace veche::realtime
