// TestMetricChart (issue 17): one metric's chart driven like a user - whole-step ticks, the crosshair over two
// runs (and one once the legend hides the other), rubber-band zoom that live data does not undo, reset by double
// click, relative time in minutes, and the context menu's PNG, SVG and CSV exports (every raw point, not the
// decimated ones).
#include "UiTestSupport.h"

#include "ui/charts/ChartTicks.h"
#include "ui/charts/LiveChart.h"

#include <QApplication>
#include <QChart>
#include <QComboBox>
#include <QContextMenuEvent>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMenu>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QValueAxis>

using mldesk::test::child;
using mldesk::ui::LiveChart;
using mldesk::ui::MetricChart;
using mldesk::ui::MetricPoint;

namespace {

QList<MetricPoint> line(int n, double offset, double secondsPerStep = 1)
{
    QList<MetricPoint> points;
    for (int i = 0; i < n; ++i)
        points.append(MetricPoint{double(i), 1.7e9 + i * secondsPerStep, offset + 1.0 / (1 + i)});
    return points;
}

QMenu *visibleMenu()
{
    for (QWidget *top : QApplication::topLevelWidgets()) {
        if (auto *menu = qobject_cast<QMenu *>(top); menu && menu->isVisible() && menu->objectName() == u"chartMenu")
            return menu;
    }
    return nullptr;
}

QValueAxis *xAxisOf(MetricChart *chart)
{
    return qobject_cast<QValueAxis *>(chart->chart()->axes(Qt::Horizontal).value(0));
}

} // namespace

class TestMetricChart final : public QObject {
    Q_OBJECT

    std::unique_ptr<LiveChart> m_live;
    MetricChart *m_chart = nullptr;

    void twoRuns(int n)
    {
        m_live = std::make_unique<LiveChart>();
        m_live->resize(900, 500);
        m_live->addRun(QStringLiteral("a"), QStringLiteral("run a"));
        m_live->addRun(QStringLiteral("b"), QStringLiteral("run, b")); // a comma: quoted in CSV
        m_live->appendPoints(QStringLiteral("a"), QStringLiteral("Loss"), line(n, 0));
        m_live->appendPoints(QStringLiteral("b"), QStringLiteral("Loss"), line(n, 1));
        m_live->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_live.get()));
        m_live->refreshNow();
        m_chart = m_live->chart(QStringLiteral("Loss"));
        QVERIFY(m_chart);
        QTRY_VERIFY(m_chart->chart()->plotArea().width() > 100);
    }

    QPoint plotPoint(double fx, double fy) const
    {
        const QRectF plot = m_chart->chart()->plotArea();
        const QPointF scene =
            m_chart->chart()->mapToScene(QPointF(plot.left() + plot.width() * fx, plot.top() + plot.height() * fy));
        return m_chart->mapFromScene(scene);
    }

private slots:
    void init() { MetricChart::setSaveChooser({}); }
    void cleanup()
    {
        m_live.reset();
        m_chart = nullptr;
    }
    void wholeStepTicks();
    void crosshairReadsEveryVisibleRun();
    void zoomStaysUntilReset();
    void axesMoveOnlyWhenTheDataLeavesThem();
    void relativeTimeInMinutes();
    void exports();
    void sameColourEverywhere();
    void manyRunsOverlaid();
};

void TestMetricChart::wholeStepTicks()
{
    twoRuns(10); // steps 0..9: no tick at 4.5
    QValueAxis *x = xAxisOf(m_chart);
    QVERIFY(x);
    QCOMPARE(x->tickType(), QValueAxis::TicksDynamic);
    QCOMPARE(std::fmod(x->tickInterval(), 1.0), 0.0);
    QCOMPARE(std::fmod(x->tickAnchor(), 1.0), 0.0);
    QCOMPARE(x->labelFormat(), QStringLiteral("%.0f"));
    QVERIFY(m_chart->chart()->legend()->isVisible());
}

void TestMetricChart::crosshairReadsEveryVisibleRun()
{
    twoRuns(50);
    auto *hover = child<QLabel>(m_live.get(), QStringLiteral("hoverLabel"));
    QTest::mouseMove(m_chart->viewport(), plotPoint(0.5, 0.5));
    QTRY_VERIFY2(hover->text().contains(QStringLiteral("run a = ")) &&
                     hover->text().contains(QStringLiteral("run, b = ")),
                 qPrintable(hover->text()));
    QVERIFY2(hover->text().startsWith(QStringLiteral("Loss at step ")), qPrintable(hover->text()));

    // A click on run b's legend entry hides its line: the crosshair reads run a only.
    QLineSeries *b = m_chart->series(QStringLiteral("b"));
    const QList<QLegendMarker *> markers =
        m_chart->chart()->legend()->markers(m_chart->legendSeries(QStringLiteral("b")));
    QCOMPARE(markers.size(), 1);
    emit markers.first()->clicked();
    QVERIFY(!b->isVisible());
    QCOMPARE(m_chart->crosshairAt(plotPoint(0.5, 0.5)).size(), 1);
    QVERIFY(m_chart->crosshairAt(plotPoint(0.5, 0.5)).first().startsWith(QStringLiteral("run a = ")));
    QVERIFY(m_chart->crosshairAt(QPoint(1, 1)).isEmpty()); // outside the plot
}

void TestMetricChart::zoomStaysUntilReset()
{
    twoRuns(100);
    QValueAxis *x = xAxisOf(m_chart);
    QCOMPARE(x->min(), 0.0);
    QCOMPARE(x->max(), 109.0); // steps 0..99 and about 10 % ahead (see axesMoveOnlyWhenTheDataLeavesThem)
    // Drag a rubber band over the middle fifth.
    QTest::mousePress(m_chart->viewport(), Qt::LeftButton, {}, plotPoint(0.4, 0.1));
    QTest::mouseMove(m_chart->viewport(), plotPoint(0.5, 0.5));
    QTest::mouseMove(m_chart->viewport(), plotPoint(0.6, 0.9));
    QTest::mouseRelease(m_chart->viewport(), Qt::LeftButton, {}, plotPoint(0.6, 0.9));
    QTRY_VERIFY(m_chart->isZoomed());
    const double zoomedMin = x->min();
    const double zoomedMax = x->max();
    QVERIFY2(zoomedMin > 30 && zoomedMax < 70, qPrintable(QStringLiteral("%1..%2").arg(zoomedMin).arg(zoomedMax)));
    QVERIFY(std::fmod(x->tickInterval(), 1.0) == 0); // still whole steps

    // Live points arrive: the zoomed view stays.
    m_live->appendPoints(QStringLiteral("a"), QStringLiteral("Loss"), {MetricPoint{150, 1.7e9 + 150, 0.1}});
    m_live->refreshNow();
    QCOMPARE(x->min(), zoomedMin);
    QCOMPARE(x->max(), zoomedMax);

    // Arrows pan; a double click resets to everything, the new point included.
    m_chart->setFocus();
    QTest::keyClick(m_chart, Qt::Key_Right);
    QVERIFY(x->min() > zoomedMin);
    QTest::mouseDClick(m_chart->viewport(), Qt::LeftButton, {}, plotPoint(0.5, 0.5));
    QTRY_VERIFY(!m_chart->isZoomed());
    QCOMPARE(x->min(), 0.0);
    QCOMPARE(x->max(), 170.0); // steps 0..150, 10 % ahead, rounded up to a tenth of its power of ten
}

// Live points move an axis only when they leave it (QtCharts lays out every label again on a range change, and a
// range that followed the data changed on every frame: runs-scale's GUI stalls); then it moves with headroom again.
void TestMetricChart::axesMoveOnlyWhenTheDataLeavesThem()
{
    twoRuns(100);
    QValueAxis *x = xAxisOf(m_chart);
    auto *y = qobject_cast<QValueAxis *>(m_chart->chart()->axes(Qt::Vertical).constFirst());
    QVERIFY(y);
    QSignalSpy xMoved(x, &QValueAxis::rangeChanged);
    QSignalSpy yMoved(y, &QValueAxis::rangeChanged);
    const double yMin = y->min(), yMax = y->max();
    for (int step = 100; step <= 109; ++step) // inside the headroom, values inside the y range
        m_live->appendPoints(QStringLiteral("a"), QStringLiteral("Loss"),
                             {MetricPoint{double(step), 1.7e9 + step, (yMin + yMax) / 2}});
    m_live->refreshNow();
    QCOMPARE(xMoved.count(), 0);
    QCOMPARE(yMoved.count(), 0);
    QCOMPARE(x->max(), 109.0);
    // Past the headroom and below the y range: both move once, with room again.
    m_live->appendPoints(QStringLiteral("a"), QStringLiteral("Loss"), {MetricPoint{110, 1.7e9 + 110, yMin - 1}});
    m_live->refreshNow();
    QCOMPARE(xMoved.count(), 1);
    QCOMPARE(x->max(), 130.0); // 0..110, 10 % ahead (121), rounded up to 10
    QCOMPARE(yMoved.count(), 1);
    QVERIFY(y->min() < yMin - 1);
    QVERIFY(y->max() >= yMax - 1e-9);
}

void TestMetricChart::relativeTimeInMinutes()
{
    m_live = std::make_unique<LiveChart>();
    m_live->addRun(QStringLiteral("a"), QStringLiteral("run a"));
    m_live->appendPoints(QStringLiteral("a"), QStringLiteral("Loss"), line(11, 0, 60)); // 10 minutes
    m_live->show();
    child<QComboBox>(m_live.get(), QStringLiteral("xAxisCombo"))->setCurrentIndex(2); // Relative time
    m_live->refreshNow();
    m_chart = m_live->chart(QStringLiteral("Loss"));
    QLineSeries *a = m_chart->series(QStringLiteral("a"));
    QCOMPARE(a->at(0).x(), 0.0);
    QCOMPARE(a->at(a->count() - 1).x(), 10.0);
    QCOMPARE(xAxisOf(m_chart)->titleText(), QStringLiteral("Time (min)"));
}

void TestMetricChart::exports()
{
    twoRuns(5000); // more points than pixel columns: the chart draws fewer, the CSV has all
    QVERIFY(m_chart->series(QStringLiteral("a"))->count() < 5000);
    QTemporaryDir dir;
    QString asked;
    MetricChart::setSaveChooser([&](QWidget *, const QString &suggested, const QString &) {
        asked = suggested;
        return dir.filePath(suggested.section(u'.', 0, 0) + QStringLiteral("-export"));
    });
    auto openMenu = [&] {
        QContextMenuEvent event(QContextMenuEvent::Mouse, plotPoint(0.5, 0.5),
                                m_chart->viewport()->mapToGlobal(plotPoint(0.5, 0.5)));
        QApplication::sendEvent(m_chart->viewport(), &event);
        QTRY_VERIFY(visibleMenu());
    };
    for (const QString &kind : {QStringLiteral("Csv"), QStringLiteral("Png"), QStringLiteral("Svg")}) {
        openMenu();
        QAction *action = visibleMenu()->findChild<QAction *>(QStringLiteral("export%1Action").arg(kind));
        QVERIFY(action);
        QTest::mouseClick(visibleMenu(), Qt::LeftButton, {}, visibleMenu()->actionGeometry(action).center());
        QTRY_VERIFY(!visibleMenu());
        QCOMPARE(asked, QStringLiteral("Loss.") + kind.toLower());
    }
    QFile csv(dir.filePath(QStringLiteral("Loss-export.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().split('\n');
    QCOMPARE(lines.first(), QByteArray("metric,run,step,wall_time,value"));
    QCOMPARE(lines.size(), 1 + 2 * 5000 + 1); // header, every point of both runs, the final newline
    QCOMPARE(lines.at(1), QByteArray("Loss,run a,0,1700000000.000,1"));
    QVERIFY(lines.contains(QByteArray("Loss,\"run, b\",4999,1700004999.000,1.0002")));
    const QImage png(dir.filePath(QStringLiteral("Loss-export.png")));
    QCOMPARE(png.size(), m_chart->grab().size());
    QFile svg(dir.filePath(QStringLiteral("Loss-export.svg")));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains("<svg"));
}

void TestMetricChart::sameColourEverywhere()
{
    // Details of one run and Compare of several draw the run in the same colour.
    LiveChart details;
    details.appendPoints(QStringLiteral("run-x"), QStringLiteral("Loss"), line(5, 0));
    details.refreshNow();
    LiveChart compare;
    compare.appendPoints(QStringLiteral("run-y"), QStringLiteral("Loss"), line(5, 0));
    compare.appendPoints(QStringLiteral("run-x"), QStringLiteral("Loss"), line(5, 0));
    compare.refreshNow();
    const QColor x1 = details.chart(QStringLiteral("Loss"))->series(QStringLiteral("run-x"))->pen().color();
    QCOMPARE(compare.chart(QStringLiteral("Loss"))->series(QStringLiteral("run-x"))->pen().color(), x1);
    QCOMPARE(x1, mldesk::ui::colorForRun(QStringLiteral("run-x")));
    QVERIFY(compare.chart(QStringLiteral("Loss"))->series(QStringLiteral("run-y"))->pen().color() != x1);
}

void TestMetricChart::manyRunsOverlaid()
{
    // 30 runs (issue 17's Charts view): every line drawn and read by the crosshair; the legend, which would list
    // 30 entries, gives way to the table's swatches; a run removed takes its line with it.
    m_live = std::make_unique<LiveChart>();
    m_live->resize(900, 500);
    for (int r = 0; r < 30; ++r)
        m_live->appendPoints(QStringLiteral("many-%1").arg(r), QStringLiteral("Loss"), line(2000, r));
    m_live->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_live.get()));
    m_live->refreshNow();
    m_chart = m_live->chart(QStringLiteral("Loss"));
    QTRY_VERIFY(m_chart->chart()->plotArea().width() > 100);
    m_live->refreshNow();
    QCOMPARE(m_chart->series().size(), 30);
    QVERIFY(!m_chart->chart()->legend()->isVisible());
    QCOMPARE(m_chart->chart()->series().size(), 1); // one empty series for the axes, none per run
    for (QLineSeries *s : m_chart->series())
        QVERIFY2(s->count() > 0 && s->count() <= 2 * m_chart->columns(), qPrintable(QString::number(s->count())));
    QCOMPARE(m_chart->crosshairAt(plotPoint(0.5, 0.5)).size(), 30);
    QVERIFY(!m_chart->grab().isNull());

    for (int r = 0; r < 15; ++r)
        m_live->removeRun(QStringLiteral("many-%1").arg(r));
    m_live->refreshNow();
    QCOMPARE(m_chart->series().size(), 15);
    QVERIFY(m_chart->chart()->legend()->isVisible()); // 15 runs: listed again
    QVERIFY(m_chart->legendSeries(QStringLiteral("many-20")));
    QVERIFY(!m_chart->series(QStringLiteral("many-3")));
}

QTEST_MAIN(TestMetricChart)
#include "TestMetricChart.moc"
