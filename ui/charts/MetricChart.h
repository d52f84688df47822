// MetricChart: one chart of one metric name (Loss, Accuracy, ...), one line per run. It redraws from the runs'
// MetricBuffers on request: smoothing, then min/max decimation to the plot's pixel columns, then one replace() per
// series (never point-by-point append; see MEASUREMENTS.md).
#pragma once

#include "ui/charts/MetricBuffer.h"

#include <QChartView>
#include <QColor>
#include <QHash>
#include <QList>
#include <QString>

class QAbstractAxis;
class QLineSeries;

namespace mldesk::ui {

struct ChartOptions {
    enum class XAxis { Step, WallTime };
    XAxis xAxis = XAxis::Step;
    bool logScale = false;
    double smoothing = 0; // 0 (raw) .. 0.99
    bool operator==(const ChartOptions &) const = default;
};

// One line of a chart: a run's buffer for this metric, with the run's label and colour.
struct ChartSource {
    QString runId;
    QString label;
    QColor color;
    const MetricBuffer *buffer = nullptr;
};

class MetricChart final : public QChartView {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetricChart)

public:
    explicit MetricChart(const QString &metric, QWidget *parent = nullptr);

    QString metric() const { return m_metric; }
    // Redraws the series whose buffer changed since the last call (all of them when force or options changed).
    // Returns true when something was redrawn.
    bool refresh(const QList<ChartSource> &sources, const ChartOptions &options, bool force = false);

    QList<QLineSeries *> series() const;
    QLineSeries *series(const QString &runId) const { return m_series.value(runId); }
    // Pixel columns the series are decimated to (the plot area's width).
    int columns() const;

signals:
    // "Loss, run 3: step 12 = 0.4132" while the pointer is over a line; empty when it leaves.
    void hovered(const QString &text);

private:
    void ensureAxes(const ChartOptions &options);
    QList<QPointF> pointsFor(const MetricBuffer &buffer, const ChartOptions &options) const;
    void updateRanges(const ChartOptions &options);
    QString describe(const QLineSeries *line, const QPointF &hoveredAt) const;

    QString m_metric;
    ChartOptions m_options;
    bool m_haveOptions = false;
    QAbstractAxis *m_xAxis = nullptr;
    QAbstractAxis *m_yAxis = nullptr;
    QHash<QString, QLineSeries *> m_series;
    QHash<QString, quint64> m_drawnRevision;
};

} // namespace mldesk::ui
