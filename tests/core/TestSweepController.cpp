// TestSweepController: sweeps end to end with real python3 children under mldesk-supervisor - early termination
// stops a poor child (Canceled, the policy and its numbers in the note), limits hold and no trial is launched
// twice when a second controller takes over from one that died, a primary metric no child logs fails the sweep,
// bad input records nothing, and bayesian sampling runs through Optuna (issue 16). Trials take their sweep's
// priority, also after run set-priority changed it mid-sweep (issue 12 item 1).
#include "RunTestSupport.h"

#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/sweeps/OptunaSampler.h"
#include "core/sweeps/SweepController.h"
#include "core/sweeps/SweepService.h"
#include "core/sweeps/SweepStore.h"
#include "core/workspace/WorkspaceError.h"

#include <QSet>
#include <QStandardPaths>
#include <QtTest>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestSweepController final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_src;
    std::unique_ptr<Workspace> m_ws;
    std::unique_ptr<RunService> m_runs;

    QString sweepYaml(const QString &body) const
    {
        return u"trial:\n  source: %1\n  script: trial.py\n  experiment: sweeps\n  environment: System-Python\n"_s.arg(
                   m_src) +
               body;
    }

    RunRecord submit(const QString &yaml)
    {
        return SweepStore(*m_ws).create(SweepSpec::parse(yaml, m_dir.path()), yaml);
    }

    RunRecord waitForEnd(const QString &uid, int timeoutMs = 240000)
    {
        RunStore store(m_ws->database());
        [&] {
            QTRY_VERIFY_WITH_TIMEOUT(isTerminal(store.get(uid).state), timeoutMs);
        }();
        return store.get(uid);
    }

private slots:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(u"python3"_s).isEmpty())
            QSKIP("python3 is not installed");
        m_ws = Workspace::create(m_dir.filePath(u"ws"_s), u"sweeps"_s);
        m_src = m_dir.filePath(u"src"_s);
        // A good trial (quality > 0.5) logs three rising values and ends; a poor one keeps logging low values
        // (for minutes) until something stops it.
        writeText(m_src + u"/trial.py"_s,
                  u"import argparse, time\nfrom mldesk import Run\n"
                  u"p = argparse.ArgumentParser()\np.add_argument('--quality', type=float)\n"
                  u"p.add_argument('--x', type=float, default=0)\np.add_argument('--metric', default='Accuracy')\n"
                  u"a = p.parse_args()\nrun = Run.get_context()\n"
                  u"steps = 3 if a.quality > 0.5 else 3000\n"
                  u"for i in range(steps):\n"
                  u"    run.log(a.metric, a.quality * min(i + 1, 3) / 3 - a.x * a.x)\n"
                  u"    if steps > 3:\n        time.sleep(0.1)\n"_s);
        RunServiceOptions options;
        options.gpus = QList<int>{};
        options.cpuSlots = 2;
        m_runs = std::make_unique<RunService>(*m_ws, options);
        m_runs->start();
    }

    void earlyTerminationStopsThePoorChild()
    {
        SweepService controller(m_ws->path(), {100, {}});
        controller.start();
        const RunRecord parent =
            submit(sweepYaml(u"  arguments: [--quality, '${{search_space.quality}}']\n"
                             u"search_space:\n  quality: {type: choice, values: [0.9, 0.1]}\n"
                             u"sampling_algorithm: grid\nobjective: {primary_metric: Accuracy, goal: maximize}\n"
                             u"limits: {max_concurrent_trials: 1}\n"
                             u"early_termination: {type: bandit, evaluation_interval: 1, slack_factor: 0.1}\n"_s));
        const RunRecord done = waitForEnd(parent.uid);
        QCOMPARE(done.state, RunState::Completed);
        const QList<RunRecord> children = RunStore(m_ws->database()).children(parent.id);
        QCOMPARE(children.size(), 2);
        QCOMPARE(children[0].state, RunState::Completed);
        QCOMPARE(children[0].hyperparameters, (QJsonObject{{u"quality"_s, 0.9}}));
        QCOMPARE(children[0].parentUid, parent.uid);
        QCOMPARE(children[1].state, RunState::Canceled);
        // The note is written once the child has ended (its watcher clears the note when it finalizes).
        QTRY_VERIFY_WITH_TIMEOUT(!RunStore(m_ws->database()).get(children[1].uid).note.isEmpty(), 20000);
        const QString note = RunStore(m_ws->database()).get(children[1].uid).note;
        QVERIFY2(
            note.startsWith(u"stopped by BanditPolicy(slack_factor=0.1, evaluation_interval=1, "
                            u"delay_evaluation=0) at interval 1: Accuracy 0.0333333 < 0.272727 = best 0.3 (trial 0) / "
                            u"(1 + 0.1)"_s),
            qPrintable(note));
        // The run service never treats the parent as a job of its own.
        for (const RunRecord &r : RunStore(m_ws->database()).active())
            QVERIFY(!r.isSweep());
    }

    void trialsTakeTheSweepsPriority()
    {
        const RunRecord parent =
            submit(sweepYaml(u"  arguments: [--quality, '${{search_space.quality}}']\n"
                             u"search_space:\n  quality: {type: choice, values: [0.9, 0.8, 0.7]}\n"
                             u"sampling_algorithm: grid\nobjective: {primary_metric: Accuracy, goal: maximize}\n"
                             u"limits: {max_concurrent_trials: 1}\nqueue_settings: {priority: high}\n"_s));
        RunStore store(m_ws->database());
        QCOMPARE(store.get(parent.uid).priority, kRunPriorityHigh);
        SweepController controller(*m_ws, SweepControllerOptions{600000, 0, u"prio"_s});
        controller.step();
        QCOMPARE(store.children(parent.id).size(), 1);
        QCOMPARE(store.children(parent.id).constFirst().priority, kRunPriorityHigh);
        // The sweep's priority changes: the trials submitted from now on take the new one.
        QCOMPARE(store.setPriority(parent.uid, kRunPriorityLow).priority, kRunPriorityLow);
        QTRY_VERIFY_WITH_TIMEOUT((controller.step(), isTerminal(store.get(parent.uid).state)), 240000);
        const QList<RunRecord> children = store.children(parent.id);
        QCOMPARE(children.size(), 3);
        QCOMPARE(children[1].priority, kRunPriorityLow);
        QCOMPARE(children[2].priority, kRunPriorityLow);
        // An ended sweep's priority no longer changes.
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, store.setPriority(parent.uid, kRunPriorityHigh));
    }

    // Cancel through the run service (what the GUI's Cancel Sweep and Cancel Run post to its thread): the parent,
    // which has no process, is only marked; its controller cancels the running trial and ends the sweep Canceled.
    void runServiceCancelOfASweepGoesThroughItsController()
    {
        const RunRecord parent =
            submit(sweepYaml(u"  arguments: [--quality, '${{search_space.quality}}']\n"
                             u"search_space:\n  quality: {type: choice, values: [0.1, 0.2]}\n"
                             u"sampling_algorithm: grid\nobjective: {primary_metric: Accuracy, goal: maximize}\n"
                             u"limits: {max_concurrent_trials: 1}\n"_s));
        RunStore store(m_ws->database());
        SweepController controller(*m_ws, SweepControllerOptions{600000, 0, u"cancel"_s});
        controller.step();
        QCOMPARE(store.children(parent.id).size(), 1);
        const QString trial = store.children(parent.id).constFirst().uid;
        QTRY_COMPARE_WITH_TIMEOUT(store.get(trial).state, RunState::Running, 60000); // the poor trial logs for minutes
        m_runs->cancel(parent.uid);
        QVERIFY(store.get(parent.uid).cancelRequested);
        QCOMPARE(store.get(parent.uid).state, RunState::Running); // no backend was asked to stop the parent
        QTRY_VERIFY_WITH_TIMEOUT((controller.step(), isTerminal(store.get(parent.uid).state)), 120000);
        QCOMPARE(store.get(parent.uid).state, RunState::Canceled);
        QTRY_COMPARE_WITH_TIMEOUT(store.get(trial).state, RunState::Canceled, 60000);
        QCOMPARE(store.children(parent.id).size(), 1);                        // the second trial never started
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, m_runs->cancel(parent.uid)); // ended: nothing to cancel
    }

    void limitsHoldAndNoTrialRunsTwiceAfterTakeover()
    {
        const RunRecord parent = submit(sweepYaml(
            u"  arguments: [--quality, '0.9', --x, '${{search_space.x}}']\n"
            u"search_space:\n  x: {type: uniform, min_value: -1, max_value: 1}\n"
            u"sampling_algorithm: {type: random, seed: 5}\nobjective: {primary_metric: Accuracy, goal: maximize}\n"
            u"limits: {max_total_trials: 5, max_concurrent_trials: 2}\n"_s));
        RunStore store(m_ws->database());
        auto first = std::make_unique<SweepController>(*m_ws, SweepControllerOptions{600000, 0, u"first"_s});
        first->step();
        QCOMPARE(store.children(parent.id).size(), 2);
        first.reset(); // dies holding its lease (as under kill -9)
        SweepController second(*m_ws, SweepControllerOptions{600000, 0, u"second"_s});
        second.step();
        QCOMPARE(store.children(parent.id).size(), 2); // the first one's lease still runs
        m_ws->database().exec(u"UPDATE sweep_leases SET lease_until = 0 WHERE run_id = ?"_s, {parent.id});
        QTRY_VERIFY_WITH_TIMEOUT((second.step(), isTerminal(store.get(parent.uid).state)), 240000);
        QCOMPARE(store.get(parent.uid).state, RunState::Completed);
        const QList<RunRecord> children = store.children(parent.id);
        QCOMPARE(children.size(), 5);
        const SweepSpec spec = SweepStore::specOf(parent);
        QList<QPair<qint64, int>> edges; // (time, +1 created / -1 ended): never more than 2 at once
        for (int i = 0; i < children.size(); ++i) {
            QCOMPARE(children[i].trialIndex.value_or(-1), i);
            QCOMPARE(children[i].hyperparameters, spec.space.randomPoint(5, i)); // seeded: reproducible
            QCOMPARE(children[i].state, RunState::Completed);
            edges.append({children[i].created.toMSecsSinceEpoch(), +1});
            edges.append({children[i].ended.toMSecsSinceEpoch(), -1});
        }
        std::sort(edges.begin(), edges.end()); // at equal times an end (-1) sorts before a start
        int live = 0, most = 0;
        for (const auto &e : edges)
            most = std::max(most, live += e.second);
        QCOMPARE(most, 2);
        // The database refuses a second child for a trial, whoever asks.
        RunRequest again = spec.requestFor(children[0].hyperparameters);
        again.parentRunId = parent.id;
        again.trialIndex = 0;
        QVERIFY_THROWS_EXCEPTION(std::exception, m_runs->submit(again));
        QCOMPARE(store.children(parent.id).size(), 5);
    }

    void primaryMetricNeverLoggedFailsTheSweep()
    {
        SweepService controller(m_ws->path(), {100, {}});
        controller.start();
        const RunRecord parent =
            submit(sweepYaml(u"  arguments: [--quality, '${{search_space.quality}}', --metric, acc]\n"
                             u"search_space:\n  quality: {type: choice, values: [0.9, 0.8, 0.7]}\n"
                             u"sampling_algorithm: grid\nobjective: {primary_metric: Accuracy, goal: maximize}\n"_s));
        const RunRecord done = waitForEnd(parent.uid);
        QCOMPARE(done.state, RunState::Failed);
        QVERIFY2(done.failureReason.contains(u"completed without logging the primary metric 'Accuracy' (it logged: "
                                             u"acc)"_s),
                 qPrintable(done.failureReason));
        QCOMPARE(RunStore(m_ws->database()).children(parent.id).size(), 1); // concurrency 1: nothing more started
    }

    void badTrialRecordsNothing()
    {
        const int before = int(RunStore(m_ws->database()).list().size());
        try {
            submit(u"trial:\n  source: %1\n  script: missing.py\n  experiment: sweeps\n  environment: No-Such\n"
                   u"  arguments: ['${{search_space.q}}']\nsearch_space:\n  q: {type: choice, values: [1]}\n"
                   u"sampling_algorithm: grid\nobjective: {primary_metric: Accuracy, goal: maximize}\n"_s.arg(m_src));
            QFAIL("submitted");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().startsWith(u"cannot submit the sweep: trial: "_s), qPrintable(e.message()));
            QVERIFY2(e.message().contains(u"missing.py"_s) && e.message().contains(u"No-Such"_s),
                     qPrintable(e.message()));
        }
        QCOMPARE(int(RunStore(m_ws->database()).list().size()), before);
    }

    void bayesianRunsThroughOptuna()
    {
        if (const QString missing = OptunaSampler::unavailableReason(); !missing.isEmpty())
            QSKIP(qPrintable(missing));
        SweepService controller(m_ws->path(), {100, {}});
        controller.start();
        const RunRecord parent = submit(sweepYaml(
            u"  arguments: [--quality, '0.9', --x, '${{search_space.x}}']\n"
            u"search_space:\n  x: {type: uniform, min_value: -1, max_value: 1}\n"
            u"sampling_algorithm: {type: bayesian, seed: 3}\nobjective: {primary_metric: Accuracy, goal: maximize}\n"
            u"limits: {max_total_trials: 3, max_concurrent_trials: 1}\n"_s));
        const RunRecord done = waitForEnd(parent.uid);
        QVERIFY2(done.state == RunState::Completed, qPrintable(done.failureReason));
        const QList<RunRecord> children = RunStore(m_ws->database()).children(parent.id);
        QCOMPARE(children.size(), 3);
        for (const RunRecord &c : children) {
            const double x = c.hyperparameters.value(u"x"_s).toDouble(-5);
            QVERIFY2(x >= -1 && x <= 1, qPrintable(QString::number(x)));
        }
    }
};

QTEST_GUILESS_MAIN(TestSweepController)
#include "TestSweepController.moc"
