#include "veche/realtime/hub.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_subscriber.hpp"
#include "test_util.hpp"
#include "veche/accounts/account_service.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/chat/realtime.hpp"
#include "veche/realtime/event_log.hpp"

namespace veche::unit {
namespace {

using chat::Actor;
using realtime::Frame;
using test::FakeSubscriber;

Event ChatEvent(std::int64_t pos, Id chat_id, std::string kind, Id target = 0,
                MembershipChange membership = MembershipChange::kNone) {
    Event e;
    e.pos = pos;
    e.topic = ChatTopic(chat_id);
    e.target_user_id = target;
    e.kind = std::move(kind);
    e.data_json = "{\"n\":" + std::to_string(pos) + "}";
    e.membership = membership;
    return e;
}

// What the accounts module wires: revoked sessions and presence changes reach the hub.
class HubListener final : public accounts::SessionListener {
public:
    explicit HubListener(realtime::Hub& hub) : hub_(hub) {}
    void OnSessionsRevoked(const std::vector<Id>& ids) override { hub_.OnSessionsRevoked(ids); }
    void OnPresenceChanged(Id user_id) override { hub_.OnPresenceChanged(user_id); }

private:
    realtime::Hub& hub_;
};

class Hub : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = test::OpenServiceDatabase(dir_.File("hub.db"));
        accounts_ = std::make_unique<accounts::AccountService>(*db_);
        chats_ = std::make_unique<chat::ChatService>(*db_, *accounts_);
        alice_ = {test::InsertUser(*db_, "alice"), false};
        bob_ = {test::InsertUser(*db_, "bob"), false};
        carol_ = {test::InsertUser(*db_, "carol"), false};
        mallory_ = {test::InsertUser(*db_, "mallory"), false};
        // alice and bob share a group; carol and mallory are outside it.
        chat::NewChat spec;
        spec.type = "group";
        spec.member_ids = {bob_.user_id};
        auto g = chats_->CreateChat(alice_, spec);
        ASSERT_TRUE(g.ok());
        group_ = g->first.chat.id;
        hub_ = std::make_unique<realtime::Hub>(*db_);
        hub_->AddAudience(chat_audience_);
        hub_->SetPresenceLookup([this](Id user) {
            auto u = accounts_->GetUser(user);
            return u.ok() ? u->presence_pref : std::string();
        });
        listener_ = std::make_unique<HubListener>(*hub_);
    }
    void TearDown() override {
        // As the server shuts down: the presence flusher first, then the writer, which may still be
        // publishing to the hub; only then the hub itself.
        if (hub_) hub_->Stop();
        if (db_) db_->Stop();
        hub_.reset();
        chats_.reset();
        accounts_.reset();
    }

    // Routes committed events through the hub, as the server does.
    void Wire() {
        db_->SetEventSink(hub_.get());
        accounts_->SetListener(listener_.get());
    }

    std::vector<const realtime::Audience*> Audiences() const { return {&chat_audience_}; }

    std::shared_ptr<FakeSubscriber> Connect(const Actor& who, Id session_id = 0) {
        auto sub =
            std::make_shared<FakeSubscriber>(who.user_id, session_id ? session_id : GlobalIds().Next());
        auto head = hub_->Attach(sub);
        EXPECT_TRUE(head.ok());
        return sub;
    }

    test::TempDir dir_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<accounts::AccountService> accounts_;
    std::unique_ptr<chat::ChatService> chats_;
    chat::ChatAudience chat_audience_;
    std::unique_ptr<realtime::Hub> hub_;
    std::unique_ptr<HubListener> listener_;
    // Outlives the writer, which may still be publishing when a test body returns.
    std::unique_ptr<realtime::UserVisibility> visibility_;
    Actor alice_, bob_, carol_, mallory_;
    Id group_ = 0;
};

}  // namespace

TEST(EventFrame, WrapsTheEventDataOnce) {
    Event e = ChatEvent(42, 7261537281736704, "message.created");
    e.data_json = R"({"text":"hi"})";
    auto frame = boost::json::parse(realtime::EventFrame(e)).as_object();
    EXPECT_EQ(frame.at("type").as_string(), "event");
    EXPECT_EQ(frame.at("pos").as_int64(), 42);
    EXPECT_EQ(frame.at("kind").as_string(), "message.created");
    EXPECT_EQ(frame.at("chat_id").as_string(), "7261537281736704");
    EXPECT_EQ(frame.at("topic").as_string(), "chat:7261537281736704");
    EXPECT_EQ(frame.at("data").at("text").as_string(), "hi");

    Event broadcast;
    broadcast.pos = 43;
    broadcast.broadcast = true;
    broadcast.kind = "user.updated";
    broadcast.data_json = "{}";
    auto b = boost::json::parse(realtime::EventFrame(broadcast)).as_object();
    EXPECT_FALSE(b.contains("chat_id"));
    EXPECT_FALSE(b.contains("topic"));

    // Another module's topic names itself; chat_id is the messenger's alone.
    Event ticket;
    ticket.pos = 44;
    ticket.topic = Topic{"ticket", 7};
    ticket.kind = "ticket.updated";
    ticket.data_json = "{}";
    auto t = boost::json::parse(realtime::EventFrame(ticket)).as_object();
    EXPECT_EQ(t.at("topic").as_string(), "ticket:7");
    EXPECT_FALSE(t.contains("chat_id"));
    EXPECT_EQ(b.at("pos").as_int64(), 43);
}

TEST_F(Hub, MemberReceivesChatEventsAndNonMemberDoesNot) {
    Wire();
    auto alice = Connect(alice_);
    auto bob = Connect(bob_);
    auto mallory = Connect(mallory_);

    auto posted = chats_->Post(alice_, group_, "hello team", std::nullopt);
    ASSERT_TRUE(posted.ok());
    // A broadcast afterwards reaches everyone; once it has, the earlier event was delivered or skipped.
    accounts::ProfileUpdate up;
    up.status_text = "here";
    ASSERT_TRUE(accounts_->UpdateProfile(carol_.user_id, up).ok());
    // The log's head is committed before the calls return; its publication may still be under way.
    std::int64_t head = realtime::HeadPosition(*db_).value();
    for (auto* s : {alice.get(), bob.get(), mallory.get()}) ASSERT_TRUE(s->WaitForPos(head));

    EXPECT_EQ(alice->Kinds(), (std::vector<std::string>{"message.created", "user.updated"}));
    EXPECT_EQ(bob->Kinds(), (std::vector<std::string>{"message.created", "user.updated"}));
    EXPECT_EQ(mallory->Kinds(), std::vector<std::string>{"user.updated"});
    auto frame = boost::json::parse(*alice->Events()[0].frame).as_object();
    EXPECT_EQ(frame.at("data").at("id").as_string(), IdToString(posted->first.id));
    EXPECT_EQ(frame.at("chat_id").as_string(), IdToString(group_));
}

TEST_F(Hub, OneSerializedFrameGoesToEveryRecipient) {
    auto alice_phone = Connect(alice_);
    auto alice_laptop = Connect(alice_);
    auto bob = Connect(bob_);
    auto carol = Connect(carol_);
    hub_->Publish({ChatEvent(100, group_, "message.created")});

    auto a1 = alice_phone->Events(), a2 = alice_laptop->Events(), b = bob->Events();
    ASSERT_EQ(a1.size(), 1u);
    ASSERT_EQ(a2.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_TRUE(carol->Events().empty());
    EXPECT_EQ(a1[0].frame.get(), a2[0].frame.get());
    EXPECT_EQ(a1[0].frame.get(), b[0].frame.get());
    EXPECT_EQ(a1[0].pos, 100);
    EXPECT_EQ(hub_->LastPublished(), 100);
}

TEST_F(Hub, EventForAMemberAlsoTargetedAtThemArrivesOnce) {
    auto alice = Connect(alice_);
    auto bob = Connect(bob_);
    hub_->Publish({ChatEvent(100, group_, "chat.read", alice_.user_id)});
    EXPECT_EQ(alice->Positions(), std::vector<std::int64_t>{100});
    EXPECT_EQ(bob->Positions(), std::vector<std::int64_t>{100});
}

TEST_F(Hub, TargetedEventReachesOnlyItsUser) {
    auto alice = Connect(alice_);
    auto bob = Connect(bob_);
    auto carol = Connect(carol_);
    hub_->Publish({ChatEvent(100, 0, "notification.created", carol_.user_id)});
    EXPECT_TRUE(alice->Events().empty());
    EXPECT_TRUE(bob->Events().empty());
    EXPECT_EQ(carol->Positions(), std::vector<std::int64_t>{100});
}

TEST_F(Hub, MemberAddedSubscribesTheNewMemberBeforeDelivery) {
    auto carol = Connect(carol_);
    hub_->Publish({ChatEvent(100, group_, "message.created")});
    EXPECT_TRUE(carol->Events().empty());

    hub_->Publish({ChatEvent(101, group_, "member.added", carol_.user_id, MembershipChange::kAdd),
                   ChatEvent(102, group_, "message.created")});
    EXPECT_EQ(carol->Positions(), (std::vector<std::int64_t>{101, 102}));
    hub_->Publish({ChatEvent(103, group_, "message.updated")});
    EXPECT_EQ(carol->Positions(), (std::vector<std::int64_t>{101, 102, 103}));
}

TEST_F(Hub, MemberRemovedReachesTheRemovedUserThenUnsubscribes) {
    auto alice = Connect(alice_);
    auto bob = Connect(bob_);
    hub_->Publish({ChatEvent(100, group_, "member.removed", bob_.user_id, MembershipChange::kRemove),
                   ChatEvent(101, group_, "message.created")});
    EXPECT_EQ(bob->Positions(), std::vector<std::int64_t>{100});
    EXPECT_EQ(alice->Positions(), (std::vector<std::int64_t>{100, 101}));
    hub_->Publish({ChatEvent(102, group_, "message.created")});
    EXPECT_EQ(bob->Positions(), std::vector<std::int64_t>{100});
}

TEST_F(Hub, MembershipChangesFromChatServiceReachTheRightConnections) {
    Wire();
    auto bob = Connect(bob_);
    auto carol = Connect(carol_);
    ASSERT_TRUE(chats_->AddMembers(alice_, group_, {carol_.user_id}, "member").ok());
    ASSERT_TRUE(chats_->RemoveMember(alice_, group_, bob_.user_id).ok());
    auto m = chats_->Post(alice_, group_, "after the changes", std::nullopt);
    ASSERT_TRUE(m.ok());
    // The log's head is committed before the calls return; its publication may still be under way.
    std::int64_t head = realtime::HeadPosition(*db_).value();
    ASSERT_TRUE(carol->WaitForPos(head));
    EXPECT_EQ(carol->Kinds(),
              (std::vector<std::string>{"member.added", "member.removed", "message.created"}));
    EXPECT_EQ(bob->Kinds(), (std::vector<std::string>{"member.added", "member.removed"}));
}

TEST_F(Hub, BroadcastReachesEveryConnection) {
    auto alice = Connect(alice_);
    auto carol = Connect(carol_);
    auto mallory1 = Connect(mallory_);
    auto mallory2 = Connect(mallory_);
    Event e;
    e.pos = 100;
    e.broadcast = true;
    e.kind = "user.updated";
    e.data_json = "{}";
    hub_->Publish({e});
    for (const auto& s : {alice, carol, mallory1, mallory2}) {
        ASSERT_EQ(s->Positions(), std::vector<std::int64_t>{100});
        EXPECT_EQ(s->Events()[0].frame.get(), alice->Events()[0].frame.get());
    }
}

// What the accounts module registers for guests: `restricted` sees only `visible`.
class FakeVisibility final : public realtime::UserVisibility {
public:
    FakeVisibility(Id restricted, std::vector<Id> visible)
        : restricted_(restricted), visible_(std::move(visible)) {}
    bool Restricted(storage::Tx&, Id viewer) const override { return viewer == restricted_; }
    std::vector<Id> VisibleTo(storage::Tx&, Id, const std::vector<Id>& users) const override {
        std::vector<Id> out;
        for (Id u : users) {
            if (std::find(visible_.begin(), visible_.end(), u) != visible_.end()) out.push_back(u);
        }
        return out;
    }

private:
    Id restricted_;
    std::vector<Id> visible_;
};

template <class F>
bool Eventually(F done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

bool PresenceNames(const std::vector<Frame>& frames, Id user) {
    for (const auto& f : frames) {
        auto frame = boost::json::parse(*f);
        for (const auto& u : frame.as_object().at("users").as_array()) {
            if (u.at("user_id").as_string() == IdToString(user)) return true;
        }
    }
    return false;
}

TEST_F(Hub, ARestrictedViewerHearsOnlyOfTheUsersItMaySeeLiveAndOnReplay) {
    visibility_ =
        std::make_unique<FakeVisibility>(carol_.user_id, std::vector<Id>{alice_.user_id, carol_.user_id});
    hub_->SetUserVisibility(visibility_.get());
    auto carol = Connect(carol_);
    auto bob = Connect(bob_);
    auto broadcast = [](std::int64_t pos, Id subject) {
        Event e;
        e.pos = pos;
        e.broadcast = true;
        e.subject_id = subject;
        e.kind = "user.updated";
        e.data_json = "{}";
        return e;
    };
    hub_->Publish({broadcast(100, alice_.user_id), broadcast(101, mallory_.user_id), broadcast(102, 0)});
    EXPECT_EQ(carol->Positions(), std::vector<std::int64_t>{100});
    EXPECT_EQ(bob->Positions(), (std::vector<std::int64_t>{100, 101, 102}));

    // Presence: bob hears of mallory and alice; carol of alice only.
    auto mallory = Connect(mallory_);
    auto alice = Connect(alice_);
    ASSERT_TRUE(Eventually([&] {
        return PresenceNames(bob->Presence(), mallory_.user_id) &&
               PresenceNames(bob->Presence(), alice_.user_id);
    }));
    ASSERT_TRUE(Eventually([&] { return PresenceNames(carol->Presence(), alice_.user_id); }));
    EXPECT_FALSE(PresenceNames(carol->Presence(), mallory_.user_id));
    EXPECT_FALSE(PresenceNames(carol->Presence(), bob_.user_id));

    // Replay: the log's user.updated of mallory is not carol's to read.
    Wire();
    accounts::ProfileUpdate up;
    up.status_text = "busy";
    ASSERT_TRUE(accounts_->UpdateProfile(mallory_.user_id, up).ok());
    ASSERT_TRUE(accounts_->UpdateProfile(alice_.user_id, up).ok());
    auto page = hub_->ReadReplayPage(carol_.user_id, 0, 500);
    ASSERT_TRUE(page.ok());
    std::vector<Id> subjects;
    for (const auto& e : page->events) {
        if (e.broadcast) subjects.push_back(e.subject_id);
    }
    EXPECT_EQ(subjects, std::vector<Id>{alice_.user_id});
    auto all = hub_->ReadReplayPage(bob_.user_id, 0, 500);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(
        std::count_if(all->events.begin(), all->events.end(), [](const Event& e) { return e.broadcast; }), 2);
}

TEST_F(Hub, DeliversInPositionOrder) {
    auto alice = Connect(alice_);
    std::vector<Event> batch;
    for (std::int64_t p = 100; p < 110; ++p) batch.push_back(ChatEvent(p, group_, "message.created"));
    hub_->Publish(batch);
    hub_->Publish({ChatEvent(110, group_, "message.created")});
    auto positions = alice->Positions();
    ASSERT_EQ(positions.size(), 11u);
    EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end()));
    EXPECT_EQ(positions.front(), 100);
    EXPECT_EQ(positions.back(), 110);
}

TEST_F(Hub, FlushesEachConnectionOnceAfterAPublishedBatch) {
    auto alice = Connect(alice_);
    auto bob = Connect(bob_);
    auto carol = Connect(carol_);
    std::vector<Event> batch;
    for (std::int64_t p = 100; p < 105; ++p) batch.push_back(ChatEvent(p, group_, "message.created"));
    batch.push_back(ChatEvent(105, group_, "chat.updated", alice_.user_id));  // member and target
    hub_->Publish(batch);
    EXPECT_EQ(alice->FlushedEvents(), std::vector<std::size_t>{6});
    EXPECT_EQ(bob->FlushedEvents(), std::vector<std::size_t>{6});
    EXPECT_TRUE(carol->FlushedEvents().empty());
    hub_->Publish({ChatEvent(106, group_, "message.created")});
    EXPECT_EQ(alice->FlushedEvents(), (std::vector<std::size_t>{6, 7}));
}

TEST_F(Hub, OnSessionsRevokedClosesOnlyMatchingSessions) {
    auto a1 = Connect(alice_, 11);
    auto a2 = Connect(alice_, 12);
    auto b = Connect(bob_, 13);
    hub_->OnSessionsRevoked({12, 13, 999});
    EXPECT_TRUE(a1->Closes().empty());
    ASSERT_EQ(a2->Closes().size(), 1u);
    EXPECT_EQ(a2->Closes()[0].first, realtime::kCloseRevoked);
    EXPECT_EQ(realtime::kCloseRevoked, 4001);
    ASSERT_EQ(b->Closes().size(), 1u);
    EXPECT_EQ(b->Closes()[0].first, 4001);
}

TEST_F(Hub, RevokingASessionThroughAccountsClosesItsConnection) {
    Wire();
    Id session = GlobalIds().Next();
    auto inserted = db_->Write([&](storage::Tx& tx) -> Status {
        tx.Exec(
            "INSERT INTO sessions(id, user_id, token_hash, created_at, last_seen_at) "
            "VALUES (?, ?, 'h', 0, 0)",
            session, alice_.user_id);
        return {};
    });
    ASSERT_TRUE(inserted.ok());
    auto revoked = Connect(alice_, session);
    auto other = Connect(alice_);
    ASSERT_TRUE(accounts_->RevokeSession(alice_.user_id, session).ok());
    // Closed at once by this node, and again (a no-op for a real connection) when the revocation
    // event comes back through the log — which is how the other nodes of a cluster learn of it.
    ASSERT_FALSE(revoked->Closes().empty());
    for (const auto& c : revoked->Closes()) EXPECT_EQ(c.first, realtime::kCloseRevoked);
    EXPECT_TRUE(other->Closes().empty());
}

TEST_F(Hub, RevocationEventFromAnotherNodeClosesTheSessionsConnections) {
    Id session = GlobalIds().Next();
    auto revoked = Connect(alice_, session);
    auto other = Connect(alice_);
    Event e;
    e.pos = 200;
    e.target_user_id = alice_.user_id;
    e.kind = "session.revoked";
    e.data_json = "{\"session_ids\":[\"" + IdToString(session) + "\"]}";
    hub_->Publish({e});
    ASSERT_EQ(revoked->Closes().size(), 1u);
    EXPECT_EQ(revoked->Closes()[0].first, realtime::kCloseRevoked);
    EXPECT_EQ(revoked->Positions(), std::vector<std::int64_t>{200}) << "the event itself first";
    EXPECT_TRUE(other->Closes().empty());
    EXPECT_EQ(other->Positions(), std::vector<std::int64_t>{200});
}

TEST_F(Hub, DetachedConnectionReceivesNothing) {
    auto alice = Connect(alice_);
    auto second = Connect(alice_);
    EXPECT_TRUE(hub_->IsConnected(alice_.user_id));
    EXPECT_EQ(hub_->ConnectionCount(), 2u);
    hub_->Detach(alice.get());
    EXPECT_TRUE(hub_->IsConnected(alice_.user_id));
    hub_->Publish({ChatEvent(100, group_, "message.created")});
    EXPECT_TRUE(alice->Events().empty());
    EXPECT_EQ(second->Positions(), std::vector<std::int64_t>{100});
    hub_->Detach(second.get());
    EXPECT_FALSE(hub_->IsConnected(alice_.user_id));
    EXPECT_EQ(hub_->ConnectionCount(), 0u);
}

TEST_F(Hub, AttachReportsTheLastPublishedPosition) {
    hub_->Publish({ChatEvent(100, group_, "message.created"), ChatEvent(101, group_, "message.created")});
    auto sub = std::make_shared<FakeSubscriber>(alice_.user_id, 1);
    auto head = hub_->Attach(sub);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head.value(), 101);
    EXPECT_TRUE(sub->Events().empty());
}

TEST_F(Hub, HeadStartsAtTheEventLogHead) {
    auto head = realtime::HeadPosition(*db_);
    ASSERT_TRUE(head.ok());
    EXPECT_GT(head.value(), 0) << "creating the group logged events";
    EXPECT_EQ(hub_->LastPublished(), head.value());
}

TEST_F(Hub, PresenceOfAConnectingUserReachesOthers) {
    auto alice = Connect(alice_);
    ASSERT_TRUE(alice->WaitForPresence());
    auto frame = boost::json::parse(*alice->Presence().front()).as_object();
    EXPECT_EQ(frame.at("type").as_string(), "presence");
    bool found = false;
    for (const auto& u : frame.at("users").as_array()) {
        if (u.at("user_id").as_string() == IdToString(alice_.user_id)) {
            found = true;
            EXPECT_EQ(u.at("presence").as_string(), "online");
        }
    }
    EXPECT_TRUE(found);
}

TEST_F(Hub, ReadEventsForReturnsExactlyWhatTheUserMaySee) {
    // Everything so far: the group of alice and bob (member.added ×2, chat.created).
    auto start = realtime::HeadPosition(*db_);
    ASSERT_TRUE(start.ok());
    chat::NewChat spec;
    spec.type = "group";
    auto h = chats_->CreateChat(carol_, spec);  // member.added(carol), chat.created
    ASSERT_TRUE(h.ok());
    ASSERT_TRUE(chats_->Post(alice_, group_, "in the group", std::nullopt).ok());
    ASSERT_TRUE(chats_->Post(carol_, h->first.chat.id, "alone", std::nullopt).ok());
    accounts::ProfileUpdate up;
    up.display_name = "Carol";
    ASSERT_TRUE(accounts_->UpdateProfile(carol_.user_id, up).ok());
    ASSERT_TRUE(chats_->RemoveMember(alice_, group_, bob_.user_id).ok());
    ASSERT_TRUE(chats_->Post(alice_, group_, "bob is gone", std::nullopt).ok());

    auto all = realtime::ReadEventsFor(*db_, Audiences(), alice_.user_id, 0, 1000);
    ASSERT_TRUE(all.ok());
    auto kinds_of = [](const std::vector<Event>& events) {
        std::vector<std::string> out;
        for (const auto& e : events) out.push_back(e.kind);
        return out;
    };
    EXPECT_EQ(kinds_of(*all),
              (std::vector<std::string>{"member.added", "member.added", "chat.created", "message.created",
                                        "user.updated", "member.removed", "message.created"}));
    for (std::size_t i = 1; i < all->size(); ++i) EXPECT_LT((*all)[i - 1].pos, (*all)[i].pos);

    auto bob = realtime::ReadEventsFor(*db_, Audiences(), bob_.user_id, 0, 1000);
    ASSERT_TRUE(bob.ok());
    // Removed from the group, bob still gets the events addressed to him: his own member.added and
    // member.removed, and the broadcast; none of the group's traffic.
    EXPECT_EQ(kinds_of(*bob), (std::vector<std::string>{"member.added", "user.updated", "member.removed"}));
    EXPECT_EQ(bob->front().target_user_id, bob_.user_id);
    EXPECT_EQ(bob->back().target_user_id, bob_.user_id);

    auto carol = realtime::ReadEventsFor(*db_, Audiences(), carol_.user_id, start.value(), 1000);
    ASSERT_TRUE(carol.ok());
    EXPECT_EQ(kinds_of(*carol),
              (std::vector<std::string>{"member.added", "chat.created", "message.created", "user.updated"}));
    for (const auto& e : *carol) EXPECT_EQ(e.topic.id, e.broadcast ? 0 : h->first.chat.id);

    auto mallory = realtime::ReadEventsFor(*db_, Audiences(), mallory_.user_id, 0, 1000);
    ASSERT_TRUE(mallory.ok());
    EXPECT_EQ(kinds_of(*mallory), std::vector<std::string>{"user.updated"});

    // After a position, and limited.
    auto later = realtime::ReadEventsFor(*db_, Audiences(), alice_.user_id, (*all)[3].pos, 1000);
    ASSERT_TRUE(later.ok());
    EXPECT_EQ(kinds_of(*later),
              (std::vector<std::string>{"user.updated", "member.removed", "message.created"}));
    auto limited = realtime::ReadEventsFor(*db_, Audiences(), alice_.user_id, 0, 2);
    ASSERT_TRUE(limited.ok());
    ASSERT_EQ(limited->size(), 2u);
    EXPECT_EQ(limited->back().pos, (*all)[1].pos);
    auto none = realtime::ReadEventsFor(*db_, Audiences(), alice_.user_id, all->back().pos, 1000);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
}

// Topics: the wire form and what the registry refuses at start-up.
TEST(Topics, ParseAndPrint) {
    EXPECT_EQ(TopicToString(Topic{"ticket", 7}), "ticket:7");
    EXPECT_EQ(TopicToString(Topic{}), "");
    auto t = ParseTopic("community:5");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->kind, "community");
    EXPECT_EQ(t->id, 5);
    for (const char* bad : {"", "chat", "chat:", ":5", "chat:0", "chat:-1", "Chat:5", "chat:5x", "ch at:5",
                            "a_very_long_kind_name_beyond_32_chars:1"}) {
        EXPECT_FALSE(ParseTopic(bad).has_value()) << bad;
    }
}

class TicketAudience final : public realtime::Audience {
public:
    std::string_view kind() const override { return "ticket"; }
    std::vector<Id> FollowedBy(storage::Tx& tx, Id user_id) const override {
        std::vector<Id> out;
        auto& st = tx.Query("SELECT ticket_id FROM test_ticket_agents WHERE user_id = ?", user_id);
        while (st.Step()) out.push_back(st.Int(0));
        return out;
    }
};

TEST_F(Hub, RegistryRefusesASecondAudienceOfAKindAndReservedFrameTypes) {
    chat::ChatAudience again;
    EXPECT_THROW(hub_->AddAudience(again), std::logic_error);
    auto noop = [](const realtime::ClientFrame&) -> Status { return {}; };
    EXPECT_THROW(hub_->actions().Add("hello", noop), std::logic_error);
    EXPECT_THROW(hub_->actions().Add("ping", noop), std::logic_error);
    EXPECT_THROW(hub_->actions().Add("", noop), std::logic_error);
    hub_->actions().Add("tickets.viewing", noop);
    EXPECT_THROW(hub_->actions().Add("tickets.viewing", noop), std::logic_error);
    EXPECT_NE(hub_->actions().Find("tickets.viewing"), nullptr);
    EXPECT_EQ(hub_->actions().Find("tickets.other"), nullptr);
}

// A second module's topic kind works like the messenger's, live and on replay, and its
// followers are only the ones its audience names.
TEST_F(Hub, AnotherModulesTopicReachesOnlyItsFollowersLiveAndOnReplay) {
    TicketAudience tickets;
    hub_->AddAudience(tickets);
    Id ticket = GlobalIds().Next();
    ASSERT_TRUE(db_->Write([&](storage::Tx& tx) -> Status {
                       tx.Exec("CREATE TABLE test_ticket_agents (ticket_id BIGINT NOT NULL, user_id BIGINT NOT NULL)");
                       tx.Exec("INSERT INTO test_ticket_agents VALUES (?, ?)", ticket, carol_.user_id);
                       return {};
                   }).ok());
    Wire();
    auto carol = Connect(carol_);
    auto mallory = Connect(mallory_);
    // Returns the event's position (PostgreSQL assigns positions at commit, so read it back).
    auto emit = [&](std::string kind, Id target, MembershipChange change) {
        EXPECT_TRUE(db_->Write([&](storage::Tx& tx) -> Status {
                           Event e;
                           e.topic = Topic{"ticket", ticket};
                           e.target_user_id = target;
                           e.kind = std::move(kind);
                           e.data_json = "{}";
                           e.membership = change;
                           tx.Emit(std::move(e));
                           return {};
                       }).ok());
        auto head = realtime::HeadPosition(*db_);
        EXPECT_TRUE(head.ok());
        return head.ok() ? *head : std::int64_t{0};
    };
    auto first = emit("tickets.updated", 0, MembershipChange::kNone);
    ASSERT_TRUE(carol->WaitForPos(first));
    EXPECT_EQ(boost::json::parse(*carol->Events().back().frame).at("topic").as_string(),
              "ticket:" + std::to_string(ticket));
    EXPECT_TRUE(mallory->Events().empty()) << "published in the same batch: mallory got nothing";
    EXPECT_TRUE(hub_->Follows(carol_.user_id, Topic{"ticket", ticket}));
    EXPECT_FALSE(hub_->Follows(carol_.user_id, Topic{"chat", ticket})) << "the kind is part of the topic";

    // Assigned (the module's follow event): mallory follows from that event on, live.
    auto assigned = emit("tickets.assigned", mallory_.user_id, MembershipChange::kAdd);
    ASSERT_TRUE(mallory->WaitForPos(assigned));
    auto second = emit("tickets.updated", 0, MembershipChange::kNone);
    ASSERT_TRUE(mallory->WaitForPos(second));
    auto unassigned = emit("tickets.unassigned", mallory_.user_id, MembershipChange::kRemove);
    ASSERT_TRUE(mallory->WaitForPos(unassigned));
    auto third = emit("tickets.updated", 0, MembershipChange::kNone);
    ASSERT_TRUE(carol->WaitForPos(third));
    EXPECT_EQ(mallory->Positions().back(), unassigned) << "no events after the unassignment";

    // Signals follow the same audience; the sender is skipped.
    hub_->Signal(Topic{"ticket", ticket}, mallory_.user_id,
                 std::make_shared<const std::string>(R"({"type":"tickets.viewing"})"));
    auto viewing = [](const FakeSubscriber& sub) {
        int n = 0;
        for (const auto& f : sub.Presence()) n += boost::json::parse(*f).at("type").as_string() == "tickets.viewing";
        return n;
    };
    EXPECT_EQ(viewing(*carol), 1);
    EXPECT_EQ(viewing(*mallory), 0) << "the sender";

    // Replay asks the audience now: carol sees the ticket's events; mallory, who is not in the
    // table, sees only the two addressed to her.
    auto carol_page = hub_->ReadReplayPage(carol_.user_id, 0, 100);
    ASSERT_TRUE(carol_page.ok());
    std::vector<std::int64_t> carols;
    for (const auto& e : carol_page->events) {
        if (e.topic.kind == "ticket") carols.push_back(e.pos);
    }
    EXPECT_EQ(carols, (std::vector<std::int64_t>{first, assigned, second, unassigned, third}));
    auto mallory_page = hub_->ReadReplayPage(mallory_.user_id, 0, 100);
    ASSERT_TRUE(mallory_page.ok());
    std::vector<std::int64_t> mallorys;
    for (const auto& e : mallory_page->events) {
        if (e.topic.kind == "ticket") mallorys.push_back(e.pos);
    }
    EXPECT_EQ(mallorys, (std::vector<std::int64_t>{assigned, unassigned}));
    for (const auto& e : mallory_page->events) {
        if (e.pos == assigned) {
            EXPECT_EQ(e.membership, MembershipChange::kAdd) << "stored with the event";
        }
    }
}

}  // namespace veche::unit
