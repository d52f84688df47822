// Tests of compute targets: 'local' is always there with a status from the real mldesk-train; Slurm definitions are
// validated field by field; the token comes from an environment variable or the keychain and never reaches
// workspace.db or config.json (the files are grepped); delete is refused while runs use the target.
#include "CoreTestSupport.h"
#include "core/compute/ComputeTargetRegistry.h"
#include "core/compute/ComputeTokenStore.h"
#include "core/compute/LocalComputeStatus.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QDirIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace mldesk::core;
using namespace mldesk::test;

namespace {

const char *kToken = "eyJhbGciOiJIUzI1NiJ9.mldesk-test-secret-7f3a9c.signature";

SlurmTargetConfig validConfig(const QString &sharedDir)
{
    SlurmTargetConfig c;
    c.url = QStringLiteral("http://127.0.0.1:6820");
    c.user = QStringLiteral("root");
    c.partition = QStringLiteral("debug");
    c.nodesMin = 1;
    c.nodesMax = 4;
    c.gpusPerNode = 1;
    c.timeLimit = QStringLiteral("02:00:00");
    c.sharedDirLocal = sharedDir;
    c.sharedDirCluster = QStringLiteral("/cluster/home/me/mldesk");
    c.tokenEnv = QStringLiteral("MLDESK_TEST_SLURM_JWT");
    return c;
}

// Every file of the workspace except blobs: the database (and its WAL), config.json.
bool workspaceFilesContain(const QString &workspace, const QByteArray &needle)
{
    QDirIterator it(workspace, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString file = it.next();
        if (readAll(file).contains(needle))
            return true;
    }
    return false;
}

} // namespace

class TestComputeTargets final : public QObject {
    Q_OBJECT
private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_ws = Workspace::create(m_dir->filePath(QStringLiteral("ws")), QStringLiteral("t"));
        QDir().mkpath(m_dir->filePath(QStringLiteral("shared")));
    }
    void cleanup()
    {
        m_ws.reset();
        m_dir.reset();
    }

    void localIsAlwaysThere()
    {
        ComputeTargetRegistry registry(m_ws->database());
        const QList<ComputeTarget> targets = registry.list();
        QCOMPARE(targets.size(), 1);
        QCOMPARE(targets[0].name, QStringLiteral("local"));
        QCOMPARE(targets[0].kind, ComputeTarget::Kind::Local);
        ComputeTargetRegistry again(m_ws->database()); // idempotent
        QCOMPARE(again.list().size(), 1);
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, registry.remove(QStringLiteral("local")));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, registry.createLocal(QStringLiteral("local")));
    }

    void localStatusComesFromTheTrainer()
    {
        const LocalComputeStatus status = LocalComputeStatus::probe();
        QVERIFY(status.cpuCores > 0);
        QVERIFY(status.memoryBytes > 0);
        if (qEnvironmentVariableIsEmpty("MLDESK_TRAIN"))
            QSKIP("MLDESK_TRAIN is not set (run through ctest)");
        QCOMPARE(status.trainerPath, qEnvironmentVariable("MLDESK_TRAIN"));
        QVERIFY2(status.gpuError.isEmpty(), qPrintable(status.gpuError));
        for (const GpuDevice &gpu : status.gpus) {
            QVERIFY(!gpu.name.isEmpty());
            QVERIFY(gpu.memoryBytes > 0);
        }
    }

    void deviceListIsParsed()
    {
        const QByteArray recorded = R"({"cuda_compiled": true, "devices": [
            {"index": 0, "name": "NVIDIA H100 80GB HBM3", "memory_bytes": 84929216512, "compute_capability": "9.0",
             "multiprocessors": 132},
            {"index": 1, "name": "NVIDIA H100 80GB HBM3", "memory_bytes": 84929216512, "compute_capability": "9.0",
             "multiprocessors": 132}]})";
        LocalComputeStatus status;
        QVERIFY(LocalComputeStatus::parseDeviceList(recorded, status));
        QVERIFY(status.cudaCompiled);
        QCOMPARE(status.gpus.size(), 2);
        QCOMPARE(status.gpus[1].index, 1);
        QCOMPARE(status.gpus[0].memoryBytes, 84929216512LL);
        QCOMPARE(status.gpus[0].computeCapability, QStringLiteral("9.0"));
        LocalComputeStatus bad;
        QVERIFY(!LocalComputeStatus::parseDeviceList("mldesk-train: not implemented", bad));
        QVERIFY(bad.gpuError.contains(QLatin1String("--list-devices")));
    }

    void missingTrainerIsExplained()
    {
        const LocalComputeStatus status = LocalComputeStatus::probe(m_dir->filePath(QStringLiteral("no-such-trainer")));
        QVERIFY(status.cpuCores > 0);
        QVERIFY(!status.gpuError.isEmpty());
    }

    void slurmValidationNamesTheField_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no url") << "url"
                                << ""
                                << "url: missing";
        QTest::newRow("ftp url") << "url"
                                 << "ftp://cluster:6820"
                                 << "url: 'ftp://cluster:6820' is not an http(s) URL";
        QTest::newRow("no scheme") << "url"
                                   << "cluster:6820"
                                   << "url:";
        QTest::newRow("min > max") << "nodes"
                                   << "5,2"
                                   << "nodes_min: 5 is more than nodes_max (2)";
        QTest::newRow("zero nodes") << "nodes"
                                    << "0,2"
                                    << "nodes_min: 0 is below 1";
        QTest::newRow("negative gpus") << "gpus"
                                       << "-1"
                                       << "gpus_per_node";
        QTest::newRow("bad time") << "time"
                                  << "two hours"
                                  << "time_limit";
        QTest::newRow("no user") << "user"
                                 << ""
                                 << "user: missing";
        QTest::newRow("bad api") << "api"
                                 << "38"
                                 << "api_version";
        QTest::newRow("no shared dir") << "shared"
                                       << ""
                                       << "shared_dir: missing";
        QTest::newRow("relative shared dir") << "shared"
                                             << "relative/dir"
                                             << "shared_dir: 'relative/dir' is not an absolute";
        QTest::newRow("no token source") << "token"
                                         << ""
                                         << "token:";
        QTest::newRow("bad token env") << "token"
                                       << "1-BAD"
                                       << "token_env";
    }
    void slurmValidationNamesTheField()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        SlurmTargetConfig c = validConfig(m_dir->filePath(QStringLiteral("shared")));
        if (field == QLatin1String("url"))
            c.url = value;
        else if (field == QLatin1String("nodes")) {
            c.nodesMin = value.section(u',', 0, 0).toInt();
            c.nodesMax = value.section(u',', 1, 1).toInt();
        } else if (field == QLatin1String("gpus"))
            c.gpusPerNode = value.toInt();
        else if (field == QLatin1String("time"))
            c.timeLimit = value;
        else if (field == QLatin1String("user"))
            c.user = value;
        else if (field == QLatin1String("api"))
            c.apiVersion = value;
        else if (field == QLatin1String("shared"))
            c.sharedDirLocal = value;
        else if (field == QLatin1String("token"))
            c.tokenEnv = value;
        ComputeTargetRegistry registry(m_ws->database());
        try {
            registry.createSlurm(QStringLiteral("gpu-cluster"), c);
            QFAIL("an invalid Slurm target was accepted");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(expected), qPrintable(e.message()));
        }
        QVERIFY(!registry.find(QStringLiteral("gpu-cluster")));
    }

    // Issue 14: plain http to another machine exposes the token; accepted, with a warning to show.
    void plainHttpWarning_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("warns");
        QTest::newRow("loopback") << "http://127.0.0.1:6820" << false;
        QTest::newRow("loopback 127/8") << "http://127.1.2.3:6820" << false;
        QTest::newRow("localhost") << "http://localhost:6820" << false;
        QTest::newRow("ipv6 loopback") << "http://[::1]:6820" << false;
        QTest::newRow("https") << "https://hpc.example.org:6820" << false;
        QTest::newRow("plain http remote") << "http://hpc.example.org:6820" << true;
        QTest::newRow("plain http lan ip") << "http://10.0.0.5:6820" << true;
    }
    void plainHttpWarning()
    {
        QFETCH(QString, url);
        QFETCH(bool, warns);
        SlurmTargetConfig c = validConfig(m_dir->filePath(QStringLiteral("shared")));
        c.url = url;
        QVERIFY2(c.validate().isEmpty(), qPrintable(c.validate().join(u"; "))); // accepted either way
        QCOMPARE(!c.plainHttpWarning().isEmpty(), warns);
        if (warns)
            QVERIFY2(c.plainHttpWarning().contains(QUrl(url).host()) &&
                         c.plainHttpWarning().contains(QStringLiteral("https")),
                     qPrintable(c.plainHttpWarning()));
    }

    void slurmTargetIsStored()
    {
        ComputeTargetRegistry registry(m_ws->database());
        const SlurmTargetConfig c = validConfig(m_dir->filePath(QStringLiteral("shared")));
        QVERIFY2(c.validate().isEmpty(), qPrintable(c.validate().join(u"; ")));
        const ComputeTarget t = registry.createSlurm(QStringLiteral("gpu-cluster"), c);
        QCOMPARE(t.kind, ComputeTarget::Kind::Slurm);
        QCOMPARE(t.slurm.apiVersion, QStringLiteral("auto")); // the newest the cluster and MLDesk both know
        QCOMPARE(t.slurm.nodesMax, 4);
        QCOMPARE(t.slurm.clusterPath(), QStringLiteral("/cluster/home/me/mldesk"));
        QCOMPARE(t.slurm.timeLimitMinutes(), 120);
        QCOMPARE(registry.list().size(), 2);
        QCOMPARE(registry.list()[0].name, QStringLiteral("local"));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, registry.createSlurm(QStringLiteral("gpu-cluster"), c));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, registry.get(QStringLiteral("nope")));
    }

    void timeLimits_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("minutes");
        QTest::newRow("empty") << "" << -1;
        QTest::newRow("minutes") << "90" << 90;
        QTest::newRow("min:sec") << "10:30" << 11;
        QTest::newRow("h:m:s") << "01:00:00" << 60;
        QTest::newRow("days-hours") << "1-12" << 2160;
        QTest::newRow("days-h:m:s") << "2-00:30:00" << 2910;
        QTest::newRow("zero") << "0" << -2;
        QTest::newRow("words") << "1h" << -2;
    }
    void timeLimits()
    {
        QFETCH(QString, text);
        QFETCH(int, minutes);
        SlurmTargetConfig c;
        c.timeLimit = text;
        QCOMPARE(c.timeLimitMinutes(), minutes);
    }

    void tokenNeverReachesTheWorkspaceFiles()
    {
        qputenv("MLDESK_TEST_SLURM_JWT", kToken);
        ComputeTargetRegistry registry(m_ws->database());
        const ComputeTarget t =
            registry.createSlurm(QStringLiteral("hpc"), validConfig(m_dir->filePath(QStringLiteral("shared"))));
        QString error;
        QCOMPARE(ComputeTokenStore::fromEnvironment(t.slurm, &error), QString::fromLatin1(kToken));
        QVERIFY(error.isEmpty());

        // The keychain path too: whatever it answers (stored, or no keyring on this machine), nothing lands in the
        // workspace, and it answers within its timeout instead of hanging.
        bool answered = false;
        QString keychainError;
        ComputeTokenStore::store(
            ComputeTokenStore::keyFor(m_ws->path(), QStringLiteral("hpc")), QString::fromLatin1(kToken), this,
            [&](const QString &e) {
                answered = true;
                keychainError = e;
            },
            2000);
        QTRY_VERIFY_WITH_TIMEOUT(answered, 6000);
        qInfo("keychain answered: %s", keychainError.isEmpty() ? "stored" : qPrintable(keychainError));
        if (!keychainError.isEmpty())
            QVERIFY2(keychainError.contains(QLatin1String("keychain")) &&
                         keychainError.contains(QLatin1String("--token-env")),
                     qPrintable(keychainError));
        else
            cleanKeychain();

        m_ws.reset(); // close the database so everything is in the files
        const QString folder = m_dir->filePath(QStringLiteral("ws"));
        QVERIFY(QFileInfo::exists(folder + QStringLiteral("/workspace.db")));
        QVERIFY(!workspaceFilesContain(folder, QByteArray(kToken)));
        QVERIFY(!workspaceFilesContain(folder, QByteArray("mldesk-test-secret")));
        // ... while the target itself is there (the grep looks at the right files).
        QVERIFY(workspaceFilesContain(folder, QByteArray("MLDESK_TEST_SLURM_JWT")));
        qunsetenv("MLDESK_TEST_SLURM_JWT");
    }

    void unsetTokenVariableIsExplained()
    {
        qunsetenv("MLDESK_TEST_SLURM_JWT");
        QString error;
        QVERIFY(ComputeTokenStore::fromEnvironment(validConfig(QStringLiteral("/tmp")), &error).isEmpty());
        QVERIFY2(error.contains(QLatin1String("MLDESK_TEST_SLURM_JWT")), qPrintable(error));
    }

    void deleteIsRefusedWhileRunsUseTheTarget()
    {
        ComputeTargetRegistry registry(m_ws->database());
        const ComputeTarget t =
            registry.createSlurm(QStringLiteral("busy"), validConfig(m_dir->filePath(QStringLiteral("shared"))));
        Database &db = m_ws->database();
        const qint64 experiment =
            db.insert(QStringLiteral("INSERT INTO experiments (name, created_at) VALUES ('e', 0)"));
        db.exec(QStringLiteral("INSERT INTO runs (run_uid, experiment_id, state, created_at, compute_target_id)"
                               " VALUES ('r1', ?, 'Running', 0, ?)"),
                {experiment, t.id});
        try {
            registry.remove(QStringLiteral("busy"));
            QFAIL("deleted a target a running run uses");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(QLatin1String("1 run")), qPrintable(e.message()));
        }
        QVERIFY(registry.find(QStringLiteral("busy")));
        db.exec(QStringLiteral("UPDATE runs SET state = 'Completed' WHERE run_uid = 'r1'"));
        registry.remove(QStringLiteral("busy"));
        QVERIFY(!registry.find(QStringLiteral("busy")));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, registry.remove(QStringLiteral("busy")));
    }

    void cliCreatesShowsAndDeletes()
    {
        const QString cli = qEnvironmentVariable("MLDESK_CLI");
        if (cli.isEmpty())
            QSKIP("MLDESK_CLI is not set (run through ctest)");
        const QString wsPath = m_ws->path();
        m_ws.reset();
        auto runCli = [&](const QStringList &args, QByteArray *err = nullptr) {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("SLURM_JWT"), QString::fromLatin1(kToken));
            p.setProcessEnvironment(env);
            p.start(cli, QStringList{QStringLiteral("--workspace"), wsPath} + args);
            p.waitForFinished(30000);
            if (err)
                *err = p.readAllStandardError();
            return qMakePair(p.exitCode(), p.readAllStandardOutput());
        };
        const QString shared = m_dir->filePath(QStringLiteral("shared"));
        QByteArray err;
        auto created = runCli({QStringLiteral("compute"), QStringLiteral("create"), QStringLiteral("gpu-cluster"),
                               QStringLiteral("--type"), QStringLiteral("slurm"), QStringLiteral("--url"),
                               QStringLiteral("http://127.0.0.1:6820"), QStringLiteral("--user"),
                               QStringLiteral("root"), QStringLiteral("--token-env"), QStringLiteral("SLURM_JWT"),
                               QStringLiteral("--partition"), QStringLiteral("debug"), QStringLiteral("--max-nodes"),
                               QStringLiteral("4"), QStringLiteral("--shared-dir"), shared},
                              &err);
        QVERIFY2(created.first == 0, err.constData());
        auto shown = runCli({QStringLiteral("--json"), QStringLiteral("compute"), QStringLiteral("show"),
                             QStringLiteral("gpu-cluster")});
        QCOMPARE(shown.first, 0);
        QVERIFY(!shown.second.contains(kToken));
        QVERIFY(shown.second.contains("\"api_version\": \"auto\""));
        auto refused =
            runCli({QStringLiteral("compute"), QStringLiteral("create"), QStringLiteral("bad"),
                    QStringLiteral("--type"), QStringLiteral("slurm"), QStringLiteral("--url"),
                    QStringLiteral("ftp://x"), QStringLiteral("--user"), QStringLiteral("root"),
                    QStringLiteral("--token-env"), QStringLiteral("SLURM_JWT"), QStringLiteral("--shared-dir"), shared},
                   &err);
        QCOMPARE(refused.first, 1);
        QVERIFY2(err.contains("url: 'ftp://x' is not an http(s) URL"), err.constData());
        auto local = runCli(
            {QStringLiteral("--json"), QStringLiteral("compute"), QStringLiteral("show"), QStringLiteral("local")});
        QCOMPARE(local.first, 0);
        QVERIFY(QJsonDocument::fromJson(local.second).object().value(QStringLiteral("cpu_cores")).toInt() > 0);
        QVERIFY(!workspaceFilesContain(wsPath, QByteArray(kToken)));
        QCOMPARE(runCli({QStringLiteral("compute"), QStringLiteral("delete"), QStringLiteral("gpu-cluster")}).first, 0);
        QCOMPARE(runCli({QStringLiteral("compute"), QStringLiteral("delete"), QStringLiteral("local")}).first, 1);
    }

private:
    void cleanKeychain()
    {
        bool done = false;
        ComputeTokenStore::remove(
            ComputeTokenStore::keyFor(m_ws->path(), QStringLiteral("hpc")), this, [&](const QString &) { done = true; },
            2000);
        QTRY_VERIFY_WITH_TIMEOUT(done, 6000);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Workspace> m_ws;
};

QTEST_GUILESS_MAIN(TestComputeTargets)
#include "TestComputeTargets.moc"
