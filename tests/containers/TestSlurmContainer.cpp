// TestSlurmContainer (issue 15): container environments on Slurm targets - refused at submit, saying why, when the
// target does not say its nodes run containers or the image exists only here; otherwise the generated batch script
// runs the script through pyxis (`srun --container-image=... --container-mounts=RUN:RUN`), built by the real
// RunSubmitter and SlurmRunLauncher for a workspace inside the target's shared folder. No cluster is needed.
#include "../core/RunTestSupport.h"

#include "core/compute/ComputeTargetRegistry.h"
#include "core/containers/SlurmContainer.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/runs/RunStore.h"
#include "core/runs/RunSubmitter.h"
#include "core/runs/SlurmRunLauncher.h"
#include "core/slurm/SlurmRunJob.h"
#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestSlurmContainer final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Workspace> m_ws;
    QString m_src;

    SlurmTargetConfig config(bool containers) const
    {
        SlurmTargetConfig c;
        c.url = u"http://127.0.0.1:9"_s;
        c.user = u"mldesk"_s;
        c.sharedDirLocal = m_dir.filePath(u"shared"_s);
        c.sharedDirCluster = u"/cluster/shared"_s;
        c.tokenEnv = u"MLDESK_TEST_TOKEN"_s;
        c.containers = containers;
        return c;
    }

    RunRequest request(const QString &environment, const QString &compute) const
    {
        RunRequest r = scriptRequest(m_src, u"train.py"_s, {u"--epochs"_s, u"2"_s});
        r.environment = environment;
        r.compute = compute;
        return r;
    }

    QString problems(const QString &environment, const QString &compute)
    {
        return RunSubmitter(*m_ws).validate(request(environment, compute)).join(u'\n');
    }

private slots:
    void initTestCase()
    {
        QDir().mkpath(m_dir.filePath(u"shared"_s));
        m_ws = Workspace::create(m_dir.filePath(u"shared/ws"_s), u"slurm-containers"_s);
        m_src = m_dir.filePath(u"src"_s);
        writeText(m_src + u"/train.py"_s, u"from azureml.core import Run\nRun.get_context().log('loss', 1.0)\n"_s);
        ComputeTargetRegistry targets(m_ws->database());
        targets.createSlurm(u"plain"_s, config(false));
        targets.createSlurm(u"pyxis"_s, config(true));
        EnvironmentRegistry envs(m_ws->database());
        envs.createFromConda(u"pytorch"_s, {}, u"nvcr.io/nvidia/pytorch:24.01-py3"_s);
        envs.createFromConda(u"local-image"_s, {}, u"localhost/python-test:1"_s);
        EnvironmentContainerOptions built;
        built.dockerfile = u"FROM python:3.11-slim\nRUN pip install numpy\n"_s;
        envs.createFromConda(u"built-here"_s, {}, {}, {}, {}, {}, built);
    }

    void refusedWhenTargetHasNoContainers()
    {
        const QString why = problems(u"pytorch"_s, u"plain"_s);
        QVERIFY2(why.contains(u"compute target 'plain' does not say its nodes run containers"_s), qPrintable(why));
        QVERIFY2(why.contains(u"--containers"_s), qPrintable(why));
        // submit refuses the same way: nothing is recorded.
        QVERIFY_THROWS_EXCEPTION(WorkspaceError,
                                 RunSubmitter(*m_ws).submit(request(u"pytorch"_s, u"plain"_s), 1 << 20));
        QCOMPARE(m_ws->database().scalar(u"SELECT COUNT(*) FROM runs"_s).toInt(), 0);
    }

    void refusedWhenImageExistsOnlyHere()
    {
        QString why = problems(u"local-image"_s, u"pyxis"_s);
        QVERIFY2(why.contains(u"exists only on this machine"_s), qPrintable(why));
        why = problems(u"built-here"_s, u"pyxis"_s);
        QVERIFY2(why.contains(u"built on this machine"_s) && why.contains(u"push it to a registry"_s), qPrintable(why));
        QVERIFY2(problems(u"pytorch"_s, u"pyxis"_s).isEmpty(), qPrintable(problems(u"pytorch"_s, u"pyxis"_s)));
    }

    void pyxisImageNames_data()
    {
        QTest::addColumn<QString>("docker");
        QTest::addColumn<QString>("pyxis");
        QTest::newRow("hub") << u"python:3.11-slim"_s << u"python:3.11-slim"_s;
        QTest::newRow("hub user") << u"pytorch/pytorch:2.1.0"_s << u"pytorch/pytorch:2.1.0"_s;
        QTest::newRow("registry") << u"nvcr.io/nvidia/pytorch:24.01-py3"_s << u"nvcr.io#nvidia/pytorch:24.01-py3"_s;
        QTest::newRow("port") << u"registry:5000/team/img:1"_s << u"registry:5000#team/img:1"_s;
    }

    void pyxisImageNames()
    {
        QFETCH(QString, docker);
        QFETCH(QString, pyxis);
        QCOMPARE(SlurmContainer::pyxisImage(docker), pyxis);
    }

    void batchScriptRunsTheImageThroughPyxis()
    {
        const RunRecord queued = RunSubmitter(*m_ws).submit(request(u"pytorch"_s, u"pyxis"_s), 1 << 20);
        RunStore store(m_ws->database());
        QVERIFY(store.transition(queued.id, {RunState::Queued}, RunState::Preparing));
        const ComputeTarget target = ComputeTargetRegistry(m_ws->database()).get(u"pyxis"_s);
        SlurmRunLauncher::Options options;
        options.supervisorPath = u"/usr/bin/true"_s; // staged by the backend, not started here
        const std::optional<SlurmRunLaunch> launch = SlurmRunLauncher::prepare(
            m_ws->database(), m_ws->blobs(), m_ws->path(), store.get(queued.uid), target, options);
        QVERIFY(launch.has_value());
        QCOMPARE(launch->program, u"srun"_s);
        SlurmRunJobInput in;
        in.runUid = launch->uid;
        in.experiment = launch->experiment;
        in.runDir = launch->runDir;
        in.supervisor = u"/cluster/shared/.mldesk/bin/mldesk-supervisor"_s;
        in.program = launch->program;
        in.arguments = launch->arguments;
        in.environment = launch->environment;
        QString error;
        const SlurmJobSpec spec = SlurmRunJob::build(target.slurm, in, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QString runDir = SlurmRunJob::clusterPath(target.slurm, launch->runDir, &error);
        QVERIFY(runDir.startsWith(u"/cluster/shared/"_s));
        const QString expected = u"-- 'srun' '--container-image=nvcr.io#nvidia/pytorch:24.01-py3' "
                                 u"'--container-mounts=%1:%1' '--container-workdir=%1' '--no-container-mount-home' "
                                 u"'python3' '%1/snapshot/train.py' '--epochs' '2'\n"_s.arg(runDir);
        QVERIFY2(spec.script.contains(expected), qPrintable(spec.script));
        // The run context and the azureml shim (train.py imports azureml) as the nodes see them.
        QVERIFY2(spec.environment.value(u"PYTHONPATH"_s).startsWith(runDir + u"/.mldesk/azureml-compat:"_s),
                 qPrintable(spec.environment.value(u"PYTHONPATH"_s)));
    }
};

QTEST_GUILESS_MAIN(TestSlurmContainer)
#include "TestSlurmContainer.moc"
