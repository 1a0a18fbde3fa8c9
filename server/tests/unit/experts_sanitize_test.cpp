// The expert network's HTML allow-list (veche/experts/sanitize.hpp).
#include <gtest/gtest.h>

#include "veche/experts/sanitize.hpp"

namespace veche::experts {
namespace {

TEST(ExpertsSanitize, KeepsTheEditorsMarkup) {
    EXPECT_EQ(SanitizeHtml("<p>Ремонт <strong>насоса</strong> и <em>клапана</em></p>"),
              "<p>Ремонт <strong>насоса</strong> и <em>клапана</em></p>");
    EXPECT_EQ(SanitizeHtml("<h2>Шаги</h2><ol start=\"3\"><li>один</li><li>два</li></ol>"),
              "<h2>Шаги</h2><ol start=\"3\"><li>один</li><li>два</li></ol>");
    EXPECT_EQ(SanitizeHtml("<pre><code class=\"language-cpp\">a &lt; b</code></pre>"),
              "<pre><code class=\"language-cpp\">a &lt; b</code></pre>");
    EXPECT_EQ(SanitizeHtml("<table><tbody><tr><td colspan=\"2\">x</td></tr></tbody></table>"),
              "<table><tbody><tr><td colspan=\"2\">x</td></tr></tbody></table>");
    EXPECT_EQ(SanitizeHtml("plain text"), "plain text");
    EXPECT_EQ(SanitizeHtml("   "), "");
}

TEST(ExpertsSanitize, DropsScriptsStylesAndFramesWithTheirContent) {
    EXPECT_EQ(SanitizeHtml("<p>a</p><script>alert(1)</script><p>b</p>"), "<p>a</p><p>b</p>");
    EXPECT_EQ(SanitizeHtml("<style>p{color:red}</style>x"), "x");
    EXPECT_EQ(SanitizeHtml("<iframe src=\"https://evil.test\">y</iframe>z"), "z");
    EXPECT_EQ(SanitizeHtml("<svg><script>alert(1)</script></svg>ok"), "ok");
    EXPECT_EQ(SanitizeHtml("<object data=\"x\"><param name=\"a\"></object>ok"), "ok");
    // libxml2 reads <embed> as a container: what follows it goes too (the safe side).
    EXPECT_EQ(SanitizeHtml("<p>ok</p><embed src=\"x\">"), "<p>ok</p>");
    EXPECT_EQ(SanitizeHtml("<SCRIPT SRC=//evil.test/x.js></SCRIPT>ok"), "ok");
    EXPECT_EQ(SanitizeHtml("<form action=\"/x\"><input value=\"1\"><button>b</button></form>t"), "t");
    EXPECT_EQ(SanitizeHtml("a<!-- <script>x</script> -->b"), "ab");
}

TEST(ExpertsSanitize, DropsEventHandlersStylesAndBadUrls) {
    EXPECT_EQ(SanitizeHtml("<img src=x onerror=\"alert(1)\">"), "<img>");
    EXPECT_EQ(SanitizeHtml("<img src=\"https://cdn.test/a.png\" alt=\"a\" onload=\"x()\" style=\"x\">"),
              "<img src=\"https://cdn.test/a.png\" alt=\"a\">");
    EXPECT_EQ(SanitizeHtml("<p onclick=\"x()\" style=\"color:red\" class=\"c\" id=\"i\">t</p>"), "<p>t</p>");
    EXPECT_EQ(SanitizeHtml("<a href=\"javascript:alert(1)\">x</a>"),
              "<a rel=\"noopener noreferrer nofollow\">x</a>");
    EXPECT_EQ(SanitizeHtml("<a href=\"JaVaScRiPt:alert(1)\">x</a>"),
              "<a rel=\"noopener noreferrer nofollow\">x</a>");
    EXPECT_EQ(SanitizeHtml("<a href=\"jav&#x61;script:alert(1)\">x</a>"),
              "<a rel=\"noopener noreferrer nofollow\">x</a>");
    EXPECT_EQ(SanitizeHtml("<a href=\"java&#9;script:alert(1)\">x</a>"),
              "<a rel=\"noopener noreferrer nofollow\">x</a>");
    EXPECT_EQ(SanitizeHtml("<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>"),
              "<a rel=\"noopener noreferrer nofollow\">x</a>");
    EXPECT_EQ(SanitizeHtml("<a href=\"//evil.test/x\">x</a>"),
              "<a rel=\"noopener noreferrer nofollow\">x</a>");
    EXPECT_EQ(SanitizeHtml("<a href=\"https://wiki.test/a?b=1&amp;c=2\" target=\"_blank\" title=\"t\">w</a>"),
              "<a href=\"https://wiki.test/a?b=1&amp;c=2\" title=\"t\" target=\"_blank\" "
              "rel=\"noopener noreferrer nofollow\">w</a>");
    EXPECT_EQ(SanitizeHtml("<a href=\"/api/v1/files/12\">f</a>"),
              "<a href=\"/api/v1/files/12\" rel=\"noopener noreferrer nofollow\">f</a>");
    EXPECT_EQ(SanitizeHtml("<img src=\"data:image/png;base64,AAAA\">"), "<img>");
    EXPECT_EQ(SanitizeHtml("<video src=\"/api/v1/files/3\" controls autoplay onplay=\"x\"></video>"),
              "<video src=\"/api/v1/files/3\" controls></video>");
}

TEST(ExpertsSanitize, UnwrapsUnknownTagsAndClosesEverything) {
    EXPECT_EQ(SanitizeHtml("<font color=red>t</font><center>c</center>"), "tc");
    EXPECT_EQ(SanitizeHtml("<p>open <b>bold"), "<p>open <b>bold</b></p>");
    EXPECT_EQ(SanitizeHtml("\"quotes\" & <ampersands>"), "\"quotes\" &amp; ");
    EXPECT_EQ(SanitizeHtml("<p title=\"\"\"><script>x</script>"), "<p></p>");
    EXPECT_EQ(SanitizeHtml("</body><script>x</script><p>after</p>"), "<p>after</p>");
}

TEST(ExpertsSanitize, IsIdempotent) {
    const char* inputs[] = {"<p>a <a href=\"https://x.test\">b</a> &amp; c</p>", "<ul><li>1<li>2</ul>",
                            "<img src=\"/api/v1/files/1\" alt=\"&quot;q&quot;\">", "x < y > z"};
    for (const char* in : inputs) {
        std::string once = SanitizeHtml(in);
        EXPECT_EQ(SanitizeHtml(once), once) << in;
    }
}

TEST(ExpertsSanitize, DeepNestingIsCut) {
    std::string deep;
    for (int i = 0; i < 500; ++i) deep += "<div>";
    deep += "x";
    std::string out = SanitizeHtml(deep);
    EXPECT_LT(out.size(), 2000u);
}

TEST(ExpertsSanitize, TextForSearch) {
    EXPECT_EQ(HtmlToText("<h1>Ремонт</h1><p>насоса <b>и</b> клапана</p><script>x</script>"),
              "Ремонт насоса и клапана");
    EXPECT_EQ(HtmlToText("a &amp; b"), "a & b");
}

}  // namespace
}  // namespace veche::experts
