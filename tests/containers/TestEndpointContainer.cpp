// TestEndpointContainer: an Azure-style entry script served from a container environment with a real podman
// (issue 18): `endpoint create --entry score.py --environment <container env>` runs the workers inside the test
// image behind the native front - keys still checked there, AZUREML_MODEL_DIR mounted read-only, Model.get_model_path
// from the azureml.core shim - and delete leaves no container behind.
// The image is localhost/python-test:1, made by make-test-image.sh (cached); the test skips saying why without it.
#include "../core/ServeTestSupport.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk;
using namespace mldesk::test;

class TestEndpointContainer final : public QObject {
    Q_OBJECT

    const QString m_image = u"localhost/python-test:1"_s;
    QTemporaryDir m_dir;
    QString m_ws;
    QString m_podman;

    CliResult cli(const QStringList &arguments)
    {
        return runCli(qEnvironmentVariable("MLDESK_CLI"), m_ws, arguments, 300000);
    }
    static QJsonObject json(const CliResult &r) { return QJsonDocument::fromJson(r.out).object(); }
    QByteArray containers()
    {
        QProcess p;
        p.start(m_podman, {u"ps"_s, u"-a"_s, u"--format"_s, u"{{.Names}}"_s});
        p.waitForFinished(60000);
        return p.readAllStandardOutput();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qunsetenv("MLDESK_WORKSPACE");
        m_podman = QStandardPaths::findExecutable(u"podman"_s);
        if (m_podman.isEmpty())
            QSKIP("podman is not installed (scripts/setup installs it)");
        QProcess make;
        make.setProcessChannelMode(QProcess::MergedChannels);
        make.start(qEnvironmentVariable("MLDESK_MAKE_TEST_IMAGE"), {m_image});
        QVERIFY2(make.waitForFinished(600000), "make-test-image.sh did not finish in 10 minutes");
        const QByteArray said = make.readAll();
        if (make.exitCode() == 77)
            QSKIP(qPrintable(u"no test image: "_s + QString::fromUtf8(said).trimmed()));
        QVERIFY2(make.exitCode() == 0, said.constData());
        m_ws = m_dir.filePath(u"ws"_s);
        QVERIFY(core::Workspace::create(m_ws, u"ep-containers"_s));
        writeText(m_dir.filePath(u"model/weights.json"_s), u"{\"scale\": 3}"_s);
        QCOMPARE(cli({u"model"_s, u"register"_s, u"scaler"_s, u"--files"_s, m_dir.filePath(u"model"_s)}).exitCode, 0);
        const CliResult env = cli({u"environment"_s, u"create"_s, u"py-container"_s, u"--docker-image"_s, m_image});
        QVERIFY2(env.exitCode == 0, env.err.constData());
    }

    void entryScriptRunsInTheContainer()
    {
        const QString source = m_dir.filePath(u"score-src"_s);
        writeText(source + u"/score.py"_s, uR"(import json, os
from azureml.core.model import Model

def init():
    global scale, facts
    root = Model.get_model_path('scaler')
    assert root == os.environ['AZUREML_MODEL_DIR']
    scale = json.load(open(os.path.join(root, 'weights.json')))['scale']
    try:
        open(os.path.join(root, 'new.txt'), 'w')
        writable = True
    except OSError:
        writable = False
    facts = {'container': os.path.exists('/run/.containerenv'), 'model_dir_writable': writable,
             'keys_visible': os.path.exists(os.path.join(root, '..', 'keys'))}
    print('init done in the container', facts)

def run(raw_data):
    rows = json.loads(raw_data)['data']
    return {'scaled': [[v * scale for v in row] for row in rows], **facts}
)"_s);
        const CliResult created =
            cli({u"endpoint"_s, u"create"_s, u"boxed"_s, u"--model"_s, u"scaler:1"_s, u"--entry"_s, u"score.py"_s,
                 u"--source"_s, source, u"--environment"_s, u"py-container"_s, u"--json"_s});
        QVERIFY2(created.exitCode == 0, QByteArray(created.err + created.out).constData());
        QCOMPARE(json(created)[u"state"_s].toString(), u"Healthy"_s);
        QVERIFY(containers().contains("mldesk-endpoint-boxed-"));

        const QString request = m_dir.filePath(u"request.json"_s);
        QVERIFY(writeAll(request, "{\"data\": [[1, 2], [0.5, -1]]}"));
        const CliResult invoked = cli({u"endpoint"_s, u"invoke"_s, u"boxed"_s, u"--file"_s, request});
        QVERIFY2(invoked.exitCode == 0, invoked.err.constData());
        const QJsonObject answer = QJsonDocument::fromJson(invoked.out).object();
        QCOMPARE(answer[u"scaled"_s].toArray(), QJsonDocument::fromJson("[[3, 6], [1.5, -3]]").array());
        QCOMPARE(answer[u"container"_s].toBool(), true);
        QCOMPARE(answer[u"model_dir_writable"_s].toBool(), false);
        QCOMPARE(answer[u"keys_visible"_s].toBool(), false);

        // The native front in front of the container: no key, no scoring.
        const QString uri = json(created)[u"scoring_uri"_s].toString();
        QCOMPARE(httpSend("POST", uri, "{\"data\": [[1]]}").status, 401);
        const QByteArray log = cli({u"endpoint"_s, u"logs"_s, u"boxed"_s}).out;
        QVERIFY2(log.contains("init done in the container"), log.constData());

        QCOMPARE(cli({u"endpoint"_s, u"delete"_s, u"boxed"_s}).exitCode, 0);
        QTRY_VERIFY_WITH_TIMEOUT(!containers().contains("mldesk-endpoint-boxed-"), 120000);
    }
};

QTEST_GUILESS_MAIN(TestEndpointContainer)
#include "TestEndpointContainer.moc"
