#include "veche/http/ws_frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace veche::unit {
namespace {

using http::ws::FrameHeader;
using http::ws::Opcode;
using http::ws::ParseResult;

// A masked client frame as a browser would send it (RFC 6455 §5.2, §5.3).
std::vector<std::uint8_t> ClientFrame(std::uint8_t first_byte, const std::string& payload,
                                      std::array<std::uint8_t, 4> mask = {0x37, 0xfa, 0x21, 0x3d}) {
    std::vector<std::uint8_t> f{first_byte};
    if (payload.size() < 126) {
        f.push_back(static_cast<std::uint8_t>(0x80 | payload.size()));
    } else if (payload.size() <= 0xFFFF) {
        f.push_back(0x80 | 126);
        f.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
        f.push_back(static_cast<std::uint8_t>(payload.size()));
    } else {
        f.push_back(0x80 | 127);
        for (int i = 7; i >= 0; --i) f.push_back(static_cast<std::uint8_t>(std::uint64_t{payload.size()} >> (8 * i)));
    }
    f.insert(f.end(), mask.begin(), mask.end());
    for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(static_cast<std::uint8_t>(payload[i]) ^ mask[i % 4]);
    return f;
}

TEST(WsFrame, EncodesServerHeadersWithTheShortestLength) {
    std::uint8_t h[10];
    ASSERT_EQ(http::ws::EncodeServerHeader(Opcode::kText, 5, h), 2u);
    EXPECT_EQ(h[0], 0x81);  // FIN | text, unmasked
    EXPECT_EQ(h[1], 5);
    ASSERT_EQ(http::ws::EncodeServerHeader(Opcode::kText, 126, h), 4u);
    EXPECT_EQ(h[1], 126);
    EXPECT_EQ(h[2], 0);
    EXPECT_EQ(h[3], 126);
    ASSERT_EQ(http::ws::EncodeServerHeader(Opcode::kBinary, 65536, h), 10u);
    EXPECT_EQ(h[0], 0x82);
    EXPECT_EQ(h[1], 127);
    EXPECT_EQ(h[7], 1);  // 0x00000000'00010000
    EXPECT_EQ(h[8], 0);
    EXPECT_EQ(h[9], 0);
}

TEST(WsFrame, CloseFrameCarriesTheCodeAndAShortenedReason) {
    auto f = http::ws::ServerCloseFrame(4008, "too slow");
    ASSERT_EQ(f.size(), 2u + 2 + 8);
    EXPECT_EQ(static_cast<std::uint8_t>(f[0]), 0x88);
    EXPECT_EQ(f[1], 10);
    EXPECT_EQ(static_cast<std::uint8_t>(f[2]), 4008 >> 8);
    EXPECT_EQ(static_cast<std::uint8_t>(f[3]), 4008 & 0xFF);
    EXPECT_EQ(f.substr(4), "too slow");
    // A long Cyrillic reason is cut to 125 bytes of payload without splitting a character.
    std::string reason;
    for (int i = 0; i < 100; ++i) reason += "я";
    auto longer = http::ws::ServerCloseFrame(1001, reason);
    ASSERT_LE(longer.size(), 2u + 125);
    EXPECT_EQ((longer.size() - 4) % 2, 0u);
    EXPECT_EQ(http::ws::ServerCloseFrame(0, "ignored").size(), 2u);
}

TEST(WsFrame, ParsesAndUnmasksAClientTextFrame) {
    auto f = ClientFrame(0x81, R"({"type":"hello"})");
    FrameHeader h;
    ASSERT_EQ(http::ws::ParseClientHeader(f.data(), f.size(), h), ParseResult::kFrame);
    EXPECT_TRUE(h.fin);
    EXPECT_EQ(h.opcode, 0x1);
    EXPECT_EQ(h.header_size, 6u);
    ASSERT_EQ(h.payload_size, 16u);
    http::ws::Unmask(f.data() + h.header_size, 16, h.mask);
    EXPECT_EQ(std::string(f.begin() + 6, f.end()), R"({"type":"hello"})");
}

TEST(WsFrame, UnmasksInPiecesAtAnyOffset) {
    std::string text(300, 'a');
    auto f = ClientFrame(0x81, text);
    FrameHeader h;
    ASSERT_EQ(http::ws::ParseClientHeader(f.data(), f.size(), h), ParseResult::kFrame);
    ASSERT_EQ(h.header_size, 8u);
    http::ws::Unmask(f.data() + 8, 7, h.mask, 0);
    http::ws::Unmask(f.data() + 15, 293, h.mask, 7);
    EXPECT_EQ(std::string(f.begin() + 8, f.end()), text);
}

TEST(WsFrame, ReportsAnIncompleteHeaderAtEveryCut) {
    auto f = ClientFrame(0x82, std::string(70000, 'b'));
    FrameHeader h;
    for (std::size_t cut = 0; cut < 14; ++cut)
        EXPECT_EQ(http::ws::ParseClientHeader(f.data(), cut, h), ParseResult::kIncomplete) << cut;
    ASSERT_EQ(http::ws::ParseClientHeader(f.data(), 14, h), ParseResult::kFrame);
    EXPECT_EQ(h.payload_size, 70000u);
}

TEST(WsFrame, RejectsWhatAClientMustNotSend) {
    FrameHeader h;
    auto unmasked = std::vector<std::uint8_t>{0x81, 0x02, 'h', 'i'};
    EXPECT_EQ(http::ws::ParseClientHeader(unmasked.data(), unmasked.size(), h), ParseResult::kProtocolError);
    auto rsv = ClientFrame(0xC1, "hi");  // RSV1 without permessage-deflate
    EXPECT_EQ(http::ws::ParseClientHeader(rsv.data(), rsv.size(), h), ParseResult::kProtocolError);
    auto fragmented_ping = ClientFrame(0x09, "hi");  // control frames are never fragmented
    EXPECT_EQ(http::ws::ParseClientHeader(fragmented_ping.data(), fragmented_ping.size(), h),
              ParseResult::kProtocolError);
    auto long_ping = ClientFrame(0x89, std::string(126, 'p'));
    EXPECT_EQ(http::ws::ParseClientHeader(long_ping.data(), long_ping.size(), h), ParseResult::kProtocolError);
    std::vector<std::uint8_t> non_minimal{0x81, 0x80 | 126, 0x00, 0x05, 1, 2, 3, 4};
    EXPECT_EQ(http::ws::ParseClientHeader(non_minimal.data(), non_minimal.size(), h), ParseResult::kProtocolError);
}

}  // namespace
}  // namespace veche::unit
