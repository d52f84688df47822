// `mldesk-cli compute status NAME` against the real test cluster ($MLDESK_CLI; SLURMRESTD_URL, SLURM_JWT from
// start-slurm.sh, else it skips): ping, nodes and partitions as text and JSON; an unset token variable and a bad
// token give exit 1 with a message naming the token; the built-in local target is pointed to `compute show`.
#include "SlurmTestCluster.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace Qt::StringLiterals;

class TestSlurmCli final : public QObject {
    Q_OBJECT
private:
    struct Result {
        int exitCode = -1;
        QString out, err;
    };
    QString m_cli;
    QTemporaryDir m_dir;
    QString m_workspace;

    Result run(const QStringList &args, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
    {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(m_cli, QStringList{u"--workspace"_s, m_workspace} + args);
        Result r;
        if (!p.waitForFinished(60000))
            return r;
        r.exitCode = p.exitCode();
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

private slots:
    void initTestCase()
    {
        if (qEnvironmentVariable("SLURMRESTD_URL").isEmpty())
            QSKIP(qPrintable(mldesk::test::SlurmTestCluster::skipMessage()));
        m_cli = qEnvironmentVariable("MLDESK_CLI");
        QVERIFY2(QFileInfo(m_cli).isExecutable(), "MLDESK_CLI must name the mldesk-cli binary (set by CTest)");
        m_workspace = m_dir.filePath(u"ws"_s);
        QProcess p;
        p.start(m_cli, {u"workspace"_s, u"create"_s, m_workspace, u"--name"_s, u"slurm-cli"_s});
        QVERIFY(p.waitForFinished(60000) && p.exitCode() == 0);
        const QString shared = m_dir.filePath(u"shared"_s);
        QVERIFY(QDir().mkpath(shared));
        for (const auto &[name, var] :
             {std::pair{u"hpc"_s, u"SLURM_JWT"_s}, std::pair{u"nokey"_s, u"MLDESK_UNSET_JWT"_s},
              std::pair{u"badkey"_s, u"MLDESK_BAD_JWT"_s}}) {
            const Result r = run({u"compute"_s, u"create"_s, name, u"--type"_s, u"slurm"_s, u"--url"_s,
                                  qEnvironmentVariable("SLURMRESTD_URL"), u"--user"_s,
                                  qEnvironmentVariable("SLURM_USER_NAME", u"root"_s), u"--token-env"_s, var,
                                  u"--partition"_s, u"debug"_s, u"--shared-dir"_s, shared});
            QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        }
    }

    void statusText()
    {
        const Result r = run({u"compute"_s, u"status"_s, u"hpc"_s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QString api = mldesk::test::SlurmTestCluster::apiVersions().first() + u" (auto)"_s; // the version in use
        for (const QString &s : {u"UP"_s, mldesk::test::SlurmTestCluster::release(), api, u"debug"_s, u"CPUs"_s,
                                 u"Memory"_s, u"GPUs"_s, u"Partition"_s})
            QVERIFY2(r.out.contains(s), qPrintable(s + u" missing in:\n"_s + r.out));
        QVERIFY2(!r.err.contains(u"warning"_s), qPrintable(r.err)); // loopback: plain http is fine
    }

    void statusJson()
    {
        const Result r = run({u"--json"_s, u"compute"_s, u"status"_s, u"hpc"_s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o.value(u"ping"_s).toString(), u"UP"_s);
        QCOMPARE(o.value(u"api_version"_s).toString(), mldesk::test::SlurmTestCluster::apiVersions().first());
        QCOMPARE(o.value(u"api_version_setting"_s).toString(), u"auto"_s);
        const QJsonArray nodes = o.value(u"nodes"_s).toArray();
        QCOMPARE(nodes.size(), 1);
        QVERIFY(nodes[0].toObject().value(u"cpus"_s).toInt() >= 1);
        QVERIFY(nodes[0].toObject().value(u"memory_mb"_s).toDouble() > 0);
        QCOMPARE(nodes[0].toObject().value(u"gpus"_s).toInt(), 0);
        const QJsonArray partitions = o.value(u"partitions"_s).toArray();
        QCOMPARE(partitions.size(), 1);
        QCOMPARE(partitions[0].toObject().value(u"name"_s).toString(), u"debug"_s);
        if (!mldesk::test::SlurmTestCluster::modern()) // 24.11's partition answers carry no flags
            QVERIFY(partitions[0].toObject().value(u"default"_s).toBool());
    }

    void tokenProblems()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(u"MLDESK_UNSET_JWT"_s);
        env.insert(u"MLDESK_BAD_JWT"_s, u"not-a-token"_s);
        Result r = run({u"compute"_s, u"status"_s, u"nokey"_s}, env);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"MLDESK_UNSET_JWT"_s), qPrintable(r.err));
        r = run({u"compute"_s, u"status"_s, u"badkey"_s}, env);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"MLDESK_BAD_JWT"_s) && r.err.contains(u"token"_s) &&
                     r.err.contains(u"scontrol token"_s),
                 qPrintable(r.err));
        QVERIFY(!r.err.contains(u"not-a-token"_s)); // the token itself is never printed
    }

    // Plain http to another machine: accepted, with a warning on create, show and status.
    void plainHttpWarns()
    {
        const QString shared = m_dir.filePath(u"shared"_s);
        Result r = run({u"compute"_s, u"create"_s, u"remote"_s, u"--type"_s, u"slurm"_s, u"--url"_s,
                        u"http://slurm.example.invalid:6820"_s, u"--user"_s, u"root"_s, u"--token-env"_s,
                        u"SLURM_JWT"_s, u"--shared-dir"_s, shared});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(u"warning"_s) && r.err.contains(u"plain http"_s) &&
                     r.err.contains(u"slurm.example.invalid"_s),
                 qPrintable(r.err));
        r = run({u"compute"_s, u"show"_s, u"remote"_s});
        QVERIFY2(r.out.contains(u"unencrypted"_s), qPrintable(r.out));
        r = run({u"compute"_s, u"status"_s, u"remote"_s});
        QCOMPARE(r.exitCode, 1); // nothing answers there
        QVERIFY2(r.err.contains(u"plain http"_s), qPrintable(r.err));
        r = run({u"compute"_s, u"show"_s, u"hpc"_s}); // loopback: no warning
        QVERIFY2(!r.out.contains(u"unencrypted"_s), qPrintable(r.out));
    }

    void localAndUnknown()
    {
        Result r = run({u"compute"_s, u"status"_s, u"local"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"compute show local"_s), qPrintable(r.err));
        r = run({u"compute"_s, u"status"_s, u"nosuch"_s});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"nosuch"_s), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestSlurmCli)
#include "TestSlurmCli.moc"
