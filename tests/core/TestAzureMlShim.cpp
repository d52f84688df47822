// TestAzureMlShim: the snapshot scan that puts MLDesk's azureml shim on PYTHONPATH, and (issue 15) an Azure ML
// sample-style script run unchanged under System-Python - no conda spec and no variable asking for the shim -
// through RunService with real mldesk-supervisor and python3 processes: numeric and text metrics, ./outputs captured.
#include "RunTestSupport.h"

#include "core/environments/AzureMlShim.h"

#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestAzureMlShim final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private slots:
    void detectsImports_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<bool>("imports");
        QTest::newRow("from core") << u"from azureml.core import Run\n"_s << true;
        QTest::newRow("from core.run") << u"import os\nfrom azureml.core.run import Run\n"_s << true;
        QTest::newRow("import") << u"import azureml.core\n"_s << true;
        QTest::newRow("indented") << u"try:\n    from azureml.core import Run\nexcept ImportError:\n    pass\n"_s
                                  << true;
        QTest::newRow("comment") << u"# from azureml.core import Run\nimport mldesk\n"_s << false;
        QTest::newRow("other package") << u"import azuremlish\nfrom azure.storage import Blob\n"_s << false;
    }

    void detectsImports()
    {
        QFETCH(QString, source);
        QFETCH(bool, imports);
        QTemporaryDir dir;
        writeText(dir.filePath(u"pkg/train.py"_s), source);
        writeText(dir.filePath(u"notes.txt"_s), u"from azureml.core import Run\n"_s); // not Python
        QCOMPARE(AzureMlShim::importsAzureMl(dir.path()), imports);
    }

    void azureScriptRunsUnderSystemPython()
    {
        if (!runPartsPresent(m_dir))
            return;
        auto ws = Workspace::create(m_dir.filePath(u"ws"_s), u"azure"_s);
        const QString src = m_dir.filePath(u"sample"_s);
        // In the style of the Azure ML samples (train.py of the sklearn / keras tutorials).
        writeText(src + u"/train.py"_s, u"import argparse, os\n"
                                        u"from azureml.core import Run\n"
                                        u"from azureml.core.run import Run as SameRun\n"
                                        u"parser = argparse.ArgumentParser()\n"
                                        u"parser.add_argument('--regularization', type=float, default=0.01)\n"
                                        u"args = parser.parse_args()\n"
                                        u"run = Run.get_context()\n"
                                        u"run.log('Regularization Rate', float(args.regularization))\n"
                                        u"for epoch in range(3):\n"
                                        u"    run.log('accuracy', 0.5 + 0.1 * epoch)\n"
                                        u"run.log('model', 'logistic-regression')\n"
                                        u"run.log_list('losses', [0.9, 0.5])\n"
                                        u"os.makedirs('./outputs', exist_ok=True)\n"
                                        u"with open('./outputs/model.pkl', 'w') as f:\n"
                                        u"    f.write('model bytes')\n"
                                        u"print('same run class', SameRun is Run)\n"_s);
        RunService service(*ws);
        const RunRecord submitted =
            service.submit(scriptRequest(src, u"train.py"_s, {u"--regularization"_s, u"0.5"_s}));
        service.start();
        QTRY_VERIFY_WITH_TIMEOUT(
            isTerminal(service.store().get(submitted.uid).state) && !service.isWatching(submitted.uid), 60000);
        const RunRecord r = service.store().get(submitted.uid);
        QVERIFY2(r.state == RunState::Completed, qPrintable(r.failureReason));
        QCOMPARE(service.store().metrics(r.id, u"Regularization Rate"_s).constFirst().value, 0.5);
        QCOMPARE(service.store().metrics(r.id, u"accuracy"_s).size(), 3);
        QCOMPARE(service.store().metrics(r.id, u"losses"_s).size(), 2);
        QCOMPARE(r.tags.value(u"model"_s), u"logistic-regression"_s);
        QVERIFY(readAll(r.runDir + u"/logs/std_log.txt"_s).contains("same run class True"));
        bool model = false;
        for (const RunFileEntry &f : r.outputs)
            model = model || (f.path == u"outputs/model.pkl"_s && ws->blobs().read(f.hash) == "model bytes");
        QVERIFY(model);
    }
};

QTEST_GUILESS_MAIN(TestAzureMlShim)
#include "TestAzureMlShim.moc"
