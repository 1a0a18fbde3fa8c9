// iCalendar building blocks of the events feed (veche/experts/ics.hpp, RFC 5545).
#include "veche/experts/ics.hpp"

#include <gtest/gtest.h>

namespace veche::experts::ics {
namespace {

TEST(ExpertsIcs, UtcDateTime) {
    EXPECT_EQ(Time(0), "19700101T000000Z");
    EXPECT_EQ(Time(1767603600000), "20260105T090000Z");
}

TEST(ExpertsIcs, TextEscapes) {
    EXPECT_EQ(Text("a;b,c\\d"), "a\\;b\\,c\\\\d");
    EXPECT_EQ(Text("line 1\nline 2\r\tx"), "line 1\\nline 2x");
    EXPECT_EQ(Text("Разбор отказов"), "Разбор отказов");
}

TEST(ExpertsIcs, FoldsAt75OctetsWithoutSplittingCharacters) {
    std::string out;
    Line(out, "SUMMARY:short");
    EXPECT_EQ(out, "SUMMARY:short\r\n");
    out.clear();
    std::string line = "SUMMARY:";
    for (int i = 0; i < 100; ++i) line += "ж";  // two octets each
    Line(out, line);
    std::string unfolded;
    std::size_t start = 0;
    while (start < out.size()) {
        std::size_t end = out.find("\r\n", start);
        ASSERT_NE(end, std::string::npos);
        std::string part = out.substr(start, end - start);
        EXPECT_LE(part.size(), 75u);
        if (start > 0) {
            ASSERT_EQ(part[0], ' ');
            part.erase(0, 1);
        }
        EXPECT_NE(static_cast<unsigned char>(part[0]) & 0xC0, 0x80) << "a fold split a UTF-8 sequence";
        unfolded += part;
        start = end + 2;
    }
    EXPECT_EQ(unfolded, line);
}

}  // namespace
}  // namespace veche::experts::ics
