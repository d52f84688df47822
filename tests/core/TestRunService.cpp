// TestRunService: real runs end to end through RunService - the built-in trainer on synthetic data, Python scripts
// using the run context, failure with an exit code, cancel, a job killed by a signal, and GPU queueing with a
// simulated device list. Real mldesk-train, mldesk-supervisor and python3 processes.
#include "RunTestSupport.h"

#include "core/runs/LocalProcess.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QSignalSpy>
#include <QtTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestRunService final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Workspace> m_ws;

    RunRecord waitForEnd(RunService &service, const QString &uid, int timeoutMs = 40000)
    {
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < timeoutMs) {
            QTest::qWait(50);
            const RunRecord r = service.store().get(uid);
            if (isTerminal(r.state) && !service.isWatching(uid))
                return r;
        }
        return service.store().get(uid);
    }

    bool waitForState(RunService &service, const QString &uid, RunState state, int timeoutMs = 20000)
    {
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < timeoutMs) {
            if (service.store().get(uid).state == state)
                return true;
            QTest::qWait(20);
        }
        return false;
    }

    QList<RunState> historyStates(const RunRecord &r)
    {
        QList<RunState> states;
        for (const RunStateChange &c : r.history)
            states.append(c.state);
        return states;
    }

private slots:
    void initTestCase()
    {
        if (!runPartsPresent(m_dir))
            return;
        QVERIFY2(!LocalProcess::findTrainer().isEmpty(), "mldesk-train not found (MLDESK_TRAIN)");
        m_ws = Workspace::create(m_dir.filePath(u"ws"_s), u"runs"_s);
        writeSyntheticMnist(m_dir.filePath(u"data"_s));
        registerFolder(*m_ws, u"synth"_s, m_dir.filePath(u"data"_s));
    }

    void builtinTrainerRun()
    {
        RunService service(*m_ws);
        QSignalSpy metrics(&service, &RunService::metricsAppended);
        QSignalSpy logs(&service, &RunService::logAppended);
        RunRequest request;
        request.experiment = u"keras-mnist"_s;
        request.entry = RunRequest::Entry::BuiltinTrainer;
        request.environment = u"MLDesk-Native"_s;
        request.arguments = {u"--data-folder"_s, u"{dataset:synth:mount}"_s,
                             u"--batch-size"_s,  u"50"_s,
                             u"--epochs"_s,      u"2"_s,
                             u"--seed"_s,        u"1"_s};
        request.tags = {{u"purpose"_s, u"test"_s}};
        const RunRecord submitted = service.submit(request);
        QCOMPARE(submitted.state, RunState::Queued);
        QVERIFY(QFileInfo::exists(submitted.runDir + u"/run.json"_s));
        QVERIFY(QFileInfo(submitted.runDir + u"/snapshot"_s).isDir());
        // The dataset version is pinned in the recorded configuration.
        QVERIFY(
            submitted.configuration.value(u"resolved_arguments"_s).toArray().contains(u"{dataset:synth:1:mount}"_s));
        service.start();
        const RunRecord r = waitForEnd(service, submitted.uid);
        QCOMPARE(runStateName(r.state), u"Completed"_s);
        QCOMPARE(r.exitCode, std::optional<int>(0));
        QCOMPARE(historyStates(r), (QList<RunState>{RunState::Queued, RunState::Preparing, RunState::Starting,
                                                    RunState::Running, RunState::Finalizing, RunState::Completed}));
        // Metrics in the DB equal the lines of metrics.jsonl; signals carried them in batches.
        const int lines = metricLines(r.runDir);
        QVERIFY(lines >= 4);
        QCOMPARE(service.store().metricCount(r.id), qint64(lines));
        QCOMPARE(service.store().metrics(r.id, u"Loss"_s).size(), 2);
        int signalled = 0;
        for (const QList<QVariant> &args : metrics)
            signalled += int(args.at(1).value<QList<MetricPoint>>().size());
        QCOMPARE(signalled, lines);
        QVERIFY(metrics.size() < lines); // batches, not a signal per line
        QString logText;
        for (const QList<QVariant> &args : logs)
            logText += args.at(1).toString();
        QVERIFY2(logText.contains(u"Epoch 2/2"_s), qPrintable(logText));
        // Outputs captured into the blob store.
        QStringList paths;
        for (const RunFileEntry &f : r.outputs) {
            paths.append(f.path);
            QVERIFY(m_ws->blobs().verify(f.hash));
        }
        QVERIFY2(paths.contains(u"outputs/model/model.json"_s), qPrintable(paths.join(u", "_s)));
        QVERIFY(paths.contains(u"outputs/model/model.h5"_s));
        QVERIFY(paths.contains(u"logs/std_log.txt"_s));
        QCOMPARE(r.tags.value(u"purpose"_s), u"test"_s);
    }

    void pythonScriptWithRunContext()
    {
        const QString src = m_dir.filePath(u"py-ok"_s);
        writeText(src + u"/train.py"_s,
                  u"import os\n"
                  u"from mldesk import Run\n"
                  u"run = Run.get_context()\n"
                  u"assert not run.offline\n"
                  u"for i in range(5):\n"
                  u"    run.log('loss', 1.0 / (i + 1))\n"
                  u"run.log_list('accuracies', [0.5, 0.7, 0.9])\n"
                  u"run.log_row('table', a=1, b=2)\n"
                  u"run.tag('optimizer', 'sgd')\n"
                  u"print('details', run.get_details()['runId'])\n"
                  u"os.makedirs('outputs', exist_ok=True)\n"
                  u"open('outputs/result.txt', 'w').write('hello from ' + os.environ['MLDESK_RUN_ID'])\n"
                  u"print('done')\n"_s);
        writeText(src + u"/big.bin"_s, u"ignored"_s);
        writeText(src + u"/.mldeskignore"_s, u"*.bin\n"_s);
        RunService service(*m_ws);
        const RunRecord submitted = service.submit(scriptRequest(src, u"train.py"_s));
        QVERIFY(QFileInfo::exists(submitted.runDir + u"/snapshot/train.py"_s));
        QVERIFY(!QFileInfo::exists(submitted.runDir + u"/snapshot/big.bin"_s)); // .mldeskignore
        service.start();
        const RunRecord r = waitForEnd(service, submitted.uid);
        QVERIFY2(r.state == RunState::Completed, qPrintable(r.failureReason));
        QCOMPARE(service.store().metrics(r.id, u"loss"_s).size(), 5);
        QCOMPARE(service.store().metrics(r.id, u"accuracies"_s).size(), 3);
        QCOMPARE(service.store().metrics(r.id, u"table/b"_s).constFirst().value, 2.0);
        QCOMPARE(r.tags.value(u"optimizer"_s), u"sgd"_s);
        QString log = QString::fromUtf8(readAllFile(r.runDir + u"/logs/std_log.txt"_s));
        QVERIFY2(log.contains(u"details "_s + r.uid), qPrintable(log));
        bool found = false;
        for (const RunFileEntry &f : r.outputs)
            if (f.path == u"outputs/result.txt"_s)
                found = m_ws->blobs().read(f.hash) == (u"hello from "_s + r.uid).toUtf8();
        QVERIFY(found);
    }

    void scriptExitingThreeFails()
    {
        const QString src = m_dir.filePath(u"py-fail"_s);
        writeText(src + u"/fail.py"_s, u"import sys\nprint('about to fail')\nprint('last words', flush=True)\n"
                                       u"sys.exit(3)\n"_s);
        RunService service(*m_ws);
        const RunRecord submitted = service.submit(scriptRequest(src, u"fail.py"_s));
        service.start();
        const RunRecord r = waitForEnd(service, submitted.uid);
        QCOMPARE(r.state, RunState::Failed);
        QCOMPARE(r.exitCode, std::optional<int>(3));
        QVERIFY2(r.failureReason.contains(u"exited with code 3"_s), qPrintable(r.failureReason));
        QVERIFY2(r.failureReason.contains(u"last words"_s), qPrintable(r.failureReason));
    }

    void cancelWhileRunning()
    {
        const QString src = m_dir.filePath(u"py-long"_s);
        writeText(src + u"/long.py"_s, u"import time\nfrom mldesk import Run\nrun = Run.get_context()\n"
                                       u"for i in range(100000):\n    run.log('tick', i)\n    time.sleep(0.02)\n"_s);
        RunServiceOptions options;
        options.cancelGraceMs = 3000;
        RunService service(*m_ws, options);
        const RunRecord submitted = service.submit(scriptRequest(src, u"long.py"_s));
        service.start();
        QVERIFY(waitForState(service, submitted.uid, RunState::Running));
        QTRY_VERIFY_WITH_TIMEOUT(service.store().metricCount(submitted.id) > 3, 10000);
        const qint64 group = service.store().get(submitted.uid).processId;
        QVERIFY(LocalProcess::groupExists(group));
        QElapsedTimer clock;
        clock.start();
        service.cancel(submitted.uid);
        const RunRecord r = waitForEnd(service, submitted.uid);
        QCOMPARE(r.state, RunState::Canceled);
        QVERIFY2(clock.elapsed() < options.cancelGraceMs + 2000, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(!LocalProcess::groupExists(group));
        // What it logged before the cancel is kept.
        QVERIFY(service.store().metricCount(r.id) > 3);
        QCOMPARE(service.store().metricCount(r.id), qint64(metricLines(r.runDir)));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, service.cancel(submitted.uid));
    }

    void cancelIgnoringSigtermIsKilled()
    {
        const QString src = m_dir.filePath(u"py-stubborn"_s);
        writeText(src + u"/stubborn.py"_s, u"import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                                           u"print('ready', flush=True)\n"
                                           u"while True:\n    time.sleep(0.05)\n"_s);
        RunServiceOptions options;
        options.cancelGraceMs = 1000;
        RunService service(*m_ws, options);
        const RunRecord submitted = service.submit(scriptRequest(src, u"stubborn.py"_s));
        service.start();
        QVERIFY(waitForState(service, submitted.uid, RunState::Running));
        QTRY_VERIFY_WITH_TIMEOUT(readAllFile(submitted.runDir + u"/logs/std_log.txt"_s).contains("ready"), 10000);
        const qint64 group = service.store().get(submitted.uid).processId;
        service.cancel(submitted.uid);
        const RunRecord r = waitForEnd(service, submitted.uid, 15000);
        QCOMPARE(r.state, RunState::Canceled);
        QVERIFY(!LocalProcess::groupExists(group));
    }

    void jobKilledBySignalFails()
    {
        const QString src = m_dir.filePath(u"py-victim"_s);
        writeText(src + u"/victim.py"_s, u"import time\nprint('waiting', flush=True)\ntime.sleep(60)\n"_s);
        RunService service(*m_ws);
        const RunRecord submitted = service.submit(scriptRequest(src, u"victim.py"_s));
        service.start();
        QVERIFY(waitForState(service, submitted.uid, RunState::Running));
        QTRY_VERIFY_WITH_TIMEOUT(LocalProcess::readProcessRecord(submitted.runDir).has_value(), 10000);
        const qint64 job = LocalProcess::readProcessRecord(submitted.runDir)->jobPid;
        QVERIFY(job > 0);
        QCOMPARE(::kill(pid_t(job), SIGKILL), 0);
        const RunRecord r = waitForEnd(service, submitted.uid);
        QCOMPARE(r.state, RunState::Failed);
        QCOMPARE(r.exitSignal, std::optional<int>(SIGKILL));
        QVERIFY2(r.failureReason.contains(u"SIGKILL"_s), qPrintable(r.failureReason));
    }

    void vanishedProcessFails()
    {
        // The whole group killed (supervisor included): no exit record, so the run fails as "process vanished".
        const QString src = m_dir.filePath(u"py-vanish"_s);
        writeText(src + u"/vanish.py"_s, u"import time\ntime.sleep(60)\n"_s);
        RunService service(*m_ws);
        const RunRecord submitted = service.submit(scriptRequest(src, u"vanish.py"_s));
        service.start();
        QVERIFY(waitForState(service, submitted.uid, RunState::Running));
        const qint64 group = service.store().get(submitted.uid).processId;
        QVERIFY(LocalProcess::signalGroup(group, SIGKILL));
        const RunRecord r = waitForEnd(service, submitted.uid);
        QCOMPARE(r.state, RunState::Failed);
        QVERIFY2(r.failureReason.contains(u"process vanished"_s), qPrintable(r.failureReason));
    }

    void abandonedPreparationIsQueuedAgain()
    {
        // Runs an MLDesk process claimed and was preparing or starting when it died (kill -9). With nothing working
        // in the run folder, the job never started: another process queues it again - nothing lost, nothing started
        // twice. One Starting whose folder has a process in it (its supervisor on its way, say) is waited for, and
        // fails when no supervisor record comes.
        const QString src = m_dir.filePath(u"py-abandoned"_s);
        writeText(src + u"/a.py"_s, u"print(1)\n"_s);
        RunServiceOptions options;
        options.schedule = false;
        RunService service(*m_ws, options);
        const RunRecord preparing = service.submit(scriptRequest(src, u"a.py"_s));
        const RunRecord starting = service.submit(scriptRequest(src, u"a.py"_s));
        const RunRecord stuck = service.submit(scriptRequest(src, u"a.py"_s));
        const QString deadPreparer = u"preparing:999999999:12345"_s;
        QVERIFY(service.store().transition(preparing.id, {RunState::Queued}, RunState::Preparing, u"cpu:0"_s,
                                           {{u"backend_job_id"_s, deadPreparer}}));
        for (const RunRecord &run : {starting, stuck}) {
            QVERIFY(service.store().transition(run.id, {RunState::Queued}, RunState::Starting, u"cpu:1"_s,
                                               {{u"backend_job_id"_s, deadPreparer}}));
            // Starting for longer than a supervisor takes to write its record.
            QVERIFY(
                m_ws->database()
                    .exec(u"UPDATE run_state_history SET changed_at = changed_at - 60000 WHERE run_id = ?"_s, {run.id})
                    .numRowsAffected() > 0);
        }
        QProcess inFolder; // works in stuck's run folder, as a supervisor would, but never writes a record
        inFolder.setWorkingDirectory(stuck.runDir);
        inFolder.start(u"sleep"_s, {u"600"_s});
        QVERIFY(inFolder.waitForStarted());
        service.reconcile();
        inFolder.kill();
        inFolder.waitForFinished();

        const RunRecord again = service.store().get(preparing.uid);
        QCOMPARE(again.state, RunState::Queued);
        QVERIFY(again.device.isEmpty());
        QVERIFY2(again.history.constLast().detail.contains(u"preparation interrupted"_s),
                 qPrintable(again.history.constLast().detail));
        const RunRecord restarted = service.store().get(starting.uid);
        QCOMPARE(restarted.state, RunState::Queued);
        QVERIFY(restarted.device.isEmpty());
        QVERIFY2(restarted.history.constLast().detail.contains(u"start interrupted"_s),
                 qPrintable(restarted.history.constLast().detail));
        const RunRecord failed = service.store().get(stuck.uid);
        QCOMPARE(failed.state, RunState::Failed);
        QVERIFY2(failed.failureReason.contains(u"interrupted while it was being prepared"_s),
                 qPrintable(failed.failureReason));

        // Queued again, they run to the end like any other run.
        RunService runner(*m_ws);
        runner.start();
        QCOMPARE(waitForEnd(runner, preparing.uid).state, RunState::Completed);
        QCOMPARE(waitForEnd(runner, starting.uid).state, RunState::Completed);
    }

    void twoRunsQueueForOneGpu()
    {
        const QString src = m_dir.filePath(u"py-gpu"_s);
        writeText(src + u"/gpu.py"_s, u"import os, time\nprint('CUDA_VISIBLE_DEVICES=' + "
                                      u"os.environ['CUDA_VISIBLE_DEVICES'], flush=True)\ntime.sleep(1.0)\n"_s);
        RunServiceOptions options;
        options.gpus = QList<int>{0};
        RunService service(*m_ws, options);
        QCOMPARE(service.localSlots(), QStringList{u"gpu:0"_s});
        const RunRecord first = service.submit(scriptRequest(src, u"gpu.py"_s));
        const RunRecord second = service.submit(scriptRequest(src, u"gpu.py"_s));
        service.start();
        QVERIFY(waitForState(service, first.uid, RunState::Running));
        QCOMPARE(service.store().get(second.uid).state, RunState::Queued);
        const RunRecord a = waitForEnd(service, first.uid);
        const RunRecord b = waitForEnd(service, second.uid);
        QCOMPARE(a.state, RunState::Completed);
        QCOMPARE(b.state, RunState::Completed);
        QVERIFY(b.started >= a.ended);
        QCOMPARE(a.device, u"gpu:0"_s);
        QCOMPARE(b.device, u"gpu:0"_s);
        QVERIFY(readAllFile(b.runDir + u"/logs/std_log.txt"_s).contains("CUDA_VISIBLE_DEVICES=0"));
    }

    void validationNamesEachProblem()
    {
        RunService service(*m_ws);
        RunRequest request;
        request.experiment = u"bad name!"_s;
        request.sourceFolder = m_dir.filePath(u"py-ok"_s);
        request.script = u"../outside.py"_s;
        request.environment = u"NoSuchEnv"_s;
        request.compute = u"nowhere"_s;
        request.arguments = {u"--data-folder"_s, u"{dataset:synth:9:mount}"_s, u"{dataset:missing}"_s};
        const QStringList problems = service.validate(request);
        const QString all = problems.join(u'\n');
        QVERIFY2(problems.size() >= 6, qPrintable(all));
        QVERIFY(all.contains(u"bad name!"_s));
        QVERIFY(all.contains(u"../outside.py"_s));
        QVERIFY(all.contains(u"NoSuchEnv"_s));
        QVERIFY(all.contains(u"nowhere"_s));
        QVERIFY(all.contains(u"no version 9"_s));
        QVERIFY(all.contains(u"missing"_s));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, service.submit(request));
        // The built-in environment runs only the trainer.
        RunRequest native = scriptRequest(m_dir.filePath(u"py-ok"_s), u"train.py"_s);
        native.environment = u"MLDesk-Native"_s;
        QVERIFY(service.validate(native).join(u' ').contains(u"only the built-in trainer"_s));
    }

    void snapshotOverLimitIsRefused()
    {
        const QString src = m_dir.filePath(u"py-big"_s);
        writeText(src + u"/train.py"_s, u"print(1)\n"_s);
        writeText(src + u"/data.bin"_s, QString(200 * 1024, u'x'));
        RunServiceOptions options;
        options.snapshotLimitBytes = 100 * 1024;
        RunService service(*m_ws, options);
        try {
            service.submit(scriptRequest(src, u"train.py"_s));
            QFAIL("a snapshot over the limit was accepted");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(u"data.bin"_s) && e.message().contains(u".mldeskignore"_s),
                     qPrintable(e.message()));
        }
    }

private:
    static QByteArray readAllFile(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
};

QTEST_GUILESS_MAIN(TestRunService)
#include "TestRunService.moc"
