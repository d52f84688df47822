// Unit tests of a run's Slurm job (batch script, paths between here and the nodes, environment dictionary, target
// settings) and of the Slurm state -> run state mapping, including jobs Slurm has purged (decided from exit.json).
#include "core/slurm/SlurmRunJob.h"
#include "core/slurm/SlurmRunState.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace mldesk::core;

namespace {

SlurmTargetConfig target()
{
    SlurmTargetConfig t;
    t.url = QStringLiteral("http://127.0.0.1:6820");
    t.user = QStringLiteral("root");
    t.partition = QStringLiteral("gpu");
    t.nodesMin = 1;
    t.nodesMax = 2;
    t.gpusPerNode = 4;
    t.timeLimit = QStringLiteral("01:30:00");
    t.sharedDirLocal = QStringLiteral("/mnt/hpc/me");
    t.sharedDirCluster = QStringLiteral("/home/me");
    t.tokenEnv = QStringLiteral("SLURM_JWT");
    return t;
}

SlurmRunJobInput input()
{
    SlurmRunJobInput in;
    in.runUid = QStringLiteral("keras-mnist_1700000000_ab12cd34");
    in.experiment = QStringLiteral("keras-mnist");
    in.runDir = QStringLiteral("/mnt/hpc/me/runs/keras-mnist_1700000000_ab12cd34");
    in.supervisor = QStringLiteral("/home/me/mldesk/bin/mldesk-supervisor");
    in.program = QStringLiteral("/home/me/mldesk/bin/mldesk-train");
    in.arguments = {QStringLiteral("--data-folder"), QStringLiteral("/home/me/data/it's here"),
                    QStringLiteral("--epochs"), QStringLiteral("2")};
    in.environment.insert(QStringLiteral("OMP_NUM_THREADS"), QStringLiteral("4"));
    return in;
}

SlurmJob job(const QString &state, const QString &reason = QStringLiteral("None"), int raw = 0)
{
    SlurmJob j;
    j.id = 42;
    j.name = QStringLiteral("r1");
    j.state = state;
    j.stateReason = reason;
    j.rawExitCode = raw;
    j.nodes = QStringLiteral("node01");
    return j;
}

} // namespace

class TestSlurmRunJob final : public QObject {
    Q_OBJECT
private slots:
    void paths()
    {
        const SlurmTargetConfig t = target();
        QString error;
        QCOMPARE(SlurmRunJob::clusterPath(t, QStringLiteral("/mnt/hpc/me/runs/x"), &error),
                 QStringLiteral("/home/me/runs/x"));
        QCOMPARE(SlurmRunJob::clusterPath(t, QStringLiteral("/mnt/hpc/me"), &error), QStringLiteral("/home/me"));
        QVERIFY(SlurmRunJob::clusterPath(t, QStringLiteral("/mnt/hpc/meme/x"), &error).isEmpty());
        QVERIFY2(error.contains(QStringLiteral("not inside the target's shared folder")), qPrintable(error));
        QVERIFY(SlurmRunJob::clusterPath(t, QStringLiteral("/tmp/x"), &error).isEmpty());
        QCOMPARE(SlurmRunJob::localPath(t, QStringLiteral("/home/me/runs/x/logs")),
                 QStringLiteral("/mnt/hpc/me/runs/x/logs"));
        QVERIFY(SlurmRunJob::localPath(t, QStringLiteral("/scratch/x")).isEmpty());
        SlurmTargetConfig same = t;
        same.sharedDirCluster.clear(); // the nodes see the same path
        QCOMPARE(SlurmRunJob::clusterPath(same, QStringLiteral("/mnt/hpc/me/runs/x"), &error),
                 QStringLiteral("/mnt/hpc/me/runs/x"));
    }

    void jobSpec()
    {
        QString error;
        const SlurmJobSpec s = SlurmRunJob::build(target(), input(), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QString dir = QStringLiteral("/home/me/runs/keras-mnist_1700000000_ab12cd34");
        QCOMPARE(s.name, input().runUid); // job name = run id
        QCOMPARE(s.partition, QStringLiteral("gpu"));
        QCOMPARE(s.nodesMin, 1);
        QCOMPARE(s.nodesMax, 2);
        QCOMPARE(s.gpusPerNode, 4);
        QCOMPARE(s.timeLimitMinutes, 90);
        QCOMPARE(s.workingDirectory, dir);
        QCOMPARE(s.standardOutput, dir + QStringLiteral("/logs/slurm-%j.out"));
        QVERIFY(!s.requeue);
        QCOMPARE(s.environment.value(QStringLiteral("MLDESK_RUN_ID")), input().runUid);
        QCOMPARE(s.environment.value(QStringLiteral("MLDESK_RUN_DIR")), dir);
        QCOMPARE(s.environment.value(QStringLiteral("MLDESK_METRICS_FILE")), dir + QStringLiteral("/metrics.jsonl"));
        QCOMPARE(s.environment.value(QStringLiteral("MLDESK_OUTPUTS")), dir + QStringLiteral("/outputs"));
        QCOMPARE(s.environment.value(QStringLiteral("MLDESK_EXPERIMENT")), QStringLiteral("keras-mnist"));
        QCOMPARE(s.environment.value(QStringLiteral("OMP_NUM_THREADS")), QStringLiteral("4"));
        QVERIFY(s.environment.value(QStringLiteral("PATH")).contains(QStringLiteral("/usr/bin")));
        QVERIFY(s.script.startsWith(QStringLiteral("#!/bin/bash\n")));
        QVERIFY2(s.script.contains(QStringLiteral("exec '/home/me/mldesk/bin/mldesk-supervisor' --run-dir '") + dir +
                                   QStringLiteral("' -- '/home/me/mldesk/bin/mldesk-train' '--data-folder'")),
                 qPrintable(s.script));

        SlurmTargetConfig open = target();
        open.partition.clear();
        open.timeLimit.clear();
        const SlurmJobSpec d = SlurmRunJob::build(open, input(), &error);
        QVERIFY(d.partition.isEmpty());
        QCOMPARE(d.timeLimitMinutes, -1); // the partition's default

        // Issue 14: the run id also in the comment (a job whose id was never stored is found by both); the GPUs are
        // Slurm's to give - with GPUs per node its CUDA_VISIBLE_DEVICES (whatever the environment said), without
        // none at all.
        QCOMPARE(s.comment, QStringLiteral("mldesk run ") + input().runUid);
        SlurmRunJobInput withDevices = input();
        withDevices.environment.insert(QStringLiteral("CUDA_VISIBLE_DEVICES"), QStringLiteral("0,1"));
        QVERIFY(!SlurmRunJob::build(target(), withDevices, &error).environment.contains(u"CUDA_VISIBLE_DEVICES"_qs));
        open.gpusPerNode = 0;
        const SlurmJobSpec cpu = SlurmRunJob::build(open, withDevices, &error);
        QVERIFY(cpu.environment.contains(u"CUDA_VISIBLE_DEVICES"_qs));
        QCOMPARE(cpu.environment.value(u"CUDA_VISIBLE_DEVICES"_qs), QString());
    }

    void jobSpecProblems()
    {
        QString error;
        SlurmRunJobInput outside = input();
        outside.runDir = QStringLiteral("/home/local/workspace/runs/r1");
        QVERIFY(SlurmRunJob::build(target(), outside, &error).name.isEmpty());
        QVERIFY2(error.contains(QStringLiteral("shared folder")) && error.contains(outside.runUid), qPrintable(error));
        SlurmTargetConfig badTime = target();
        badTime.timeLimit = QStringLiteral("soon");
        QVERIFY(SlurmRunJob::build(badTime, input(), &error).name.isEmpty());
        QVERIFY2(error.contains(QStringLiteral("soon")), qPrintable(error));
    }

    // The generated script really runs its command with every argument intact (quotes, spaces, $).
    void scriptRunsWithBash()
    {
        QTemporaryDir dir;
        const QStringList args = {QStringLiteral("a b"), QStringLiteral("it's"), QStringLiteral("$HOME"),
                                  QStringLiteral("\"q\"")};
        // The "supervisor" prints its arguments one per line.
        const QString fake = dir.filePath(QStringLiteral("printargs"));
        QFile f(fake);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done\npwd\n");
        f.close();
        f.setPermissions(f.permissions() | QFileDevice::ExeOwner);
        QProcess bash;
        bash.start(QStringLiteral("/bin/bash"),
                   {QStringLiteral("-c"),
                    SlurmRunJob::script(dir.path(), fake, QStringLiteral("/prog"), args, QStringLiteral("r1"))});
        QVERIFY(bash.waitForFinished(10000));
        QCOMPARE(bash.exitCode(), 0);
        const QString out = QString::fromUtf8(bash.readAllStandardOutput());
        QCOMPARE(
            out,
            QStringLiteral("[--run-dir]\n[%1]\n[--]\n[/prog]\n[a b]\n[it's]\n[$HOME]\n[\"q\"]\n%1\n").arg(dir.path()));
    }

    void states_data()
    {
        QTest::addColumn<QString>("state");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<int>("raw");
        QTest::addColumn<bool>("cancelRequested");
        QTest::addColumn<int>("runState");
        QTest::addColumn<QString>("mentions");
        QTest::addColumn<int>("exitCode"); // -1: none
        using R = RunState;
        QTest::newRow("pending resources") << "PENDING"
                                           << "Resources" << 0 << false << int(R::Queued) << "Resources" << -1;
        QTest::newRow("pending priority") << "PENDING"
                                          << "Priority" << 0 << false << int(R::Queued) << "Priority" << -1;
        QTest::newRow("configuring") << "CONFIGURING"
                                     << "None" << 0 << false << int(R::Preparing) << "configuring" << -1;
        QTest::newRow("running") << "RUNNING"
                                 << "None" << 0 << false << int(R::Running) << "node01" << -1;
        QTest::newRow("completing") << "COMPLETING"
                                    << "None" << 0 << false << int(R::Finalizing) << "completing" << -1;
        QTest::newRow("completed") << "COMPLETED"
                                   << "None" << 0 << false << int(R::Completed) << "completed" << 0;
        QTest::newRow("failed exit 3") << "FAILED"
                                       << "NonZeroExitCode" << 768 << false << int(R::Failed) << "exit code 3" << 3;
        QTest::newRow("timeout") << "TIMEOUT"
                                 << "TimeLimit" << 15 << false << int(R::Failed) << "TIMEOUT" << -1;
        QTest::newRow("oom") << "OUT_OF_MEMORY"
                             << "OutOfMemory" << 9 << false << int(R::Failed) << "OUT_OF_MEMORY" << -1;
        QTest::newRow("node fail") << "NODE_FAIL"
                                   << "NodeDown" << 0 << false << int(R::Failed) << "NODE_FAIL" << 0;
        QTest::newRow("cancelled") << "CANCELLED"
                                   << "None" << 15 << false << int(R::Canceled) << "cancelled" << -1;
        // A cancel ends with TERM (FAILED) or KILL (CANCELLED): either way the user's cancel decides.
        QTest::newRow("term after cancel") << "FAILED"
                                           << "None" << 15 << true << int(R::Canceled) << "canceled by the user" << -1;
    }
    void states()
    {
        QFETCH(QString, state);
        QFETCH(QString, reason);
        QFETCH(int, raw);
        QFETCH(bool, cancelRequested);
        QFETCH(int, runState);
        QFETCH(QString, mentions);
        QFETCH(int, exitCode);
        const SlurmRunOutcome o = SlurmRunState::fromJob(job(state, reason, raw), std::nullopt, cancelRequested);
        QCOMPARE(runStateName(o.state), runStateName(RunState(runState)));
        QVERIFY2(o.detail.contains(mentions), qPrintable(o.detail));
        QCOMPARE(o.exitCode.value_or(-1), exitCode);
        if (o.state == RunState::Failed || o.state == RunState::Canceled)
            QVERIFY(!o.failureReason.isEmpty());
    }

    void exitRecordWins()
    {
        // The supervisor's exit.json has the job's own code (the batch step may differ, e.g. after a signal).
        SlurmExitRecord exit;
        exit.exitCode = 5;
        const SlurmRunOutcome o =
            SlurmRunState::fromJob(job(QStringLiteral("FAILED"), QStringLiteral("NonZeroExitCode"), 1280), exit, false);
        QCOMPARE(o.state, RunState::Failed);
        QCOMPARE(o.exitCode.value_or(-1), 5);
    }

    void vanished()
    {
        QTemporaryDir dir;
        QVERIFY(!SlurmExitRecord::read(dir.path()));
        SlurmRunOutcome o = SlurmRunState::fromVanished(7, std::nullopt, false);
        QCOMPARE(o.state, RunState::Failed);
        QVERIFY2(o.failureReason.contains(QStringLiteral("exit.json")) &&
                     o.failureReason.contains(QStringLiteral("slurm-7.out")),
                 qPrintable(o.failureReason));

        QFile f(dir.filePath(QStringLiteral("exit.json")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"exit_code": 0, "terminate_requested": false, "started_at": 1, "ended_at": 2})");
        f.close();
        const auto ok = SlurmExitRecord::read(dir.path());
        QVERIFY(ok);
        o = SlurmRunState::fromVanished(7, ok, false);
        QCOMPARE(o.state, RunState::Completed);
        QCOMPARE(o.exitCode.value_or(-1), 0);

        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(R"({"signal": 15, "signal_name": "SIGTERM", "core_dumped": false, "terminate_requested": true})");
        f.close();
        const auto killed = SlurmExitRecord::read(dir.path());
        QVERIFY(killed && killed->signal == 15 && killed->terminateRequested);
        o = SlurmRunState::fromVanished(7, killed, false);
        QCOMPARE(o.state, RunState::Failed);
        QVERIFY2(o.failureReason.contains(QStringLiteral("SIGTERM")), qPrintable(o.failureReason));
        QCOMPARE(SlurmRunState::fromVanished(7, killed, true).state, RunState::Canceled);
    }
};

QTEST_GUILESS_MAIN(TestSlurmRunJob)
#include "TestSlurmRunJob.moc"
