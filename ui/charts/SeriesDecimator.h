// SeriesDecimator: one line of a chart, decimated min/max per column and kept up to date incrementally, so a live
// point costs O(1) rather than a pass over the run's 100k points (issue 17: 100 runs overlaid, no frame over 16 ms).
// Columns are multiples of a width in x units (absolute, so every line of a chart shares them and they stay put
// while a run grows); smoothing (debiased EMA) and the log-scale mask are applied on the way, and the bounds of the
// whole transformed series are tracked for the axes.
#pragma once

#include "ui/charts/MetricBuffer.h"

#include <QList>
#include <QPointF>

#include <limits>

namespace mldesk::ui {

// How raw points become chart coordinates.
struct SeriesTransform {
    enum class X { Step, WallTimeMs, Relative }; // relative: (time - the series' first time) / unitSeconds
    X x = X::Step;
    double unitSeconds = 1;
    double smoothing = 0;  // EMA weight on the previous value, 0 = raw
    bool logScale = false; // values <= 0 are left out
    bool operator==(const SeriesTransform &) const = default;
};

// The columns: width in x units, and the x window points are kept from (the zoomed range with a margin).
struct DecimationGrid {
    double width = 1;
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    bool operator==(const DecimationGrid &) const = default;
};

class SeriesDecimator final {
public:
    // The transformed x of the buffer's first and last points (the buffer is ordered by step, and times grow).
    static double firstX(const MetricBuffer &buffer, const SeriesTransform &t);
    static double lastX(const MetricBuffer &buffer, const SeriesTransform &t);

    // Starts over on the next update (the chart's grid or transform changed).
    void invalidate() { m_valid = false; }
    bool isValid() const { return m_valid; }
    // Follows the buffer: new points only while the buffer's generation, the transform and the grid are unchanged,
    // else every point again. Returns true when points() changed.
    bool update(const MetricBuffer &buffer, const SeriesTransform &t, const DecimationGrid &grid);
    // Whether update() would start over (a whole pass over the buffer).
    bool needsRebuild(const MetricBuffer &buffer, const SeriesTransform &t, const DecimationGrid &grid) const;

    QList<QPointF> points() const; // the closed columns' points, then the open column's
    // Bounds of every finite transformed point (not only the window's); empty() when there is none.
    bool empty() const { return !(m_minX <= m_maxX); }
    double minX() const { return m_minX; }
    double maxX() const { return m_maxX; }
    double minY() const { return m_minY; }
    double maxY() const { return m_maxY; }

private:
    void reset();
    void consume(const MetricBuffer &buffer, qsizetype from, qsizetype to);
    void closeColumn();

    bool m_valid = false;
    quint64 m_generation = 0;
    SeriesTransform m_transform;
    DecimationGrid m_grid;
    qsizetype m_done = 0; // buffer points consumed
    double m_origin = 0;  // relative time: the first point's time
    double m_emaLast = 0;
    double m_emaWeight = 0;
    QList<QPointF> m_closed;
    // The open (last) column: its index and its lowest and highest point, in the order they came.
    qint64 m_column = std::numeric_limits<qint64>::min();
    QPointF m_low;
    QPointF m_high;
    qsizetype m_lowAt = 0;
    qsizetype m_highAt = 0;
    bool m_open = false;
    double m_minX = std::numeric_limits<double>::infinity();
    double m_maxX = -std::numeric_limits<double>::infinity();
    double m_minY = std::numeric_limits<double>::infinity();
    double m_maxY = -std::numeric_limits<double>::infinity();
};

} // namespace mldesk::ui
