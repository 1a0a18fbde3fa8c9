// Module-owned migrations (veche/storage/migration.hpp) on both engines: applied in the order the
// modules are listed, each once; an edited shipped migration, a renumbered list or a database a
// newer binary has run on is refused at open; a failing migration leaves nothing behind.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "veche/storage/database.hpp"
#include "veche/storage/migration.hpp"

namespace veche::storage {
namespace {

constexpr ModuleMigration kNotesV1[] = {
    {1, "create notes", "CREATE TABLE notes_items (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
     "CREATE TABLE notes_items (id BIGINT PRIMARY KEY, body TEXT NOT NULL)"},
};
constexpr ModuleMigration kNotesV2[] = {
    kNotesV1[0],
    {2, "add pinned", "ALTER TABLE notes_items ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0",
     "ALTER TABLE notes_items ADD COLUMN pinned BIGINT NOT NULL DEFAULT 0"},
};
// Depends on notes: its table references notes_items, so it can only be created after it.
constexpr ModuleMigration kTags[] = {
    {1, "create tags",
     "CREATE TABLE tags_links (note_id INTEGER NOT NULL REFERENCES notes_items(id), tag TEXT NOT NULL)",
     "CREATE TABLE tags_links (note_id BIGINT NOT NULL REFERENCES notes_items(id), tag TEXT NOT NULL)"},
};

class ModuleMigrations : public ::testing::TestWithParam<Dialect> {
protected:
    void SetUp() override {
        if (GetParam() == Dialect::kPostgres) {
            if (test::TestPostgresUrl().empty()) {
                if (std::getenv("VECHE_TEST_REQUIRE_PG")) FAIL() << "PostgreSQL is required";
                GTEST_SKIP() << "VECHE_TEST_PG_URL is not set; `make unit` sets it";
            }
            url_ = test::CreatePostgresDatabase();
        } else {
            url_ = dir_.File("modules.db");
        }
    }

    std::unique_ptr<Database> Open(std::vector<ModuleSchema> modules) {
        if (GetParam() == Dialect::kPostgres) {
            PostgresOptions o;
            o.url = url_;
            o.readers = 1;
            o.modules = std::move(modules);
            return OpenPostgres(o);
        }
        DatabaseOptions o;
        o.path = url_;
        o.readers = 1;
        o.modules = std::move(modules);
        return OpenSqlite(o);
    }

    std::vector<ModuleVersion> Versions() {
        return GetParam() == Dialect::kPostgres ? PostgresModuleVersions(url_) : SqliteModuleVersions(url_);
    }

    test::TempDir dir_;
    std::string url_;
};

std::string Describe(const std::vector<ModuleVersion>& v) {
    std::string out;
    for (const auto& m : v) out += m.module + "=" + std::to_string(m.version) + " ";
    return out;
}

TEST_P(ModuleMigrations, AppliesEachModuleInOrderOnceAndLaterVersionsKeepData) {
    {
        auto db = Open({{"notes", kNotesV1}, {"tags", kTags}});
        ASSERT_TRUE(db->Write([](Tx& tx) -> Status {
                          tx.Exec("INSERT INTO notes_items(id, body) VALUES (1, 'первая')");
                          tx.Exec("INSERT INTO tags_links(note_id, tag) VALUES (1, 'важно')");
                          return {};
                      }).ok());
        db->Stop();
    }
    EXPECT_EQ(Describe(Versions()), "notes=1 tags=1 ");
    {
        // Reopening with the same lists applies nothing; a longer list applies only what is new.
        auto db = Open({{"notes", kNotesV2}, {"tags", kTags}});
        auto row = db->Read([](Tx& tx) -> Result<std::string> {
            auto& st = tx.Query("SELECT body, pinned FROM notes_items WHERE id = 1");
            if (!st.Step()) return std::string("missing");
            return st.Text(0) + "/" + std::to_string(st.Int(1));
        });
        ASSERT_TRUE(row.ok());
        EXPECT_EQ(*row, "первая/0");
        db->Stop();
    }
    EXPECT_EQ(Describe(Versions()), "notes=2 tags=1 ");
}

TEST_P(ModuleMigrations, AnEditedShippedMigrationIsRefused) {
    Open({{"notes", kNotesV1}})->Stop();
    const ModuleMigration edited[] = {{1, "create notes", "CREATE TABLE notes_items (id INTEGER PRIMARY KEY)",
                                       "CREATE TABLE notes_items (id BIGINT PRIMARY KEY)"}};
    try {
        Open({{"notes", edited}});
        FAIL() << "opened with an edited migration";
    } catch (const StorageError& e) {
        EXPECT_NE(std::string(e.what()).find("never edited"), std::string::npos) << e.what();
    }
}

TEST_P(ModuleMigrations, ADatabaseANewerBinaryRanOnIsRefused) {
    Open({{"notes", kNotesV2}})->Stop();
    try {
        Open({{"notes", kNotesV1}});
        FAIL() << "opened a database ahead of this binary";
    } catch (const StorageError& e) {
        EXPECT_NE(std::string(e.what()).find("newer Veche"), std::string::npos) << e.what();
    }
}

TEST_P(ModuleMigrations, AFailingMigrationLeavesNothingBehind) {
    Open({{"notes", kNotesV1}})->Stop();
    const ModuleMigration broken[] = {
        kNotesV1[0],
        {2, "half done", "CREATE TABLE notes_extra (x INTEGER); INSERT INTO no_such_table VALUES (1)",
         "CREATE TABLE notes_extra (x BIGINT); INSERT INTO no_such_table VALUES (1)"},
    };
    EXPECT_THROW(Open({{"notes", broken}}), StorageError);
    EXPECT_EQ(Describe(Versions()), "notes=1 ");
    // The half-created table went with the rollback; the earlier list still opens and works.
    auto db = Open({{"notes", kNotesV1}});
    auto extra = db->Read([](Tx& tx) -> Result<std::int64_t> {
        return tx
            .QueryInt(tx.dialect() == Dialect::kSqlite
                          ? "SELECT COUNT(*) FROM sqlite_master WHERE name = 'notes_extra'"
                          : "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'notes_extra'")
            .value_or(-1);
    });
    ASSERT_TRUE(extra.ok());
    EXPECT_EQ(*extra, 0);
    db->Stop();
}

INSTANTIATE_TEST_SUITE_P(Engines, ModuleMigrations, ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& param_info) {
                             return param_info.param == Dialect::kSqlite ? "Sqlite" : "Postgres";
                         });

TEST(ModuleSchemas, ListsWithGapsDuplicatesOrMissingTextAreRefused) {
    const ModuleMigration gap[] = {kNotesV1[0], {3, "skips two", "SELECT 1", "SELECT 1"}};
    EXPECT_THROW(ValidateModuleSchemas({{"notes", gap}}), StorageError);
    EXPECT_THROW(ValidateModuleSchemas({{"notes", kNotesV1}, {"notes", kNotesV1}}), StorageError);
    const ModuleMigration no_pg[] = {{1, "sqlite only", "SELECT 1", ""}};
    EXPECT_THROW(ValidateModuleSchemas({{"notes", no_pg}}), StorageError);
    EXPECT_NO_THROW(ValidateModuleSchemas({{"notes", kNotesV2}, {"tags", kTags}}));
}

TEST(ModuleSchemas, ChecksumsDifferForDifferentTextAndAreStable) {
    EXPECT_EQ(MigrationChecksum("CREATE TABLE a (x INT)"), MigrationChecksum("CREATE TABLE a (x INT)"));
    EXPECT_NE(MigrationChecksum("CREATE TABLE a (x INT)"), MigrationChecksum("CREATE TABLE a (y INT)"));
    EXPECT_EQ(MigrationChecksum("").size(), 16u);
}

}  // namespace
}  // namespace veche::storage
