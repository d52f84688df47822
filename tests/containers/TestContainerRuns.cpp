// TestContainerRuns: local runs of container environments with a real podman (ContainerLaunch and the supervisor
// running `podman run`): an Azure ML-style script inside the test image that logs metrics and writes outputs owned
// by the user, with read-only dataset inputs and no network; a Dockerfile-derived image built once and reused;
// cancel stops the container; a container killed from outside fails naming it; a missing image says how to provide
// it; the CLI flow with the watching mldesk-cli killed (SIGKILL) and a new process re-attaching.
// The image is localhost/python-test:1, made by make-test-image.sh (cached); the tests skip saying why without it.
#include "../core/RunTestSupport.h"

#include "core/containers/ContainerLaunch.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/runs/LocalProcess.h"
#include "core/runs/RunStore.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QtTest>

#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestContainerRuns final : public QObject {
    Q_OBJECT

private:
    const QString m_image = u"localhost/python-test:1"_s;
    QTemporaryDir m_dir;
    std::unique_ptr<Workspace> m_ws;
    QString m_podman;
    QString m_token = QString::number(QRandomGenerator::global()->generate64(), 16);
    QStringList m_imagesToRemove;

    int podman(const QStringList &args, QByteArray *output = nullptr)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(m_podman, args);
        if (!p.waitForFinished(120000)) {
            p.kill();
            p.waitForFinished();
            return -1;
        }
        if (output)
            *output = p.readAll();
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    }

    bool containerExists(const QString &name) { return podman({u"container"_s, u"exists"_s, name}) == 0; }

    RunRecord waitForEnd(RunService &service, const QString &uid, int timeoutMs = 120000)
    {
        return waitForRunEnd(service, uid, timeoutMs);
    }

    void createEnvironment(const QString &name, const QString &image, const QString &dockerfile = {})
    {
        EnvironmentContainerOptions container;
        container.dockerfile = dockerfile;
        EnvironmentRegistry(m_ws->database()).createFromConda(name, {}, image, {}, {}, {}, container);
    }

    RunRecord submit(RunService &service, const QString &source, const QString &script, const QString &environment,
                     const QStringList &args = {})
    {
        RunRequest request = scriptRequest(source, script, args);
        request.environment = environment;
        return service.submit(request);
    }

    static bool hasOutput(const RunRecord &r, const QString &path)
    {
        for (const RunFileEntry &f : r.outputs)
            if (f.path == path)
                return true;
        return false;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(!LocalProcess::findSupervisor().isEmpty(), "mldesk-supervisor not found (MLDESK_SUPERVISOR)");
        m_podman = QStandardPaths::findExecutable(u"podman"_s);
        if (m_podman.isEmpty())
            QSKIP("podman is not installed (scripts/setup installs it)");
        const QString makeImage = qEnvironmentVariable("MLDESK_MAKE_TEST_IMAGE");
        QVERIFY2(QFileInfo(makeImage).isExecutable(), "MLDESK_MAKE_TEST_IMAGE is not set to make-test-image.sh");
        QProcess make;
        make.setProcessChannelMode(QProcess::MergedChannels);
        make.start(makeImage, {m_image});
        QVERIFY2(make.waitForFinished(600000), "make-test-image.sh did not finish in 10 minutes");
        const QByteArray said = make.readAll();
        if (make.exitCode() == 77)
            QSKIP(qPrintable(u"no test image: "_s + QString::fromUtf8(said).trimmed()));
        QVERIFY2(make.exitCode() == 0, said.constData());
        m_ws = Workspace::create(m_dir.filePath(u"ws"_s), u"containers"_s);
        writeText(m_dir.filePath(u"tiny/a.txt"_s), u"dataset content"_s);
        registerFolder(*m_ws, u"tiny"_s, m_dir.filePath(u"tiny"_s));
        createEnvironment(u"py-container"_s, m_image);
    }

    void cleanupTestCase()
    {
        for (const QString &image : m_imagesToRemove)
            podman({u"rmi"_s, u"-f"_s, image});
    }

    void azureScriptRunsInsideContainer()
    {
        const QString src = m_dir.filePath(u"azure"_s);
        writeText(src + u"/train.py"_s, u"import os, sys\n"
                                        u"from azureml.core import Run\n"
                                        u"from azureml.core.run import Run as RunToo\n"
                                        u"assert Run is RunToo\n"
                                        u"run = Run.get_context()\n"
                                        u"print('in-container', os.path.exists('/run/.containerenv'))\n"
                                        u"for i in range(5):\n"
                                        u"    run.log('loss', 1.0 / (i + 1))\n"
                                        u"run.log('optimizer', 'adam')\n"
                                        u"run.log('converged', True)\n"
                                        u"print('nets', sorted(os.listdir('/sys/class/net')))\n"
                                        u"for folder in sys.argv[1:]:\n"
                                        u"    print('input', open(os.path.join(folder, 'a.txt')).read())\n"
                                        u"    try:\n"
                                        u"        open(os.path.join(folder, 'new.txt'), 'w')\n"
                                        u"        print('writable input', folder)\n"
                                        u"    except OSError:\n"
                                        u"        print('read-only input')\n"
                                        u"os.makedirs('outputs', exist_ok=True)\n"
                                        u"open('outputs/model.txt', 'w').write('weights')\n"
                                        u"print('uid', os.getuid(), os.getgid())\n"_s);
        RunService service(*m_ws);
        const RunRecord submitted = submit(service, src, u"train.py"_s, u"py-container"_s, {u"{dataset:tiny:mount}"_s});
        service.start();
        const RunRecord r = waitForEnd(service, submitted.uid);
        const QString log = QString::fromUtf8(readAll(r.runDir + u"/logs/std_log.txt"_s));
        const QString system = QString::fromUtf8(readAll(r.runDir + u"/logs/mldesk_system.txt"_s));
        QVERIFY2(r.state == RunState::Completed, qPrintable(r.failureReason + u'\n' + system));
        QVERIFY2(log.contains(u"in-container True"_s), qPrintable(log));
        QVERIFY2(log.contains(u"nets ['lo']"_s), qPrintable(log)); // --network=none
        QCOMPARE(log.count(u"input dataset content"_s), 1);        // links into the blob store, mounted read-only
        QCOMPARE(log.count(u"read-only input"_s), 1);
        QVERIFY2(log.contains(u"uid %1 %2"_s.arg(::getuid()).arg(::getgid())), qPrintable(log));
        QVERIFY2(system.contains(u"container "_s + ContainerLaunch::containerName(r.uid)), qPrintable(system));
        QCOMPARE(ContainerLaunch::containerOf(r.runDir), ContainerLaunch::containerName(r.uid));
        QCOMPARE(service.store().metrics(r.id, u"loss"_s).size(), 5);
        QCOMPARE(service.store().metrics(r.id, u"converged"_s).constFirst().value, 1.0);
        QCOMPARE(r.tags.value(u"optimizer"_s), u"adam"_s); // a text metric
        QVERIFY(hasOutput(r, u"outputs/model.txt"_s));
        QCOMPARE(QFileInfo(r.runDir + u"/outputs/model.txt"_s).ownerId(), uint(::getuid()));
        QVERIFY(!containerExists(ContainerLaunch::containerName(r.uid))); // --rm
    }

    void dockerfileImageIsBuiltOnceAndReused()
    {
        const QString dockerfile =
            u"FROM %1\nRUN mkdir -p /opt/mldesk-test && echo derived-%2 > /opt/mldesk-test/marker\n"
            u"ENV MLDESK_TEST_DERIVED=yes\n"_s.arg(m_image, m_token);
        createEnvironment(u"py-dockerfile"_s, {}, dockerfile);
        const EnvironmentVersion env = EnvironmentRegistry(m_ws->database()).version(u"py-dockerfile"_s);
        m_imagesToRemove.append(u"localhost/mldesk-env:"_s + env.specHash.left(24));
        const QString src = m_dir.filePath(u"derived"_s);
        writeText(src + u"/show.py"_s, u"import os\nprint('marker', open('/opt/mldesk-test/marker').read().strip(),"
                                       u" os.environ.get('MLDESK_TEST_DERIVED'))\n"_s);
        RunService service(*m_ws);
        const RunRecord first = submit(service, src, u"show.py"_s, u"py-dockerfile"_s);
        service.start();
        const RunRecord a = waitForEnd(service, first.uid, 300000);
        const QString systemA = QString::fromUtf8(readAll(a.runDir + u"/logs/mldesk_system.txt"_s));
        QVERIFY2(a.state == RunState::Completed, qPrintable(a.failureReason + u'\n' + systemA));
        QVERIFY2(
            readAll(a.runDir + u"/logs/std_log.txt"_s).contains((u"marker derived-"_s + m_token + u" yes"_s).toUtf8()),
            readAll(a.runDir + u"/logs/std_log.txt"_s).constData());
        QVERIFY2(systemA.contains(u"building image localhost/mldesk-env:"_s), qPrintable(systemA));
        QVERIFY2(systemA.contains(u"STEP"_s), qPrintable(systemA)); // the build's own log, streamed in
        // ... and into the run's log, which `run submit --wait` and the GUI follow while it is Preparing.
        const QByteArray logA = readAll(a.runDir + u"/logs/std_log.txt"_s);
        QVERIFY2(logA.contains("[preparing] building image localhost/mldesk-env:") && logA.contains("[preparing] STEP"),
                 logA.constData());

        const RunRecord second = submit(service, src, u"show.py"_s, u"py-dockerfile"_s);
        const RunRecord b = waitForEnd(service, second.uid);
        const QString systemB = QString::fromUtf8(readAll(b.runDir + u"/logs/mldesk_system.txt"_s));
        QVERIFY2(b.state == RunState::Completed, qPrintable(b.failureReason));
        QVERIFY2(systemB.contains(u"is present; reusing it"_s), qPrintable(systemB));
        QVERIFY(!systemB.contains(u"building image"_s));
    }

    void cancelStopsContainer()
    {
        const QString src = m_dir.filePath(u"long"_s);
        writeText(src + u"/long.py"_s, u"import time\nfrom azureml.core import Run\nrun = Run.get_context()\n"
                                       u"i = 0\nwhile True:\n    run.log('tick', i)\n    i += 1\n"
                                       u"    time.sleep(0.02)\n"_s);
        RunService service(*m_ws);
        const RunRecord submitted = submit(service, src, u"long.py"_s, u"py-container"_s);
        service.start();
        QTRY_VERIFY_WITH_TIMEOUT(service.store().metricCount(submitted.id) > 3, 60000);
        const QString name = ContainerLaunch::containerName(submitted.uid);
        QVERIFY(containerExists(name));
        service.cancel(submitted.uid);
        const RunRecord r = waitForEnd(service, submitted.uid);
        QVERIFY2(r.state == RunState::Canceled, qPrintable(r.failureReason));
        QTRY_VERIFY_WITH_TIMEOUT(!containerExists(name), 30000);
        QVERIFY2(readAll(r.runDir + u"/logs/std_log.txt"_s).contains(name.toUtf8()), // podman stop said its name
                 readAll(r.runDir + u"/logs/std_log.txt"_s).constData());
    }

    void containerKilledFromOutsideFailsNamingIt()
    {
        const QString src = m_dir.filePath(u"victim"_s);
        writeText(src + u"/victim.py"_s,
                  u"import time\nprint('ready', flush=True)\nwhile True:\n    time.sleep(0.05)\n"_s);
        RunService service(*m_ws);
        const RunRecord submitted = submit(service, src, u"victim.py"_s, u"py-container"_s);
        service.start();
        QTRY_VERIFY_WITH_TIMEOUT(readAll(submitted.runDir + u"/logs/std_log.txt"_s).contains("ready"), 60000);
        const QString name = ContainerLaunch::containerName(submitted.uid);
        QByteArray said;
        QVERIFY2(podman({u"kill"_s, name}, &said) == 0, said.constData());
        const RunRecord r = waitForEnd(service, submitted.uid);
        QCOMPARE(r.state, RunState::Failed);
        QVERIFY2(r.failureReason.contains(name), qPrintable(r.failureReason));
        QVERIFY2(r.failureReason.contains(u"from outside MLDesk"_s), qPrintable(r.failureReason));
    }

    void missingImageSaysHowToProvideIt_data()
    {
        QTest::addColumn<QString>("image");
        QTest::addColumn<QString>("why");
        QTest::newRow("local") << u"localhost/mldesk-missing-%1:1"_s.arg(m_token)
                               << u"exist only where they were made"_s;
        // Pulled first: no registry reachable here, or no such repository where one is - either way it fails.
        QTest::newRow("registry") << u"docker.io/mldesk/missing-%1:1"_s.arg(m_token) << u"could not be pulled ("_s;
    }

    void missingImageSaysHowToProvideIt()
    {
        QFETCH(QString, image);
        QFETCH(QString, why);
        const QString name = u"py-missing-"_s + QString::fromLatin1(QTest::currentDataTag());
        createEnvironment(name, image);
        const QString src = m_dir.filePath(u"missing"_s);
        writeText(src + u"/never.py"_s, u"print('never runs')\n"_s);
        RunService service(*m_ws);
        const RunRecord submitted = submit(service, src, u"never.py"_s, name);
        service.start();
        const RunRecord r = waitForEnd(service, submitted.uid);
        QCOMPARE(r.state, RunState::Failed);
        QVERIFY2(r.failureReason.contains(u"the container image '"_s + image + u"' is not on this machine"_s),
                 qPrintable(r.failureReason));
        QVERIFY2(r.failureReason.contains(why), qPrintable(r.failureReason));
        QVERIFY2(r.failureReason.contains(u"podman load -i IMAGE.tar"_s), qPrintable(r.failureReason));
        QVERIFY2(r.failureReason.contains(u"podman import ROOTFS.tar "_s + image), qPrintable(r.failureReason));
        QVERIFY(!QFileInfo::exists(r.runDir + u"/process.json"_s)); // refused in Preparing: nothing started
    }

    void imageScriptWithoutMirrorSkipsSayingWhy()
    {
        // Nothing cached and no mirror: exit 77 with the reason, so CI skips these tests instead of failing them.
        QTemporaryDir cache;
        QProcess make;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"MLDESK_TEST_IMAGE_CACHE"_s, cache.path());
        env.insert(u"MLDESK_TEST_MIRROR"_s, u"http://127.0.0.1:9/debian"_s); // the discard port: refused
        make.setProcessEnvironment(env);
        make.setProcessChannelMode(QProcess::MergedChannels);
        make.start(qEnvironmentVariable("MLDESK_MAKE_TEST_IMAGE"),
                   {u"localhost/mldesk-never-made-%1:1"_s.arg(m_token)});
        QVERIFY(make.waitForFinished(120000));
        const QByteArray said = make.readAll();
        QCOMPARE(make.exitCode(), 77);
        QVERIFY2(said.contains("debootstrap failed (is http://127.0.0.1:9/debian reachable?)"), said.constData());
    }

    void cliSubmitKilledThenReattached()
    {
        const QString cli = qEnvironmentVariable("MLDESK_CLI");
        QVERIFY2(QFileInfo(cli).isExecutable(), "MLDESK_CLI is not set to mldesk-cli");
        const QString ws = m_dir.filePath(u"ws"_s);
        QProcess create;
        create.start(cli, {u"--workspace"_s, ws, u"environment"_s, u"create"_s, u"py-container-cli"_s,
                           u"--docker-image"_s, m_image});
        QVERIFY(create.waitForFinished(60000));
        QVERIFY2(create.exitCode() == 0, create.readAllStandardError().constData());

        const QString src = m_dir.filePath(u"held"_s);
        // Logs until the test drops a file into the run folder (visible inside: it is bind-mounted).
        writeText(src + u"/held.py"_s,
                  u"import os, time\nfrom azureml.core import Run\nrun = Run.get_context()\n"
                  u"release = os.path.join(os.environ['MLDESK_RUN_DIR'], 'release')\ni = 0\n"
                  u"while not os.path.exists(release):\n    run.log('m', i)\n    i += 1\n    time.sleep(0.02)\n"
                  u"open(os.path.join(os.environ['MLDESK_OUTPUTS'], 'done.txt'), 'w').write('ok')\n"_s);
        QProcess watcher;
        watcher.start(cli, {u"--workspace"_s, ws, u"run"_s, u"submit"_s, u"--experiment"_s, u"cli"_s, u"--source"_s,
                            src, u"--script"_s, u"held.py"_s, u"--environment"_s, u"py-container-cli"_s, u"--wait"_s});
        QVERIFY(watcher.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(watcher.canReadLine(), 30000);
        const QString uid = QString::fromUtf8(watcher.readLine()).trimmed().section(u' ', 1);
        QVERIFY(!uid.isEmpty());
        auto record = [&] {
            return RunStore(Workspace::open(ws)->database()).get(uid);
        };
        QTRY_VERIFY_WITH_TIMEOUT(record().state == RunState::Running, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(RunStore(Workspace::open(ws)->database()).metricCount(record().id) > 5, 60000);
        watcher.kill(); // SIGKILL: the watching CLI has no chance to clean up
        QVERIFY(watcher.waitForFinished());
        const RunRecord running = record();
        QCOMPARE(running.state, RunState::Running);
        QVERIFY(containerExists(ContainerLaunch::containerName(uid))); // still running, nobody watching

        RunService service(*m_ws); // a new process re-attaches
        service.start();
        writeText(running.runDir + u"/release"_s, u"go"_s);
        const RunRecord done = waitForEnd(service, uid);
        QVERIFY2(done.state == RunState::Completed, qPrintable(done.failureReason));
        QCOMPARE(service.store().metricCount(done.id), qint64(metricLines(done.runDir)));
        QVERIFY(hasOutput(done, u"outputs/done.txt"_s));
    }
};

QTEST_GUILESS_MAIN(TestContainerRuns)
#include "TestContainerRuns.moc"
