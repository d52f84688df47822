// TestDecimation: SeriesDecimator keeps every column's extremes (spikes survive) and bounds the output; fed in
// pieces it draws exactly what it draws from scratch (what a live point costs is one column); it skips non-finite
// and, on a log axis, non-positive values; the bounded MetricBuffer halves itself without losing spikes.
#include "ui/charts/MetricBuffer.h"
#include "ui/charts/SeriesDecimator.h"

#include <QTest>

#include <cmath>
#include <vector>

using mldesk::ui::DecimationGrid;
using mldesk::ui::MetricBuffer;
using mldesk::ui::MetricPoint;
using mldesk::ui::SeriesDecimator;
using mldesk::ui::SeriesTransform;

namespace {
double wave(int i)
{
    return std::sin(i * 0.001) + 0.01 * ((i * 7919) % 13);
}
} // namespace

class TestDecimation final : public QObject {
    Q_OBJECT

private slots:
    void shortSeriesUnchanged();
    void keepsExtremesPerColumn_data();
    void keepsExtremesPerColumn();
    void incrementalMatchesScratch();
    void skipsNonFiniteAndLogNonPositive();
    void bufferStaysBoundedAndKeepsSpikes();
};

void TestDecimation::shortSeriesUnchanged()
{
    MetricBuffer buffer;
    for (int i = 0; i < 4; ++i)
        buffer.append(MetricPoint{double(i), 1e9 + i, 5.0 - i});
    SeriesDecimator d;
    QVERIFY(d.update(buffer, {}, DecimationGrid{0.25}));
    const QList<QPointF> out = d.points();
    QCOMPARE(out.size(), 4);
    QCOMPARE(out[2], QPointF(2, 3));
    QCOMPARE(d.minY(), 2.0);
    QCOMPARE(d.maxX(), 3.0);
}

void TestDecimation::keepsExtremesPerColumn_data()
{
    QTest::addColumn<int>("points");
    QTest::addColumn<int>("columns");
    QTest::newRow("1e4 into 100") << 10'000 << 100;
    QTest::newRow("1e6 into 1600") << 1'000'000 << 1600;
    QTest::newRow("uneven 12345 into 777") << 12'345 << 777;
}

void TestDecimation::keepsExtremesPerColumn()
{
    QFETCH(int, points);
    QFETCH(int, columns);
    MetricBuffer buffer(points);
    std::vector<double> ys(points);
    for (int i = 0; i < points; ++i)
        ys[i] = wave(i);
    // Single-point spikes, up and down, that a naive stride would skip.
    ys[points / 3 + 1] = 50;
    ys[2 * points / 3 + 3] = -50;
    for (int i = 0; i < points; ++i)
        buffer.append(MetricPoint{double(i), 1e9 + i, ys[i]});
    const double width = double(points) / columns; // columns [k*width, (k+1)*width)
    SeriesDecimator d;
    d.update(buffer, {}, DecimationGrid{width});
    const QList<QPointF> out = d.points();
    QVERIFY(out.size() <= 2 * (columns + 1));
    QVERIFY(out.size() >= columns);
    bool up = false;
    bool down = false;
    for (int i = 0; i < out.size(); ++i) {
        up = up || out[i].y() == 50;
        down = down || out[i].y() == -50;
        if (i > 0)
            QVERIFY2(out[i].x() >= out[i - 1].x(), "points stay in x order");
    }
    QVERIFY2(up && down, "both spikes survive");
    // Every column's min and max of the input appear in the output.
    std::vector<double> lo(columns + 1, 1e300);
    std::vector<double> hi(columns + 1, -1e300);
    for (int i = 0; i < points; ++i) {
        const auto c = size_t(std::floor(i / width));
        lo[c] = std::min(lo[c], ys[i]);
        hi[c] = std::max(hi[c], ys[i]);
    }
    QList<double> kept;
    for (const QPointF &p : out)
        kept.append(p.y());
    for (size_t c = 0; c < lo.size(); ++c) {
        if (lo[c] > hi[c])
            continue;
        QVERIFY2(kept.contains(lo[c]) && kept.contains(hi[c]), qPrintable(QStringLiteral("column %1").arg(c)));
    }
}

void TestDecimation::incrementalMatchesScratch()
{
    // Points arriving in uneven batches, smoothed: the same line as one pass over all of them.
    SeriesTransform t;
    t.smoothing = 0.8;
    const DecimationGrid grid{7.5};
    MetricBuffer live;
    SeriesDecimator incremental;
    int i = 0;
    for (int batch : {1, 2, 13, 400, 1, 1, 3000, 77}) {
        for (int k = 0; k < batch; ++k, ++i)
            live.append(MetricPoint{double(i), 1e9 + i, wave(i) + (i == 1234 ? 9 : 0)});
        incremental.update(live, t, grid);
    }
    QVERIFY(!incremental.needsRebuild(live, t, grid));
    SeriesDecimator scratch;
    scratch.update(live, t, grid);
    QCOMPARE(incremental.points(), scratch.points());
    QCOMPARE(incremental.maxY(), scratch.maxY());
    // A new grid or transform starts over.
    QVERIFY(incremental.needsRebuild(live, t, DecimationGrid{15}));
    t.logScale = true;
    QVERIFY(incremental.needsRebuild(live, t, grid));
}

void TestDecimation::skipsNonFiniteAndLogNonPositive()
{
    MetricBuffer buffer;
    for (int i = 0; i < 1000; ++i) {
        const double y = i == 10 ? std::nan("") : i == 500 ? std::numeric_limits<double>::infinity() : 1.0 - (i == 7);
        buffer.append(MetricPoint{double(i), 1e9 + i, y});
    }
    SeriesDecimator d;
    d.update(buffer, {}, DecimationGrid{20});
    for (const QPointF &p : d.points())
        QVERIFY(std::isfinite(p.y()));
    QCOMPARE(d.minY(), 0.0);
    SeriesTransform log;
    log.logScale = true;
    d.update(buffer, log, DecimationGrid{20});
    for (const QPointF &p : d.points())
        QVERIFY(p.y() > 0); // the 0 at step 7 cannot be shown on a log axis
}

void TestDecimation::bufferStaysBoundedAndKeepsSpikes()
{
    MetricBuffer buffer(1000);
    for (int i = 0; i < 10'000; ++i)
        buffer.append(MetricPoint{double(i), 1e9 + i, i == 4321 ? 99.0 : 0.5});
    QVERIFY(buffer.size() <= 1000);
    QVERIFY(buffer.size() >= 250);
    bool spike = false;
    for (qsizetype i = 0; i < buffer.size(); ++i) {
        spike = spike || buffer.values()[i] == 99.0;
        if (i > 0)
            QVERIFY(buffer.steps()[i] > buffer.steps()[i - 1]);
    }
    QVERIFY(spike);
    QCOMPARE(buffer.steps()[buffer.size() - 1], 9999.0);
}

QTEST_APPLESS_MAIN(TestDecimation)
#include "TestDecimation.moc"
