// TestLiveChart: charts per metric (Loss, Accuracy first), live growth through the frame timer, 1e6 points drawn
// through decimation, two runs overlaid with a legend, log scale, smoothing, hover text and the scalar table.
#include "UiTestSupport.h"

#include "ui/charts/LiveChart.h"

#include <QChart>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QSlider>
#include <QTableWidget>
#include <QTest>

using mldesk::test::child;
using mldesk::ui::LiveChart;
using mldesk::ui::MetricPoint;

class TestLiveChart final : public QObject {
    Q_OBJECT

private slots:
    void chartsPerMetricInOrder();
    void growsLiveOnTimer();
    void millionPointsDrawDecimated();
    void compareOverlaysRunsWithLegend();
    void logScaleAndSmoothing();
    void hoverShowsValue();
    void scalarMetricsInTable();
};

namespace {
QList<MetricPoint> ramp(int n, double start = 1.0)
{
    QList<MetricPoint> points;
    for (int i = 0; i < n; ++i)
        points.append(MetricPoint{double(i), 1.7e9 + i, start / (1 + i)});
    return points;
}
} // namespace

void TestLiveChart::chartsPerMetricInOrder()
{
    LiveChart chart;
    chart.resize(900, 700);
    chart.show();
    chart.appendPoints(QStringLiteral("r1"), QStringLiteral("lr"), ramp(3));
    chart.appendPoints(QStringLiteral("r1"), QStringLiteral("Accuracy"), ramp(3));
    chart.appendPoints(QStringLiteral("r1"), QStringLiteral("Loss"), ramp(3));
    chart.refreshNow();
    QCOMPARE(chart.chartNames(),
             (QStringList{QStringLiteral("Loss"), QStringLiteral("Accuracy"), QStringLiteral("lr")}));
    QVERIFY(child<mldesk::ui::MetricChart>(&chart, QStringLiteral("chart_Loss")));
    QVERIFY(!child<QLabel>(&chart, QStringLiteral("noMetricsLabel"))->isVisible());
}

void TestLiveChart::growsLiveOnTimer()
{
    LiveChart chart;
    chart.resize(900, 700);
    chart.show();
    QVERIFY(child<QLabel>(&chart, QStringLiteral("noMetricsLabel"))->isVisible());
    chart.appendPoints(QStringLiteral("r1"), QStringLiteral("Loss"), ramp(2));
    QTRY_VERIFY(chart.chart(QStringLiteral("Loss"))); // no refreshNow: the frame timer draws it
    QLineSeries *series = chart.chart(QStringLiteral("Loss"))->series(QStringLiteral("r1"));
    QTRY_COMPARE(series->count(), 2);
    chart.appendPoint(QStringLiteral("r1"), QStringLiteral("Loss"), MetricPoint{2, 1.7e9 + 2, 0.2});
    QTRY_COMPARE(series->count(), 3);
    QCOMPARE(series->at(2), QPointF(2, 0.2));
}

void TestLiveChart::millionPointsDrawDecimated()
{
    LiveChart chart;
    chart.resize(1000, 700);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    QList<MetricPoint> points;
    points.reserve(1'000'000);
    for (int i = 0; i < 1'000'000; ++i)
        points.append(MetricPoint{double(i), 1.7e9 + i * 0.01, i == 777'777 ? 1000.0 : std::sin(i * 1e-4)});
    chart.appendPoints(QStringLiteral("r1"), QStringLiteral("Loss"), points);
    chart.refreshNow();
    mldesk::ui::MetricChart *loss = chart.chart(QStringLiteral("Loss"));
    QVERIFY(loss);
    QLineSeries *series = loss->series(QStringLiteral("r1"));
    QVERIFY2(series->count() <= 2 * loss->columns(), qPrintable(QString::number(series->count())));
    QVERIFY(series->count() > 100);
    bool spike = false;
    for (const QPointF &p : series->points())
        spike = spike || p.y() == 1000.0;
    QVERIFY2(spike, "the single-point spike is drawn");
    QVERIFY(!loss->grab().isNull());
}

void TestLiveChart::compareOverlaysRunsWithLegend()
{
    LiveChart chart;
    chart.resize(900, 700);
    chart.show();
    chart.addRun(QStringLiteral("a"), QStringLiteral("run a"));
    chart.addRun(QStringLiteral("b"), QStringLiteral("run b"));
    for (const QString &metric : {QStringLiteral("Loss"), QStringLiteral("Accuracy")}) {
        chart.appendPoints(QStringLiteral("a"), metric, ramp(20));
        chart.appendPoints(QStringLiteral("b"), metric, ramp(20, 2.0));
    }
    chart.refreshNow();
    for (const QString &metric : chart.chartNames()) {
        mldesk::ui::MetricChart *c = chart.chart(metric);
        QCOMPARE(c->series().size(), 2);
        QVERIFY(c->chart()->legend()->isVisible());
        QCOMPARE(c->series(QStringLiteral("b"))->name(), QStringLiteral("run b"));
        QVERIFY(c->series(QStringLiteral("a"))->pen().color() != c->series(QStringLiteral("b"))->pen().color());
    }
}

void TestLiveChart::logScaleAndSmoothing()
{
    LiveChart chart;
    chart.resize(900, 700);
    chart.show();
    QList<MetricPoint> points = ramp(50);
    points[10].value = -1; // cannot be shown on a log axis
    chart.appendPoints(QStringLiteral("r1"), QStringLiteral("Loss"), points);
    chart.refreshNow();
    QLineSeries *series = chart.chart(QStringLiteral("Loss"))->series(QStringLiteral("r1"));
    QCOMPARE(series->count(), 50);

    QTest::mouseClick(child<QCheckBox>(&chart, QStringLiteral("logScaleCheck")), Qt::LeftButton);
    chart.refreshNow();
    QCOMPARE(series->count(), 49);
    QVERIFY(qobject_cast<QLogValueAxis *>(chart.chart(QStringLiteral("Loss"))->chart()->axes(Qt::Vertical).value(0)));

    QTest::mouseClick(child<QCheckBox>(&chart, QStringLiteral("logScaleCheck")), Qt::LeftButton);
    const double rawLast = series->at(series->count() - 1).y();
    child<QSlider>(&chart, QStringLiteral("smoothingSlider"))->setValue(90);
    QTRY_VERIFY(series->count() == 50 && series->at(49).y() > rawLast); // smoothed lags above a falling curve
    QCOMPARE(chart.options().smoothing, 0.9);

    child<QComboBox>(&chart, QStringLiteral("xAxisCombo"))->setCurrentIndex(1);
    chart.refreshNow();
    QCOMPARE(series->at(0).x(), 1.7e12); // wall time in msecs since the epoch
}

void TestLiveChart::hoverShowsValue()
{
    LiveChart chart;
    chart.show();
    chart.addRun(QStringLiteral("r1"), QStringLiteral("keras-mlp 1"));
    chart.appendPoints(QStringLiteral("r1"), QStringLiteral("Loss"), ramp(10));
    chart.refreshNow();
    QLineSeries *series = chart.chart(QStringLiteral("Loss"))->series(QStringLiteral("r1"));
    emit series->hovered(QPointF(3.2, 0.3), true);
    auto *label = child<QLabel>(&chart, QStringLiteral("hoverLabel"));
    QVERIFY2(label->text().contains(QStringLiteral("keras-mlp 1")), qPrintable(label->text()));
    QVERIFY2(label->text().contains(QStringLiteral("step 3")), qPrintable(label->text()));
    QVERIFY2(label->text().contains(QStringLiteral("0.25")), qPrintable(label->text()));
    emit series->hovered(QPointF(3.2, 0.3), false);
    QVERIFY(label->text().isEmpty());
}

void TestLiveChart::scalarMetricsInTable()
{
    LiveChart chart;
    chart.show();
    chart.addRun(QStringLiteral("a"), QStringLiteral("run a"));
    chart.addRun(QStringLiteral("b"), QStringLiteral("run b"));
    chart.appendPoint(QStringLiteral("a"), QStringLiteral("Final test accuracy"), MetricPoint{0, 0, 0.875});
    chart.appendPoint(QStringLiteral("b"), QStringLiteral("Final test accuracy"), MetricPoint{0, 0, 0.881});
    chart.refreshNow();
    QVERIFY(chart.chartNames().isEmpty());
    QTableWidget *table = chart.scalarTable();
    QVERIFY(table->isVisible());
    QCOMPARE(table->rowCount(), 1);
    QCOMPARE(table->verticalHeaderItem(0)->text(), QStringLiteral("Final test accuracy"));
    QCOMPARE(table->item(0, 1)->text(), QStringLiteral("0.881"));
}

QTEST_MAIN(TestLiveChart)
#include "TestLiveChart.moc"
