// LiveChart: the metric charts of one run (Run details > Metrics) or of several runs overlaid (Compare). Batches
// of points are appended to bounded per-run buffers; a ~40 ms timer redraws only the charts whose data changed
// (at most 25 frames a second, coalesced). One chart per metric name, Loss and Accuracy first; metrics logged
// once (e.g. "Final test accuracy") go to a table. Controls: x-axis step or wall time, log scale, smoothing.
#pragma once

#include "ui/charts/MetricBuffer.h"
#include "ui/charts/MetricChart.h"

#include <QColor>
#include <QHash>
#include <QMap>
#include <QStringList>
#include <QWidget>

#include <map>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QSlider;
class QTableWidget;
class QTimer;

namespace mldesk::ui {

class LiveChart final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveChart)

public:
    explicit LiveChart(QWidget *parent = nullptr);
    ~LiveChart() override;

    // Adds (or relabels) a run; its colour is colorForRun's, the same in every chart. Points of unknown runs add
    // the run.
    void addRun(const QString &runId, const QString &label);
    void removeRun(const QString &runId);
    void clear();
    QStringList runIds() const { return m_runOrder; }

    // Cheap: stores the points; the charts follow on the next frame.
    void appendPoint(const QString &runId, const QString &metric, const MetricPoint &point);
    void appendPoints(const QString &runId, const QString &metric, const QList<MetricPoint> &points);
    // Replaces a run's points of a metric with a buffer built elsewhere (a loader thread): a move, no copy.
    void setBuffer(const QString &runId, const QString &metric, MetricBuffer buffer);
    // The buffers of a run, to append to in place (the caller then calls touch()); null for an unknown run.
    MetricBuffer *mutableBuffer(const QString &runId, const QString &metric);
    void touch() { m_dirty = true; }

    ChartOptions options() const { return m_options; }
    void setOptions(const ChartOptions &options);

    // Metric names with a chart, in display order; scalar metrics (one point per run) are in scalarTable().
    QStringList chartNames() const;
    MetricChart *chart(const QString &metric) const { return m_charts.value(metric); }
    QTableWidget *scalarTable() const { return m_scalars; }
    const MetricBuffer *buffer(const QString &runId, const QString &metric) const;

    // Redraws what changed now instead of on the next frame (tests, benchmarks).
    void refreshNow();
    // True while a frame has charts left to redraw (it goes on in the next events).
    bool isDrawing() const { return m_dirty || !m_pending.isEmpty(); }

    static QStringList orderMetrics(QStringList names); // Loss, Accuracy, then the rest by name

private:
    struct Run {
        QString label;
        QColor color;
        std::map<QString, MetricBuffer> metrics;
    };
    void frame();
    // One frame's work; without `all`, it stops after a time budget and goes on in the next event, so many charts
    // redrawing never stall the event loop for long (issue 12).
    void drawFrame(bool all);
    void rebuildLayout();
    void updateScalars();
    Run &run(const QString &runId);
    void controlsChanged();

    QMap<QString, Run> m_runs;
    QStringList m_runOrder;
    QHash<QString, MetricChart *> m_charts;
    ChartOptions m_options;
    bool m_dirty = false;
    bool m_forceRedraw = false;
    QStringList m_pending;     // charts this frame has yet to redraw
    bool m_continuing = false; // a continuation of the frame is queued
    int m_hiddenFrames = 0;

    QComboBox *m_xAxis = nullptr;
    QCheckBox *m_logScale = nullptr;
    QSlider *m_smoothing = nullptr;
    QLabel *m_smoothingValue = nullptr;
    QLabel *m_hover = nullptr;
    QLabel *m_empty = nullptr;
    QWidget *m_chartArea = nullptr;
    QGridLayout *m_grid = nullptr;
    QTableWidget *m_scalars = nullptr;
    QTimer *m_timer = nullptr;
};

} // namespace mldesk::ui
