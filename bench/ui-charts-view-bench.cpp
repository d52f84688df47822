// ui-charts-view-bench (issue 17): the Runs pane's Charts view with R runs x N points of Loss and Accuracy in a
// real workspace.db (default 100 x 100,000): loaded through the view's worker, then live chunks for every run.
// What it measures is what a user feels: how long each event the GUI thread handles takes (a paint, a slice of a
// redraw, a loaded batch taken in), as p50 / p99 / max against the 16 ms budget - in wall time (which on a shared
// machine includes waiting for a core: say the load average beside it) and in the GUI thread's CPU time.
// Not a test: QT_QPA_PLATFORM=offscreen build/bench/ui-charts-view-bench [runs] [points] [live-seconds]
#include "core/experiments/ExperimentStore.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/store/MetricChunks.h"
#include "core/workspace/Workspace.h"
#include "ui/charts/LiveChart.h"
#include "ui/runs/RunsChartsView.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <utility>
#include <vector>

using namespace mldesk;

namespace {

// Every event the GUI thread handles (outermost only: a paint, a timer, a slice of a chart's redraw, a loaded batch
// adopted) is timed: the longest is the longest the window was unresponsive. Events are what a frame is made of
// here - the redraw goes on in the next event once its 8 ms budget is spent, and input is handled in between.
class TimedApp final : public QApplication {
public:
    using QApplication::QApplication;
    bool notify(QObject *receiver, QEvent *event) override
    {
        if (m_depth++ > 0) {
            const bool handled = QApplication::notify(receiver, event);
            --m_depth;
            return handled;
        }
        QElapsedTimer t;
        t.start();
        const double cpu0 = threadCpuMs();
        const bool handled = QApplication::notify(receiver, event);
        --m_depth;
        const double ms = t.nsecsElapsed() / 1e6;
        if (m_recording && ms > 0.05) { // not the trivial ones: they would only pull the median down
            m_events.push_back(ms);
            m_cpu.push_back(threadCpuMs() - cpu0);
        }
        if (m_recording && ms > 16 && qEnvironmentVariableIsSet("BENCH_SLOW"))
            std::printf("    slow: %.1f ms (cpu %.1f) %s type %d\n", ms, m_cpu.empty() ? 0.0 : m_cpu.back(),
                        receiver->metaObject()->className(), int(event->type()));
        return handled;
    }
    void record(bool on) { m_recording = on; }
    void print(const char *phase)
    {
        printOne(phase, "wall", std::exchange(m_events, {}));
        printOne(phase, "cpu", std::exchange(m_cpu, {}));
    }
    static void printOne(const char *phase, const char *clock, std::vector<double> v)
    {
        if (v.empty()) {
            std::printf("  %-5s no events\n", phase);
            return;
        }
        std::sort(v.begin(), v.end());
        auto at = [&](double q) {
            return v[std::min(v.size() - 1, size_t(q * double(v.size())))];
        };
        const auto over = size_t(std::count_if(v.begin(), v.end(), [](double ms) { return ms > 16; }));
        std::printf("  %-5s %-4s %5zu events  p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  over 16 ms: %zu (%s)\n", phase,
                    clock, v.size(), at(0.5), at(0.99), v.back(), over, v.back() <= 16 ? "budget met" : "MISSED");
    }
    // The GUI thread's own CPU time: what an event costs without the waits for a core other processes hold.
    static double threadCpuMs()
    {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
    }

private:
    int m_depth = 0;
    bool m_recording = false;
    std::vector<double> m_events;
    std::vector<double> m_cpu;
};

QString loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll()).section(u' ', 0, 2) : QStringLiteral("?");
}

core::MetricColumns series(const QString &name, qint64 from, qint64 count, double phase, qint64 t0)
{
    core::MetricColumns c;
    c.name = name;
    c.steps.reserve(count);
    c.values.reserve(count);
    c.times.reserve(count);
    for (qint64 i = from; i < from + count; ++i) {
        c.steps.append(i);
        const double noise = 0.05 * std::sin(i * 0.013 + phase) + (i % 9973 == 0 ? 0.5 : 0); // spikes survive
        c.values.append(name == u"Loss" ? 2.0 * std::exp(-double(i) / 30000.0) + noise : 0.9 - 0.4 * noise);
        c.times.append(t0 + i * 50);
    }
    return c;
}

} // namespace

int main(int argc, char **argv)
{
    TimedApp app(argc, argv);
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 100;
    const qint64 points = argc > 2 ? std::max(10, std::atoi(argv[2])) : 100'000;
    const int liveSeconds = argc > 3 ? std::max(1, std::atoi(argv[3])) : 5;
    std::printf("ui-charts-view-bench: %d runs x %lld points x 2 metrics, live %d s (load average %s)\n", runs,
                static_cast<long long>(points), liveSeconds, qPrintable(loadAverage()));

    QTemporaryDir dir;
    auto workspace = core::Workspace::create(dir.filePath(QStringLiteral("ws")), QStringLiteral("bench"));
    core::Database &db = workspace->database();
    QElapsedTimer setup;
    setup.start();
    const qint64 experiment = core::ExperimentStore(db).create(QStringLiteral("bench")).id;
    QList<ui::RunsChartsView::RunRef> refs;
    const qint64 t0 = 1'700'000'000'000;
    for (int r = 0; r < runs; ++r) {
        core::RunStore::NewRun row;
        row.uid = QStringLiteral("bench_%1").arg(r);
        row.experimentId = experiment;
        row.runDir = dir.filePath(row.uid);
        const qint64 id = core::RunStore(db).insert(row);
        db.writeTransaction([&] {
            core::MetricChunks::append(db, id,
                                       {series(QStringLiteral("Loss"), 0, points, r, t0),
                                        series(QStringLiteral("Accuracy"), 0, points, r, t0)});
        });
        refs.append({id, row.uid, QStringLiteral("run %1").arg(r)});
    }
    std::printf("  setup  %.1f s (the store written)\n", setup.elapsed() / 1000.0);

    ui::RunsChartsView view;
    view.setSource(db.filePath(), nullptr);
    view.resize(1400, 900);
    view.show();
    app.record(true);

    // Load: the view reads on its worker, adopts the buffers, decimates in slices, paints.
    QElapsedTimer load;
    load.start();
    view.setRuns(refs, QStringLiteral("selected"));
    while (view.isLoading() || view.chart()->isDrawing())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    const double loadMs = load.nsecsElapsed() / 1e6;
    QCoreApplication::processEvents();
    std::printf("  load   %.0f ms until every line was drawn\n", loadMs);
    app.print("load");

    // Live: every 100 ms each run logs 10 more steps of both metrics (1,000 runs-steps a second per metric), each
    // batch a chunk with the next sequence number, as RunServiceHost delivers them.
    std::vector<qint64> next(size_t(runs), points);
    std::vector<qint64> seq(size_t(runs), 1'000'000);
    QTimer feed;
    feed.setInterval(100);
    QObject::connect(&feed, &QTimer::timeout, &view, [&] {
        for (int r = 0; r < runs; ++r) {
            QList<core::MetricPoint> batch;
            ++seq[size_t(r)];
            for (const QString &name : {QStringLiteral("Loss"), QStringLiteral("Accuracy")}) {
                const core::MetricColumns c = series(name, next[size_t(r)], 10, r, t0);
                for (qsizetype i = 0; i < c.size(); ++i)
                    batch.append({name, c.steps[i], c.values[i], c.times[i], {}, seq[size_t(r)]});
            }
            next[size_t(r)] += 10;
            view.addMetrics(refs[r].uid, batch);
        }
    });
    feed.start();
    QElapsedTimer live;
    live.start();
    while (live.elapsed() < liveSeconds * 1000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    feed.stop();
    const mldesk::ui::MetricChart *loss = view.chart()->chart(QStringLiteral("Loss"));
    std::printf("  live   %lld points per run now; Loss chart: %lld lines, %d pixel columns\n",
                static_cast<long long>(next[0]), static_cast<long long>(loss ? loss->series().size() : 0),
                loss ? loss->columns() : 0);
    app.print("live");
    std::printf("  (load average after: %s)\n", qPrintable(loadAverage()));
    return 0;
}
