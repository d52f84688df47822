// LiveChart: run buffers, the coalescing frame timer, the chart grid, the scalar table and the controls.
#include "ui/charts/LiveChart.h"

#include "ui/charts/ChartTicks.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDeadlineTimer>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QScrollArea>
#include <QSet>
#include <QSlider>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace mldesk::ui {

namespace {
constexpr int kFrameMs = 40;
constexpr int kFrameBudgetMs = 4;     // per event; the rest of a frame continues in the next one
constexpr int kHiddenFrameEvery = 12; // about 2 frames a second while the charts are not shown
} // namespace

LiveChart::LiveChart(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("liveChart"));
    m_xAxis = new QComboBox;
    m_xAxis->setObjectName(QStringLiteral("xAxisCombo"));
    m_xAxis->addItem(tr("Step"));
    m_xAxis->addItem(tr("Wall time"));
    m_xAxis->addItem(tr("Relative time"));
    m_logScale = new QCheckBox(tr("Log scale"));
    m_logScale->setObjectName(QStringLiteral("logScaleCheck"));
    m_smoothing = new QSlider(Qt::Horizontal);
    m_smoothing->setObjectName(QStringLiteral("smoothingSlider"));
    m_smoothing->setRange(0, 99);
    m_smoothing->setFixedWidth(140);
    m_smoothing->setToolTip(tr("Exponential moving average: 0 shows the raw values"));
    m_smoothingValue = new QLabel(QStringLiteral("0.00"));
    m_smoothingValue->setMinimumWidth(32);
    m_hover = new QLabel;
    m_hover->setObjectName(QStringLiteral("hoverLabel"));
    m_hover->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("X axis:")));
    controls->addWidget(m_xAxis);
    controls->addSpacing(12);
    controls->addWidget(m_logScale);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Smoothing:")));
    controls->addWidget(m_smoothing);
    controls->addWidget(m_smoothingValue);
    controls->addSpacing(12);
    controls->addWidget(m_hover, 1);

    m_empty = new QLabel(tr("No metrics logged yet. Charts appear as soon as the run logs a value."));
    m_empty->setObjectName(QStringLiteral("noMetricsLabel"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setForegroundRole(QPalette::PlaceholderText);

    m_chartArea = new QWidget;
    m_grid = new QGridLayout(m_chartArea);
    m_grid->setContentsMargins(0, 0, 0, 0);
    m_scalars = new QTableWidget(0, 0);
    m_scalars->setObjectName(QStringLiteral("scalarTable"));
    m_scalars->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_scalars->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch); // every run's name readable
    m_scalars->setVisible(false);

    auto *inner = new QWidget;
    auto *innerLayout = new QVBoxLayout(inner);
    innerLayout->setContentsMargins(0, 0, 0, 0);
    innerLayout->addWidget(m_empty);
    innerLayout->addWidget(m_scalars);
    innerLayout->addWidget(m_chartArea);
    innerLayout->addStretch(1);
    auto *scroll = new QScrollArea;
    scroll->setObjectName(QStringLiteral("chartScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(inner);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(scroll, 1);

    connect(m_xAxis, &QComboBox::currentIndexChanged, this, &LiveChart::controlsChanged);
    connect(m_logScale, &QCheckBox::toggled, this, &LiveChart::controlsChanged);
    connect(m_smoothing, &QSlider::valueChanged, this, &LiveChart::controlsChanged);

    m_timer = new QTimer(this);
    m_timer->setInterval(kFrameMs);
    connect(m_timer, &QTimer::timeout, this, &LiveChart::frame);
    m_timer->start();
}

LiveChart::~LiveChart() = default;

LiveChart::Run &LiveChart::run(const QString &runId)
{
    auto it = m_runs.find(runId);
    if (it == m_runs.end()) {
        // The run's colour is the process's, so Details, Compare and every chart draw a run alike.
        it = m_runs.insert(runId, Run{runId, colorForRun(runId), {}});
        m_runOrder.append(runId);
    }
    return *it;
}

void LiveChart::addRun(const QString &runId, const QString &label)
{
    run(runId).label = label;
    m_dirty = true;
}

void LiveChart::removeRun(const QString &runId)
{
    if (!m_runs.remove(runId))
        return;
    m_runOrder.removeAll(runId);
    // Its lines go; a chart of a metric no run left has goes too.
    QSet<QString> names;
    for (const Run &r : std::as_const(m_runs)) {
        for (const auto &[name, buffer] : r.metrics)
            names.insert(name);
    }
    for (auto it = m_charts.begin(); it != m_charts.end();) {
        it.value()->removeSeries(runId);
        if (names.contains(it.key())) {
            ++it;
            continue;
        }
        m_pending.removeAll(it.key());
        delete it.value();
        it = m_charts.erase(it);
    }
    rebuildLayout();
    m_dirty = true;
}

void LiveChart::clear()
{
    m_runs.clear();
    m_runOrder.clear();
    for (MetricChart *chart : std::as_const(m_charts))
        delete chart;
    m_charts.clear();
    m_dirty = m_forceRedraw = true;
    refreshNow();
}

void LiveChart::appendPoint(const QString &runId, const QString &metric, const MetricPoint &point)
{
    run(runId).metrics[metric].append(point);
    m_dirty = true;
}

void LiveChart::appendPoints(const QString &runId, const QString &metric, const QList<MetricPoint> &points)
{
    MetricBuffer &buffer = run(runId).metrics[metric];
    for (const MetricPoint &point : points)
        buffer.append(point);
    m_dirty = true;
}

void LiveChart::setBuffer(const QString &runId, const QString &metric, MetricBuffer buffer)
{
    run(runId).metrics[metric] = std::move(buffer);
    m_dirty = true;
}

MetricBuffer *LiveChart::mutableBuffer(const QString &runId, const QString &metric)
{
    auto it = m_runs.find(runId);
    return it == m_runs.end() ? nullptr : &it->metrics[metric];
}

const MetricBuffer *LiveChart::buffer(const QString &runId, const QString &metric) const
{
    auto it = m_runs.constFind(runId);
    if (it == m_runs.constEnd())
        return nullptr;
    auto found = it->metrics.find(metric);
    return found == it->metrics.end() ? nullptr : &found->second;
}

void LiveChart::setOptions(const ChartOptions &options)
{
    m_xAxis->setCurrentIndex(int(options.xAxis)); // the combo's items follow ChartOptions::XAxis
    m_logScale->setChecked(options.logScale);
    m_smoothing->setValue(int(std::round(options.smoothing * 100)));
    controlsChanged();
}

void LiveChart::controlsChanged()
{
    m_options.xAxis = ChartOptions::XAxis(std::max(0, m_xAxis->currentIndex()));
    m_options.logScale = m_logScale->isChecked();
    m_options.smoothing = m_smoothing->value() / 100.0;
    m_smoothingValue->setText(QString::number(m_options.smoothing, 'f', 2));
    m_dirty = m_forceRedraw = true;
}

QStringList LiveChart::orderMetrics(QStringList names)
{
    std::sort(names.begin(), names.end(), [](const QString &a, const QString &b) {
        auto rank = [](const QString &n) {
            if (n.compare(u"Loss", Qt::CaseInsensitive) == 0)
                return 0;
            if (n.compare(u"Accuracy", Qt::CaseInsensitive) == 0)
                return 1;
            return 2;
        };
        const int ra = rank(a);
        const int rb = rank(b);
        return ra != rb ? ra < rb : a.compare(b, Qt::CaseInsensitive) < 0;
    });
    return names;
}

QStringList LiveChart::chartNames() const
{
    return orderMetrics(m_charts.keys());
}

void LiveChart::refreshNow()
{
    m_dirty = true;
    drawFrame(true);
}

void LiveChart::frame()
{
    // Hidden (another tab in front): a frame now and then keeps the charts near current at a fraction of the cost.
    if (!isVisible() && ++m_hiddenFrames % kHiddenFrameEvery != 0)
        return;
    drawFrame(false);
}

void LiveChart::drawFrame(bool all)
{
    if (m_dirty && m_pending.isEmpty()) {
        m_dirty = false;
        // A metric with two or more points in some run gets a chart (and keeps it while a run has the metric). One
        // new chart per frame: a chart (a QChart with its axes and legend) takes milliseconds to build and lay out,
        // and a run that starts logging ten metrics stalled the window for all ten at once (runs-scale).
        bool newChart = false;
        for (const QString &id : std::as_const(m_runOrder)) {
            for (const auto &[name, buffer] : m_runs[id].metrics) {
                if (buffer.size() >= 2 && !m_charts.contains(name)) {
                    if (newChart && !all) {
                        m_dirty = true; // the next one in the next frame
                        break;
                    }
                    auto *chart = new MetricChart(name, m_chartArea);
                    connect(chart, &MetricChart::hovered, m_hover, &QLabel::setText);
                    connect(chart, &MetricChart::viewChanged, this, [this] { m_dirty = true; });
                    m_charts.insert(name, chart);
                    newChart = true;
                }
            }
        }
        if (newChart)
            rebuildLayout();
        if (m_forceRedraw) {
            for (MetricChart *chart : std::as_const(m_charts))
                chart->invalidate();
            m_forceRedraw = false;
        }
        m_pending = chartNames();
        if (m_pending.isEmpty()) {
            updateScalars();
            m_empty->setVisible(m_charts.isEmpty() && m_scalars->rowCount() == 0);
            return;
        }
    }
    if (m_pending.isEmpty())
        return;
    // Each chart draws its lines' new points at once; lines to decimate from scratch (a load, new columns, other
    // options) wait for the next event once the budget is spent.
    const QDeadlineTimer deadline(all ? QDeadlineTimer(QDeadlineTimer::Forever) : QDeadlineTimer(kFrameBudgetMs));
    while (!m_pending.isEmpty()) {
        if (!all && deadline.hasExpired()) {
            if (!m_continuing) {
                m_continuing = true;
                QTimer::singleShot(0, this, [this] {
                    m_continuing = false;
                    drawFrame(false);
                });
            }
            return;
        }
        MetricChart *chart = m_charts.value(m_pending.constFirst());
        if (!chart) {
            m_pending.removeFirst();
            continue;
        }
        QList<ChartSource> sources;
        for (const QString &id : std::as_const(m_runOrder)) {
            const Run &r = m_runs[id];
            auto it = r.metrics.find(chart->metric());
            if (it != r.metrics.end())
                sources.append(ChartSource{id, r.label, r.color, &it->second});
        }
        if (chart->refreshUntil(sources, m_options, deadline))
            m_pending.removeFirst();
    }
    updateScalars();
    m_empty->setVisible(m_charts.isEmpty() && m_scalars->rowCount() == 0);
    if (all && m_dirty)
        drawFrame(true); // what came in meanwhile, too
}

void LiveChart::rebuildLayout()
{
    const QStringList names = chartNames();
    const int columns = names.size() > 1 ? 2 : 1;
    for (int c = 0; c < 2; ++c)
        m_grid->setColumnStretch(c, c < columns ? 1 : 0); // equal columns, whatever a chart's legend asks for
    for (int i = 0; i < names.size(); ++i) {
        MetricChart *chart = m_charts.value(names[i]);
        chart->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
        chart->setMinimumWidth(280);
        m_grid->removeWidget(chart);
        m_grid->addWidget(chart, i / columns, i % columns);
        chart->show();
    }
}

void LiveChart::updateScalars()
{
    // Metrics with exactly one point in every run that has them: a table, one column per run.
    QStringList names;
    for (const QString &id : std::as_const(m_runOrder)) {
        for (const auto &[name, buffer] : m_runs[id].metrics) {
            if (!m_charts.contains(name) && buffer.size() == 1 && !names.contains(name))
                names.append(name);
        }
    }
    names.sort(Qt::CaseInsensitive);
    m_scalars->setVisible(!names.isEmpty());
    if (names.isEmpty()) {
        m_scalars->setRowCount(0);
        return;
    }
    m_scalars->setColumnCount(int(m_runOrder.size()));
    QStringList headers;
    for (const QString &id : std::as_const(m_runOrder))
        headers.append(m_runs[id].label);
    m_scalars->setHorizontalHeaderLabels(headers);
    m_scalars->setRowCount(int(names.size()));
    m_scalars->setVerticalHeaderLabels(names);
    for (int row = 0; row < names.size(); ++row) {
        for (int column = 0; column < m_runOrder.size(); ++column) {
            const MetricBuffer *b = buffer(m_runOrder[column], names[row]);
            const QString text = b && b->size() > 0 ? QString::number(b->lastValue(), 'g', 6) : QString();
            QTableWidgetItem *item = m_scalars->item(row, column);
            if (!item) {
                item = new QTableWidgetItem;
                m_scalars->setItem(row, column, item);
            }
            item->setText(text);
        }
    }
    m_scalars->setFixedHeight(m_scalars->horizontalHeader()->height() + 8 +
                              int(names.size()) * m_scalars->verticalHeader()->defaultSectionSize());
}

} // namespace mldesk::ui
