#include "veche/core/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace veche::metrics {
namespace {
std::string EscapeLabel(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out.push_back('\\');
        if (c == '\n') { out += "\\n"; continue; }
        out.push_back(c);
    }
    return out;
}

std::string RenderLabels(const Labels& labels) {
    std::string out;
    for (const auto& [k, v] : labels) {
        if (!out.empty()) out.push_back(',');
        out += k + "=\"" + EscapeLabel(v) + "\"";
    }
    return out;
}

std::string Num(double v) { return fmt::format("{}", v); }
}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double v) {
    auto idx = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
    std::lock_guard lock(mu_);
    ++buckets_[idx];
    sum_ += v;
    ++count_;
}

void Histogram::Snapshot(std::vector<std::uint64_t>& cumulative, double& sum, std::uint64_t& count) const {
    std::lock_guard lock(mu_);
    cumulative.resize(buckets_.size());
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        acc += buckets_[i];
        cumulative[i] = acc;
    }
    sum = sum_;
    count = count_;
}

Counter* Registry::GetCounter(const std::string& name, const std::string& help, const Labels& labels) {
    std::lock_guard lock(mu_);
    auto& fam = families_[name];
    fam.type = "counter";
    fam.help = help;
    auto& slot = fam.counters[RenderLabels(labels)];
    if (!slot) slot = std::make_unique<Counter>();
    return slot.get();
}

Gauge* Registry::GetGauge(const std::string& name, const std::string& help, const Labels& labels) {
    std::lock_guard lock(mu_);
    auto& fam = families_[name];
    fam.type = "gauge";
    fam.help = help;
    auto& slot = fam.gauges[RenderLabels(labels)];
    if (!slot) slot = std::make_unique<Gauge>();
    return slot.get();
}

Histogram* Registry::GetHistogram(const std::string& name, const std::string& help,
                                  const std::vector<double>& bounds, const Labels& labels) {
    std::lock_guard lock(mu_);
    auto& fam = families_[name];
    fam.type = "histogram";
    fam.help = help;
    auto& slot = fam.histograms[RenderLabels(labels)];
    if (!slot) slot = std::make_unique<Histogram>(bounds);
    return slot.get();
}

std::string Registry::RenderText() const {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& [name, fam] : families_) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, fam.help, name, fam.type);
        auto braces = [](const std::string& l) { return l.empty() ? std::string() : "{" + l + "}"; };
        for (const auto& [labels, c] : fam.counters) out += name + braces(labels) + " " + Num(c->Value()) + "\n";
        for (const auto& [labels, g] : fam.gauges) out += name + braces(labels) + " " + Num(g->Value()) + "\n";
        for (const auto& [labels, h] : fam.histograms) {
            std::vector<std::uint64_t> cum;
            double sum;
            std::uint64_t count;
            h->Snapshot(cum, sum, count);
            const std::string sep = labels.empty() ? "" : ",";
            for (std::size_t i = 0; i < h->Bounds().size(); ++i) {
                out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, Num(h->Bounds()[i]), cum[i]);
            }
            out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, cum.back());
            out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces(labels), Num(sum), name,
                               braces(labels), count);
        }
    }
    return out;
}

Registry& Global() {
    static Registry registry;
    return registry;
}

std::vector<double> LatencyBuckets() {
    return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace veche::metrics
