// TestPythonRunContext: the Python run-context module (resources/python/mldesk) and the azureml.core shim, run by a
// real python3 - lines written inside a run, printing instead of failing offline, images saved under outputs/.
#include "RunTestSupport.h"

#include <QProcess>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk::test;

class TestPythonRunContext final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_python;
    QString m_moduleDir = qEnvironmentVariable("MLDESK_PYTHON_DIR");

    QProcess *runPython(const QString &code, const QMap<QString, QString> &env, bool withShim)
    {
        auto *p = new QProcess(this);
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.remove(u"MLDESK_RUN_ID"_s);
        e.insert(u"PYTHONPATH"_s, m_moduleDir + (withShim ? u":"_s + m_moduleDir + u"/azureml-compat"_s : QString()));
        for (auto it = env.cbegin(); it != env.cend(); ++it)
            e.insert(it.key(), it.value());
        p->setProcessEnvironment(e);
        p->setWorkingDirectory(m_dir.path());
        p->setProcessChannelMode(QProcess::MergedChannels);
        p->start(m_python, {u"-c"_s, code});
        p->waitForFinished(30000);
        return p;
    }

    QList<QJsonObject> lines(const QString &path)
    {
        QList<QJsonObject> out;
        QFile f(path);
        if (f.open(QIODevice::ReadOnly))
            for (const QByteArray &line : f.readAll().split('\n'))
                if (!line.isEmpty())
                    out.append(QJsonDocument::fromJson(line).object());
        return out;
    }

private slots:
    void initTestCase()
    {
        m_python = QStandardPaths::findExecutable(u"python3"_s);
        if (m_python.isEmpty())
            QSKIP("python3 is not installed");
        QVERIFY2(QFileInfo::exists(m_moduleDir + u"/mldesk/__init__.py"_s), "MLDESK_PYTHON_DIR not set by CMake");
    }

    void logsInsideARun()
    {
        const QString metrics = m_dir.filePath(u"metrics.jsonl"_s);
        QFile::remove(metrics);
        writeText(m_dir.filePath(u"pic.png"_s), u"not really a png"_s);
        QProcess *p = runPython(u"from mldesk import Run\n"
                                u"run = Run.get_context()\n"
                                u"run.log('Loss', 0.5)\nrun.log('Loss', 0.25)\n"
                                u"run.log_list('acc', [0.1, 0.2])\n"
                                u"run.log_row('row', x=3)\n"
                                u"run.log_image('sample', path='pic.png')\n"
                                u"run.tag('k', 'v')\n"
                                u"print(run.get_details()['runId'])\n"_s,
                                {{u"MLDESK_RUN_ID"_s, u"r1"_s},
                                 {u"MLDESK_METRICS_FILE"_s, metrics},
                                 {u"MLDESK_OUTPUTS"_s, m_dir.filePath(u"outputs"_s)}},
                                false);
        QCOMPARE(p->exitCode(), 0);
        QVERIFY(p->readAll().contains("r1"));
        const QList<QJsonObject> l = lines(metrics);
        QCOMPARE(l.size(), 7);
        QCOMPARE(l[0].value(u"name"_s).toString(), u"Loss"_s);
        QCOMPARE(l[1].value(u"step"_s).toInt(), 1);
        QCOMPARE(l[1].value(u"value"_s).toDouble(), 0.25);
        QCOMPARE(l[3].value(u"step"_s).toInt(), 1);
        QCOMPARE(l[4].value(u"name"_s).toString(), u"row/x"_s);
        QCOMPARE(l[5].value(u"type"_s).toString(), u"image"_s);
        QCOMPARE(l[5].value(u"path"_s).toString(), u"outputs/images/sample_0.png"_s);
        QVERIFY(QFileInfo::exists(m_dir.filePath(u"outputs/images/sample_0.png"_s)));
        QCOMPARE(l[6].value(u"type"_s).toString(), u"tag"_s);
    }

    void matplotlibFigureBecomesPng()
    {
        // scripts/setup installs Debian's python3-matplotlib; the python3 first on PATH may be another one.
        const QString pathPython = m_python;
        const auto restore = qScopeGuard([&] { m_python = pathPython; });
        bool found = false;
        for (const QString &candidate : {pathPython, u"/usr/bin/python3"_s}) {
            QProcess probe;
            probe.start(candidate, {u"-c"_s, u"import matplotlib"_s});
            if (probe.waitForFinished() && probe.exitCode() == 0) {
                m_python = candidate;
                found = true;
                break;
            }
        }
        if (!found)
            QSKIP("matplotlib is not installed (scripts/setup installs python3-matplotlib)");
        const QString metrics = m_dir.filePath(u"metrics-plot.jsonl"_s);
        QProcess *p = runPython(u"import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
                                u"from mldesk import Run\nplt.plot([1, 2, 3])\n"
                                u"Run.get_context().log_image('curve', plot=plt)\n"_s,
                                {{u"MLDESK_RUN_ID"_s, u"r2"_s},
                                 {u"MLDESK_METRICS_FILE"_s, metrics},
                                 {u"MLDESK_OUTPUTS"_s, m_dir.filePath(u"outputs"_s)}},
                                false);
        QCOMPARE(p->exitCode(), 0);
        QVERIFY(readAll(m_dir.filePath(u"outputs/images/curve_0.png"_s)).startsWith("\x89PNG"));
    }

    void offlinePrintsInsteadOfFailing()
    {
        QProcess *p = runPython(u"from mldesk import Run\nrun = Run.get_context()\nassert run.offline\n"
                                u"run.log('Loss', 1.5)\nrun.log_image('x', path='nothing.png')\nprint('ok')\n"_s,
                                {}, false);
        const QByteArray out = p->readAll();
        QCOMPARE(p->exitCode(), 0);
        QVERIFY2(out.contains("\"Loss\"") && out.contains("ok"), out.constData());
        QProcess *strict = runPython(u"from mldesk import Run\nRun.get_context(allow_offline=False)\n"_s, {}, false);
        QVERIFY(strict->exitCode() != 0);
        QVERIFY(strict->readAll().contains("MLDESK_RUN_ID"));
    }

    void azuremlShimMapsOntoRunContext()
    {
        const QString metrics = m_dir.filePath(u"metrics-azure.jsonl"_s);
        // The seed's keras_mnist.py logging lines, unchanged.
        const QString code = u"from azureml.core import Run\nrun = Run.get_context()\n"
                             u"run.log('Loss', 0.4)\nrun.log('Accuracy', 0.9)\n"_s;
        QProcess *p = runPython(code, {{u"MLDESK_RUN_ID"_s, u"r3"_s}, {u"MLDESK_METRICS_FILE"_s, metrics}}, true);
        QCOMPARE(p->exitCode(), 0);
        QCOMPARE(lines(metrics).size(), 2);
        // Without the shim on PYTHONPATH there is no azureml.
        QProcess *without =
            runPython(code, {{u"MLDESK_RUN_ID"_s, u"r3"_s}, {u"MLDESK_METRICS_FILE"_s, metrics}}, false);
        QVERIFY(without->exitCode() != 0);
    }
};

QTEST_GUILESS_MAIN(TestPythonRunContext)
#include "TestPythonRunContext.moc"
