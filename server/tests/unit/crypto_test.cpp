#include "veche/core/crypto.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace veche::crypto {
namespace {

class Crypto : public ::testing::Test {
protected:
    static void SetUpTestSuite() { InitCrypto(); }
};

bool IsBase64Url(const std::string& s) {
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

TEST_F(Crypto, HashVerifiesTheRightPasswordOnly) {
    std::string hash = HashPassword("correct horse");
    EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
    EXPECT_EQ(hash.find("correct horse"), std::string::npos);
    EXPECT_TRUE(VerifyPassword(hash, "correct horse"));
    EXPECT_FALSE(VerifyPassword(hash, "correct horsE"));
    EXPECT_FALSE(VerifyPassword(hash, "correct horse "));
    EXPECT_FALSE(VerifyPassword(hash, ""));
}

TEST_F(Crypto, HashIsSaltedAndGarbageHashNeverVerifies) {
    std::string a = HashPassword("same");
    std::string b = HashPassword("same");
    EXPECT_NE(a, b);
    EXPECT_FALSE(VerifyPassword("not a hash", "same"));
    EXPECT_FALSE(VerifyPassword("", ""));
}

TEST_F(Crypto, RandomTokenHasBase64UrlLengthAndIsUnique) {
    EXPECT_EQ(RandomToken(32).size(), 43u);  // ceil(32 * 4 / 3), no padding
    EXPECT_EQ(RandomToken(3).size(), 4u);
    EXPECT_EQ(RandomToken(1).size(), 2u);
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        std::string t = RandomToken(32);
        ASSERT_EQ(t.size(), 43u);
        ASSERT_TRUE(IsBase64Url(t)) << t;
        seen.insert(t);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST_F(Crypto, RandomPasswordUsesAnUnambiguousAlphabet) {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        std::string p = RandomPassword();
        ASSERT_EQ(p.size(), 16u);
        EXPECT_EQ(p.find_first_of("0O1lIio"), std::string::npos) << p;
        seen.insert(p);
    }
    EXPECT_EQ(seen.size(), 200u);
}

TEST_F(Crypto, Sha256HexMatchesKnownVectors) {
    EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 4231 §4.3 (test case 2): the support widget's identity hash is this HMAC.
TEST_F(Crypto, HmacSha256HexMatchesRfc4231) {
    EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(Crypto, ConstantTimeEqualComparesWholeStrings) {
    EXPECT_TRUE(ConstantTimeEqual("", ""));
    EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
    EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
    EXPECT_FALSE(ConstantTimeEqual("abc", "abcd"));
}

}  // namespace veche::crypto
