// The example module of docs/architecture.md ("How to add a module"), added to the server's own
// module list the way the tutorial says, served by the same registry, kit and router as `veche
// serve`, on both backends: its table is created by its own migration, its routes authenticate
// through the accounts module, and another user's note is not found.
#include <gtest/gtest.h>

#include <map>

#include <boost/json/parse.hpp>

#include "fake_subscriber.hpp"
#include "test_util.hpp"
#include "veche/api/kit.hpp"
#include "veche/app/assembly.hpp"
#include "veche/app/modules.hpp"
#include "veche/core/crypto.hpp"
#include "veche/files/file_store.hpp"
#include "veche/notes/module.hpp"
#include "veche/platform/module.hpp"
#include "veche/realtime/hub.hpp"

namespace veche {
namespace {

namespace bj = boost::json;

class ExampleModule : public ::testing::Test {
protected:
    void SetUp() override {
        crypto::InitCrypto();
        auto list = app::AllModules(app::Config{});
        list.push_back(notes::MakeModule());  // the tutorial's line in app/src/modules.cpp
        modules_ = std::make_unique<app::Assembly>(app::Config{}, std::move(list));
        db_ = test::OpenServiceDatabase(dir_.File("notes.db"), 2, modules_->Schemas());
        files_ = std::make_unique<files::FileStore>(dir_.File("files"));
        modules_->Start(*db_, kit_, *files_);
        modules_->AddRoutes(router_);
        hub_ = std::make_unique<realtime::Hub>(*db_);
        modules_->AddRealtime(*hub_);
        db_->SetEventSink(hub_.get());
        alice_ = Login("alice", alice_id_);
        bob_ = Login("bob", bob_id_);
    }
    void TearDown() override {
        hub_->Stop();
        modules_->Stop();
        db_->Stop();
    }

    std::string Login(const std::string& name, Id& user) {
        user = test::InsertUser(*db_, name);
        std::string token = "vch_notes_" + name;
        auto st = db_->Write([&](storage::Tx& tx) -> Status {
            tx.Exec(
                "INSERT INTO sessions(id, user_id, token_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?, "
                "?)",
                GlobalIds().Next(), user, crypto::Sha256Hex(token), NowMs(), NowMs());
            return {};
        });
        EXPECT_TRUE(st.ok());
        return token;
    }

    api::Response Call(const std::string& method, const std::string& path, const std::string& token,
                       const std::string& body = "", std::map<std::string, std::string> query = {}) {
        api::Request req;
        req.method = method;
        req.path = path;
        req.query = std::move(query);
        req.body = body;
        if (!body.empty()) req.content_type = "application/json";
        if (!token.empty()) req.authorization = "Bearer " + token;
        std::string route;
        return router_.Dispatch(req, route);
    }
    static std::string ErrorCodeOf(const api::Response& r) {
        return std::string(bj::parse(r.body).at("error").at("code").as_string());
    }

    test::TempDir dir_;
    api::HttpKit kit_;
    std::unique_ptr<app::Assembly> modules_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<files::FileStore> files_;
    api::Router router_;
    std::unique_ptr<realtime::Hub> hub_;
    std::string alice_, bob_;
    Id alice_id_ = 0, bob_id_ = 0;
};

TEST_F(ExampleModule, StartsAfterWhatItDependsOnWithItsOwnTable) {
    auto names = modules_->Names();
    ASSERT_EQ(names.back(), "notes");
    auto schemas = modules_->Schemas();
    ASSERT_FALSE(schemas.empty());
    EXPECT_EQ(schemas.back().module, "notes");
}

TEST_F(ExampleModule, AUserKeepsNotesAndNobodyElseSeesThem) {
    auto created = Call("POST", "/api/v1/notes", alice_, R"({"title": "  Закупка  ", "body": "три лота"})");
    ASSERT_EQ(created.status, 201) << created.body;
    std::string id(bj::parse(created.body).at("id").as_string());
    EXPECT_EQ(bj::parse(created.body).at("title").as_string(), "Закупка");

    auto mine = Call("GET", "/api/v1/notes", alice_);
    ASSERT_EQ(mine.status, 200);
    EXPECT_EQ(bj::parse(mine.body).at("notes").as_array().size(), 1u);
    EXPECT_EQ(Call("GET", "/api/v1/notes/" + id, alice_).status, 200);

    // Bob: his list is empty, and Alice's note is exactly as absent as one that never existed.
    EXPECT_EQ(bj::parse(Call("GET", "/api/v1/notes", bob_).body).at("notes").as_array().size(), 0u);
    auto peek = Call("GET", "/api/v1/notes/" + id, bob_);
    EXPECT_EQ(peek.status, 404);
    EXPECT_EQ(ErrorCodeOf(peek), "note_not_found");
    EXPECT_EQ(Call("DELETE", "/api/v1/notes/" + id, bob_).status, 404);
    EXPECT_EQ(Call("GET", "/api/v1/notes/" + id, alice_).status, 200) << "bob's delete changed nothing";

    EXPECT_EQ(Call("DELETE", "/api/v1/notes/" + id, alice_).status, 204);
    EXPECT_EQ(Call("GET", "/api/v1/notes/" + id, alice_).status, 404);
}

// The platform's search (veche/search): a note is indexed with its owner as the scope, so the
// owner finds it by any form of its words and nobody else finds it at all; deleting unindexes it.
TEST_F(ExampleModule, ItsNotesAreFoundByTheirOwnerOnly) {
    auto created = Call("POST", "/api/v1/notes", alice_, R"({"title": "Договоры поставки", "body": "ёлки и сосны"})");
    ASSERT_EQ(created.status, 201) << created.body;
    std::string id(bj::parse(created.body).at("id").as_string());
    auto find = [&](const std::string& token, const std::string& q) {
        auto r = Call("GET", "/api/v1/notes/search", token, "", {{"q", q}});
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? bj::parse(r.body).at("hits").as_array() : bj::array{};
    };
    auto hits = find(alice_, "договор елка");
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].at("id").as_string(), id);
    EXPECT_NE(std::string(hits[0].at("snippet").as_string()).find("\uE000"), std::string::npos);
    EXPECT_TRUE(find(bob_, "договор").empty()) << "another user's note is not found";
    EXPECT_EQ(Call("GET", "/api/v1/notes/search", alice_, "", {{"q", "?!"}}).status, 400);
    ASSERT_EQ(Call("DELETE", "/api/v1/notes/" + id, alice_).status, 204);
    EXPECT_TRUE(find(alice_, "договор").empty()) << "deleting unindexed it";
}

TEST_F(ExampleModule, BadInputAndMissingTokensAreClientErrors) {
    EXPECT_EQ(Call("GET", "/api/v1/notes", "").status, 401);
    EXPECT_EQ(Call("GET", "/api/v1/notes", "vch_not_a_session").status, 401);
    EXPECT_EQ(Call("POST", "/api/v1/notes", alice_, "{not json").status, 400);
    EXPECT_EQ(Call("POST", "/api/v1/notes", alice_, R"({"title": 7})").status, 400);
    EXPECT_EQ(Call("POST", "/api/v1/notes", alice_, R"({"title": "   "})").status, 400);
    EXPECT_EQ(Call("POST", "/api/v1/notes", alice_, R"({"title": ")" + std::string(201, 'x') + "\"}").status,
              400);
    EXPECT_EQ(Call("GET", "/api/v1/notes/abc", alice_).status, 400);
    EXPECT_EQ(Call("GET", "/api/v1/notes/12345", alice_).status, 404);
    EXPECT_EQ(bj::parse(Call("GET", "/api/v1/notes", alice_).body).at("notes").as_array().size(), 0u)
        << "nothing was stored by the refused requests";
}

// The module's topic kind, registered by its AddRealtime alone: its events reach the owner's
// connection and nobody else's, live and on replay, and its WebSocket frame is routed to it.
TEST_F(ExampleModule, ItsTopicsReachTheirFollowersAndItsFramesReachIt) {
    auto alice = std::make_shared<test::FakeSubscriber>(alice_id_, 1);
    auto bob = std::make_shared<test::FakeSubscriber>(bob_id_, 2);
    ASSERT_TRUE(hub_->Attach(alice).ok());
    ASSERT_TRUE(hub_->Attach(bob).ok());

    auto created = Call("POST", "/api/v1/notes", alice_, R"({"title": "план"})");
    ASSERT_EQ(created.status, 201) << created.body;
    std::string id(bj::parse(created.body).at("id").as_string());
    ASSERT_TRUE(alice->WaitForPos(1));
    auto frame = bj::parse(*alice->Events().back().frame).as_object();
    EXPECT_EQ(frame.at("kind").as_string(), "notes.note_created");
    EXPECT_EQ(frame.at("topic").as_string(), "note:" + id);
    EXPECT_TRUE(bob->Events().empty()) << "delivered in the same batch as alice's: bob got nothing";

    const auto* viewing = hub_->actions().Find("notes.viewing");
    ASSERT_NE(viewing, nullptr);
    bj::object mine{{"type", "notes.viewing"}, {"note_id", id}};
    EXPECT_TRUE((*viewing)(realtime::ClientFrame{alice_id_, 1, mine}).ok());
    int signals = 0;
    for (const auto& f : alice->Presence()) signals += bj::parse(*f).at("type").as_string() == "notes.viewing";
    EXPECT_EQ(signals, 1);
    auto refused = (*viewing)(realtime::ClientFrame{bob_id_, 2, mine});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().api_code, "note_not_found");
    bj::object bad{{"type", "notes.viewing"}, {"note_id", 5}};
    auto invalid = (*viewing)(realtime::ClientFrame{alice_id_, 1, bad});
    ASSERT_FALSE(invalid.ok());
    EXPECT_EQ(invalid.error().api_code, "invalid_frame");

    auto page = hub_->ReadReplayPage(alice_id_, 0, 100);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->events.size(), 1u);
    EXPECT_EQ(page->events[0].kind, "notes.note_created");
    auto theirs = hub_->ReadReplayPage(bob_id_, 0, 100);
    ASSERT_TRUE(theirs.ok());
    EXPECT_TRUE(theirs->events.empty());

    ASSERT_EQ(Call("DELETE", "/api/v1/notes/" + id, alice_).status, 204);
    // The writer acknowledges the commit before it publishes: the hub learns of the delete with its
    // event, so wait for that event rather than for the HTTP answer.
    ASSERT_TRUE(alice->WaitForPos(page->events[0].pos + 1));
    EXPECT_EQ(bj::parse(*alice->Events().back().frame).at("kind").as_string(), "notes.note_deleted");
    EXPECT_FALSE(hub_->Follows(alice_id_, Topic{"note", *ParseId(id)})) << "the delete ended the following";
}

}  // namespace
}  // namespace veche
