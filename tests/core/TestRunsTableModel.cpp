// TestRunsTableModel: the runs table model under QAbstractItemModelTester - filled from the store, a submitted
// run appears at the top, a state change updates its row, the experiment filter.
#include "RunTestSupport.h"

#include "core/runs/RunStore.h"
#include "core/runs/RunsTableModel.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestRunsTableModel final : public QObject {
    Q_OBJECT

private slots:
    void followsTheService()
    {
        QTemporaryDir dir;
        auto ws = Workspace::create(dir.filePath(u"ws"_s), u"model"_s);
        writeText(dir.filePath(u"src/a.py"_s), u"print(1)\n"_s);
        RunServiceOptions options;
        options.schedule = false; // nothing starts: the test drives states itself
        RunService service(*ws, options);
        const RunRecord first = service.submit(scriptRequest(dir.filePath(u"src"_s), u"a.py"_s));
        RunsTableModel model(service);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.columnCount(), int(RunsTableModel::ColumnCount));
        QCOMPARE(model.data(model.index(0, RunsTableModel::StateColumn)).toString(), u"Queued"_s);

        RunRequest other = scriptRequest(dir.filePath(u"src"_s), u"a.py"_s);
        other.experiment = u"other"_s;
        const RunRecord second = service.submit(other);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.data(model.index(0, 0), RunsTableModel::RunIdRole).toString(), second.uid);

        service.cancel(first.uid); // Queued -> Canceled
        service.reconcile();
        QTRY_COMPARE(model.data(model.index(model.rowOf(first.uid), RunsTableModel::StateColumn)).toString(),
                     u"Canceled"_s);
        QCOMPARE(model.data(model.index(model.rowOf(first.uid), 0), RunsTableModel::StateRole).toInt(),
                 int(RunState::Canceled));

        model.setExperimentFilter(u"other"_s);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.runAt(0).uid, second.uid);
        QCOMPARE(model.headerData(RunsTableModel::StateColumn, Qt::Horizontal).toString(), u"State"_s);
    }
};

QTEST_GUILESS_MAIN(TestRunsTableModel)
#include "TestRunsTableModel.moc"
