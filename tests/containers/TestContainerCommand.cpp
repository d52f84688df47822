// TestContainerCommand: the command lines MLDesk gives podman and docker, as data - run arguments (network, user,
// limits, mounts read-only, variables), GPU passthrough (podman CDI, docker --gpus, no CDI spec said plainly),
// engine detection from a search path, and the derived image's Containerfile (Dockerfile, conda env, FROM images).
#include "core/containers/ContainerCommand.h"
#include "core/containers/ContainerEngine.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/settings/Settings.h"
#include "core/workspace/WorkspaceError.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;

class TestContainerCommand final : public QObject {
    Q_OBJECT

private:
    static ContainerEngine engine(ContainerEngine::Kind kind)
    {
        ContainerEngine e;
        e.kind = kind;
        e.program = kind == ContainerEngine::Kind::Podman ? u"/usr/bin/podman"_s : u"/usr/bin/docker"_s;
        return e;
    }

    static ContainerRunSpec spec()
    {
        ContainerRunSpec s;
        s.name = u"mldesk-r1"_s;
        s.image = u"localhost/python-test:1"_s;
        s.workdir = u"/ws/runs/r1"_s;
        s.command = {u"python3"_s, u"/ws/runs/r1/snapshot/train.py"_s, u"--lr"_s, u"0.1"_s};
        s.mounts = {{u"/ws/runs/r1"_s, u"/ws/runs/r1"_s, false}, {u"/ws/blobs"_s, u"/ws/blobs"_s, true}};
        s.environment = {{u"MLDESK_RUN_ID"_s, u"r1"_s}, {u"PYTHONPATH"_s, u"/ws/runs/r1/.mldesk"_s}};
        s.uid = 1000;
        s.gid = 1001;
        s.openFiles = 1024;
        s.processes = 2048;
        return s;
    }

    static int indexOfPair(const QStringList &args, const QString &flag, const QString &value)
    {
        for (int i = 0; i + 1 < args.size(); ++i)
            if (args[i] == flag && args[i + 1] == value)
                return i;
        return -1;
    }

private slots:
    void runArgumentsIsolate()
    {
        const QStringList args = ContainerCommand::runArguments(engine(ContainerEngine::Kind::Docker), spec());
        QCOMPARE(args.mid(0, 4), (QStringList{u"run"_s, u"--rm"_s, u"--name"_s, u"mldesk-r1"_s}));
        QVERIFY(args.contains(u"--network=none"_s));
        QVERIFY(indexOfPair(args, u"--user"_s, u"1000:1001"_s) >= 0);
        QVERIFY(indexOfPair(args, u"--ulimit"_s, u"nofile=1024:1024"_s) >= 0);
        QVERIFY(indexOfPair(args, u"--ulimit"_s, u"nproc=2048:2048"_s) >= 0);
        QVERIFY(indexOfPair(args, u"-v"_s, u"/ws/runs/r1:/ws/runs/r1"_s) >= 0);
        QVERIFY(indexOfPair(args, u"-v"_s, u"/ws/blobs:/ws/blobs:ro"_s) >= 0);
        QVERIFY(indexOfPair(args, u"-w"_s, u"/ws/runs/r1"_s) >= 0);
        QVERIFY(indexOfPair(args, u"-e"_s, u"PYTHONPATH=/ws/runs/r1/.mldesk"_s) >= 0);
        // The image, then the command, last.
        const int image = int(args.indexOf(u"localhost/python-test:1"_s));
        QVERIFY(image > 0);
        QCOMPARE(args.mid(image + 1), spec().command);
        QVERIFY(!args.contains(u"--gpus"_s));
    }

    void networkOnlyWhenAsked()
    {
        ContainerRunSpec s = spec();
        s.network = true;
        const QStringList args = ContainerCommand::runArguments(engine(ContainerEngine::Kind::Podman), s);
        for (const QString &a : args)
            QVERIFY2(!a.startsWith(u"--network"_s), qPrintable(a));
    }

    void gpuFlags_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QStringList>("gpus");
        QTest::addColumn<bool>("cdi");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<QString>("noteHas");
        QTest::newRow("podman cdi one") << int(ContainerEngine::Kind::Podman) << QStringList{u"1"_s} << true
                                        << QStringList{u"--device"_s, u"nvidia.com/gpu=1"_s} << u"CDI"_s;
        QTest::newRow("podman cdi two") << int(ContainerEngine::Kind::Podman) << QStringList{u"0"_s, u"1"_s} << true
                                        << QStringList{u"--device"_s, u"nvidia.com/gpu=0"_s, u"--device"_s,
                                                       u"nvidia.com/gpu=1"_s}
                                        << u"CDI"_s;
        QTest::newRow("podman no cdi spec") << int(ContainerEngine::Kind::Podman) << QStringList{u"0"_s} << false
                                            << QStringList{} << u"nvidia-ctk cdi generate"_s;
        QTest::newRow("docker one") << int(ContainerEngine::Kind::Docker) << QStringList{u"0"_s} << false
                                    << QStringList{u"--gpus"_s, u"device=0"_s} << u"--gpus"_s;
        QTest::newRow("docker two") << int(ContainerEngine::Kind::Docker) << QStringList{u"2"_s, u"3"_s} << false
                                    << QStringList{u"--gpus"_s, u"\"device=2,3\""_s} << u"--gpus"_s;
        QTest::newRow("no gpu") << int(ContainerEngine::Kind::Podman) << QStringList{} << true << QStringList{}
                                << u"no GPU"_s;
    }

    void gpuFlags()
    {
        QFETCH(int, kind);
        QFETCH(QStringList, gpus);
        QFETCH(bool, cdi);
        QFETCH(QStringList, expected);
        QFETCH(QString, noteHas);
        const ContainerGpuFlags flags = ContainerCommand::gpuFlags(ContainerEngine::Kind(kind), gpus, cdi);
        QCOMPARE(flags.arguments, expected);
        QVERIFY2(flags.note.contains(noteHas), qPrintable(flags.note));
    }

    void dockerRunPassesGpus()
    {
        ContainerRunSpec s = spec();
        s.gpus = {u"0"_s};
        const QStringList args = ContainerCommand::runArguments(engine(ContainerEngine::Kind::Docker), s);
        const int gpus = indexOfPair(args, u"--gpus"_s, u"device=0"_s);
        QVERIFY(gpus > 0);
        QVERIFY(gpus < args.indexOf(s.image)); // an option of run, before the image
    }

    void detectFollowsSearchPathAndChoice()
    {
        QTemporaryDir dir;
        auto makeTool = [&](const QString &name) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("#!/bin/sh\nexit 0\n");
            f.close();
            f.setPermissions(QFileDevice::ReadOwner | QFileDevice::ExeOwner | QFileDevice::WriteOwner);
        };
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, ContainerEngine::detect(u"auto"_s, {dir.path()}));
        makeTool(u"docker"_s);
        QCOMPARE(ContainerEngine::detect(u"auto"_s, {dir.path()}).kind, ContainerEngine::Kind::Docker);
        makeTool(u"podman"_s);
        const ContainerEngine both = ContainerEngine::detect({}, {dir.path()});
        QCOMPARE(both.kind, ContainerEngine::Kind::Podman); // both installed: podman unless the setting says
        QCOMPARE(both.program, dir.filePath(u"podman"_s));
        QCOMPARE(ContainerEngine::detect(u"docker"_s, {dir.path()}).program, dir.filePath(u"docker"_s));
        try {
            ContainerEngine::detect(u"/nonexistent/podman"_s, {dir.path()});
            QFAIL("a missing engine path was accepted");
        } catch (const WorkspaceError &e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(u"/nonexistent/podman"_s));
        }
    }

    void engineChoiceFromSettingOrEnvironment()
    {
        QTemporaryDir settings;
        qputenv("MLDESK_SETTINGS_DIR", settings.path().toUtf8());
        qunsetenv("MLDESK_CONTAINER_ENGINE");
        QCOMPARE(Settings::containerEngine(), u"auto"_s);
        Settings::setContainerEngine(u"docker"_s);
        QCOMPARE(ContainerEngine::configuredChoice(), u"docker"_s);
        qputenv("MLDESK_CONTAINER_ENGINE", "podman"); // the variable wins (tests, one-off runs)
        QCOMPARE(ContainerEngine::configuredChoice(), u"podman"_s);
        qunsetenv("MLDESK_CONTAINER_ENGINE");
        qunsetenv("MLDESK_SETTINGS_DIR");
    }

    void containerfileForDockerfileAndConda()
    {
        EnvironmentVersion env;
        env.name = u"keras"_s;
        env.version = 2;
        env.specHash = u"0123456789abcdef0123456789abcdef"_s;
        env.dockerImage = u"localhost/python-test:1"_s;
        QVERIFY(!ContainerCommand::needsDerivedImage(env)); // an image alone is used as it is
        QCOMPARE(ContainerCommand::pythonIn(env), u"python3"_s);

        env.dockerfile = u"RUN echo hi > /hi\n"_s; // no FROM: the docker image is its base
        QVERIFY(ContainerCommand::needsDerivedImage(env));
        QCOMPARE(ContainerCommand::derivedImageName(env), u"localhost/mldesk-env:0123456789abcdef01234567"_s);
        QString text = ContainerCommand::containerfile(env);
        QVERIFY2(text.startsWith(u"FROM localhost/python-test:1\nRUN echo hi > /hi\n"_s), qPrintable(text));
        QVERIFY(!text.contains(u"COPY environment.yml"_s));

        env.dockerfile = u"FROM mambaorg/micromamba:1.5 AS base\nFROM base\nRUN true\n"_s;
        env.conda.condaPackages = {u"python=3.11"_s, u"numpy"_s};
        QString python;
        text = ContainerCommand::containerfile(env, &python);
        QVERIFY2(text.startsWith(u"FROM mambaorg/micromamba:1.5 AS base\n"_s), qPrintable(text));
        QVERIFY(text.contains(u"COPY environment.yml /tmp/mldesk-environment.yml"_s));
        QVERIFY(text.contains(u"micromamba create -y -p /opt/mldesk-env -f /tmp/mldesk-environment.yml"_s));
        QVERIFY(text.contains(u"ENV PATH=/opt/mldesk-env/bin:$PATH"_s));
        QVERIFY(text.contains(u"org.mldesk.spec-hash=\"0123456789abcdef0123456789abcdef\""_s));
        QCOMPARE(python, u"/opt/mldesk-env/bin/python"_s);
        // The stage name "base" is not an image to provide.
        QCOMPARE(ContainerCommand::baseImages(text), QStringList{u"mambaorg/micromamba:1.5"_s});
        QCOMPARE(ContainerCommand::baseImages(u"from --platform=linux/amd64 python:3.11-slim\n"_s),
                 QStringList{u"python:3.11-slim"_s});
    }
};

QTEST_GUILESS_MAIN(TestContainerCommand)
#include "TestContainerCommand.moc"
