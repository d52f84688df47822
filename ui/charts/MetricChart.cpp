// MetricChart: axes, decimated series and hover text of one metric's chart.
#include "ui/charts/MetricChart.h"

#include "ui/charts/ChartTicks.h"
#include "ui/charts/LinesLayer.h"

#include <QChart>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGraphicsLineItem>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPen>
#include <QSet>
#include <QValueAxis>

#include <cmath>
#include <limits>

namespace mldesk::ui {

MetricChart::MetricChart(const QString &metric, QWidget *parent) : QChartView(parent), m_metric(metric)
{
    setObjectName(QStringLiteral("chart_") + metric);
    auto *chart = new QChart;
    chart->setTitle(metric);
    chart->legend()->setVisible(false);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setBackgroundRoundness(0);
    // Follow the platform palette (dark mode) instead of the chart theme's fixed white.
    chart->setBackgroundBrush(palette().base());
    chart->setTitleBrush(palette().text());
    chart->legend()->setLabelColor(palette().text().color());
    chart->setAnimationOptions(QChart::NoAnimation);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setBackgroundBrush(palette().base()); // the view around the chart, too
    setMinimumHeight(240);
    setRubberBand(QChartView::RectangleRubberBand);
    setMouseTracking(true);
    setFocusPolicy(Qt::ClickFocus); // arrows pan, 0 resets
    chart->legend()->setVisible(true);
    m_layer = new LinesLayer(this, chart);
    connect(chart, &QChart::plotAreaChanged, this, [this](const QRectF &plot) { m_layer->setRect(plot); });
}

QList<QLineSeries *> MetricChart::series() const
{
    QList<QLineSeries *> list;
    for (const QString &runId : m_order)
        list.append(m_series.value(runId));
    return list;
}

int MetricChart::columns() const
{
    const int plot = int(chart()->plotArea().width());
    if (plot > 16)
        return plot;
    return std::max(width() - 80, 400);
}

void MetricChart::ensureAxes(const ChartOptions &options)
{
    if (m_haveOptions && m_options.xAxis == options.xAxis && m_options.logScale == options.logScale)
        return;
    m_shown.valid = false; // new axes: fit the data
    QChart *c = chart();
    for (QAbstractAxis *axis : c->axes()) {
        c->removeAxis(axis);
        delete axis;
    }
    if (options.xAxis == ChartOptions::XAxis::WallTime) {
        auto *axis = new QDateTimeAxis;
        axis->setFormat(QStringLiteral("HH:mm:ss"));
        axis->setTitleText(tr("Wall time"));
        connect(axis, &QDateTimeAxis::rangeChanged, this, [this] { m_layer->update(); });
        m_xAxis = axis;
    } else {
        auto *axis = new QValueAxis;
        const bool steps = options.xAxis == ChartOptions::XAxis::Step;
        axis->setTitleText(steps ? tr("Step") : tr("Time (s)"));
        // Every range change (data, zoom, pan) picks ticks again: whole steps, 1-2-5 values.
        connect(axis, &QValueAxis::rangeChanged, this, [this, axis, steps](qreal min, qreal max) {
            applyTicks(axis, min, max, steps);
            m_layer->update();
        });
        m_xAxis = axis;
    }
    if (options.logScale) {
        auto *axis = new QLogValueAxis;
        axis->setLabelFormat(QStringLiteral("%g"));
        axis->setBase(10);
        axis->setRange(0.1, 10); // positive before the series attach; the data sets the real range
        connect(axis, &QLogValueAxis::rangeChanged, this, [this] { m_layer->update(); });
        m_yAxis = axis;
    } else {
        auto *axis = new QValueAxis;
        connect(axis, &QValueAxis::rangeChanged, this, [this, axis](qreal min, qreal max) {
            applyTicks(axis, min, max, false);
            m_layer->update();
        });
        m_yAxis = axis;
    }
    for (QAbstractAxis *axis : {m_xAxis, m_yAxis}) {
        axis->setLabelsColor(palette().text().color());
        axis->setTitleBrush(palette().text());
        axis->setGridLineColor(QColor::fromRgbF(0.5, 0.5, 0.5, 0.35)); // the theme's grid glares on a dark base
    }
    c->addAxis(m_xAxis, Qt::AlignBottom);
    c->addAxis(m_yAxis, Qt::AlignLeft);
    for (QAbstractSeries *s : c->series()) {
        s->attachAxis(m_xAxis);
        s->attachAxis(m_yAxis);
    }
}

SeriesTransform MetricChart::transformFor(const ChartOptions &options) const
{
    SeriesTransform t;
    t.x = options.xAxis == ChartOptions::XAxis::WallTime       ? SeriesTransform::X::WallTimeMs
          : options.xAxis == ChartOptions::XAxis::RelativeTime ? SeriesTransform::X::Relative
                                                               : SeriesTransform::X::Step;
    t.unitSeconds = m_timeUnitSeconds;
    t.smoothing = options.smoothing;
    t.logScale = options.logScale;
    return t;
}

DecimationGrid MetricChart::gridFor(const QList<ChartSource> &sources, const SeriesTransform &t) const
{
    // Columns one to two pixels wide: a growing run keeps its columns until its span has grown by half, so a live
    // point redraws one column instead of the whole line, and every line of the chart shares them.
    constexpr double kInf = std::numeric_limits<double>::infinity();
    double lo = kInf;
    double hi = -kInf;
    DecimationGrid grid;
    if (m_zoomed) {
        // The visible range, with a margin of its width on each side so that panning a little keeps the columns.
        double a = 0;
        double b = 0;
        if (auto *time = qobject_cast<QDateTimeAxis *>(m_xAxis)) {
            a = double(time->min().toMSecsSinceEpoch());
            b = double(time->max().toMSecsSinceEpoch());
        } else if (auto *value = qobject_cast<QValueAxis *>(m_xAxis)) {
            a = value->min();
            b = value->max();
        }
        lo = a;
        hi = b;
        if (m_grid.lo <= a && b <= m_grid.hi && std::isfinite(m_grid.lo)) {
            grid.lo = m_grid.lo;
            grid.hi = m_grid.hi;
        } else {
            grid.lo = a - (b - a);
            grid.hi = b + (b - a);
        }
    } else {
        for (const ChartSource &source : sources) {
            if (source.buffer->size() == 0)
                continue;
            lo = std::min(lo, SeriesDecimator::firstX(*source.buffer, t));
            hi = std::max(hi, SeriesDecimator::lastX(*source.buffer, t));
        }
    }
    const double span = hi > lo ? hi - lo : 1;
    const double wanted = span / std::max(columns(), 1);
    if (m_grid.width >= wanted && m_grid.width <= 2 * wanted && std::isfinite(m_grid.width))
        grid.width = m_grid.width;
    else
        grid.width = 1.4 * wanted;
    return grid;
}

QLineSeries *MetricChart::addLine(const ChartSource &source)
{
    auto *line = new QLineSeries(this); // the data: not in the chart, m_layer draws it
    line->setObjectName(source.runId);
    connect(line, &QXYSeries::hovered, this, [this, line](const QPointF &point, bool state) {
        // The crosshair, when the pointer drives it, already reads every line.
        if (!m_crosshair || !m_crosshair->isVisible())
            emit hovered(state ? describe(line, point) : QString());
    });
    m_series.insert(source.runId, line);
    m_order.append(source.runId);
    m_decimators.insert(source.runId, SeriesDecimator());
    return line;
}

void MetricChart::updateLegend()
{
    // Up to kLegendLines runs: an (empty) series per run in the chart gives it a legend entry. Beyond, the legend
    // is hidden and one series stays, for the axes and the zoom to work on: a hundred series in a chart cost a
    // hundred domain updates on every range change, and a hundred legend entries laid out (Qt Charts).
    const bool listed = m_order.size() <= kLegendLines;
    for (const QString &runId : m_legend.keys()) {
        if (!m_series.contains(runId) || (!listed && runId != m_order.value(0))) {
            QLineSeries *legend = m_legend.take(runId);
            chart()->removeSeries(legend);
            delete legend;
        }
    }
    for (const QString &runId : std::as_const(m_order)) {
        if (m_legend.contains(runId) || (!listed && !m_legend.isEmpty()))
            continue;
        QLineSeries *line = m_series.value(runId);
        auto *legend = new QLineSeries(this);
        legend->setObjectName(runId + QStringLiteral("_legend"));
        legend->setName(line->name());
        legend->setPen(line->pen());
        chart()->addSeries(legend);
        legend->attachAxis(m_xAxis);
        legend->attachAxis(m_yAxis);
        m_legend.insert(runId, legend);
        connectLegend(line, legend);
    }
    chart()->legend()->setVisible(listed);
}

void MetricChart::removeSeries(const QString &runId)
{
    QLineSeries *line = m_series.take(runId);
    m_order.removeAll(runId);
    m_decimators.remove(runId);
    m_sources.removeIf([&runId](const ChartSource &source) { return source.runId == runId; });
    delete line;
    updateLegend();
    m_layer->update();
}

void MetricChart::invalidate()
{
    for (SeriesDecimator &d : m_decimators)
        d.invalidate();
}

bool MetricChart::refresh(const QList<ChartSource> &sources, const ChartOptions &options, bool force)
{
    if (force)
        invalidate();
    m_redrew = false;
    refreshUntil(sources, options, QDeadlineTimer(QDeadlineTimer::Forever));
    return m_redrew;
}

bool MetricChart::refreshUntil(const QList<ChartSource> &sources, const ChartOptions &options,
                               const QDeadlineTimer &deadline)
{
    const bool axesChange =
        !m_haveOptions || m_options.xAxis != options.xAxis || m_options.logScale != options.logScale;
    if (options.xAxis == ChartOptions::XAxis::RelativeTime) {
        // One unit for all lines: from the longest run; a change of unit redraws every line in it.
        double longest = 0;
        for (const ChartSource &source : sources) {
            const qsizetype n = source.buffer->size();
            if (n > 0)
                longest = std::max(longest, source.buffer->times()[n - 1] - source.buffer->times()[0]);
        }
        const TimeUnit unit = timeUnitFor(longest);
        m_timeUnitSeconds = unit.seconds;
        m_timeUnitSuffix = unit.suffix;
    }
    ensureAxes(options);
    if (options.xAxis == ChartOptions::XAxis::RelativeTime)
        m_xAxis->setTitleText(tr("Time (%1)").arg(m_timeUnitSuffix));
    m_options = options;
    m_haveOptions = true;

    // Lines of runs no longer shown go.
    bool legendChanged = false;
    QSet<QString> wanted;
    for (const ChartSource &source : sources)
        wanted.insert(source.runId);
    for (const QString &runId : m_series.keys()) {
        if (wanted.contains(runId))
            continue;
        QLineSeries *line = m_series.take(runId);
        m_order.removeAll(runId);
        m_decimators.remove(runId);
        delete line;
        legendChanged = true;
    }
    m_sources = sources;

    const SeriesTransform transform = transformFor(options);
    const DecimationGrid grid = gridFor(sources, transform);
    m_grid = grid;
    bool done = true;
    bool rebuilt = false;
    for (const ChartSource &source : sources) {
        QLineSeries *line = m_series.value(source.runId);
        if (!line) {
            line = addLine(source);
            legendChanged = true;
        }
        QLineSeries *legend = m_legend.value(source.runId);
        if (line->name() != source.label) {
            line->setName(source.label);
            if (legend)
                legend->setName(source.label);
        }
        if (line->pen().color() != source.color) {
            QPen pen(source.color);
            pen.setWidthF(1.6);
            line->setPen(pen);
            if (legend)
                legend->setPen(pen);
            m_layer->update();
        }
        SeriesDecimator &d = m_decimators[source.runId];
        if (d.needsRebuild(*source.buffer, transform, grid)) {
            if (rebuilt && deadline.hasExpired()) {
                if (axesChange && line->count() > 0) {
                    line->clear(); // its points are on the other axes: gone until it is redrawn
                    m_layer->update();
                }
                done = false;
                continue;
            }
            rebuilt = true;
        }
        if (d.update(*source.buffer, transform, grid)) {
            line->replace(d.points());
            m_layer->update();
            m_redrew = true;
        }
    }
    if (legendChanged) {
        updateLegend();
        m_layer->update();
    }
    updateRanges(options);
    return done;
}

void MetricChart::updateRanges(const ChartOptions &options)
{
    double minX = std::numeric_limits<double>::infinity();
    double maxX = -minX;
    double minY = minX;
    double maxY = -minX;
    for (const SeriesDecimator &d : std::as_const(m_decimators)) {
        if (d.empty())
            continue;
        minX = std::min(minX, d.minX());
        maxX = std::max(maxX, d.maxX());
        minY = std::min(minY, d.minY());
        maxY = std::max(maxY, d.maxY());
    }
    if (!std::isfinite(minX) || m_zoomed) // a zoomed or panned view stays where the user put it
        return;
    if (maxX <= minX)
        maxX = minX + 1;
    // Live data moves an axis only when it leaves it, and then with headroom (x: about 10 % ahead; y: 10 % each
    // side). QtCharts lays out every label again (a text document each) on a range change, and a range that followed
    // the data exactly changed on every frame: that was most of the GUI thread's time with live runs (runs-scale).
    // A view much wider than its data (a reset, lines gone, another time unit) fits the data again.
    const double spanX = maxX - minX;
    const bool xFits =
        m_shown.valid && minX >= m_shown.minX && maxX <= m_shown.maxX && m_shown.maxX - m_shown.minX <= 4 * spanX;
    if (!xFits) {
        const double step = std::pow(10.0, std::floor(std::log10(spanX))) / 10; // whole at steps >= 10
        m_shown.minX = minX;
        m_shown.maxX = std::max(maxX, minX + std::ceil(spanX * 1.1 / step) * step);
        if (options.xAxis == ChartOptions::XAxis::WallTime) {
            auto *axis = static_cast<QDateTimeAxis *>(m_xAxis);
            axis->setFormat(wallTimeFormatFor((m_shown.maxX - minX) / 1000.0));
            axis->setRange(QDateTime::fromMSecsSinceEpoch(qint64(minX)),
                           QDateTime::fromMSecsSinceEpoch(qint64(std::ceil(m_shown.maxX))));
        } else {
            m_xAxis->setRange(minX, m_shown.maxX); // ticks follow (applyTicks)
        }
    }
    double low = 0, high = 0;
    if (options.logScale) {
        low = minY / 1.2;
        high = maxY * 1.2;
    } else {
        const double pad = maxY > minY ? (maxY - minY) * 0.1 : std::max(std::abs(maxY) * 0.05, 0.5);
        low = minY - pad;
        high = maxY + pad;
    }
    const bool yFits = m_shown.valid && minY >= m_shown.minY && maxY <= m_shown.maxY &&
                       (options.logScale ? m_shown.maxY / m_shown.minY <= 4 * (high / low)
                                         : m_shown.maxY - m_shown.minY <= 4 * (high - low));
    if (!yFits) {
        m_shown.minY = low;
        m_shown.maxY = high;
        m_yAxis->setRange(low, high);
    }
    m_shown.valid = true;
}

QString MetricChart::xText(double x) const
{
    if (m_options.xAxis == ChartOptions::XAxis::WallTime)
        return QDateTime::fromMSecsSinceEpoch(qint64(x)).toString(QStringLiteral("HH:mm:ss"));
    if (m_options.xAxis == ChartOptions::XAxis::RelativeTime)
        return tr("%1 %2").arg(QString::number(x, 'g', 4), m_timeUnitSuffix);
    return tr("step %1").arg(std::round(x));
}

QString MetricChart::describe(const QLineSeries *line, const QPointF &hoveredAt) const
{
    // The drawn point nearest to the pointer, not the interpolated spot on the segment.
    QPointF point = hoveredAt;
    double best = std::numeric_limits<double>::infinity();
    for (const QPointF &p : line->points()) {
        const double d = std::abs(p.x() - hoveredAt.x());
        if (d < best) {
            best = d;
            point = p;
        }
    }
    const QString label = line->name();
    const QString x = xText(point.x());
    return tr("%1, %2: %3 = %4").arg(m_metric, label, x, QString::number(point.y(), 'g', 6));
}

} // namespace mldesk::ui
