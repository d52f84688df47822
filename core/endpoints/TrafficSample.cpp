// TrafficSample: Prometheus text in, rates and quantiles out; see the header.
#include "core/endpoints/TrafficSample.h"

#include <cmath>
#include <limits>

namespace mldesk::core {

MetricsReading Traffic::parse(const QByteArray &text)
{
    MetricsReading r;
    static const QByteArray bucket = "mldesk_serve_request_duration_seconds_bucket{le=\"";
    static const QByteArray count = "mldesk_serve_request_duration_seconds_count ";
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(bucket)) {
            const qsizetype close = line.indexOf('"', bucket.size());
            if (close < 0)
                continue;
            const QByteArray le = line.mid(bucket.size(), close - bucket.size());
            const double bound = le == "+Inf" ? std::numeric_limits<double>::infinity() : le.toDouble();
            r.buckets.append({bound, line.mid(line.lastIndexOf(' ') + 1).toDouble()});
        } else if (line.startsWith(count)) {
            r.requests = line.mid(count.size()).toDouble();
            r.valid = true;
        }
    }
    return r;
}

TrafficSample Traffic::between(const MetricsReading &before, const MetricsReading &after, double seconds)
{
    TrafficSample s;
    if (!before.valid || !after.valid || seconds <= 0 || before.buckets.size() != after.buckets.size())
        return s;
    const double n = after.requests - before.requests;
    if (n <= 0)
        return s;
    s.requestsPerSecond = n / seconds;
    auto quantile = [&](double q) {
        for (qsizetype i = 0; i < after.buckets.size(); ++i) {
            const double cumulative = after.buckets[i].second - before.buckets[i].second;
            if (cumulative >= q * n) {
                const double bound = after.buckets[i].first;
                // Beyond the last finite bound: report that bound (the histogram knows no more).
                return std::isinf(bound) ? (i > 0 ? after.buckets[i - 1].first : 0.0) * 1000.0 : bound * 1000.0;
            }
        }
        return 0.0;
    };
    s.p50Ms = quantile(0.5);
    s.p99Ms = quantile(0.99);
    return s;
}

} // namespace mldesk::core
