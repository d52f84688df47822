// MetricChart: axes, decimated series and hover text of one metric's chart.
#include "ui/charts/MetricChart.h"

#include "ui/charts/ChartTicks.h"
#include "ui/charts/Decimation.h"

#include <QChart>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGraphicsLineItem>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPen>
#include <QValueAxis>

#include <cmath>
#include <limits>
#include <vector>

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
}

QList<QLineSeries *> MetricChart::series() const
{
    QList<QLineSeries *> list;
    for (QAbstractSeries *s : chart()->series())
        list.append(static_cast<QLineSeries *>(s));
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
    QChart *c = chart();
    for (QAbstractAxis *axis : c->axes()) {
        c->removeAxis(axis);
        delete axis;
    }
    if (options.xAxis == ChartOptions::XAxis::WallTime) {
        auto *axis = new QDateTimeAxis;
        axis->setFormat(QStringLiteral("HH:mm:ss"));
        axis->setTitleText(tr("Wall time"));
        m_xAxis = axis;
    } else {
        auto *axis = new QValueAxis;
        const bool steps = options.xAxis == ChartOptions::XAxis::Step;
        axis->setTitleText(steps ? tr("Step") : tr("Time (s)"));
        // Every range change (data, zoom, pan) picks ticks again: whole steps, 1-2-5 values.
        connect(axis, &QValueAxis::rangeChanged, this,
                [this, axis, steps](qreal min, qreal max) { applyTicks(axis, min, max, steps); });
        m_xAxis = axis;
    }
    if (options.logScale) {
        auto *axis = new QLogValueAxis;
        axis->setLabelFormat(QStringLiteral("%g"));
        axis->setBase(10);
        axis->setRange(0.1, 10); // positive before the series attach; the data sets the real range
        m_yAxis = axis;
    } else {
        auto *axis = new QValueAxis;
        connect(axis, &QValueAxis::rangeChanged, this,
                [this, axis](qreal min, qreal max) { applyTicks(axis, min, max, false); });
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

QList<QPointF> MetricChart::pointsFor(const MetricBuffer &buffer, const ChartOptions &options) const
{
    const qsizetype n = buffer.size();
    const double *ys = buffer.values();
    std::vector<double> transformed;
    if (options.smoothing > 0 || options.logScale) {
        transformed.resize(size_t(n));
        if (options.smoothing > 0)
            smoothEma(ys, n, options.smoothing, transformed.data());
        else
            std::copy(ys, ys + n, transformed.begin());
        if (options.logScale) {
            for (double &y : transformed) {
                if (!(y > 0)) // a log axis cannot show 0 or negative values
                    y = std::numeric_limits<double>::quiet_NaN();
            }
        }
        ys = transformed.data();
    }
    if (options.xAxis == ChartOptions::XAxis::WallTime) {
        std::vector<double> ms(buffer.times(), buffer.times() + n); // QDateTimeAxis wants msecs since the epoch
        for (double &t : ms)
            t *= 1000.0;
        return decimateMinMax(ms.data(), ys, n, columns());
    }
    if (options.xAxis == ChartOptions::XAxis::RelativeTime && n > 0) {
        std::vector<double> relative(buffer.times(), buffer.times() + n); // since the run's first point
        const double start = relative.front();
        for (double &t : relative)
            t = (t - start) / m_timeUnitSeconds;
        return decimateMinMax(relative.data(), ys, n, columns());
    }
    return decimateMinMax(buffer.steps(), ys, n, columns());
}

bool MetricChart::refresh(const QList<ChartSource> &sources, const ChartOptions &options, bool force)
{
    force = force || !m_haveOptions || !(options == m_options);
    if (options.xAxis == ChartOptions::XAxis::RelativeTime) {
        // One unit for all lines: from the longest run; a change of unit redraws every line in it.
        double longest = 0;
        for (const ChartSource &source : sources) {
            const qsizetype n = source.buffer->size();
            if (n > 0)
                longest = std::max(longest, source.buffer->times()[n - 1] - source.buffer->times()[0]);
        }
        const TimeUnit unit = timeUnitFor(longest);
        force = force || unit.seconds != m_timeUnitSeconds;
        m_timeUnitSeconds = unit.seconds;
        m_timeUnitSuffix = unit.suffix;
    }
    ensureAxes(options);
    if (options.xAxis == ChartOptions::XAxis::RelativeTime)
        m_xAxis->setTitleText(tr("Time (%1)").arg(m_timeUnitSuffix));
    m_sources = sources;
    m_options = options;
    m_haveOptions = true;

    bool changed = false;
    for (const ChartSource &source : sources) {
        QLineSeries *line = m_series.value(source.runId);
        if (!line) {
            line = new QLineSeries(this);
            line->setObjectName(source.runId);
            chart()->addSeries(line);
            line->attachAxis(m_xAxis);
            line->attachAxis(m_yAxis);
            connect(line, &QXYSeries::hovered, this, [this, line](const QPointF &point, bool state) {
                // The crosshair, when the pointer drives it, already reads every line.
                if (!m_crosshair || !m_crosshair->isVisible())
                    emit hovered(state ? describe(line, point) : QString());
            });
            m_series.insert(source.runId, line);
            connectLegend(line);
            force = true; // a new line may change the ranges
        }
        line->setName(source.label);
        QPen pen(source.color);
        pen.setWidthF(1.6);
        line->setPen(pen);
        if (!force && m_drawnRevision.value(source.runId, ~quint64(0)) == source.buffer->revision())
            continue;
        line->replace(pointsFor(*source.buffer, options));
        m_drawnRevision.insert(source.runId, source.buffer->revision());
        changed = true;
    }
    if (changed || force)
        updateRanges(options);
    return changed;
}

void MetricChart::updateRanges(const ChartOptions &options)
{
    double minX = std::numeric_limits<double>::infinity();
    double maxX = -minX;
    double minY = minX;
    double maxY = -minX;
    for (QLineSeries *line : std::as_const(m_series)) {
        for (const QPointF &p : line->points()) {
            minX = std::min(minX, p.x());
            maxX = std::max(maxX, p.x());
            minY = std::min(minY, p.y());
            maxY = std::max(maxY, p.y());
        }
    }
    if (!std::isfinite(minX) || m_zoomed) // a zoomed or panned view stays where the user put it
        return;
    if (maxX <= minX)
        maxX = minX + 1;
    if (options.xAxis == ChartOptions::XAxis::WallTime) {
        auto *axis = static_cast<QDateTimeAxis *>(m_xAxis);
        axis->setFormat(wallTimeFormatFor((maxX - minX) / 1000.0));
        axis->setRange(QDateTime::fromMSecsSinceEpoch(qint64(minX)), QDateTime::fromMSecsSinceEpoch(qint64(maxX)));
    } else {
        m_xAxis->setRange(minX, maxX); // ticks follow (applyTicks)
    }
    if (options.logScale) {
        m_yAxis->setRange(minY / 1.2, maxY * 1.2);
        return;
    }
    const double pad = maxY > minY ? (maxY - minY) * 0.05 : std::max(std::abs(maxY) * 0.05, 0.5);
    m_yAxis->setRange(minY - pad, maxY + pad);
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
