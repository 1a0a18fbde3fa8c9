// Buttons on messages and clicks on them, through ChatService (veche/chat/interactions.hpp); the
// HTTP side is server/tests/integration/test_buttons.py.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "test_util.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/chat/interactions.hpp"

namespace veche::unit {
namespace {

namespace bj = boost::json;
using chat::Actor;

chat::ButtonRows Parse(std::string_view text) {
    auto rows = chat::ButtonsFromJson(bj::parse(text));
    EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
    return rows.ok() ? *rows : chat::ButtonRows{};
}

std::string ParseError(std::string_view text) {
    auto rows = chat::ButtonsFromJson(bj::parse(text));
    return rows.ok() ? "ok" : rows.error().api_code;
}

TEST(Buttons, ParseKeepsEveryFieldAndRoundTrips) {
    auto rows =
        Parse(R"([[{"label":"Approve","command":"/approve","data":{"route":42},"silent":true,"alert":"ok"},
                          {"label":"Open","link":"/objects/42"}]])");
    ASSERT_EQ(rows.size(), 1u);
    ASSERT_EQ(rows[0].size(), 2u);
    EXPECT_EQ(rows[0][0].command, "/approve");
    EXPECT_EQ(rows[0][0].data.at("route").as_int64(), 42);
    EXPECT_TRUE(rows[0][0].silent);
    EXPECT_EQ(rows[0][0].alert.value_or(""), "ok");
    EXPECT_EQ(rows[0][1].link, "/objects/42");
    auto again = chat::ButtonsFromJson(chat::ButtonsToJson(rows));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(bj::serialize(chat::ButtonsToJson(*again)), bj::serialize(chat::ButtonsToJson(rows)));
}

TEST(Buttons, RefusesWhatBreaksTheLimits) {
    EXPECT_EQ(ParseError(R"([[{"label":"x"}]])"), "invalid_buttons");
    EXPECT_EQ(ParseError(R"([[{"label":"x","command":"/x","link":"/y"}]])"), "invalid_buttons");
    EXPECT_EQ(ParseError(R"([[{"label":"","command":"/x"}]])"), "invalid_buttons");
    EXPECT_EQ(ParseError(R"([[{"label":"x","link":"ftp://host/file"}]])"), "invalid_buttons");
    EXPECT_EQ(ParseError(R"([[{"label":"x","link":"//host"}]])"), "invalid_buttons");
    EXPECT_EQ(ParseError(R"([[{"label":"x","link":"http://"}]])"), "invalid_buttons");
    EXPECT_EQ(ParseError(R"([[{"label":"x","command":"/x","silent":"yes"}]])"), "invalid_buttons");
    EXPECT_EQ(ParseError(R"([[]])"), "invalid_buttons");
    EXPECT_EQ(ParseError(R"({"label":"x"})"), "invalid_buttons");
    EXPECT_EQ(ParseError(R"([[{"label":"x","link":"https://example.org/a?b=c"}]])"), "ok");
    std::string label(64, 'x');
    EXPECT_EQ(ParseError(R"([[{"label":")" + label + R"(","command":"/x"}]])"), "ok");
    EXPECT_EQ(ParseError(R"([[{"label":")" + label + R"(x","command":"/x"}]])"), "invalid_buttons");
}

class ChatButtons : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = test::OpenServiceDatabase(dir_.File("chat.db"));
        accounts_ = std::make_unique<accounts::AccountService>(*db_);
        chats_ = std::make_unique<chat::ChatService>(*db_, *accounts_);
        chats_->SetInteractionHandlers(handlers_);
        alice_ = {test::InsertUser(*db_, "alice"), false};
        bob_ = {test::InsertUser(*db_, "bob"), false};
        mallory_ = {test::InsertUser(*db_, "mallory"), false};
        bot_ = {test::InsertUser(*db_, "approvals-bot"), false};
        chat::NewChat spec;
        spec.type = "group";
        spec.name = "route 42";
        spec.member_ids = {bob_.user_id, bot_.user_id};
        auto c = chats_->CreateChat(alice_, spec);
        ASSERT_TRUE(c.ok());
        chat_id_ = c->first.chat.id;
    }
    void TearDown() override {
        chats_.reset();
        accounts_.reset();
        if (db_) db_->Stop();
    }
    chat::Message BotPost(std::string_view buttons) {
        chat::NewMessage nm;
        nm.text = "Approve route 42?";
        nm.buttons = Parse(buttons);
        auto r = chats_->Post(bot_, chat_id_, nm);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? r->first : chat::Message{};
    }
    std::int64_t Count(std::string_view sql) {
        auto n =
            db_->Read([&](storage::Tx& tx) -> Result<std::int64_t> { return tx.QueryInt(sql).value_or(-1); });
        return n.ok() ? *n : -1;
    }

    test::TempDir dir_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<accounts::AccountService> accounts_;
    std::unique_ptr<chat::ChatService> chats_;
    chat::InteractionHandlers handlers_;
    Actor alice_, bob_, mallory_, bot_;
    Id chat_id_ = 0;
};

constexpr std::string_view kApprove =
    R"([[{"label":"Approve","command":"/approve","data":{"route":42},"silent":true}],
        [{"label":"Reject","command":"/reject"},{"label":"Open","link":"/objects/42"}]])";

TEST_F(ChatButtons, AClickReachesTheAuthorsHandlerOnceWithTheButtonsData) {
    std::vector<chat::Interaction> seen;
    handlers_.Register(bot_.user_id, [&](const chat::Interaction& i) -> Result<chat::InteractionReply> {
        seen.push_back(i);
        return chat::InteractionReply{.alert = "Approved", .edit = std::nullopt};
    });
    auto m = BotPost(kApprove);
    auto r = chats_->Interact(bob_, m.id, 0, 0);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->repeated);
    EXPECT_EQ(r->alert.value_or(""), "Approved");
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].bot_id, bot_.user_id);
    EXPECT_EQ(seen[0].user_id, bob_.user_id);
    EXPECT_EQ(seen[0].chat_id, chat_id_);
    EXPECT_EQ(seen[0].message_id, m.id);
    EXPECT_EQ(seen[0].command, "/approve");
    EXPECT_EQ(seen[0].data.at("route").as_int64(), 42);
    auto again = chats_->Interact(bob_, m.id, 0, 0);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->repeated);
    EXPECT_EQ(again->interaction_id, r->interaction_id);
    EXPECT_EQ(again->alert.value_or(""), "Approved");
    EXPECT_EQ(seen.size(), 1u);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM chat_interactions"), 1);
}

TEST_F(ChatButtons, ConcurrentClicksOfOneKeyDeliverOnceAndGetTheSameAnswer) {
    std::atomic<int> calls = 0;
    handlers_.Register(bot_.user_id, [&](const chat::Interaction&) -> Result<chat::InteractionReply> {
        int n = ++calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return chat::InteractionReply{.alert = "answer " + std::to_string(n), .edit = std::nullopt};
    });
    auto m = BotPost(kApprove);
    std::vector<Result<chat::InteractionResult>> results(4, Error::Internal());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < results.size(); ++i)
        threads.emplace_back([&, i] { results[i] = chats_->Interact(bob_, m.id, 0, 0); });
    for (auto& t : threads) t.join();
    EXPECT_EQ(calls.load(), 1);
    int first = 0;
    for (const auto& r : results) {
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->alert.value_or(""), "answer 1");
        first += r->repeated ? 0 : 1;
    }
    EXPECT_EQ(first, 1);
}

TEST_F(ChatButtons, WrongClicksAreRefusedAndDeliverNothing) {
    int calls = 0;
    handlers_.Register(bot_.user_id, [&](const chat::Interaction&) -> Result<chat::InteractionReply> {
        ++calls;
        return chat::InteractionReply{};
    });
    auto m = BotPost(kApprove);
    EXPECT_EQ(chats_->Interact(mallory_, m.id, 0, 0).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(chats_->Interact(bob_, m.id, 0, 1).error().api_code, "bad_button");
    EXPECT_EQ(chats_->Interact(bob_, m.id, 2, 0).error().api_code, "bad_button");
    EXPECT_EQ(chats_->Interact(bob_, m.id, 1, 1).error().api_code, "link_button");
    auto plain = chats_->Post(bob_, chat_id_, "no buttons", std::nullopt);
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(chats_->Interact(bob_, plain->first.id, 0, 0).error().api_code, "no_buttons");
    handlers_.Unregister(bot_.user_id);
    EXPECT_EQ(chats_->Interact(bob_, m.id, 0, 0).error().api_code, "bot_unavailable");
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM chat_interactions"), 0);
}

TEST_F(ChatButtons, AFailingHandlerReleasesTheKey) {
    int calls = 0;
    handlers_.Register(bot_.user_id, [&](const chat::Interaction&) -> Result<chat::InteractionReply> {
        if (++calls == 1) return Error::Conflict("busy", "try later");
        return chat::InteractionReply{.alert = "now", .edit = std::nullopt};
    });
    auto m = BotPost(kApprove);
    EXPECT_EQ(chats_->Interact(bob_, m.id, 0, 0).error().api_code, "busy");
    auto r = chats_->Interact(bob_, m.id, 0, 0);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->repeated);
    EXPECT_EQ(calls, 2);
}

TEST_F(ChatButtons, AnEchoUnlessSilentAndTheBotsEditIsApplied) {
    handlers_.Register(bot_.user_id, [&](const chat::Interaction& i) -> Result<chat::InteractionReply> {
        chat::InteractionReply reply;
        if (i.command == "/reject")
            reply.edit = chat::MessageEdit{.text = "Route 42 rejected", .buttons = chat::ButtonRows{}};
        return reply;
    });
    auto m = BotPost(kApprove);
    auto before = Count("SELECT COUNT(*) FROM messages");
    ASSERT_TRUE(chats_->Interact(bob_, m.id, 0, 0).ok());  // silent
    EXPECT_EQ(Count("SELECT COUNT(*) FROM messages"), before);
    auto r = chats_->Interact(bob_, m.id, 1, 0);  // echoed
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(Count("SELECT COUNT(*) FROM messages"), before + 1);
    EXPECT_EQ(r->message.text, "Route 42 rejected");
    EXPECT_TRUE(r->message.buttons.empty());
    auto page = chats_->History(bob_, chat_id_, {});
    ASSERT_TRUE(page.ok());
    ASSERT_GE(page->messages.size(), 2u);
    EXPECT_EQ(page->messages.back().text, "Reject");
    EXPECT_EQ(page->messages.back().author_id, bob_.user_id);
    EXPECT_EQ(chats_->Interact(bob_, m.id, 0, 0).error().api_code, "no_buttons");
}

TEST_F(ChatButtons, EditButtonsKeepsTheOldTextAsAVersion) {
    auto m = BotPost(kApprove);
    auto e = chats_->EditButtons(
        m.id, {.text = "Route 42 approved", .buttons = Parse(R"([[{"label":"Done","command":"/done"}]])")});
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->text, "Route 42 approved");
    ASSERT_EQ(e->buttons.size(), 1u);
    EXPECT_EQ(e->buttons[0][0].label, "Done");
    EXPECT_EQ(Count("SELECT COUNT(*) FROM message_versions"), 1);
    auto bad = chats_->EditButtons(m.id, {.text = std::nullopt, .buttons = Parse("[]")});
    ASSERT_TRUE(bad.ok());
    EXPECT_TRUE(bad->buttons.empty());
    EXPECT_EQ(chats_->EditButtons(Id{12345}, {}).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace veche::unit
