#pragma once
// WebSocket framing (RFC 6455 §5) for the server side of a connection after the opening handshake:
// headers of the unmasked frames a server sends, and parsing/unmasking of the masked frames a client
// sends. No extensions are negotiated (permessage-deflate is off), so RSV1–3 are always 0.
// Pure functions, no I/O, safe from any thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace veche::http::ws {

enum class Opcode : std::uint8_t {
    kContinuation = 0x0,
    kText = 0x1,
    kBinary = 0x2,
    kClose = 0x8,
    kPing = 0x9,
    kPong = 0xA,
};

// The longest header: 2 bytes, a 64-bit extended length, and a 4-byte masking key (§5.2).
inline constexpr std::size_t kMaxHeaderSize = 14;
// Control frames carry at most 125 payload bytes and are never fragmented (§5.5).
inline constexpr std::size_t kMaxControlPayload = 125;

// Writes the header of a final (FIN), unmasked frame of `payload_size` bytes into `out` (at least
// 10 bytes) and returns the header's length: 2, 4 or 10.
std::size_t EncodeServerHeader(Opcode opcode, std::uint64_t payload_size, std::uint8_t* out);

// A whole unmasked control frame (ping, pong); `payload` is cut to 125 bytes.
std::string ServerControlFrame(Opcode opcode, std::string_view payload);
// A close frame with a status code and a reason cut to fit 125 bytes (§5.5.1); code 0 sends none.
std::string ServerCloseFrame(int code, std::string_view reason);

struct FrameHeader {
    bool fin = false;
    std::uint8_t opcode = 0;  // raw: unknown opcodes are the caller's protocol error
    bool masked = false;
    std::uint64_t payload_size = 0;
    std::array<std::uint8_t, 4> mask{};
    std::size_t header_size = 0;
};

enum class ParseResult {
    kFrame,       // `out` is filled
    kIncomplete,  // read more bytes
    kProtocolError,  // close with 1002
};

// Parses a client frame's header from the first `size` bytes of `data`. Protocol errors: RSV bits
// set, an unmasked frame (clients must mask, §5.1), a fragmented or oversized control frame, a
// non-minimal or 2^63+ length.
ParseResult ParseClientHeader(const std::uint8_t* data, std::size_t size, FrameHeader& out);

// XORs `size` payload bytes with the masking key; `offset` is the position of data[0] in the
// frame's payload, so a payload can be unmasked in pieces (§5.3).
void Unmask(std::uint8_t* data, std::size_t size, const std::array<std::uint8_t, 4>& mask, std::uint64_t offset = 0);

inline bool IsControl(std::uint8_t opcode) { return (opcode & 0x8) != 0; }

}  // namespace veche::http::ws
