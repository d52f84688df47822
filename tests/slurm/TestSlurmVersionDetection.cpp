// SlurmVersionDetection and SlurmClient on "auto", over real HTTP to loopback servers answering what real
// slurmrestds answered (tests/slurm/data): the versions in /openapi/v3 of Slurm 24.11 and 22.05, the newest both
// sides know, the ping fallback, a cluster serving none MLDesk knows (both sides' versions named), an explicit
// version the cluster does not serve, and the token never following a redirect to another server.
#include "core/http/HttpClient.h"
#include "core/slurm/SlurmApi.h"
#include "core/slurm/SlurmClient.h"
#include "core/slurm/SlurmVersionDetection.h"

#include "../core/support/LoopbackHttpServer.h"
#include "SlurmTestSupport.h"

#include <QJsonDocument>
#include <QtTest>

using namespace mldesk::core;
using mldesk::test::LoopbackHttpServer;

namespace {

QByteArray data(const QString &name)
{
    return mldesk::test::recordedSlurm(QStringLiteral(MLDESK_SLURM_DATA_ROOT), name);
}

const QString kToken =
    mldesk::test::slurmJwt({{QStringLiteral("exp"), 4e9}, {QStringLiteral("sun"), QStringLiteral("root")}});

SlurmClient::Connection connection(const QUrl &url, const QString &version = QStringLiteral("auto"))
{
    SlurmClient::Connection c;
    c.url = url;
    c.user = QStringLiteral("root");
    c.token = kToken;
    c.tokenSource = QStringLiteral("environment variable SLURM_JWT");
    c.apiVersion = version;
    return c;
}

bool sawToken(const LoopbackHttpServer &server)
{
    for (const auto &r : server.requests())
        for (const auto &[name, value] : r.headers)
            if (name == "x-slurm-user-token")
                return true;
    return false;
}

} // namespace

class TestSlurmVersionDetection final : public QObject {
    Q_OBJECT
private slots:
    void versionsInRecordedDocuments()
    {
        const QJsonObject modern = QJsonDocument::fromJson(data(QStringLiteral("openapi-v3-24.11.json"))).object();
        QCOMPARE(SlurmVersionDetection::versionsIn(modern),
                 (QStringList{QStringLiteral("v0.0.42"), QStringLiteral("v0.0.41"), QStringLiteral("v0.0.40")}));
        QCOMPARE(SlurmVersionDetection::choose(SlurmVersionDetection::versionsIn(modern)), QStringLiteral("v0.0.42"));
        const QJsonObject old = QJsonDocument::fromJson(data(QStringLiteral("openapi-v3-22.05.json"))).object();
        QCOMPARE(SlurmVersionDetection::versionsIn(old), QStringList{QStringLiteral("v0.0.38")});
        QCOMPARE(SlurmVersionDetection::choose({QStringLiteral("v0.0.43"), QStringLiteral("v0.0.41")}),
                 QStringLiteral("v0.0.41")); // newer than MLDesk knows: the newest both know
        QVERIFY(SlurmVersionDetection::choose({QStringLiteral("v0.0.37")}).isEmpty());
    }

    void detectsFromOpenApi_data()
    {
        QTest::addColumn<QString>("document");
        QTest::addColumn<QString>("version");
        QTest::addColumn<QString>("pingFile");
        QTest::newRow("Slurm 24.11") << "openapi-v3-24.11.json"
                                     << "v0.0.42"
                                     << "v0.0.42/ping.json";
        QTest::newRow("Slurm 22.05") << "openapi-v3-22.05.json"
                                     << "v0.0.38"
                                     << "v0.0.38/ping.json";
    }
    void detectsFromOpenApi()
    {
        QFETCH(QString, document);
        QFETCH(QString, version);
        QFETCH(QString, pingFile);
        LoopbackHttpServer server;
        QVERIFY(server.startServing() != 0);
        server.serveFile("/openapi/v3", data(document));
        server.serveFile("/slurm/" + version.toLatin1() + "/ping", data(pingFile));
        const std::unique_ptr<HttpClient> http = HttpClient::create();
        SlurmClient client(*http, connection(server.url({})));
        QVERIFY(client.autoDetected());
        QVERIFY(client.apiVersion().isEmpty()); // nothing asked yet
        const auto ping = client.ping();
        QVERIFY2(ping.ok(), qPrintable(ping.error.message));
        QCOMPARE(client.apiVersion(), version);
        QCOMPARE(server.requestCount("/openapi/v3"), 1);
        // Remembered for the cluster: a second client (the next poll) asks no more.
        SlurmClient again(*http, connection(server.url({})));
        QVERIFY(again.ping().ok());
        QCOMPARE(again.apiVersion(), version);
        QCOMPARE(server.requestCount("/openapi/v3"), 1);
    }

    void fallsBackToPingNewestFirst()
    {
        LoopbackHttpServer server; // no /openapi/v3 (404): each version's ping, newest first
        QVERIFY(server.startServing() != 0);
        server.serveFile("/slurm/v0.0.41/ping", data(QStringLiteral("v0.0.41/ping.json")));
        const std::unique_ptr<HttpClient> http = HttpClient::create();
        SlurmClient client(*http, connection(server.url({})));
        SlurmError error;
        QVERIFY2(client.resolveVersion(&error), qPrintable(error.message));
        QCOMPARE(client.apiVersion(), QStringLiteral("v0.0.41"));
        QCOMPARE(server.requestCount("/slurm/v0.0.42/ping"), 1);
        QCOMPARE(server.requestCount("/slurm/v0.0.38/ping"), 0);
    }

    void noCommonVersionNamesBothSides()
    {
        LoopbackHttpServer server;
        QVERIFY(server.startServing() != 0);
        server.serveFile("/openapi/v3", R"({"paths": {"/slurm/v0.0.36/ping/": {}, "/slurm/v0.0.37/jobs/": {}}})");
        const std::unique_ptr<HttpClient> http = HttpClient::create();
        SlurmClient client(*http, connection(server.url({})));
        const auto ping = client.ping();
        QCOMPARE(ping.error.kind, SlurmError::Kind::Rejected);
        const QString m = ping.error.message;
        for (const char *v : {"v0.0.36", "v0.0.37", "v0.0.38", "v0.0.40", "v0.0.41", "v0.0.42"})
            QVERIFY2(m.contains(QLatin1String(v)), qPrintable(m));
        QCOMPARE(server.requestCount("/slurm/v0.0.36/ping"), 0); // nothing sent to a version MLDesk cannot read
    }

    void explicitVersionTheClusterLacks()
    {
        LoopbackHttpServer server; // a 24.11: v0.0.38 answers 404
        QVERIFY(server.startServing() != 0);
        server.serveFile("/openapi/v3", data(QStringLiteral("openapi-v3-24.11.json")));
        const std::unique_ptr<HttpClient> http = HttpClient::create();
        SlurmClient client(*http, connection(server.url({}), QStringLiteral("v0.0.38")));
        const auto ping = client.ping();
        QCOMPARE(ping.error.kind, SlurmError::Kind::Rejected);
        QVERIFY2(ping.error.message.contains(QStringLiteral("does not serve REST API v0.0.38")) &&
                     ping.error.message.contains(QStringLiteral("v0.0.42, v0.0.41, v0.0.40")) &&
                     ping.error.message.contains(QStringLiteral("auto")),
                 qPrintable(ping.error.message));
        // A version MLDesk does not know at all: refused before any request.
        const int sent = server.requests().size();
        SlurmClient unknown(*http, connection(server.url({}), QStringLiteral("v0.0.39")));
        QCOMPARE(unknown.ping().error.kind, SlurmError::Kind::Rejected);
        QCOMPARE(server.requests().size(), sent);
    }

    void tokenNeverFollowsRedirectElsewhere_data()
    {
        QTest::addColumn<QString>("host"); // where the redirect points, besides another port
        QTest::newRow("other port") << "127.0.0.1";
        QTest::newRow("other host name") << "localhost";
    }
    void tokenNeverFollowsRedirectElsewhere()
    {
        QFETCH(QString, host);
        LoopbackHttpServer elsewhere;
        QVERIFY(elsewhere.startServing() != 0);
        elsewhere.serveFile("/slurm/v0.0.42/ping", data(QStringLiteral("v0.0.42/ping.json")));
        LoopbackHttpServer server;
        QVERIFY(server.startServing() != 0);
        LoopbackHttpServer::Route away;
        away.status = 302;
        away.redirectTo = QStringLiteral("http://%1:%2/slurm/v0.0.42/ping").arg(host).arg(elsewhere.port()).toLatin1();
        server.setRoute("/slurm/v0.0.42/ping", away);
        const std::unique_ptr<HttpClient> http = HttpClient::create();
        SlurmClient client(*http, connection(server.url({}), QStringLiteral("v0.0.42")));
        const auto ping = client.ping();
        QCOMPARE(ping.error.kind, SlurmError::Kind::Rejected);
        QVERIFY2(ping.error.message.contains(QString::fromLatin1(away.redirectTo)) &&
                     ping.error.message.contains(QStringLiteral("never from https to http")),
                 qPrintable(ping.error.message));
        QVERIFY(!ping.error.message.contains(kToken));
        QCOMPARE(elsewhere.requests().size(), 0);

        // The generic client, when it follows a redirect to another server, drops the token too.
        HttpRequest r;
        r.url = server.url(QStringLiteral("/slurm/v0.0.42/ping"));
        r.headers.append({QByteArrayLiteral("X-SLURM-USER-TOKEN"), kToken.toUtf8()});
        const HttpResponse followed = http->send(r, HttpOptions{});
        QCOMPARE(followed.status, 200);
        QCOMPARE(elsewhere.requests().size(), 1);
        QVERIFY(!sawToken(elsewhere));
        QVERIFY(sawToken(server));
    }

    void redirectOnTheSameServerIsFollowed()
    {
        LoopbackHttpServer server;
        QVERIFY(server.startServing() != 0);
        LoopbackHttpServer::Route moved;
        moved.status = 307;
        moved.redirectTo = "/rest/slurm/v0.0.42/ping";
        server.setRoute("/slurm/v0.0.42/ping", moved);
        server.serveFile("/rest/slurm/v0.0.42/ping", data(QStringLiteral("v0.0.42/ping.json")));
        const std::unique_ptr<HttpClient> http = HttpClient::create();
        SlurmClient client(*http, connection(server.url({}), QStringLiteral("v0.0.42")));
        const auto ping = client.ping();
        QVERIFY2(ping.ok(), qPrintable(ping.error.message));
        QCOMPARE(server.requestCount("/rest/slurm/v0.0.42/ping"), 1);
    }
};

QTEST_GUILESS_MAIN(TestSlurmVersionDetection)
#include "TestSlurmVersionDetection.moc"
