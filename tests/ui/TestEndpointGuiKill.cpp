// TestEndpointGuiKill: the real `mldesk` GUI binary (offscreen) on the Endpoints pane while an endpoint is deployed
// with the CLI; the GUI killed with SIGKILL; the endpoint still scores; a new GUI re-attaches - its pane probes the
// endpoint's /ready again, which the endpoint's own /metrics counts (issue 18: "survives kill -9 of the GUI").
// The in-process side (the pane shows Healthy after a new pane re-attaches) is TestEndpointsPane's.
#include "UiTestSupport.h"

#include "../core/ServeTestSupport.h"

#include <QProcess>
#include <QRegularExpression>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace mldesk;
using namespace mldesk::test;

class TestEndpointGuiKill final : public QObject {
    Q_OBJECT

    QTemporaryDir m_settings;
    QTemporaryDir m_dir;
    QString m_ws;

    QByteArray cli(const QStringList &arguments, int *exitCode = nullptr)
    {
        const CliResult r = runCli(qEnvironmentVariable("MLDESK_CLI"), m_ws, arguments, 180000);
        if (exitCode)
            *exitCode = r.exitCode;
        return r.out + r.err;
    }

    // Started detached from this test, as a user would start it: its own process, offscreen.
    qint64 startGui()
    {
        qint64 pid = 0;
        QProcess gui;
        gui.setProgram(qEnvironmentVariable("MLDESK_GUI"));
        gui.setArguments({u"--workspace"_s, m_ws, u"--pane"_s, u"endpoints"_s});
        gui.setStandardOutputFile(m_dir.filePath(u"gui.log"_s), QIODevice::Append);
        gui.setStandardErrorFile(m_dir.filePath(u"gui.log"_s), QIODevice::Append);
        return gui.startDetached(&pid) ? pid : 0;
    }

    // GET /ready answers counted by the endpoint itself (the GUI's pane probes it every few seconds).
    static qint64 readyProbes(const QString &baseUri)
    {
        const core::HttpResponse r = httpSend("GET", baseUri + u"/metrics"_s);
        static const QRegularExpression line(u"mldesk_serve_requests_total\\{path=\"/ready\",code=\"200\"\\} (\\d+)"_s);
        const auto m = line.match(QString::fromUtf8(r.body));
        return m.hasMatch() ? m.captured(1).toLongLong() : -1;
    }

    static bool alive(qint64 pid) { return pid > 0 && ::kill(pid_t(pid), 0) == 0; }

private slots:
    void initTestCase()
    {
        isolateSettings(m_settings); // the GUI children inherit MLDESK_SETTINGS_DIR
        QVERIFY(m_dir.isValid());
        qunsetenv("MLDESK_WORKSPACE");
        QString log;
        const QString model = trainTinyModel(m_dir.filePath(u"train"_s), &log);
        QVERIFY2(!model.isEmpty(), qPrintable(log));
        m_ws = m_dir.filePath(u"ws"_s);
        QVERIFY(core::Workspace::create(m_ws, u"gui-kill"_s));
        int code = -1;
        cli({u"model"_s, u"register"_s, u"fmnist"_s, u"--files"_s, model}, &code);
        QCOMPARE(code, 0);
    }

    void endpointOutlivesKilledGuiAndIsReattached()
    {
        const qint64 gui = startGui();
        QVERIFY(gui > 0);
        int code = -1;
        const QByteArray created =
            cli({u"endpoint"_s, u"create"_s, u"gk"_s, u"--model"_s, u"fmnist:1"_s, u"--json"_s}, &code);
        QVERIFY2(code == 0, created.constData());
        const QJsonObject shown = QJsonDocument::fromJson(created).object();
        QCOMPARE(shown[u"state"_s].toString(), u"Healthy"_s);
        const QString uri = shown[u"scoring_uri"_s].toString();
        const QString base = uri.left(uri.lastIndexOf(u"/score"_s));
        const QByteArray key = QJsonDocument::fromJson(cli({u"endpoint"_s, u"keys"_s, u"gk"_s, u"--json"_s}))
                                   .object()[u"primary"_s]
                                   .toString()
                                   .toLatin1();
        QVERIFY(!key.isEmpty());

        // The open GUI finds the endpoint and probes it.
        const qint64 before = readyProbes(base);
        QVERIFY(before >= 0);
        QTRY_VERIFY_WITH_TIMEOUT(readyProbes(base) > before || !alive(gui), 120000);
        QVERIFY2(alive(gui), readAll(m_dir.filePath(u"gui.log"_s)).constData());

        // kill -9 of the GUI: the endpoint goes on serving.
        QVERIFY(::kill(pid_t(gui), SIGKILL) == 0);
        QTRY_VERIFY_WITH_TIMEOUT(!alive(gui), 60000);
        const QByteArray body = scoreRequest(30);
        core::HttpResponse r = httpSend("POST", uri, body, key);
        QCOMPARE(r.status, 200);
        QCOMPARE(QJsonDocument::fromJson(r.body).array().size(), 30);
        QCOMPARE(QJsonDocument::fromJson(cli({u"endpoint"_s, u"show"_s, u"gk"_s, u"--json"_s}))
                     .object()[u"state"_s]
                     .toString(),
                 u"Healthy"_s);

        // A new GUI re-attaches: its pane probes the same process again.
        const qint64 afterKill = readyProbes(base);
        const qint64 again = startGui();
        QVERIFY(again > 0);
        QTRY_VERIFY_WITH_TIMEOUT(readyProbes(base) > afterKill || !alive(again), 120000);
        QVERIFY2(alive(again), readAll(m_dir.filePath(u"gui.log"_s)).constData());
        QCOMPARE(httpSend("POST", uri, body, key).status, 200);
        ::kill(pid_t(again), SIGTERM);
        QTRY_VERIFY_WITH_TIMEOUT(!alive(again), 60000);

        cli({u"endpoint"_s, u"delete"_s, u"gk"_s}, &code);
        QCOMPARE(code, 0);
    }
};

QTEST_MAIN(TestEndpointGuiKill)
#include "TestEndpointGuiKill.moc"
