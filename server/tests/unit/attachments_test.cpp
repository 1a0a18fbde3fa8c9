// Files owned by any module's item (veche/files/attachments.hpp) on the engine VECHE_TEST_STORAGE
// names: a database from before owners gets every file as its chat's; another module's file is
// downloadable exactly as that module's check says and by nobody for an unregistered kind; the
// messenger's cleanup of unposted uploads leaves other owners' files alone; deleting an owner's
// files names the bytes nothing references any more.
#include "veche/files/attachments.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "test_util.hpp"
#include "veche/accounts/account_service.hpp"
#include "veche/chat/chat_service.hpp"
#include "veche/chat/module.hpp"

namespace veche::files {
namespace {

using storage::Tx;

bool OnPostgres() {
    const char* which = std::getenv("VECHE_TEST_STORAGE");
    return which && std::string(which) == "postgresql";
}

StoredFile Bytes(const std::string& sha) {
    StoredFile s;
    s.sha256 = sha;
    s.size = 1234;
    s.content_type = "application/pdf";
    return s;
}

TEST(Attachments, ADatabaseFromBeforeOwnersHasEveryFileAsItsChats) {
    test::TempDir dir;
    std::string pg_url = OnPostgres() ? test::CreatePostgresDatabase() : "";
    auto open = [&](bool with_owners) {
        std::vector<storage::ModuleSchema> modules = {audit::Schema()};
        if (with_owners) modules.push_back(chat::Schema());
        if (OnPostgres()) {
            storage::PostgresOptions o;
            o.url = pg_url;
            o.readers = 1;
            o.modules = modules;
            return storage::OpenPostgres(o);
        }
        storage::DatabaseOptions o;
        o.path = dir.File("old.db");
        o.readers = 1;
        o.synchronous_full = false;
        o.modules = modules;
        return storage::OpenSqlite(o);
    };
    Id user = 0, chat = GlobalIds().Next(), file = GlobalIds().Next();
    {
        auto db = open(false);
        user = test::InsertUser(*db, "olduser");
        ASSERT_TRUE(db->Write([&](Tx& tx) -> Status {
                          tx.Exec(
                              "INSERT INTO chats(id, type, visibility, name, topic, created_by, created_at, "
                              "last_activity_at) VALUES (?, 'group', 'private', 'old', '', ?, 1, 1)",
                              chat, user);
                          tx.Exec(
                              "INSERT INTO files(id, chat_id, uploader_id, name, size, content_type, sha256, "
                              "created_at) VALUES (?, ?, ?, 'old.pdf', 10, 'application/pdf', 'abc', 1)",
                              file, chat, user);
                          return {};
                      }).ok());
        db->Stop();
    }
    auto db = open(true);
    auto row = db->Read([&](Tx& tx) -> Result<std::pair<std::string, Id>> {
        auto& st = tx.Query("SELECT owner_kind, owner_id FROM files WHERE id = ?", file);
        if (!st.Step()) return Error::NotFound("file");
        std::pair<std::string, Id> out{st.Text(0), st.Int(1)};
        while (st.Step()) {
        }
        return out;
    });
    ASSERT_TRUE(row.ok()) << row.error().message;
    EXPECT_EQ(row->first, "chat");
    EXPECT_EQ(row->second, chat);
    db->Stop();
}

class AttachmentOwnersTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = test::OpenServiceDatabase(dir_.File("attachments.db"));
        accounts_ = std::make_unique<accounts::AccountService>(*db_);
        chats_ = std::make_unique<chat::ChatService>(*db_, *accounts_);
        alice_ = {test::InsertUser(*db_, "alice"), false};
        bob_ = {test::InsertUser(*db_, "bob"), false};
        // An "application" (an expert's) is readable by its applicant, here the owner id itself.
        owners_.Add("application", [](Tx&, const Actor& actor, Id owner_id, Id) -> Status {
            if (actor.user_id != owner_id) return Error::NotFound("file");
            return {};
        });
    }
    void TearDown() override {
        chats_.reset();
        accounts_.reset();
        if (db_) db_->Stop();
    }
    Id Attach(const AttachmentOwner& owner, Id uploader, const std::string& sha) {
        auto r =
            db_->Write([&](Tx& tx) { return RecordAttachment(tx, owner, uploader, "cv.pdf", Bytes(sha)); });
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? *r : 0;
    }

    test::TempDir dir_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<accounts::AccountService> accounts_;
    std::unique_ptr<chat::ChatService> chats_;
    AttachmentOwners owners_;
    Actor alice_, bob_;
};

TEST_F(AttachmentOwnersTest, AnotherModulesFileIsDownloadableAsItsCheckSays) {
    Id file = Attach({"application", alice_.user_id}, alice_.user_id, "sha-1");
    EXPECT_FALSE(chats_->GetFile(alice_, file).ok()) << "no owners registered yet: nobody";
    chats_->SetAttachmentOwners(owners_);
    auto mine = chats_->GetFile(alice_, file);
    ASSERT_TRUE(mine.ok()) << mine.error().message;
    EXPECT_EQ(mine->name, "cv.pdf");
    EXPECT_EQ(mine->chat_id, 0);
    EXPECT_EQ(mine->sha256, "sha-1");
    auto theirs = chats_->GetFile(bob_, file);
    ASSERT_FALSE(theirs.ok());
    EXPECT_EQ(theirs.error().api_code, "file_not_found");
    Id unregistered = Attach({"object", 77}, alice_.user_id, "sha-2");
    EXPECT_FALSE(chats_->GetFile(alice_, unregistered).ok()) << "a kind no module registered";
    // The uploader's quota counts every owner's files.
    auto used = chats_->UploadedBytes(alice_.user_id);
    ASSERT_TRUE(used.ok());
    EXPECT_EQ(*used, 2 * 1234);
}

TEST_F(AttachmentOwnersTest, TheMessengersCleanupLeavesOtherOwnersFilesAlone) {
    Id file = Attach({"application", alice_.user_id}, alice_.user_id, "sha-3");
    std::vector<std::string> released;
    auto deleted = chats_->DeleteUnattachedFiles(NowMs() + 60'000, 100,
                                                 [&](const std::string& sha) { released.push_back(sha); });
    ASSERT_TRUE(deleted.ok());
    EXPECT_EQ(*deleted, 0);
    EXPECT_TRUE(released.empty());
    chats_->SetAttachmentOwners(owners_);
    EXPECT_TRUE(chats_->GetFile(alice_, file).ok());
}

TEST_F(AttachmentOwnersTest, DeletingAnOwnersFilesNamesTheBytesNothingUses) {
    Attach({"application", alice_.user_id}, alice_.user_id, "shared");
    Attach({"application", alice_.user_id}, alice_.user_id, "only-here");
    Attach({"application", bob_.user_id}, bob_.user_id, "shared");
    auto unused = db_->Write([&](Tx& tx) -> Result<std::vector<std::string>> {
        return DeleteAttachments(tx, {"application", alice_.user_id});
    });
    ASSERT_TRUE(unused.ok());
    EXPECT_EQ(*unused, std::vector<std::string>{"only-here"});
    auto left = db_->Read([&](Tx& tx) -> Result<std::int64_t> {
        return tx.QueryInt("SELECT COUNT(*) FROM files").value_or(-1);
    });
    ASSERT_TRUE(left.ok());
    EXPECT_EQ(*left, 1);
}

TEST_F(AttachmentOwnersTest, BadOwnersAndNamesAreRefused) {
    auto bad = [&](const AttachmentOwner& owner, const std::string& name) {
        auto r =
            db_->Write([&](Tx& tx) { return RecordAttachment(tx, owner, alice_.user_id, name, Bytes("x")); });
        return !r.ok() && r.error().code == ErrorCode::kInvalidArgument;
    };
    EXPECT_TRUE(bad({"chat", 1}, "a.pdf")) << "chats' files are the messenger's own";
    EXPECT_TRUE(bad({"Bad Kind", 1}, "a.pdf"));
    EXPECT_TRUE(bad({"application", 0}, "a.pdf"));
    EXPECT_TRUE(bad({"application", 1}, ""));
    EXPECT_TRUE(bad({"application", 1}, std::string(256, 'a')));
    EXPECT_TRUE(bad({"application", 1}, "bad \xff name"));
    EXPECT_THROW(owners_.Add("application", [](Tx&, const Actor&, Id, Id) -> Status { return {}; }),
                 std::logic_error);
    EXPECT_THROW(owners_.Add("chat", [](Tx&, const Actor&, Id, Id) -> Status { return {}; }),
                 std::logic_error);
}

}  // namespace
}  // namespace veche::files
