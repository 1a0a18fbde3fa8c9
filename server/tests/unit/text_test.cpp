#include "veche/core/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace veche::text {

TEST(IsValidUtf8, AcceptsWellFormedText) {
    EXPECT_TRUE(IsValidUtf8(""));
    EXPECT_TRUE(IsValidUtf8("plain ascii"));
    EXPECT_TRUE(IsValidUtf8("\xC2\xA0"));                  // U+00A0, no-break space
    EXPECT_TRUE(IsValidUtf8("\xC2\x80"));                  // U+0080, smallest two-byte value
    EXPECT_TRUE(IsValidUtf8("\xE0\xA0\x80"));              // U+0800, smallest three-byte value
    EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));              // U+D7FF, just below the surrogates
    EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));              // U+E000, just above the surrogates
    EXPECT_TRUE(IsValidUtf8("\xF0\x90\x80\x80"));          // U+10000, smallest four-byte value
    EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));          // U+10FFFF, the largest code point
    EXPECT_TRUE(IsValidUtf8("\xD0\x9F\xD1\x80\xD0\xB8"));  // Cyrillic
    EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));      // NUL is valid UTF-8 (callers reject it)
}

TEST(IsValidUtf8, RejectsOverlongForms) {
    EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // '/' in two bytes
    EXPECT_FALSE(IsValidUtf8("\xC1\xBF"));          // U+007F in two bytes
    EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // '/' in three bytes
    EXPECT_FALSE(IsValidUtf8("\xE0\x9F\xBF"));      // U+07FF in three bytes
    EXPECT_FALSE(IsValidUtf8("\xF0\x80\x80\xAF"));  // '/' in four bytes
    EXPECT_FALSE(IsValidUtf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
}

TEST(IsValidUtf8, RejectsSurrogatesAndValuesPastTheLastCodePoint) {
    EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));              // U+D800
    EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));              // U+DFFF
    EXPECT_FALSE(IsValidUtf8("\xED\xA0\xBD\xED\xB8\x80"));  // a CESU-8 surrogate pair
    EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));          // U+110000
    EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
    EXPECT_FALSE(IsValidUtf8("\xF8\x88\x80\x80\x80"));  // five-byte form
    EXPECT_FALSE(IsValidUtf8("\xFF"));
    EXPECT_FALSE(IsValidUtf8("\xFE"));
}

TEST(IsValidUtf8, RejectsTruncatedAndBrokenSequences) {
    EXPECT_FALSE(IsValidUtf8("\xC2"));
    EXPECT_FALSE(IsValidUtf8("\xE2\x82"));
    EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x91"));
    EXPECT_FALSE(IsValidUtf8("abc\xF0\x9F\x91"));
    EXPECT_FALSE(IsValidUtf8("\x80"));  // continuation byte without a lead
    EXPECT_FALSE(IsValidUtf8(std::string("a\xBF") + "b"));
    EXPECT_FALSE(IsValidUtf8("\xE2\x28\xA1"));  // second byte is not a continuation
    EXPECT_FALSE(IsValidUtf8(std::string("\xC2") + "A"));
}

TEST(CodePointCount, CountsCharactersNotBytes) {
    EXPECT_EQ(CodePointCount(""), 0u);
    EXPECT_EQ(CodePointCount("abc"), 3u);
    EXPECT_EQ(CodePointCount("\xD0\x9F\xD1\x80\xD0\xB8"), 3u);          // "При"
    EXPECT_EQ(CodePointCount("\xE2\x82\xAC"), 1u);                      // €
    EXPECT_EQ(CodePointCount("\xF0\x9F\x91\x8D\xF0\x9F\x91\x8D"), 2u);  // two 👍
    EXPECT_EQ(CodePointCount("a\xC3\xA9z"), 3u);
}

const std::string kNbsp = "\xC2\xA0";  // U+00A0

TEST(Trim, StripsAsciiWhitespaceAndNbspAtBothEnds) {
    EXPECT_EQ(Trim(""), "");
    EXPECT_EQ(Trim("   "), "");
    EXPECT_EQ(Trim("abc"), "abc");
    EXPECT_EQ(Trim(" \t\r\n\f\vabc \t\r\n\f\v"), "abc");
    EXPECT_EQ(Trim(kNbsp + "abc" + kNbsp), "abc");
    EXPECT_EQ(Trim(" " + kNbsp + " a b " + kNbsp + kNbsp + " "), "a b");
    EXPECT_EQ(Trim(kNbsp + kNbsp), "");
}

TEST(Trim, KeepsInnerWhitespaceAndOtherCharacters) {
    EXPECT_EQ(Trim("  a  b  "), "a  b");
    EXPECT_EQ(Trim("a" + kNbsp + "b"), "a" + kNbsp + "b");
    // U+00A9 (©, C2 A9) shares the lead byte with NBSP and must survive.
    EXPECT_EQ(Trim("\xC2\xA9 "), "\xC2\xA9");
    EXPECT_EQ(Trim(" \xC2"), "\xC2");
}

TEST(ToLowerAscii, LowersOnlyAscii) {
    EXPECT_EQ(ToLowerAscii("AbC-09_Z"), "abc-09_z");
    EXPECT_EQ(ToLowerAscii("\xD0\x9F"), "\xD0\x9F");  // Cyrillic П stays as is
}

}  // namespace veche::text
