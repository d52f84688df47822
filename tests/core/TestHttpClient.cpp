// Tests of HttpClient (the cpprestsdk implementation) against a real HTTP server on loopback: plain requests,
// streaming downloads with progress, redirects, 404, a connection closed mid-body (retry + Range resume), a server
// that goes silent (idle timeout), cancel, and asynchronous results delivered on the caller's thread.
#include "core/http/HttpClient.h"
#include "support/LoopbackHttpServer.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace mldesk::core;
using mldesk::test::LoopbackHttpServer;

namespace {

QByteArray pattern(int size, int seed)
{
    QByteArray bytes(size, Qt::Uninitialized);
    quint32 x = 2463534242u + quint32(seed);
    for (int i = 0; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes[i] = char(x & 0xff);
    }
    return bytes;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

HttpOptions fastOptions()
{
    HttpOptions o;
    o.connectTimeoutMs = 3000;
    o.idleTimeoutMs = 3000;
    o.initialBackoffMs = 20;
    o.maxRetries = 3;
    return o;
}

} // namespace

class TestHttpClient final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(m_server.startServing() != 0);
        m_client = HttpClient::create();
    }

    void sendGetsBodyAndStatus()
    {
        m_server.serveFile("/hello.txt", "hello world\n");
        HttpResponse r = m_client->send(HttpRequest{"GET", m_server.url(QStringLiteral("/hello.txt")), {}, {}});
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QCOMPARE(r.status, 200);
        QVERIFY(r.ok());
        QCOMPARE(r.body, QByteArray("hello world\n"));
        QCOMPARE(r.header("content-length"), QByteArray("12"));

        HttpResponse missing = m_client->send(HttpRequest{"GET", m_server.url(QStringLiteral("/nope")), {}, {}});
        QVERIFY(missing.error.isEmpty());
        QCOMPARE(missing.status, 404);
        QVERIFY(!missing.ok());
    }

    void downloadStreamsWithMonotoneProgress()
    {
        const QByteArray body = pattern(3 * 1024 * 1024 + 17, 1);
        LoopbackHttpServer::Route route{body};
        route.trickleDelayMs = 0;
        m_server.setRoute("/train-images-idx3-ubyte.gz", route);
        QTemporaryDir dir;
        const QString dest = dir.filePath(QStringLiteral("out.bin"));
        QList<DownloadProgress> seen;
        DownloadResult r = m_client->download(m_server.url(QStringLiteral("/train-images-idx3-ubyte.gz")), dest,
                                              fastOptions(), [&](const DownloadProgress &p) { seen.append(p); });
        QVERIFY2(r.ok, qPrintable(r.error));
        QCOMPARE(r.bytes, qint64(body.size()));
        QCOMPARE(readAll(dest), body);
        QVERIFY(!seen.isEmpty());
        for (int i = 1; i < seen.size(); ++i)
            QVERIFY2(seen[i].received >= seen[i - 1].received, "progress went backwards");
        QCOMPARE(seen.last().received, qint64(body.size()));
        QCOMPARE(seen.last().total, qint64(body.size()));
    }

    void redirectIsFollowed()
    {
        const QByteArray body = pattern(5000, 2);
        m_server.serveFile("/real/labels.gz", body);
        LoopbackHttpServer::Route redirect;
        redirect.status = 302;
        redirect.redirectTo = "/real/labels.gz";
        m_server.setRoute("/moved/labels.gz", redirect);
        QTemporaryDir dir;
        const QString dest = dir.filePath(QStringLiteral("labels.gz"));
        DownloadResult r = m_client->download(m_server.url(QStringLiteral("/moved/labels.gz")), dest, fastOptions());
        QVERIFY2(r.ok, qPrintable(r.error));
        QCOMPARE(readAll(dest), body);
        QCOMPARE(r.finalUrl.path(), QStringLiteral("/real/labels.gz"));

        HttpResponse sent =
            m_client->send(HttpRequest{"GET", m_server.url(QStringLiteral("/moved/labels.gz")), {}, {}});
        QCOMPARE(sent.status, 200);
        QCOMPARE(sent.body, body);
    }

    void notFoundIsAClearErrorWithoutRetries()
    {
        QTemporaryDir dir;
        const int before = m_server.requestCount("/missing.gz");
        DownloadResult r = m_client->download(m_server.url(QStringLiteral("/missing.gz")),
                                              dir.filePath(QStringLiteral("x")), fastOptions());
        QVERIFY(!r.ok);
        QCOMPARE(r.status, 404);
        QVERIFY2(r.error.contains(QLatin1String("404")) && r.error.contains(QLatin1String("/missing.gz")),
                 qPrintable(r.error));
        QCOMPARE(m_server.requestCount("/missing.gz") - before, 1);
    }

    void midBodyCloseIsResumedWithRange()
    {
        const QByteArray body = pattern(400 * 1024, 3);
        LoopbackHttpServer::Route route{body};
        route.breakFirstRequests = 2;
        m_server.setRoute("/flaky.bin", route);
        QTemporaryDir dir;
        const QString dest = dir.filePath(QStringLiteral("flaky.bin"));
        QList<qint64> seen;
        DownloadResult r = m_client->download(m_server.url(QStringLiteral("/flaky.bin")), dest, fastOptions(),
                                              [&](const DownloadProgress &p) { seen.append(p.received); });
        QVERIFY2(r.ok, qPrintable(r.error));
        QCOMPARE(readAll(dest), body);
        QCOMPARE(r.attempts, 3);
        QCOMPARE(r.resumes, 2);
        QByteArrayList ranges;
        for (const auto &entry : m_server.requests())
            if (entry.path == "/flaky.bin")
                ranges.append(entry.range);
        QCOMPARE(ranges.size(), 3);
        QVERIFY(ranges[0].isEmpty());
        QVERIFY2(ranges[1].startsWith("bytes=") && ranges[1] != "bytes=0-", ranges[1].constData());
        for (int i = 1; i < seen.size(); ++i)
            QVERIFY(seen[i] >= seen[i - 1]);
        QCOMPARE(seen.last(), qint64(body.size()));
    }

    void midBodyCloseWithoutRangeStartsOver()
    {
        const QByteArray body = pattern(300 * 1024, 4);
        LoopbackHttpServer::Route route{body};
        route.breakFirstRequests = 1;
        route.supportsRange = false;
        m_server.setRoute("/norange.bin", route);
        QTemporaryDir dir;
        const QString dest = dir.filePath(QStringLiteral("norange.bin"));
        DownloadResult r = m_client->download(m_server.url(QStringLiteral("/norange.bin")), dest, fastOptions());
        QVERIFY2(r.ok, qPrintable(r.error));
        QCOMPARE(readAll(dest), body);
        QCOMPARE(r.resumes, 0);
    }

    void persistentBreaksGiveUpWithAClearError()
    {
        LoopbackHttpServer::Route route{pattern(100 * 1024, 5)};
        route.breakFirstRequests = 100;
        route.supportsRange = false;
        m_server.setRoute("/broken.bin", route);
        QTemporaryDir dir;
        HttpOptions o = fastOptions();
        o.maxRetries = 2;
        DownloadResult r =
            m_client->download(m_server.url(QStringLiteral("/broken.bin")), dir.filePath(QStringLiteral("b")), o);
        QVERIFY(!r.ok);
        QCOMPARE(r.attempts, 3);
        QVERIFY2(r.error.contains(QLatin1String("3 attempt")), qPrintable(r.error));
    }

    void silentServerHitsIdleTimeout()
    {
        LoopbackHttpServer::Route route{pattern(200 * 1024, 6)};
        route.stallAfterBytes = 1000;
        m_server.setRoute("/stall.bin", route);
        QTemporaryDir dir;
        HttpOptions o = fastOptions();
        o.idleTimeoutMs = 400;
        o.maxRetries = 0;
        QElapsedTimer timer;
        timer.start();
        DownloadResult r =
            m_client->download(m_server.url(QStringLiteral("/stall.bin")), dir.filePath(QStringLiteral("s")), o);
        QVERIFY(!r.ok);
        QVERIFY2(r.error.contains(QLatin1String("idle timeout")), qPrintable(r.error));
        QVERIFY2(timer.elapsed() < 4000, "the idle timeout did not fire in time");

        HttpResponse sent = m_client->send(HttpRequest{"GET", m_server.url(QStringLiteral("/stall.bin")), {}, {}}, o);
        QVERIFY(sent.error.contains(QLatin1String("idle timeout")));
    }

    void refusedConnectionIsReported()
    {
        QTemporaryDir dir;
        HttpOptions o = fastOptions();
        o.maxRetries = 1;
        // Port 1 on loopback: nothing listens there.
        DownloadResult r =
            m_client->download(QUrl(QStringLiteral("http://127.0.0.1:1/x")), dir.filePath(QStringLiteral("x")), o);
        QVERIFY(!r.ok);
        QCOMPARE(r.attempts, 2);
        QVERIFY(!r.error.isEmpty());
    }

    void cancelStopsADownload()
    {
        LoopbackHttpServer::Route route{pattern(256 * 1024, 7)};
        route.trickleDelayMs = 20;
        m_server.setRoute("/slow.bin", route);
        QTemporaryDir dir;
        std::atomic_bool cancel{false};
        QElapsedTimer timer;
        timer.start();
        DownloadResult r = m_client->download(
            m_server.url(QStringLiteral("/slow.bin")), dir.filePath(QStringLiteral("c")), fastOptions(),
            [&](const DownloadProgress &p) {
                if (p.received > 0)
                    cancel = true;
            },
            &cancel);
        QVERIFY(!r.ok);
        QVERIFY(r.canceled);
        QVERIFY(timer.elapsed() < 3000);
    }

    void resumesAFileLeftByAnEarlierCall()
    {
        const QByteArray body = pattern(64 * 1024, 8);
        m_server.serveFile("/resume.bin", body);
        QTemporaryDir dir;
        const QString dest = dir.filePath(QStringLiteral("resume.bin"));
        {
            QFile f(dest);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(body.left(10000));
        }
        DownloadResult r = m_client->download(m_server.url(QStringLiteral("/resume.bin")), dest, fastOptions());
        QVERIFY2(r.ok, qPrintable(r.error));
        QCOMPARE(r.resumes, 1);
        QCOMPARE(readAll(dest), body);
        QCOMPARE(m_server.requests().last().range, QByteArray("bytes=10000-"));
    }

    void sendAsyncAnswersOnTheCallersThread()
    {
        m_server.serveFile("/async.json", "{\"ok\":true}");
        HttpResponse got;
        QThread *deliveredOn = nullptr;
        bool called = false;
        m_client->sendAsync(HttpRequest{"GET", m_server.url(QStringLiteral("/async.json")), {}, {}}, fastOptions(),
                            this, [&](const HttpResponse &r) {
                                got = r;
                                deliveredOn = QThread::currentThread();
                                called = true;
                            });
        QTRY_VERIFY_WITH_TIMEOUT(called, 5000);
        QCOMPARE(deliveredOn, QThread::currentThread());
        QCOMPARE(got.body, QByteArray("{\"ok\":true}"));
    }

    void sendAsyncSkipsADestroyedContext()
    {
        LoopbackHttpServer::Route slow{QByteArray(8 * 1024, 'x')};
        slow.trickleDelayMs = 30;
        m_server.setRoute("/async-slow", slow);
        bool called = false;
        auto *context = new QObject;
        m_client->sendAsync(HttpRequest{"GET", m_server.url(QStringLiteral("/async-slow")), {}, {}}, fastOptions(),
                            context, [&](const HttpResponse &) { called = true; });
        delete context;
        const int before = m_server.requestCount("/async-slow");
        QTRY_VERIFY_WITH_TIMEOUT(m_server.requestCount("/async-slow") >= 1 || before >= 1, 5000);
        QTest::qWait(600); // long enough for the trickled answer to have arrived
        QVERIFY(!called);
    }

    void tlsCertificatesAreVerified()
    {
        // A self-signed certificate made now (no key material in the repository): the client must refuse it.
        QTemporaryDir dir;
        const QString cert = dir.filePath(QStringLiteral("cert.pem"));
        const QString key = dir.filePath(QStringLiteral("key.pem"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                       QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
                       QStringLiteral("1"), QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
                       QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1"),
                       QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert});
        if (!openssl.waitForStarted(5000))
            QSKIP("the openssl command is not installed");
        QVERIFY(openssl.waitForFinished(30000));
        QCOMPARE(openssl.exitCode(), 0);
        LoopbackHttpServer tls;
        tls.setTls(readAll(cert), readAll(key));
        QVERIFY(tls.startServing() != 0);
        tls.serveFile("/secure.bin", "secret payload");
        HttpOptions o = fastOptions();
        o.maxRetries = 2;
        DownloadResult refused =
            m_client->download(tls.url(QStringLiteral("/secure.bin")), dir.filePath(QStringLiteral("a")), o);
        QVERIFY(!refused.ok);
        QVERIFY2(refused.error.contains(QLatin1String("TLS verification failed")), qPrintable(refused.error));
        QCOMPARE(refused.attempts, 1);                // an untrusted certificate is not worth retrying
        QCOMPARE(tls.requestCount("/secure.bin"), 0); // nothing was sent over the unverified connection

        o.verifyTls = false; // the same server is fine when verification is off: the refusal was the certificate
        DownloadResult accepted =
            m_client->download(tls.url(QStringLiteral("/secure.bin")), dir.filePath(QStringLiteral("b")), o);
        QVERIFY2(accepted.ok, qPrintable(accepted.error));
        QCOMPARE(readAll(dir.filePath(QStringLiteral("b"))), QByteArray("secret payload"));
    }

private:
    LoopbackHttpServer m_server;
    std::unique_ptr<HttpClient> m_client;
};

QTEST_GUILESS_MAIN(TestHttpClient)
#include "TestHttpClient.moc"
