// Unit tests of the Slurm client's JSON mapping against answers recorded from a real slurmrestd v0.0.38
// (tests/slurm/data, made by record-responses.sh): parsing, the wait-status decoding, the submit body, and the
// classification of slurmrestd's quirky errors. A replaying HttpClient checks the requests the client sends.
#include "core/http/HttpClient.h"
#include "core/slurm/SlurmApiV0038.h"
#include "core/slurm/SlurmClient.h"

#include "SlurmTestSupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace mldesk::core;

namespace {

using mldesk::test::ReplayHttpClient;

QByteArray recorded(const QString &name)
{
    return mldesk::test::recordedSlurm(QStringLiteral(MLDESK_SLURM_DATA_DIR), name);
}

HttpResponse recordedResponse(const QString &name)
{
    return mldesk::test::recordedSlurmResponse(QStringLiteral(MLDESK_SLURM_DATA_DIR), name);
}

QJsonObject root(const QString &name)
{
    return QJsonDocument::fromJson(recorded(name)).object();
}

QString jwt(const QJsonObject &claims)
{
    return mldesk::test::slurmJwt(claims);
}

SlurmClient::Connection connection(const QString &token)
{
    SlurmClient::Connection c;
    c.url = QUrl(QStringLiteral("http://127.0.0.1:6820"));
    c.user = QStringLiteral("root");
    c.token = token;
    c.tokenSource = QStringLiteral("environment variable SLURM_JWT");
    c.apiVersion = QStringLiteral("v0.0.38");
    return c;
}

QByteArray header(const HttpRequest &r, const QByteArray &name)
{
    return mldesk::test::headerOf(r, name);
}

} // namespace

class TestSlurmJson final : public QObject {
    Q_OBJECT
private slots:
    void versions()
    {
        QString error;
        QVERIFY(SlurmApi::create(QStringLiteral("v0.0.38"), &error));
        QVERIFY(SlurmApi::create(QStringLiteral("v0.0.42"), &error));
        QVERIFY(!SlurmApi::create(QStringLiteral("v0.0.39"), &error)); // Slurm 23.02's: never supported
        QVERIFY2(error.contains(QStringLiteral("v0.0.39")) && error.contains(QStringLiteral("v0.0.38")) &&
                     error.contains(QStringLiteral("v0.0.42")) && error.contains(QStringLiteral("auto")),
                 qPrintable(error));
    }

    void ping()
    {
        SlurmApiV0038 api;
        SlurmPing p;
        QString error;
        QVERIFY2(api.parsePing(root(QStringLiteral("ping.json")), &p, &error), qPrintable(error));
        QCOMPARE(p.state, QStringLiteral("UP"));
        QCOMPARE(p.mode, QStringLiteral("primary"));
        QVERIFY(p.slurmRelease.startsWith(QStringLiteral("22.05")));
        QCOMPARE(p.pluginType, QStringLiteral("openapi/v0.0.38"));
        QVERIFY(!p.hostname.isEmpty());
    }

    void nodesAndPartitions()
    {
        SlurmApiV0038 api;
        QList<SlurmNode> nodes;
        QString error;
        QVERIFY2(api.parseNodes(root(QStringLiteral("nodes.json")), &nodes, &error), qPrintable(error));
        QCOMPARE(nodes.size(), 1);
        QVERIFY(nodes[0].cpus >= 1);
        QCOMPARE(nodes[0].idleCpus + nodes[0].allocatedCpus, nodes[0].cpus);
        QVERIFY(nodes[0].realMemoryMb > 0);
        QCOMPARE(nodes[0].partitions, QStringList{QStringLiteral("debug")});
        QCOMPARE(nodes[0].gpuCount(), 0);

        QList<SlurmPartition> partitions;
        QVERIFY2(api.parsePartitions(root(QStringLiteral("partitions.json")), &partitions, &error), qPrintable(error));
        QCOMPARE(partitions.size(), 1);
        QCOMPARE(partitions[0].name, QStringLiteral("debug"));
        QVERIFY(partitions[0].isDefault);
        QCOMPARE(partitions[0].state, QStringLiteral("UP"));
        QCOMPARE(partitions[0].maxTimeMinutes, -1); // MaxTime=INFINITE
        QCOMPARE(partitions[0].defaultTimeMinutes, -1);
        QCOMPARE(partitions[0].totalNodes, 1);

        QVERIFY(!api.parseNodes(QJsonObject{}, &nodes, &error));
        QVERIFY2(error.contains(QStringLiteral("nodes")), qPrintable(error));
    }

    void gpuCount_data()
    {
        QTest::addColumn<QString>("gres");
        QTest::addColumn<int>("gpus");
        QTest::newRow("none") << QString() << 0;
        QTest::newRow("plain") << QStringLiteral("gpu:4") << 4;
        QTest::newRow("typed") << QStringLiteral("gpu:a100:2") << 2;
        QTest::newRow("two types") << QStringLiteral("gpu:a100:2(S:0-1),gpu:v100:1") << 3;
        QTest::newRow("not gpu") << QStringLiteral("mps:100") << 0;
    }
    void gpuCount()
    {
        QFETCH(QString, gres);
        QFETCH(int, gpus);
        SlurmNode n;
        n.gres = gres;
        QCOMPARE(n.gpuCount(), gpus);
    }

    void jobs_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("state");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<int>("exitCode"); // -1: killed by a signal
        QTest::addColumn<int>("signal");   // 0: none
        QTest::addColumn<bool>("finished");
        QTest::newRow("pending") << "job-pending.json"
                                 << "PENDING"
                                 << "Resources" << 0 << 0 << false;
        QTest::newRow("running") << "job-running.json"
                                 << "RUNNING"
                                 << "" << 0 << 0 << false;
        QTest::newRow("completed") << "job-completed.json"
                                   << "COMPLETED"
                                   << "" << 0 << 0 << true;
        // exit_code is the raw wait status: 768 = exit 3.
        QTest::newRow("exit 3") << "job-failed-exit3.json"
                                << "FAILED"
                                << "NonZeroExitCode" << 3 << 0 << true;
        QTest::newRow("timeout") << "job-timeout.json"
                                 << "TIMEOUT"
                                 << "TimeLimit" << -1 << 15 << true;
        QTest::newRow("cancelled") << "job-cancelled.json"
                                   << "CANCELLED"
                                   << "" << -1 << 15 << true;
        QTest::newRow("SIGTERM") << "job-after-term.json"
                                 << "FAILED"
                                 << "JobLaunchFailure" << -1 << 15 << true;
    }
    void jobs()
    {
        QFETCH(QString, file);
        QFETCH(QString, state);
        QFETCH(QString, reason);
        QFETCH(int, exitCode);
        QFETCH(int, signal);
        QFETCH(bool, finished);
        SlurmApiV0038 api;
        QList<SlurmJob> jobs;
        QString error;
        QVERIFY2(api.parseJobs(root(file), &jobs, &error), qPrintable(error));
        QCOMPARE(jobs.size(), 1);
        const SlurmJob &j = jobs.first();
        QVERIFY(j.id > 0);
        QCOMPARE(j.state, state);
        QCOMPARE(j.reason(), reason);
        QCOMPARE(j.exitCode().value_or(-1), exitCode);
        QCOMPARE(j.exitSignal().value_or(0), signal);
        QCOMPARE(j.isFinished(), finished);
        QCOMPARE(j.partition, QStringLiteral("debug"));
        QCOMPARE(j.user, QStringLiteral("root"));
        QVERIFY(j.submitTime.isValid());
        QVERIFY(j.standardOutput.endsWith(QStringLiteral("-%j.out")));
        QVERIFY(!j.workingDirectory.isEmpty());
        if (state != QLatin1String("PENDING"))
            QVERIFY(j.startTime.isValid());
        if (finished)
            QVERIFY(j.endTime >= j.startTime);
        if (state == QLatin1String("TIMEOUT"))
            QCOMPARE(j.timeLimitMinutes, 1);
    }

    void waitStatus_data()
    {
        QTest::addColumn<int>("raw");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<int>("signal");
        QTest::newRow("0") << 0 << 0 << 0;
        QTest::newRow("exit 1") << 256 << 1 << 0;
        QTest::newRow("exit 3") << 768 << 3 << 0;
        QTest::newRow("exit 255") << 255 * 256 << 255 << 0;
        QTest::newRow("SIGKILL") << 9 << -1 << 9;
        QTest::newRow("SIGTERM") << 15 << -1 << 15;
    }
    void waitStatus()
    {
        QFETCH(int, raw);
        QFETCH(int, exitCode);
        QFETCH(int, signal);
        SlurmJob j;
        j.rawExitCode = raw;
        QCOMPARE(j.exitCode().value_or(-1), exitCode);
        QCOMPARE(j.exitSignal().value_or(0), signal);
    }

    void jobListAndSubmit()
    {
        SlurmApiV0038 api;
        QList<SlurmJob> jobs;
        QString error;
        QVERIFY2(api.parseJobs(root(QStringLiteral("jobs-since.json")), &jobs, &error), qPrintable(error));
        QVERIFY(jobs.size() >= 6);
        QStringList names;
        for (const SlurmJob &j : jobs)
            names.append(j.name);
        for (const char *n : {"long-a", "long-b", "exit3", "ok", "timeout"})
            QVERIFY2(names.contains(QLatin1String(n)), n);
        qint64 id = 0;
        QVERIFY2(api.parseSubmit(root(QStringLiteral("submit.json")), &id, &error), qPrintable(error));
        QVERIFY(id > 0);
        QVERIFY(!api.parseSubmit(root(QStringLiteral("submit-bad-partition.json")), &id, &error));
    }

    void submitBody()
    {
        SlurmJobSpec spec;
        spec.name = QStringLiteral("run-42");
        spec.script = QStringLiteral("#!/bin/bash\nexec true\n");
        spec.partition = QStringLiteral("gpu");
        spec.nodesMin = 1;
        spec.nodesMax = 2;
        spec.gpusPerNode = 2;
        spec.timeLimitMinutes = 90;
        spec.workingDirectory = QStringLiteral("/shared/runs/run-42");
        spec.standardOutput = QStringLiteral("/shared/runs/run-42/logs/slurm-%j.out");
        spec.environment.insert(QStringLiteral("MLDESK_RUN_ID"), QStringLiteral("run-42"));
        spec.environment.insert(QStringLiteral("PATH"), QStringLiteral("/usr/bin:/bin"));
        const QJsonObject body = QJsonDocument::fromJson(SlurmApiV0038().submitBody(spec)).object();
        QCOMPARE(body.value(QStringLiteral("script")).toString(), spec.script);
        const QJsonObject job = body.value(QStringLiteral("job")).toObject();
        QCOMPARE(job.value(QStringLiteral("name")).toString(), spec.name);
        QCOMPARE(job.value(QStringLiteral("partition")).toString(), spec.partition);
        QCOMPARE(job.value(QStringLiteral("nodes")).toArray(), (QJsonArray{1, 2}));
        QCOMPARE(job.value(QStringLiteral("gpus_per_node")).toString(), QStringLiteral("2"));
        QCOMPARE(job.value(QStringLiteral("time_limit")).toInt(), 90);
        QCOMPARE(job.value(QStringLiteral("current_working_directory")).toString(), spec.workingDirectory);
        QCOMPARE(job.value(QStringLiteral("standard_output")).toString(), spec.standardOutput);
        QCOMPARE(job.value(QStringLiteral("requeue")).toBool(true), false);
        // v0.0.38 wants the environment as a dictionary.
        const QJsonObject env = job.value(QStringLiteral("environment")).toObject();
        QCOMPARE(env.value(QStringLiteral("MLDESK_RUN_ID")).toString(), QStringLiteral("run-42"));
        QCOMPARE(env.size(), 2);

        spec.partition.clear();
        spec.gpusPerNode = 0;
        spec.timeLimitMinutes = -1;
        const QJsonObject plain =
            QJsonDocument::fromJson(SlurmApiV0038().submitBody(spec)).object().value(QStringLiteral("job")).toObject();
        QVERIFY(!plain.contains(QStringLiteral("partition")));
        QVERIFY(!plain.contains(QStringLiteral("gpus_per_node")));
        QVERIFY(!plain.contains(QStringLiteral("time_limit")));
    }

    void errors_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("token");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("mentions");
        const QString notJwt = QStringLiteral("not-a-token");
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const QString fresh =
            jwt({{QStringLiteral("exp"), double(now + 3600)}, {QStringLiteral("sun"), QStringLiteral("root")}});
        const QString expired =
            jwt({{QStringLiteral("exp"), double(now - 60)}, {QStringLiteral("sun"), QStringLiteral("root")}});
        const QString otherUser =
            jwt({{QStringLiteral("exp"), double(now + 3600)}, {QStringLiteral("sun"), QStringLiteral("alice")}});
        using K = SlurmError::Kind;
        QTest::newRow("no token 401") << "ping-no-token.json" << fresh << int(K::Auth) << "SLURM_JWT";
        // A bad token answers 500 (not 401), with a different text per endpoint.
        QTest::newRow("garbage token ping") << "ping-bad-token.json" << notJwt << int(K::Auth) << "SLURM_JWT";
        QTest::newRow("garbage token jobs") << "jobs-bad-token.json" << notJwt << int(K::Auth) << "not a JWT";
        QTest::newRow("garbage token nodes") << "nodes-bad-token.json" << notJwt << int(K::Auth) << "scontrol token";
        QTest::newRow("garbage token submit") << "submit-bad-token.json" << notJwt << int(K::Auth) << "SLURM_JWT";
        QTest::newRow("expired token") << "job-bad-token.json" << expired << int(K::Auth) << "expired at";
        QTest::newRow("someone else's token") << "ping-bad-token.json" << otherUser << int(K::Auth) << "alice";
        // The same answer with a token that looks fine: slurmctld may just be down - transient, token still named.
        QTest::newRow("controller down or key") << "ping-bad-token.json" << fresh << int(K::Server) << "scontrol ping";
        QTest::newRow("unknown job") << "job-unknown.json" << fresh << int(K::NotFound) << "Invalid job id specified";
        QTest::newRow("cancel unknown") << "cancel-unknown.json" << fresh << int(K::NotFound) << "999999";
        QTest::newRow("bad partition") << "submit-bad-partition.json" << fresh << int(K::Rejected)
                                       << "Invalid partition name specified";
        QTest::newRow("unknown key") << "submit-bad-key.json" << fresh << int(K::Rejected) << "tres_per_node";
        QTest::newRow("nothing changed 304") << "jobs-later.json" << fresh << int(K::None) << "";
        QTest::newRow("ok") << "ping.json" << fresh << int(K::None) << "";
    }
    void errors()
    {
        QFETCH(QString, file);
        QFETCH(QString, token);
        QFETCH(int, kind);
        QFETCH(QString, mentions);
        SlurmApiV0038 api;
        const SlurmError e =
            SlurmClient::errorFrom(recordedResponse(file), api, connection(token), QStringLiteral("do it"));
        QVERIFY2(int(e.kind) == kind, qPrintable(SlurmError::kindName(e.kind) + QStringLiteral(": ") + e.message));
        QVERIFY2(e.message.contains(mentions), qPrintable(e.message));
        QVERIFY2(!e.message.contains(token) || token.isEmpty() || e.ok(), "the token must never be shown");
        if (!e.ok())
            QVERIFY(e.httpStatus >= 400);
    }

    void unreachable()
    {
        HttpResponse r;
        r.error = QStringLiteral("Connection refused");
        const SlurmError e = SlurmClient::errorFrom(r, SlurmApiV0038(), connection(QStringLiteral("t")),
                                                    QStringLiteral("ping the controller"));
        QCOMPARE(e.kind, SlurmError::Kind::Unreachable);
        QVERIFY(e.transient());
        QVERIFY2(e.message.contains(QStringLiteral("127.0.0.1:6820")) &&
                     e.message.contains(QStringLiteral("Connection refused")),
                 qPrintable(e.message));
    }

    // The client's requests, replayed against recorded answers.
    void requests()
    {
        ReplayHttpClient http;
        const QString token = jwt({{QStringLiteral("exp"), 4e9}, {QStringLiteral("sun"), QStringLiteral("root")}});
        SlurmClient client(http, connection(token));

        http.answers = {recordedResponse(QStringLiteral("ping.json"))};
        QVERIFY(client.ping().ok());
        QCOMPARE(http.requests.last().method, QByteArray("GET"));
        QCOMPARE(http.requests.last().url.toString(), QStringLiteral("http://127.0.0.1:6820/slurm/v0.0.38/ping"));
        QCOMPARE(header(http.requests.last(), "X-SLURM-USER-NAME"), QByteArray("root"));
        QCOMPARE(header(http.requests.last(), "X-SLURM-USER-TOKEN"), token.toUtf8());

        http.answers = {recordedResponse(QStringLiteral("submit.json"))};
        SlurmJobSpec spec;
        spec.name = QStringLiteral("r1");
        spec.script = QStringLiteral("#!/bin/sh\ntrue\n");
        const auto submitted = client.submit(spec);
        QVERIFY2(submitted.ok(), qPrintable(submitted.error.message));
        QVERIFY(submitted.value > 0);
        QCOMPARE(http.requests.last().method, QByteArray("POST"));
        QVERIFY(http.requests.last().url.path().endsWith(QStringLiteral("/job/submit")));
        QCOMPARE(header(http.requests.last(), "Content-Type"), QByteArray("application/json"));

        // GPUs the cluster does not offer: Slurm says only "Failure during parsing"; the client adds what to check.
        http.answers = {recordedResponse(QStringLiteral("submit-bad-gres.json"))};
        spec.gpusPerNode = 1;
        const auto refused = client.submit(spec);
        QCOMPARE(refused.error.kind, SlurmError::Kind::Rejected);
        QVERIFY2(refused.error.message.contains(QStringLiteral("Failure during parsing")) &&
                     refused.error.message.contains(QStringLiteral("GPUs per node")),
                 qPrintable(refused.error.message));

        http.answers = {recordedResponse(QStringLiteral("jobs-since.json"))};
        auto list = client.jobsChangedSince(1234);
        QVERIFY(list.ok());
        QVERIFY(list.value.complete);
        QCOMPARE(http.requests.last().url.query(), QStringLiteral("update_time=1234"));
        http.answers = {recordedResponse(QStringLiteral("jobs-later.json"))}; // 304: nothing changed
        list = client.jobsChangedSince(1234);
        QVERIFY2(list.ok(), qPrintable(list.error.message));
        QVERIFY(list.value.jobs.isEmpty());
        QVERIFY(!list.value.complete);

        http.answers = {recordedResponse(QStringLiteral("job-failed-exit3.json"))};
        const qint64 id =
            root(QStringLiteral("job-failed-exit3.json"))[QStringLiteral("jobs")][0][QStringLiteral("job_id")]
                .toInteger();
        const auto job = client.job(id);
        QVERIFY2(job.ok(), qPrintable(job.error.message));
        QCOMPARE(job.value.exitCode().value_or(-1), 3);
        QVERIFY(http.requests.last().url.path().endsWith(QStringLiteral("/job/%1").arg(id)));

        http.answers = {recordedResponse(QStringLiteral("job-unknown.json"))};
        const auto gone = client.job(999999);
        QCOMPARE(gone.error.kind, SlurmError::Kind::NotFound);
        QVERIFY2(gone.error.message.contains(QStringLiteral("999999")), qPrintable(gone.error.message));

        http.answers = {recordedResponse(QStringLiteral("signal-term.json"))};
        QVERIFY(client.signal(7, QStringLiteral("TERM")).ok());
        QCOMPARE(http.requests.last().method, QByteArray("DELETE"));
        QCOMPARE(http.requests.last().url.path(), QStringLiteral("/slurm/v0.0.38/job/7"));
        QCOMPARE(http.requests.last().url.query(), QStringLiteral("signal=TERM"));

        // No token: refused before any request, naming where the token should come from.
        const int sent = http.requests.size();
        SlurmClient noToken(http, connection(QString()));
        const auto noTokenPing = noToken.ping();
        QCOMPARE(noTokenPing.error.kind, SlurmError::Kind::Auth);
        QVERIFY2(noTokenPing.error.message.contains(QStringLiteral("SLURM_JWT")),
                 qPrintable(noTokenPing.error.message));
        QCOMPARE(http.requests.size(), sent);
    }
};

QTEST_GUILESS_MAIN(TestSlurmJson)
#include "TestSlurmJson.moc"
