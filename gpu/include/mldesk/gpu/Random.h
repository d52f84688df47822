// Deterministic random numbers shared by the trainer and both backends: a seeded 64-bit generator for weight
// initialisation and shuffling, and a counter-based hash for dropout masks, so a mask depends only on
// (seed, step, layer, element) and not on thread partitioning or device.
#pragma once

#include <cstdint>

namespace mldesk::gpu {

// SplitMix64 finaliser: a good 64-bit mix of a counter.
constexpr std::uint64_t mix64(std::uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Uniform float in [0, 1) with 24 random bits, from a 64-bit value.
constexpr float unitFloat(std::uint64_t bits)
{
    return float(bits >> 40) * (1.0f / 16777216.0f);
}

// Dropout keep decision for element `index` of layer `layer` at global step `step`: kept with probability 1 - rate.
constexpr bool dropoutKeep(std::uint64_t seed, std::uint64_t step, std::uint32_t layer, std::uint64_t index, float rate)
{
    const std::uint64_t h =
        mix64(mix64(mix64(seed ^ 0x6d6c6465736b2d64ull) + step) + (std::uint64_t(layer) << 40) + index);
    return unitFloat(h) >= rate;
}

// A small, fast, fully specified generator (SplitMix64 stream): same sequence on every platform and compiler,
// unlike the std distributions.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next()
    {
        m_state += 0x9e3779b97f4a7c15ull;
        std::uint64_t z = m_state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    float uniform() { return unitFloat(next()); } // [0, 1)
    // Uniform integer in [0, n) (Lemire's multiply-shift; bias below 2^-32 for n < 2^32).
    std::uint32_t below(std::uint32_t n) { return std::uint32_t(((next() >> 32) * std::uint64_t(n)) >> 32); }

private:
    std::uint64_t m_state;
};

} // namespace mldesk::gpu
