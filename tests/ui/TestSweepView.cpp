// TestSweepView: a sweep parent's Trials tab on a real workspace - the trials table (hyperparameters as columns,
// primary metric, best trial marked, sortable) and the parallel-coordinates view, whose brush dragged along an
// axis filters the table (issue 16).
#include "UiTestSupport.h"

#include "core/runs/MetricsIngestor.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/store/StoreReader.h"
#include "core/sweeps/SweepStore.h"
#include "core/sweeps/SweepTrialsModel.h"
#include "core/workspace/Workspace.h"
#include "ui/charts/LiveChart.h"
#include "ui/charts/MetricBuffer.h"
#include "ui/sweeps/ParallelCoordinatesView.h"
#include "ui/sweeps/SweepView.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk;

class TestSweepView final : public QObject {
    Q_OBJECT

private slots:
    void tableAndBrushing();
};

void TestSweepView::tableAndBrushing()
{
    QTemporaryDir dir;
    auto ws = core::Workspace::create(dir.filePath(u"ws"_s), u"ui"_s);
    QDir().mkpath(dir.filePath(u"src"_s));
    QFile script(dir.filePath(u"src/t.py"_s));
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.close();
    const QString yaml = u"trial:\n  source: src\n  script: t.py\n  experiment: ui\n  environment: System-Python\n"
                         u"  arguments: [--lr, '${{search_space.lr}}', --act, '${{search_space.act}}']\n"
                         u"search_space:\n  lr: {type: choice, values: [0.1, 0.2, 0.3, 0.4]}\n"
                         u"  act: {type: choice, values: [relu, tanh]}\n"
                         u"sampling_algorithm: grid\nobjective: {primary_metric: Accuracy, goal: maximize}\n"
                         u"limits: {max_total_trials: 4}\n"_s;
    core::SweepStore sweeps(*ws);
    const core::RunRecord parent = sweeps.create(core::SweepSpec::parse(yaml, dir.path()), yaml);
    // Four children as a controller would have made them, with metrics ingested from their metrics.jsonl.
    core::RunStore store(ws->database());
    const double accuracy[] = {0.5, 0.9, 0.7, 0.6};
    for (int i = 0; i < 4; ++i) {
        core::RunStore::NewRun row;
        row.uid = u"child-%1"_s.arg(i);
        row.experimentId = ws->database().scalar(u"SELECT id FROM experiments WHERE name = 'ui'"_s).toLongLong();
        row.runDir = dir.filePath(row.uid);
        row.parentRunId = parent.id;
        row.trialIndex = i;
        row.hyperparameters = QJsonObject{{u"lr"_s, 0.1 * (i + 1)}, {u"act"_s, i % 2 ? u"tanh"_s : u"relu"_s}};
        const qint64 id = store.insert(row);
        QDir().mkpath(row.runDir);
        QFile metrics(row.runDir + u"/metrics.jsonl"_s);
        QVERIFY(metrics.open(QIODevice::WriteOnly));
        metrics.write(
            u"{\"name\": \"Accuracy\", \"step\": 1, \"value\": %1, \"time\": 1}\n"_s.arg(accuracy[i] / 2).toUtf8());
        metrics.write(
            u"{\"name\": \"Accuracy\", \"step\": 2, \"value\": %1, \"time\": 2}\n"_s.arg(accuracy[i]).toUtf8());
        metrics.close();
        core::MetricsIngestor(ws->database(), id, row.runDir).ingest(true);
        QVERIFY(store.transition(id, {core::RunState::Queued}, core::RunState::Completed));
    }

    core::StoreReader reader(ws->database());
    ui::SweepView view(*ws, reader, parent);
    QAbstractItemModelTester tester(view.model());
    view.resize(800, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    core::SweepTrialsModel *model = view.model();
    QTRY_COMPARE(model->rowCount(), 4); // read on the reader's thread
    QCOMPARE(model->columnCount(), 6);  // trial, run id, state, lr, act, Accuracy
    QCOMPARE(model->headerData(3, Qt::Horizontal).toString(), u"lr"_s);
    QCOMPARE(model->headerData(5, Qt::Horizontal).toString(), u"Accuracy"_s);
    QCOMPARE(model->index(1, 4).data().toString(), u"tanh"_s);
    QCOMPARE(model->index(1, 4).data(core::SweepTrialsModel::ValueRole).toDouble(), 1.0); // index among choices
    QCOMPARE(model->index(1, 5).data().toString(), u"0.9"_s);
    QCOMPARE(model->bestRow(), 1);
    QVERIFY(model->index(1, 0).data(core::SweepTrialsModel::BestRole).toBool());
    QVERIFY(view.findChild<QLabel *>(u"sweepSummary"_s)->text().contains(u"best: trial 1 (child-1), Accuracy = 0.9"_s));

    // Sorting by the metric column, descending: the best trial first.
    auto *table = view.findChild<QTableView *>(u"sweepTrialsTable"_s);
    table->sortByColumn(5, Qt::DescendingOrder);
    QCOMPARE(view.filtered()->index(0, 1).data().toString(), u"child-1"_s);
    QCOMPARE(view.filtered()->index(3, 1).data().toString(), u"child-0"_s);

    // Brush the metric axis from 0.65 up to the top: trials with 0.9 and 0.7 stay.
    ui::ParallelCoordinatesView *pc = view.coordinates();
    const int metricAxis = model->axisCount() - 1;
    const QPoint from = pc->pointFor(metricAxis, 0.9);
    const QPoint to = pc->pointFor(metricAxis, 0.65);
    QTest::mousePress(pc, Qt::LeftButton, {}, from);
    QMouseEvent move(QEvent::MouseMove, to, pc->mapToGlobal(to), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(pc, &move);
    QTest::mouseRelease(pc, Qt::LeftButton, {}, to);
    QVERIFY(pc->brush(metricAxis));
    QCOMPARE(view.filtered()->rowCount(), 2);
    QSet<QString> kept{view.filtered()->index(0, 1).data().toString(), view.filtered()->index(1, 1).data().toString()};
    QCOMPARE(kept, (QSet<QString>{u"child-1"_s, u"child-2"_s}));
    // A second brush on act (relu = 0 at the bottom): of those, only trial 2 (relu) stays.
    const QPoint reluLow = pc->pointFor(1, 0) + QPoint(0, 2), reluHigh = pc->pointFor(1, 0.3);
    QTest::mousePress(pc, Qt::LeftButton, {}, reluHigh);
    QMouseEvent move2(QEvent::MouseMove, reluLow, pc->mapToGlobal(reluLow), Qt::NoButton, Qt::LeftButton,
                      Qt::NoModifier);
    QCoreApplication::sendEvent(pc, &move2);
    QTest::mouseRelease(pc, Qt::LeftButton, {}, reluLow);
    QCOMPARE(view.filtered()->rowCount(), 1);
    QCOMPARE(view.filtered()->index(0, 1).data().toString(), u"child-2"_s);
    // A click on the metric axis clears its brush.
    QTest::mouseClick(pc, Qt::LeftButton, {}, pc->pointFor(metricAxis, 0.7));
    QVERIFY(!pc->brush(metricAxis));
    QCOMPARE(view.filtered()->rowCount(), 2); // the relu trials 0 and 2

    // Every trial's primary metric on one chart.
    QCOMPARE(view.chart()->runIds().size(), 4);
    QCOMPARE(view.chart()->buffer(u"child-1"_s, u"Accuracy"_s)->size(), 2);
    // Cancel Sweep: the view asks (the pane posts it to the run service's thread; nothing is written here); the
    // button turns off.
    auto *cancel = view.findChild<QPushButton *>(u"cancelSweepButton"_s);
    QVERIFY(cancel->isEnabled());
    QSignalSpy cancelRequested(&view, &ui::SweepView::cancelRequested);
    QTest::mouseClick(cancel, Qt::LeftButton);
    QCOMPARE(cancelRequested.count(), 1);
    QCOMPARE(cancelRequested.at(0).at(0).toString(), parent.uid);
    QVERIFY(!store.get(parent.uid).cancelRequested);
    QVERIFY(!cancel->isEnabled());
    // A read answered before the service's mark lands leaves the button off.
    QSignalSpy answered(&view, &ui::SweepView::loaded);
    view.reload();
    QTRY_VERIFY(answered.count() >= 1);
    QVERIFY(!cancel->isEnabled());
    QVERIFY(view.findChild<QPushButton *>(u"registerBestButton"_s)->isEnabled());
}

QTEST_MAIN(TestSweepView)
#include "TestSweepView.moc"
