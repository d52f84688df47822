// TestEndpointCli: the real mldesk-cli's endpoint commands - create (the endpoint outlives the CLI), list, show and
// keys with --json shapes, invoke with the seed's request, logs (--follow, killed with -9 while the endpoint goes on
// serving), regenerate-key, stop, start, delete, and the errors a user can make (issue 18).
#include "ServeTestSupport.h"

#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace mldesk;
using namespace mldesk::test;

namespace {

struct Result {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
};

} // namespace

class TestEndpointCli final : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_model;
    QString m_ws;

    Result cli(const QStringList &arguments)
    {
        QProcess p;
        p.setWorkingDirectory(m_ws);
        p.start(qEnvironmentVariable("MLDESK_CLI"), arguments);
        Result r;
        if (!p.waitForFinished(180000))
            return r;
        r.exitCode = p.exitCode();
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qunsetenv("MLDESK_WORKSPACE");
        QString log;
        m_model = trainTinyModel(m_dir.filePath(u"train"_s), &log);
        QVERIFY2(!m_model.isEmpty(), qPrintable(log));
        m_ws = m_dir.filePath(u"ws"_s);
        QDir().mkpath(m_ws);
        QCOMPARE(cli({u"workspace"_s, u"create"_s, m_ws, u"--name"_s, u"cli"_s}).exitCode, 0);
        QCOMPARE(cli({u"model"_s, u"register"_s, u"fmnist"_s, u"--files"_s, m_model}).exitCode, 0);
    }

    void lifecycle()
    {
        const Result created = cli({u"endpoint"_s, u"create"_s, u"seed"_s, u"--model"_s, u"fmnist:1"_s, u"--json"_s});
        QVERIFY2(created.exitCode == 0, created.err.constData());
        QCOMPARE(created.json()[u"state"_s].toString(), u"Healthy"_s);
        // The CLI has exited; the endpoint goes on.
        const Result show = cli({u"endpoint"_s, u"show"_s, u"seed"_s, u"--json"_s});
        QCOMPARE(show.exitCode, 0);
        QCOMPARE(show.json()[u"state"_s].toString(), u"Healthy"_s);
        const QString uri = show.json()[u"scoring_uri"_s].toString();
        QVERIFY2(uri.startsWith(u"http://127.0.0.1:"_s) && uri.endsWith(u"/score"_s), qPrintable(uri));
        QCOMPARE(show.json()[u"model"_s].toString(), u"fmnist:1"_s);
        QVERIFY(!show.json()[u"started"_s].toString().isEmpty());

        const Result keys = cli({u"endpoint"_s, u"keys"_s, u"seed"_s, u"--json"_s});
        QCOMPARE(keys.exitCode, 0);
        const QByteArray primary = keys.json()[u"primary"_s].toString().toLatin1();
        QVERIFY(primary.size() >= 43 && !keys.json()[u"secondary"_s].toString().isEmpty());

        const QString request = m_dir.filePath(u"request.json"_s);
        QVERIFY(writeAll(request, scoreRequest(30)));
        QString error;
        const QJsonArray expected = numpyPredictions(m_model, request, nullptr, &error);
        QVERIFY2(expected.size() == 30, qPrintable(error));
        const Result invoked = cli({u"endpoint"_s, u"invoke"_s, u"seed"_s, u"--file"_s, request});
        QVERIFY2(invoked.exitCode == 0, invoked.err.constData());
        QCOMPARE(QJsonDocument::fromJson(invoked.out).array(), expected);
        QCOMPARE(httpSend("POST", uri, scoreRequest(30), primary).status, 200);

        const Result list = cli({u"endpoint"_s, u"list"_s});
        QCOMPARE(list.exitCode, 0);
        QVERIFY(list.out.contains("seed") && list.out.contains("Healthy") && list.out.contains(uri.toLatin1()));

        // logs --follow runs until stopped; kill -9 of it (as of a GUI) leaves the endpoint serving.
        QProcess follow;
        follow.setWorkingDirectory(m_ws);
        follow.start(qEnvironmentVariable("MLDESK_CLI"), {u"endpoint"_s, u"logs"_s, u"seed"_s, u"--follow"_s});
        QByteArray followed;
        QTRY_VERIFY_WITH_TIMEOUT((followed += follow.readAllStandardOutput()).contains("ready"), 60000);
        ::kill(pid_t(follow.processId()), SIGKILL);
        QVERIFY(follow.waitForFinished(60000));
        QCOMPARE(httpSend("POST", uri, scoreRequest(2), primary).status, 200);
        QVERIFY(cli({u"endpoint"_s, u"logs"_s, u"seed"_s}).out.contains("listening on"));

        const Result regenerated = cli({u"endpoint"_s, u"regenerate-key"_s, u"seed"_s, u"secondary"_s, u"--json"_s});
        QCOMPARE(regenerated.exitCode, 0);
        QCOMPARE(regenerated.json()[u"primary"_s].toString().toLatin1(), primary);
        const QByteArray secondary = regenerated.json()[u"secondary"_s].toString().toLatin1();
        QCOMPARE(httpSend("POST", uri, scoreRequest(1), secondary).status, 200);

        QCOMPARE(cli({u"endpoint"_s, u"stop"_s, u"seed"_s}).exitCode, 0);
        QCOMPARE(cli({u"endpoint"_s, u"show"_s, u"seed"_s, u"--json"_s}).json()[u"state"_s].toString(), u"Stopped"_s);
        const Result down = cli({u"endpoint"_s, u"invoke"_s, u"seed"_s, u"--file"_s, request});
        QCOMPARE(down.exitCode, 1);
        QVERIFY(down.err.contains("did not answer"));
        QCOMPARE(cli({u"endpoint"_s, u"start"_s, u"seed"_s}).exitCode, 0);
        QCOMPARE(cli({u"endpoint"_s, u"show"_s, u"seed"_s, u"--json"_s}).json()[u"state"_s].toString(), u"Healthy"_s);
        QCOMPARE(cli({u"endpoint"_s, u"delete"_s, u"seed"_s}).exitCode, 0);
        QCOMPARE(httpSend("GET", uri).status, 0);
        QVERIFY(!QFileInfo::exists(m_ws + u"/endpoints/seed"_s));
    }

    void entryScript()
    {
        // The seed's score.py shape: Model.get_model_path from azureml.core, init() loads the weights, run(raw_data)
        // answers the argmax classes (numpy, since Debian has no Keras), in System-Python (Debian's python3 first).
        const QString source = m_dir.filePath(u"score-src"_s);
        writeText(source + u"/score.py"_s, uR"(import json, os
import h5py
import numpy as np
from azureml.core.model import Model

def init():
    global layers
    root = Model.get_model_path('fmnist')
    assert root == os.environ['AZUREML_MODEL_DIR']
    cfg = json.load(open(os.path.join(root, 'model.json')))
    dense = [l['config'] for l in cfg['config']['layers'] if l['class_name'] == 'Dense']
    layers = []
    with h5py.File(os.path.join(root, 'model.h5'), 'r') as f:
        for l in dense:
            g = f[l['name']][l['name']]
            layers.append((np.array(g['kernel:0']), np.array(g['bias:0']), l['activation']))
    print('init done')

def run(raw_data):
    x = np.array(json.loads(raw_data)['data'], dtype=np.float32)
    if x.ndim != 2:
        raise ValueError('data must be a list of rows')
    for k, b, a in layers:
        x = x @ k + b
        if a == 'relu':
            x = np.maximum(x, 0)
    return np.argmax(x, axis=1).tolist()
)"_s);
        const QByteArray path = qgetenv("PATH");
        qputenv("PATH", "/usr/bin:" + path);
        const Result created = cli({u"endpoint"_s, u"create"_s, u"scored"_s, u"--model"_s, u"fmnist:1"_s, u"--entry"_s,
                                    u"score.py"_s, u"--source"_s, source, u"--json"_s});
        qputenv("PATH", path);
        QVERIFY2(created.exitCode == 0, QByteArray(created.err + created.out).constData());
        QCOMPARE(created.json()[u"state"_s].toString(), u"Healthy"_s);
        const QString request = m_dir.filePath(u"request-entry.json"_s);
        QVERIFY(writeAll(request, scoreRequest(30, 5)));
        QString error;
        const QJsonArray expected = numpyPredictions(m_model, request, nullptr, &error);
        QVERIFY2(expected.size() == 30, qPrintable(error));
        const Result invoked = cli({u"endpoint"_s, u"invoke"_s, u"scored"_s, u"--file"_s, request});
        QVERIFY2(invoked.exitCode == 0, invoked.err.constData());
        QCOMPARE(QJsonDocument::fromJson(invoked.out).array(), expected);
        // The native front still checks keys; run()'s exception is a 500 naming it, with the traceback in the log.
        const QString uri = created.json()[u"scoring_uri"_s].toString();
        QCOMPARE(httpSend("POST", uri, "{\"data\": [1, 2]}").status, 401);
        QVERIFY(writeAll(request, "{\"data\": [1, 2]}"));
        const Result bad = cli({u"endpoint"_s, u"invoke"_s, u"scored"_s, u"--file"_s, request});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains("run() raised ValueError: data must be a list of rows"), bad.err.constData());
        const QByteArray log = cli({u"endpoint"_s, u"logs"_s, u"scored"_s}).out;
        QVERIFY(log.contains("init done") && log.contains("Traceback"));
        QCOMPARE(cli({u"endpoint"_s, u"delete"_s, u"scored"_s}).exitCode, 0);
    }

    void userErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown endpoint")
            << QStringList{u"endpoint"_s, u"show"_s, u"nope"_s} << u"no endpoint 'nope'"_s;
        QTest::newRow("no model") << QStringList{u"endpoint"_s, u"create"_s, u"x"_s} << u"--model NAME:VERSION"_s;
        QTest::newRow("unknown model") << QStringList{u"endpoint"_s, u"create"_s, u"x"_s, u"--model"_s, u"zz:1"_s}
                                       << u"zz"_s;
        QTest::newRow("bad port") << QStringList{u"endpoint"_s, u"create"_s, u"x"_s,   u"--model"_s,
                                                 u"fmnist:1"_s, u"--port"_s, u"http"_s}
                                  << u"--port needs a port number"_s;
        QTest::newRow("entry not in source")
            << QStringList{u"endpoint"_s, u"create"_s,     u"x"_s,        u"--model"_s, u"fmnist:1"_s,
                           u"--entry"_s,  u"missing.py"_s, u"--source"_s, u"/tmp"_s}
            << u"is not a file inside --source"_s;
        QTest::newRow("source without entry")
            << QStringList{u"endpoint"_s, u"create"_s, u"x"_s, u"--model"_s, u"fmnist:1"_s, u"--source"_s, u"/tmp"_s}
            << u"go with --entry"_s;
        QTest::newRow("bad key name") << QStringList{u"endpoint"_s, u"regenerate-key"_s, u"nope"_s, u"third"_s}
                                      << u"use primary or secondary"_s;
        QTest::newRow("invoke without file") << QStringList{u"endpoint"_s, u"invoke"_s, u"nope"_s} << u"no endpoint"_s;
    }

    void userErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const Result r = cli(arguments);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
        QVERIFY(!QFileInfo::exists(m_ws + u"/endpoints/x"_s));
    }
};

QTEST_GUILESS_MAIN(TestEndpointCli)
#include "TestEndpointCli.moc"
