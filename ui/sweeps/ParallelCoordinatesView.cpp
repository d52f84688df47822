// ParallelCoordinatesView: axes, polylines and brushing; see the header.
#include "ui/sweeps/ParallelCoordinatesView.h"

#include "core/sweeps/SweepTrialsModel.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace mldesk::ui {

ParallelCoordinatesView::ParallelCoordinatesView(core::SweepTrialsModel *model, QWidget *parent)
    : QWidget(parent), m_model(model)
{
    setObjectName(QStringLiteral("parallelCoordinates"));
    setMinimumHeight(180);
    connect(m_model, &QAbstractItemModel::modelReset, this, qOverload<>(&QWidget::update));
}

QPair<double, double> ParallelCoordinatesView::range(int axis) const
{
    double lo = INFINITY, hi = -INFINITY;
    for (int r = 0; r < m_model->rowCount(); ++r)
        if (const auto v = m_model->axisValue(r, axis)) {
            lo = std::min(lo, *v);
            hi = std::max(hi, *v);
        }
    if (!std::isfinite(lo))
        return {0, 1};
    if (hi - lo < 1e-12) {
        const double pad = std::max(std::abs(lo) * 0.05, 0.5);
        return {lo - pad, hi + pad};
    }
    return {lo, hi};
}

int ParallelCoordinatesView::axisX(int axis) const
{
    const int n = m_model->axisCount();
    const int margin = 40;
    return n <= 1 ? width() / 2 : margin + axis * (width() - 2 * margin) / (n - 1);
}

int ParallelCoordinatesView::axisAt(int x) const
{
    for (int a = 0; a < m_model->axisCount(); ++a)
        if (std::abs(x - axisX(a)) <= 12)
            return a;
    return -1;
}

QPoint ParallelCoordinatesView::pointFor(int axis, double value) const
{
    const auto [lo, hi] = range(axis);
    const double t = (value - lo) / (hi - lo); // 0 at the bottom
    return {axisX(axis), int(std::lround(bottom() - t * (bottom() - top())))};
}

double ParallelCoordinatesView::valueAt(int axis, int y) const
{
    const auto [lo, hi] = range(axis);
    return lo + (double(bottom() - y) / double(bottom() - top())) * (hi - lo);
}

std::optional<QPair<double, double>> ParallelCoordinatesView::brush(int axis) const
{
    if (auto it = m_brushes.constFind(axis); it != m_brushes.cend())
        return *it;
    return std::nullopt;
}

bool ParallelCoordinatesView::accepts(int row) const
{
    for (auto it = m_brushes.cbegin(); it != m_brushes.cend(); ++it) {
        const auto v = m_model->axisValue(row, it.key());
        if (!v || *v < it->first || *v > it->second)
            return false;
    }
    return true;
}

void ParallelCoordinatesView::clearBrushes()
{
    if (m_brushes.isEmpty())
        return;
    m_brushes.clear();
    update();
    emit brushChanged();
}

void ParallelCoordinatesView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    const QColor dim = palette().color(QPalette::Disabled, QPalette::Text);
    const QColor line = palette().color(QPalette::Text);
    const QColor accent = palette().color(QPalette::Highlight);
    const auto polyline = [&](int row) {
        QPainterPath path;
        bool started = false;
        for (int a = 0; a < m_model->axisCount(); ++a) {
            const auto v = m_model->axisValue(row, a);
            if (!v) {
                started = false;
                continue;
            }
            const QPoint pt = pointFor(a, *v);
            started ? path.lineTo(pt) : path.moveTo(pt);
            started = true;
        }
        return path;
    };
    for (int r = 0; r < m_model->rowCount(); ++r) {
        if (r == m_model->bestRow())
            continue;
        QColor c = accepts(r) ? line : dim;
        c.setAlphaF(accepts(r) ? 0.7 : 0.25);
        p.setPen(QPen(c, 1.2));
        p.drawPath(polyline(r));
    }
    if (m_model->bestRow() >= 0) {
        p.setPen(QPen(accent, 3));
        p.drawPath(polyline(m_model->bestRow()));
    }
    for (int a = 0; a < m_model->axisCount(); ++a) {
        const int x = axisX(a);
        p.setPen(QPen(line, 1));
        p.drawLine(x, top(), x, bottom());
        const auto [lo, hi] = range(a);
        const QString name = m_model->axisName(a);
        p.drawText(QRect(x - 60, 2, 120, 14), Qt::AlignCenter, name);
        p.drawText(QRect(x - 60, 14, 120, 14), Qt::AlignCenter, QString::number(hi, 'g', 4));
        p.drawText(QRect(x - 60, bottom() + 2, 120, 16), Qt::AlignCenter, QString::number(lo, 'g', 4));
        if (const auto b = brush(a)) {
            const int y1 = pointFor(a, b->second).y(), y2 = pointFor(a, b->first).y();
            QColor fill = accent;
            fill.setAlphaF(0.25);
            p.fillRect(QRect(x - 6, y1, 12, y2 - y1), fill);
        }
    }
    if (m_dragAxis >= 0) {
        QColor fill = accent;
        fill.setAlphaF(0.35);
        const int x = axisX(m_dragAxis);
        p.fillRect(
            QRect(QPoint(x - 6, std::min(m_dragFromY, m_dragToY)), QPoint(x + 6, std::max(m_dragFromY, m_dragToY))),
            fill);
    }
}

void ParallelCoordinatesView::mousePressEvent(QMouseEvent *event)
{
    m_dragAxis = axisAt(event->position().toPoint().x());
    m_dragFromY = m_dragToY = event->position().toPoint().y();
}

void ParallelCoordinatesView::mouseMoveEvent(QMouseEvent *event)
{
    if (m_dragAxis < 0)
        return;
    m_dragToY = std::clamp(event->position().toPoint().y(), top(), bottom());
    update();
}

void ParallelCoordinatesView::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_dragAxis < 0)
        return;
    m_dragToY = std::clamp(event->position().toPoint().y(), top(), bottom());
    const int axis = std::exchange(m_dragAxis, -1);
    if (std::abs(m_dragToY - m_dragFromY) < 3) {
        m_brushes.remove(axis); // a click clears the axis
    } else {
        const double a = valueAt(axis, m_dragFromY), b = valueAt(axis, m_dragToY);
        m_brushes.insert(axis, {std::min(a, b), std::max(a, b)});
    }
    update();
    emit brushChanged();
}

} // namespace mldesk::ui
