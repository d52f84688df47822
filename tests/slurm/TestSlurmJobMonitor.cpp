// Runs on the real test cluster, end to end below the run service: a run folder in a shared folder, the batch job
// SlurmRunJob generates (the real mldesk-supervisor running the real mldesk-train on small synthetic data, or a
// shell), watched by SlurmJobMonitor and mapped by SlurmRunState - Completed with log, metrics and outputs; exit 3 ->
// Failed 3; cancel -> Canceled and the job gone; slurmrestd stopped mid-run -> "unreachable, retrying", then the run
// ends Completed with nothing lost; a bad token -> a clear problem, no crash; purged or reused job ids -> vanished.
#include "../core/RunTestSupport.h"
#include "core/http/HttpClient.h"
#include "core/slurm/SlurmJobMonitor.h"
#include "core/slurm/SlurmRunBackend.h"
#include "core/slurm/SlurmRunJob.h"
#include "core/slurm/SlurmRunState.h"

#include "SlurmTestCluster.h"

#include <QProcess>
#include <QSignalSpy>
#include <QtTest>

using namespace mldesk::core;
using mldesk::test::SlurmTestCluster;
using namespace Qt::StringLiterals;

namespace {

QString readText(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

// Runs tests/slurm/<script> args (as root): to stop and start slurmrestd under a running job.
bool clusterScript(const QString &script, const QStringList &args = {})
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"SLURM_JWT"_s); // would switch scontrol & co. to JWT auth
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p.start(u"" MLDESK_SLURM_SCRIPTS "/"_s + script, args);
    return p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

} // namespace

class TestSlurmJobMonitor final : public QObject {
    Q_OBJECT
private:
    std::shared_ptr<HttpClient> m_http{HttpClient::create()};
    SlurmClient::Connection m_connection;
    QTemporaryDir m_shared{QDir::tempPath() + u"/mldesk-slurm-shared-XXXXXX"_s};
    SlurmTargetConfig m_target;
    QString m_supervisor, m_trainer;

    SlurmJobMonitor::Options fast()
    {
        SlurmJobMonitor::Options o;
        o.activeIntervalMs = 300;
        o.idleIntervalMs = 1000;
        o.maxRetryIntervalMs = 1000;
        o.cancelGraceMs = 3000;
        return o;
    }

    // A run folder inside the shared folder, laid out like a local run's.
    QString runDir(const QString &uid)
    {
        const QString dir = m_shared.filePath(u"runs/"_s + uid);
        for (const char *sub : {"logs", "outputs", "snapshot"})
            QDir().mkpath(dir + u'/' + QLatin1String(sub));
        return dir;
    }

    SlurmJobSpec spec(const QString &uid, const QString &program, const QStringList &args)
    {
        SlurmRunJobInput in;
        in.runUid = uid;
        in.experiment = u"slurm-test"_s;
        in.runDir = runDir(uid);
        in.supervisor = m_supervisor;
        in.program = program;
        in.arguments = args;
        QString error;
        const SlurmJobSpec s = SlurmRunJob::build(m_target, in, &error);
        if (!error.isEmpty())
            qWarning("%s", qPrintable(error));
        return s;
    }

    struct Watch {
        QList<SlurmJob> updates;
        SlurmJob last;
        bool ended = false;
        bool vanished = false;
        qint64 jobId = 0;
        SlurmError submitError;
    };
    // Submits through the monitor and records what it reports for that run.
    std::shared_ptr<Watch> submit(SlurmJobMonitor &monitor, const SlurmJobSpec &s)
    {
        auto w = std::make_shared<Watch>();
        connect(&monitor, &SlurmJobMonitor::jobUpdated, this, [w, uid = s.name](const QString &run, const SlurmJob &j) {
            if (run != uid)
                return;
            w->updates.append(j);
            w->last = j;
            w->ended = j.isFinished();
        });
        connect(&monitor, &SlurmJobMonitor::jobVanished, this, [w, uid = s.name](const QString &run, qint64) {
            if (run == uid)
                w->vanished = w->ended = true;
        });
        bool answered = false;
        monitor.submit(s, [w, &answered](qint64 id, const SlurmError &e) {
            w->jobId = id;
            w->submitError = e;
            answered = true;
        });
        [&] {
            QTRY_VERIFY_WITH_TIMEOUT(answered, 30000);
        }();
        return w;
    }

private slots:
    void initTestCase()
    {
        const QString url = qEnvironmentVariable("SLURMRESTD_URL");
        if (url.isEmpty())
            QSKIP(qPrintable(mldesk::test::SlurmTestCluster::skipMessage()));
        m_connection.url = QUrl(url);
        m_connection.user = qEnvironmentVariable("SLURM_USER_NAME", u"root"_s);
        m_connection.token = qEnvironmentVariable("SLURM_JWT");
        m_connection.tokenSource = u"environment variable SLURM_JWT"_s;
        QVERIFY(m_shared.isValid());
        QFile::setPermissions(m_shared.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                   QFileDevice::ExeOwner | QFileDevice::ReadOther |
                                                   QFileDevice::ExeOther);
        m_target.url = url;
        m_target.user = m_connection.user;
        m_target.partition = u"debug"_s;
        m_target.timeLimit = u"5"_s;
        m_target.sharedDirLocal = m_shared.path(); // the nodes see the same path (one machine)
        m_target.tokenEnv = u"SLURM_JWT"_s;
        m_supervisor = qEnvironmentVariable("MLDESK_SUPERVISOR");
        m_trainer = qEnvironmentVariable("MLDESK_TRAIN");
        QVERIFY2(QFileInfo(m_supervisor).isExecutable(), "MLDESK_SUPERVISOR must name the built mldesk-supervisor");
        // Into the shared folder, where the nodes see them (the 24.11 cluster's nodes see nothing else of here).
        QString error;
        m_supervisor = SlurmRunBackend::stage(m_target, m_supervisor, &error);
        QVERIFY2(!m_supervisor.isEmpty(), qPrintable(error));
        if (QFileInfo(m_trainer).isExecutable()) {
            m_trainer = SlurmRunBackend::stage(m_target, m_trainer, &error);
            QVERIFY2(!m_trainer.isEmpty(), qPrintable(error));
        }
    }

    void trainerCompletes()
    {
        if (m_trainer.isEmpty() || !QFileInfo(m_trainer).isExecutable())
            QSKIP("mldesk-train is not built (MLDESK_TRAIN)");
        mldesk::test::writeSyntheticMnist(m_shared.filePath(u"data"_s));
        SlurmJobMonitor monitor(
            m_http, [this] { return m_connection; }, fast());
        const QString uid = u"slurm-train_1"_s;
        const SlurmJobSpec s = spec(uid, m_trainer,
                                    {u"--data-folder"_s, m_shared.filePath(u"data"_s), u"--batch-size"_s, u"50"_s,
                                     u"--epochs"_s, u"2"_s, u"--seed"_s, u"1"_s});
        auto w = submit(monitor, s);
        QVERIFY2(w->submitError.ok(), qPrintable(w->submitError.message));
        QTRY_VERIFY_WITH_TIMEOUT(w->ended, 120000);
        QVERIFY(!w->vanished);
        const QString dir = runDir(uid);
        const SlurmRunOutcome o = SlurmRunState::fromJob(w->last, SlurmExitRecord::read(dir), false);
        QVERIFY2(o.state == RunState::Completed,
                 qPrintable(o.detail + u" / "_s + readText(dir + u"/logs/std_log.txt"_s)));
        QCOMPARE(o.exitCode.value_or(-1), 0);
        // What was seen on the way (the tiny training may finish between two polls) were live states only.
        for (qsizetype i = 0; i + 1 < w->updates.size(); ++i)
            QVERIFY2(!w->updates[i].isFinished(), qPrintable(w->updates[i].state));
        // The same files as a local run, in the shared folder.
        QVERIFY(mldesk::test::metricLines(dir) >= 4); // Loss and Accuracy per epoch
        QVERIFY(!readText(dir + u"/logs/std_log.txt"_s).isEmpty());
        QVERIFY(QFile::exists(dir + u"/outputs/model/model.json"_s));
        QVERIFY(QFile::exists(dir + u"/exit.json"_s));
        QVERIFY(QFile::exists(dir + u"/logs/slurm-%1.out"_s.arg(w->jobId)));
    }

    void exitThreeFails()
    {
        SlurmJobMonitor monitor(
            m_http, [this] { return m_connection; }, fast());
        const QString uid = u"slurm-exit3_1"_s;
        auto w = submit(monitor,
                        spec(uid, u"/bin/bash"_s, {u"-c"_s, u"echo \"about to fail in $MLDESK_RUN_ID\"; exit 3"_s}));
        QVERIFY2(w->submitError.ok(), qPrintable(w->submitError.message));
        QTRY_VERIFY_WITH_TIMEOUT(w->ended, 60000);
        const QString dir = runDir(uid);
        const SlurmRunOutcome o = SlurmRunState::fromJob(w->last, SlurmExitRecord::read(dir), false);
        QCOMPARE(runStateName(o.state), runStateName(RunState::Failed));
        QCOMPARE(o.exitCode.value_or(-1), 3);
        QCOMPARE(w->last.state, u"FAILED"_s);
        QVERIFY2(o.failureReason.contains(u"exit code 3"_s), qPrintable(o.failureReason));
        QVERIFY(readText(dir + u"/logs/std_log.txt"_s).contains(u"about to fail in slurm-exit3_1"_s));
    }

    void cancelEndsCanceled()
    {
        SlurmJobMonitor monitor(
            m_http, [this] { return m_connection; }, fast());
        const QString uid = u"slurm-cancel_1"_s;
        auto w = submit(monitor, spec(uid, u"/bin/sleep"_s, {u"300"_s}));
        QVERIFY2(w->submitError.ok(), qPrintable(w->submitError.message));
        const QString dir = runDir(uid);
        // The supervisor has started the job (process.json) - so TERM reaches it.
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir + u"/process.json"_s), 30000);
        monitor.cancel(w->jobId);
        QTRY_VERIFY_WITH_TIMEOUT(w->ended, 30000);
        const auto exit = SlurmExitRecord::read(dir);
        const SlurmRunOutcome o = SlurmRunState::fromJob(w->last, exit, true);
        QCOMPARE(runStateName(o.state), runStateName(RunState::Canceled));
        QVERIFY(exit && exit->terminateRequested); // the supervisor got SIGTERM and recorded the end
        // The Slurm job is gone: finished, nothing of it runs.
        SlurmClient client(*m_http, m_connection);
        const auto after = client.job(w->jobId);
        QVERIFY(after.error.kind == SlurmError::Kind::NotFound || after.value.isFinished());
    }

    // slurmrestd goes away under a running job and comes back: the run keeps its state, the monitor says the
    // cluster is unreachable and retries, and the job's end is picked up afterwards with nothing lost.
    void unreachableThenResumes()
    {
        if (::geteuid() != 0)
            QSKIP("stopping slurmrestd needs root (tests/slurm/stop-slurm.sh)");
        SlurmJobMonitor monitor(
            m_http, [this] { return m_connection; }, fast());
        QSignalSpy problems(&monitor, &SlurmJobMonitor::connectionProblem);
        QSignalSpy restored(&monitor, &SlurmJobMonitor::connectionRestored);
        const QString uid = u"slurm-outage_1"_s;
        auto w = submit(
            monitor,
            spec(uid, u"/bin/bash"_s,
                 {u"-c"_s, u"for i in 1 2 3 4 5 6; do echo \"line $i\"; "
                           u"echo '{\"name\":\"Loss\",\"step\":'$i',\"value\":0.5}' >> \"$MLDESK_METRICS_FILE\"; "
                           u"sleep 1; done"_s}));
        QVERIFY2(w->submitError.ok(), qPrintable(w->submitError.message));
        QTRY_VERIFY_WITH_TIMEOUT(!w->updates.isEmpty() && w->last.state == u"RUNNING"_s, 30000);
        QVERIFY(clusterScript(SlurmTestCluster::script(u"stop-slurm"_s), {u"slurmrestd"_s}));
        QTRY_VERIFY_WITH_TIMEOUT(!problems.isEmpty(), 10000);
        QVERIFY(!monitor.reachable());
        QVERIFY2(monitor.problem().startsWith(u"cluster unreachable, retrying"_s), qPrintable(monitor.problem()));
        QCOMPARE(w->last.state, u"RUNNING"_s); // the run keeps its state meanwhile
        QVERIFY(!w->ended);
        // The job finishes while nobody can ask.
        const QString dir = runDir(uid);
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir + u"/exit.json"_s), 30000);
        QVERIFY(clusterScript(SlurmTestCluster::script(u"start-slurm"_s)));
        QTRY_VERIFY_WITH_TIMEOUT(!restored.isEmpty(), 15000);
        QVERIFY(monitor.reachable());
        QTRY_VERIFY_WITH_TIMEOUT(w->ended, 30000);
        const SlurmRunOutcome o = SlurmRunState::fromJob(w->last, SlurmExitRecord::read(dir), false);
        QCOMPARE(runStateName(o.state), runStateName(RunState::Completed));
        QCOMPARE(mldesk::test::metricLines(dir), 6);
        QVERIFY(readText(dir + u"/logs/std_log.txt"_s).contains(u"line 6"_s));
    }

    void badTokenIsAProblemNotACrash()
    {
        SlurmClient::Connection bad = m_connection;
        bad.token = u"not-a-token"_s;
        SlurmJobMonitor monitor(
            m_http, [bad] { return bad; }, fast());
        QSignalSpy problems(&monitor, &SlurmJobMonitor::connectionProblem);
        monitor.track(1, u"whatever"_s);
        QTRY_VERIFY_WITH_TIMEOUT(!problems.isEmpty(), 10000);
        const auto error = problems.first().at(1).value<SlurmError>();
        QCOMPARE(error.kind, SlurmError::Kind::Auth);
        QVERIFY2(monitor.problem().contains(u"SLURM_JWT"_s) && monitor.problem().contains(u"token"_s),
                 qPrintable(monitor.problem()));
        QVERIFY(monitor.isTracking(1)); // kept: a renewed token resumes it
    }

    // A job Slurm does not know (purged after MinJobAge), or a job id now used by another job (the cluster's state
    // was reset): vanished, so the run's end comes from its exit record.
    void vanishedJobs()
    {
        SlurmJobMonitor monitor(
            m_http, [this] { return m_connection; }, fast());
        QSignalSpy vanished(&monitor, &SlurmJobMonitor::jobVanished);
        auto w = submit(monitor, spec(u"slurm-real_1"_s, u"/bin/true"_s, {}));
        QVERIFY2(w->submitError.ok(), qPrintable(w->submitError.message));
        monitor.track(99999999, u"slurm-purged_1"_s);
        monitor.track(w->jobId + 0, u"slurm-other-run_1"_s); // same id, another run's name: not ours
        QTRY_COMPARE_WITH_TIMEOUT(vanished.size(), 2, 15000);
        QStringList runs = {vanished.at(0).at(0).toString(), vanished.at(1).at(0).toString()};
        runs.sort();
        QCOMPARE(runs, (QStringList{u"slurm-other-run_1"_s, u"slurm-purged_1"_s}));
    }
};

QTEST_GUILESS_MAIN(TestSlurmJobMonitor)
#include "TestSlurmJobMonitor.moc"
