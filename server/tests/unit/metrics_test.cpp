#include "veche/core/metrics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace veche::metrics {
namespace {

bool Contains(const std::string& text, const std::string& line) {
    return text.find(line) != std::string::npos;
}

}  // namespace

TEST(MetricsRegistry, RendersCounterWithLabelsAndHelp) {
    Registry reg;
    reg.GetCounter("veche_requests_total", "Requests served", {{"route", "/a"}, {"status", "200"}})->Add(3);
    reg.GetCounter("veche_requests_total", "Requests served", {{"route", "/b"}, {"status", "404"}})->Add();
    std::string text = reg.RenderText();
    EXPECT_TRUE(Contains(text, "# HELP veche_requests_total Requests served\n")) << text;
    EXPECT_TRUE(Contains(text, "# TYPE veche_requests_total counter\n")) << text;
    EXPECT_TRUE(Contains(text, "veche_requests_total{route=\"/a\",status=\"200\"} 3\n")) << text;
    EXPECT_TRUE(Contains(text, "veche_requests_total{route=\"/b\",status=\"404\"} 1\n")) << text;
}

TEST(MetricsRegistry, SameNameAndLabelsGiveTheSameSeries) {
    Registry reg;
    Counter* a = reg.GetCounter("c", "h", {{"k", "v"}});
    Counter* b = reg.GetCounter("c", "h", {{"k", "v"}});
    Counter* other = reg.GetCounter("c", "h", {{"k", "w"}});
    EXPECT_EQ(a, b);
    EXPECT_NE(a, other);
}

TEST(MetricsRegistry, UnlabelledSeriesHaveNoBraces) {
    Registry reg;
    reg.GetCounter("plain_total", "h")->Add(2);
    reg.GetGauge("temperature", "g")->Set(-1.5);
    std::string text = reg.RenderText();
    EXPECT_TRUE(Contains(text, "\nplain_total 2\n")) << text;
    EXPECT_TRUE(Contains(text, "# TYPE temperature gauge\ntemperature -1.5\n")) << text;
}

TEST(MetricsRegistry, EscapesLabelValues) {
    Registry reg;
    reg.GetCounter("esc_total", "h", {{"v", "a\"b\\c\nd"}})->Add();
    EXPECT_TRUE(Contains(reg.RenderText(), "esc_total{v=\"a\\\"b\\\\c\\nd\"} 1\n")) << reg.RenderText();
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
    Registry reg;
    Histogram* h = reg.GetHistogram("lat_seconds", "Latency", {0.5, 1, 10}, {{"op", "x"}});
    for (double v : {0.25, 0.5, 0.75, 2.0, 20.0, 30.0}) h->Observe(v);
    std::string text = reg.RenderText();
    EXPECT_TRUE(Contains(text, "# TYPE lat_seconds histogram\n")) << text;
    // A value equal to a bound belongs to that bucket (le = "less or equal").
    EXPECT_TRUE(Contains(text, "lat_seconds_bucket{op=\"x\",le=\"0.5\"} 2\n")) << text;
    EXPECT_TRUE(Contains(text, "lat_seconds_bucket{op=\"x\",le=\"1\"} 3\n")) << text;
    EXPECT_TRUE(Contains(text, "lat_seconds_bucket{op=\"x\",le=\"10\"} 4\n")) << text;
    EXPECT_TRUE(Contains(text, "lat_seconds_bucket{op=\"x\",le=\"+Inf\"} 6\n")) << text;
    EXPECT_TRUE(Contains(text, "lat_seconds_sum{op=\"x\"} 53.5\n")) << text;
    EXPECT_TRUE(Contains(text, "lat_seconds_count{op=\"x\"} 6\n")) << text;
    // Buckets come in bound order, +Inf last, then _sum and _count.
    auto p01 = text.find("le=\"0.5\""), p1 = text.find("le=\"1\""), p10 = text.find("le=\"10\""),
         pinf = text.find("le=\"+Inf\""), psum = text.find("lat_seconds_sum"),
         pcount = text.find("lat_seconds_count");
    EXPECT_LT(p01, p1);
    EXPECT_LT(p1, p10);
    EXPECT_LT(p10, pinf);
    EXPECT_LT(pinf, psum);
    EXPECT_LT(psum, pcount);
}

TEST(MetricsRegistry, UnlabelledHistogramRendersLeAlone) {
    Registry reg;
    reg.GetHistogram("h", "help", {1})->Observe(0.5);
    std::string text = reg.RenderText();
    EXPECT_TRUE(Contains(text, "h_bucket{le=\"1\"} 1\n")) << text;
    EXPECT_TRUE(Contains(text, "h_bucket{le=\"+Inf\"} 1\n")) << text;
    EXPECT_TRUE(Contains(text, "h_sum 0.5\nh_count 1\n")) << text;
}

TEST(MetricsHistogram, SnapshotIsConsistentUnderConcurrentObservation) {
    Histogram h({1, 2});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&h] {
            for (int i = 0; i < 5000; ++i) h.Observe(i % 3);
        });
    }
    for (auto& t : threads) t.join();
    std::vector<std::uint64_t> cum;
    double sum = 0;
    std::uint64_t count = 0;
    h.Snapshot(cum, sum, count);
    ASSERT_EQ(cum.size(), 3u);
    EXPECT_EQ(count, 20000u);
    EXPECT_EQ(cum.back(), count);
    // Per thread: 1667 zeros, 1667 ones and 1666 twos.
    EXPECT_EQ(cum[0], 4u * (1667 + 1667));
    EXPECT_EQ(cum[1], count);
    EXPECT_DOUBLE_EQ(sum, 4.0 * (1667 * 1 + 1666 * 2));
}

TEST(MetricsCounter, ConcurrentAddsAreNotLost) {
    Counter c;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&c] {
            for (int i = 0; i < 10000; ++i) c.Add();
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(c.Value(), 40000);
}

}  // namespace veche::metrics
