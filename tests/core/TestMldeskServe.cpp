// TestMldeskServe: the real mldesk-serve ($MLDESK_SERVE) on a free loopback port, serving a model the real
// mldesk-train trained: the seed's request answered with the digits of an h5py + numpy forward pass of the same
// weights, probabilities, both keys, 401/400/404/405/413, /health /ready /metrics /swagger.json, key reload on
// SIGHUP, a stalled client timed out (408) and the connection limit answered with 503; over raw sockets the HTTP/1.1
// side: pipelined and split requests, chunked bodies, Expect: 100-continue, keep-alive and Connection: close, heads
// too big or malformed, and the bench-only POST /sink (issue 18); small requests read together (pipelined, or on
// several connections at once) and scored in one pass answered each as alone, and counted each.
#include "ServeTestSupport.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>
#include <QtConcurrent>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace Qt::StringLiterals;
using namespace mldesk;
using namespace mldesk::test;

namespace {

struct Server {
    std::unique_ptr<QProcess> process;
    int port = 0;
    QString base() const { return u"http://127.0.0.1:%1"_s.arg(port); }
};

// A raw loopback connection: what a slow or idle client looks like to the server.
class RawClient {
public:
    explicit RawClient(int port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(quint16(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
        timeval tv{120, 0}; // an upper bound only: a hung server fails the test instead of hanging it
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~RawClient() { ::close(m_fd); }
    bool connected() const { return m_connected; }
    void send(const QByteArray &bytes)
    {
        QCOMPARE(::send(m_fd, bytes.constData(), size_t(bytes.size()), 0), bytes.size());
    }
    // One whole answer (head and Content-Length body) or a 100 Continue; empty when the server closed first.
    QByteArray readAnswer()
    {
        for (;;) {
            const qsizetype blank = m_pending.indexOf("\r\n\r\n");
            if (blank >= 0) {
                qsizetype length = 0;
                for (const QByteArray &line : m_pending.left(blank).split('\n'))
                    if (line.toLower().startsWith("content-length:"))
                        length = line.mid(15).trimmed().toLongLong();
                if (m_pending.size() >= blank + 4 + length) {
                    const QByteArray answer = m_pending.left(blank + 4 + length);
                    m_pending.remove(0, answer.size());
                    return answer;
                }
            }
            char buf[4096];
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n <= 0)
                return {};
            m_pending.append(buf, n);
        }
    }
    // Everything until the server closes the connection; *closed is false when the wait ran out instead.
    QByteArray readToEnd(bool *closed)
    {
        QByteArray all = std::exchange(m_pending, {});
        char buf[4096];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n <= 0) {
                *closed = n == 0 || errno == ECONNRESET;
                return all;
            }
            all.append(buf, n);
        }
    }

private:
    int m_fd = -1;
    bool m_connected = false;
    QByteArray m_pending; // read, not yet returned
};

QByteArray scorePost(const QByteArray &body, const QByteArray &extraHeaders = {})
{
    return "POST /score HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer primary-key-1\r\n" + extraHeaders +
           "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray bodyOf(const QByteArray &answer)
{
    return answer.mid(answer.indexOf("\r\n\r\n") + 4);
}

int statusOf(const QByteArray &answer)
{
    return answer.startsWith("HTTP/1.1 ") ? answer.mid(9, 3).toInt() : 0;
}

// A value of the server's GET /metrics: the line that starts with `name` (e.g. mldesk_serve_batch_rows_count).
double metric(const QString &base, const QByteArray &name)
{
    const QByteArray text = httpSend("GET", base + u"/metrics"_s).body;
    const QByteArray prefix = name + ' ';
    for (const QByteArray &line : text.split('\n'))
        if (line.startsWith(prefix))
            return line.mid(name.size() + 1).toDouble();
    return -1;
}

QByteArray scoreCount(int code)
{
    return "mldesk_serve_requests_total{path=\"/score\",code=\"" + QByteArray::number(code) + "\"}";
}

// Each request alone, on its own connection (nothing else is read with it: scored at once, not grouped): its whole
// answer, head and body.
QList<QByteArray> answersAlone(int port, const QList<QByteArray> &requests)
{
    QList<QByteArray> answers;
    for (const QByteArray &request : requests) {
        RawClient client(port);
        client.send(request);
        answers.append(client.readAnswer());
    }
    return answers;
}

// One request on its own connection, closed after it (so it holds no keep-alive connection): the status, 0 if none.
int rawStatus(int port, const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
              const QByteArray &key = {})
{
    RawClient client(port);
    if (!client.connected())
        return 0;
    QByteArray request = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!key.isEmpty())
        request += "Authorization: Bearer " + key + "\r\n";
    request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    client.send(request);
    bool closed = false;
    const QByteArray answer = client.readToEnd(&closed);
    return answer.startsWith("HTTP/1.1 ") ? answer.mid(9, 3).toInt() : 0;
}

} // namespace

class TestMldeskServe final : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_model;
    QString m_keys;
    Server m_server;

    void start(const QStringList &extra, Server &s)
    {
        const QString portFile = m_dir.filePath(u"port-%1"_s.arg(QRandomGenerator::global()->generate()));
        s.process = std::make_unique<QProcess>();
        s.process->setProcessChannelMode(QProcess::ForwardedChannels);
        s.process->start(qEnvironmentVariable("MLDESK_SERVE"),
                         QStringList{u"--model-dir"_s, m_model, u"--keys-file"_s, m_keys, u"--port"_s, u"0"_s,
                                     u"--port-file"_s, portFile} +
                             extra);
        QVERIFY(s.process->waitForStarted(30000));
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(portFile), 60000);
        s.port = readAll(portFile).trimmed().toInt();
        QTRY_COMPARE_WITH_TIMEOUT(rawStatus(s.port, "GET", "/ready"), 200, 60000);
    }

    static void stop(Server &s)
    {
        if (s.process && s.process->state() != QProcess::NotRunning) {
            s.process->terminate();
            QVERIFY(s.process->waitForFinished(60000));
            QCOMPARE(s.process->exitCode(), 0); // SIGTERM is a clean stop
        }
    }

    void writeKeys(const QByteArray &text)
    {
        QFile::remove(m_keys + u".new"_s);
        QFile f(m_keys + u".new"_s);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFile::ReadOwner | QFile::WriteOwner));
        f.write(text);
        f.close();
        QVERIFY(::rename(QFile::encodeName(f.fileName()).constData(), QFile::encodeName(m_keys).constData()) == 0);
    }

    QString score() const { return m_server.base() + u"/score"_s; }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFileInfo(qEnvironmentVariable("MLDESK_SERVE")).isExecutable(), "MLDESK_SERVE (set by CTest)");
        QString log;
        m_model = trainTinyModel(m_dir.filePath(u"train"_s), &log);
        QVERIFY2(!m_model.isEmpty(), qPrintable(log));
        m_keys = m_dir.filePath(u"keys"_s);
        writeKeys("primary-key-1\nsecondary-key-2\n");
        start({}, m_server);
        QVERIFY(m_server.port > 0);
    }

    void cleanupTestCase() { stop(m_server); }

    void seedRequestMatchesNumpyForward()
    {
        const QByteArray body = scoreRequest(30);
        const QString requestFile = m_dir.filePath(u"request30.json"_s);
        QVERIFY(writeAll(requestFile, body));
        QString error;
        QJsonArray expectedProbabilities;
        const QJsonArray expected = numpyPredictions(m_model, requestFile, &expectedProbabilities, &error);
        QVERIFY2(expected.size() == 30, qPrintable(u"the h5py + numpy forward pass failed: "_s + error));

        const core::HttpResponse r = httpSend("POST", score(), body, "primary-key-1");
        QCOMPARE(r.status, 200);
        QCOMPARE(QJsonDocument::fromJson(r.body).array(), expected);

        const core::HttpResponse p = httpSend("POST", score() + u"?probabilities=true"_s, body, "primary-key-1");
        QCOMPARE(p.status, 200);
        const QJsonObject o = QJsonDocument::fromJson(p.body).object();
        QCOMPARE(o.value(u"predictions"_s).toArray(), expected);
        const QJsonArray rows = o.value(u"probabilities"_s).toArray();
        QCOMPARE(rows.size(), 30);
        double worst = 0;
        for (int i = 0; i < 30; ++i)
            for (int c = 0; c < 10; ++c)
                worst = std::max(worst, std::abs(rows[i].toArray()[c].toDouble() -
                                                 expectedProbabilities[i].toArray()[c].toDouble()));
        QVERIFY2(worst < 1e-4, qPrintable(u"worst probability difference %1"_s.arg(worst)));
    }

    void concurrentRequestsAreEachAnsweredRight()
    {
        // Eight clients at once: dynamic batching may join them into one forward pass; every answer stays its own.
        QList<QFuture<QByteArray>> futures;
        for (int i = 0; i < 8; ++i)
            futures.append(QtConcurrent::run([this, i] {
                const core::HttpResponse r = httpSend("POST", score(), scoreRequest(1 + i, 100 + i), "primary-key-1");
                return r.status == 200 ? r.body : QByteArray();
            }));
        for (int i = 0; i < 8; ++i) {
            const QByteArray alone = httpSend("POST", score(), scoreRequest(1 + i, 100 + i), "primary-key-1").body;
            QCOMPARE(futures[i].result(), alone);
            QCOMPARE(QJsonDocument::fromJson(alone).array().size(), 1 + i);
        }
    }

    void keysAreRequired()
    {
        const QByteArray body = scoreRequest(1);
        const core::HttpResponse none = httpSend("POST", score(), body);
        QCOMPARE(none.status, 401);
        QVERIFY(errorOf(none).contains(u"Authorization: Bearer"_s));
        QCOMPARE(httpSend("POST", score(), body, "primary-key-2").status, 401);
        QCOMPARE(httpSend("POST", score(), body, "primary-key-1x").status, 401);
        QCOMPARE(httpSend("POST", score(), body, "Basic cHJpbWFyeS1rZXktMQ==").status, 401);
        QCOMPARE(httpSend("POST", score(), body, "secondary-key-2").status, 200);
        QCOMPARE(httpSend("POST", score(), body, "bearer primary-key-1").status, 200);
    }

    void badBodiesAreNamed_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("message");
        QTest::newRow("not JSON") << QByteArray("{\"data\": [[0.1, 0.2") << u"not valid JSON"_s;
        QTest::newRow("a list") << QByteArray("[[1, 2]]") << u"send an object"_s;
        QTest::newRow("no data") << QByteArray("{\"rows\": []}") << u"no \"data\" field"_s;
        QTest::newRow("data not a list") << QByteArray("{\"data\": 3}") << u"\"data\" is a number"_s;
        QTest::newRow("empty") << QByteArray("{\"data\": []}") << u"empty list"_s;
        QTest::newRow("short row") << QByteArray("{\"data\": [[0.5, 0.5, 0.5]]}")
                                   << u"data[0] has 3 values; the model expects 784"_s;
        QByteArray text = scoreRequest(2);
        text.replace(text.lastIndexOf(", 0."), 2, ", \"x\", "); // one value of the last row becomes a string
        QTest::newRow("string value") << text << u"data[1]"_s;
        QTest::newRow("row not a list") << QByteArray("{\"data\": [5]}") << u"data[0] is a number"_s;
    }

    void badBodiesAreNamed()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, message);
        const core::HttpResponse r = httpSend("POST", score(), body, "primary-key-1");
        QCOMPARE(r.status, 400);
        QVERIFY2(errorOf(r).contains(message), qPrintable(errorOf(r)));
    }

    void methodsPathsAndLimits()
    {
        const core::HttpResponse put = httpSend("PUT", score(), "{}", "primary-key-1");
        QCOMPARE(put.status, 405);
        QCOMPARE(put.header("Allow"), QByteArray("POST"));
        QCOMPARE(httpSend("DELETE", m_server.base() + u"/health"_s).status, 405);
        QCOMPARE(httpSend("GET", m_server.base() + u"/nothing"_s).status, 404);
        Server small;
        start({u"--max-body-bytes"_s, u"20000"_s}, small);
        if (QTest::currentTestFailed())
            return;
        const core::HttpResponse big = httpSend("POST", small.base() + u"/score"_s, scoreRequest(5), "primary-key-1");
        QCOMPARE(big.status, 413);
        QVERIFY(errorOf(big).contains(u"limit"_s));
        QCOMPARE(httpSend("POST", small.base() + u"/score"_s, scoreRequest(1), "primary-key-1").status, 200);
        stop(small);
    }

    void healthMetricsAndSwagger()
    {
        QCOMPARE(httpSend("GET", m_server.base() + u"/health"_s).status, 200);
        QCOMPARE(httpSend("POST", score(), scoreRequest(3), "primary-key-1").status, 200);
        QCOMPARE(httpSend("POST", score(), scoreRequest(1), "wrong").status, 401);
        const core::HttpResponse m = httpSend("GET", m_server.base() + u"/metrics"_s);
        QCOMPARE(m.status, 200);
        const QString text = QString::fromUtf8(m.body);
        for (const char *line : {"mldesk_serve_requests_total{path=\"/score\",code=\"200\"}",
                                 "mldesk_serve_requests_total{path=\"/score\",code=\"401\"}",
                                 "mldesk_serve_request_duration_seconds_bucket{le=\"+Inf\"}",
                                 "mldesk_serve_batch_rows_bucket{le=\"4\"}", "mldesk_serve_ready 1"})
            QVERIFY2(text.contains(QLatin1StringView(line)), line);
        const QJsonObject swagger =
            QJsonDocument::fromJson(httpSend("GET", m_server.base() + u"/swagger.json"_s).body).object();
        QCOMPARE(swagger.value(u"swagger"_s).toString(), u"2.0"_s);
        const QJsonObject row = swagger[u"paths"_s][u"/score"_s][u"post"_s][u"parameters"_s][1][u"schema"_s]
                                       [u"properties"_s][u"data"_s][u"items"_s]
                                           .toObject();
        QCOMPARE(row.value(u"minItems"_s).toInt(), 784);
    }

    void keysAreReloadedOnSighup()
    {
        writeKeys("primary-key-3\nsecondary-key-2\n");
        QVERIFY(::kill(pid_t(m_server.process->processId()), SIGHUP) == 0);
        QTRY_COMPARE_WITH_TIMEOUT(httpSend("POST", score(), scoreRequest(1), "primary-key-1").status, 401, 60000);
        QCOMPARE(httpSend("POST", score(), scoreRequest(1), "primary-key-3").status, 200);
        QCOMPARE(httpSend("POST", score(), scoreRequest(1), "secondary-key-2").status, 200);
        writeKeys("primary-key-1\nsecondary-key-2\n");
        QVERIFY(::kill(pid_t(m_server.process->processId()), SIGHUP) == 0);
        QTRY_COMPARE_WITH_TIMEOUT(httpSend("POST", score(), scoreRequest(1), "primary-key-1").status, 200, 60000);
    }

    void pipelinedAndSplitRequestsAreAnsweredInOrder()
    {
        const QByteArray one = scoreRequest(1, 7), two = scoreRequest(2, 8);
        const QByteArray wantOne = httpSend("POST", score(), one, "primary-key-1").body;
        const QByteArray wantTwo = httpSend("POST", score(), two, "primary-key-1").body;
        RawClient client(m_server.port);
        QVERIFY(client.connected());
        client.send(scorePost(one) + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + scorePost(two)); // one write
        QByteArray a = client.readAnswer();
        QVERIFY2(a.startsWith("HTTP/1.1 200 "), a.constData());
        QCOMPARE(bodyOf(a), wantOne);
        a = client.readAnswer();
        QVERIFY2(a.startsWith("HTTP/1.1 200 ") && bodyOf(a).contains("alive"), a.constData());
        QCOMPARE(bodyOf(client.readAnswer()), wantTwo);
        // The same connection, the request in many small writes: it is put together again.
        const QByteArray request = scorePost(two);
        for (qsizetype at = 0; at < request.size(); at += 997)
            client.send(request.mid(at, 997));
        QCOMPARE(bodyOf(client.readAnswer()), wantTwo);
    }

    void pipelinedSmallRequestsScoredTogetherAnswerAsAlone()
    {
        // 16 requests in one write, each one row of its own (short numbers, so that several arrive in one read and
        // join one forward pass), two asking for probabilities, two malformed bodies, a wrong key and a /health among
        // them: each gets, in order, the very answer it gets alone - the 400s and the 401 theirs, their neighbours
        // 200 with their own digits.
        QList<QByteArray> requests;
        for (int i = 0; i < 16; ++i) {
            QByteArray body = scoreRequest(1, quint32(200 + i), 3);
            if (i == 4)
                body = "{\"data\": [[0.1, 0.2";
            if (i == 9)
                body = "{\"data\": [[0.5, 0.5, 0.5]]}";
            const QByteArray path = i == 3 || i == 10 ? "/score?probabilities=true" : "/score";
            const QByteArray key = i == 12 ? "wrong-key" : "primary-key-1";
            requests.append(i == 14 ? QByteArray("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                                    : "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
                                          "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        }
        const QList<QByteArray> want = answersAlone(m_server.port, requests);
        QMap<int, int> statuses;
        for (const QByteArray &a : want)
            ++statuses[statusOf(a)];
        QCOMPARE(statuses.value(200), 13);
        QCOMPARE(statuses.value(400), 2);
        QCOMPARE(statuses.value(401), 1);
        QVERIFY(bodyOf(want[3]).contains("probabilities"));

        // Until a pass has scored more than one request's row (in one try, unless the server read the bytes as they
        // trickled in): each try answers every request right and counts each one.
        const QString base = m_server.base();
        bool grouped = false;
        for (int attempt = 0; attempt < 20 && !grouped; ++attempt) {
            const double ok = metric(base, scoreCount(200)), bad = metric(base, scoreCount(400)),
                         refused = metric(base, scoreCount(401));
            const double passes = metric(base, "mldesk_serve_batch_rows_count"),
                         rows = metric(base, "mldesk_serve_batch_rows_sum");
            RawClient client(m_server.port);
            QVERIFY(client.connected());
            client.send(requests.join());
            for (int i = 0; i < requests.size(); ++i)
                QCOMPARE(client.readAnswer(), want[i]);
            QCOMPARE(metric(base, scoreCount(200)) - ok, 12.0); // the 13th 200 is the /health
            QCOMPARE(metric(base, scoreCount(400)) - bad, 2.0);
            QCOMPARE(metric(base, scoreCount(401)) - refused, 1.0);
            QCOMPARE(metric(base, "mldesk_serve_batch_rows_sum") - rows, 12.0);
            grouped = metric(base, "mldesk_serve_batch_rows_count") - passes < 12.0;
        }
        QVERIFY2(grouped, "no forward pass scored two requests together");
    }

    void requestsThatCannotJoinAGroupKeepTheirPlace()
    {
        // Behind grouped requests: 12 rows (the batch worker's: they wait until the answers before them are sent), a
        // chunked body, Expect: 100-continue with the body already sent, Connection: close - and bytes after it,
        // never read. Each answer is the one it gets alone, in order.
        const QByteArray chunkBody = scoreRequest(1, 402, 3);
        const QList<QByteArray> requests = {
            scorePost(scoreRequest(1, 400, 3)),
            scorePost(scoreRequest(12, 401, 3)),
            scorePost(scoreRequest(1, 403, 3)),
            "POST /score HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer primary-key-1\r\nTransfer-Encoding: "
            "chunked\r\n\r\n" +
                QByteArray::number(chunkBody.size(), 16) + "\r\n" + chunkBody + "\r\n0\r\n\r\n",
            scorePost(scoreRequest(2, 404, 3), "Expect: 100-continue\r\n"),
            scorePost(scoreRequest(1, 405, 3), "Connection: close\r\n"),
        };
        const QList<QByteArray> want = answersAlone(m_server.port, requests);
        for (const QByteArray &a : want)
            QVERIFY2(statusOf(a) == 200, a.constData());
        QVERIFY(want.last().contains("Connection: close\r\n"));
        RawClient client(m_server.port);
        QVERIFY(client.connected());
        client.send(requests.join() + scorePost(scoreRequest(1, 406, 3)));
        for (const QByteArray &w : want)
            QCOMPARE(client.readAnswer(), w);
        bool closed = false;
        QCOMPARE(client.readToEnd(&closed), QByteArray()); // nothing for the request after Connection: close
        QVERIFY(closed);
    }

    void severalConnectionsAtOnceAreEachAnsweredAsAlone()
    {
        // Eight connections write three requests each before any answer is read: what one loop reads in one round
        // is scored together; every connection gets its own answers, in its order.
        QList<QList<QByteArray>> requests(8);
        for (int c = 0; c < 8; ++c)
            for (int i = 0; i < 3; ++i) {
                const QByteArray body = scoreRequest(1 + i % 2, quint32(300 + 10 * c + i), 4);
                requests[c].append(scorePost(body));
            }
        QList<QList<QByteArray>> want;
        for (const QList<QByteArray> &r : requests)
            want.append(answersAlone(m_server.port, r));
        const double ok = metric(m_server.base(), scoreCount(200));
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int c = 0; c < 8; ++c) {
            clients.push_back(std::make_unique<RawClient>(m_server.port));
            QVERIFY(clients.back()->connected());
        }
        for (int c = 0; c < 8; ++c)
            clients[std::size_t(c)]->send(requests[c].join());
        for (int c = 0; c < 8; ++c)
            for (int i = 0; i < 3; ++i) {
                const QByteArray a = clients[std::size_t(c)]->readAnswer();
                QVERIFY2(statusOf(a) == 200, a.constData());
                QCOMPARE(a, want[c][i]);
            }
        QCOMPARE(metric(m_server.base(), scoreCount(200)) - ok, 24.0);
    }

    void chunkedBodiesAndExpectContinue()
    {
        const QByteArray body = scoreRequest(3, 9);
        const QByteArray want = httpSend("POST", score(), body, "primary-key-1").body;
        QByteArray chunked;
        for (qsizetype at = 0; at < body.size(); at += 1000) {
            const QByteArray part = body.mid(at, 1000);
            chunked += QByteArray::number(part.size(), 16) + "\r\n" + part + "\r\n";
        }
        chunked += "0\r\n\r\n";
        RawClient client(m_server.port);
        QVERIFY(client.connected());
        client.send("POST /score HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer primary-key-1\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n" +
                    chunked);
        const QByteArray a = client.readAnswer();
        QVERIFY2(a.startsWith("HTTP/1.1 200 "), a.constData());
        QCOMPARE(bodyOf(a), want);
        // Expect: 100-continue: the server asks for the body before the client sends it.
        client.send("POST /score HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer primary-key-1\r\n"
                    "Expect: 100-continue\r\nContent-Length: " +
                    QByteArray::number(body.size()) + "\r\n\r\n");
        QCOMPARE(client.readAnswer(), QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
        client.send(body);
        QCOMPARE(bodyOf(client.readAnswer()), want);
    }

    void keepAliveAndConnectionClose()
    {
        RawClient client(m_server.port);
        QVERIFY(client.connected());
        for (int i = 0; i < 3; ++i) { // keep-alive: the connection serves one request after another
            client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            const QByteArray a = client.readAnswer();
            QVERIFY2(a.startsWith("HTTP/1.1 200 ") && !a.contains("Connection: close"), a.constData());
        }
        client.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        bool closed = false;
        QByteArray rest = client.readToEnd(&closed);
        QVERIFY2(closed && rest.startsWith("HTTP/1.1 200 ") && rest.contains("Connection: close\r\n"),
                 rest.constData());
        RawClient old(m_server.port); // HTTP/1.0 closes unless it asks for keep-alive
        old.send("GET /health HTTP/1.0\r\n\r\n");
        rest = old.readToEnd(&closed);
        QVERIFY2(closed && rest.startsWith("HTTP/1.0 200 "), rest.constData());
        RawClient kept(m_server.port);
        kept.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        QVERIFY(kept.readAnswer().contains("Connection: keep-alive\r\n"));
        kept.send("GET /health HTTP/1.0\r\n\r\n");
        QVERIFY(kept.readAnswer().startsWith("HTTP/1.0 200 "));
    }

    void malformedOrOversizedHeadsAreRefused()
    {
        RawClient big(m_server.port);
        big.send("GET /health HTTP/1.1\r\nX-Filler: " + QByteArray(20000, 'a') + "\r\n\r\n");
        bool closed = false;
        QByteArray answer = big.readToEnd(&closed);
        QVERIFY2(closed && answer.startsWith("HTTP/1.1 431 "), answer.constData());
        RawClient bad(m_server.port);
        bad.send("GET /health HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
        answer = bad.readToEnd(&closed);
        QVERIFY2(closed && answer.startsWith("HTTP/1.1 400 ") && answer.contains("malformed HTTP request"),
                 answer.constData());
        RawClient chunks(m_server.port);
        chunks.send("POST /score HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        answer = chunks.readToEnd(&closed);
        QVERIFY2(closed && answer.startsWith("HTTP/1.1 400 "), answer.constData());
    }

    void benchSinkOnlyWhenAsked()
    {
        QCOMPARE(httpSend("POST", m_server.base() + u"/sink"_s, scoreRequest(1)).status, 404);
        Server sink;
        start({u"--bench-sink"_s}, sink);
        if (QTest::currentTestFailed())
            return;
        const core::HttpResponse r = httpSend("POST", sink.base() + u"/sink"_s, scoreRequest(2));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("[0]"));
        QCOMPARE(httpSend("POST", sink.base() + u"/score"_s, scoreRequest(1)).status, 401); // the product is unchanged
        stop(sink);
    }

    void stalledClientTimesOut()
    {
        Server s;
        start({u"--timeout"_s, u"1"_s}, s);
        if (QTest::currentTestFailed())
            return;
        RawClient client(s.port);
        QVERIFY(client.connected());
        client.send("POST /score HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{\"data\": [[0.1"); // then nothing
        bool closed = false;
        const QByteArray answer = client.readToEnd(&closed); // the server closes; it does not wait forever
        QVERIFY2(closed, "the server kept a stalled connection open");
        QVERIFY2(answer.isEmpty(), answer.constData());
        QCOMPARE(httpSend("GET", s.base() + u"/health"_s).status, 200);
        stop(s);
    }

    void connectionLimitAnswers503()
    {
        Server s;
        start({u"--max-connections"_s, u"1"_s}, s);
        if (QTest::currentTestFailed())
            return;
        {
            RawClient idle(s.port); // holds the only connection the server takes
            QVERIFY(idle.connected());
            QCOMPARE(rawStatus(s.port, "POST", "/score", scoreRequest(1), "primary-key-1"), 503);
        }
        // Once that connection is gone, requests are served again.
        QTRY_COMPARE_WITH_TIMEOUT(rawStatus(s.port, "POST", "/score", scoreRequest(1), "primary-key-1"), 200, 60000);
        stop(s);
    }

    void servesKeras3Layout()
    {
        // The same weights as an unpacked Keras 3 .keras: config.json (Keras 3 style) + model.weights.h5 with
        // layers/<name>/vars/0 (kernel) and /1 (bias), written with h5py.
        const QString folder = m_dir.filePath(u"keras3"_s);
        QDir().mkpath(folder);
        const QString script = uR"(import json, sys, h5py
src, dst = sys.argv[1], sys.argv[2]
m = json.load(open(src + '/model.json'))
dense = [l['config'] for l in m['config']['layers'] if l['class_name'] == 'Dense']
layers = [{'module': 'keras.layers', 'class_name': 'InputLayer',
           'config': {'batch_shape': [None, 784], 'dtype': 'float32', 'name': 'input_layer'}}]
for d in dense:
    layers.append({'module': 'keras.layers', 'class_name': 'Dense', 'registered_name': None,
                   'config': {'name': d['name'], 'units': d['units'], 'activation': d['activation'], 'use_bias': True}})
json.dump({'module': 'keras', 'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': layers}},
          open(dst + '/config.json', 'w'))
with h5py.File(src + '/model.h5', 'r') as f, h5py.File(dst + '/model.weights.h5', 'w') as out:
    for d in dense:
        g = out.create_group('layers/' + d['name'] + '/vars')
        g['0'] = f[d['name']][d['name']]['kernel:0'][()]
        g['1'] = f[d['name']][d['name']]['bias:0'][()]
)"_s;
        QProcess python;
        python.start(u"/usr/bin/python3"_s, {u"-c"_s, script, m_model, folder});
        QVERIFY(python.waitForFinished(120000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
        const QString keras2 = m_model;
        m_model = folder;
        Server s;
        start({}, s);
        m_model = keras2;
        if (QTest::currentTestFailed())
            return;
        const QByteArray body = scoreRequest(30);
        const core::HttpResponse a = httpSend("POST", s.base() + u"/score"_s, body, "primary-key-1");
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body, httpSend("POST", score(), body, "primary-key-1").body);
        stop(s);
    }

    void entryScriptWorkerCrashIsRestarted()
    {
        const QString source = m_dir.filePath(u"entry"_s);
        writeText(source + u"/score.py"_s, uR"(import json, os
def init():
    global root
    root = os.environ['AZUREML_MODEL_DIR']
def run(raw_data):
    data = json.loads(raw_data)['data']
    if data == 'crash':
        os._exit(7)
    return {'rows': len(data), 'model_dir_exists': os.path.isdir(root)}
)"_s);
        writeText(source + u"/broken.py"_s, u"def init():\n    raise RuntimeError('no weights here')\n"_s);
        Server s;
        start({u"--entry"_s, source + u"/score.py"_s, u"--python"_s, u"/usr/bin/python3"_s, u"--workers"_s, u"1"_s}, s);
        if (QTest::currentTestFailed())
            return;
        const QString uri = s.base() + u"/score"_s;
        core::HttpResponse r = httpSend("POST", uri, "{\"data\": [[1], [2]]}", "primary-key-1");
        QCOMPARE(r.status, 200);
        QCOMPARE(QJsonDocument::fromJson(r.body).object()[u"rows"_s].toInt(), 2);
        QVERIFY(QJsonDocument::fromJson(r.body).object()[u"model_dir_exists"_s].toBool());
        QCOMPARE(httpSend("POST", uri, "{\"data\": [[1]]}").status, 401);
        r = httpSend("POST", uri, "{\"data\": \"crash\"}", "primary-key-1");
        QCOMPARE(r.status, 500);
        QVERIFY2(errorOf(r).contains(u"exited with code 7"_s), r.body.constData());
        QCOMPARE(httpSend("POST", uri, "{\"data\": [[1]]}", "primary-key-1").status, 200); // a new worker
        stop(s);

        // init() failing: the server stays up and says why on /ready.
        Server broken;
        const QString portFile = m_dir.filePath(u"broken-port"_s);
        broken.process = std::make_unique<QProcess>();
        broken.process->start(qEnvironmentVariable("MLDESK_SERVE"),
                              {u"--model-dir"_s, m_model, u"--no-auth"_s, u"--port"_s, u"0"_s, u"--port-file"_s,
                               portFile, u"--entry"_s, source + u"/broken.py"_s, u"--python"_s, u"/usr/bin/python3"_s});
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(portFile), 60000);
        broken.port = readAll(portFile).trimmed().toInt();
        QTRY_VERIFY_WITH_TIMEOUT(errorOf(httpSend("GET", broken.base() + u"/ready"_s)).contains(u"init()"_s), 60000);
        QCOMPARE(httpSend("POST", broken.base() + u"/score"_s, "{}").status, 503);
        QByteArray errors;
        QTRY_VERIFY_WITH_TIMEOUT((errors += broken.process->readAllStandardError()).contains("no weights here"), 60000);
        stop(broken);
    }

    void refusesBadStart()
    {
        QProcess p;
        p.start(qEnvironmentVariable("MLDESK_SERVE"),
                {u"--model-dir"_s, m_dir.filePath(u"nothing"_s), u"--no-auth"_s, u"--port"_s, u"0"_s});
        QVERIFY(p.waitForStarted(30000));
        // The server comes up and says what is wrong on /ready; here it also logged the reason.
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).contains("could not be loaded"), 60000);
        p.terminate();
        QVERIFY(p.waitForFinished(60000));
        QProcess open;
        open.start(qEnvironmentVariable("MLDESK_SERVE"),
                   {u"--model-dir"_s, m_model, u"--keys-file"_s, m_dir.filePath(u"missing-keys"_s)});
        QVERIFY(open.waitForFinished(60000));
        QCOMPARE(open.exitCode(), 2);
        QVERIFY(open.readAllStandardError().contains("cannot read the keys file"));
    }
};

QTEST_GUILESS_MAIN(TestMldeskServe)
#include "TestMldeskServe.moc"
