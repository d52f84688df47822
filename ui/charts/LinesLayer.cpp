// LinesLayer: the axis mapping (linear, log, date-time) and the polylines.
#include "ui/charts/LinesLayer.h"

#include "ui/charts/MetricChart.h"

#include <QChart>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPainter>
#include <QPolygonF>
#include <QValueAxis>

#include <cmath>

namespace mldesk::ui {

namespace {

// An axis as min/max in drawing units (log10 for a log axis).
struct Scale {
    double min = 0;
    double max = 1;
    bool log = false;
    bool valid = false;
    double map(double v) const { return log ? std::log10(v) : v; }
};

Scale scaleOf(const QAbstractAxis *axis)
{
    Scale s;
    if (const auto *value = qobject_cast<const QValueAxis *>(axis)) {
        s = {value->min(), value->max(), false, true};
    } else if (const auto *time = qobject_cast<const QDateTimeAxis *>(axis)) {
        s = {double(time->min().toMSecsSinceEpoch()), double(time->max().toMSecsSinceEpoch()), false, true};
    } else if (const auto *log = qobject_cast<const QLogValueAxis *>(axis)) {
        if (log->min() > 0 && log->max() > 0)
            s = {std::log10(log->min()), std::log10(log->max()), true, true};
    }
    s.valid = s.valid && s.max > s.min;
    return s;
}

} // namespace

LinesLayer::LinesLayer(MetricChart *chart, QGraphicsItem *parent) : QGraphicsItem(parent), m_chart(chart)
{
    setZValue(4); // where Qt Charts puts series: above the grid and axes, below the legend and the crosshair
    setAcceptedMouseButtons(Qt::NoButton);
}

void LinesLayer::setRect(const QRectF &plotArea)
{
    if (plotArea == m_rect)
        return;
    prepareGeometryChange();
    m_rect = plotArea;
}

void LinesLayer::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const QList<QAbstractAxis *> horizontal = m_chart->chart()->axes(Qt::Horizontal);
    const QList<QAbstractAxis *> vertical = m_chart->chart()->axes(Qt::Vertical);
    if (horizontal.isEmpty() || vertical.isEmpty() || m_rect.isEmpty())
        return;
    const Scale x = scaleOf(horizontal.first());
    const Scale y = scaleOf(vertical.first());
    if (!x.valid || !y.valid)
        return;
    const double sx = m_rect.width() / (x.max - x.min);
    const double sy = m_rect.height() / (y.max - y.min);
    const QList<QLineSeries *> lines = m_chart->series();
    // Many lines overlaid: aliased strokes (what the eye can still tell apart); a few: antialiased ones.
    const bool many = lines.size() > MetricChart::kSmoothLines;
    painter->save();
    painter->setClipRect(m_rect);
    painter->setRenderHint(QPainter::Antialiasing, !many);
    QPolygonF polygon;
    for (const QLineSeries *line : lines) {
        if (!line->isVisible() || line->count() == 0)
            continue;
        const QList<QPointF> points = line->points();
        polygon.resize(points.size());
        qsizetype n = 0;
        for (const QPointF &p : points) {
            if (y.log && !(p.y() > 0))
                continue;
            polygon[n++] = QPointF(m_rect.left() + (p.x() - x.min) * sx, m_rect.bottom() - (y.map(p.y()) - y.min) * sy);
        }
        // Cosmetic one-pixel pens: Qt's cosmetic stroker draws them (antialiased or not) at a small fraction of what
        // a 1.6 px pen costs through the path stroker (~10 ms per 1,000-point line under ui-charts-view-bench).
        QPen pen = line->pen();
        pen.setCosmetic(true);
        pen.setWidthF(many ? 0 : 1.0);
        painter->setPen(pen);
        if (n == 1)
            painter->drawPoint(polygon[0]);
        else
            painter->drawPolyline(polygon.constData(), int(n));
    }
    painter->restore();
}

} // namespace mldesk::ui
