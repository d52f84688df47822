// TestRunDetails: the Runs pane and a run's details read the store off the GUI thread (issue 12) - opening a run
// with many stored points, the Runs pane's reload (the table keeps its selection and scroll position) and a sweep's
// Trials tab, loading and updating live, run no statement on the GUI thread's connection (counted by SQLite's own
// trace hook); the run's log is read on a worker; every stored point is drawn once, and live points that arrive while
// the stored ones are still loading are neither lost nor drawn twice.
#include "StatementCounter.h"
#include "UiTestSupport.h"

#include "core/experiments/ExperimentStore.h"
#include "core/runs/MetricsIngestor.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/store/MetricChunks.h"
#include "core/store/StoreReader.h"
#include "core/sweeps/SweepStore.h"
#include "core/sweeps/SweepTrialsModel.h"
#include "core/workspace/Workspace.h"
#include "ui/charts/LiveChart.h"
#include "ui/logs/LogView.h"
#include "ui/models/RunsFilterModel.h"
#include "ui/models/RunsTableModel.h"
#include "ui/panes/RunsPane.h"
#include "ui/runs/RunDetails.h"
#include "ui/sweeps/SweepView.h"

#include <QComboBox>
#include <QJsonArray>
#include <QMutex>

#include <QSqlDriver>
#include <QTableView>
#include <QtTest>

#include <memory>

using namespace mldesk;
using mldesk::test::StatementCounter;

namespace {

core::MetricColumns ramp(const QString &name, qint64 from, qint64 count)
{
    core::MetricColumns s{name, {}, {}, {}, {}, 0};
    for (qint64 i = from; i < from + count; ++i) {
        s.steps.append(i);
        s.values.append(1.0 / double(i + 1));
        s.times.append(1700000000000 + i);
    }
    return s;
}

// The service stays still: no GPU probe, nothing scheduled.
core::RunServiceOptions quietService()
{
    core::RunServiceOptions options;
    options.gpus = QList<int>{};
    options.schedule = false;
    return options;
}

// A Completed run of experiment "e<experiment>" with a short Loss series.
void addRun(core::Database &db, const QString &uid, int experiment)
{
    const QString name = QStringLiteral("e%1").arg(experiment);
    core::ExperimentStore experiments(db);
    const auto found = experiments.find(name);
    core::RunStore store(db);
    core::RunStore::NewRun row;
    row.uid = uid;
    row.experimentId = found ? found->id : experiments.create(name).id;
    row.runDir = QStringLiteral("/nonexistent/") + uid;
    row.configuration =
        QJsonObject{{QStringLiteral("arguments"), QJsonArray{QStringLiteral("--lr"), QStringLiteral("0.1")}}};
    const qint64 id = store.insert(row);
    store.transition(id, {core::RunState::Queued}, core::RunState::Completed);
    db.writeTransaction([&] { core::MetricChunks::append(db, id, {ramp(QStringLiteral("Loss"), 0, 10)}); });
}

} // namespace

class TestRunDetails final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { test::isolateSettings(m_settings); }

    void openingARunReadsTheStoreOffTheGuiThread()
    {
        QTemporaryDir dir;
        auto ws = core::Workspace::create(dir.filePath(QStringLiteral("ws")), QStringLiteral("details"));
        core::RunStore store(ws->database());
        core::RunStore::NewRun row;
        row.uid = QStringLiteral("big_run");
        row.experimentId = core::ExperimentStore(ws->database()).create(QStringLiteral("e")).id;
        row.runDir = dir.filePath(QStringLiteral("ws/runs/big_run"));
        const qint64 id = store.insert(row);
        store.transition(id, {core::RunState::Queued}, core::RunState::Completed);
        const qint64 points = 50000;
        ws->database().writeTransaction([&] {
            core::MetricChunks::append(ws->database(), id,
                                       {ramp(QStringLiteral("Loss"), 0, points), ramp(QStringLiteral("lr"), 0, 100)});
        });

        // The log the details tail, read on a worker thread (the reader seam records where).
        QDir().mkpath(row.runDir + QStringLiteral("/logs"));
        QFile log(row.runDir + QStringLiteral("/logs/std_log.txt"));
        QVERIFY(log.open(QIODevice::WriteOnly));
        log.write("Epoch 1/2\n");
        log.flush();

        StatementCounter gui(ws->database());
        ui::RunsPane pane;
        pane.setServiceOptions(quietService());
        pane.setWorkspace(ws.get());
        QTRY_VERIFY(pane.model()->rowOf(row.uid) >= 0);

        ui::RunDetails *details = pane.openDetails(row.uid);
        QVERIFY(details);
        QTRY_VERIFY(!details->isLoadingMetrics());
        QTRY_VERIFY(!details->run().history.isEmpty()); // the full record, read by the reader
        const ui::MetricBuffer *loss = details->chart()->buffer(row.uid, QStringLiteral("Loss"));
        QVERIFY(loss);
        QCOMPARE(loss->size(), points);
        QCOMPARE(loss->steps()[points - 1], double(points - 1));
        QCOMPARE(details->chart()->buffer(row.uid, QStringLiteral("lr"))->size(), qsizetype(100));

        // The log, live: the service's nudge has the view read the file - on a worker, not here.
        // Shared with the worker's copy of the seam: a read still running when the test ends finds it alive.
        struct Seen {
            QMutex mutex;
            QList<QThread *> threads;
        };
        const auto seen = std::make_shared<Seen>();
        details->logView()->setFileReader([seen](const QString &path, qint64 from, qint64 maxBytes) {
            QMutexLocker lock(&seen->mutex);
            seen->threads.append(QThread::currentThread());
            return ui::LogView::readFile(path, from, maxBytes);
        });
        QTRY_VERIFY(details->logView()->text().contains(QStringLiteral("Epoch 1/2")));
        log.write("Epoch 2/2\n");
        log.flush();
        details->logAppended(QStringLiteral("Epoch 2/2\n"));
        QTRY_VERIFY(details->logView()->text().contains(QStringLiteral("Epoch 2/2")));
        {
            QMutexLocker lock(&seen->mutex);
            QVERIFY(!seen->threads.isEmpty());
            QVERIFY(!seen->threads.contains(QThread::currentThread()));
        }
        QCOMPARE(gui.count(), 0);
        QVERIFY(core::RunStore(ws->database()).find(row.uid)); // the counter does count this connection's reads
        QVERIFY(gui.count() > 0);
    }

    void runsPaneReloadsOffTheGuiThread()
    {
        QTemporaryDir dir;
        auto ws = core::Workspace::create(dir.filePath(QStringLiteral("ws")), QStringLiteral("reload"));
        for (int i = 0; i < 40; ++i)
            addRun(ws->database(), QStringLiteral("run_%1").arg(i, 2, 10, QLatin1Char('0')), i % 3);

        StatementCounter gui(ws->database()); // from before the pane opens the workspace: its first load too
        ui::RunsPane pane;
        pane.setServiceOptions(quietService());
        pane.resize(900, 420);
        pane.show();
        QVERIFY(QTest::qWaitForWindowExposed(&pane));
        pane.setWorkspace(ws.get());
        QTRY_COMPARE(pane.model()->rowCount(), 40);
        QVERIFY(pane.model()->columnOf(QStringLiteral("metric:Loss:min")) >= 0); // the summaries came with it
        QVERIFY(pane.findChild<QComboBox *>(QStringLiteral("experimentFilter"))->findData(QStringLiteral("e2")) >= 0);

        // A selection and a scroll position, then a reload that brings a run stored by another connection.
        QTableView *table = pane.table();
        const auto viewRow = [&](const QString &uid) {
            return pane.filterModel()->mapFromSource(pane.model()->index(pane.model()->rowOf(uid), 0)).row();
        };
        table->selectRow(viewRow(QStringLiteral("run_05")));
        table->selectionModel()->select(pane.filterModel()->index(viewRow(QStringLiteral("run_07")), 0),
                                        QItemSelectionModel::Select | QItemSelectionModel::Rows);
        table->scrollTo(pane.filterModel()->index(12, 0), QAbstractItemView::PositionAtTop);
        const QString top = table->indexAt(QPoint(0, 0)).data(ui::RunsTableModel::UidRole).toString();
        QVERIFY(!top.isEmpty());
        const QStringList before = pane.selectedUids();
        QCOMPARE(QSet<QString>(before.begin(), before.end()),
                 (QSet<QString>{QStringLiteral("run_05"), QStringLiteral("run_07")}));
        const auto other = core::Database::open(ws->database().filePath());
        addRun(*other, QStringLiteral("run_new"), 0);
        pane.setWorkspace(ws.get()); // the same workspace: what View > Refresh does
        QTRY_COMPARE(pane.model()->rowCount(), 41);
        const QStringList selected = pane.selectedUids();
        QCOMPARE(QSet<QString>(selected.begin(), selected.end()),
                 (QSet<QString>{QStringLiteral("run_05"), QStringLiteral("run_07")}));
        QCOMPARE(table->indexAt(QPoint(0, 0)).data(ui::RunsTableModel::UidRole).toString(), top);

        // Live: the service's record and points update the row in place; still nothing on this connection.
        core::RunRecord run = pane.model()->run(pane.model()->rowOf(QStringLiteral("run_new")));
        run.state = core::RunState::Running;
        emit pane.service()->runStateChanged(run);
        emit pane.service()->metricsAppended(run.uid, {{QStringLiteral("Loss"), 99, 0.001, 0, {}, 1000}});
        const int row = pane.model()->rowOf(QStringLiteral("run_new"));
        QCOMPARE(pane.model()->run(row).state, core::RunState::Running);
        QCOMPARE(pane.model()
                     ->index(row, pane.model()->columnOf(QStringLiteral("metric:Loss:min")))
                     .data(ui::RunsTableModel::SortRole)
                     .toDouble(),
                 0.001);
        // The service speaks while a reload is in flight: the reload's answer (read before, or not) does not undo
        // it. The note is in no store here, so only the pane's replay can keep it.
        addRun(*other, QStringLiteral("run_last"), 1);
        pane.setWorkspace(ws.get());
        run.note = QStringLiteral("cluster unreachable, retrying");
        emit pane.service()->runNoteChanged(run);
        QTRY_COMPARE(pane.model()->rowCount(), 42);
        QCOMPARE(pane.model()->run(pane.model()->rowOf(QStringLiteral("run_new"))).note, run.note);
        QCOMPARE(gui.count(), 0);
        QVERIFY(core::RunStore(ws->database()).find(QStringLiteral("run_new")));
        QVERIFY(gui.count() > 0); // the counter does count this connection's reads
    }

    void sweepTrialsReadOffTheGuiThread()
    {
        QTemporaryDir dir;
        auto ws = core::Workspace::create(dir.filePath(QStringLiteral("ws")), QStringLiteral("sweep"));
        QDir().mkpath(dir.filePath(QStringLiteral("src")));
        QFile script(dir.filePath(QStringLiteral("src/t.py")));
        QVERIFY(script.open(QIODevice::WriteOnly));
        script.close();
        const QString yaml =
            QStringLiteral("trial:\n  source: src\n  script: t.py\n  experiment: ui\n  environment: System-Python\n"
                           "  arguments: [--lr, '${{search_space.lr}}']\n"
                           "search_space:\n  lr: {type: choice, values: [0.1, 0.2, 0.3, 0.4]}\n"
                           "sampling_algorithm: grid\nobjective: {primary_metric: Accuracy, goal: maximize}\n"
                           "limits: {max_total_trials: 4}\n");
        const core::RunRecord parent = core::SweepStore(*ws).create(core::SweepSpec::parse(yaml, dir.path()), yaml);
        QVERIFY(parent.isActive());                                         // the view follows it once a second
        const auto other = core::Database::open(ws->database().filePath()); // the "controller's" connection
        const qint64 experimentId = core::ExperimentStore(*other).find(parent.experiment)->id;
        const auto addTrial = [&](int i) {
            core::RunStore store(*other);
            core::RunStore::NewRun row;
            row.uid = QStringLiteral("trial-%1").arg(i);
            row.experimentId = experimentId;
            row.runDir = dir.filePath(row.uid);
            row.parentRunId = parent.id;
            row.trialIndex = i;
            row.hyperparameters = QJsonObject{{QStringLiteral("lr"), 0.1 * (i + 1)}};
            const qint64 id = store.insert(row);
            QDir().mkpath(row.runDir);
            QFile metrics(row.runDir + QStringLiteral("/metrics.jsonl"));
            QVERIFY(metrics.open(QIODevice::WriteOnly));
            metrics.write(QStringLiteral("{\"name\": \"Accuracy\", \"step\": 1, \"value\": %1, \"time\": 1}\n")
                              .arg(0.5 + 0.1 * i)
                              .toUtf8());
            metrics.close();
            core::MetricsIngestor(*other, id, row.runDir).ingest(true);
            QVERIFY(store.transition(id, {core::RunState::Queued}, core::RunState::Completed));
        };
        addTrial(0);
        addTrial(1);

        StatementCounter gui(ws->database());
        core::StoreReader reader(ws->database());
        ui::SweepView view(*ws, reader, parent);
        QTRY_COMPARE(view.model()->rowCount(), 2);
        QCOMPARE(view.model()->bestRow(), 1);
        QTRY_VERIFY(view.chart()->buffer(QStringLiteral("trial-1"), QStringLiteral("Accuracy")));
        // Live: a trial stored meanwhile shows in the table, the parallel coordinates' model and the chart.
        addTrial(2);
        QTRY_COMPARE(view.model()->rowCount(), 3);
        QCOMPARE(view.model()->bestRow(), 2);
        QTRY_VERIFY(view.chart()->buffer(QStringLiteral("trial-2"), QStringLiteral("Accuracy")));
        QCOMPARE(view.chart()->buffer(QStringLiteral("trial-2"), QStringLiteral("Accuracy"))->size(), qsizetype(1));
        QCOMPARE(gui.count(), 0);
    }

    void livePointsWhileLoadingAreKeptOnce()
    {
        core::RunRecord run;
        run.uid = QStringLiteral("r1");
        run.state = core::RunState::Running;
        ui::RunDetails details(run);
        details.beginLoadingMetrics();
        // The service's signal comes first with chunk 2 (and a new chunk 3); the store's read then brings 1 and 2.
        QList<core::MetricPoint> live;
        for (qint64 step = 10; step < 30; ++step)
            live.append({QStringLiteral("Loss"), step, 0.5, 0, {}, step < 20 ? 2 : 3});
        details.addMetrics(live);
        QVERIFY(!details.chart()->buffer(run.uid, QStringLiteral("Loss"))); // waits for the stored ones
        core::MetricColumns first = ramp(QStringLiteral("Loss"), 0, 10);
        first.seq = 1;
        core::MetricColumns second = ramp(QStringLiteral("Loss"), 10, 10);
        second.seq = 2;
        details.loadMetrics({first, second});
        QTRY_VERIFY(!details.isLoadingMetrics());
        const ui::MetricBuffer *loss = details.chart()->buffer(run.uid, QStringLiteral("Loss"));
        QVERIFY(loss);
        QCOMPARE(loss->size(), qsizetype(30));
        for (int i = 0; i < 30; ++i)
            QCOMPARE(loss->steps()[i], double(i));
    }

private:
    QTemporaryDir m_settings;
};

QTEST_MAIN(TestRunDetails)
#include "TestRunDetails.moc"
