#include "veche/core/client_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "veche/core/text.hpp"

namespace veche::net {
namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// "1.2.3.4:80" → "1.2.3.4", "[::1]:80" and "[::1]" → "::1": some proxies forward the client's port.
std::string_view StripPort(std::string_view s) {
    if (!s.empty() && s.front() == '[') {
        auto close = s.find(']');
        if (close == std::string_view::npos) return {};
        std::string_view rest = s.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return {};
        return s.substr(1, close - 1);
    }
    auto colon = s.find(':');
    if (colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) return s.substr(0, colon);
    return s;
}

}  // namespace

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
    if (auto zone = text.find('%'); zone != std::string_view::npos) text = text.substr(0, zone);
    // inet_pton stops at a NUL: "1.2.3.4\0junk" must not pass as 1.2.3.4.
    if (text.empty() || text.size() > 45 || text.find('\0') != std::string_view::npos) return std::nullopt;
    char buf[46];
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    IpAddress a;
    in_addr v4{};
    if (inet_pton(AF_INET, buf, &v4) == 1) {
        std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), a.bytes.begin());
        std::memcpy(a.bytes.data() + 12, &v4, 4);
        a.v4 = true;
        return a;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
    std::memcpy(a.bytes.data(), &v6, 16);
    a.v4 = std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), a.bytes.begin());
    return a;
}

std::string ToString(const IpAddress& a) {
    char buf[INET6_ADDRSTRLEN];
    if (a.v4) return inet_ntop(AF_INET, a.bytes.data() + 12, buf, sizeof buf) ? buf : "";
    return inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof buf) ? buf : "";
}

bool IpNetwork::Contains(const IpAddress& a) const {
    int full = prefix_bits / 8, rest = prefix_bits % 8;
    if (!std::equal(base.bytes.begin(), base.bytes.begin() + full, a.bytes.begin())) return false;
    if (rest == 0) return true;
    auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (base.bytes[static_cast<std::size_t>(full)] & mask) == (a.bytes[static_cast<std::size_t>(full)] & mask);
}

Result<IpNetwork> ParseIpNetwork(std::string_view text) {
    text = text::Trim(text);
    auto bad = [&] {
        return Error::InvalidArgument("'" + std::string(text.substr(0, 60)) +
                                      "' is not an IP address or network (10.0.0.0/8, fd00::/8)");
    };
    auto slash = text.find('/');
    auto address = ParseIpAddress(text.substr(0, slash));
    if (!address || text.find('%') != std::string_view::npos) return bad();
    IpNetwork n;
    n.base = *address;
    int max_bits = address->v4 ? 32 : 128;
    int bits = max_bits;
    if (slash != std::string_view::npos) {
        std::string_view p = text.substr(slash + 1);
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), bits);
        if (p.empty() || ec != std::errc() || end != p.data() + p.size() || bits < 0 || bits > max_bits) return bad();
    }
    n.prefix_bits = address->v4 ? 96 + bits : bits;
    // Clear the host bits so that "10.1.2.3/8" means 10.0.0.0/8.
    for (int i = n.prefix_bits; i < 128; ++i) {
        auto& byte = n.base.bytes[static_cast<std::size_t>(i / 8)];
        byte = static_cast<std::uint8_t>(byte & ~(0x80 >> (i % 8)));
    }
    return n;
}

Result<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& entries) {
    TrustedProxies t;
    for (const auto& e : entries) {
        if (text::Trim(e).empty()) continue;
        auto n = ParseIpNetwork(e);
        if (!n.ok()) return Error::InvalidArgument("trusted_proxies: " + n.error().message);
        t.networks_.push_back(*n);
    }
    return t;
}

bool TrustedProxies::Contains(const IpAddress& a) const {
    for (const auto& n : networks_) {
        if (n.Contains(a)) return true;
    }
    return false;
}

std::string ClientAddress(const TrustedProxies& proxies, std::string_view peer, std::string_view forwarded_for,
                          std::string_view real_ip) {
    auto peer_address = ParseIpAddress(peer);
    if (!peer_address) return std::string(peer);
    std::string peer_text = ToString(*peer_address);
    if (proxies.empty() || !proxies.Contains(*peer_address)) return peer_text;

    if (!text::Trim(forwarded_for).empty()) {
        std::optional<IpAddress> last_trusted;
        std::string_view rest = forwarded_for;
        while (true) {
            auto comma = rest.rfind(',');
            std::string_view entry = text::Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
            auto a = ParseIpAddress(StripPort(entry));
            if (!a) return peer_text;
            if (!proxies.Contains(*a)) return ToString(*a);
            last_trusted = a;
            if (comma == std::string_view::npos) break;
            rest = rest.substr(0, comma);
        }
        // Every hop is one of ours: the request started at the left-most one.
        return ToString(*last_trusted);
    }
    if (auto a = ParseIpAddress(StripPort(text::Trim(real_ip)))) return ToString(*a);
    return peer_text;
}

}  // namespace veche::net
