// TestTrafficSample: requests per second and p50/p99 from two readings of mldesk-serve's Prometheus text (issue 18).
#include "core/endpoints/TrafficSample.h"

#include <QTest>

using namespace mldesk::core;

namespace {

QByteArray metrics(double count, const QList<double> &cumulative)
{
    const QList<QByteArray> bounds = {"0.0001", "0.001", "0.01", "+Inf"};
    QByteArray text = "# TYPE mldesk_serve_request_duration_seconds histogram\n";
    for (qsizetype i = 0; i < bounds.size(); ++i)
        text += "mldesk_serve_request_duration_seconds_bucket{le=\"" + bounds[i] + "\"} " +
                QByteArray::number(cumulative[i]) + '\n';
    text += "mldesk_serve_request_duration_seconds_sum 1.5\nmldesk_serve_request_duration_seconds_count " +
            QByteArray::number(count) + "\nmldesk_serve_ready 1\n";
    return text;
}

} // namespace

class TestTrafficSample final : public QObject {
    Q_OBJECT

private slots:
    void ratesAndQuantiles()
    {
        const MetricsReading a = Traffic::parse(metrics(100, {10, 90, 100, 100}));
        QVERIFY(a.valid);
        QCOMPARE(a.buckets.size(), 4);
        // 200 more requests in 2 s: 100 under 1 ms, 98 under 10 ms, 2 slower.
        const MetricsReading b = Traffic::parse(metrics(300, {10, 190, 298, 300}));
        const TrafficSample s = Traffic::between(a, b, 2.0);
        QCOMPARE(s.requestsPerSecond, 100.0);
        QCOMPARE(s.p50Ms, 1.0);
        QCOMPARE(s.p99Ms, 10.0); // the 99th percentile (198th of 200) is in the 10 ms bucket
    }

    void idleAndBadInput()
    {
        const MetricsReading a = Traffic::parse(metrics(5, {5, 5, 5, 5}));
        const TrafficSample idle = Traffic::between(a, a, 1.0);
        QCOMPARE(idle.requestsPerSecond, 0.0);
        QCOMPARE(idle.p99Ms, 0.0);
        QVERIFY(!Traffic::parse("not prometheus").valid);
        QCOMPARE(Traffic::between(Traffic::parse(""), a, 1.0).requestsPerSecond, 0.0);
        // Everything slower than the last finite bound: the bound is what the histogram can say.
        const MetricsReading slow = Traffic::parse(metrics(15, {5, 5, 5, 15}));
        QCOMPARE(Traffic::between(a, slow, 1.0).p50Ms, 10.0);
    }
};

QTEST_GUILESS_MAIN(TestTrafficSample)
#include "TestTrafficSample.moc"
