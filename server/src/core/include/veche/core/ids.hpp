#pragma once
// Time-ordered 64-bit ids (snowflake layout): 41 bits of milliseconds since 2024-01-01, 10 bits of
// node id, 12 bits of per-millisecond sequence. Ids sort by creation time, which keyset paging and
// "newest first" queries rely on. Thread-safe.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace veche {

using Id = std::int64_t;

class IdGenerator {
public:
    explicit IdGenerator(int node_id = 0);
    Id Next();

private:
    std::atomic<std::uint64_t> last_;  // (millis << 12 | sequence) of the last id handed out
    std::int64_t node_id_;
};

// Ids travel as decimal strings in JSON and paths (they exceed JavaScript's 2^53).
std::optional<Id> ParseId(std::string_view text);
std::string IdToString(Id id);

// The shared generator of this process (node id from configuration, 0 by default).
IdGenerator& GlobalIds();
void SetGlobalNodeId(int node_id);
int GlobalNodeId();

}  // namespace veche
