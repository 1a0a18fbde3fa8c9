#include "veche/http/ws_frame.hpp"

#include <algorithm>

namespace veche::http::ws {

std::size_t EncodeServerHeader(Opcode opcode, std::uint64_t payload_size, std::uint8_t* out) {
    out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(opcode));
    if (payload_size < 126) {
        out[1] = static_cast<std::uint8_t>(payload_size);
        return 2;
    }
    if (payload_size <= 0xFFFF) {
        out[1] = 126;
        out[2] = static_cast<std::uint8_t>(payload_size >> 8);
        out[3] = static_cast<std::uint8_t>(payload_size);
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(payload_size >> (56 - 8 * i));
    return 10;
}

std::string ServerControlFrame(Opcode opcode, std::string_view payload) {
    payload = payload.substr(0, kMaxControlPayload);
    std::uint8_t header[10];
    std::size_t n = EncodeServerHeader(opcode, payload.size(), header);
    std::string out(reinterpret_cast<const char*>(header), n);
    out.append(payload);
    return out;
}

std::string ServerCloseFrame(int code, std::string_view reason) {
    if (code == 0) return ServerControlFrame(Opcode::kClose, {});
    std::string payload;
    payload += static_cast<char>((code >> 8) & 0xFF);
    payload += static_cast<char>(code & 0xFF);
    reason = reason.substr(0, kMaxControlPayload - 2);
    // Never cut a UTF-8 sequence in half: drop continuation bytes at the cut (§5.5.1: UTF-8 reason).
    if (reason.size() == kMaxControlPayload - 2) {
        while (!reason.empty() && (static_cast<std::uint8_t>(reason.back()) & 0xC0) == 0x80) reason.remove_suffix(1);
        if (!reason.empty() && (static_cast<std::uint8_t>(reason.back()) & 0x80)) reason.remove_suffix(1);
    }
    payload.append(reason);
    return ServerControlFrame(Opcode::kClose, payload);
}

ParseResult ParseClientHeader(const std::uint8_t* data, std::size_t size, FrameHeader& out) {
    if (size < 2) return ParseResult::kIncomplete;
    std::uint8_t b0 = data[0], b1 = data[1];
    if (b0 & 0x70) return ParseResult::kProtocolError;  // RSV1–3 without a negotiated extension
    out.fin = (b0 & 0x80) != 0;
    out.opcode = b0 & 0x0F;
    out.masked = (b1 & 0x80) != 0;
    if (!out.masked) return ParseResult::kProtocolError;
    std::uint64_t len = b1 & 0x7F;
    std::size_t pos = 2;
    if (len == 126) {
        if (size < pos + 2) return ParseResult::kIncomplete;
        len = (std::uint64_t{data[2]} << 8) | data[3];
        if (len < 126) return ParseResult::kProtocolError;  // §5.2: the minimal number of bytes
        pos += 2;
    } else if (len == 127) {
        if (size < pos + 8) return ParseResult::kIncomplete;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | data[2 + i];
        if (len >> 63 || len <= 0xFFFF) return ParseResult::kProtocolError;
        pos += 8;
    }
    if (IsControl(out.opcode) && (!out.fin || len > kMaxControlPayload)) return ParseResult::kProtocolError;
    if (size < pos + 4) return ParseResult::kIncomplete;
    std::copy(data + pos, data + pos + 4, out.mask.begin());
    pos += 4;
    out.payload_size = len;
    out.header_size = pos;
    return ParseResult::kFrame;
}

void Unmask(std::uint8_t* data, std::size_t size, const std::array<std::uint8_t, 4>& mask, std::uint64_t offset) {
    for (std::size_t i = 0; i < size; ++i) data[i] ^= mask[(offset + i) & 3];
}

}  // namespace veche::http::ws
