// ServeMetrics: counters for GET /metrics in the Prometheus text format - requests by path and status, a request
// latency histogram, rows per forward pass - updated lock-free from every thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mldesk::serve {

class ServeMetrics {
public:
    // path: "/score", "/health", ... (anything else counts as "other"); seconds: request read -> response queued.
    void recordRequest(std::string_view path, int status, double seconds);
    void recordBatch(std::size_t rows);
    void connectionOpened() { m_connections.fetch_add(1, std::memory_order_relaxed); }
    void connectionClosed() { m_connections.fetch_sub(1, std::memory_order_relaxed); }
    long connections() const { return m_connections.load(std::memory_order_relaxed); }

    std::string prometheusText(std::size_t queuedRows, bool ready) const;

    static constexpr std::array<double, 14> kLatencyBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01,
                                                              0.025,  0.05,    0.1,    0.25,  0.5,   1.0,   5.0};
    static constexpr std::array<double, 11> kBatchBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
    static constexpr std::array<const char *, 6> kPaths = {"/score",   "/health",       "/ready",
                                                           "/metrics", "/swagger.json", "other"};
    static constexpr std::array<int, 10> kStatuses = {200, 400, 401, 404, 405, 408, 413, 500, 503, 0}; // 0: other

private:
    std::array<std::array<std::atomic<std::uint64_t>, kStatuses.size()>, kPaths.size()> m_requests{};
    std::array<std::atomic<std::uint64_t>, kLatencyBounds.size() + 1> m_latency{};
    std::atomic<std::uint64_t> m_latencyMicros{0};
    std::atomic<std::uint64_t> m_latencyCount{0};
    std::array<std::atomic<std::uint64_t>, kBatchBounds.size() + 1> m_batches{};
    std::atomic<std::uint64_t> m_batchRows{0};
    std::atomic<std::uint64_t> m_batchCount{0};
    std::atomic<long> m_connections{0};
};

} // namespace mldesk::serve
