// sweep-overhead: what a sweep costs beside its trials (issue 16) - a 40-trial random sweep of a trivial script on
// the local CPU, 4 at a time. Prints the scheduler overhead per trial (a child ends -> the next child is Running,
// from the store's state history; target median <= 100 ms) and the controller's decision time per pass (target
// <= 10 ms). Not a test: build/bench/sweep-overhead [trials] [poll-ms] (poll-ms: the run service's and the
// controller's safety-net timers; default 250, the shipped value: both wake on a run's end and submission). Needs
// python3 and mldesk-supervisor (MLDESK_SUPERVISOR).
#include "core/runs/RunService.h"
#include "core/runs/RunStore.h"
#include "core/sweeps/SweepService.h"
#include "core/sweeps/SweepStore.h"
#include "core/workspace/Workspace.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace Qt::StringLiterals;
using namespace mldesk::core;

namespace {

double percentile(QList<double> v, double p)
{
    if (v.isEmpty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(qsizetype(p * double(v.size())), v.size() - 1)];
}

qint64 stateAt(const RunRecord &run, RunState state)
{
    for (const RunStateChange &c : run.history)
        if (c.state == state)
            return c.at.toMSecsSinceEpoch();
    return 0;
}

qint64 runningAt(const RunRecord &run)
{
    return stateAt(run, RunState::Running);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int trials = argc > 1 ? std::max(8, atoi(argv[1])) : 40;
    const int pollMs = argc > 2 ? std::max(10, atoi(argv[2])) : 250;
    const int concurrent = 4;
    QTemporaryDir dir;
    auto ws = Workspace::create(dir.filePath(u"ws"_s), u"bench"_s);
    QDir().mkpath(dir.filePath(u"src"_s));
    QFile script(dir.filePath(u"src/trial.py"_s));
    script.open(QIODevice::WriteOnly);
    script.write("import sys\nfrom mldesk import Run\nRun.get_context().log('score', float(sys.argv[2]))\n");
    script.close();
    const QString yaml = u"trial:\n  source: src\n  script: trial.py\n  experiment: bench\n"
                         u"  environment: System-Python\n  arguments: [--x, '${{search_space.x}}']\n"
                         u"search_space:\n  x: {type: uniform, min_value: 0, max_value: 1}\n"
                         u"sampling_algorithm: {type: random, seed: 1}\n"
                         u"objective: {primary_metric: score, goal: maximize}\n"
                         u"limits: {max_total_trials: %1, max_concurrent_trials: %2}\n"_s.arg(trials)
                             .arg(concurrent);
    const RunRecord parent = SweepStore(*ws).create(SweepSpec::parse(yaml, dir.path()), yaml);

    RunServiceOptions options;
    options.gpus = QList<int>{};
    options.cpuSlots = concurrent;
    options.pollIntervalMs = pollMs;
    RunService runs(*ws, options);
    SweepService::Options sweepOptions;
    sweepOptions.pollIntervalMs = pollMs;
    SweepService controller(ws->path(), sweepOptions);
    // As `sweep submit --wait` and the sweep agent wire them: a child's end wakes the controller, its new trial
    // wakes the scheduler (the timers are only the safety net).
    QObject::connect(&runs, &RunService::runEnded, &controller, [&controller] { controller.wake(); });
    QObject::connect(&controller, &SweepService::trialsSubmitted, &runs, [&runs] { runs.wake(); });
    QList<double> decisionsMs, submitMs;
    QEventLoop loop;
    QObject::connect(&controller, &SweepService::stepped, &loop, [&](int, qint64 decision, qint64 submit) {
        decisionsMs.append(double(decision) / 1000.0);
        if (submit > 0)
            submitMs.append(double(submit) / 1000.0);
    });
    QTimer check;
    RunStore store(ws->database());
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (isTerminal(store.get(parent.uid).state))
            loop.quit();
    });
    check.start(100);
    QElapsedTimer wall;
    wall.start();
    runs.start();
    controller.start();
    loop.exec();

    // The k-th child to end frees the slot the (concurrent + k)-th child takes.
    QList<RunRecord> children;
    for (const RunRecord &c : store.children(parent.id))
        children.append(*store.findById(c.id));
    QList<RunRecord> byEnd = children;
    std::sort(byEnd.begin(), byEnd.end(), [](const RunRecord &a, const RunRecord &b) { return a.ended < b.ended; });
    // Where the time goes: the job's end -> its run ended in the store (finalized) -> the next trial submitted ->
    // claimed (Preparing) -> Running.
    QList<double> overhead, finalizing, deciding, claiming, starting;
    for (int k = 0; k + concurrent < children.size(); ++k) {
        const RunRecord &ended = byEnd[k];
        const RunRecord &next = children[k + concurrent];
        const qint64 end = ended.ended.toMSecsSinceEpoch();
        const qint64 finalized = stateAt(ended, ended.state);
        overhead.append(double(runningAt(next) - end));
        finalizing.append(double(finalized - end));
        deciding.append(double(next.created.toMSecsSinceEpoch() - finalized));
        claiming.append(double(stateAt(next, RunState::Preparing) - next.created.toMSecsSinceEpoch()));
        starting.append(double(runningAt(next) - stateAt(next, RunState::Preparing)));
    }
    std::printf("sweep-overhead: %d trials, %d at a time, poll %d ms, sweep %s in %.1f s\n", int(children.size()),
                concurrent, pollMs, qPrintable(runStateName(store.get(parent.uid).state)), wall.elapsed() / 1000.0);
    std::printf("  scheduler overhead per trial (child end -> next child Running): median %.0f ms, p90 %.0f ms, "
                "max %.0f ms (target median <= 100 ms)\n",
                percentile(overhead, 0.5), percentile(overhead, 0.9), percentile(overhead, 1.0));
    std::printf("    medians: job end -> run ended in the store %.0f ms, -> next trial submitted %.0f ms, -> claimed "
                "%.0f ms, -> Running %.0f ms\n",
                percentile(finalizing, 0.5), percentile(deciding, 0.5), percentile(claiming, 0.5),
                percentile(starting, 0.5));
    std::printf("  controller decisions per pass: median %.2f ms, p99 %.2f ms, max %.2f ms over %d passes (target "
                "<= 10 ms)\n",
                percentile(decisionsMs, 0.5), percentile(decisionsMs, 0.99), percentile(decisionsMs, 1.0),
                int(decisionsMs.size()));
    std::printf("  submitting children (validation + snapshot), per pass that submitted: median %.2f ms, max %.2f "
                "ms over %d passes\n",
                percentile(submitMs, 0.5), percentile(submitMs, 1.0), int(submitMs.size()));
    return 0;
}
