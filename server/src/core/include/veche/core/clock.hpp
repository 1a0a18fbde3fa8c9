#pragma once

#include <chrono>
#include <cstdint>

namespace veche {

// Wall-clock milliseconds since the Unix epoch: the unit of every timestamp in storage and the API.
inline std::int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace veche
