// SlurmClient against the real slurmrestd of a test cluster - Slurm 22.05 (v0.0.38) and 24.11 (v0.0.40-42), one after
// the other (scripts/test; SlurmTestCluster, else every test skips saying so): version auto-detection, every served
// version explicitly (submit accepted without warnings, exit code), a version the cluster lacks refused, ping, nodes
// and partitions, a job that exits 3, cancel, bad tokens, unknown jobs, a refused submit, update_time polling and a
// time limit running out.
#include "core/http/HttpClient.h"
#include "core/slurm/SlurmApi.h"
#include "core/slurm/SlurmClient.h"

#include "SlurmTestCluster.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace mldesk::core;
using mldesk::test::SlurmTestCluster;

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
            QSKIP(qPrintable(mldesk::test::SlurmTestCluster::skipMessage()));
        m_connection.url = SlurmTestCluster::url();
        m_connection.user = SlurmTestCluster::user();
        m_connection.token = SlurmTestCluster::token();
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
        auto c = client(); // api version "auto"
        const auto r = c.ping();
        QVERIFY2(r.ok(), qPrintable(r.error.message));
        QCOMPARE(r.value.state, QStringLiteral("UP"));
        QVERIFY2(r.value.slurmRelease.startsWith(SlurmTestCluster::release()), qPrintable(r.value.slurmRelease));
        QVERIFY(c.autoDetected());
        QCOMPARE(c.apiVersion(), SlurmTestCluster::apiVersions().first()); // the newest both sides know
    }

    // Each version the cluster serves, named explicitly: the whole submit-follow path, and slurmrestd takes every
    // field MLDesk sends (24.11 ignores an unknown field with only a warning: no warning may come back).
    void eachServedVersion_data()
    {
        QTest::addColumn<QString>("version");
        for (const QString &v : SlurmTestCluster::apiVersions())
            QTest::newRow(qPrintable(v)) << v;
    }
    void eachServedVersion()
    {
        QFETCH(QString, version);
        SlurmClient::Connection explicitVersion = m_connection;
        explicitVersion.apiVersion = version;
        SlurmClient c(*m_http, explicitVersion);
        const auto ping = c.ping();
        QVERIFY2(ping.ok(), qPrintable(ping.error.message));
        QCOMPARE(c.apiVersion(), version);
        QVERIFY2(c.nodes().ok() && c.partitions().ok(), qPrintable(c.nodes().error.message));

        SlurmJobSpec s = spec(QStringLiteral("v") + version.mid(5), QStringLiteral("exit 3"));
        s.comment = QStringLiteral("mldesk run ") + s.name;
        s.nodesMax = 1;
        s.cpusPerTask = 1;
        HttpRequest raw;
        raw.method = QByteArrayLiteral("POST");
        raw.url = QUrl(m_connection.url.toString() + c.api()->submitPath());
        raw.headers = {{QByteArrayLiteral("X-SLURM-USER-NAME"), m_connection.user.toUtf8()},
                       {QByteArrayLiteral("X-SLURM-USER-TOKEN"), m_connection.token.toUtf8()},
                       {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
        raw.body = c.api()->submitBody(s);
        const HttpResponse answer = m_http->send(raw, SlurmClient::defaultHttpOptions());
        QCOMPARE(answer.status, 200);
        const QJsonObject root = QJsonDocument::fromJson(answer.body).object();
        QVERIFY2(root.value(QStringLiteral("warnings")).toArray().isEmpty(), answer.body.constData());
        qint64 id = 0;
        QString why;
        QVERIFY2(c.api()->parseSubmit(root, &id, &why), qPrintable(why));
        m_jobs.append(id);
        const SlurmJob j = waitFor(
            id, [](const SlurmJob &x) { return x.isFinished(); }, 60000);
        QCOMPARE(j.state, QStringLiteral("FAILED"));
        QCOMPARE(j.exitCode().value_or(-1), 3);
        QCOMPARE(j.comment, s.comment);
        QVERIFY(j.startTime.isValid() && j.endTime >= j.startTime);
    }

    // A version the cluster does not serve: refused, naming what it serves.
    void unservedVersionRefused()
    {
        SlurmClient::Connection other = m_connection;
        other.apiVersion = SlurmTestCluster::modern() ? QStringLiteral("v0.0.38") : QStringLiteral("v0.0.42");
        const auto r = SlurmClient(*m_http, other).ping();
        QCOMPARE(r.error.kind, SlurmError::Kind::Rejected);
        QVERIFY2(r.error.message.contains(QStringLiteral("does not serve REST API ") + other.apiVersion) &&
                     r.error.message.contains(SlurmTestCluster::apiVersions().join(QStringLiteral(", "))),
                 qPrintable(r.error.message));
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
        if (!SlurmTestCluster::modern()) // 24.11's partition answers carry no flags
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
        // Cancelling again is harmless; an unknown job is NotFound with Slurm's text (on 24.11 too for KILL, while
        // its TERM to an unknown job answers 200: data/v0.0.42/cancel-unknown.json).
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
        // 24.11 answers ping without asking slurmctld, so whatever the token; the nodes need it.
        const auto r = SlurmTestCluster::modern() ? SlurmResult<SlurmPing>{{}, c.nodes().error} : c.ping();
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
