// MetricChart: one chart of one metric name (Loss, Accuracy, ...), one line per run. It redraws from the runs'
// MetricBuffers on request: smoothing, then min/max decimation to the plot's pixel columns, then one replace() per
// series (never point-by-point append; see MEASUREMENTS.md). Ticks fall on 1-2-5 values (whole steps), a crosshair
// shows every visible line's value under the pointer, a rubber band zooms (arrows or a middle drag pan, a double
// click or 0 resets), the legend toggles lines, and the context menu exports PNG, SVG or the raw points as CSV.
#pragma once

#include "ui/charts/MetricBuffer.h"

#include <QChartView>
#include <QColor>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <utility>

class QAbstractAxis;
class QGraphicsLineItem;
class QLineSeries;
class QMenu;
class QValueAxis;

namespace mldesk::ui {

struct ChartOptions {
    enum class XAxis { Step, WallTime, RelativeTime }; // relative: since each run's first point, in s/min/h
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

    // The crosshair at a position in the view: one "label = value" per visible line, nearest drawn point in x.
    QStringList crosshairAt(const QPointF &viewPosition);
    bool isZoomed() const { return m_zoomed; }
    void resetZoom();
    // PNG or SVG by the file's suffix; CSV: every point of every line (metric, run, step, wall_time, value).
    bool exportImage(const QString &path);
    bool exportCsv(const QString &path) const;
    QMenu *createContextMenu(); // Reset Zoom, Export PNG/SVG/CSV (deleted when closed)

    // Test seam: where the export actions ask for a file name (default: QFileDialog::getSaveFileName).
    using SaveChooser = std::function<QString(QWidget *parent, const QString &suggested, const QString &filter)>;
    static void setSaveChooser(SaveChooser chooser);

signals:
    // "Loss, run 3: step 12 = 0.4132" while the pointer is over a line; empty when it leaves.
    void hovered(const QString &text);

protected:
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;

private:
    void applyTicks(QValueAxis *axis, double min, double max, bool integer);
    void exportWithChooser(const QString &suffix, const QString &filter);
    void connectLegend(QLineSeries *line);
    void ensureAxes(const ChartOptions &options);
    QList<QPointF> pointsFor(const MetricBuffer &buffer, const ChartOptions &options) const;
    // The axes fitted to the lines, taking the points of `fresh` lines as those they are about to get.
    void updateRanges(const ChartOptions &options, const QList<std::pair<QLineSeries *, QList<QPointF>>> &fresh = {});
    QString describe(const QLineSeries *line, const QPointF &hoveredAt) const;
    QString xText(double x) const; // "step 12", "3.5 min", "14:02:11"

    QString m_metric;
    ChartOptions m_options;
    bool m_haveOptions = false;
    QAbstractAxis *m_xAxis = nullptr;
    QAbstractAxis *m_yAxis = nullptr;
    QHash<QString, QLineSeries *> m_series;
    QHash<QString, quint64> m_drawnRevision;
    QList<ChartSource> m_sources; // the last refresh's, for CSV export
    double m_timeUnitSeconds = 1; // relative time: the axis unit the points were drawn in
    QString m_timeUnitSuffix = QStringLiteral("s");
    bool m_zoomed = false; // the user's view: live data no longer resets the ranges
    QPoint m_panFrom;
    bool m_panning = false;
    QGraphicsLineItem *m_crosshair = nullptr;
};

} // namespace mldesk::ui
