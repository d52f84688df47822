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

    void azureStyleValuesAndHelpers()
    {
        // Issue 15: run.log takes numbers, booleans and strings as Azure's does; a string is a text metric (a tag).
        const QString metrics = m_dir.filePath(u"metrics-values.jsonl"_s);
        QFile::remove(metrics);
        writeText(m_dir.filePath(u"weights.bin"_s), u"w"_s);
        QProcess *p = runPython(
            u"from azureml.core import Run\nrun = Run.get_context()\n"
            u"run.log('lr', 0.01)\nrun.log('lr', 0.005)\nrun.log('early_stop', False)\nrun.log('optimizer', 'adam')\n"
            u"run.log_table('per_class', {'recall': [0.5, 0.75]})\n"
            u"run.set_tags({'team': 'vision'})\n"
            u"print('metrics', sorted(run.get_metrics().items()))\n"
            u"print('uploaded', run.upload_file('outputs/model/weights.bin', 'weights.bin'))\n"
            u"try:\n    run.log('bad', [1, 2])\nexcept TypeError as e:\n    print('refused', e)\n"
            u"run.complete()\n"_s,
            {{u"MLDESK_RUN_ID"_s, u"r4"_s},
             {u"MLDESK_METRICS_FILE"_s, metrics},
             {u"MLDESK_OUTPUTS"_s, m_dir.filePath(u"outputs"_s)}},
            true);
        const QByteArray out = p->readAll();
        QVERIFY2(p->exitCode() == 0, out.constData());
        QVERIFY2(
            out.contains("metrics [('early_stop', 0.0), ('lr', [0.01, 0.005]), ('per_class/recall', [0.5, 0.75])]"),
            out.constData());
        QVERIFY2(out.contains("refused run.log('bad', ...) takes a number, a boolean or a string, not list"),
                 out.constData());
        QVERIFY(QFileInfo::exists(m_dir.filePath(u"outputs/model/weights.bin"_s)));
        const QList<QJsonObject> l = lines(metrics);
        QCOMPARE(l.size(), 7);
        QCOMPARE(l[2].value(u"value"_s).toDouble(), 0.0);
        QCOMPARE(l[3].value(u"type"_s).toString(), u"tag"_s);
        QCOMPARE(l[3].value(u"value"_s).toString(), u"adam"_s);
        QCOMPARE(l[5].value(u"step"_s).toInt(), 1);
        QCOMPARE(l[6].value(u"name"_s).toString(), u"team"_s);
    }

    void shimKeepsARealAzuremlCore()
    {
        // Issue 15: with a real azureml-core installed behind the shim, Run is MLDesk's and every other name is real.
        const QString real = m_dir.filePath(u"site"_s);
        writeText(real + u"/azureml/__init__.py"_s,
                  u"__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"_s);
        writeText(real + u"/azureml/core/__init__.py"_s, u"from .workspace import Workspace\n"
                                                         u"from azureml.core.run import Run\n"
                                                         u"class Experiment:\n    pass\n"_s);
        writeText(real + u"/azureml/core/workspace.py"_s, u"class Workspace:\n    origin = 'real'\n"_s);
        writeText(real + u"/azureml/core/run.py"_s, u"class Run:\n    pass\ndef get_run():\n    return 'real'\n"_s);
        writeText(real + u"/azureml/train/__init__.py"_s, u"ESTIMATOR = 'real'\n"_s);
        const QString path = m_moduleDir + u':' + m_moduleDir + u"/azureml-compat:"_s + real;
        QProcess *p = runPython(u"import mldesk\n"
                                u"from azureml.core import Run, Workspace, Experiment\n"
                                u"from azureml.core.run import Run as R2, get_run\n"
                                u"from azureml.core.workspace import Workspace as W2\n"
                                u"from azureml.train import ESTIMATOR\n"
                                u"assert Run is mldesk.Run and R2 is mldesk.Run\n"
                                u"assert W2 is Workspace and Workspace.origin == 'real'\n"
                                u"print('ok', get_run(), ESTIMATOR, Experiment.__name__)\n"_s,
                                {{u"PYTHONPATH"_s, path}}, true);
        const QByteArray out = p->readAll();
        QVERIFY2(p->exitCode() == 0 && out.contains("ok real real Experiment"), out.constData());
    }

    // Child runs (issue 16): the file protocol ScriptChildRuns follows - children.jsonl events, a folder per child.
    void childRunsWriteTheirFiles()
    {
        QDir(m_dir.filePath(u"kids"_s)).removeRecursively();
        const QString metrics = m_dir.filePath(u"kids/metrics.jsonl"_s);
        QDir().mkpath(m_dir.filePath(u"kids"_s));
        QProcess *p = runPython(u"from azureml.core import Run\n"
                                u"run = Run.get_context()\n"
                                u"a, b = run.create_children(count=2)\n"
                                u"a.log('Accuracy', 0.75)\na.complete()\n"
                                u"b.fail(error_details=ValueError('nan loss'))\n"
                                u"print(run.parent, a.parent.id, [c.get_status() for c in run.get_children()])\n"_s,
                                {{u"MLDESK_RUN_ID"_s, u"r9"_s}, {u"MLDESK_METRICS_FILE"_s, metrics}}, true);
        const QByteArray out = p->readAll();
        QCOMPARE(p->exitCode(), 0);
        QVERIFY2(out.contains("None r9 ['Completed', 'Failed']"), out.constData());
        const QList<QJsonObject> events = lines(m_dir.filePath(u"kids/children.jsonl"_s));
        QCOMPARE(events.size(), 4);
        QCOMPARE(events[0].value(u"event"_s).toString(), u"start"_s);
        QCOMPARE(events[0].value(u"id"_s).toString(), u"r9_0"_s);
        QCOMPARE(events[3].value(u"status"_s).toString(), u"Failed"_s);
        QCOMPARE(events[3].value(u"error"_s).toString(), u"nan loss"_s);
        const QList<QJsonObject> child = lines(m_dir.filePath(u"kids/children/0/metrics.jsonl"_s));
        QCOMPARE(child.size(), 1);
        QCOMPARE(child[0].value(u"value"_s).toDouble(), 0.75);
        QVERIFY(lines(metrics).isEmpty()); // nothing of the children in the parent's own metrics
        // Offline: printed, nothing fails.
        QProcess *offline = runPython(u"from mldesk import Run\nc = Run.get_context().child_run()\n"
                                      u"c.log('x', 1)\nc.complete()\nprint(c.get_status())\n"_s,
                                      {}, false);
        QCOMPARE(offline->exitCode(), 0);
        QVERIFY(offline->readAll().contains("Completed"));
    }

    void shimAloneListsWhatItProvides()
    {
        QProcess *p = runPython(u"from azureml.core import Workspace\n"_s, {}, true);
        const QByteArray out = p->readAll();
        QVERIFY(p->exitCode() != 0);
        QVERIFY2(out.contains("ImportError: azureml.core.Workspace is not available: azureml-core is not installed"),
                 out.constData());
        QVERIFY2(out.contains("provides only azureml.core.Run"), out.constData());
        QProcess *run = runPython(u"from azureml.core.run import Run\nprint(Run.__module__)\n"_s, {}, true);
        QVERIFY2(run->exitCode() == 0 && run->readAll().contains("mldesk"), "azureml.core.run.Run is MLDesk's");
    }
};

QTEST_GUILESS_MAIN(TestPythonRunContext)
#include "TestPythonRunContext.moc"
