#pragma once
// A small Prometheus registry: counters, gauges and histograms with fixed label sets, rendered in
// the text exposition format. Thread-safe; hot-path updates are atomic adds on pre-resolved series.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace veche::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
public:
    void Add(double v = 1) {
        double cur = value_.load(std::memory_order_relaxed);
        while (!value_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {}
    }
    double Value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class Gauge {
public:
    void Set(double v) { value_.store(v, std::memory_order_relaxed); }
    void Add(double v) {
        double cur = value_.load(std::memory_order_relaxed);
        while (!value_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {}
    }
    double Value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class Histogram {
public:
    explicit Histogram(std::vector<double> bounds);
    void Observe(double v);
    // Cumulative counts per bound (+Inf last), sum and count, read without tearing.
    void Snapshot(std::vector<std::uint64_t>& cumulative, double& sum, std::uint64_t& count) const;
    const std::vector<double>& Bounds() const { return bounds_; }

private:
    std::vector<double> bounds_;
    mutable std::mutex mu_;
    std::vector<std::uint64_t> buckets_;
    double sum_ = 0;
    std::uint64_t count_ = 0;
};

class Registry {
public:
    // Returns the series for (name, labels), creating it on first use. The pointer stays valid for
    // the registry's lifetime, so callers may cache it.
    Counter* GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
    Gauge* GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
    Histogram* GetHistogram(const std::string& name, const std::string& help,
                            const std::vector<double>& bounds, const Labels& labels = {});
    std::string RenderText() const;

private:
    struct Family {
        std::string type;
        std::string help;
        std::map<std::string, std::unique_ptr<Counter>> counters;  // key: rendered labels
        std::map<std::string, std::unique_ptr<Gauge>> gauges;
        std::map<std::string, std::unique_ptr<Histogram>> histograms;
    };
    mutable std::mutex mu_;
    std::map<std::string, Family> families_;
};

// The process-wide registry served at /metrics.
Registry& Global();

std::vector<double> LatencyBuckets();  // seconds, 0.1 ms .. 10 s

}  // namespace veche::metrics
