// SlurmClient against the real slurmrestd of the test cluster (tests/slurm/start-slurm.sh; SLURMRESTD_URL, SLURM_JWT
// and SLURM_USER_NAME in the environment, else every test skips saying so): ping, nodes and partitions, a job that
// exits 3, cancel, bad tokens, unknown jobs, a refused submit, update_time polling and a time limit running out.
#include "core/http/HttpClient.h"
#include "core/slurm/SlurmClient.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace mldesk::core;

class TestSlurmClient final : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<HttpClient> m_http = HttpClient::create();
    SlurmClient::Connection m_connection;
    QTemporaryDir m_dir{QDir::tempPath() + QStringLiteral("/mldesk-slurm-client-XXXXXX")};
    QList<qint64> m_jobs; // cancelled at the end whatever happened

    SlurmClient client() { return SlurmClient(*m_http, m_connection); }

    SlurmJobSpec spec(const QString &name, const QString &body, int timeLimitMinutes = 2)
    {
        SlurmJobSpec s;
        s.name = QStringLiteral("mldesk-test-") + name;
        s.script = QStringLiteral("#!/bin/bash\n") + body + QLatin1Char('\n');
        s.partition = QStringLiteral("debug");
        s.timeLimitMinutes = timeLimitMinutes;
        s.workingDirectory = m_dir.path();
        s.standardOutput = m_dir.filePath(name + QStringLiteral("-%j.out"));
        s.environment.insert(QStringLiteral("PATH"), QStringLiteral("/usr/bin:/bin"));
        s.environment.insert(QStringLiteral("MLDESK_TEST"), name);
        return s;
    }

    qint64 submit(const SlurmJobSpec &s)
    {
        auto c = client();
        const auto r = c.submit(s);
        if (!r.ok())
            qWarning("submit failed: %s", qPrintable(r.error.message));
        if (r.ok())
            m_jobs.append(r.value);
        return r.ok() ? r.value : 0;
    }

    // Polls job id until pred holds or timeoutMs passes; returns the last job seen.
    SlurmJob waitFor(qint64 id, const std::function<bool(const SlurmJob &)> &pred, int timeoutMs)
    {
        auto c = client();
        SlurmJob last;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            const auto r = c.job(id);
            if (r.ok()) {
                last = r.value;
                if (pred(last))
                    break;
            }
            QTest::qWait(250); // keeps the event loop alive; the cluster is real, so this is polling, not a sleep
        }
        return last;
    }

private slots:
    void initTestCase()
    {
        const QString url = qEnvironmentVariable("SLURMRESTD_URL");
        if (url.isEmpty())
            QSKIP("no test cluster: SLURMRESTD_URL is not set. Run as root: eval \"$(tests/slurm/start-slurm.sh)\" "
                  "(scripts/test does it when run as root)");
        m_connection.url = QUrl(url);
        m_connection.user = qEnvironmentVariable("SLURM_USER_NAME", QStringLiteral("root"));
        m_connection.token = qEnvironmentVariable("SLURM_JWT");
        m_connection.tokenSource = QStringLiteral("environment variable SLURM_JWT");
        QVERIFY(m_dir.isValid());
    }

    void cleanupTestCase()
    {
        auto c = client();
        for (qint64 id : std::as_const(m_jobs))
            c.signal(id, QStringLiteral("KILL"));
    }

    void ping()
    {
        const auto r = client().ping();
        QVERIFY2(r.ok(), qPrintable(r.error.message));
        QCOMPARE(r.value.state, QStringLiteral("UP"));
        QVERIFY(r.value.slurmRelease.startsWith(QStringLiteral("22.05")));
    }

    void nodesAndPartitions()
    {
        auto c = client();
        const auto nodes = c.nodes();
        QVERIFY2(nodes.ok(), qPrintable(nodes.error.message));
        QCOMPARE(nodes.value.size(), 1);
        QVERIFY(nodes.value[0].cpus >= 1);
        QVERIFY(nodes.value[0].realMemoryMb > 0);
        QVERIFY2(!nodes.value[0].state.startsWith(QStringLiteral("down")), qPrintable(nodes.value[0].state));
        const auto partitions = c.partitions();
        QVERIFY2(partitions.ok(), qPrintable(partitions.error.message));
        QCOMPARE(partitions.value.size(), 1);
        QCOMPARE(partitions.value[0].name, QStringLiteral("debug"));
        QVERIFY(partitions.value[0].isDefault);
        QCOMPARE(partitions.value[0].state, QStringLiteral("UP"));
    }

    void exitCodeThree()
    {
        const qint64 id =
            submit(spec(QStringLiteral("exit3"), QStringLiteral("echo \"hello from $MLDESK_TEST\"\nexit 3")));
        QVERIFY(id > 0);
        const SlurmJob j = waitFor(
            id, [](const SlurmJob &x) { return x.isFinished(); }, 60000);
        QCOMPARE(j.state, QStringLiteral("FAILED"));
        QCOMPARE(j.rawExitCode, 768); // the raw wait status
        QCOMPARE(j.exitCode().value_or(-1), 3);
        QCOMPARE(j.name, QStringLiteral("mldesk-test-exit3"));
        QFile out(m_dir.filePath(QStringLiteral("exit3-%1.out").arg(id)));
        QVERIFY2(out.open(QIODevice::ReadOnly), qPrintable(out.fileName()));
        QCOMPARE(out.readAll(), QByteArray("hello from exit3\n")); // the environment dictionary reached the job
    }

    void cancel()
    {
        const qint64 id = submit(spec(QStringLiteral("cancel"), QStringLiteral("sleep 300")));
        QVERIFY(id > 0);
        SlurmJob j = waitFor(
            id, [](const SlurmJob &x) { return x.state == QLatin1String("RUNNING"); }, 30000);
        QCOMPARE(j.state, QStringLiteral("RUNNING"));
        const SlurmError e = client().signal(id, QStringLiteral("KILL"));
        QVERIFY2(e.ok(), qPrintable(e.message));
        j = waitFor(
            id, [](const SlurmJob &x) { return x.isFinished(); }, 30000);
        QCOMPARE(j.state, QStringLiteral("CANCELLED"));
        // Cancelling again is harmless; an unknown job is NotFound with Slurm's text.
        const SlurmError unknown = client().signal(999999999, QStringLiteral("KILL"));
        QCOMPARE(unknown.kind, SlurmError::Kind::NotFound);
    }

    void termSignalEndsTheJob()
    {
        const qint64 id = submit(spec(QStringLiteral("term"), QStringLiteral("echo started\nsleep 300")));
        QVERIFY(id > 0);
        // RUNNING comes a moment before the batch script is launched; a signal sent in between is lost.
        const QString out = m_dir.filePath(QStringLiteral("term-%1.out").arg(id));
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(out) && QFileInfo(out).size() > 0, 30000);
        QVERIFY(client().signal(id, QStringLiteral("TERM")).ok());
        SlurmJob j;
        j = waitFor(
            id, [](const SlurmJob &x) { return x.isFinished(); }, 30000);
        QVERIFY2(j.isFinished(), qPrintable(j.state));
        QCOMPARE(j.exitSignal().value_or(0), 15);
    }

    void wrongToken()
    {
        SlurmClient::Connection bad = m_connection;
        bad.token = QStringLiteral("not-a-token");
        bad.tokenSource = QStringLiteral("environment variable MY_BAD_JWT");
        SlurmClient c(*m_http, bad);
        const auto r = c.ping();
        QCOMPARE(r.error.kind, SlurmError::Kind::Auth);
        QVERIFY2(r.error.message.contains(QStringLiteral("MY_BAD_JWT")) &&
                     r.error.message.contains(QStringLiteral("token")),
                 qPrintable(r.error.message));
        QVERIFY(!r.error.transient());
        const auto jobs = c.jobsChangedSince(0);
        QCOMPARE(jobs.error.kind, SlurmError::Kind::Auth);
        // No token at all: refused by the client before any request.
        bad.token.clear();
        const auto none = SlurmClient(*m_http, bad).nodes();
        QCOMPARE(none.error.kind, SlurmError::Kind::Auth);
        QVERIFY2(none.error.message.contains(QStringLiteral("MY_BAD_JWT")), qPrintable(none.error.message));
    }

    void refusedSubmitAndUnknownJob()
    {
        SlurmJobSpec s = spec(QStringLiteral("badpartition"), QStringLiteral("true"));
        s.partition = QStringLiteral("nosuchpartition");
        const auto r = client().submit(s);
        QCOMPARE(r.error.kind, SlurmError::Kind::Rejected);
        QVERIFY2(r.error.message.contains(QStringLiteral("Invalid partition name specified")),
                 qPrintable(r.error.message));
        const auto j = client().job(999999999);
        QCOMPARE(j.error.kind, SlurmError::Kind::NotFound);
        QCOMPARE(j.error.slurmCode, 2017);
    }

    void unreachable()
    {
        SlurmClient::Connection off = m_connection;
        off.url = QUrl(QStringLiteral("http://127.0.0.1:9")); // discard port: nothing listens
        const auto r = SlurmClient(*m_http, off).ping();
        QCOMPARE(r.error.kind, SlurmError::Kind::Unreachable);
        QVERIFY(r.error.transient());
    }

    void changedSince()
    {
        const qint64 before = QDateTime::currentSecsSinceEpoch() - 1;
        const qint64 id = submit(spec(QStringLiteral("listed"), QStringLiteral("true")));
        QVERIFY(id > 0);
        auto c = client();
        const auto all = c.jobsChangedSince(0);
        QVERIFY2(all.ok(), qPrintable(all.error.message));
        QVERIFY(all.value.complete);
        QVERIFY(
            std::any_of(all.value.jobs.begin(), all.value.jobs.end(), [id](const SlurmJob &j) { return j.id == id; }));
        const auto changed = c.jobsChangedSince(before);
        QVERIFY2(changed.ok(), qPrintable(changed.error.message));
        QVERIFY(changed.value.complete);
        // Nothing changes in the future: slurmrestd answers 304, an empty incomplete list.
        const auto later = c.jobsChangedSince(QDateTime::currentSecsSinceEpoch() + 3600);
        QVERIFY2(later.ok(), qPrintable(later.error.message));
        QVERIFY(later.value.jobs.isEmpty());
        QVERIFY(!later.value.complete);
    }

    // Last: takes a minute and a half (1-minute limit, slurmctld checks limits every 30 s).
    void timeLimit()
    {
        const qint64 id = submit(spec(QStringLiteral("timeout"), QStringLiteral("sleep 600"), 1));
        QVERIFY(id > 0);
        const SlurmJob j = waitFor(
            id, [](const SlurmJob &x) { return x.isFinished(); }, 180000);
        QCOMPARE(j.state, QStringLiteral("TIMEOUT"));
        QCOMPARE(j.reason(), QStringLiteral("TimeLimit"));
    }
};

QTEST_GUILESS_MAIN(TestSlurmClient)
#include "TestSlurmClient.moc"
