// Trusted proxies: which address a request comes from (issue 10, docs/operations.md).
#include "veche/core/client_address.hpp"

#include <gtest/gtest.h>

namespace veche::net {
namespace {

TrustedProxies Proxies(std::vector<std::string> entries) {
    auto p = TrustedProxies::Parse(entries);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    return p.ok() ? *p : TrustedProxies();
}

TEST(IpAddress, ParsesBothFamiliesAndPrintsThemCanonically) {
    auto v4 = ParseIpAddress("10.1.2.3");
    ASSERT_TRUE(v4);
    EXPECT_TRUE(v4->v4);
    EXPECT_EQ(ToString(*v4), "10.1.2.3");
    auto v6 = ParseIpAddress("2001:DB8:0:0:0:0:0:1");
    ASSERT_TRUE(v6);
    EXPECT_FALSE(v6->v4);
    EXPECT_EQ(ToString(*v6), "2001:db8::1");
    // A dual-stack socket's view of an IPv4 peer is that IPv4 address.
    auto mapped = ParseIpAddress("::ffff:192.0.2.7");
    ASSERT_TRUE(mapped);
    EXPECT_TRUE(mapped->v4);
    EXPECT_EQ(ToString(*mapped), "192.0.2.7");
    EXPECT_EQ(ToString(*ParseIpAddress("fe80::1%eth0")), "fe80::1");
}

TEST(IpAddress, RejectsWhatIsNotALiteralAddress) {
    for (const char* bad : {"", "localhost", "10.0.0", "10.0.0.256", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4/8",
                            "::g", "1.2.3.4:80", "unknown", "10.0.0.1\n"}) {
        EXPECT_FALSE(ParseIpAddress(bad)) << bad;
    }
    EXPECT_FALSE(ParseIpAddress(std::string(100, '1')));
    EXPECT_FALSE(ParseIpAddress(std::string("1.2.3.4\0", 8)));
}

TEST(IpNetwork, MatchesByPrefixInBothFamilies) {
    auto net8 = ParseIpNetwork("10.0.0.0/8");
    ASSERT_TRUE(net8.ok());
    EXPECT_TRUE(net8->Contains(*ParseIpAddress("10.255.0.1")));
    EXPECT_FALSE(net8->Contains(*ParseIpAddress("11.0.0.1")));
    EXPECT_TRUE(net8->Contains(*ParseIpAddress("::ffff:10.0.0.9")));
    auto host_bits_set = ParseIpNetwork("192.168.1.77/24");  // means 192.168.1.0/24
    ASSERT_TRUE(host_bits_set.ok());
    EXPECT_TRUE(host_bits_set->Contains(*ParseIpAddress("192.168.1.1")));
    EXPECT_FALSE(host_bits_set->Contains(*ParseIpAddress("192.168.2.1")));
    auto odd = ParseIpNetwork("172.16.0.0/12");
    ASSERT_TRUE(odd.ok());
    EXPECT_TRUE(odd->Contains(*ParseIpAddress("172.31.255.255")));
    EXPECT_FALSE(odd->Contains(*ParseIpAddress("172.32.0.0")));
    auto v6 = ParseIpNetwork("fd00::/8");
    ASSERT_TRUE(v6.ok());
    EXPECT_TRUE(v6->Contains(*ParseIpAddress("fd12:3456::1")));
    EXPECT_FALSE(v6->Contains(*ParseIpAddress("fe80::1")));
    EXPECT_FALSE(v6->Contains(*ParseIpAddress("10.0.0.1")));
    auto host = ParseIpNetwork(" ::1 ");
    ASSERT_TRUE(host.ok());
    EXPECT_TRUE(host->Contains(*ParseIpAddress("::1")));
    EXPECT_FALSE(host->Contains(*ParseIpAddress("::2")));
    auto everything = ParseIpNetwork("0.0.0.0/0");
    ASSERT_TRUE(everything.ok());
    EXPECT_TRUE(everything->Contains(*ParseIpAddress("203.0.113.5")));
    EXPECT_FALSE(everything->Contains(*ParseIpAddress("2001:db8::1")));
}

TEST(IpNetwork, RejectsBadEntries) {
    for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "nginx", "",
                            "fe80::1%eth0", "10.0.0.0/8/8"}) {
        EXPECT_FALSE(ParseIpNetwork(bad).ok()) << bad;
    }
    auto list = TrustedProxies::Parse({"10.0.0.1", "proxy.internal"});
    ASSERT_FALSE(list.ok());
    EXPECT_NE(list.error().message.find("proxy.internal"), std::string::npos);
}

TEST(ClientAddress, WithoutTrustedProxiesHeadersChangeNothing) {
    TrustedProxies none;
    EXPECT_EQ(ClientAddress(none, "127.0.0.1", "203.0.113.9", "203.0.113.10"), "127.0.0.1");
}

TEST(ClientAddress, HeadersFromAnUntrustedPeerAreIgnored) {
    auto proxies = Proxies({"10.0.0.0/8"});
    EXPECT_EQ(ClientAddress(proxies, "198.51.100.4", "203.0.113.9", "203.0.113.10"), "198.51.100.4");
}

TEST(ClientAddress, ATrustedProxyNamesTheClient) {
    auto proxies = Proxies({"127.0.0.1", "::1"});
    EXPECT_EQ(ClientAddress(proxies, "127.0.0.1", "203.0.113.9", ""), "203.0.113.9");
    EXPECT_EQ(ClientAddress(proxies, "::1", " 2001:DB8::5 ", ""), "2001:db8::5");
    EXPECT_EQ(ClientAddress(proxies, "::ffff:127.0.0.1", "203.0.113.9", ""), "203.0.113.9");
    // X-Real-IP when there is no X-Forwarded-For.
    EXPECT_EQ(ClientAddress(proxies, "127.0.0.1", "", "203.0.113.10"), "203.0.113.10");
    // Nothing forwarded: the proxy itself.
    EXPECT_EQ(ClientAddress(proxies, "127.0.0.1", "", ""), "127.0.0.1");
}

TEST(ClientAddress, TakesTheRightMostEntryThatIsNotATrustedProxy) {
    auto proxies = Proxies({"127.0.0.1", "10.0.0.0/8"});
    // The client forged the first entry; our edge proxy 10.1.1.1 appended what it saw.
    EXPECT_EQ(ClientAddress(proxies, "127.0.0.1", "1.1.1.1, 203.0.113.9, 10.1.1.1", ""), "203.0.113.9");
    EXPECT_EQ(ClientAddress(proxies, "127.0.0.1", "1.1.1.1,203.0.113.9", ""), "203.0.113.9");
    // Ports and brackets that some proxies add.
    EXPECT_EQ(ClientAddress(proxies, "127.0.0.1", "203.0.113.9:51234", ""), "203.0.113.9");
    EXPECT_EQ(ClientAddress(proxies, "127.0.0.1", "[2001:db8::7]:443", ""), "2001:db8::7");
    // Every hop ours: the request started at the left-most one.
    EXPECT_EQ(ClientAddress(proxies, "127.0.0.1", "10.2.2.2, 10.1.1.1", ""), "10.2.2.2");
}

TEST(ClientAddress, MalformedValuesFallBackToThePeer) {
    auto proxies = Proxies({"127.0.0.1", "10.0.0.0/8"});
    for (const char* bad : {"unknown", "203.0.113.9, garbage", "203.0.113.9,,10.1.1.1", "999.1.1.1", ",",
                            "[2001:db8::7", "203.0.113.9 10.1.1.1"}) {
        EXPECT_EQ(ClientAddress(proxies, "127.0.0.1", bad, "203.0.113.10"), "127.0.0.1") << bad;
    }
    // Behind a malformed entry nothing is trusted, even a well-formed address left of it.
    EXPECT_EQ(ClientAddress(proxies, "127.0.0.1", "203.0.113.9, bogus, 10.1.1.1", ""), "127.0.0.1");
    EXPECT_EQ(ClientAddress(proxies, "127.0.0.1", "", "not-an-ip"), "127.0.0.1");
    EXPECT_EQ(ClientAddress(proxies, "127.0.0.1", std::string("203.0.113.9\0", 12), ""), "127.0.0.1");
}

}  // namespace
}  // namespace veche::net
