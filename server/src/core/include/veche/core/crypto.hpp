#pragma once
// Password hashing (argon2id) and random secrets, on libsodium. Thread-safe after InitCrypto().

#include <string>
#include <string_view>

namespace veche::crypto {

// Must run once before any other function here (idempotent).
void InitCrypto();

// argon2id in libsodium's self-describing string format ($argon2id$v=19$m=…).
std::string HashPassword(std::string_view password);
bool VerifyPassword(std::string_view hash, std::string_view password);

// `bytes` random bytes, base64url without padding.
std::string RandomToken(std::size_t bytes);
// A password a person can type: 16 characters from an alphabet without look-alikes.
std::string RandomPassword();
// Hex SHA-256: what we store instead of a session token, so a database leak leaks no sessions.
std::string Sha256Hex(std::string_view data);
// Hex HMAC-SHA-256 (RFC 2104) of `data` under `key` of any length: the support widget's identity hash.
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// Equal strings, in time that depends on the length only (comparing a secret a client sent).
bool ConstantTimeEqual(std::string_view a, std::string_view b);

}  // namespace veche::crypto
