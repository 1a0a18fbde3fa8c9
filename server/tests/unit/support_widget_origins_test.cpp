// The widget's origin rule (veche/support/widget_origins.hpp): what an admin may list, and the CORS
// answer under the lists of the inboxes a request names.
#include <gtest/gtest.h>

#include "veche/support/widget_origins.hpp"

namespace veche::support {
namespace {

TEST(SupportWidgetOrigins, NormalizesWhatAnAdminTypes) {
    auto r = NormalizeOrigins(
        {" HTTPS://Shop.Example/ ", "https://shop.example", "http://localhost:8080", "http://[::1]:3000"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(
        *r, (std::vector<std::string>{"https://shop.example", "http://localhost:8080", "http://[::1]:3000"}));
    EXPECT_TRUE(NormalizeOrigins({})->empty());
}

TEST(SupportWidgetOrigins, RefusesWhatIsNoOrigin) {
    for (const char* bad :
         {"shop.example", "https://", "https://shop.example/path", "ftp://shop.example",
          "https://shop example", "null", "", "https://шоп.example", "https://a.example?x"}) {
        auto r = NormalizeOrigins({bad});
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    }
    std::vector<std::string> many;
    for (int n = 0; n < 51; ++n) many.push_back("https://s" + std::to_string(n) + ".example");
    EXPECT_FALSE(NormalizeOrigins(many).ok());
}

TEST(SupportWidgetOrigins, AnOpenInboxAnswersAnyOrigin) {
    auto v = JudgeOrigin("https://evil.example", {});
    EXPECT_TRUE(v.allowed);
    EXPECT_EQ(v.allow_origin, "*");
    EXPECT_FALSE(v.vary);
}

TEST(SupportWidgetOrigins, ARestrictedInboxEchoesOnlyItsOrigins) {
    OriginLists lists{{"https://shop.example", "http://localhost:8080"}};
    auto ok = JudgeOrigin("https://shop.example", lists);
    EXPECT_TRUE(ok.allowed);
    EXPECT_EQ(ok.allow_origin, "https://shop.example");
    EXPECT_TRUE(ok.vary);
    EXPECT_TRUE(JudgeOrigin("HTTPS://SHOP.EXAMPLE", lists).allowed);
    auto no = JudgeOrigin("https://evil.example", lists);
    EXPECT_FALSE(no.allowed);
    EXPECT_EQ(no.allow_origin, "");
    EXPECT_FALSE(JudgeOrigin("null", lists).allowed);
    EXPECT_FALSE(JudgeOrigin("https://shop.example.evil.example", lists).allowed);
}

TEST(SupportWidgetOrigins, ARequestWithoutOriginIsNoPagesAndPasses) {
    auto v = JudgeOrigin("", {{"https://shop.example"}});
    EXPECT_TRUE(v.allowed);
    EXPECT_EQ(v.allow_origin, "");
}

TEST(SupportWidgetOrigins, EveryNamedInboxMustAllowTheOrigin) {
    OriginLists lists{{"https://shop.example"}, {"https://other.example"}};
    EXPECT_FALSE(JudgeOrigin("https://shop.example", lists).allowed);
    EXPECT_TRUE(JudgeOrigin("https://shop.example", {{"https://shop.example"}, {"https://shop.example", "x"}})
                    .allowed);
}

}  // namespace
}  // namespace veche::support
