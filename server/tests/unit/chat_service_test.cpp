#include "veche/chat/chat_service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <functional>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace veche::unit {
namespace {

using chat::Actor;
using chat::HistoryQuery;
using chat::NewChat;

class ChatService : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = test::OpenServiceDatabase(dir_.File("chat.db"));
        db_->SetEventSink(&sink_);
        accounts_ = std::make_unique<accounts::AccountService>(*db_);
        chats_ = std::make_unique<chat::ChatService>(*db_, *accounts_);
        alice_ = {test::InsertUser(*db_, "alice"), false};
        bob_ = {test::InsertUser(*db_, "bob"), false};
        carol_ = {test::InsertUser(*db_, "carol"), false};
        mallory_ = {test::InsertUser(*db_, "mallory"), false};
        root_ = {test::InsertUser(*db_, "root", "admin"), true};
    }
    void TearDown() override {
        chats_.reset();
        accounts_.reset();
        if (db_) db_->Stop();
    }

    Id Group(const Actor& owner, std::vector<Id> members,
             std::optional<std::int64_t> immutable = std::nullopt) {
        NewChat spec;
        spec.type = "group";
        spec.name = "team";
        spec.member_ids = std::move(members);
        spec.immutable_after_minutes = immutable;
        auto r = chats_->CreateChat(owner, spec);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? r->first.chat.id : 0;
    }
    Id Channel(const Actor& owner, const std::string& visibility, std::vector<Id> members = {}) {
        NewChat spec;
        spec.type = "channel";
        spec.visibility = visibility;
        spec.name = "news-" + visibility;
        spec.member_ids = std::move(members);
        auto r = chats_->CreateChat(owner, spec);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? r->first.chat.id : 0;
    }
    chat::Message MustPost(const Actor& who, Id chat_id, const std::string& text) {
        auto r = chats_->Post(who, chat_id, text, std::nullopt);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? r->first : chat::Message{};
    }
    std::int64_t MessageRows() {
        auto n = db_->Read([](storage::Tx& tx) -> Result<std::int64_t> {
            return tx.QueryInt("SELECT COUNT(*) FROM messages").value_or(-1);
        });
        return n.ok() ? n.value() : -1;
    }
    // The events published since the previous call, waiting for at least `n` of them.
    std::vector<Event> NewEvents(std::size_t n) {
        EXPECT_TRUE(sink_.WaitForCount(seen_events_ + n));
        auto all = sink_.Events();
        std::vector<Event> out(all.begin() + static_cast<std::ptrdiff_t>(seen_events_), all.end());
        seen_events_ = all.size();
        return out;
    }

    test::TempDir dir_;
    test::RecordingSink sink_;
    std::size_t seen_events_ = 0;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<accounts::AccountService> accounts_;
    std::unique_ptr<chat::ChatService> chats_;
    Actor alice_, bob_, carol_, mallory_, root_;
};

void ExpectNotFound(const Status& s, const char* what) {
    ASSERT_FALSE(s.ok()) << what;
    EXPECT_EQ(s.error().code, ErrorCode::kNotFound) << what << ": " << s.error().api_code;
}
template <class T>
void ExpectNotFound(const Result<T>& r, const char* what) {
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << what << ": " << r.error().api_code;
}
template <class T>
void ExpectError(const Result<T>& r, ErrorCode code, const std::string& api_code) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_EQ(r.error().api_code, api_code) << r.error().message;
}
void ExpectError(const Status& r, ErrorCode code, const std::string& api_code) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_EQ(r.error().api_code, api_code) << r.error().message;
}

HistoryQuery Page(std::optional<Id> before, std::optional<Id> after, int limit = 50) {
    HistoryQuery q;
    q.before = before;
    q.after = after;
    q.limit = limit;
    return q;
}

HistoryQuery WithDeleted() {
    HistoryQuery q;
    q.include_deleted = true;
    return q;
}

chat::ChatUpdate Rename(std::string name) {
    chat::ChatUpdate up;
    up.name = std::move(name);
    return up;
}

chat::ChatUpdate Immutable(std::optional<std::int64_t> minutes) {
    chat::ChatUpdate up;
    up.set_immutable = true;
    up.immutable_after_minutes = minutes;
    return up;
}

chat::NewPoll Poll(std::string question, std::vector<std::string> options) {
    chat::NewPoll poll;
    poll.question = std::move(question);
    poll.options = std::move(options);
    return poll;
}

chat::NewMessage Reply(std::string text, Id thread_root_id, Id quote_id) {
    chat::NewMessage m;
    m.text = std::move(text);
    m.thread_root_id = thread_root_id;
    m.quote_id = quote_id;
    return m;
}

std::vector<Id> Ids(const std::vector<chat::Message>& messages) {
    std::vector<Id> out;
    for (const auto& m : messages) out.push_back(m.id);
    return out;
}

}  // namespace

TEST_F(ChatService, DirectChatIsOnePerPair) {
    NewChat spec;
    spec.type = "direct";
    spec.direct_user_id = bob_.user_id;
    auto first = chats_->CreateChat(alice_, spec);
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(first->second);
    EXPECT_EQ(first->first.chat.type, "direct");
    EXPECT_EQ(first->first.chat.member_count, 2);
    EXPECT_EQ(first->first.direct_user_id, bob_.user_id);

    auto again = chats_->CreateChat(alice_, spec);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->second);
    EXPECT_EQ(again->first.chat.id, first->first.chat.id);

    spec.direct_user_id = alice_.user_id;
    auto reverse = chats_->CreateChat(bob_, spec);
    ASSERT_TRUE(reverse.ok());
    EXPECT_FALSE(reverse->second);
    EXPECT_EQ(reverse->first.chat.id, first->first.chat.id);
    EXPECT_EQ(reverse->first.direct_user_id, alice_.user_id);

    // Notes to self are a direct chat of one.
    auto self = chats_->CreateChat(alice_, spec);
    ASSERT_TRUE(self.ok());
    EXPECT_TRUE(self->second);
    EXPECT_NE(self->first.chat.id, first->first.chat.id);
    EXPECT_EQ(self->first.chat.member_count, 1);
    EXPECT_EQ(self->first.direct_user_id, alice_.user_id);

    auto count = db_->Read([](storage::Tx& tx) -> Result<std::int64_t> {
        return tx.QueryInt("SELECT COUNT(*) FROM chats WHERE type = 'direct'").value_or(-1);
    });
    EXPECT_EQ(count.value(), 2);
}

TEST_F(ChatService, DirectChatNeedsAnActiveUser) {
    NewChat spec;
    spec.type = "direct";
    spec.direct_user_id = GlobalIds().Next();
    ExpectError(chats_->CreateChat(alice_, spec), ErrorCode::kNotFound, "user_not_found");
    spec.direct_user_id = test::InsertUser(*db_, "gone", "user", /*deactivated=*/true);
    ExpectError(chats_->CreateChat(alice_, spec), ErrorCode::kNotFound, "user_not_found");
}

TEST_F(ChatService, NonMemberGetsNotFoundForEveryObjectOfAPrivateChat) {
    Id chat_id = Group(alice_, {bob_.user_id});
    auto m = MustPost(alice_, chat_id, "secret plan");
    for (const Actor& outsider : {mallory_, root_}) {
        SCOPED_TRACE(outsider.is_admin ? "system admin" : "plain user");
        ExpectNotFound(chats_->GetChat(outsider, chat_id), "GetChat");
        ExpectNotFound(chats_->History(outsider, chat_id, {}), "History");
        ExpectNotFound(chats_->Post(outsider, chat_id, "hi", std::nullopt), "Post");
        ExpectNotFound(chats_->GetMessage(outsider, m.id), "GetMessage");
        ExpectNotFound(chats_->Edit(outsider, m.id, "changed"), "Edit");
        ExpectNotFound(chats_->Delete(outsider, m.id), "Delete");
        ExpectNotFound(chats_->React(outsider, m.id, "+1", true), "React add");
        ExpectNotFound(chats_->React(outsider, m.id, "+1", false), "React remove");
        ExpectNotFound(chats_->ListMembers(outsider, chat_id), "ListMembers");
        ExpectNotFound(chats_->AddMembers(outsider, chat_id, {outsider.user_id}, "member"), "AddMembers");
        ExpectNotFound(chats_->MarkRead(outsider, chat_id, m.id), "MarkRead");
        ExpectNotFound(chats_->Versions(outsider, m.id), "Versions");
        ExpectNotFound(chats_->Restore(outsider, m.id), "Restore");
        ExpectNotFound(chats_->Join(outsider, chat_id), "Join");
        ExpectNotFound(chats_->Leave(outsider, chat_id), "Leave");
        ExpectNotFound(chats_->UpdateChat(outsider, chat_id, Rename("mine")), "UpdateChat");
        ExpectNotFound(chats_->SetArchived(outsider, chat_id, true), "SetArchived");
        ExpectNotFound(chats_->SetMemberRole(outsider, chat_id, bob_.user_id, "guest"), "SetMemberRole");
        ExpectNotFound(chats_->RemoveMember(outsider, chat_id, bob_.user_id), "RemoveMember");
    }
    // The answers are exactly those for ids that do not exist.
    auto unknown_chat = chats_->GetChat(mallory_, GlobalIds().Next());
    auto private_chat = chats_->GetChat(mallory_, chat_id);
    EXPECT_EQ(private_chat.error().api_code, unknown_chat.error().api_code);
    EXPECT_EQ(private_chat.error().message, unknown_chat.error().message);
    auto unknown_message = chats_->GetMessage(mallory_, GlobalIds().Next());
    auto private_message = chats_->GetMessage(mallory_, m.id);
    EXPECT_EQ(private_message.error().api_code, unknown_message.error().api_code);
    EXPECT_EQ(private_message.error().message, unknown_message.error().message);

    // Nothing changed.
    auto view = chats_->GetChat(alice_, chat_id);
    ASSERT_TRUE(view.ok());
    EXPECT_EQ(view->chat.member_count, 2);
    EXPECT_FALSE(view->chat.archived);
    EXPECT_EQ(chats_->GetMessage(alice_, m.id)->text, "secret plan");
    EXPECT_EQ(MessageRows(), 1);
}

TEST_F(ChatService, NonMemberOfAPublicChannelSeesOnlyTheChannelItself) {
    Id chat_id = Channel(alice_, "public", {bob_.user_id});
    auto m = MustPost(alice_, chat_id, "announcement");

    auto preview = chats_->GetChat(mallory_, chat_id);
    ASSERT_TRUE(preview.ok());
    EXPECT_FALSE(preview->my_role.has_value());

    ExpectNotFound(chats_->History(mallory_, chat_id, {}), "History");
    ExpectNotFound(chats_->Post(mallory_, chat_id, "hi", std::nullopt), "Post");
    ExpectNotFound(chats_->GetMessage(mallory_, m.id), "GetMessage");
    ExpectNotFound(chats_->Edit(mallory_, m.id, "changed"), "Edit");
    ExpectNotFound(chats_->Delete(mallory_, m.id), "Delete");
    ExpectNotFound(chats_->React(mallory_, m.id, "+1", true), "React");
    ExpectNotFound(chats_->ListMembers(mallory_, chat_id), "ListMembers");
    ExpectNotFound(chats_->AddMembers(mallory_, chat_id, {carol_.user_id}, "member"), "AddMembers");
    ExpectNotFound(chats_->MarkRead(mallory_, chat_id, m.id), "MarkRead");
    ExpectNotFound(chats_->Versions(mallory_, m.id), "Versions");
    ExpectNotFound(chats_->Restore(mallory_, m.id), "Restore");
    ExpectNotFound(chats_->Leave(mallory_, chat_id), "Leave");

    // Joining makes the history readable.
    ASSERT_TRUE(chats_->Join(mallory_, chat_id).ok());
    auto page = chats_->History(mallory_, chat_id, {});
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(Ids(page->messages), std::vector<Id>{m.id});
}

TEST_F(ChatService, NonMemberGetsNotFoundFromThreadsPinsPollsAndForwards) {
    Id chat_id = Group(alice_, {bob_.user_id});
    auto m = MustPost(alice_, chat_id, "root message");
    auto poll = chats_->CreatePoll(alice_, chat_id, Poll("lunch?", {"yes", "no"}));
    ASSERT_TRUE(poll.ok()) << poll.error().message;
    Id poll_id = poll->first.id;
    Id own_chat = Group(mallory_, {});

    for (const Actor& outsider : {mallory_, root_}) {
        SCOPED_TRACE(outsider.is_admin ? "system admin" : "plain user");
        ExpectNotFound(chats_->Thread(outsider, m.id, {}), "Thread");
        ExpectNotFound(chats_->FollowThread(outsider, m.id, true), "FollowThread");
        ExpectNotFound(chats_->Pin(outsider, m.id, true), "Pin");
        ExpectNotFound(chats_->Pins(outsider, chat_id), "Pins");
        ExpectNotFound(chats_->SeenBy(outsider, m.id), "SeenBy");
        ExpectNotFound(chats_->SetNotify(outsider, chat_id, "none"), "SetNotify");
        ExpectNotFound(chats_->Vote(outsider, poll_id, {0}), "Vote");
        ExpectNotFound(chats_->ClosePoll(outsider, poll_id), "ClosePoll");
        ExpectNotFound(chats_->CreatePoll(outsider, chat_id, Poll("q", {"a", "b"})), "CreatePoll");
        ExpectNotFound(chats_->Forward(outsider, m.id, own_chat, std::nullopt),
                       "Forward from a private chat");
        ExpectNotFound(chats_->Forward(alice_, m.id, own_chat, std::nullopt), "Forward into a foreign chat");
        chat::SearchQuery q;
        q.text = "root";
        q.chat_id = chat_id;
        ExpectNotFound(chats_->Search(outsider, q), "Search in a chat");
    }
    // Replies and quotes cannot reach into a chat the author cannot see.
    ASSERT_TRUE(chats_->AddMembers(mallory_, own_chat, {bob_.user_id}, "member").ok());
    ExpectNotFound(chats_->Post(mallory_, own_chat, Reply("re", m.id, 0)), "reply");
    ExpectNotFound(chats_->Post(mallory_, own_chat, Reply("quote", 0, m.id)), "quote");

    chat::SearchQuery everywhere;
    everywhere.text = "root";
    auto found = chats_->Search(mallory_, everywhere);
    ASSERT_TRUE(found.ok());
    EXPECT_TRUE(found->hits.empty());
    auto members_find = chats_->Search(bob_, everywhere);
    ASSERT_TRUE(members_find.ok());
    ASSERT_EQ(members_find->hits.size(), 1u);
    EXPECT_EQ(members_find->hits[0].message.id, m.id);
}

TEST_F(ChatService, GuestReadsButCannotPostOrReact) {
    Id chat_id = Group(alice_, {});
    ASSERT_TRUE(chats_->AddMembers(alice_, chat_id, {carol_.user_id}, "guest").ok());
    auto m = MustPost(alice_, chat_id, "for your information");

    ExpectError(chats_->Post(carol_, chat_id, "may I?", std::nullopt), ErrorCode::kForbidden, "forbidden");
    ExpectError(chats_->Post(carol_, chat_id, "may I?", std::string("c-1")), ErrorCode::kForbidden,
                "forbidden");
    ExpectError(chats_->React(carol_, m.id, "+1", true), ErrorCode::kForbidden, "forbidden");
    ExpectError(chats_->AddMembers(carol_, chat_id, {bob_.user_id}, "member"), ErrorCode::kForbidden,
                "forbidden");
    auto page = chats_->History(carol_, chat_id, {});
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(Ids(page->messages), std::vector<Id>{m.id});
    EXPECT_EQ(MessageRows(), 1);
}

TEST_F(ChatService, RepeatedClientIdReturnsTheOriginalMessage) {
    Id chat_id = Group(alice_, {bob_.user_id});
    auto first = chats_->Post(alice_, chat_id, "once", std::string("c-1"));
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(first->second);
    EXPECT_EQ(first->first.client_id, std::optional<std::string>("c-1"));

    auto repeat = chats_->Post(alice_, chat_id, "once, again", std::string("c-1"));
    ASSERT_TRUE(repeat.ok());
    EXPECT_FALSE(repeat->second);
    EXPECT_EQ(repeat->first.id, first->first.id);
    EXPECT_EQ(repeat->first.text, "once");

    // The key belongs to the author in this chat.
    auto other_author = chats_->Post(bob_, chat_id, "mine", std::string("c-1"));
    ASSERT_TRUE(other_author.ok());
    EXPECT_TRUE(other_author->second);
    EXPECT_NE(other_author->first.id, first->first.id);
    EXPECT_EQ(MessageRows(), 2);

    ExpectError(chats_->Post(alice_, chat_id, "x", std::string("")), ErrorCode::kInvalidArgument,
                "invalid_argument");
    ExpectError(chats_->Post(alice_, chat_id, "x", std::string(65, 'k')), ErrorCode::kInvalidArgument,
                "invalid_argument");
    EXPECT_TRUE(chats_->Post(alice_, chat_id, "x", std::string(64, 'k')).ok());
}

TEST_F(ChatService, ValidatesMessageText) {
    Id chat_id = Group(alice_, {});
    for (const std::string& bad : {std::string(""), std::string(" \n\t "), std::string("a\0b", 3),
                                   std::string(chat::kMaxMessageChars + 1, 'x')}) {
        ExpectError(chats_->Post(alice_, chat_id, bad, std::nullopt), ErrorCode::kInvalidArgument,
                    "invalid_argument");
    }
    // The limit counts characters: 16,000 Cyrillic letters are 32,000 bytes and fit.
    std::string cyrillic;
    for (std::size_t i = 0; i < chat::kMaxMessageChars; ++i) cyrillic += "\xD0\xB6";
    auto posted = chats_->Post(alice_, chat_id, cyrillic, std::nullopt);
    ASSERT_TRUE(posted.ok());
    EXPECT_EQ(posted->first.text, cyrillic);
}

TEST_F(ChatService, ImmutableHistoryZeroForbidsEditAndDelete) {
    Id chat_id = Group(alice_, {bob_.user_id}, /*immutable=*/0);
    auto m = MustPost(alice_, chat_id, "we agree on 100");
    ExpectError(chats_->Edit(alice_, m.id, "we agree on 1000"), ErrorCode::kForbidden, "immutable_history");
    ExpectError(chats_->Delete(alice_, m.id), ErrorCode::kForbidden, "immutable_history");
    // Not even the chat owner or a system administrator may alter it.
    auto theirs = MustPost(bob_, chat_id, "agreed");
    ExpectError(chats_->Delete(alice_, theirs.id), ErrorCode::kForbidden, "immutable_history");
    Actor admin_alice{alice_.user_id, true};
    ExpectError(chats_->Delete(admin_alice, m.id), ErrorCode::kForbidden, "immutable_history");
    EXPECT_EQ(chats_->GetMessage(alice_, m.id)->text, "we agree on 100");
    EXPECT_FALSE(chats_->GetMessage(alice_, m.id)->deleted);
}

TEST_F(ChatService, ImmutableWindowAllowsChangesWhileOpenAndCanOnlyBeTightened) {
    Id chat_id = Group(alice_, {bob_.user_id}, /*immutable=*/60);
    auto m = MustPost(alice_, chat_id, "draft");
    EXPECT_TRUE(chats_->Edit(alice_, m.id, "final").ok());

    chat::ChatUpdate loosen = Immutable(120);
    ExpectError(chats_->UpdateChat(alice_, chat_id, loosen), ErrorCode::kForbidden, "forbidden");
    chat::ChatUpdate off = Immutable(std::nullopt);
    ExpectError(chats_->UpdateChat(alice_, chat_id, off), ErrorCode::kForbidden, "forbidden");
    chat::ChatUpdate tighten = Immutable(0);
    auto tightened = chats_->UpdateChat(alice_, chat_id, tighten);
    ASSERT_TRUE(tightened.ok());
    EXPECT_EQ(tightened->chat.immutable_after_minutes, std::optional<std::int64_t>(0));
    ExpectError(chats_->Edit(alice_, m.id, "final!"), ErrorCode::kForbidden, "immutable_history");

    // A system administrator may loosen it.
    Actor admin_alice{alice_.user_id, true};
    ASSERT_TRUE(chats_->UpdateChat(admin_alice, chat_id, off).ok());
    EXPECT_TRUE(chats_->Edit(alice_, m.id, "final!").ok());
}

TEST_F(ChatService, EditKeepsEveryVersionForSystemAdministrators) {
    Id chat_id = Group(alice_, {bob_.user_id, root_.user_id});
    auto m = MustPost(alice_, chat_id, "v1");
    ExpectError(chats_->Edit(bob_, m.id, "bob was here"), ErrorCode::kForbidden, "forbidden");
    auto e1 = chats_->Edit(alice_, m.id, "v2");
    ASSERT_TRUE(e1.ok());
    EXPECT_EQ(e1->text, "v2");
    ASSERT_TRUE(e1->edited_at.has_value());
    auto e2 = chats_->Edit(alice_, m.id, "v3");
    ASSERT_TRUE(e2.ok());

    ExpectError(chats_->Versions(alice_, m.id), ErrorCode::kForbidden, "forbidden");
    auto versions = chats_->Versions(root_, m.id);
    ASSERT_TRUE(versions.ok());
    ASSERT_EQ(versions->size(), 3u);
    EXPECT_EQ((*versions)[0].text, "v1");
    EXPECT_EQ((*versions)[0].created_at, m.created_at);
    EXPECT_EQ((*versions)[1].text, "v2");
    EXPECT_EQ((*versions)[1].created_at, *e1->edited_at);
    EXPECT_EQ((*versions)[2].text, "v3");
    EXPECT_EQ((*versions)[2].created_at, *e2->edited_at);
    for (const auto& v : *versions) EXPECT_EQ(v.editor_id, alice_.user_id);
    EXPECT_EQ(chats_->GetMessage(bob_, m.id)->text, "v3");
}

TEST_F(ChatService, SoftDeleteHidesTextAndAnAdministratorRestoresIt) {
    Id chat_id = Group(alice_, {bob_.user_id, root_.user_id});
    auto keep = MustPost(alice_, chat_id, "keep me");
    auto m = MustPost(alice_, chat_id, "delete me");
    ExpectError(chats_->Delete(bob_, m.id), ErrorCode::kForbidden, "forbidden");
    ASSERT_TRUE(chats_->Delete(alice_, m.id).ok());
    ExpectNotFound(chats_->Delete(alice_, m.id), "second delete");
    ExpectNotFound(chats_->Edit(alice_, m.id, "back"), "edit of a deleted message");
    ExpectNotFound(chats_->React(bob_, m.id, "+1", true), "reaction to a deleted message");

    auto seen = chats_->GetMessage(bob_, m.id);
    ASSERT_TRUE(seen.ok());
    EXPECT_TRUE(seen->deleted);
    auto json = chat::MessageToJson(*seen, bob_.user_id);
    EXPECT_EQ(json.at("text").as_string(), "");
    EXPECT_TRUE(json.at("deleted").as_bool());
    EXPECT_EQ(chat::MessageToJson(*seen, root_.user_id, /*show_deleted_text=*/true).at("text").as_string(),
              "delete me");

    auto page = chats_->History(bob_, chat_id, {});
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->messages.size(), 2u);
    EXPECT_TRUE(page->messages[1].deleted);
    ExpectError(chats_->History(bob_, chat_id, WithDeleted()), ErrorCode::kForbidden, "forbidden");
    EXPECT_EQ(chats_->GetChat(bob_, chat_id)->last_message->id, keep.id)
        << "a deleted message is not the last one";

    ExpectError(chats_->Restore(alice_, m.id), ErrorCode::kForbidden, "forbidden");
    auto restored = chats_->Restore(root_, m.id);
    ASSERT_TRUE(restored.ok());
    EXPECT_FALSE(restored->deleted);
    EXPECT_EQ(restored->text, "delete me");
    EXPECT_FALSE(chats_->GetMessage(bob_, m.id)->deleted);
    EXPECT_EQ(chats_->GetChat(bob_, chat_id)->last_message->id, m.id);
}

TEST_F(ChatService, ChatManagersDeleteOthersMessages) {
    Id chat_id = Group(alice_, {bob_.user_id, carol_.user_id});
    auto m = MustPost(bob_, chat_id, "oops");
    ExpectError(chats_->Delete(carol_, m.id), ErrorCode::kForbidden, "forbidden");
    EXPECT_TRUE(chats_->Delete(alice_, m.id).ok());
}

TEST_F(ChatService, HistoryPagesByCursor) {
    Id chat_id = Group(alice_, {bob_.user_id});
    std::vector<Id> ids;
    for (int i = 0; i < 7; ++i)
        ids.push_back(MustPost(i % 2 ? bob_ : alice_, chat_id, "m" + std::to_string(i)).id);
    for (std::size_t i = 1; i < ids.size(); ++i) ASSERT_LT(ids[i - 1], ids[i]);

    auto newest = chats_->History(bob_, chat_id, Page(std::nullopt, std::nullopt, 3));
    ASSERT_TRUE(newest.ok());
    EXPECT_EQ(Ids(newest->messages), (std::vector<Id>{ids[4], ids[5], ids[6]}));
    EXPECT_TRUE(newest->has_more);

    auto older = chats_->History(bob_, chat_id, Page(ids[4], std::nullopt, 3));
    ASSERT_TRUE(older.ok());
    EXPECT_EQ(Ids(older->messages), (std::vector<Id>{ids[1], ids[2], ids[3]}));
    EXPECT_TRUE(older->has_more);

    auto oldest = chats_->History(bob_, chat_id, Page(ids[1], std::nullopt, 3));
    ASSERT_TRUE(oldest.ok());
    EXPECT_EQ(Ids(oldest->messages), std::vector<Id>{ids[0]});
    EXPECT_FALSE(oldest->has_more);

    auto newer = chats_->History(bob_, chat_id, Page(std::nullopt, ids[0], 3));
    ASSERT_TRUE(newer.ok());
    EXPECT_EQ(Ids(newer->messages), (std::vector<Id>{ids[1], ids[2], ids[3]}));
    EXPECT_TRUE(newer->has_more);

    auto rest = chats_->History(bob_, chat_id, Page(std::nullopt, ids[3], 3));
    ASSERT_TRUE(rest.ok());
    EXPECT_EQ(Ids(rest->messages), (std::vector<Id>{ids[4], ids[5], ids[6]}));
    EXPECT_FALSE(rest->has_more);

    auto none = chats_->History(bob_, chat_id, Page(std::nullopt, ids[6], 3));
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->messages.empty());
    EXPECT_FALSE(none->has_more);

    auto exact = chats_->History(bob_, chat_id, Page(std::nullopt, std::nullopt, 7));
    ASSERT_TRUE(exact.ok());
    EXPECT_EQ(Ids(exact->messages), ids);
    EXPECT_FALSE(exact->has_more);

    ExpectError(chats_->History(bob_, chat_id, Page(ids[3], ids[1])), ErrorCode::kInvalidArgument,
                "invalid_argument");
    ExpectError(chats_->History(bob_, chat_id, Page(std::nullopt, std::nullopt, 0)),
                ErrorCode::kInvalidArgument, "invalid_argument");
    ExpectError(chats_->History(bob_, chat_id, Page(std::nullopt, std::nullopt, chat::kMaxPageSize + 1)),
                ErrorCode::kInvalidArgument, "invalid_argument");
}

TEST_F(ChatService, ArchivedChatIsReadOnly) {
    Id chat_id = Group(alice_, {bob_.user_id});
    auto m = MustPost(bob_, chat_id, "before the archive");
    ExpectError(chats_->SetArchived(bob_, chat_id, true), ErrorCode::kForbidden, "forbidden");
    auto archived = chats_->SetArchived(alice_, chat_id, true);
    ASSERT_TRUE(archived.ok());
    EXPECT_TRUE(archived->chat.archived);

    ExpectError(chats_->Post(bob_, chat_id, "after", std::nullopt), ErrorCode::kForbidden, "chat_archived");
    ExpectError(chats_->Edit(bob_, m.id, "edited"), ErrorCode::kForbidden, "chat_archived");
    ExpectError(chats_->Delete(bob_, m.id), ErrorCode::kForbidden, "chat_archived");
    ExpectError(chats_->React(bob_, m.id, "+1", true), ErrorCode::kForbidden, "chat_archived");
    ExpectError(chats_->AddMembers(alice_, chat_id, {carol_.user_id}, "member"), ErrorCode::kForbidden,
                "chat_archived");
    EXPECT_TRUE(chats_->History(bob_, chat_id, {}).ok());

    ASSERT_TRUE(chats_->SetArchived(alice_, chat_id, false).ok());
    EXPECT_TRUE(chats_->Post(bob_, chat_id, "after", std::nullopt).ok());
}

TEST_F(ChatService, LastOwnerLeavingHandsOwnershipToTheLongestStandingAdmin) {
    Id chat_id = Group(alice_, {carol_.user_id});
    ASSERT_TRUE(chats_->AddMembers(alice_, chat_id, {bob_.user_id}, "admin").ok());
    ASSERT_TRUE(chats_->Leave(alice_, chat_id).ok());

    auto members = chats_->ListMembers(bob_, chat_id);
    ASSERT_TRUE(members.ok());
    ASSERT_EQ(members->size(), 2u);
    for (const auto& mb : *members) EXPECT_EQ(mb.role, mb.user_id == bob_.user_id ? "owner" : "member");
    ExpectNotFound(chats_->GetChat(alice_, chat_id), "the former owner no longer sees the group");

    // With no admin left, a member inherits.
    ASSERT_TRUE(chats_->Leave(bob_, chat_id).ok());
    auto last = chats_->ListMembers(carol_, chat_id);
    ASSERT_TRUE(last.ok());
    ASSERT_EQ(last->size(), 1u);
    EXPECT_EQ(last->front().role, "owner");
}

TEST_F(ChatService, OwnerLeavingKeepsOtherOwners) {
    Id chat_id = Group(alice_, {bob_.user_id, carol_.user_id});
    ASSERT_TRUE(chats_->SetMemberRole(alice_, chat_id, bob_.user_id, "owner").ok());
    ASSERT_TRUE(chats_->Leave(alice_, chat_id).ok());
    auto members = chats_->ListMembers(carol_, chat_id);
    ASSERT_TRUE(members.ok());
    for (const auto& mb : *members) EXPECT_EQ(mb.role, mb.user_id == bob_.user_id ? "owner" : "member");
    // The last owner cannot demote themself, and a direct chat cannot be left.
    ExpectError(chats_->SetMemberRole(bob_, chat_id, bob_.user_id, "member"), ErrorCode::kConflict,
                "last_owner");
    NewChat direct;
    direct.type = "direct";
    direct.direct_user_id = carol_.user_id;
    auto d = chats_->CreateChat(bob_, direct);
    ASSERT_TRUE(d.ok());
    ExpectError(chats_->Leave(bob_, d->first.chat.id), ErrorCode::kForbidden, "forbidden");
}

TEST_F(ChatService, EmitsEventsWithKindsChatsAndMembershipChanges) {
    Id chat_id = Group(alice_, {bob_.user_id});
    auto created = NewEvents(3);
    ASSERT_EQ(created.size(), 3u);
    EXPECT_EQ(created[0].kind, "member.added");
    EXPECT_EQ(created[0].target_user_id, alice_.user_id);
    EXPECT_EQ(created[1].kind, "member.added");
    EXPECT_EQ(created[1].target_user_id, bob_.user_id);
    EXPECT_EQ(created[1].membership, MembershipChange::kAdd);
    EXPECT_EQ(created[2].kind, "chat.created");
    EXPECT_EQ(created[2].membership, MembershipChange::kNone);
    for (const auto& e : created) {
        EXPECT_EQ(e.topic, ChatTopic(chat_id));
        EXPECT_FALSE(e.broadcast);
    }

    auto m = MustPost(alice_, chat_id, "hello");
    auto posted = NewEvents(1);
    ASSERT_EQ(posted.size(), 1u);
    EXPECT_EQ(posted[0].kind, "message.created");
    EXPECT_EQ(posted[0].topic, ChatTopic(chat_id));
    EXPECT_EQ(posted[0].membership, MembershipChange::kNone);
    auto data = boost::json::parse(posted[0].data_json).as_object();
    EXPECT_EQ(data.at("id").as_string(), IdToString(m.id));
    EXPECT_EQ(data.at("text").as_string(), "hello");

    ASSERT_TRUE(chats_->AddMembers(alice_, chat_id, {carol_.user_id}, "member").ok());
    auto added = NewEvents(1);
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0].kind, "member.added");
    EXPECT_EQ(added[0].topic, ChatTopic(chat_id));
    EXPECT_EQ(added[0].target_user_id, carol_.user_id);
    EXPECT_EQ(added[0].membership, MembershipChange::kAdd);
    auto added_data = boost::json::parse(added[0].data_json).as_object();
    EXPECT_EQ(added_data.at("user_id").as_string(), IdToString(carol_.user_id));
    EXPECT_EQ(added_data.at("role").as_string(), "member");

    ASSERT_TRUE(chats_->Edit(alice_, m.id, "hello!").ok());
    ASSERT_TRUE(chats_->React(bob_, m.id, "+1", true).ok());
    ASSERT_TRUE(chats_->Delete(alice_, m.id).ok());
    auto changed = NewEvents(3);
    ASSERT_EQ(changed.size(), 3u);
    EXPECT_EQ(changed[0].kind, "message.updated");
    EXPECT_EQ(changed[1].kind, "message.updated");
    EXPECT_EQ(changed[2].kind, "message.deleted");
    for (const auto& e : changed) EXPECT_EQ(e.topic, ChatTopic(chat_id));

    ASSERT_TRUE(chats_->RemoveMember(alice_, chat_id, carol_.user_id).ok());
    auto removed = NewEvents(1);
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].kind, "member.removed");
    EXPECT_EQ(removed[0].topic, ChatTopic(chat_id));
    EXPECT_EQ(removed[0].target_user_id, carol_.user_id);
    EXPECT_EQ(removed[0].membership, MembershipChange::kRemove);

    auto m2 = MustPost(alice_, chat_id, "read me");
    NewEvents(1);
    ASSERT_TRUE(chats_->MarkRead(bob_, chat_id, m2.id).ok());
    auto read = NewEvents(1);
    ASSERT_EQ(read.size(), 1u);
    EXPECT_EQ(read[0].kind, "chat.read");
    EXPECT_EQ(read[0].target_user_id, bob_.user_id);
    EXPECT_EQ(read[0].membership, MembershipChange::kNone);

    ASSERT_TRUE(chats_->SetArchived(alice_, chat_id, true).ok());
    auto archived = NewEvents(1);
    ASSERT_EQ(archived.size(), 1u);
    EXPECT_EQ(archived[0].kind, "chat.updated");
    EXPECT_EQ(archived[0].topic, ChatTopic(chat_id));

    // Positions grow strictly across everything published.
    auto all = sink_.Events();
    for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].pos, all[i].pos);
}

TEST_F(ChatService, FailedOperationsEmitNothing) {
    Id chat_id = Group(alice_, {bob_.user_id});
    auto m = MustPost(alice_, chat_id, "hello");
    NewEvents(4);
    EXPECT_FALSE(chats_->Post(mallory_, chat_id, "intruder", std::nullopt).ok());
    EXPECT_FALSE(chats_->Edit(bob_, m.id, "not mine").ok());
    EXPECT_FALSE(chats_->AddMembers(bob_, chat_id, {GlobalIds().Next()}, "member").ok());
    // A marker event proves every earlier write has been published.
    ASSERT_TRUE(chats_->React(bob_, m.id, "ok", true).ok());
    auto events = NewEvents(1);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, "message.updated");
}

TEST_F(ChatService, MarkReadMovesOnlyForward) {
    Id chat_id = Group(alice_, {bob_.user_id});
    auto m1 = MustPost(alice_, chat_id, "one");
    auto m2 = MustPost(alice_, chat_id, "two");
    auto m3 = MustPost(alice_, chat_id, "three");
    EXPECT_EQ(chats_->GetChat(bob_, chat_id)->unread_count, 3);
    auto r = chats_->MarkRead(bob_, chat_id, m2.id);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->last_read_message_id, m2.id);
    EXPECT_EQ(r->unread_count, 1);
    auto back = chats_->MarkRead(bob_, chat_id, m1.id);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->last_read_message_id, m2.id);
    EXPECT_EQ(chats_->GetChat(bob_, chat_id)->unread_count, 1);
    EXPECT_EQ(chats_->GetChat(alice_, chat_id)->unread_count, 0) << "own messages are read";
    (void)m3;

    Id other = Group(bob_, {});
    auto elsewhere = MustPost(bob_, other, "elsewhere");
    ExpectError(chats_->MarkRead(bob_, chat_id, elsewhere.id), ErrorCode::kNotFound, "message_not_found");
}

TEST_F(ChatService, ChatIdsOfFollowsMembership) {
    Id g1 = Group(alice_, {bob_.user_id});
    Id g2 = Group(carol_, {alice_.user_id});
    Group(carol_, {bob_.user_id});
    auto ids = chats_->ChatIdsOf(alice_.user_id);
    ASSERT_TRUE(ids.ok());
    std::sort(ids->begin(), ids->end());
    std::vector<Id> expected{g1, g2};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(ids.value(), expected);
}

TEST_F(ChatService, GuestAccountsSeeOnlyTheirChatsAndCreateNone) {
    Actor guest{test::InsertUser(*db_, "supplier", "guest"), false, true};
    Id mine = Channel(alice_, "private", {guest.user_id});
    Id open = Channel(alice_, "public");
    NewChat group;
    group.type = "group";
    group.name = "mine";
    ExpectError(chats_->CreateChat(guest, group), ErrorCode::kForbidden, "guest_forbidden");
    NewChat direct;
    direct.type = "direct";
    direct.direct_user_id = alice_.user_id;
    ExpectError(chats_->CreateChat(guest, direct), ErrorCode::kForbidden, "guest_forbidden");
    ExpectError(chats_->ListPublicChannels(guest, "", 50), ErrorCode::kForbidden, "guest_forbidden");
    ExpectNotFound(chats_->GetChat(guest, open), "public channel by id");
    ExpectNotFound(chats_->Join(guest, open), "join a public channel");
    ExpectError(chats_->AddMembers(guest, mine, {bob_.user_id}, "member"), ErrorCode::kForbidden,
                "guest_forbidden");
    EXPECT_TRUE(chats_->GetChat(guest, mine).ok());
    MustPost(guest, mine, "hello from the supplier");
    EXPECT_TRUE(chats_->GetChat(bob_, open).ok());
}

}  // namespace veche::unit
