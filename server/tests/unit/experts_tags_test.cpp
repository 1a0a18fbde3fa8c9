// How the expert network compares competence tags (veche/experts/communities.hpp, NormalizeTag):
// trimmed, ASCII and Cyrillic lowercased, Ё as ё, everything else byte for byte.
#include <gtest/gtest.h>

#include "veche/experts/communities.hpp"

namespace veche::experts {
namespace {

TEST(ExpertsTags, LowercasesAsciiAndCyrillicAndTrims) {
    EXPECT_EQ(NormalizeTag("  Ремонт НАСОСОВ "), "ремонт насосов");
    EXPECT_EQ(NormalizeTag("SAP PM"), "sap pm");
    EXPECT_EQ(NormalizeTag("АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"), "абвгдежзийклмнопрстуфхцчшщъыьэюя");
    EXPECT_EQ(NormalizeTag("ЁЛКА ёлка"), "ёлка ёлка");
}

TEST(ExpertsTags, KeepsWhatItDoesNotKnow) {
    EXPECT_EQ(NormalizeTag("ΔP, °C, №5"), "Δp, °c, №5");  // Greek and signs untouched, ASCII lowered
    EXPECT_EQ(NormalizeTag("уже строчные"), "уже строчные");
    EXPECT_EQ(NormalizeTag(""), "");
    EXPECT_EQ(NormalizeTag(std::string("\xD0", 1)),
              std::string("\xD0", 1));  // a cut sequence stays as it was
}

}  // namespace
}  // namespace veche::experts
