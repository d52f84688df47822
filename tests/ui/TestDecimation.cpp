// TestDecimation: min/max decimation keeps every column's extremes (spikes survive), bounds the output, and the
// bounded MetricBuffer halves itself without losing spikes; smoothing is debiased.
#include "ui/charts/Decimation.h"
#include "ui/charts/MetricBuffer.h"

#include <QTest>

#include <cmath>
#include <vector>

using mldesk::ui::decimateMinMax;
using mldesk::ui::MetricBuffer;
using mldesk::ui::MetricPoint;

class TestDecimation final : public QObject {
    Q_OBJECT

private slots:
    void shortSeriesUnchanged();
    void keepsExtremesPerColumn_data();
    void keepsExtremesPerColumn();
    void skipsNonFinite();
    void bufferStaysBoundedAndKeepsSpikes();
    void smoothingDebiased();
};

void TestDecimation::shortSeriesUnchanged()
{
    const std::vector<double> xs{0, 1, 2, 3};
    const std::vector<double> ys{5, 4, 3, 2};
    const QList<QPointF> out = decimateMinMax(xs.data(), ys.data(), 4, 100);
    QCOMPARE(out.size(), 4);
    QCOMPARE(out[2], QPointF(2, 3));
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
    std::vector<double> xs(points);
    std::vector<double> ys(points);
    for (int i = 0; i < points; ++i) {
        xs[i] = i;
        ys[i] = std::sin(i * 0.001) + 0.01 * ((i * 7919) % 13);
    }
    // Single-point spikes, up and down, that a naive stride would skip.
    ys[points / 3 + 1] = 50;
    ys[2 * points / 3 + 3] = -50;
    const QList<QPointF> out = decimateMinMax(xs.data(), ys.data(), points, columns);
    QVERIFY(out.size() <= 2 * columns);
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
    const double scale = columns / double(points - 1);
    std::vector<double> lo(columns, 1e300);
    std::vector<double> hi(columns, -1e300);
    for (int i = 0; i < points; ++i) {
        const int c = std::min(int(i * scale), columns - 1);
        lo[c] = std::min(lo[c], ys[i]);
        hi[c] = std::max(hi[c], ys[i]);
    }
    QList<double> kept;
    for (const QPointF &p : out)
        kept.append(p.y());
    for (int c = 0; c < columns; ++c) {
        if (lo[c] > hi[c])
            continue;
        QVERIFY2(kept.contains(lo[c]) && kept.contains(hi[c]), qPrintable(QStringLiteral("column %1").arg(c)));
    }
}

void TestDecimation::skipsNonFinite()
{
    std::vector<double> xs(1000);
    std::vector<double> ys(1000, 1.0);
    for (int i = 0; i < 1000; ++i)
        xs[i] = i;
    ys[10] = std::nan("");
    ys[500] = std::numeric_limits<double>::infinity();
    for (const QPointF &p : decimateMinMax(xs.data(), ys.data(), 1000, 50))
        QVERIFY(std::isfinite(p.y()));
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

void TestDecimation::smoothingDebiased()
{
    const std::vector<double> ys{2, 2, 2, 10};
    std::vector<double> out(4);
    mldesk::ui::smoothEma(ys.data(), 4, 0.9, out.data());
    QCOMPARE(out[0], 2.0); // not pulled towards 0
    QVERIFY(std::abs(out[2] - 2.0) < 1e-12);
    QVERIFY(out[3] > 2.0 && out[3] < 10.0);
}

QTEST_APPLESS_MAIN(TestDecimation)
#include "TestDecimation.moc"
