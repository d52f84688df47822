// SlurmRunBackend on the real test cluster: the built-in trainer staged into the shared folder and run under the
// supervisor -> Running -> Completed with metrics, log and outputs in the run folder; a run followed by a new
// backend after the first one went away (the GUI closed) -> re-attached, Completed; cancel -> Canceled; the time
// limit running out -> Failed (TIMEOUT); a refused submit -> Slurm's reason.
#include "../core/RunTestSupport.h"
#include "core/http/HttpClient.h"
#include "core/slurm/SlurmRunBackend.h"

#include "SlurmTestCluster.h"

#include <QSignalSpy>
#include <QtTest>

using namespace mldesk::core;
using namespace Qt::StringLiterals;

class TestSlurmRunBackend final : public QObject {
    Q_OBJECT
private:
    std::shared_ptr<HttpClient> m_http{HttpClient::create()};
    QTemporaryDir m_shared{QDir::tempPath() + u"/mldesk-slurm-backend-XXXXXX"_s};
    ComputeTarget m_target;
    QString m_supervisor, m_trainer;

    SlurmJobMonitor::Options fast()
    {
        SlurmJobMonitor::Options o;
        o.activeIntervalMs = 300;
        o.idleIntervalMs = 1000;
        o.cancelGraceMs = 3000;
        return o;
    }

    SlurmRunLaunch launch(const QString &uid, const QString &program, const QStringList &args, bool stageProgram)
    {
        SlurmRunLaunch l;
        l.uid = uid;
        l.experiment = u"slurm-backend"_s;
        l.runDir = SlurmRunBackend::runDirFor(m_target.slurm, uid);
        for (const char *sub : {"logs", "outputs", "snapshot"})
            QDir().mkpath(l.runDir + u'/' + QLatin1String(sub));
        l.program = program;
        l.stageProgram = stageProgram;
        l.arguments = args;
        l.supervisor = m_supervisor;
        return l;
    }

    struct Seen {
        QList<SlurmRunOutcome> outcomes;
        bool ended() const { return !outcomes.isEmpty() && outcomes.last().terminal(); }
    };
    std::shared_ptr<Seen> follow(SlurmRunBackend &backend, const QString &uid)
    {
        auto seen = std::make_shared<Seen>();
        connect(&backend, &SlurmRunBackend::runUpdated, this,
                [seen, uid](const QString &run, const SlurmRunOutcome &o) {
                    if (run == uid)
                        seen->outcomes.append(o);
                });
        return seen;
    }

    qint64 start(SlurmRunBackend &backend, const SlurmRunLaunch &l)
    {
        qint64 id = -1;
        QString error;
        backend.start(m_target, l, [&](qint64 jobId, const QString &e) {
            id = jobId;
            error = e;
        });
        [&] {
            QTRY_VERIFY_WITH_TIMEOUT(id >= 0, 30000);
        }();
        if (!error.isEmpty())
            qWarning("start failed: %s", qPrintable(error));
        return id;
    }

private slots:
    void initTestCase()
    {
        const QString url = qEnvironmentVariable("SLURMRESTD_URL");
        if (url.isEmpty())
            QSKIP(qPrintable(mldesk::test::SlurmTestCluster::skipMessage()));
        QVERIFY(m_shared.isValid());
        m_target.name = u"hpc"_s;
        m_target.kind = ComputeTarget::Kind::Slurm;
        m_target.slurm.url = url;
        m_target.slurm.user = qEnvironmentVariable("SLURM_USER_NAME", u"root"_s);
        m_target.slurm.partition = u"debug"_s;
        m_target.slurm.timeLimit = u"10"_s;
        m_target.slurm.sharedDirLocal = m_shared.path();
        m_target.slurm.tokenEnv = u"SLURM_JWT"_s;
        m_supervisor = qEnvironmentVariable("MLDESK_SUPERVISOR");
        m_trainer = qEnvironmentVariable("MLDESK_TRAIN");
        QVERIFY2(QFileInfo(m_supervisor).isExecutable(), "MLDESK_SUPERVISOR must name the built mldesk-supervisor");
    }

    void staging()
    {
        QString error;
        const QString a = SlurmRunBackend::stage(m_target.slurm, m_supervisor, &error);
        QVERIFY2(!a.isEmpty(), qPrintable(error));
        QVERIFY(a.startsWith(m_shared.path() + u"/.mldesk/bin/mldesk-supervisor-"_s));
        QVERIFY(QFileInfo(a).isExecutable());
        QCOMPARE(SlurmRunBackend::stage(m_target.slurm, m_supervisor, &error), a); // once per content
        QVERIFY(SlurmRunBackend::stage(m_target.slurm, u"/nonexistent/prog"_s, &error).isEmpty());
        QVERIFY2(error.contains(u"/nonexistent/prog"_s), qPrintable(error));
    }

    void builtinTrainerCompletes()
    {
        if (!QFileInfo(m_trainer).isExecutable())
            QSKIP("mldesk-train is not built (MLDESK_TRAIN)");
        const QString data = m_shared.filePath(u"data"_s);
        mldesk::test::writeSyntheticMnist(data);
        SlurmRunBackend backend(m_http, QString(), fast());
        const QString uid = u"backend-train_1"_s;
        auto seen = follow(backend, uid);
        const SlurmRunLaunch l = launch(
            uid, m_trainer,
            {u"--data-folder"_s, data, u"--batch-size"_s, u"50"_s, u"--epochs"_s, u"3"_s, u"--seed"_s, u"1"_s}, true);
        QVERIFY(start(backend, l) > 0);
        QVERIFY(backend.isFollowing(uid));
        QTRY_VERIFY_WITH_TIMEOUT(seen->ended(), 120000);
        const SlurmRunOutcome last = seen->outcomes.last();
        QVERIFY2(last.state == RunState::Completed,
                 qPrintable(last.detail + u"\n"_s +
                            QString::fromUtf8(mldesk::test::readAll(l.runDir + u"/logs/std_log.txt"_s))));
        QVERIFY(!backend.isFollowing(uid));
        QVERIFY(mldesk::test::metricLines(l.runDir) >= 6);
        QVERIFY(QFile::exists(l.runDir + u"/outputs/model/model.json"_s));
        QVERIFY(!mldesk::test::readAll(l.runDir + u"/logs/std_log.txt"_s).isEmpty());
        QVERIFY(!QDir(m_shared.filePath(u".mldesk/bin"_s)).entryList({u"mldesk-train-*"_s}).isEmpty());
    }

    // The GUI closed during the run: a new backend follows it from the job id and the run folder.
    void reattachAfterRestart()
    {
        const QString uid = u"backend-reattach_1"_s;
        SlurmRunLaunch l = launch(uid, u"/bin/bash"_s, {u"-c"_s, u"sleep 3; echo finished alone"_s}, false);
        qint64 jobId = 0;
        {
            SlurmRunBackend first(m_http, QString(), fast());
            jobId = start(first, l);
            QVERIFY(jobId > 0);
        } // gone, as when the GUI closes
        SlurmRunBackend second(m_http, QString(), fast());
        auto seen = follow(second, uid);
        second.attach(m_target, uid, l.runDir, jobId);
        QTRY_VERIFY_WITH_TIMEOUT(seen->ended(), 60000);
        QCOMPARE(runStateName(seen->outcomes.last().state), runStateName(RunState::Completed));
        QVERIFY(mldesk::test::readAll(l.runDir + u"/logs/std_log.txt"_s).contains("finished alone"));
    }

    void cancelEndsCanceled()
    {
        SlurmRunBackend backend(m_http, QString(), fast());
        const QString uid = u"backend-cancel_1"_s;
        auto seen = follow(backend, uid);
        const SlurmRunLaunch l = launch(uid, u"/bin/sleep"_s, {u"300"_s}, false);
        QVERIFY(start(backend, l) > 0);
        QTRY_VERIFY_WITH_TIMEOUT(!seen->outcomes.isEmpty() && seen->outcomes.last().state == RunState::Running, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(l.runDir + u"/process.json"_s), 30000);
        QVERIFY(backend.cancel(uid));
        QTRY_VERIFY_WITH_TIMEOUT(seen->ended(), 30000);
        QCOMPARE(runStateName(seen->outcomes.last().state), runStateName(RunState::Canceled));
        QVERIFY(!backend.cancel(uid)); // no longer followed
    }

    // Takes about a minute and a half: a 1-minute limit, checked by slurmctld every 30 s.
    void timeLimitFailsWithTimeout()
    {
        SlurmRunBackend backend(m_http, QString(), fast());
        ComputeTarget limited = m_target;
        limited.slurm.timeLimit = u"1"_s;
        const QString uid = u"backend-timeout_1"_s;
        auto seen = follow(backend, uid);
        const SlurmRunLaunch l = launch(uid, u"/bin/sleep"_s, {u"600"_s}, false);
        qint64 id = -1;
        backend.start(limited, l, [&](qint64 jobId, const QString &) { id = jobId; });
        QTRY_VERIFY_WITH_TIMEOUT(id >= 0, 30000);
        QVERIFY(id > 0);
        QTRY_VERIFY_WITH_TIMEOUT(seen->ended(), 180000);
        const SlurmRunOutcome last = seen->outcomes.last();
        QCOMPARE(runStateName(last.state), runStateName(RunState::Failed));
        QVERIFY2(last.failureReason.contains(u"TIMEOUT"_s), qPrintable(last.failureReason));
        // The supervisor got Slurm's SIGTERM and recorded the end in the run folder.
        const auto exit = SlurmExitRecord::read(l.runDir);
        QVERIFY(exit && exit->terminateRequested);
    }

    void refusedSubmitSaysWhy()
    {
        SlurmRunBackend backend(m_http, QString(), fast());
        ComputeTarget wrong = m_target;
        wrong.slurm.partition = u"nosuchpartition"_s;
        SlurmRunLaunch l = launch(u"backend-bad_1"_s, u"/bin/true"_s, {}, false);
        qint64 id = -1;
        QString error;
        backend.start(wrong, l, [&](qint64 jobId, const QString &e) {
            id = jobId;
            error = e;
        });
        QTRY_VERIFY_WITH_TIMEOUT(id >= 0, 30000);
        QCOMPARE(id, 0);
        QVERIFY2(error.contains(u"Invalid partition name specified"_s), qPrintable(error));
        QVERIFY(!backend.isFollowing(u"backend-bad_1"_s));
    }
};

QTEST_GUILESS_MAIN(TestSlurmRunBackend)
#include "TestSlurmRunBackend.moc"
