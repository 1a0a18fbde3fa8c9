// Object type definitions (veche/objects/types.hpp) and the voting protocol's PDF.
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "veche/objects/types.hpp"
#include "veche/objects/votes.hpp"

namespace veche::objects {
namespace {

boost::json::object Parse(const char* text) { return boost::json::parse(text).as_object(); }

TEST(ObjectTypes, ParsesStagesChatsAndDefaults) {
    auto t = ParseObjectType("tender", Parse(R"({"name":"Тендер","stages":[{"key":"offers","name":"Приём"},
        {"key":"commission","name":"Комиссия"}],"chats":[{"key":"org","title":"{{object.title}}","members":["owner"]},
        {"key":"sup","stage":"offers","scope":"per_counterparty","category":"supplier","title":"{{counterparty.name}}"}]})"));
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->StageIndex("commission"), 1);
    EXPECT_EQ(t->StageIndex("none"), -1);
    ASSERT_EQ(t->chats.size(), 2u);
    EXPECT_EQ(t->chats[0].stage, "*");
    EXPECT_EQ(t->chats[0].scope, "shared");
    EXPECT_EQ(t->chats[1].category, "supplier");
    // MSG-4 by default: no deletion, a 10-minute edit window; rejects need a comment.
    EXPECT_EQ(t->immutable_after_minutes, std::optional<std::int64_t>(0));
    EXPECT_EQ(t->edit_window_minutes, 10);
    EXPECT_TRUE(t->reject_requires_comment);
    EXPECT_EQ(t->approval_deadline_working_days, 3);
    // The stored form parses back to the same definition.
    auto again = ParseObjectType("tender", ObjectTypeToJson(*t));
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(ObjectTypeToJson(*again), ObjectTypeToJson(*t));
}

TEST(ObjectTypes, RefusesWhatCannotWork) {
    const char* bad[] = {
        R"({"name":"x"})",
        R"({"name":"x","stages":[]})",
        R"({"name":"x","stages":[{"key":"a","name":"a"},{"key":"a","name":"b"}]})",
        R"({"name":"x","stages":[{"key":"A","name":"a"}]})",
        R"({"name":"x","stages":[{"key":"a","name":"a"}],"chats":[{"key":"c","stage":"b","title":"t","members":["owner"]}]})",
        R"({"name":"x","stages":[{"key":"a","name":"a"}],"chats":[{"key":"c","title":"t"}]})",
        R"({"name":"x","stages":[{"key":"a","name":"a"}],"chats":[{"key":"c","title":"t","members":["supplier"]}]})",
        R"({"name":"x","stages":[{"key":"a","name":"a"}],"vote_fields":[{"key":"p","label":"P","type":"float"}]})",
        R"({"name":"x","stages":[{"key":"a","name":"a"}],"approvals":{"deadline_working_days":0}})",
    };
    for (const char* b : bad) EXPECT_FALSE(ParseObjectType("t", Parse(b)).ok()) << b;
    EXPECT_FALSE(ParseObjectType("Bad Key", Parse(R"({"name":"x","stages":[{"key":"a","name":"a"}]})")).ok());
}

TEST(ObjectTypes, TheProtocolIsAPdfWithEveryPage) {
    std::vector<std::string> lines(120, "Строка протокола голосования с кириллицей и длинным текстом, который переносится");
    std::string pdf = ProtocolPdf("Протокол голосования: выбор поставщика", lines);
    ASSERT_GT(pdf.size(), 1000u);
    EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
    EXPECT_NE(pdf.find("%%EOF"), std::string::npos);
    // 120 wrapped lines do not fit on one A4 page.
    auto count = [&](const std::string& what) {
        int n = 0;
        for (auto p = pdf.find(what); p != std::string::npos; p = pdf.find(what, p + 1)) ++n;
        return n;
    };
    EXPECT_GE(count("/Type /Page") - count("/Type /Pages"), 2) << "expected more than one page";
}

}  // namespace
}  // namespace veche::objects
