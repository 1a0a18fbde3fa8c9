#include "veche/core/ids.hpp"

#include <charconv>
#include <chrono>
#include <memory>
#include <thread>

namespace veche {
namespace {
constexpr std::int64_t kEpochMs = 1704067200000;  // 2024-01-01T00:00:00Z
constexpr int kSequenceBits = 12;
constexpr int kNodeBits = 10;

std::uint64_t NowMsSinceEpoch() {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    return static_cast<std::uint64_t>(now - kEpochMs);
}
}  // namespace

IdGenerator::IdGenerator(int node_id)
    : last_(0), node_id_(node_id & ((1 << kNodeBits) - 1)) {}

Id IdGenerator::Next() {
    std::uint64_t prev = last_.load(std::memory_order_relaxed);
    for (;;) {
        std::uint64_t now = NowMsSinceEpoch() << kSequenceBits;
        // A clock that steps back, or 4096 ids in one millisecond, borrow from the future
        // millisecond instead of repeating an id.
        std::uint64_t next = now > prev ? now : prev + 1;
        if (last_.compare_exchange_weak(prev, next, std::memory_order_relaxed)) {
            std::uint64_t millis = next >> kSequenceBits;
            std::uint64_t seq = next & ((1u << kSequenceBits) - 1);
            return static_cast<Id>((millis << (kNodeBits + kSequenceBits)) |
                                   (static_cast<std::uint64_t>(node_id_) << kSequenceBits) | seq);
        }
    }
}

std::optional<Id> ParseId(std::string_view text) {
    if (text.empty() || text.size() > 19) return std::nullopt;
    Id value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

std::string IdToString(Id id) { return std::to_string(id); }

namespace {
std::atomic<int> g_node_id{0};
}

IdGenerator& GlobalIds() {
    static IdGenerator generator(g_node_id.load());
    return generator;
}

void SetGlobalNodeId(int node_id) { g_node_id.store(node_id); }
int GlobalNodeId() { return g_node_id.load(); }

}  // namespace veche
