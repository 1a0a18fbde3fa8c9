#include "veche/core/ids.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace veche {

TEST(IdGenerator, IdsAreUniqueAndIncreasingAcrossThreads) {
    IdGenerator gen(3);
    std::vector<std::vector<Id>> per_thread(4);
    std::vector<std::thread> threads;
    for (auto& out : per_thread) {
        threads.emplace_back([&gen, &out] {
            for (int i = 0; i < 20000; ++i) out.push_back(gen.Next());
        });
    }
    for (auto& t : threads) t.join();
    std::set<Id> all;
    for (const auto& out : per_thread) {
        for (std::size_t i = 1; i < out.size(); ++i) ASSERT_LT(out[i - 1], out[i]);
        all.insert(out.begin(), out.end());
    }
    EXPECT_EQ(all.size(), 80000u);
}

TEST(ParseId, AcceptsDecimalAndRejectsEverythingElse) {
    EXPECT_EQ(ParseId("12345"), 12345);
    EXPECT_FALSE(ParseId(""));
    EXPECT_FALSE(ParseId("-1"));
    EXPECT_FALSE(ParseId("12a"));
    EXPECT_FALSE(ParseId(" 1"));
    EXPECT_FALSE(ParseId("99999999999999999999"));
}

}  // namespace veche
