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

}  // namespace veche::crypto
