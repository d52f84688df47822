// TrafficSample: what the Endpoints pane charts, from two readings of mldesk-serve's /metrics (Prometheus text):
// scoring requests per second and the p50 / p99 latency of the requests between them (from the histogram buckets;
// each quantile is reported as the upper bound of the bucket it falls in, as Prometheus' histogram_quantile would
// bound it).
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

namespace mldesk::core {

struct MetricsReading {
    double requests = 0;                  // mldesk_serve_request_duration_seconds_count
    QList<QPair<double, double>> buckets; // (le in seconds, cumulative count); +Inf last
    bool valid = false;
};

struct TrafficSample {
    double requestsPerSecond = 0;
    double p50Ms = 0; // 0 when no request came between the readings
    double p99Ms = 0;
};

class Traffic final {
public:
    static MetricsReading parse(const QByteArray &prometheusText);
    static TrafficSample between(const MetricsReading &before, const MetricsReading &after, double seconds);
};

} // namespace mldesk::core
