// TestRunScheduler: the run engine's scheduler (issue 12 item 1, issue 16) - CPU slots and the thread share each CPU
// run gets (the runs at once never oversubscribe the cores), and the wake-up: a queued run starts when the previous
// one ends, and a run submitted by another connection (another process) starts, with the safety-net poll set far
// beyond the test's timeout - so only the engine's own wake-ups (file watcher, RunEvents) can have started them.
// Real mldesk-supervisor and python3 processes; conditions only, never durations.
#include "RunTestSupport.h"

#include "core/runs/RunScheduler.h"
#include "core/runs/RunSubmitter.h"

#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

namespace {

constexpr int kNeverMs = 10 * 60 * 1000; // the poll: far beyond every wait below
constexpr int kWaitMs = 60000;

qint64 stateAt(const RunRecord &run, RunState state)
{
    for (const RunStateChange &c : run.history)
        if (c.state == state)
            return c.at.toMSecsSinceEpoch();
    return -1;
}

} // namespace

class TestRunScheduler final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Workspace> m_ws;
    QString m_src;

    RunServiceOptions cpuOptions(int cpuSlots, int cores)
    {
        RunServiceOptions options;
        options.gpus = QList<int>{};
        options.cpuSlots = cpuSlots;
        options.cpuCores = cores;
        options.pollIntervalMs = kNeverMs;
        return options;
    }

    // A job that logs the thread variables it was given, then waits until the test creates `go`.
    RunRequest waiter(const QString &go) { return scriptRequest(m_src, u"wait.py"_s, {go}); }

    double logged(RunService &service, const RunRecord &run, const QString &name)
    {
        const QList<MetricPoint> points = service.store().metrics(run.id, name);
        return points.isEmpty() ? -1 : points.constLast().value;
    }

    RunState stateOf(RunService &service, const QString &uid) { return service.store().get(uid).state; }

private slots:
    void initTestCase()
    {
        if (!runPartsPresent(m_dir))
            return;
        m_ws = Workspace::create(m_dir.filePath(u"ws"_s), u"sched"_s);
        m_src = m_dir.filePath(u"src"_s);
        writeText(m_src + u"/wait.py"_s,
                  u"import os, sys, time\nfrom mldesk import Run\nr = Run.get_context()\n"
                  u"for name in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'MLDESK_THREADS'):\n"
                  u"    r.log(name, int(os.environ.get(name, '0')))\n"
                  u"while not os.path.exists(sys.argv[1]):\n    time.sleep(0.02)\n"_s);
        writeText(m_src + u"/quick.py"_s, u"from mldesk import Run\nRun.get_context().log('x', 1)\n"_s);
    }

    void cpuThreadsPerRunSplitsTheCores()
    {
        QCOMPARE(RunScheduler::cpuThreadsPerRun(16, 4), 4);
        QCOMPARE(RunScheduler::cpuThreadsPerRun(8, 3), 2); // 3 x 2 <= 8: never more than the cores
        QCOMPARE(RunScheduler::cpuThreadsPerRun(2, 4), 1); // more slots than cores: one thread each
        QCOMPARE(RunScheduler::cpuThreadsPerRun(0, 0), 1);
        RunService service(*m_ws, cpuOptions(3, 12));
        QCOMPARE(service.localSlots(), (QStringList{u"cpu:0"_s, u"cpu:1"_s, u"cpu:2"_s}));
        QCOMPARE(service.scheduler().threadsFor(u"cpu:1"_s), 4);
        QCOMPARE(service.scheduler().threadsFor(u"gpu:0"_s), 0); // a GPU run's threads are left alone
    }

    void queuedRunStartsWhenThePreviousEnds()
    {
        const QString go = m_dir.filePath(u"go-one"_s);
        RunService service(*m_ws, cpuOptions(1, 4));
        service.start();
        QTRY_VERIFY(service.scheduler().passes() >= 1); // start()'s own pass is over: from here on, wake-ups only
        const RunRecord first = service.submit(waiter(go));
        const RunRecord second = service.submit(waiter(go));
        QTRY_VERIFY_WITH_TIMEOUT(stateOf(service, first.uid) == RunState::Running, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(logged(service, service.store().get(first.uid), u"MLDESK_THREADS"_s) >= 0, kWaitMs);
        // One slot, and the first run holds it until it ends.
        QCOMPARE(stateOf(service, second.uid), RunState::Queued);
        writeText(go, u"go"_s);
        const RunRecord a = waitForRunEnd(service, first.uid, kWaitMs);
        const RunRecord b = waitForRunEnd(service, second.uid, kWaitMs);
        QCOMPARE(a.state, RunState::Completed);
        QCOMPARE(b.state, RunState::Completed);
        QVERIFY(stateAt(b, RunState::Preparing) >= a.ended.toMSecsSinceEpoch()); // its slot came free first
        // The only CPU run at a time gets every core.
        for (const QString &name :
             {u"OMP_NUM_THREADS"_s, u"OPENBLAS_NUM_THREADS"_s, u"MKL_NUM_THREADS"_s, u"MLDESK_THREADS"_s}) {
            QCOMPARE(logged(service, a, name), 4.0);
            QCOMPARE(logged(service, b, name), 4.0);
        }
    }

    void cpuRunsShareTheCores()
    {
        const QString go = m_dir.filePath(u"go-two"_s);
        RunService service(*m_ws, cpuOptions(2, 4));
        service.start();
        QTRY_VERIFY(service.scheduler().passes() >= 1);
        QList<RunRecord> runs;
        for (int i = 0; i < 3; ++i)
            runs.append(service.submit(waiter(go)));
        QTRY_VERIFY_WITH_TIMEOUT(stateOf(service, runs[0].uid) == RunState::Running &&
                                     stateOf(service, runs[1].uid) == RunState::Running,
                                 kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(logged(service, runs[0], u"MLDESK_THREADS"_s) >= 0 &&
                                     logged(service, runs[1], u"MLDESK_THREADS"_s) >= 0,
                                 kWaitMs);
        QCOMPARE(stateOf(service, runs[2].uid), RunState::Queued); // both slots are taken
        // The two at once share the 4 cores: 2 threads each, never more than the machine has.
        QCOMPARE(logged(service, runs[0], u"OMP_NUM_THREADS"_s) + logged(service, runs[1], u"OMP_NUM_THREADS"_s), 4.0);
        QCOMPARE(logged(service, runs[0], u"OMP_NUM_THREADS"_s), 2.0);
        writeText(go, u"go"_s);
        QList<RunRecord> ended;
        for (const RunRecord &r : runs)
            ended.append(waitForRunEnd(service, r.uid, kWaitMs));
        for (const RunRecord &r : ended)
            QCOMPARE(r.state, RunState::Completed);
        QCOMPARE(logged(service, ended[2], u"OPENBLAS_NUM_THREADS"_s), 2.0);
        QVERIFY(stateAt(ended[2], RunState::Preparing) >=
                std::min(ended[0].ended.toMSecsSinceEpoch(), ended[1].ended.toMSecsSinceEpoch()));
        // The run's own system log says what it got.
        QFile log(ended[2].runDir + u"/logs/mldesk_system.txt"_s);
        QVERIFY(log.open(QIODevice::ReadOnly));
        QVERIFY(log.readAll().contains("2 CPU thread(s)"));
    }

    void runSubmittedElsewhereStartsAtOnce()
    {
        // Another process (here: another connection, without this service's submit) records a run: the beacon
        // (RunEvents) wakes the started service, whose poll would come only minutes later.
        RunService service(*m_ws, cpuOptions(1, 2));
        service.start();
        QTRY_VERIFY(service.scheduler().passes() >= 1);
        std::unique_ptr<Workspace> other = Workspace::open(m_ws->path());
        const RunRecord run = RunSubmitter(*other).submit(scriptRequest(m_src, u"quick.py"_s), 1 << 20);
        const RunRecord ended = waitForRunEnd(service, run.uid, kWaitMs);
        QCOMPARE(ended.state, RunState::Completed);
        QCOMPARE(service.store().metricCount(ended.id), qint64(1));
    }
};

QTEST_GUILESS_MAIN(TestRunScheduler)
#include "TestRunScheduler.moc"
