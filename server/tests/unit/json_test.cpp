#include "veche/core/json.hpp"

#include <gtest/gtest.h>

#include <string>

#include "veche/core/text.hpp"

namespace veche::json {
namespace {

bj::object Obj(std::string_view body) {
    auto r = ParseObject(body);
    EXPECT_TRUE(r.ok()) << body;
    return r.ok() ? r.value() : bj::object();
}

void ExpectInvalidArgumentNaming(const Error& e, std::string_view field) {
    EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(e.api_code, "invalid_argument");
    EXPECT_NE(e.message.find(std::string(field)), std::string::npos) << e.message;
}

}  // namespace

TEST(ParseObject, AcceptsAnObject) {
    auto r = ParseObject(R"({"a": 1, "b": "x"})");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->size(), 2u);
    EXPECT_EQ(r->at("a").as_int64(), 1);
}

TEST(ParseObject, InvalidJsonIsMalformed) {
    for (std::string_view body : {"", "{", R"({"a":})", R"({"a": 1,})", "{'a': 1}", R"({"a": 1} x)"}) {
        auto r = ParseObject(body);
        ASSERT_FALSE(r.ok()) << body;
        EXPECT_EQ(r.error().code, ErrorCode::kMalformedRequest) << body;
        EXPECT_EQ(r.error().api_code, "malformed_json") << body;
    }
}

TEST(ParseObject, InvalidUtf8InsideStringIsMalformed) {
    // A lone continuation byte, a truncated sequence, an overlong '/', and an encoded surrogate.
    for (std::string body : {std::string("{\"a\":\"\x80\"}"), std::string("{\"a\":\"\xE2\x82\"}"),
                             std::string("{\"a\":\"\xC0\xAF\"}"), std::string("{\"a\":\"\xED\xA0\x80\"}"),
                             std::string("{\"k\xFF\":1}")}) {
        auto r = ParseObject(body);
        ASSERT_FALSE(r.ok()) << body;
        EXPECT_EQ(r.error().code, ErrorCode::kMalformedRequest) << body;
        EXPECT_EQ(r.error().api_code, "malformed_json");
    }
}

TEST(ParseObject, LoneSurrogateEscapeNeverYieldsInvalidUtf8) {
    // "\ud800" is valid JSON text but no character; whatever the parser does with it, a string that
    // reaches the services must be valid UTF-8 (storage and every client rely on it).
    for (std::string_view body : {R"({"a": "\ud800"})", R"({"a": "x\udfffy"})", R"({"a": "\ud83d\u0041"})"}) {
        auto r = ParseObject(body);
        if (!r.ok()) {
            EXPECT_EQ(r.error().code, ErrorCode::kMalformedRequest) << body;
            continue;
        }
        EXPECT_TRUE(text::IsValidUtf8(r->at("a").as_string())) << body;
    }
}

TEST(ParseObject, SurrogatePairEscapeDecodesToOneCharacter) {
    auto r = ParseObject(R"({"a": "\ud83d\udc4d"})");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->at("a").as_string(), "\xF0\x9F\x91\x8D");
}

TEST(ParseObject, ValidMultibyteUtf8IsAccepted) {
    auto r = ParseObject("{\"a\":\"\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xF0\x9F\x91\x8D\"}");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->at("a").as_string(), "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xF0\x9F\x91\x8D");
}

TEST(ParseObject, NonObjectTopLevelIsInvalidArgument) {
    for (std::string_view body : {"[]", "1", R"("x")", "null", "true"}) {
        auto r = ParseObject(body);
        ASSERT_FALSE(r.ok()) << body;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << body;
        EXPECT_EQ(r.error().api_code, "invalid_argument");
    }
}

TEST(ParseObject, RejectsExcessiveNesting) {
    std::string deep = "{\"a\":";
    for (int i = 0; i < 100; ++i) deep += "[";
    for (int i = 0; i < 100; ++i) deep += "]";
    deep += "}";
    auto r = ParseObject(deep);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kMalformedRequest);
}

TEST(JsonFields, OptStringDistinguishesAbsentNullAndWrongType) {
    auto o = Obj(R"({"s": "hi", "n": null, "i": 5, "b": true, "a": [], "o": {}})");
    auto s = OptString(o, "s");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.value(), std::optional<std::string>("hi"));

    auto absent = OptString(o, "missing");
    ASSERT_TRUE(absent.ok());
    EXPECT_FALSE(absent->has_value());

    auto null = OptString(o, "n");
    ASSERT_TRUE(null.ok());
    EXPECT_FALSE(null->has_value());

    for (std::string_view key : {"i", "b", "a", "o"}) {
        auto wrong = OptString(o, key);
        ASSERT_FALSE(wrong.ok()) << key;
        ExpectInvalidArgumentNaming(wrong.error(), key);
    }
}

TEST(JsonFields, ReqStringRequiresThePresenceOfTheField) {
    auto o = Obj(R"({"s": "hi", "n": null})");
    auto s = ReqString(o, "s");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.value(), "hi");
    for (std::string_view key : {"missing", "n"}) {
        auto r = ReqString(o, key);
        ASSERT_FALSE(r.ok());
        ExpectInvalidArgumentNaming(r.error(), key);
        EXPECT_NE(r.error().message.find("required"), std::string::npos);
    }
}

TEST(JsonFields, StringLimitsCountCodePointsNotBytes) {
    // Five Cyrillic letters: ten bytes, five characters.
    auto o = Obj("{\"name\":\"\xD0\xB0\xD0\xB1\xD0\xB2\xD0\xB3\xD0\xB4\"}");
    auto fits = OptString(o, "name", {.max_chars = 5});
    ASSERT_TRUE(fits.ok());
    EXPECT_EQ(text::CodePointCount(**fits), 5u);

    auto too_long = OptString(o, "name", {.max_chars = 4});
    ASSERT_FALSE(too_long.ok());
    ExpectInvalidArgumentNaming(too_long.error(), "name");
    EXPECT_NE(too_long.error().message.find("longer than 4"), std::string::npos);
}

TEST(JsonFields, MinCharsAppliesAfterTrimming) {
    auto o = Obj(R"({"name": "  \t "})");
    auto untrimmed = ReqString(o, "name", {.max_chars = 10, .min_chars = 1, .trim = false});
    ASSERT_TRUE(untrimmed.ok());
    EXPECT_EQ(untrimmed.value(), "  \t ");

    auto trimmed = ReqString(o, "name", {.max_chars = 10, .min_chars = 1, .trim = true});
    ASSERT_FALSE(trimmed.ok());
    ExpectInvalidArgumentNaming(trimmed.error(), "name");
    EXPECT_NE(trimmed.error().message.find("must not be empty"), std::string::npos);

    auto short2 = ReqString(Obj(R"({"name": "a"})"), "name", {.max_chars = 10, .min_chars = 2});
    ASSERT_FALSE(short2.ok());
    EXPECT_NE(short2.error().message.find("shorter than 2"), std::string::npos);

    auto kept =
        ReqString(Obj(R"({"name": "  ab  "})"), "name", {.max_chars = 10, .min_chars = 1, .trim = true});
    ASSERT_TRUE(kept.ok());
    EXPECT_EQ(kept.value(), "ab");
}

TEST(JsonFields, StringWithNulIsRejected) {
    auto o = Obj(R"({"s": "a\u0000b"})");
    ASSERT_EQ(o.at("s").as_string().size(), 3u);
    auto r = OptString(o, "s");
    ASSERT_FALSE(r.ok());
    ExpectInvalidArgumentNaming(r.error(), "s");
    EXPECT_NE(r.error().message.find("NUL"), std::string::npos);
}

TEST(JsonFields, OptBoolAcceptsOnlyBooleans) {
    auto o = Obj(R"({"t": true, "f": false, "n": null, "i": 1, "s": "true"})");
    EXPECT_EQ(OptBool(o, "t").value(), std::optional<bool>(true));
    EXPECT_EQ(OptBool(o, "f").value(), std::optional<bool>(false));
    EXPECT_FALSE(OptBool(o, "n").value().has_value());
    EXPECT_FALSE(OptBool(o, "missing").value().has_value());
    for (std::string_view key : {"i", "s"}) {
        auto r = OptBool(o, key);
        ASSERT_FALSE(r.ok());
        ExpectInvalidArgumentNaming(r.error(), key);
    }
}

TEST(JsonFields, OptIntChecksTypeAndRange) {
    auto o = Obj(R"({"i": 7, "neg": -3, "big": 18446744073709551615, "d": 1.5, "s": "7", "n": null})");
    EXPECT_EQ(OptInt(o, "i", 0, 10).value(), std::optional<std::int64_t>(7));
    EXPECT_EQ(OptInt(o, "neg", -5, 5).value(), std::optional<std::int64_t>(-3));
    EXPECT_FALSE(OptInt(o, "n", 0, 10).value().has_value());
    EXPECT_FALSE(OptInt(o, "missing", 0, 10).value().has_value());

    auto out_of_range = OptInt(o, "i", 0, 5);
    ASSERT_FALSE(out_of_range.ok());
    ExpectInvalidArgumentNaming(out_of_range.error(), "i");
    EXPECT_NE(out_of_range.error().message.find("between 0 and 5"), std::string::npos);

    for (std::string_view key : {"big", "d", "s"}) {
        auto r = OptInt(o, key, INT64_MIN, INT64_MAX);
        ASSERT_FALSE(r.ok()) << key;
        ExpectInvalidArgumentNaming(r.error(), key);
    }
}

TEST(JsonFields, IdsAreDecimalStrings) {
    auto o = Obj(R"({"id": "7261537281736704", "num": 7261537281736704, "neg": "-1", "junk": "12a",
                    "empty": "", "huge": "99999999999999999999", "n": null})");
    EXPECT_EQ(ReqId(o, "id").value(), 7261537281736704);
    EXPECT_EQ(OptId(o, "id").value(), std::optional<Id>(7261537281736704));
    EXPECT_FALSE(OptId(o, "missing").value().has_value());
    EXPECT_FALSE(OptId(o, "n").value().has_value());

    for (std::string_view key : {"num", "neg", "junk", "empty", "huge"}) {
        auto r = OptId(o, key);
        ASSERT_FALSE(r.ok()) << key;
        ExpectInvalidArgumentNaming(r.error(), key);
    }
    auto missing = ReqId(o, "missing");
    ASSERT_FALSE(missing.ok());
    ExpectInvalidArgumentNaming(missing.error(), "missing");
}

TEST(JsonFields, IdArrays) {
    auto o = Obj(R"({"ids": ["1", "22", "333"], "empty": [], "n": null, "mixed": ["1", 2], "bad": ["x"],
                    "notarray": "1"})");
    EXPECT_EQ(OptIdArray(o, "ids", 10).value(), (std::vector<Id>{1, 22, 333}));
    EXPECT_TRUE(OptIdArray(o, "empty", 10).value().empty());
    EXPECT_TRUE(OptIdArray(o, "n", 10).value().empty());
    EXPECT_TRUE(OptIdArray(o, "missing", 10).value().empty());

    for (std::string_view key : {"mixed", "bad", "notarray"}) {
        auto r = OptIdArray(o, key, 10);
        ASSERT_FALSE(r.ok()) << key;
        ExpectInvalidArgumentNaming(r.error(), key);
    }
    auto too_many = OptIdArray(o, "ids", 2);
    ASSERT_FALSE(too_many.ok());
    ExpectInvalidArgumentNaming(too_many.error(), "ids");
    EXPECT_NE(too_many.error().message.find("more than 2"), std::string::npos);
}

TEST(JsonFields, IsNullOnlyForPresentNull) {
    auto o = Obj(R"({"n": null, "z": 0})");
    EXPECT_TRUE(IsNull(o, "n"));
    EXPECT_FALSE(IsNull(o, "z"));
    EXPECT_FALSE(IsNull(o, "missing"));
}

TEST(JsonSerialize, RoundTripsThroughParseObject) {
    bj::object o{{"a", 1}, {"s", "x\"y"}};
    std::string text = Serialize(o);
    auto back = ParseObject(text);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.value(), o);
}

}  // namespace veche::json
