// TestChartTicks (issue 17): the pure choices behind the charts - 1-2-5 tick intervals (whole numbers for steps:
// never 4.5 or 11.5), the s/min/h unit of a relative-time axis, wall-time formats, and one colour per run.
#include "ui/charts/ChartTicks.h"
#include "ui/charts/SeriesDecimator.h"

#include <QTest>

#include <cmath>

using namespace mldesk::ui;

class TestChartTicks final : public QObject {
    Q_OBJECT

private slots:
    void niceTicks_data();
    void niceTicks();
    void ticksCoverRange();
    void timeUnits();
    void wallTimeFormats();
    void colourPerRun();
    void emaMatchesTensorBoard();
};

void TestChartTicks::niceTicks_data()
{
    QTest::addColumn<double>("min");
    QTest::addColumn<double>("max");
    QTest::addColumn<int>("maxTicks");
    QTest::addColumn<bool>("integer");
    QTest::addColumn<double>("first");
    QTest::addColumn<double>("interval");
    QTest::addColumn<int>("decimals");
    // The examples: ticks at 4.5, 11.5 or 4537.5 for whole steps and epochs.
    QTest::newRow("9 epochs") << 1.0 << 10.0 << 5 << true << 2.0 << 2.0 << 0;
    QTest::newRow("23 steps") << 0.0 << 23.0 << 5 << true << 0.0 << 5.0 << 0;
    QTest::newRow("18150 steps") << 0.0 << 18150.0 << 5 << true << 0.0 << 5000.0 << 0;
    QTest::newRow("3 steps, many ticks") << 0.0 << 3.0 << 10 << true << 0.0 << 1.0 << 0;
    QTest::newRow("tiny span, whole") << 5.0 << 5.4 << 5 << true << 5.0 << 1.0 << 0;
    QTest::newRow("loss 0.31..0.9") << 0.31 << 0.9 << 6 << false << 0.4 << 0.1 << 1;
    QTest::newRow("accuracy 0.85..0.8812") << 0.85 << 0.8812 << 5 << false << 0.85 << 0.01 << 2;
    QTest::newRow("negative") << -3.2 << 7.9 << 6 << false << -2.0 << 2.0 << 0;
    QTest::newRow("flat at 2") << 2.0 << 2.0 << 5 << false << 1.6 << 0.2 << 1;
}

void TestChartTicks::niceTicks()
{
    QFETCH(double, min);
    QFETCH(double, max);
    QFETCH(int, maxTicks);
    QFETCH(bool, integer);
    QFETCH(double, first);
    QFETCH(double, interval);
    QFETCH(int, decimals);
    const AxisTicks t = mldesk::ui::niceTicks(min, max, maxTicks, integer);
    QCOMPARE(t.interval, interval);
    QVERIFY2(std::abs(t.first - first) < 1e-9, qPrintable(QString::number(t.first)));
    QCOMPARE(t.decimals, decimals);
}

void TestChartTicks::ticksCoverRange()
{
    // Any range: 1, 2 or 5 times a power of ten, at most maxTicks ticks inside, whole when asked.
    for (const double max : {0.003, 0.7, 1.0, 13.0, 99.0, 101.0, 4537.0, 1e6, 3.3e7}) {
        for (const int maxTicks : {3, 5, 8}) {
            for (const bool integer : {false, true}) {
                const AxisTicks t = mldesk::ui::niceTicks(0, max, maxTicks, integer);
                const double mantissa = t.interval / std::pow(10.0, std::floor(std::log10(t.interval)));
                QVERIFY2(std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 ||
                             std::abs(mantissa - 5) < 1e-9,
                         qPrintable(QString::number(t.interval)));
                if (integer)
                    QCOMPARE(std::fmod(t.interval, 1.0), 0.0);
                const int inside = int(std::floor((max - t.first) / t.interval + 1e-9)) + 1;
                QVERIFY2(inside <= maxTicks && inside >= (integer && max < 1 ? 1 : 2),
                         qPrintable(QStringLiteral("%1 ticks for 0..%2").arg(inside).arg(max)));
            }
        }
    }
}

void TestChartTicks::timeUnits()
{
    QCOMPARE(timeUnitFor(45).suffix, QStringLiteral("s"));
    QCOMPARE(timeUnitFor(120).seconds, 1.0);
    QCOMPARE(timeUnitFor(600).suffix, QStringLiteral("min"));
    QCOMPARE(timeUnitFor(600).seconds, 60.0);
    QCOMPARE(timeUnitFor(7200).suffix, QStringLiteral("min"));
    QCOMPARE(timeUnitFor(3 * 3600).suffix, QStringLiteral("h"));
    QCOMPARE(timeUnitFor(3 * 3600).seconds, 3600.0);
}

void TestChartTicks::wallTimeFormats()
{
    QCOMPARE(wallTimeFormatFor(90), QStringLiteral("HH:mm:ss"));
    QCOMPARE(wallTimeFormatFor(3600), QStringLiteral("HH:mm"));
    QCOMPARE(wallTimeFormatFor(3 * 24 * 3600), QStringLiteral("MMM d HH:mm"));
}

void TestChartTicks::colourPerRun()
{
    const QColor a = colorForRun(QStringLiteral("run-a"));
    const QColor b = colorForRun(QStringLiteral("run-b"));
    QVERIFY(a != b);
    QCOMPARE(colorForRun(QStringLiteral("run-a")), a); // the same, asked again from anywhere
    QSet<QRgb> first10;
    for (int i = 0; i < 8; ++i)
        first10.insert(colorForRun(QStringLiteral("more-%1").arg(i)).rgb());
    first10.insert(a.rgb());
    first10.insert(b.rgb());
    QCOMPARE(first10.size(), 10); // ten runs, ten colours
}

void TestChartTicks::emaMatchesTensorBoard()
{
    // TensorBoard's smoothing: last = last * w + (1 - w) * y, debiased by 1 - w^(i+1).
    const double ys[] = {1.0, 0.0, 0.5, 0.25};
    MetricBuffer buffer;
    for (int i = 0; i < 4; ++i)
        buffer.append(MetricPoint{double(i), 1e9 + i, ys[i]});
    SeriesDecimator d;
    SeriesTransform t;
    t.smoothing = 0.6;
    d.update(buffer, t, DecimationGrid{0.5}); // a column per step: every smoothed point is drawn
    const QList<QPointF> out = d.points();
    QCOMPARE(out.size(), 4);
    double last = 0;
    for (int i = 0; i < 4; ++i) {
        last = last * 0.6 + 0.4 * ys[i];
        QVERIFY(std::abs(out[i].y() - last / (1 - std::pow(0.6, i + 1))) < 1e-12);
    }
    QCOMPARE(out[0].y(), 1.0); // the first point is not pulled towards 0
}

QTEST_GUILESS_MAIN(TestChartTicks)
#include "TestChartTicks.moc"
