// LinesLayer: draws a MetricChart's lines over its plot area in one item, one polyline per run. Qt Charts' own line
// items re-stroke a hover outline of every point on each change (QPainterPathStroker in
// LineChartItem::updateGeometry: ~1 ms per 2,000-point line, for every line whenever an axis moves), which 100 live
// runs cannot afford; the series stay the data holders and the axes, legend and zoom stay Qt Charts'.
#pragma once

#include <QGraphicsItem>

namespace mldesk::ui {

class MetricChart;

class LinesLayer final : public QGraphicsItem {
public:
    explicit LinesLayer(MetricChart *chart, QGraphicsItem *parent);

    void setRect(const QRectF &plotArea);
    QRectF boundingRect() const override { return m_rect; }
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    MetricChart *m_chart;
    QRectF m_rect;
};

} // namespace mldesk::ui
