// The search facility (veche/search/search_index.hpp) on the engine VECHE_TEST_STORAGE names:
// Russian and English word forms meet, Ё is Е, every word is required, title words rank first,
// kinds and scopes filter, a reindexed document is found by its new text only, a removed one not
// at all, a failed transaction indexes nothing, and hostile queries are words, never syntax.
#include "veche/search/search_index.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.hpp"

namespace veche::search {
namespace {

using storage::Tx;

Document D(std::string kind, Id id, Id scope, std::string title, std::string body) {
    Document d;
    d.kind = std::move(kind);
    d.id = id;
    d.scope_id = scope;
    d.title = std::move(title);
    d.body = std::move(body);
    return d;
}

Query Q(std::vector<std::string> kinds, std::string text,
        std::optional<std::vector<Id>> scopes = std::nullopt, int limit = 20, int offset = 0) {
    Query q;
    q.kinds = std::move(kinds);
    q.text = std::move(text);
    q.scopes = std::move(scopes);
    q.limit = limit;
    q.offset = offset;
    return q;
}

class SearchIndex : public ::testing::Test {
protected:
    void SetUp() override { db_ = test::OpenServiceDatabase(dir_.File("search.db")); }
    void TearDown() override {
        if (db_) db_->Stop();
    }

    void MustIndex(const Document& d) {
        auto r = db_->Write([&](Tx& tx) { return Index(tx, d); });
        ASSERT_TRUE(r.ok()) << r.error().message;
    }
    Result<std::vector<Hit>> Search(Query q) {
        return db_->Read([&](Tx& tx) { return Find(tx, q); });
    }
    std::vector<Id> Ids(const std::string& text, std::vector<std::string> kinds = {"ticket"},
                        std::optional<std::vector<Id>> scopes = std::nullopt) {
        auto r = Search(Q(std::move(kinds), text, std::move(scopes)));
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        std::vector<Id> out;
        if (r.ok()) {
            for (const auto& h : *r) out.push_back(h.id);
        }
        return out;
    }

    test::TempDir dir_;
    std::unique_ptr<storage::Database> db_;
};

TEST_F(SearchIndex, WordFormsMeetAndYoIsYe) {
    MustIndex(D("ticket", 1, 10, "Не пришли договоры поставки", "Клиент ждёт ответа по ёлочным игрушкам"));
    MustIndex(D("ticket", 2, 10, "Approvals are stuck", "waiting for the supplier"));
    EXPECT_EQ(Ids("договор"), std::vector<Id>{1});
    EXPECT_EQ(Ids("ДОГОВОРА поставку"), std::vector<Id>{1});
    EXPECT_EQ(Ids("ждет елочных"), std::vector<Id>{1});
    EXPECT_EQ(Ids("approval suppliers"), std::vector<Id>{2});
    EXPECT_TRUE(Ids("договор supplier").empty()) << "every word is required";
    auto hits = Search(Q({"ticket"}, "игрушки"));
    ASSERT_TRUE(hits.ok());
    ASSERT_EQ(hits->size(), 1u);
    EXPECT_EQ((*hits)[0].scope_id, 10);
    EXPECT_NE((*hits)[0].snippet.find("\xEE\x80\x80"), std::string::npos) << (*hits)[0].snippet;
    EXPECT_NE((*hits)[0].snippet.find("\xEE\x80\x81"), std::string::npos);
}

TEST_F(SearchIndex, TitleWordsRankFirstAndPagesAreByOffset) {
    MustIndex(D("video", 1, 0, "Безопасность работ в цехе", "вводный инструктаж"));
    MustIndex(D("video", 2, 0, "Ремонт конвейера", "и немного о безопасности работы в конце"));
    MustIndex(D("video", 3, 0, "Безопасность работ: итоги", ""));
    auto all = Ids("безопасность работ", {"video"});
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all.back(), 2) << "a body match ranks below title matches";
    auto second = Search(Q({"video"}, "безопасность работ", std::nullopt, 1, 1));
    ASSERT_TRUE(second.ok());
    ASSERT_EQ(second->size(), 1u);
    EXPECT_EQ((*second)[0].id, all[1]);
}

TEST_F(SearchIndex, KindsAndScopesFilter) {
    MustIndex(D("ticket", 1, 100, "счёт не оплачен", ""));
    MustIndex(D("ticket", 2, 200, "счёт выставлен дважды", ""));
    MustIndex(D("video", 3, 100, "как выставить счёт", ""));
    EXPECT_EQ(Ids("счет", {"ticket"}, std::vector<Id>{100}), std::vector<Id>{1});
    EXPECT_EQ(Ids("счет", {"ticket"}, std::vector<Id>{200, 999}), std::vector<Id>{2});
    EXPECT_TRUE(Ids("счет", {"ticket"}, std::vector<Id>{}).empty()) << "no visible scope finds nothing";
    EXPECT_EQ(Ids("счет", {"ticket"}).size(), 2u);
    EXPECT_EQ(Ids("счет", {"ticket", "video"}, std::vector<Id>{100}).size(), 2u);
    EXPECT_TRUE(Ids("счет", {"note"}).empty());
}

TEST_F(SearchIndex, ReindexReplacesAndRemoveForgets) {
    MustIndex(D("ticket", 1, 1, "принтер не печатает", ""));
    MustIndex(D("ticket", 1, 2, "сканер не сканирует", ""));  // the same document, edited and moved
    EXPECT_TRUE(Ids("принтер").empty()) << "the old text is no longer indexed";
    EXPECT_TRUE(Ids("сканер", {"ticket"}, std::vector<Id>{1}).empty()) << "the old scope no longer applies";
    EXPECT_EQ(Ids("сканер", {"ticket"}, std::vector<Id>{2}), std::vector<Id>{1});
    // Twice in one transaction, then removed and re-added in another: the index follows the rows.
    auto r = db_->Write([&](Tx& tx) -> Status {
        VECHE_RETURN_IF_ERROR(Index(tx, D("ticket", 5, 1, "первый вариант", "")));
        return Index(tx, D("ticket", 5, 1, "второй вариант", ""));
    });
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(Ids("вариант"), std::vector<Id>{5});
    EXPECT_TRUE(Ids("первый").empty());
    ASSERT_TRUE(db_->Write([&](Tx& tx) -> Status {
                       Remove(tx, "ticket", 1);
                       Remove(tx, "ticket", 404);  // absent: fine
                       return {};
                   })
                    .ok());
    EXPECT_TRUE(Ids("сканер").empty());
    MustIndex(D("ticket", 1, 2, "сканер снова", ""));
    EXPECT_EQ(Ids("сканер"), std::vector<Id>{1});
}

TEST_F(SearchIndex, AFailedTransactionIndexesNothing) {
    auto failed = db_->Write([&](Tx& tx) -> Status {
        VECHE_RETURN_IF_ERROR(Index(tx, D("ticket", 1, 1, "утерянный пропуск", "")));
        return Error::Conflict("closed", "ticket is closed");
    });
    EXPECT_FALSE(failed.ok());
    EXPECT_TRUE(Ids("пропуск").empty());
    MustIndex(D("ticket", 2, 1, "новый пропуск", ""));
    EXPECT_EQ(Ids("пропуск"), std::vector<Id>{2});
}

TEST_F(SearchIndex, HostileQueriesAreWordsAndBadArgumentsAreRefused) {
    MustIndex(D("ticket", 1, 1, "NEAR AND OR NOT title body", "x*y \"quoted\" (brackets) col:umn"));
    for (std::string q : {"NEAR(title body)", "title OR", "\"quoted", "col:umn", "x*", "-title", "title:body",
                          "(brackets", "body)", "NOT"}) {
        auto r = Search(Q({"ticket"}, q));
        EXPECT_TRUE(r.ok()) << q << ": " << (r.ok() ? "" : r.error().message);
    }
    for (std::string q : {"", "   ", "?!", "\"\"", "🙂"}) {
        auto r = Search(Q({"ticket"}, q));
        ASSERT_FALSE(r.ok()) << q;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
    EXPECT_FALSE(Search(Q({}, "title")).ok());
    EXPECT_FALSE(Search(Q({"Bad Kind"}, "title")).ok());
    EXPECT_FALSE(Search(Q({"ticket"}, "title", std::nullopt, 0)).ok());
    EXPECT_FALSE(Search(Q({"ticket"}, "title", std::nullopt, 101)).ok());
    EXPECT_FALSE(Search(Q({"ticket"}, "title", std::nullopt, 10, -1)).ok());
    auto bad = db_->Write([&](Tx& tx) -> Status {
        if (Index(tx, D("Bad Kind", 1, 1, "t", "")).ok()) return Error::Internal("bad kind accepted");
        if (Index(tx, D("ticket", 0, 1, "t", "")).ok()) return Error::Internal("id 0 accepted");
        if (Index(tx, D("ticket", 9, 1, std::string(kMaxTitleBytes + 1, 'a'), "")).ok())
            return Error::Internal("oversize title accepted");
        if (Index(tx, D("ticket", 9, 1, "bad \xff utf-8", "")).ok())
            return Error::Internal("bad UTF-8 accepted");
        return {};
    });
    EXPECT_TRUE(bad.ok()) << bad.error().message;
}

}  // namespace
}  // namespace veche::search
