#pragma once
// Who the client is when reverse proxies stand in front (issue 10): the TCP peer, unless the peer
// is one of the configured trusted proxies, in which case the address that proxy forwarded.
// Forwarding headers from anyone else are never read, so a client cannot choose its own address.
//
// Addresses are IPv4 or IPv6; an IPv4-mapped IPv6 address (::ffff:a.b.c.d, a dual-stack socket's
// view of an IPv4 peer) is the IPv4 address. Pure functions and an immutable set: thread-safe.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veche/core/error.hpp"

namespace veche::net {

struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 as ::ffff:a.b.c.d
    bool v4 = false;
    bool operator==(const IpAddress&) const = default;
};

// A literal address alone ("10.0.0.1", "2001:db8::1"); nullopt for anything else. A zone
// ("fe80::1%eth0") is dropped.
std::optional<IpAddress> ParseIpAddress(std::string_view text);
// Canonical text: dotted quad, or RFC 5952 IPv6.
std::string ToString(const IpAddress& address);

// An address with a prefix length ("10.0.0.0/8", "fd00::/8"); a bare address is a /32 or /128.
struct IpNetwork {
    IpAddress base;
    int prefix_bits = 128;  // over the 16-byte form: an IPv4 /8 is 104
    bool Contains(const IpAddress& address) const;
};
Result<IpNetwork> ParseIpNetwork(std::string_view text);

class TrustedProxies {
public:
    TrustedProxies() = default;
    // Each entry an address or a CIDR network; the error names the first bad one.
    static Result<TrustedProxies> Parse(const std::vector<std::string>& entries);

    bool empty() const { return networks_.empty(); }
    bool Contains(const IpAddress& address) const;

private:
    std::vector<IpNetwork> networks_;
};

// The client's address for limits, sessions and logs. `peer` is the TCP peer; `forwarded_for`
// every X-Forwarded-For value of the request joined with commas; `real_ip` the X-Real-IP value.
// When the peer is a trusted proxy: the right-most X-Forwarded-For entry that is not a trusted
// proxy itself (each proxy appends the address it saw, so entries left of the first untrusted one
// may be forged), or, without X-Forwarded-For, X-Real-IP. A malformed entry met on the way, or no
// usable header, gives the peer.
std::string ClientAddress(const TrustedProxies& proxies, std::string_view peer, std::string_view forwarded_for,
                          std::string_view real_ip);

}  // namespace veche::net
