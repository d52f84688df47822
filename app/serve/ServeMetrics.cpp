// ServeMetrics: relaxed atomics in, one text rendering out; see the header.
#include "ServeMetrics.h"

#include <sstream>

namespace mldesk::serve {

namespace {

template <typename Bounds> std::size_t bucketOf(const Bounds &bounds, double value)
{
    std::size_t i = 0;
    while (i < bounds.size() && value > bounds[i])
        ++i;
    return i;
}

template <typename Bounds, typename Counts>
void histogram(std::ostringstream &s, const char *name, const Bounds &bounds, const Counts &counts, double sum,
               std::uint64_t count)
{
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        cumulative += counts[i].load(std::memory_order_relaxed);
        s << name << "_bucket{le=\"" << bounds[i] << "\"} " << cumulative << '\n';
    }
    cumulative += counts[bounds.size()].load(std::memory_order_relaxed);
    s << name << "_bucket{le=\"+Inf\"} " << cumulative << '\n';
    s << name << "_sum " << sum << '\n' << name << "_count " << count << '\n';
}

} // namespace

void ServeMetrics::recordRequest(std::string_view path, int status, double seconds)
{
    std::size_t p = kPaths.size() - 1;
    for (std::size_t i = 0; i + 1 < kPaths.size(); ++i)
        if (path == kPaths[i])
            p = i;
    std::size_t st = kStatuses.size() - 1;
    for (std::size_t i = 0; i + 1 < kStatuses.size(); ++i)
        if (status == kStatuses[i])
            st = i;
    m_requests[p][st].fetch_add(1, std::memory_order_relaxed);
    if (p == 0) { // latency of scoring requests only: health probes would drown it
        m_latency[bucketOf(kLatencyBounds, seconds)].fetch_add(1, std::memory_order_relaxed);
        m_latencyMicros.fetch_add(std::uint64_t(seconds * 1e6), std::memory_order_relaxed);
        m_latencyCount.fetch_add(1, std::memory_order_relaxed);
    }
}

void ServeMetrics::recordBatch(std::size_t rows)
{
    m_batches[bucketOf(kBatchBounds, double(rows))].fetch_add(1, std::memory_order_relaxed);
    m_batchRows.fetch_add(rows, std::memory_order_relaxed);
    m_batchCount.fetch_add(1, std::memory_order_relaxed);
}

std::string ServeMetrics::prometheusText(std::size_t queuedRows, bool ready) const
{
    std::ostringstream s;
    s << "# HELP mldesk_serve_requests_total HTTP requests answered, by path and status code.\n"
      << "# TYPE mldesk_serve_requests_total counter\n";
    for (std::size_t p = 0; p < kPaths.size(); ++p)
        for (std::size_t st = 0; st < kStatuses.size(); ++st) {
            const std::uint64_t n = m_requests[p][st].load(std::memory_order_relaxed);
            if (n == 0 && !(p == 0 && st == 0))
                continue;
            s << "mldesk_serve_requests_total{path=\"" << kPaths[p] << "\",code=\""
              << (kStatuses[st] ? std::to_string(kStatuses[st]) : std::string("other")) << "\"} " << n << '\n';
        }
    s << "# HELP mldesk_serve_request_duration_seconds Time from a scoring request read to its response.\n"
      << "# TYPE mldesk_serve_request_duration_seconds histogram\n";
    histogram(s, "mldesk_serve_request_duration_seconds", kLatencyBounds, m_latency,
              double(m_latencyMicros.load(std::memory_order_relaxed)) / 1e6,
              m_latencyCount.load(std::memory_order_relaxed));
    s << "# HELP mldesk_serve_batch_rows Rows per forward pass (dynamic batching joins concurrent requests).\n"
      << "# TYPE mldesk_serve_batch_rows histogram\n";
    histogram(s, "mldesk_serve_batch_rows", kBatchBounds, m_batches,
              double(m_batchRows.load(std::memory_order_relaxed)), m_batchCount.load(std::memory_order_relaxed));
    s << "# HELP mldesk_serve_queued_rows Rows waiting for the model.\n# TYPE mldesk_serve_queued_rows gauge\n"
      << "mldesk_serve_queued_rows " << queuedRows << '\n'
      << "# HELP mldesk_serve_open_connections Open client connections.\n"
      << "# TYPE mldesk_serve_open_connections gauge\nmldesk_serve_open_connections " << connections() << '\n'
      << "# HELP mldesk_serve_ready 1 when the model is loaded and requests are scored.\n"
      << "# TYPE mldesk_serve_ready gauge\nmldesk_serve_ready " << (ready ? 1 : 0) << '\n';
    return s.str();
}

} // namespace mldesk::serve
