// Slurm runs through the run service on the real test cluster (issue 8, "Done when"): `mldesk-cli compute create
// hpc --type slurm ...` then `run submit --builtin mldesk-train --compute hpc --wait` streams the log and ends
// Completed with metrics ingested and outputs captured; through RunService: a script that exits 3 -> Failed with
// exit code 3 and Slurm's real start and end times; cancel -> Canceled and the Slurm job gone; MLDesk killed between
// submit and storing the job id -> the job found again by the run id, one job; slurmrestd stopped mid-run -> the run
// keeps its state with "cluster unreachable, retrying" as its note, and ends Completed once slurmrestd is back.
// Against both test clusters (Slurm 22.05 and 24.11, SlurmTestCluster), the target's API version on auto.
#include "../core/RunTestSupport.h"
#include "core/compute/ComputeTargetRegistry.h"
#include "core/http/HttpClient.h"
#include "core/runs/RunService.h"
#include "core/runs/RunStore.h"
#include "core/slurm/SlurmClient.h"
#include "core/slurm/SlurmTargetConnection.h"

#include "SlurmTestCluster.h"

#include <QJsonArray>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <unistd.h>

using namespace mldesk::core;
using namespace mldesk::test;
using namespace Qt::StringLiterals;

namespace {

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

QStringList historyStates(const RunRecord &run)
{
    QStringList states;
    for (const RunStateChange &c : run.history)
        states.append(runStateName(c.state));
    return states;
}

} // namespace

class TestSlurmRuns final : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir{QDir::tempPath() + u"/mldesk-slurm-runs-XXXXXX"_s};
    QString m_cli, m_ws, m_shared;

    struct Result {
        int exitCode = -1;
        QByteArray out, err;
    };
    Result cli(const QStringList &args, int timeoutMs = 180000)
    {
        QProcess p;
        p.start(m_cli, QStringList{u"--workspace"_s, m_ws} + args);
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished();
        }
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
                p.readAllStandardError()};
    }

    RunServiceOptions fast()
    {
        RunServiceOptions o;
        o.gpus = QList<int>{}; // no local GPU probe: these runs go to Slurm
        o.supervisorPath = qEnvironmentVariable("MLDESK_SUPERVISOR");
        o.slurmPolling.activeIntervalMs = 300;
        o.slurmPolling.idleIntervalMs = 1000;
        o.slurmPolling.maxRetryIntervalMs = 1000;
        o.slurmPolling.cancelGraceMs = 3000;
        return o;
    }

    QString scriptFolder(const QString &name, const QString &code)
    {
        const QString folder = m_dir.filePath(u"src-"_s + name);
        writeText(folder + u"/job.py"_s, code);
        return folder;
    }

    RunRequest slurmScript(const QString &folder)
    {
        RunRequest r = scriptRequest(folder, u"job.py"_s);
        r.compute = u"hpc"_s;
        return r;
    }

private slots:
    void initTestCase()
    {
        if (qEnvironmentVariable("SLURMRESTD_URL").isEmpty())
            QSKIP(qPrintable(mldesk::test::SlurmTestCluster::skipMessage()));
        QVERIFY(m_dir.isValid());
        m_cli = qEnvironmentVariable("MLDESK_CLI");
        QVERIFY2(QFileInfo(m_cli).isExecutable(), "MLDESK_CLI must name the mldesk-cli binary (set by CTest)");
        QVERIFY2(QFileInfo(qEnvironmentVariable("MLDESK_SUPERVISOR")).isExecutable(),
                 "MLDESK_SUPERVISOR must name the built mldesk-supervisor");
        QVERIFY2(QFileInfo(qEnvironmentVariable("MLDESK_TRAIN")).isExecutable(),
                 "MLDESK_TRAIN must name the built mldesk-train");
        // System-Python is "the same interpreter path on the nodes": Debian's /usr/bin/python3, which both clusters'
        // nodes have (the 24.11 one is a Debian 13 root that knows nothing of this machine's pyenv shims).
        qputenv("PATH", "/usr/bin:/bin:" + qgetenv("PATH"));
        if (QStandardPaths::findExecutable(u"python3"_s).isEmpty())
            QSKIP("python3 is not installed");
        m_ws = m_dir.filePath(u"ws"_s);
        m_shared = m_dir.filePath(u"shared"_s);
        QVERIFY(QDir().mkpath(m_shared));
        Workspace::create(m_ws, u"slurm-runs"_s);
        writeSyntheticMnist(m_dir.filePath(u"data"_s));
        auto ws = Workspace::open(m_ws);
        registerFolder(*ws, u"synth"_s, m_dir.filePath(u"data"_s));
        const Result r = cli({u"compute"_s, u"create"_s, u"hpc"_s, u"--type"_s, u"slurm"_s, u"--url"_s,
                              qEnvironmentVariable("SLURMRESTD_URL"), u"--user"_s,
                              qEnvironmentVariable("SLURM_USER_NAME", u"root"_s), u"--token-env"_s, u"SLURM_JWT"_s,
                              u"--partition"_s, u"debug"_s, u"--shared-dir"_s, m_shared});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    // The "Done when", on the CLI.
    void cliSubmitWaitCompletes()
    {
        const Result r =
            cli({u"run"_s, u"submit"_s, u"--experiment"_s, u"e"_s, u"--builtin"_s, u"mldesk-train"_s,
                 u"--environment"_s, u"MLDesk-Native"_s, u"--compute"_s, u"hpc"_s, u"--wait"_s, u"--"_s,
                 u"--data-folder"_s, u"{dataset:synth:mount}"_s, u"--batch-size"_s, u"50"_s, u"--epochs"_s, u"1"_s});
        QVERIFY2(r.exitCode == 0, QByteArray(r.out + r.err).constData());
        QVERIFY2(r.out.contains("Epoch 1/1"), r.out.constData()); // the log streamed
        QVERIFY(r.out.contains("ended Completed"));
        QVERIFY(r.out.contains("Loss = "));
        const QString uid = QString::fromUtf8(r.out.split('\n').first()).section(u' ', 1);

        auto ws = Workspace::open(m_ws);
        RunStore store(ws->database());
        const RunRecord run = store.get(uid);
        QCOMPARE(runStateName(run.state), u"Completed"_s);
        QVERIFY2(run.runDir.startsWith(m_shared + u"/runs/"_s), qPrintable(run.runDir)); // in the shared folder
        QVERIFY(run.backendJobId.toLongLong() > 0);                                      // the Slurm job id
        QCOMPARE(run.exitCode.value_or(-1), 0);
        QVERIFY(run.device.isEmpty()); // no local slot was taken
        const QStringList states = historyStates(run);
        QCOMPARE(states.first(), u"Queued"_s);
        QCOMPARE(states.last(), u"Completed"_s);
        // Metrics ingested from the shared folder: exactly what the job wrote.
        QVERIFY(metricLines(run.runDir) >= 4);
        QCOMPARE(store.metricCount(run.id), qint64(metricLines(run.runDir)));
        QCOMPARE(store.metrics(run.id, u"Loss"_s).size(), 1);
        // Outputs captured into the workspace.
        QStringList paths;
        for (const RunFileEntry &f : run.outputs)
            paths.append(f.path);
        QVERIFY2(paths.contains(u"outputs/model/model.json"_s) && paths.contains(u"outputs/model/model.h5"_s),
                 qPrintable(paths.join(u", "_s)));
        const Result files = cli({u"run"_s, u"files"_s, uid});
        QVERIFY(files.out.contains("outputs/model/model.h5"));
        // The dataset copy made for the nodes is gone again.
        QVERIFY(!QFileInfo::exists(run.runDir + u"/inputs/synth_v1"_s));
        const Result show = cli({u"--json"_s, u"run"_s, u"show"_s, uid});
        const QJsonObject shown = QJsonDocument::fromJson(show.out).object();
        QCOMPARE(shown.value(u"state"_s).toString(), u"Completed"_s);
        QCOMPARE(shown.value(u"compute"_s).toString(), u"hpc"_s);
    }

    void scriptExitingThreeFails()
    {
        auto ws = Workspace::open(m_ws);
        RunService service(*ws, fast());
        const QString folder =
            scriptFolder(u"exit3"_s, u"import sys\nprint('about to fail', flush=True)\nsys.exit(3)\n"_s);
        const RunRecord run = service.submit(slurmScript(folder));
        QVERIFY(run.runDir.startsWith(m_shared));
        service.start();
        QTRY_VERIFY_WITH_TIMEOUT(isTerminal(service.store().get(run.uid).state), 120000);
        const RunRecord done = service.store().get(run.uid);
        QVERIFY2(done.state == RunState::Failed, qPrintable(runStateName(done.state) + u": "_s + done.failureReason));
        QCOMPARE(done.exitCode.value_or(-1), 3);
        QVERIFY2(done.failureReason.contains(u"exit code 3"_s), qPrintable(done.failureReason));
        QVERIFY2(done.failureReason.contains(u"about to fail"_s), qPrintable(done.failureReason)); // the log tail
        QVERIFY(!service.isWatching(run.uid));
        // Its real start and end, as Slurm reports them, even when it was too short to be seen Running.
        ComputeTarget target = ComputeTargetRegistry(ws->database()).get(u"hpc"_s);
        std::unique_ptr<HttpClient> http = HttpClient::create();
        const auto job = SlurmClient(*http, SlurmTargetConnection::fromEnvironment(target.slurm))
                             .job(done.backendJobId.toLongLong());
        QVERIFY2(job.ok(), qPrintable(job.error.message));
        QVERIFY(done.started.isValid() && done.ended.isValid());
        QCOMPARE(done.started.toSecsSinceEpoch(), job.value.startTime.toSecsSinceEpoch());
        QCOMPARE(done.ended.toSecsSinceEpoch(), job.value.endTime.toSecsSinceEpoch());
    }

    void cancelEndsCanceled()
    {
        auto ws = Workspace::open(m_ws);
        RunService service(*ws, fast());
        const QString folder = scriptFolder(
            u"sleep"_s, u"import time\nprint('sleeping', flush=True)\ntime.sleep(300)\nprint('woke up')\n"_s);
        const RunRecord run = service.submit(slurmScript(folder));
        service.start();
        QTRY_VERIFY_WITH_TIMEOUT(service.store().get(run.uid).state == RunState::Running, 120000);
        QTRY_VERIFY_WITH_TIMEOUT(readAll(run.runDir + u"/logs/std_log.txt"_s).contains("sleeping"), 30000);
        const qint64 jobId = service.store().get(run.uid).backendJobId.toLongLong();
        QVERIFY(jobId > 0);
        service.cancel(run.uid);
        QTRY_VERIFY_WITH_TIMEOUT(isTerminal(service.store().get(run.uid).state), 60000);
        const RunRecord done = service.store().get(run.uid);
        QCOMPARE(runStateName(done.state), u"Canceled"_s);
        QVERIFY(done.cancelRequested);
        QVERIFY(!readAll(run.runDir + u"/logs/std_log.txt"_s).contains("woke up"));
        const QStringList states = historyStates(done);
        QVERIFY2(states.indexOf(u"Running"_s) > states.indexOf(u"Queued"_s), qPrintable(states.join(u' ')));
        // The Slurm job is gone: finished, nothing of it runs.
        ComputeTarget target = ComputeTargetRegistry(ws->database()).get(u"hpc"_s);
        std::unique_ptr<HttpClient> http = HttpClient::create();
        SlurmClient client(*http, SlurmTargetConnection::fromEnvironment(target.slurm));
        const auto after = client.job(jobId);
        QVERIFY(after.error.kind == SlurmError::Kind::NotFound || after.value.isFinished());
    }

    // MLDesk killed after Slurm accepted the job but before the job id was stored: the run is left Preparing, claimed
    // by a process that is gone, with its job on the cluster. The next MLDesk finds the job by the run id in its name
    // and comment and follows it to the end: one job, never a second submission, never an orphan.
    void killedBeforeStoringJobIdReattaches()
    {
        auto ws = Workspace::open(m_ws);
        const QString go = m_dir.filePath(u"go-reattach"_s);
        const QString folder = scriptFolder(
            u"reattach"_s, u"import os, time\nprint('waiting', flush=True)\nwhile not os.path.exists(%1):\n"
                           u"    time.sleep(0.2)\nprint('done', flush=True)\n"_s.arg(u"'"_s + go + u"'"_s));
        qint64 jobId = 0;
        RunRecord run;
        {
            RunService first(*ws, fast());
            run = first.submit(slurmScript(folder));
            first.start();
            QTRY_VERIFY_WITH_TIMEOUT(first.store().get(run.uid).state == RunState::Running, 120000);
            jobId = first.store().get(run.uid).backendJobId.toLongLong();
            QVERIFY(jobId > 0);
        }              // this MLDesk process is gone; the job runs on
        QProcess gone; // a preparer that has exited: its pid names no process any more
        gone.start(u"/bin/true"_s);
        QVERIFY(gone.waitForFinished(10000));
        RunStore store(ws->database());
        QVERIFY(store.transition(run.id, {RunState::Running}, RunState::Preparing, u"preparing for Slurm target hpc"_s,
                                 {{u"backend_job_id"_s, u"preparing:%1:1"_s.arg(gone.processId())}}));

        RunService second(*ws, fast());
        second.start();
        QTRY_COMPARE_WITH_TIMEOUT(second.store().get(run.uid).backendJobId, QString::number(jobId), 60000);
        QVERIFY(!isTerminal(second.store().get(run.uid).state));
        writeText(go, u"go"_s);
        QTRY_VERIFY_WITH_TIMEOUT(isTerminal(second.store().get(run.uid).state), 120000);
        const RunRecord done = second.store().get(run.uid);
        QVERIFY2(done.state == RunState::Completed,
                 qPrintable(runStateName(done.state) + u": "_s + done.failureReason));
        QVERIFY(readAll(run.runDir + u"/logs/std_log.txt"_s).contains("done"));
        QVERIFY(readAll(run.runDir + u"/logs/mldesk_system.txt"_s).contains("found Slurm job"));
        // Exactly one job of this run on the cluster.
        ComputeTarget target = ComputeTargetRegistry(ws->database()).get(u"hpc"_s);
        std::unique_ptr<HttpClient> http = HttpClient::create();
        const auto jobs = SlurmClient(*http, SlurmTargetConnection::fromEnvironment(target.slurm)).jobsChangedSince(0);
        QVERIFY2(jobs.ok(), qPrintable(jobs.error.message));
        QCOMPARE(std::count_if(jobs.value.jobs.begin(), jobs.value.jobs.end(),
                               [&](const SlurmJob &j) { return j.name == run.uid; }),
                 1);
    }

    // slurmrestd goes away under a running job: the run keeps its state with the note, then ends Completed.
    void unreachableClusterIsANote()
    {
        if (::geteuid() != 0)
            QSKIP("stopping slurmrestd needs root (tests/slurm/stop-slurm.sh)");
        auto ws = Workspace::open(m_ws);
        RunService service(*ws, fast());
        QSignalSpy notes(&service, &RunService::runNoteChanged);
        const QString folder =
            scriptFolder(u"outage"_s, u"import time\nfrom mldesk import Run\nrun = Run.get_context()\n"
                                      u"for i in range(8):\n    print('line', i, flush=True)\n"
                                      u"    run.log('Loss', 1.0 / (i + 1))\n    time.sleep(1)\n"_s);
        const RunRecord run = service.submit(slurmScript(folder));
        service.start();
        QTRY_VERIFY_WITH_TIMEOUT(service.store().get(run.uid).state == RunState::Running, 120000);
        QVERIFY(clusterScript(SlurmTestCluster::script(u"stop-slurm"_s), {u"slurmrestd"_s}));
        QTRY_VERIFY_WITH_TIMEOUT(!service.store().get(run.uid).note.isEmpty(), 15000);
        const RunRecord meanwhile = service.store().get(run.uid);
        QVERIFY2(meanwhile.note.startsWith(u"cluster unreachable, retrying"_s), qPrintable(meanwhile.note));
        QCOMPARE(runStateName(meanwhile.state), u"Running"_s); // keeps its state
        QVERIFY(!notes.isEmpty());
        // The job ends while nobody can ask; the log and metrics are ingested meanwhile from the shared folder.
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(run.runDir + u"/exit.json"_s), 60000);
        QVERIFY(clusterScript(SlurmTestCluster::script(u"start-slurm"_s)));
        QTRY_VERIFY_WITH_TIMEOUT(isTerminal(service.store().get(run.uid).state), 60000);
        const RunRecord done = service.store().get(run.uid);
        QVERIFY2(done.state == RunState::Completed, qPrintable(done.failureReason));
        QVERIFY(done.note.isEmpty());
        QCOMPARE(service.store().metricCount(done.id), qint64(8)); // nothing lost, nothing doubled
        QVERIFY(readAll(run.runDir + u"/logs/std_log.txt"_s).contains("line 7"));
        QVERIFY(readAll(run.runDir + u"/logs/mldesk_system.txt"_s).contains("cluster unreachable"));
    }
};

QTEST_GUILESS_MAIN(TestSlurmRuns)
#include "TestSlurmRuns.moc"
