// Tests of environments: the curated MLDesk-Native and System-Python, versions of a conda environment created from
// the seed's conda file (with docker image and variables), refused inputs, and preparing environments for a local
// run - including a conda environment made once per content hash by a conda-compatible tool and reused after that.
#include "CoreTestSupport.h"
#include "core/environments/EnvironmentPreparer.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace mldesk::core;
using namespace mldesk::test;

namespace {

const char *kSeedConda = R"(name: keras-env
channels:
  - conda-forge
dependencies:
  - python=3.6.2
  - pip:
    - azureml-defaults
    - tensorflow-gpu==2.0.0
    - keras<=2.3.1
    - matplotlib
)";

// A stand-in for conda (this unit test is about the layer above the tool: the command line it gets, one creation
// per content hash, reuse, failure clean-up). It records each call and makes PREFIX/bin/python.
const char *kFakeConda = R"SH(#!/bin/sh
echo "$@" >> "$(dirname "$0")/calls.log"
prefix=""; file=""
while [ $# -gt 0 ]; do
  case "$1" in --prefix) prefix="$2"; shift;; --file) file="$2"; shift;; esac
  shift
done
grep -q "fail-me" "$file" && { echo "PackagesNotFoundError: fail-me"; exit 1; }
mkdir -p "$prefix/bin" "$prefix/conda-meta"
ln -s "$(command -v python3)" "$prefix/bin/python"
echo "done"
)SH";

} // namespace

class TestEnvironmentRegistry final : public QObject {
    Q_OBJECT
private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_ws = Workspace::create(m_dir->filePath(QStringLiteral("ws")), QStringLiteral("t"));
    }
    void cleanup()
    {
        m_ws.reset();
        m_dir.reset();
    }

    void curatedEnvironmentsExist()
    {
        EnvironmentRegistry registry(m_ws->database());
        const QList<EnvironmentSummary> all = registry.list();
        QCOMPARE(all.size(), 2);
        QStringList names{all[0].name, all[1].name};
        names.sort();
        QCOMPARE(names, (QStringList{QStringLiteral("MLDesk-Native"), QStringLiteral("System-Python")}));
        QCOMPARE(registry.version(QStringLiteral("MLDesk-Native")).kind, EnvironmentVersion::Kind::Native);
        QCOMPARE(registry.version(QStringLiteral("System-Python")).kind, EnvironmentVersion::Kind::SystemPython);
        QVERIFY(registry.version(QStringLiteral("System-Python")).isCurated());
        EnvironmentRegistry again(m_ws->database());
        QCOMPARE(again.list().size(), 2);
    }

    void condaEnvironmentVersions()
    {
        EnvironmentRegistry registry(m_ws->database());
        const QString yaml = QString::fromUtf8(kSeedConda);
        const QMap<QString, QString> vars{{QStringLiteral("TF_CPP_MIN_LOG_LEVEL"), QStringLiteral("2")}};
        const QString image = QStringLiteral("mcr.microsoft.com/azureml/openmpi3.1.2-cuda10.0-cudnn7-ubuntu18.04");
        EnvironmentCommit c =
            registry.createFromConda(QStringLiteral("keras-env"), yaml, image, vars, QStringLiteral("Keras on TF 2.0"));
        QVERIFY(!c.unchanged);
        QCOMPARE(c.version.version, 1);
        QCOMPARE(c.version.kind, EnvironmentVersion::Kind::Conda);
        QCOMPARE(c.version.specText, yaml); // the original text, byte for byte
        QCOMPARE(c.version.conda.pythonVersion, QStringLiteral("3.6.2"));
        QCOMPARE(c.version.conda.channels, QStringList{QStringLiteral("conda-forge")});
        QCOMPARE(c.version.conda.pipPackages.size(), 4);
        QCOMPARE(c.version.dockerImage, image);
        QCOMPARE(c.version.variables, vars);

        EnvironmentCommit same = registry.createFromConda(QStringLiteral("keras-env"), yaml, image, vars);
        QVERIFY(same.unchanged);
        QCOMPARE(same.version.version, 1);

        EnvironmentCommit changed =
            registry.createFromConda(QStringLiteral("keras-env"), yaml + QStringLiteral("    - pandas\n"), image, vars);
        QCOMPARE(changed.version.version, 2);
        QCOMPARE(changed.version.conda.pipPackages.last(), QStringLiteral("pandas"));
        EnvironmentCommit otherImage =
            registry.createFromConda(QStringLiteral("keras-env"), yaml + QStringLiteral("    - pandas\n"), {}, vars);
        QCOMPARE(otherImage.version.version, 3);

        QCOMPARE(registry.resolve(QStringLiteral("keras-env:1")).dockerImage, image);
        QCOMPARE(registry.resolve(QStringLiteral("keras-env")).version, 3);
        QCOMPARE(registry.byId(c.version.id).version, 1);
        try {
            registry.version(QStringLiteral("keras-env"), 7);
            QFAIL("version 7 found");
        } catch (const WorkspaceError &e) {
            QCOMPARE(e.message(), QStringLiteral("environment 'keras-env' has no version 7; versions are 1, 2, 3"));
        }
        QCOMPARE(registry.list().size(), 3);
        QCOMPARE(registry.list().last().name, QStringLiteral("keras-env"));
    }

    void badInputIsRefused()
    {
        EnvironmentRegistry registry(m_ws->database());
        try {
            registry.createFromConda(QStringLiteral("broken"),
                                     QStringLiteral("name: x\ndependencies:\n  - pip: numpy\n"), {}, {}, {},
                                     QStringLiteral("conda.yml"));
            QFAIL("a pip entry that is not a list was accepted");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().startsWith(QLatin1String("conda.yml, line 3: ")), qPrintable(e.message()));
        }
        QVERIFY_THROWS_EXCEPTION(
            WorkspaceError, registry.createFromConda(QStringLiteral("MLDesk-Native"), QString::fromUtf8(kSeedConda)));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError,
                                 registry.createFromConda(QStringLiteral("e"), QString::fromUtf8(kSeedConda),
                                                          QStringLiteral("Not An Image!")));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError,
                                 registry.createFromConda(QStringLiteral("e"), QString::fromUtf8(kSeedConda), {},
                                                          {{QStringLiteral("1BAD"), QStringLiteral("x")}}));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError,
                                 registry.createFromConda(QStringLiteral("bad name"), QString::fromUtf8(kSeedConda)));
        QCOMPARE(registry.list().size(), 2);
    }

    void curatedEnvironmentsNeedNoPreparation()
    {
        EnvironmentRegistry registry(m_ws->database());
        EnvironmentPreparer::Options options;
        options.workspacePath = m_ws->path();
        options.runContextPythonPath = QStringLiteral("/opt/mldesk/python");
        const PreparedEnvironment native =
            EnvironmentPreparer::prepare(registry.version(QStringLiteral("MLDesk-Native")), options);
        QVERIFY(native.python.isEmpty());
        const PreparedEnvironment system =
            EnvironmentPreparer::prepare(registry.version(QStringLiteral("System-Python")), options);
        QVERIFY(QFileInfo(system.python).isExecutable());
        QVERIFY(system.variables.value(QStringLiteral("PYTHONPATH")).startsWith(QLatin1String("/opt/mldesk/python")));
        options.searchPath = {m_dir->filePath(QStringLiteral("empty"))};
        QVERIFY_THROWS_EXCEPTION(
            WorkspaceError, EnvironmentPreparer::prepare(registry.version(QStringLiteral("System-Python")), options));
    }

    void condaMissingIsAClearFailure()
    {
        EnvironmentRegistry registry(m_ws->database());
        const EnvironmentVersion env =
            registry.createFromConda(QStringLiteral("keras-env"), QString::fromUtf8(kSeedConda)).version;
        EnvironmentPreparer::Options options;
        options.workspacePath = m_ws->path();
        QDir().mkpath(m_dir->filePath(QStringLiteral("empty")));
        options.searchPath = {m_dir->filePath(QStringLiteral("empty"))};
        if (!qEnvironmentVariableIsEmpty("MLDESK_CONDA"))
            QSKIP("MLDESK_CONDA is set");
        try {
            EnvironmentPreparer::prepare(env, options);
            QFAIL("prepared a conda environment without conda");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(QLatin1String("neither conda nor mamba")) &&
                         e.message().contains(QLatin1String("MLDESK_CONDA")) &&
                         e.message().contains(QLatin1String("keras-env")),
                     qPrintable(e.message()));
        }
    }

    void condaEnvironmentIsCreatedOnceAndReused()
    {
        const QString tools = m_dir->filePath(QStringLiteral("tools"));
        QDir().mkpath(tools);
        QVERIFY(writeAll(tools + QStringLiteral("/conda"), kFakeConda));
        QFile::setPermissions(tools + QStringLiteral("/conda"), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        EnvironmentRegistry registry(m_ws->database());
        const EnvironmentVersion env = registry
                                           .createFromConda(QStringLiteral("keras-env"), QString::fromUtf8(kSeedConda),
                                                            {}, {{QStringLiteral("MY_FLAG"), QStringLiteral("1")}})
                                           .version;
        EnvironmentPreparer::Options options;
        options.workspacePath = m_ws->path();
        options.searchPath = {tools};
        QString flavour;
        QCOMPARE(EnvironmentPreparer::findCondaTool(options, &flavour), tools + QStringLiteral("/conda"));
        QCOMPARE(flavour, QStringLiteral("conda"));
        QStringList lines;
        const PreparedEnvironment first =
            EnvironmentPreparer::prepare(env, options, [&](const QString &l) { lines.append(l); });
        QVERIFY(first.createdNow);
        QCOMPARE(first.condaPrefix, EnvironmentPreparer::condaPrefixFor(m_ws->path(), env));
        QVERIFY(QFileInfo(first.python).isExecutable());
        QCOMPARE(first.variables.value(QStringLiteral("MY_FLAG")), QStringLiteral("1"));
        QVERIFY(first.variables.value(QStringLiteral("PATH")).startsWith(first.condaPrefix + QStringLiteral("/bin")));
        QVERIFY(lines.contains(QStringLiteral("done")));
        const QByteArray calls = readAll(tools + QStringLiteral("/calls.log"));
        QVERIFY2(calls.startsWith(QByteArray("env create --prefix " + first.condaPrefix.toUtf8() + " --file ")),
                 calls.constData());

        const PreparedEnvironment second = EnvironmentPreparer::prepare(env, options);
        QVERIFY(!second.createdNow);
        QCOMPARE(second.python, first.python);
        QCOMPARE(readAll(tools + QStringLiteral("/calls.log")).count('\n'), 1); // reused, not created again

        const EnvironmentVersion failing =
            registry.createFromConda(QStringLiteral("bad-env"), QStringLiteral("dependencies:\n  - fail-me\n")).version;
        try {
            EnvironmentPreparer::prepare(failing, options);
            QFAIL("a failing conda run was accepted");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(QLatin1String("could not create environment 'bad-env'")),
                     qPrintable(e.message()));
        }
        QVERIFY(!QFileInfo::exists(EnvironmentPreparer::condaPrefixFor(m_ws->path(), failing)));
    }

    void cliCreatesListsAndShows()
    {
        const QString cli = qEnvironmentVariable("MLDESK_CLI");
        if (cli.isEmpty())
            QSKIP("MLDESK_CLI is not set (run through ctest)");
        const QString wsPath = m_ws->path();
        auto runCli = [&](const QStringList &args, QByteArray *err = nullptr) {
            QProcess p;
            p.start(cli, QStringList{QStringLiteral("--workspace"), wsPath} + args);
            p.waitForFinished(30000);
            if (err)
                *err = p.readAllStandardError();
            return qMakePair(p.exitCode(), p.readAllStandardOutput());
        };
        const QString file = m_dir->filePath(QStringLiteral("conda_dependencies.yml"));
        QVERIFY(writeAll(file, kSeedConda));
        const QStringList create{QStringLiteral("environment"),
                                 QStringLiteral("create"),
                                 QStringLiteral("keras-env"),
                                 QStringLiteral("--file"),
                                 file,
                                 QStringLiteral("--env"),
                                 QStringLiteral("A=1")};
        QByteArray err;
        auto first = runCli(create, &err);
        QVERIFY2(first.first == 0, err.constData());
        QVERIFY2(first.second.contains("Created environment 'keras-env' version 1"), first.second.constData());
        QVERIFY(runCli(create).second.contains("unchanged, version 1"));
        auto shown = runCli({QStringLiteral("--json"), QStringLiteral("environment"), QStringLiteral("show"),
                             QStringLiteral("keras-env")});
        const QJsonObject o = QJsonDocument::fromJson(shown.second).object();
        QCOMPARE(o.value(QStringLiteral("python_version")).toString(), QStringLiteral("3.6.2"));
        QCOMPARE(o.value(QStringLiteral("pip_packages")).toArray().size(), 4);
        QCOMPARE(o.value(QStringLiteral("environment_variables")).toObject().value(QStringLiteral("A")).toString(),
                 QStringLiteral("1"));
        auto listed = runCli({QStringLiteral("--json"), QStringLiteral("environment"), QStringLiteral("list")});
        QCOMPARE(QJsonDocument::fromJson(listed.second).array().size(), 3);

        const QString bad = m_dir->filePath(QStringLiteral("bad.yml"));
        QVERIFY(writeAll(bad, "name: x\ndependencies:\n  - python=3.8\n  - pip: numpy\n"));
        auto refused = runCli({QStringLiteral("environment"), QStringLiteral("create"), QStringLiteral("x"),
                               QStringLiteral("--file"), bad},
                              &err);
        QCOMPARE(refused.first, 1);
        QVERIFY2(err.contains("bad.yml, line 4: 'pip' must be a list"), err.constData());
    }

    void containerEnvironmentVersions()
    {
        // Issue 15: an image and/or a Dockerfile (no conda file needed), network only when asked; old hashes stay.
        EnvironmentRegistry registry(m_ws->database());
        const QString image = QStringLiteral("localhost/python-test:1");
        const EnvironmentCommit plain = registry.createFromConda(QStringLiteral("py-container"), {}, image);
        QVERIFY(plain.version.isContainer());
        QCOMPARE(plain.version.dockerImage, image);
        QVERIFY(plain.version.dockerfile.isEmpty());
        QVERIFY(!plain.version.containerNetwork);
        QCOMPARE(plain.version.specHash, EnvironmentRegistry::specHashOf({}, image, {}));

        EnvironmentContainerOptions options;
        options.dockerfile = QStringLiteral("FROM localhost/python-test:1\nRUN true\n");
        const EnvironmentCommit built =
            registry.createFromConda(QStringLiteral("py-container"), {}, {}, {}, {}, {}, options);
        QCOMPARE(built.version.version, 2);
        QCOMPARE(built.version.dockerfile, options.dockerfile);
        QVERIFY(built.version.isContainer());
        options.network = true;
        const EnvironmentCommit networked =
            registry.createFromConda(QStringLiteral("py-container"), {}, {}, {}, {}, {}, options);
        QCOMPARE(networked.version.version, 3);
        QVERIFY(networked.version.containerNetwork);
        QVERIFY(registry.createFromConda(QStringLiteral("py-container"), {}, {}, {}, {}, {}, options).unchanged);
        // Read back from the database, not the commit.
        QCOMPARE(registry.version(QStringLiteral("py-container"), 2).dockerfile, options.dockerfile);
        QVERIFY(registry.version(QStringLiteral("py-container"), 3).containerNetwork);

        EnvironmentContainerOptions noFrom;
        noFrom.dockerfile = QStringLiteral("RUN true\n");
        try {
            registry.createFromConda(QStringLiteral("nofrom"), {}, {}, {}, {}, {}, noFrom);
            QFAIL("a Dockerfile without FROM and no image was accepted");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(QLatin1String("no FROM line")), qPrintable(e.message()));
        }
        QVERIFY(
            registry.createFromConda(QStringLiteral("withbase"), {}, image, {}, {}, {}, noFrom).version.isContainer());
        try {
            registry.createFromConda(QStringLiteral("empty"), {});
            QFAIL("an environment with nothing in it was accepted");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(QLatin1String("a docker image or a Dockerfile")), qPrintable(e.message()));
        }
    }

    void cliCreatesContainerEnvironments()
    {
        const QString cli = qEnvironmentVariable("MLDESK_CLI");
        if (cli.isEmpty())
            QSKIP("MLDESK_CLI is not set (run through ctest)");
        auto runCli = [&](const QStringList &args, QByteArray *err) {
            QProcess p;
            p.start(cli, QStringList{QStringLiteral("--workspace"), m_ws->path()} + args);
            p.waitForFinished(30000);
            *err = p.readAllStandardError();
            return qMakePair(p.exitCode(), p.readAllStandardOutput());
        };
        QByteArray err;
        auto image = runCli({QStringLiteral("environment"), QStringLiteral("create"), QStringLiteral("py-container"),
                             QStringLiteral("--docker-image"), QStringLiteral("localhost/python-test:1")},
                            &err);
        QVERIFY2(image.first == 0, err.constData());
        QVERIFY2(image.second.contains("container: localhost/python-test:1"), image.second.constData());
        const QString dockerfile = m_dir->filePath(QStringLiteral("Dockerfile"));
        QVERIFY(writeAll(dockerfile, "FROM localhost/python-test:1\nENV A=1\n"));
        auto built = runCli({QStringLiteral("environment"), QStringLiteral("create"), QStringLiteral("py-built"),
                             QStringLiteral("--dockerfile"), dockerfile, QStringLiteral("--network")},
                            &err);
        QVERIFY2(built.first == 0, err.constData());
        auto shown = runCli({QStringLiteral("--json"), QStringLiteral("environment"), QStringLiteral("show"),
                             QStringLiteral("py-built")},
                            &err);
        const QJsonObject o = QJsonDocument::fromJson(shown.second).object();
        QCOMPARE(o.value(QStringLiteral("dockerfile")).toString(),
                 QStringLiteral("FROM localhost/python-test:1\nENV A=1\n"));
        QVERIFY(o.value(QStringLiteral("container_network")).toBool());
        auto nothing = runCli({QStringLiteral("environment"), QStringLiteral("create"), QStringLiteral("x")}, &err);
        QCOMPARE(nothing.first, 1);
        QVERIFY2(err.contains("--dockerfile FILE"), err.constData());
        auto missing = runCli({QStringLiteral("environment"), QStringLiteral("create"), QStringLiteral("x"),
                               QStringLiteral("--dockerfile"), m_dir->filePath(QStringLiteral("nope"))},
                              &err);
        QCOMPARE(missing.first, 1);
        QVERIFY2(err.contains("cannot read"), err.constData());
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Workspace> m_ws;
};

QTEST_GUILESS_MAIN(TestEnvironmentRegistry)
#include "TestEnvironmentRegistry.moc"
