// MetricChart: one chart of one metric name (Loss, Accuracy, ...), one line per run. It redraws from the runs'
// MetricBuffers on request: smoothing, then min/max decimation to the plot's pixel columns (SeriesDecimator: only
// new points cost anything while the columns stay; a zoom decimates the visible range again, so it keeps full
// fidelity), then one replace() per changed series (never point-by-point append; see MEASUREMENTS.md). Ticks fall on
// 1-2-5 values (whole steps), a crosshair shows every visible line's value under the pointer, a rubber band zooms
// (arrows or a middle drag pan, a double click or 0 resets), the legend toggles lines, and the context menu exports
// PNG, SVG or the raw points as CSV.
#pragma once

#include "ui/charts/MetricBuffer.h"
#include "ui/charts/SeriesDecimator.h"

#include <QChartView>
#include <QColor>
#include <QDeadlineTimer>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>

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

class LinesLayer;

class MetricChart final : public QChartView {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetricChart)

public:
    // Up to this many lines are drawn antialiased; more overlaid lines aliased (both with 1 px cosmetic pens).
    static constexpr int kSmoothLines = 12;
    // The legend lists up to this many runs; with more, the table's colour swatches are the legend (Qt Charts lays
    // its legend out in time growing with the square of its entries: half a second for 100) and the crosshair
    // names the runs under the pointer.
    static constexpr int kLegendLines = 20;

    explicit MetricChart(const QString &metric, QWidget *parent = nullptr);

    QString metric() const { return m_metric; }
    // Draws the sources (a line per source; lines of runs no longer among them go): what each buffer gained since
    // the last call, every point again where force, the options or the columns changed. Returns true when
    // something was redrawn.
    bool refresh(const QList<ChartSource> &sources, const ChartOptions &options, bool force = false);
    // The same in slices: lines that must be decimated from scratch wait once the deadline has passed (at least
    // one is done per call); new points of the others are always drawn. Returns true when every line is up to
    // date, false when a later call has more to do (the lines not yet redone still show their old points, which
    // are right, only coarser or finer).
    bool refreshUntil(const QList<ChartSource> &sources, const ChartOptions &options, const QDeadlineTimer &deadline);
    // Every line is decimated again on the next refresh.
    void invalidate();
    void removeSeries(const QString &runId);

    // The runs' lines, in the order they came: each holds its decimated points, name and pen; LinesLayer draws them.
    QList<QLineSeries *> series() const;
    QLineSeries *series(const QString &runId) const { return m_series.value(runId); }
    // The empty series in the chart that give each run its legend entry (and the axes something to attach to);
    // with more than kLegendLines runs only the first run has one.
    QLineSeries *legendSeries(const QString &runId) const { return m_legend.value(runId); }
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
    // The user zoomed, panned or reset: the owner refreshes (the visible range is decimated again).
    void viewChanged();

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
    void connectLegend(QLineSeries *line, QLineSeries *legend);
    void ensureAxes(const ChartOptions &options);
    QLineSeries *addLine(const ChartSource &source);
    void updateLegend();
    SeriesTransform transformFor(const ChartOptions &options) const;
    DecimationGrid gridFor(const QList<ChartSource> &sources, const SeriesTransform &t) const;
    void updateRanges(const ChartOptions &options);
    QString describe(const QLineSeries *line, const QPointF &hoveredAt) const;
    QString xText(double x) const; // "step 12", "3.5 min", "14:02:11"

    QString m_metric;
    ChartOptions m_options;
    bool m_haveOptions = false;
    QAbstractAxis *m_xAxis = nullptr;
    QAbstractAxis *m_yAxis = nullptr;
    QHash<QString, QLineSeries *> m_series; // not in the chart: drawn by m_layer
    QHash<QString, QLineSeries *> m_legend;
    QStringList m_order;
    LinesLayer *m_layer = nullptr;
    QHash<QString, SeriesDecimator> m_decimators; // by run, beside m_series
    DecimationGrid m_grid;
    bool m_redrew = false;
    QList<ChartSource> m_sources; // the last refresh's, for CSV export
    double m_timeUnitSeconds = 1; // relative time: the axis unit the points were drawn in
    QString m_timeUnitSuffix = QStringLiteral("s");
    bool m_zoomed = false; // the user's view: live data no longer resets the ranges
    // The ranges the axes show while not zoomed (updateRanges): they move only when the data leaves them.
    struct Shown {
        bool valid = false;
        double minX = 0, maxX = 0, minY = 0, maxY = 0;
    } m_shown;
    QPoint m_panFrom;
    bool m_panning = false;
    QGraphicsLineItem *m_crosshair = nullptr;
};

} // namespace mldesk::ui
