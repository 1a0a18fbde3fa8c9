// The timeline (veche/timeline/timeline.hpp) on the engine VECHE_TEST_STORAGE names: entries are
// validated, kept per item newest first with keyset pages, exist exactly when their action
// committed, reach the audit log and the item's topic when asked; the chat module records a
// chat's history with the actor of each change.
#include "veche/timeline/timeline.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "veche/accounts/account_service.hpp"
#include "veche/audit/audit.hpp"
#include "veche/chat/chat_service.hpp"

namespace veche::timeline {
namespace {

using storage::Tx;

class Timeline : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = test::OpenServiceDatabase(dir_.File("timeline.db"));
        db_->SetEventSink(&sink_);
    }
    void TearDown() override {
        if (db_) db_->Stop();
    }

    Result<Id> RecordOne(Entry entry, Options options = {}) {
        return db_->Write([&](Tx& tx) { return Record(tx, std::move(entry), options); });
    }
    Id MustRecord(Entry entry, Options options = {}) {
        auto r = RecordOne(std::move(entry), options);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? *r : 0;
    }
    std::vector<Row> Read(const Topic& item, std::optional<Id> before = std::nullopt, int limit = 50) {
        auto r = db_->Read([&](Tx& tx) -> Result<std::vector<Row>> { return List(tx, item, before, limit); });
        EXPECT_TRUE(r.ok());
        return r.ok() ? *r : std::vector<Row>{};
    }
    std::int64_t Rows() {
        auto n = db_->Read([](Tx& tx) -> Result<std::int64_t> {
            return tx.QueryInt("SELECT COUNT(*) FROM timeline_events").value_or(-1);
        });
        return n.ok() ? *n : -1;
    }

    test::TempDir dir_;
    test::RecordingSink sink_;
    std::unique_ptr<storage::Database> db_;
};

TEST_F(Timeline, BadEntriesAreRefusedAndNothingIsWritten) {
    const Topic ticket{"ticket", 7};
    std::vector<Entry> bad = {
        {Topic{}, "created", Id{1}, "{}", 0},                           // no item
        {Topic{"Ticket!", 7}, "created", Id{1}, "{}", 0},               // not a topic kind
        {ticket, "", Id{1}, "{}", 0},                                   // no type
        {ticket, "Status Changed", Id{1}, "{}", 0},                     // not [a-z0-9_.]
        {ticket, std::string(kMaxTypeBytes + 1, 'a'), Id{1}, "{}", 0},  // too long
        {ticket, "created", Id{1}, "[1,2]", 0},                         // not an object
        {ticket, "created", Id{1}, "{\"a\":", 0},                       // not JSON
        {ticket, "created", Id{1}, "{\"a\":\"" + std::string(kMaxDataBytes, 'x') + "\"}", 0},
    };
    for (auto& e : bad) {
        auto r = RecordOne(e);
        ASSERT_FALSE(r.ok()) << e.type << " " << e.data_json.substr(0, 20);
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
    EXPECT_EQ(Rows(), 0);
}

TEST_F(Timeline, AnItemsEntriesComeNewestFirstInKeysetPages) {
    const Topic ticket{"ticket", 7};
    std::vector<Id> ids;
    for (int i = 0; i < 5; ++i)
        ids.push_back(MustRecord({ticket, "step", Id{3}, "{\"n\":" + std::to_string(i) + "}", 1000 + i}));
    // Another item with the same id under another kind, and another item of the kind, stay apart.
    MustRecord({Topic{"queue", 7}, "created", Id{3}, "{}", 0});
    MustRecord({Topic{"ticket", 8}, "created", std::nullopt, "{}", 0});

    auto first = Read(ticket, std::nullopt, 2);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].id, ids[4]);
    EXPECT_EQ(first[1].id, ids[3]);
    EXPECT_EQ(first[0].at, 1004);
    EXPECT_EQ(first[0].actor_id, Id{3});
    EXPECT_EQ(boost::json::parse(first[0].data_json).at("n").as_int64(), 4);
    auto rest = Read(ticket, first.back().id, 10);
    ASSERT_EQ(rest.size(), 3u);
    EXPECT_EQ(rest[0].id, ids[2]);
    EXPECT_EQ(rest[2].id, ids[0]);

    auto system = Read(Topic{"ticket", 8});
    ASSERT_EQ(system.size(), 1u);
    EXPECT_FALSE(system[0].actor_id.has_value());
    auto json = boost::json::parse(RowJson(system[0])).as_object();
    EXPECT_EQ(json.at("item").as_string(), "ticket:8");
    EXPECT_TRUE(json.at("actor_id").is_null());
    EXPECT_TRUE(json.at("data").is_object());
    EXPECT_GT(json.at("at").as_int64(), 0);  // 0 means "now"
}

TEST_F(Timeline, AnEntryExistsExactlyWhenItsActionCommitted) {
    auto failed = db_->Write([&](Tx& tx) -> Status {
        VECHE_RETURN_IF_ERROR(Record(tx, {Topic{"ticket", 7}, "closed", Id{3}, "{}", 0}));
        return Error::Conflict("ticket_closed", "already closed");
    });
    EXPECT_FALSE(failed.ok());
    EXPECT_EQ(Rows(), 0);
    MustRecord({Topic{"ticket", 7}, "closed", Id{3}, "{}", 0});
    EXPECT_EQ(Rows(), 1);
}

TEST_F(Timeline, AskedForItAnEntryIsAlsoAnAuditEntryAndAnEventOnTheItemsTopic) {
    Options options;
    options.audit = true;
    options.actor_ip = "192.0.2.9";
    options.publish = true;
    Id id = MustRecord({Topic{"ticket", 7}, "deleted", Id{3}, R"({"reason":"spam"})", 0}, options);
    MustRecord({Topic{"ticket", 7}, "viewed", Id{3}, "{}", 0});  // neither

    audit::Filter filter;
    filter.target_kind = "ticket";
    auto audited = audit::List(*db_, filter);
    ASSERT_TRUE(audited.ok());
    ASSERT_EQ(audited->size(), 1u);
    EXPECT_EQ((*audited)[0].action, "ticket.deleted");
    EXPECT_EQ((*audited)[0].target_id, Id{7});
    EXPECT_EQ((*audited)[0].actor_ip, "192.0.2.9");
    EXPECT_EQ(boost::json::parse((*audited)[0].data_json).at("reason").as_string(), "spam");

    ASSERT_TRUE(sink_.WaitForCount(1));
    auto events = sink_.Events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, "timeline.added");
    EXPECT_EQ(TopicToString(events[0].topic), "ticket:7");
    EXPECT_EQ(boost::json::parse(events[0].data_json).at("id").as_string(), IdToString(id));
}

TEST_F(Timeline, ReadersAreOnePerTopicKind) {
    Readers readers;
    readers.Add("ticket", [](Tx&, const Actor&, Id) -> Status { return {}; });
    EXPECT_NE(readers.Find("ticket"), nullptr);
    EXPECT_EQ(readers.Find("chat"), nullptr);
    EXPECT_THROW(readers.Add("ticket", [](Tx&, const Actor&, Id) -> Status { return {}; }), std::logic_error);
    EXPECT_THROW(readers.Add("Not A Kind", [](Tx&, const Actor&, Id) -> Status { return {}; }),
                 std::logic_error);
}

TEST_F(Timeline, TheChatModuleRecordsAChatsHistoryWithItsActors) {
    accounts::AccountService accounts(*db_);
    chat::ChatService chats(*db_, accounts);
    Actor alice{test::InsertUser(*db_, "alice"), false};
    Actor bob{test::InsertUser(*db_, "bob"), false};
    Id carol = test::InsertUser(*db_, "carol");

    chat::NewChat spec;
    spec.type = "group";
    spec.name = "tender 17";
    spec.member_ids = {bob.user_id};
    auto created = chats.CreateChat(alice, spec);
    ASSERT_TRUE(created.ok());
    Id chat_id = created->first.chat.id;
    chat::ChatUpdate rename;
    rename.name = "tender 17: stage 2";
    ASSERT_TRUE(chats.UpdateChat(alice, chat_id, rename).ok());
    ASSERT_TRUE(chats.UpdateChat(alice, chat_id, rename).ok());  // no change: no entry
    ASSERT_TRUE(chats.AddMembers(bob, chat_id, {carol}, "member").ok());
    ASSERT_TRUE(chats.SetMemberRole(alice, chat_id, bob.user_id, "admin").ok());
    ASSERT_TRUE(chats.RemoveMember(bob, chat_id, carol).ok());
    ASSERT_TRUE(chats.SetArchived(alice, chat_id, true).ok());
    ASSERT_FALSE(chats.SetArchived(Actor{carol, false}, chat_id, false).ok());  // refused: no entry

    auto rows = Read(ChatTopic(chat_id));
    std::vector<std::string> types;
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) types.push_back(it->type);
    EXPECT_EQ(types, (std::vector<std::string>{"created", "updated", "member_added", "member_role_changed",
                                               "member_removed", "archived"}));
    ASSERT_EQ(rows.size(), 6u);
    auto oldest = [&](std::size_t i) { return rows[rows.size() - 1 - i]; };
    EXPECT_EQ(oldest(0).actor_id, alice.user_id);
    EXPECT_EQ(boost::json::parse(oldest(0).data_json).at("member_ids").as_array().size(), 1u);
    auto updated = boost::json::parse(oldest(1).data_json);
    EXPECT_EQ(updated.at("name").at("from").as_string(), "tender 17");
    EXPECT_EQ(updated.at("name").at("to").as_string(), "tender 17: stage 2");
    EXPECT_EQ(oldest(2).actor_id, bob.user_id);
    EXPECT_EQ(boost::json::parse(oldest(2).data_json).at("user_id").as_string(), IdToString(carol));
    auto role = boost::json::parse(oldest(3).data_json);
    EXPECT_EQ(role.at("from").as_string(), "member");
    EXPECT_EQ(role.at("to").as_string(), "admin");
    EXPECT_EQ(oldest(4).actor_id, bob.user_id);
}

}  // namespace
}  // namespace veche::timeline
