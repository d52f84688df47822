// TestRunScheduler: the run engine's scheduler (issue 12 item 1, issue 16) - CPU slots and the thread share each CPU
// run gets (the runs at once never oversubscribe the cores), and the wake-up: a queued run starts when the previous
// one ends, and a run submitted by another connection (another process) starts, with the safety-net poll set far
// beyond the test's timeout - so only the engine's own wake-ups (file watcher, RunEvents) can have started them.
// Priorities (issue 12 item 1): with one slot, queued runs start highest priority first with ties in submission
// order, set-priority reorders the queue, and a high-priority run waiting for a GPU does not hold back a CPU run.
// Real mldesk-supervisor and python3 processes; conditions only, never durations.
#include "RunTestSupport.h"

#include "core/runs/RunScheduler.h"
#include "core/runs/RunSubmitter.h"
#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

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

    // The runs in the order they were claimed (the Preparing entries of the history, in the store's own order).
    QStringList claimOrder(const QList<RunRecord> &runs)
    {
        QStringList order;
        QSqlQuery q = m_ws->database().exec(u"SELECT r.run_uid FROM run_state_history h JOIN runs r ON r.id = h.run_id"
                                            u" WHERE h.state = 'Preparing' ORDER BY h.id"_s);
        while (q.next())
            for (const RunRecord &r : runs)
                if (r.uid == q.value(0).toString())
                    order.append(r.displayName);
        return order;
    }

    RunRequest named(RunRequest request, const QString &name, int priority)
    {
        request.displayName = name;
        request.priority = priority;
        return request;
    }

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

    void queuedRunsStartInPriorityOrderWithTiesInSubmissionOrder()
    {
        // Recorded by another connection (another process) before any engine runs: the order can only come from
        // the store.
        std::unique_ptr<Workspace> other = Workspace::open(m_ws->path());
        RunSubmitter submitter(*other);
        QList<RunRecord> runs;
        for (const auto &[name, priority] : {std::pair{u"low"_s, kRunPriorityLow}, std::pair{u"normal-1"_s, 0},
                                             std::pair{u"high-1"_s, kRunPriorityHigh}, std::pair{u"normal-2"_s, 0},
                                             std::pair{u"high-2"_s, kRunPriorityHigh}, std::pair{u"top"_s, 1000}})
            runs.append(submitter.submit(named(scriptRequest(m_src, u"quick.py"_s), name, priority), 1 << 20));
        QCOMPARE(other->database().scalar(u"SELECT priority FROM runs WHERE run_uid = ?"_s, {runs[2].uid}).toInt(),
                 kRunPriorityHigh);
        RunService service(*m_ws, cpuOptions(1, 2)); // one slot: they run one at a time
        service.start();
        for (const RunRecord &r : runs)
            QCOMPARE(waitForRunEnd(service, r.uid, kWaitMs).state, RunState::Completed);
        QCOMPARE(claimOrder(runs),
                 (QStringList{u"top"_s, u"high-1"_s, u"high-2"_s, u"normal-1"_s, u"normal-2"_s, u"low"_s}));
    }

    void setPriorityReordersTheQueue()
    {
        const QString go = m_dir.filePath(u"go-reorder"_s);
        RunService service(*m_ws, cpuOptions(1, 2));
        service.start();
        const RunRecord blocker = service.submit(named(waiter(go), u"blocker"_s, 0));
        QTRY_VERIFY_WITH_TIMEOUT(stateOf(service, blocker.uid) == RunState::Running, kWaitMs);
        const RunRecord first = service.submit(named(scriptRequest(m_src, u"quick.py"_s), u"first"_s, 0));
        const RunRecord second = service.submit(named(scriptRequest(m_src, u"quick.py"_s), u"second"_s, 0));
        QCOMPARE(service.store().setPriority(second.uid, kRunPriorityHigh).priority, kRunPriorityHigh);
        // Only a queued run's priority changes: the running one's is refused, and left as it was.
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, service.store().setPriority(blocker.uid, kRunPriorityHigh));
        QCOMPARE(service.store().get(blocker.uid).priority, 0);
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, service.store().setPriority(first.uid, 1001));
        QCOMPARE(service.store().get(first.uid).priority, 0);
        writeText(go, u"go"_s);
        for (const RunRecord &r : {blocker, first, second})
            QCOMPARE(waitForRunEnd(service, r.uid, kWaitMs).state, RunState::Completed);
        QCOMPARE(claimOrder({blocker, first, second}), (QStringList{u"blocker"_s, u"second"_s, u"first"_s}));
        try {
            service.store().setPriority(first.uid, kRunPriorityLow);
            QFAIL("an ended run's priority changed");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(u"has already ended"_s), qPrintable(e.message()));
        }
    }

    void gpuWaitingRunDoesNotBlockACpuRun()
    {
        const QString go = m_dir.filePath(u"go-gpu"_s);
        RunServiceOptions options = cpuOptions(0, 2);
        options.gpus = QList<int>{0}; // one (pretend) GPU and one CPU slot beside it
        options.cpuSlotsBesideGpus = 1;
        RunService service(*m_ws, options);
        QCOMPARE(service.localSlots(), (QStringList{u"gpu:0"_s, u"cpu:0"_s}));
        service.start();
        RunRequest onGpu = named(waiter(go), u"gpu-holder"_s, 0);
        onGpu.device = RunRequest::Device::Gpu;
        const RunRecord holder = service.submit(onGpu);
        QTRY_VERIFY_WITH_TIMEOUT(stateOf(service, holder.uid) == RunState::Running, kWaitMs);
        QCOMPARE(service.store().get(holder.uid).device, u"gpu:0"_s);
        RunRequest urgent = named(scriptRequest(m_src, u"quick.py"_s), u"urgent-gpu"_s, kRunPriorityHigh);
        urgent.device = RunRequest::Device::Gpu;
        const RunRecord high = service.submit(urgent);
        RunRequest cpu = named(scriptRequest(m_src, u"quick.py"_s), u"cpu"_s, kRunPriorityLow);
        cpu.device = RunRequest::Device::Cpu;
        const RunRecord low = service.submit(cpu);
        // The low CPU run takes the free CPU slot and ends, while the high one waits for the GPU.
        const RunRecord lowEnded = waitForRunEnd(service, low.uid, kWaitMs);
        QCOMPARE(lowEnded.state, RunState::Completed);
        QCOMPARE(lowEnded.device, u"cpu:0"_s);
        QCOMPARE(stateOf(service, high.uid), RunState::Queued);
        writeText(go, u"go"_s);
        const RunRecord highEnded = waitForRunEnd(service, high.uid, kWaitMs);
        QCOMPARE(highEnded.state, RunState::Completed);
        QCOMPARE(highEnded.device, u"gpu:0"_s);
        QVERIFY(stateAt(highEnded, RunState::Preparing) >=
                waitForRunEnd(service, holder.uid, kWaitMs).ended.toMSecsSinceEpoch());
    }

    void gpuRunOnAMachineWithoutGpusSaysWhy()
    {
        RunService service(*m_ws, cpuOptions(1, 2));
        service.start();
        RunRequest request = named(scriptRequest(m_src, u"quick.py"_s), u"needs-gpu"_s, kRunPriorityHigh);
        request.device = RunRequest::Device::Gpu;
        const RunRecord gpu = service.submit(request);
        const RunRecord cpu = service.submit(named(scriptRequest(m_src, u"quick.py"_s), u"behind"_s, 0));
        QCOMPARE(waitForRunEnd(service, cpu.uid, kWaitMs).state, RunState::Completed); // not held back
        QTRY_VERIFY_WITH_TIMEOUT(service.store().get(gpu.uid).note.contains(u"waiting for a GPU"_s), kWaitMs);
        QCOMPARE(stateOf(service, gpu.uid), RunState::Queued);
        service.cancel(gpu.uid); // leave no queued run to the next test
        QCOMPARE(stateOf(service, gpu.uid), RunState::Canceled);
    }
};

QTEST_GUILESS_MAIN(TestRunScheduler)
#include "TestRunScheduler.moc"
