// MetricChart, the user's side: nice ticks on every range change, the crosshair, zoom/pan/reset, legend toggles
// and the exports (PNG, SVG, CSV of the raw points). The drawing side is MetricChart.cpp.
#include "ui/charts/ChartTicks.h"
#include "ui/charts/LinesLayer.h"
#include "ui/charts/MetricChart.h"

#include <QApplication>
#include <QContextMenuEvent>
#include <QFile>
#include <QFileDialog>
#include <QGraphicsLineItem>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMenu>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QTextStream>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace mldesk::ui {

namespace {

MetricChart::SaveChooser &saveChooser()
{
    static MetricChart::SaveChooser chooser = [](QWidget *parent, const QString &suggested, const QString &filter) {
        return QFileDialog::getSaveFileName(parent, MetricChart::tr("Export Chart"), suggested, filter);
    };
    return chooser;
}

QString csvField(const QString &text)
{
    if (!text.contains(u',') && !text.contains(u'"') && !text.contains(u'\n'))
        return text;
    return u'"' + QString(text).replace(u'"', QStringLiteral("\"\"")) + u'"';
}

} // namespace

void MetricChart::setSaveChooser(SaveChooser chooser)
{
    saveChooser() = std::move(chooser);
}

void MetricChart::applyTicks(QValueAxis *axis, double min, double max, bool integer)
{
    const double pixels =
        axis->orientation() == Qt::Horizontal ? chart()->plotArea().width() : chart()->plotArea().height();
    const int maxTicks = std::clamp(int(pixels / (axis->orientation() == Qt::Horizontal ? 90 : 45)), 3, 10);
    const AxisTicks ticks = niceTicks(min, max, maxTicks, integer);
    // Re-entrancy is harmless: none of these change the range.
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(ticks.first);
    axis->setTickInterval(ticks.interval);
    axis->setLabelFormat(QStringLiteral("%.%1f").arg(ticks.decimals));
}

void MetricChart::connectLegend(QLineSeries *line, QLineSeries *legend)
{
    // A click on a run's legend entry hides or shows its line (the crosshair reads only visible lines).
    for (QLegendMarker *marker : chart()->legend()->markers(legend)) {
        connect(marker, &QLegendMarker::clicked, this, [this, line, legend, marker] {
            line->setVisible(!line->isVisible());
            legend->setVisible(line->isVisible());
            marker->setVisible(true);
            QColor label = marker->labelBrush().color();
            label.setAlphaF(line->isVisible() ? 1.0 : 0.4);
            marker->setLabelBrush(label);
            m_layer->update();
        });
    }
}

QStringList MetricChart::crosshairAt(const QPointF &viewPosition)
{
    const QPointF scenePos = mapToScene(viewPosition.toPoint());
    const QPointF chartPos = chart()->mapFromScene(scenePos);
    const QRectF plot = chart()->plotArea();
    if (!plot.contains(chartPos) || m_series.isEmpty()) {
        if (m_crosshair)
            m_crosshair->hide();
        return {};
    }
    if (!m_crosshair) {
        m_crosshair = new QGraphicsLineItem(chart());
        QPen pen(palette().text().color());
        pen.setStyle(Qt::DashLine);
        pen.setWidthF(0.8);
        m_crosshair->setPen(pen);
        m_crosshair->setZValue(100);
    }
    m_crosshair->setLine(chartPos.x(), plot.top(), chartPos.x(), plot.bottom());
    m_crosshair->show();

    const double x = chart()->mapToValue(chartPos).x();
    QStringList values;
    QString at;
    for (QLineSeries *line : series()) {
        if (!line->isVisible() || line->count() == 0)
            continue;
        const QList<QPointF> points = line->points(); // ordered by x
        auto it = std::lower_bound(points.begin(), points.end(), x,
                                   [](const QPointF &p, double value) { return p.x() < value; });
        if (it == points.end() || (it != points.begin() && std::abs((it - 1)->x() - x) < std::abs(it->x() - x)))
            --it;
        values.append(QStringLiteral("%1 = %2").arg(line->name(), QString::number(it->y(), 'g', 5)));
        if (at.isEmpty())
            at = xText(it->x());
    }
    // "Loss at step 12: run a = 0.41 · run b = 0.52"
    if (!values.isEmpty())
        emit hovered(tr("%1 at %2: %3").arg(m_metric, at, values.join(QStringLiteral(" \u00b7 "))));
    return values;
}

void MetricChart::resetZoom()
{
    m_zoomed = false;
    chart()->zoomReset();
    m_shown.valid = false; // fit the data again
    updateRanges(m_options);
    emit viewChanged();
}

void MetricChart::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::MiddleButton) { // pan
        m_panning = true;
        m_panFrom = event->position().toPoint();
        event->accept();
        return;
    }
    if (event->button() == Qt::RightButton) { // the context menu, not QChartView's zoom-out
        event->accept();
        return;
    }
    QChartView::mousePressEvent(event);
}

void MetricChart::mouseMoveEvent(QMouseEvent *event)
{
    if (m_panning) {
        const QPoint delta = event->position().toPoint() - m_panFrom;
        m_panFrom = event->position().toPoint();
        chart()->scroll(-delta.x(), delta.y());
        m_zoomed = true;
        emit viewChanged();
    }
    crosshairAt(event->position());
    QChartView::mouseMoveEvent(event);
}

void MetricChart::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() == Qt::MiddleButton) {
        m_panning = false;
        event->accept();
        return;
    }
    if (event->button() == Qt::RightButton) {
        event->accept();
        return;
    }
    const auto *x = qobject_cast<QValueAxis *>(m_xAxis);
    const double before = x ? x->max() - x->min() : 0;
    QChartView::mouseReleaseEvent(event); // the rubber band zooms here
    const bool wasZoomed = m_zoomed;
    if (x && std::abs((x->max() - x->min()) - before) > 1e-12)
        m_zoomed = true;
    else if (!x && chart()->isZoomed())
        m_zoomed = true;
    if (m_zoomed && (!wasZoomed || x))
        emit viewChanged(); // the new range is decimated afresh: full detail when zoomed in
}

void MetricChart::mouseDoubleClickEvent(QMouseEvent *event)
{
    resetZoom();
    event->accept();
}

void MetricChart::keyPressEvent(QKeyEvent *event)
{
    const QRectF plot = chart()->plotArea();
    switch (event->key()) {
    case Qt::Key_Left:
        chart()->scroll(-plot.width() / 10, 0);
        break;
    case Qt::Key_Right:
        chart()->scroll(plot.width() / 10, 0);
        break;
    case Qt::Key_Up:
        chart()->scroll(0, plot.height() / 10);
        break;
    case Qt::Key_Down:
        chart()->scroll(0, -plot.height() / 10);
        break;
    case Qt::Key_0:
    case Qt::Key_Home:
        resetZoom();
        event->accept();
        return;
    default:
        QChartView::keyPressEvent(event);
        return;
    }
    m_zoomed = true;
    emit viewChanged();
    event->accept();
}

void MetricChart::leaveEvent(QEvent *event)
{
    if (m_crosshair)
        m_crosshair->hide();
    emit hovered(QString());
    QChartView::leaveEvent(event);
}

QMenu *MetricChart::createContextMenu()
{
    auto *menu = new QMenu(this);
    menu->setObjectName(QStringLiteral("chartMenu"));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    QAction *reset = menu->addAction(tr("Reset Zoom"), this, &MetricChart::resetZoom);
    reset->setObjectName(QStringLiteral("resetZoomAction"));
    reset->setEnabled(m_zoomed);
    menu->addSeparator();
    menu->addAction(tr("Export PNG\u2026"), this,
                    [this] { exportWithChooser(QStringLiteral("png"), tr("PNG images (*.png)")); })
        ->setObjectName(QStringLiteral("exportPngAction"));
    menu->addAction(tr("Export SVG\u2026"), this,
                    [this] { exportWithChooser(QStringLiteral("svg"), tr("SVG images (*.svg)")); })
        ->setObjectName(QStringLiteral("exportSvgAction"));
    menu->addAction(tr("Export CSV\u2026"), this,
                    [this] { exportWithChooser(QStringLiteral("csv"), tr("CSV files (*.csv)")); })
        ->setObjectName(QStringLiteral("exportCsvAction"));
    return menu;
}

void MetricChart::contextMenuEvent(QContextMenuEvent *event)
{
    createContextMenu()->popup(event->globalPos());
    event->accept();
}

void MetricChart::exportWithChooser(const QString &suffix, const QString &filter)
{
    QString path = saveChooser()(this, m_metric + u'.' + suffix, filter);
    if (path.isEmpty())
        return;
    if (!path.endsWith(u'.' + suffix, Qt::CaseInsensitive))
        path += u'.' + suffix;
    if (suffix == u"csv")
        exportCsv(path);
    else
        exportImage(path);
}

bool MetricChart::exportImage(const QString &path)
{
    if (m_crosshair)
        m_crosshair->hide();
    if (path.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive)) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(size());
        svg.setViewBox(rect());
        svg.setTitle(m_metric);
        QPainter painter(&svg);
        render(&painter);
        return painter.end() && QFile::exists(path);
    }
    return grab().save(path, "PNG");
}

bool MetricChart::exportCsv(const QString &path) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return false;
    QTextStream out(&file);
    out << "metric,run,step,wall_time,value\n";
    for (const ChartSource &source : m_sources) {
        const MetricBuffer &b = *source.buffer;
        for (qsizetype i = 0; i < b.size(); ++i) {
            out << csvField(m_metric) << ',' << csvField(source.label) << ',' << QString::number(b.steps()[i], 'g', 17)
                << ',' << QString::number(b.times()[i], 'f', 3) << ',' << QString::number(b.values()[i], 'g', 17)
                << '\n';
        }
    }
    out.flush();
    return file.commit();
}

} // namespace mldesk::ui
