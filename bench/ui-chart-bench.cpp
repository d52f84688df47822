// ui-chart-bench: what one live-chart frame costs for a 1e6-point series (issue 7: under 16 ms) - min/max
// decimation, QXYSeries::replace and a repaint of the chart view - against the full series without decimation.
// Not a test: run build-*/bench/ui-chart-bench [points] (offscreen: QT_QPA_PLATFORM=offscreen).
#include "ui/charts/LiveChart.h"

#include <QApplication>
#include <QChart>
#include <QElapsedTimer>
#include <QLineSeries>
#include <QPixmap>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

using mldesk::ui::LiveChart;
using mldesk::ui::MetricPoint;

namespace {
double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    const int n = argc > 1 ? std::max(1000, std::atoi(argv[1])) : 1'000'000;
    LiveChart chart;
    chart.resize(1000, 700);
    chart.show();
    QList<MetricPoint> points;
    points.reserve(n);
    for (int i = 0; i < n; ++i)
        points.append(MetricPoint{double(i), 1.7e9 + i * 0.01, std::exp(-i * 3.0 / n) + 0.05 * std::sin(i * 0.01)});
    chart.appendPoints(QStringLiteral("r1"), QStringLiteral("Loss"), points);
    chart.refreshNow();
    mldesk::ui::MetricChart *view = chart.chart(QStringLiteral("Loss"));
    QPixmap target(view->size());

    // A frame: one more point arrives, the chart decimates + replaces, then the view repaints.
    std::vector<double> update;
    std::vector<double> paint;
    for (int frame = 0; frame < 15; ++frame) {
        chart.appendPoint(QStringLiteral("r1"), QStringLiteral("Loss"), MetricPoint{double(n + frame), 1.8e9, 0.1});
        QElapsedTimer t;
        t.start();
        chart.refreshNow();
        update.push_back(t.nsecsElapsed() / 1e6);
        t.restart();
        static_cast<QWidget *>(view)->render(&target); // QWidget::render: a full repaint
        paint.push_back(t.nsecsElapsed() / 1e6);
    }
    const qsizetype drawn = view->series(QStringLiteral("r1"))->count();
    const double decimated = median(update) + median(paint);
    std::printf("ui-chart-bench: %d points -> %lld drawn (%d pixel columns)\n", n, static_cast<long long>(drawn),
                view->columns());
    std::printf("  decimate+replace  %8.2f ms (median of %zu frames)\n", median(update), update.size());
    std::printf("  repaint           %8.2f ms\n", median(paint));
    std::printf("  frame total       %8.2f ms  (budget 16 ms: %s)\n", decimated, decimated < 16 ? "met" : "MISSED");

    // The peer: the same series replaced and drawn in full, without decimation (one frame; it is slow).
    if (n <= 2'000'000) {
        QLineSeries full;
        QList<QPointF> all;
        all.reserve(n);
        for (const MetricPoint &p : std::as_const(points))
            all.append(QPointF(p.step, p.value));
        QChartView peer;
        peer.resize(view->size());
        peer.chart()->addSeries(&full);
        peer.chart()->createDefaultAxes();
        QElapsedTimer t;
        t.start();
        full.replace(all);
        const double replaceMs = t.nsecsElapsed() / 1e6;
        t.restart();
        static_cast<QWidget &>(peer).render(&target);
        const double paintMs = t.nsecsElapsed() / 1e6;
        peer.chart()->removeSeries(&full);
        std::printf("  without decimation: replace %.1f ms + repaint %.1f ms = %.1f ms (%.0fx the decimated frame)\n",
                    replaceMs, paintMs, replaceMs + paintMs, (replaceMs + paintMs) / decimated);
    }
    return 0;
}
