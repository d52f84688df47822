// SeriesDecimator: the incremental min/max pass, the EMA carried across updates, and the bounds.
#include "ui/charts/SeriesDecimator.h"

#include <cmath>

namespace mldesk::ui {

namespace {
double xOf(const MetricBuffer &b, qsizetype i, const SeriesTransform &t, double origin)
{
    switch (t.x) {
    case SeriesTransform::X::WallTimeMs:
        return b.times()[i] * 1000.0; // QDateTimeAxis wants msecs since the epoch
    case SeriesTransform::X::Relative:
        return (b.times()[i] - origin) / t.unitSeconds;
    case SeriesTransform::X::Step:
        break;
    }
    return b.steps()[i];
}
} // namespace

double SeriesDecimator::firstX(const MetricBuffer &buffer, const SeriesTransform &t)
{
    return buffer.size() > 0 ? xOf(buffer, 0, t, buffer.times()[0]) : 0;
}

double SeriesDecimator::lastX(const MetricBuffer &buffer, const SeriesTransform &t)
{
    return buffer.size() > 0 ? xOf(buffer, buffer.size() - 1, t, buffer.times()[0]) : 0;
}

bool SeriesDecimator::needsRebuild(const MetricBuffer &buffer, const SeriesTransform &t,
                                   const DecimationGrid &grid) const
{
    return !m_valid || m_generation != buffer.generation() || !(m_transform == t) || !(m_grid == grid) ||
           buffer.size() < m_done;
}

void SeriesDecimator::reset()
{
    *this = SeriesDecimator();
}

bool SeriesDecimator::update(const MetricBuffer &buffer, const SeriesTransform &t, const DecimationGrid &grid)
{
    const qsizetype n = buffer.size();
    if (needsRebuild(buffer, t, grid)) {
        reset();
        m_valid = true;
        m_generation = buffer.generation();
        m_transform = t;
        m_grid = grid;
        m_origin = n > 0 ? buffer.times()[0] : 0;
        consume(buffer, 0, n);
        return true;
    }
    if (n == m_done)
        return false;
    consume(buffer, m_done, n);
    return true;
}

void SeriesDecimator::consume(const MetricBuffer &buffer, qsizetype from, qsizetype to)
{
    const double *values = buffer.values();
    const double s = m_transform.smoothing;
    const double width = m_grid.width > 0 ? m_grid.width : 1;
    for (qsizetype i = from; i < to; ++i) {
        double y = values[i];
        if (!std::isfinite(y))
            continue;
        if (s > 0) { // debiased like TensorBoard's: the first points are not pulled towards 0
            m_emaLast = m_emaLast * s + (1 - s) * y;
            m_emaWeight = m_emaWeight * s + (1 - s);
            y = m_emaLast / m_emaWeight;
        }
        if (m_transform.logScale && !(y > 0))
            continue; // a log axis cannot show 0 or negative values
        const double x = xOf(buffer, i, m_transform, m_origin);
        m_minX = std::min(m_minX, x);
        m_maxX = std::max(m_maxX, x);
        m_minY = std::min(m_minY, y);
        m_maxY = std::max(m_maxY, y);
        if (x < m_grid.lo || x > m_grid.hi)
            continue;
        const auto column = qint64(std::floor(x / width));
        if (!m_open || column != m_column) {
            closeColumn();
            m_open = true;
            m_column = column;
            m_low = m_high = QPointF(x, y);
            m_lowAt = m_highAt = i;
            continue;
        }
        if (y < m_low.y()) {
            m_low = QPointF(x, y);
            m_lowAt = i;
        }
        if (y > m_high.y()) {
            m_high = QPointF(x, y);
            m_highAt = i;
        }
    }
    m_done = to;
}

void SeriesDecimator::closeColumn()
{
    if (!m_open)
        return;
    // The column's lowest and highest point in the order they were logged (one point when they are the same).
    m_closed.append(m_lowAt <= m_highAt ? m_low : m_high);
    if (m_lowAt != m_highAt)
        m_closed.append(m_lowAt <= m_highAt ? m_high : m_low);
    m_open = false;
}

QList<QPointF> SeriesDecimator::points() const
{
    QList<QPointF> out;
    out.reserve(m_closed.size() + 2);
    out.append(m_closed);
    if (m_open) {
        out.append(m_lowAt <= m_highAt ? m_low : m_high);
        if (m_lowAt != m_highAt)
            out.append(m_lowAt <= m_highAt ? m_high : m_low);
    }
    return out;
}

} // namespace mldesk::ui
