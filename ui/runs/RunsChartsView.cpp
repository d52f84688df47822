// RunsChartsView: the worker loads (store -> MetricBuffers, moved into the charts), the watermarks and the live feed.
#include "ui/runs/RunsChartsView.h"

#include "core/runs/RunServiceHost.h"
#include "core/store/Database.h"
#include "core/store/MetricChunks.h"
#include "ui/charts/LiveChart.h"

#include <QLabel>
#include <QSet>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <utility>

namespace mldesk::ui {

namespace {
constexpr int kRunsPerLoad = 8; // one worker task; its runs appear together
} // namespace

struct RunsChartsView::Loaded {
    QString uid;
    qint64 seq = 0;
    std::map<QString, MetricBuffer> metrics;
};

namespace {

// On the loader thread: every stored chunk of each run, by metric, ordered by step (numeric values only; images
// and other text entries are not charted), and the highest sequence number read.
QList<RunsChartsView::Loaded> loadRuns(const QString &file, const QList<RunsChartsView::RunRef> &runs,
                                       const std::shared_ptr<std::atomic_bool> &cancel)
{
    struct Columns {
        std::vector<double> steps, times, values;
    };
    QList<RunsChartsView::Loaded> out;
    std::unique_ptr<core::Database> db;
    try {
        db = core::Database::open(file);
    } catch (const std::exception &) {
        db.reset(); // the workspace went away: the runs show no points (and stop loading)
    }
    for (const RunsChartsView::RunRef &run : runs) {
        if (cancel->load())
            break;
        RunsChartsView::Loaded loaded;
        loaded.uid = run.uid;
        std::map<QString, Columns> byName;
        QList<core::MetricColumns> chunks;
        try {
            if (db)
                chunks = core::MetricChunks::chunksAfter(*db, run.id, 0);
        } catch (const std::exception &) {
            chunks.clear();
        }
        for (const core::MetricColumns &c : std::as_const(chunks)) {
            loaded.seq = std::max(loaded.seq, c.seq);
            Columns &columns = byName[c.name];
            for (qsizetype i = 0; i < c.size(); ++i) {
                if (std::isnan(c.values[i]))
                    continue;
                columns.steps.push_back(double(c.steps[i]));
                columns.times.push_back(c.times[i] / 1000.0);
                columns.values.push_back(c.values[i]);
            }
        }
        chunks.clear();
        for (auto &[name, columns] : byName) {
            if (!std::is_sorted(columns.steps.begin(), columns.steps.end())) {
                // Logged out of step order (a resumed run): the chart wants them by step.
                std::vector<size_t> order(columns.steps.size());
                std::iota(order.begin(), order.end(), size_t(0));
                std::stable_sort(order.begin(), order.end(),
                                 [&](size_t a, size_t b) { return columns.steps[a] < columns.steps[b]; });
                Columns sorted;
                for (size_t i : order) {
                    sorted.steps.push_back(columns.steps[i]);
                    sorted.times.push_back(columns.times[i]);
                    sorted.values.push_back(columns.values[i]);
                }
                columns = std::move(sorted);
            }
            MetricBuffer buffer;
            buffer.assign(std::move(columns.steps), std::move(columns.times), std::move(columns.values));
            loaded.metrics.emplace(name, std::move(buffer));
        }
        out.append(std::move(loaded));
    }
    return out;
}

} // namespace

RunsChartsView::RunsChartsView(QWidget *parent) : QWidget(parent), m_cancel(std::make_shared<std::atomic_bool>(false))
{
    setObjectName(QStringLiteral("runsChartsView"));
    m_pool.setMaxThreadCount(1);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("chartsStatusLabel"));
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_chart = new LiveChart;
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->addWidget(m_status);
    layout->addWidget(m_chart, 1);
    updateStatus();
}

RunsChartsView::~RunsChartsView()
{
    m_cancel->store(true);
    m_pool.waitForDone();
}

void RunsChartsView::setSource(const QString &databaseFile, core::RunServiceHost *service)
{
    if (m_service)
        disconnect(m_service, nullptr, this, nullptr);
    m_cancel->store(true); // loads of the previous workspace are dropped
    m_cancel = std::make_shared<std::atomic_bool>(false);
    m_databaseFile = databaseFile;
    m_service = service;
    m_shown.clear();
    m_order.clear();
    m_chart->clear();
    if (service) {
        connect(service, &core::RunServiceHost::metricsAppended, this, &RunsChartsView::addMetrics);
        connect(service, &QObject::destroyed, this, [this] { m_service = nullptr; });
    }
    updateStatus();
}

void RunsChartsView::setRuns(const QList<RunRef> &runs, const QString &what, int total)
{
    m_what = what;
    m_total = total < 0 ? int(runs.size()) : total;
    QSet<QString> wanted;
    for (const RunRef &run : runs)
        wanted.insert(run.uid);
    for (const QString &uid : std::as_const(m_order)) {
        if (!wanted.contains(uid)) {
            m_shown.remove(uid);
            m_chart->removeRun(uid);
        }
    }
    m_order.clear();
    QList<RunRef> toLoad;
    for (const RunRef &run : runs) {
        if (m_order.contains(run.uid))
            continue;
        m_order.append(run.uid);
        m_chart->addRun(run.uid, run.label); // relabels a shown run
        if (m_shown.contains(run.uid))
            continue;
        Shown shown;
        shown.id = run.id;
        m_shown.insert(run.uid, shown);
        toLoad.append(run);
    }
    startLoad(toLoad);
    updateStatus();
    if (!isLoading())
        emit loaded();
}

void RunsChartsView::startLoad(const QList<RunRef> &runs)
{
    if (m_databaseFile.isEmpty())
        return;
    for (qsizetype start = 0; start < runs.size(); start += kRunsPerLoad) {
        const QList<RunRef> batch = runs.mid(start, kRunsPerLoad);
        const quint64 token = m_nextToken++;
        for (const RunRef &run : batch)
            m_shown[run.uid].loadToken = token;
        const QString file = m_databaseFile;
        const std::shared_ptr<std::atomic_bool> cancel = m_cancel;
        // Posted back with invokeMethod: the destructor waits for the pool, so `this` outlives every task, and
        // events still queued for it die with it.
        m_pool.start([this, file, batch, cancel, token] {
            auto result = std::make_shared<QList<Loaded>>(loadRuns(file, batch, cancel));
            if (cancel->load())
                return;
            QMetaObject::invokeMethod(
                this, [this, token, result] { adopt(token, *result); }, Qt::QueuedConnection);
        });
    }
}

void RunsChartsView::adopt(quint64 token, QList<Loaded> &runs)
{
    for (Loaded &loaded : runs) {
        auto it = m_shown.find(loaded.uid);
        if (it == m_shown.end() || it->loadToken != token)
            continue; // no longer shown, or shown again by a later load
        for (auto &[name, buffer] : loaded.metrics)
            m_chart->setBuffer(loaded.uid, name, std::move(buffer));
        it->seq = loaded.seq;
        it->loadToken = 0;
        const QList<core::MetricPoint> early = std::exchange(it->early, {});
        append(loaded.uid, *it, early);
    }
    updateStatus();
    if (!isLoading())
        emit loaded();
}

bool RunsChartsView::isLoading() const
{
    return std::any_of(m_shown.cbegin(), m_shown.cend(), [](const Shown &shown) { return shown.loadToken != 0; });
}

void RunsChartsView::addMetrics(const QString &uid, const QList<core::MetricPoint> &points)
{
    auto it = m_shown.find(uid);
    if (it == m_shown.end())
        return;
    if (it->loadToken != 0) {
        it->early.append(points); // the load's watermark decides which of these it already holds
        return;
    }
    append(uid, *it, points);
}

void RunsChartsView::append(const QString &uid, Shown &shown, const QList<core::MetricPoint> &points)
{
    // A chunk at or below the watermark is already drawn (the load read it, or it came before).
    const qint64 held = shown.seq;
    bool any = false;
    for (const core::MetricPoint &p : points) {
        if (p.seq > 0 && p.seq <= held)
            continue;
        shown.seq = std::max(shown.seq, p.seq);
        if (std::isnan(p.value))
            continue;
        if (MetricBuffer *buffer = m_chart->mutableBuffer(uid, p.name)) {
            buffer->append(MetricPoint{double(p.step), p.timeMs / 1000.0, p.value});
            any = true;
        }
    }
    if (any)
        m_chart->touch();
}

void RunsChartsView::updateStatus()
{
    int loading = 0;
    for (const Shown &shown : std::as_const(m_shown))
        loading += shown.loadToken != 0;
    QString text;
    if (m_order.isEmpty())
        text = tr("No runs to chart: select runs in the table, or clear the filter.");
    else if (m_total > m_order.size())
        text = tr("The first %1 of %2 %3 runs").arg(m_order.size()).arg(m_total).arg(m_what);
    else
        text = tr("%n %1 run(s)", nullptr, int(m_order.size())).arg(m_what);
    if (loading > 0)
        text += tr(" \u00b7 loading %1\u2026").arg(loading);
    m_status->setText(text.simplified());
}

} // namespace mldesk::ui
