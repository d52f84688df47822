// TestRunCli: the `run` commands of the real mldesk-cli ($MLDESK_CLI) - submit --wait streaming and exit codes,
// three processes following one run each holding every point once (issue 12),
// submit without --wait (the agent finishes the run), list/show/metrics/files/download, cancel, and crash safety:
// the watching CLI killed with SIGKILL while the job runs, then a new process re-attaches and ingests everything
// exactly once. Priorities (issue 12 item 1): submit --priority, set-priority, and bad values refused with a message
// and nothing written.
#include "RunTestSupport.h"

#include "core/runs/LocalProcess.h"
#include "core/runs/RunStore.h"
#include "core/runs/RunSubmitter.h"

#include <QJsonArray>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestRunCli final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_cli = qEnvironmentVariable("MLDESK_CLI");
    QString m_ws;

    using Result = CliResult;

    Result cli(const QStringList &args, int timeoutMs = 60000) { return runCli(m_cli, m_ws, args, timeoutMs); }

    QStringList submitScript(const QString &source, const QString &script)
    {
        return {u"run"_s,      u"submit"_s, u"--experiment"_s,  u"cli"_s,          u"--source"_s, source,
                u"--script"_s, script,      u"--environment"_s, u"System-Python"_s};
    }

    // Opens the workspace fresh each time: another process writes it.
    RunRecord record(const QString &uid)
    {
        auto ws = Workspace::open(m_ws);
        return RunStore(ws->database()).get(uid);
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(QFileInfo(m_cli).isExecutable(), "MLDESK_CLI is not set to mldesk-cli");
        if (QStandardPaths::findExecutable(u"python3"_s).isEmpty())
            QSKIP("python3 is not installed");
        m_ws = m_dir.filePath(u"ws"_s);
        Workspace::create(m_ws, u"cli"_s);
        writeSyntheticMnist(m_dir.filePath(u"data"_s));
        auto ws = Workspace::open(m_ws);
        registerFolder(*ws, u"synth"_s, m_dir.filePath(u"data"_s));
    }

    void submitWaitBuiltinStreamsAndCompletes()
    {
        const Result r =
            cli({u"run"_s, u"submit"_s, u"--experiment"_s, u"keras-mnist"_s, u"--builtin"_s, u"mldesk-train"_s,
                 u"--environment"_s, u"MLDesk-Native"_s, u"--compute"_s, u"local"_s, u"--wait"_s, u"--"_s,
                 u"--data-folder"_s, u"{dataset:synth:mount}"_s, u"--batch-size"_s, u"50"_s, u"--epochs"_s, u"2"_s});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("Epoch 2/2"), r.out.constData());
        QVERIFY(r.out.contains("ended Completed"));
        QVERIFY(r.out.contains("Loss = "));
        const QString uid = QString::fromUtf8(r.out.split('\n').first()).section(u' ', 1);
        const Result files = cli({u"run"_s, u"files"_s, uid});
        QVERIFY(files.out.contains("outputs/model/model.json"));
        QVERIFY(files.out.contains("outputs/model/model.h5"));
        const Result metrics = cli({u"--json"_s, u"run"_s, u"metrics"_s, uid, u"--name"_s, u"Loss"_s});
        QCOMPARE(QJsonDocument::fromJson(metrics.out).array().size(), 2);
        const Result last = cli({u"--json"_s, u"run"_s, u"metrics"_s, uid, u"--last"_s});
        const QJsonArray finals = QJsonDocument::fromJson(last.out).array();
        QStringList names;
        for (const QJsonValue &v : finals)
            names.append(v.toObject().value(u"name"_s).toString());
        QVERIFY2(names.contains(u"Loss"_s) && names.contains(u"Accuracy"_s), last.out.constData());
        QCOMPARE(names.count(u"Loss"_s), 1);
        const Result download =
            cli({u"run"_s, u"download"_s, uid, u"--prefix"_s, u"outputs/model"_s, u"--to"_s, m_dir.filePath(u"dl"_s)});
        QVERIFY2(download.exitCode == 0, download.err.constData());
        QVERIFY(QFileInfo::exists(m_dir.filePath(u"dl/outputs/model/model.h5"_s)));
        const Result show = cli({u"--json"_s, u"run"_s, u"show"_s, uid});
        QCOMPARE(QJsonDocument::fromJson(show.out).object().value(u"state"_s).toString(), u"Completed"_s);
        const Result list = cli({u"--json"_s, u"run"_s, u"list"_s, u"--state"_s, u"completed"_s});
        QVERIFY(list.out.contains(uid.toUtf8()));
        QCOMPARE(cli({u"run"_s, u"metrics"_s, uid, u"--name"_s, u"Nope"_s}).exitCode, 1);
        QCOMPARE(cli({u"run"_s, u"show"_s, u"no-such-run"_s}).exitCode, 1);
    }

    void submitWaitFailingScriptExitsNonZero()
    {
        const QString src = m_dir.filePath(u"fail"_s);
        writeText(src + u"/fail.py"_s, u"import sys\nprint('bye')\nsys.exit(3)\n"_s);
        const Result r = cli(submitScript(src, u"fail.py"_s) << u"--wait"_s);
        QCOMPARE(r.exitCode, 3);
        QVERIFY(r.out.contains("ended Failed"));
        QVERIFY(r.out.contains("exited with code 3"));
    }

    void validationErrorsAreUserErrors()
    {
        const Result r = cli({u"run"_s, u"submit"_s, u"--experiment"_s, u"x"_s, u"--source"_s,
                              m_dir.filePath(u"nowhere"_s), u"--script"_s, u"a.py"_s, u"--environment"_s, u"Nope"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("nowhere") && r.err.contains("Nope"), r.err.constData());
    }

    void submitWithoutWaitIsFinishedByTheAgent()
    {
        const QString src = m_dir.filePath(u"agent"_s);
        writeText(src + u"/ok.py"_s,
                  u"from mldesk import Run\nimport time\nr = Run.get_context()\n"
                  u"for i in range(10):\n    r.log('v', i)\n    time.sleep(0.02)\nprint('fine')\n"_s);
        const Result r = cli(submitScript(src, u"ok.py"_s));
        QCOMPARE(r.exitCode, 0);
        const QString uid = QString::fromUtf8(r.out.trimmed());
        QVERIFY(!uid.isEmpty());
        const Result follow = cli({u"run"_s, u"logs"_s, uid, u"--follow"_s});
        QCOMPARE(follow.exitCode, 0);
        QVERIFY(follow.out.contains("fine"));
        QTRY_COMPARE_WITH_TIMEOUT(record(uid).state, RunState::Completed, 20000);
        auto ws = Workspace::open(m_ws);
        QCOMPARE(RunStore(ws->database()).metricCount(record(uid).id), qint64(10));
    }

    // Issue 12: three MLDesk processes follow one run - the background agent (it ingests), `run metrics --follow`
    // (it ingests too) and this test's own RunService (a third reader, as a GUI). Whoever stored a point, each of
    // them holds every point exactly once, in order.
    void everyFollowerHoldsEveryPointOnce()
    {
        const QString src = m_dir.filePath(u"followed"_s);
        writeText(src + u"/many.py"_s, u"from mldesk import Run\nimport time\nr = Run.get_context()\n"
                                       u"for i in range(400):\n    r.log('a', i)\n    r.log('b', 2 * i)\n"
                                       u"    if i % 50 == 0:\n        time.sleep(0.05)\n"_s);
        const Result r = cli(submitScript(src, u"many.py"_s));
        QCOMPARE(r.exitCode, 0);
        const QString uid = QString::fromUtf8(r.out.trimmed());
        QProcess follower;
        follower.start(m_cli, {u"--workspace"_s, m_ws, u"run"_s, u"metrics"_s, uid, u"--follow"_s});
        QVERIFY(follower.waitForStarted());

        auto ws = Workspace::open(m_ws);
        RunServiceOptions options;
        options.schedule = false;
        RunService service(*ws, options);
        QMap<QString, QList<double>> seen; // name -> values in order
        QMap<QString, QList<qint64>> steps;
        qint64 held = 0;
        auto take = [&](const QList<MetricPoint> &points) {
            const qint64 before = held;
            for (const MetricPoint &p : points) {
                if (p.seq <= before)
                    continue;
                held = std::max(held, p.seq);
                seen[p.name].append(p.value);
                steps[p.name].append(p.step);
            }
        };
        connect(&service, &RunService::metricsAppended, this, [&](const QString &id, const QList<MetricPoint> &points) {
            if (id == uid)
                take(points);
        });
        qint64 from = 0;
        take(service.store().metricsAfter(record(uid).id, from)); // what is stored already, as a view loads it
        service.start();
        QTRY_VERIFY_WITH_TIMEOUT(isTerminal(service.store().get(uid).state) && !service.isWatching(uid), 60000);
        QCOMPARE(service.store().get(uid).state, RunState::Completed);
        QTRY_COMPARE_WITH_TIMEOUT(follower.state(), QProcess::NotRunning, 60000); // it ends with the run
        QVERIFY2(follower.exitStatus() == QProcess::NormalExit, follower.readAllStandardError().constData());
        QCOMPARE(follower.exitCode(), 0);

        QMap<QString, QList<double>> printed;
        QMap<QString, QList<qint64>> printedSteps;
        for (const QByteArray &line : follower.readAllStandardOutput().split('\n')) {
            const QList<QByteArray> f = line.split('\t');
            if (f.size() != 3)
                continue;
            printed[QString::fromUtf8(f[0])].append(f[2].toDouble());
            printedSteps[QString::fromUtf8(f[0])].append(f[1].toLongLong());
        }
        for (const QString &name : {u"a"_s, u"b"_s}) {
            const double scale = name == u"a"_s ? 1 : 2;
            QList<double> values;
            QList<qint64> expectedSteps;
            for (int i = 0; i < 400; ++i) {
                values.append(scale * i);
                expectedSteps.append(i);
            }
            QCOMPARE(seen.value(name), values);
            QCOMPARE(steps.value(name), expectedSteps);
            QCOMPARE(printed.value(name), values);
            QCOMPARE(printedSteps.value(name), expectedSteps);
        }
        QCOMPARE(service.store().metricCount(record(uid).id), qint64(800));
    }

    void cancelCommand()
    {
        const QString src = m_dir.filePath(u"long"_s);
        writeText(src + u"/long.py"_s, u"import time\nprint('started', flush=True)\ntime.sleep(120)\n"_s);
        const Result r = cli(submitScript(src, u"long.py"_s));
        const QString uid = QString::fromUtf8(r.out.trimmed());
        QTRY_COMPARE_WITH_TIMEOUT(record(uid).state, RunState::Running, 20000);
        const Result cancel = cli({u"run"_s, u"cancel"_s, uid});
        QVERIFY2(cancel.exitCode == 0, cancel.err.constData());
        QCOMPARE(record(uid).state, RunState::Canceled);
    }

    void killedWatcherThenReattach()
    {
        const QString src = m_dir.filePath(u"crash"_s);
        // 300 points over about 3 s, then an output file.
        writeText(src + u"/steady.py"_s, u"import time, os\nfrom mldesk import Run\nr = Run.get_context()\n"
                                         u"for i in range(300):\n    r.log('m', i)\n    time.sleep(0.01)\n"
                                         u"open(os.path.join(os.environ['MLDESK_OUTPUTS'], 'done.txt'), 'w')"
                                         u".write('ok')\n"_s);
        QProcess watcher;
        watcher.start(m_cli, QStringList{u"--workspace"_s, m_ws} + submitScript(src, u"steady.py"_s) << u"--wait"_s);
        QVERIFY(watcher.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(watcher.canReadLine(), 20000);
        const QString uid = QString::fromUtf8(watcher.readLine()).trimmed().section(u' ', 1);
        QVERIFY(!uid.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(record(uid).state == RunState::Running, 20000);
        {
            auto ws = Workspace::open(m_ws);
            const qint64 id = record(uid).id;
            QTRY_VERIFY_WITH_TIMEOUT(RunStore(ws->database()).metricCount(id) > 20, 20000);
        }
        watcher.kill(); // SIGKILL: no chance to clean up
        QVERIFY(watcher.waitForFinished());
        const RunRecord running = record(uid);
        QVERIFY2(running.state == RunState::Running, "the run should still be Running with nobody watching");
        QVERIFY(LocalProcess::isAlive({running.processId, running.processStartTicks}));

        // A new process re-attaches and ingests what was written meanwhile - nothing lost, nothing doubled.
        auto ws = Workspace::open(m_ws);
        RunService service(*ws);
        service.start();
        QTRY_VERIFY_WITH_TIMEOUT(isTerminal(service.store().get(uid).state) && !service.isWatching(uid), 30000);
        const RunRecord done = service.store().get(uid);
        QCOMPARE(done.state, RunState::Completed);
        QCOMPARE(metricLines(done.runDir), 300);
        QCOMPARE(service.store().metricCount(done.id), qint64(300));
        bool output = false;
        for (const RunFileEntry &f : done.outputs)
            output = output || f.path == u"outputs/done.txt"_s;
        QVERIFY(output);
    }

    void priorityOnSubmitAndSetPriority()
    {
        // A workspace of its own, where no agent runs: a run recorded here stays Queued until this test says.
        const QString ws = m_dir.filePath(u"prio-ws"_s);
        Workspace::create(ws, u"prio"_s);
        const QString src = m_dir.filePath(u"prio"_s);
        writeText(src + u"/ok.py"_s, u"print('ok')\n"_s);
        const auto run = [&](const QStringList &args) {
            return runCli(m_cli, ws, args, 60000);
        };
        const auto runCount = [&] {
            return QJsonDocument::fromJson(run({u"--json"_s, u"run"_s, u"list"_s}).out).array().size();
        };

        // Bad values: a message, a non-zero exit, nothing recorded.
        for (const auto &[value, says] : {std::pair{u"5000"_s, "out of range"}, std::pair{u"-1001"_s, "out of range"},
                                          std::pair{u"urgent"_s, "not a whole number"}}) {
            const Result bad = run(submitScript(src, u"ok.py"_s) << u"--priority"_s << value);
            QVERIFY2(bad.exitCode == 1, bad.err.constData());
            QVERIFY2(bad.err.contains(says) && bad.err.contains("low (-100)"), bad.err.constData());
        }
        QCOMPARE(runCount(), 0);

        const Result high = run(submitScript(src, u"ok.py"_s) << u"--priority"_s << u"HIGH"_s << u"--wait"_s);
        QVERIFY2(high.exitCode == 0, high.err.constData());
        const QString done = QString::fromUtf8(high.out.split('\n').first()).section(u' ', 1);
        const QJsonObject shown = QJsonDocument::fromJson(run({u"--json"_s, u"run"_s, u"show"_s, done}).out).object();
        QCOMPARE(shown.value(u"priority"_s).toInt(), 100);
        QVERIFY(run({u"run"_s, u"show"_s, done}).out.contains("100 (high)"));
        const QJsonArray listed = QJsonDocument::fromJson(run({u"--json"_s, u"run"_s, u"list"_s}).out).array();
        QCOMPARE(listed.size(), 1);
        QCOMPARE(listed.first().toObject().value(u"priority"_s).toInt(), 100);

        // set-priority: a queued run's changes; an ended run's, or a bad value, is refused and changes nothing.
        auto handle = Workspace::open(ws);
        const RunRecord queued = RunSubmitter(*handle).submit(scriptRequest(src, u"ok.py"_s), 1 << 20);
        const auto priorityOf = [&](const QString &uid) {
            return RunStore(handle->database()).get(uid).priority;
        };
        const Result low = run({u"run"_s, u"set-priority"_s, queued.uid, u"low"_s});
        QVERIFY2(low.exitCode == 0, low.err.constData());
        QVERIFY2(low.out.contains("-100 (low)"), low.out.constData());
        QCOMPARE(priorityOf(queued.uid), -100);
        QCOMPARE(run({u"run"_s, u"set-priority"_s, queued.uid, u"250"_s}).exitCode, 0);
        QCOMPARE(priorityOf(queued.uid), 250);
        const Result tooHigh = run({u"run"_s, u"set-priority"_s, queued.uid, u"1001"_s});
        QCOMPARE(tooHigh.exitCode, 1);
        QVERIFY2(tooHigh.err.contains("out of range"), tooHigh.err.constData());
        QCOMPARE(priorityOf(queued.uid), 250);
        const Result ended = run({u"run"_s, u"set-priority"_s, done, u"low"_s});
        QCOMPARE(ended.exitCode, 1);
        QVERIFY2(ended.err.contains("has already ended (Completed)"), ended.err.constData());
        QCOMPARE(priorityOf(done), 100);
        const Result unknown = run({u"run"_s, u"set-priority"_s, u"no-such-run"_s, u"low"_s});
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY2(unknown.err.contains("there is no run 'no-such-run'"), unknown.err.constData());
        QCOMPARE(run({u"run"_s, u"cancel"_s, queued.uid}).exitCode, 0);
    }
};

QTEST_GUILESS_MAIN(TestRunCli)
#include "TestRunCli.moc"
