// TestEndpointService: endpoints end to end with the real programs - a model version trained by mldesk-train and
// registered, deployed through mldesk-supervisor + mldesk-serve: Healthy, scoring with its keys, restarted after a
// kill -9 with the crash in its log, keys regenerated while it serves, stop/start, delete, and bad requests refused
// with nothing left behind (issue 18).
#include "ServeTestSupport.h"

#include "core/endpoints/EndpointService.h"
#include "core/endpoints/EndpointStore.h"
#include "core/models/ModelRegistry.h"
#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace mldesk;
using namespace mldesk::core;
using namespace mldesk::test;

class TestEndpointService final : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Workspace> m_ws;
    QString m_model;

    EndpointState stateOf(const QString &name)
    {
        EndpointService service(*m_ws);
        return service.status(service.get(name)).state;
    }
    static qint64 serverPid(const Endpoint &e)
    {
        return qint64(
            QJsonDocument::fromJson(readAll(e.folder + u"/process.json"_s)).object()[u"job_pid"_s].toDouble());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFileInfo(EndpointService::findServer()).isExecutable(), "MLDESK_SERVE (set by CTest)");
        QString log;
        m_model = trainTinyModel(m_dir.filePath(u"train"_s), &log);
        QVERIFY2(!m_model.isEmpty(), qPrintable(log));
        m_ws = Workspace::create(m_dir.filePath(u"ws"_s), u"endpoints"_s);
        ModelRegistration r;
        r.name = u"fmnist"_s;
        r.files = {m_model};
        ModelRegistry(m_ws->database(), m_ws->blobs()).registerFiles(r);
        ModelRegistration other;
        other.name = u"notes"_s;
        writeText(m_dir.filePath(u"notes/readme.txt"_s), u"not a model"_s);
        other.files = {m_dir.filePath(u"notes/readme.txt"_s)};
        ModelRegistry(m_ws->database(), m_ws->blobs()).registerFiles(other);
    }

    void deployScoreCrashRestartKeysStopDelete()
    {
        EndpointService service(*m_ws);
        EndpointCreateParams p;
        p.name = u"ep"_s;
        p.model = u"fmnist:1"_s;
        const Endpoint created = service.create(p);
        QCOMPARE(created.model(), u"fmnist:1"_s);
        QVERIFY(created.port > 0);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(u"ep"_s), EndpointState::Healthy, 60000);

        // Keys: 256-bit, distinct, in a mode-600 file, nowhere in workspace.db.
        const EndpointKeyPair keys = service.keys(u"ep"_s);
        QVERIFY(keys.primary.size() >= 43 && keys.secondary.size() >= 43 && keys.primary != keys.secondary);
        QCOMPARE(QFileInfo(EndpointKeys::fileIn(created.folder)).permissions() &
                     ~(QFile::ReadUser | QFile::WriteUser | QFile::ReadOwner | QFile::WriteOwner),
                 QFileDevice::Permissions());
        QVERIFY(!readAll(m_ws->database().filePath()).contains(keys.primary.toLatin1()));

        const QByteArray body = scoreRequest(30);
        QVERIFY(writeAll(m_dir.filePath(u"req.json"_s), body));
        QString error;
        const QJsonArray expected = numpyPredictions(m_model, m_dir.filePath(u"req.json"_s), nullptr, &error);
        QVERIFY2(expected.size() == 30, qPrintable(error));
        core::HttpResponse r = httpSend("POST", created.scoringUri(), body, keys.primary.toLatin1());
        QCOMPARE(r.status, 200);
        QCOMPARE(QJsonDocument::fromJson(r.body).array(), expected);
        QCOMPARE(httpSend("POST", created.scoringUri(), body, keys.secondary.toLatin1()).status, 200);
        QCOMPARE(httpSend("POST", created.scoringUri(), body).status, 401);

        // kill -9 of the server: the supervisor starts it again; the crash is in the log.
        const qint64 first = serverPid(service.get(u"ep"_s));
        QVERIFY(first > 0);
        QVERIFY(::kill(pid_t(first), SIGKILL) == 0);
        QTRY_VERIFY_WITH_TIMEOUT(serverPid(service.get(u"ep"_s)) != first && serverPid(service.get(u"ep"_s)) > 0,
                                 60000);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(u"ep"_s), EndpointState::Healthy, 60000);
        QVERIFY(readAll(service.logFile(created)).contains("killed by SIGKILL; restarting"));
        QCOMPARE(service.status(service.get(u"ep"_s)).restarts, 1);
        QCOMPARE(httpSend("POST", created.scoringUri(), body, keys.primary.toLatin1()).status, 200);
        QVERIFY(!readAll(service.logFile(created)).contains(keys.primary.toLatin1()));

        // A regenerated key works at once; the old one no longer does; the other key is untouched.
        const EndpointKeyPair renewed = service.regenerateKey(u"ep"_s, u"primary"_s);
        QVERIFY(renewed.primary != keys.primary);
        QCOMPARE(renewed.secondary, keys.secondary);
        QTRY_COMPARE_WITH_TIMEOUT(httpSend("POST", created.scoringUri(), body, keys.primary.toLatin1()).status, 401,
                                  60000);
        QCOMPARE(httpSend("POST", created.scoringUri(), body, renewed.primary.toLatin1()).status, 200);
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, service.regenerateKey(u"ep"_s, u"tertiary"_s));

        // Stop: the process ends and stays down (no restart); start brings it back on the same port.
        const Endpoint stopped = service.stop(u"ep"_s);
        QCOMPARE(service.status(stopped).state, EndpointState::Stopped);
        QCOMPARE(httpSend("GET", created.baseUri() + u"/health"_s).status, 0);
        service.start(u"ep"_s);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(u"ep"_s), EndpointState::Healthy, 60000);
        QCOMPARE(httpSend("POST", created.scoringUri(), body, renewed.primary.toLatin1()).status, 200);

        // The supervisor itself killed (e.g. a reboot): Failed, with what to do; start recovers it.
        const Endpoint running = service.get(u"ep"_s);
        ::kill(pid_t(-running.processId), SIGKILL);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(u"ep"_s), EndpointState::Failed, 60000);
        QVERIFY(service.status(service.get(u"ep"_s)).detail.contains(u"endpoint start ep"_s));
        service.start(u"ep"_s);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(u"ep"_s), EndpointState::Healthy, 60000);

        service.remove(u"ep"_s);
        QVERIFY(!QFileInfo::exists(created.folder));
        QVERIFY(!EndpointStore(m_ws->database()).find(u"ep"_s));
        QCOMPARE(httpSend("GET", created.baseUri() + u"/health"_s).status, 0);
    }

    void badRequestsLeaveNothing_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown model") << u"a"_s << u"nothing:1"_s << 0 << u"nothing"_s;
        QTest::newRow("unknown version") << u"a"_s << u"fmnist:7"_s << 0 << u"versions"_s;
        QTest::newRow("not a Keras model") << u"a"_s << u"notes:1"_s << 0 << u"no model.json"_s;
        QTest::newRow("bad name") << u"-x"_s << u"fmnist:1"_s << 0 << u"not a valid endpoint name"_s;
        QTest::newRow("bad port") << u"a"_s << u"fmnist:1"_s << 70000 << u"not a port"_s;
    }

    void badRequestsLeaveNothing()
    {
        QFETCH(QString, name);
        QFETCH(QString, model);
        QFETCH(int, port);
        QFETCH(QString, message);
        EndpointService service(*m_ws);
        EndpointCreateParams p;
        p.name = name;
        p.model = model;
        p.port = port;
        try {
            service.create(p);
            QFAIL("create should have refused");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(message), qPrintable(e.message()));
        }
        QVERIFY(service.list().isEmpty());
        QVERIFY(!QFileInfo::exists(m_ws->path() + u"/endpoints/"_s + name));
    }

    void cudaFallsBackToCpuWithANote()
    {
        // No GPU on CI machines: --device cuda still serves, on the CPU, and the log says why.
        EndpointService service(*m_ws);
        EndpointCreateParams p;
        p.name = u"gpu"_s;
        p.model = u"fmnist:1"_s;
        p.device = u"cuda"_s;
        const Endpoint e = service.create(p);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(u"gpu"_s), EndpointState::Healthy, 60000);
        const QByteArray log = readAll(service.logFile(e));
        QVERIFY2(log.contains("on cuda") || log.contains("CUDA asked for"), log.constData());
        p.name = u"tpu"_s;
        p.device = u"tpu"_s;
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, service.create(p));
        service.remove(u"gpu"_s);
    }

    void takenNameAndPortAreRefused()
    {
        EndpointService service(*m_ws);
        EndpointCreateParams p;
        p.name = u"one"_s;
        p.model = u"fmnist"_s; // the latest version
        p.start = false;
        const Endpoint one = service.create(p);
        QCOMPARE(service.status(one).state, EndpointState::Stopped);
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, service.create(p));
        p.name = u"two"_s;
        p.port = one.port;
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, service.create(p));
        QStringList warnings;
        p.port = 0;
        p.host = u"0.0.0.0"_s;
        service.create(p, &warnings);
        QVERIFY(!warnings.isEmpty() && warnings[0].contains(u"reachable from other machines"_s));
        service.remove(u"one"_s);
        service.remove(u"two"_s);
        QVERIFY(service.list().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestEndpointService)
#include "TestEndpointService.moc"
