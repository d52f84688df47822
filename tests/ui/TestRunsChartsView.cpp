// TestRunsChartsView (issue 17 item 2): the Runs pane's Charts view driven like a user on a real workspace.db -
// rows clicked in the table show their series overlaid per metric (none selected: the filtered runs), each in the
// colour of its table swatch; a chunk appended to the store and delivered by RunServiceHost's signal appears
// (twice delivered, drawn once); Compare opens the same live view.
#include "UiTestSupport.h"

#include "core/experiments/ExperimentStore.h"
#include "core/runs/RunServiceHost.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/store/MetricChunks.h"
#include "core/workspace/Workspace.h"
#include "ui/charts/LiveChart.h"
#include "ui/models/RunsFilterModel.h"
#include "ui/models/RunsTableModel.h"
#include "ui/panes/RunsPane.h"
#include "ui/runs/RunsChartsView.h"

#include <QLineSeries>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableView>
#include <QToolButton>

using mldesk::core::MetricColumns;
using mldesk::core::RunState;
using mldesk::core::RunStore;
using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::ui::RunsChartsView;
using mldesk::ui::RunsPane;
using mldesk::ui::RunsTableModel;

class TestRunsChartsView final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { mldesk::test::isolateSettings(m_settings); }
    void init();
    void cleanup();
    void selectedRunsOverlaidPerMetric();
    void liveChunkAppearsOnce();
    void compareOpensLiveView();

private:
    qint64 addRun(const QString &name, int points);
    void appendChunk(qint64 runId, const QString &metric, int fromStep, int count, double value);
    void openPane();
    void clickRow(int row, Qt::KeyboardModifiers modifiers = {});
    QString uidOfRow(int row) const;
    RunsChartsView *view() const { return m_pane->chartsView(); }

    QTemporaryDir m_settings;
    std::unique_ptr<QTemporaryDir> m_root;
    std::unique_ptr<Workspace> m_workspace;
    std::unique_ptr<RunsPane> m_pane;
    qint64 m_experiment = 0;
    QHash<qint64, QString> m_uids;
};

void TestRunsChartsView::init()
{
    m_root = std::make_unique<QTemporaryDir>();
    m_workspace = Workspace::create(m_root->filePath(QStringLiteral("ws")), QStringLiteral("test"));
    m_experiment = mldesk::core::ExperimentStore(m_workspace->database()).create(QStringLiteral("charts")).id;
}

void TestRunsChartsView::cleanup()
{
    m_pane.reset();
    m_workspace.reset();
    m_root.reset();
    m_uids.clear();
}

qint64 TestRunsChartsView::addRun(const QString &name, int points)
{
    RunStore store(m_workspace->database());
    RunStore::NewRun row;
    row.uid = QStringLiteral("charts_%1").arg(name);
    row.experimentId = m_experiment;
    row.displayName = name;
    row.runDir = m_root->filePath(row.uid);
    const qint64 id = store.insert(row);
    [&] {
        QVERIFY(store.transition(id, {RunState::Queued}, RunState::Completed));
    }();
    m_uids.insert(id, row.uid);
    appendChunk(id, QStringLiteral("Loss"), 0, points, 1.0 + double(id));
    appendChunk(id, QStringLiteral("Accuracy"), 0, points, 0.5);
    return id;
}

void TestRunsChartsView::appendChunk(qint64 runId, const QString &metric, int fromStep, int count, double value)
{
    MetricColumns c;
    c.name = metric;
    for (int i = 0; i < count; ++i) {
        c.steps.append(fromStep + i);
        c.values.append(value / (1 + fromStep + i));
        c.times.append(1'700'000'000'000 + 1000 * (fromStep + i));
    }
    mldesk::core::Database &db = m_workspace->database();
    db.writeTransaction([&] { mldesk::core::MetricChunks::append(db, runId, {c}); });
}

void TestRunsChartsView::openPane()
{
    m_pane = std::make_unique<RunsPane>();
    mldesk::core::RunServiceOptions options;
    options.schedule = false; // the runs are stored, not started
    m_pane->setServiceOptions(options);
    m_pane->setWorkspace(m_workspace.get());
    m_pane->resize(1200, 900);
    m_pane->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_pane.get()));
}

void TestRunsChartsView::clickRow(int row, Qt::KeyboardModifiers modifiers)
{
    QTableView *table = m_pane->table();
    const QRect rect = table->visualRect(m_pane->filterModel()->index(row, RunsTableModel::Experiment));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, modifiers, rect.center());
}

QString TestRunsChartsView::uidOfRow(int row) const
{
    return m_pane->filterModel()->index(row, 0).data(RunsTableModel::UidRole).toString();
}

void TestRunsChartsView::selectedRunsOverlaidPerMetric()
{
    for (const QString &name : {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")})
        addRun(name, 50);
    openPane();
    QTRY_COMPARE(m_pane->filterModel()->rowCount(), 3);

    // Nothing selected: the Charts view shows the filtered runs, all three.
    QTest::mouseClick(child<QToolButton>(m_pane.get(), QStringLiteral("chartsViewButton")), Qt::LeftButton);
    QCOMPARE(child<QStackedWidget>(m_pane.get(), QStringLiteral("runsPages"))->currentWidget(), view());
    QTRY_VERIFY(!view()->isLoading());
    QTRY_VERIFY(view()->chart()->chart(QStringLiteral("Loss")) && view()->chart()->chart(QStringLiteral("Accuracy")));
    view()->chart()->refreshNow();
    for (const QString &metric : {QStringLiteral("Loss"), QStringLiteral("Accuracy")})
        QCOMPARE(view()->chart()->chart(metric)->series().size(), 3);

    // Rows 0 and 2 clicked in the table (Ctrl for the second): their lines, in their table colours, and no other.
    QTest::mouseClick(child<QToolButton>(m_pane.get(), QStringLiteral("tableViewButton")), Qt::LeftButton);
    clickRow(0);
    clickRow(2, Qt::ControlModifier);
    QCOMPARE(m_pane->selectedUids().size(), 2);
    QTest::mouseClick(child<QToolButton>(m_pane.get(), QStringLiteral("chartsViewButton")), Qt::LeftButton);
    QTRY_COMPARE(view()->runIds(), (QStringList{uidOfRow(0), uidOfRow(2)}));
    QTRY_VERIFY(!view()->isLoading());
    view()->chart()->refreshNow();
    for (const QString &metric : view()->chart()->chartNames()) {
        mldesk::ui::MetricChart *chart = view()->chart()->chart(metric);
        QCOMPARE(chart->series().size(), 2);
        for (int row : {0, 2}) {
            QLineSeries *line = chart->series(uidOfRow(row));
            QVERIFY2(line, qPrintable(uidOfRow(row)));
            QCOMPARE(line->count(), 50);
            const QVariant swatch = m_pane->filterModel()->index(row, RunsTableModel::Name).data(Qt::DecorationRole);
            QCOMPARE(line->pen().color(), swatch.value<QColor>());
        }
        QVERIFY(!chart->series(uidOfRow(1)));
    }
    QVERIFY(view()->chart()->chart(QStringLiteral("Loss"))->series(uidOfRow(0))->pen().color() !=
            view()->chart()->chart(QStringLiteral("Loss"))->series(uidOfRow(2))->pen().color());
}

void TestRunsChartsView::liveChunkAppearsOnce()
{
    const qint64 id = addRun(QStringLiteral("live"), 20);
    const QString uid = m_uids.value(id);
    openPane();
    m_pane->showCharts(true);
    QTRY_COMPARE(view()->runIds(), QStringList{uid});
    QTRY_VERIFY(!view()->isLoading());
    QTRY_VERIFY(view()->chart()->chart(QStringLiteral("Loss")));
    const mldesk::ui::MetricBuffer *loss = view()->chart()->buffer(uid, QStringLiteral("Loss"));
    QVERIFY(loss);
    QCOMPARE(loss->size(), 20);

    // The trainer logs three more steps: the store gets the chunk, the service delivers it (as RunService does,
    // read past its own watermark) - twice, as when two readers overlap. The store's chunk count is the truth.
    RunStore store(m_workspace->database());
    qint64 seq = store.metricSeq(id);
    appendChunk(id, QStringLiteral("Loss"), 20, 3, 9.0);
    const QList<mldesk::core::MetricPoint> points = store.metricsAfter(id, seq);
    QCOMPARE(points.size(), 3);
    emit m_pane->service()->metricsAppended(uid, points);
    emit m_pane->service()->metricsAppended(uid, points);
    QLineSeries *line = view()->chart()->chart(QStringLiteral("Loss"))->series(uid);
    QVERIFY(line);
    QTRY_VERIFY(line->count() > 0 && line->at(line->count() - 1).x() == 22.0); // drawn by the frame timer
    QCOMPARE(loss->size(), 23);
    QCOMPARE(line->count(), 23);
    QCOMPARE(line->at(22).y(), 9.0 / 23);

    // A chunk the view already holds (at or below its watermark) is not drawn again.
    emit m_pane->service()->metricsAppended(uid, store.metrics(id, QStringLiteral("Loss")));
    view()->chart()->refreshNow();
    QCOMPARE(loss->size(), 23);
}

void TestRunsChartsView::compareOpensLiveView()
{
    addRun(QStringLiteral("x"), 10);
    addRun(QStringLiteral("y"), 10);
    addRun(QStringLiteral("z"), 10);
    openPane();
    QTRY_COMPARE(m_pane->filterModel()->rowCount(), 3);
    clickRow(1);
    QVERIFY(!m_pane->compareSelected()); // one run: a message, not a view
    clickRow(2, Qt::ControlModifier);
    QTest::mouseClick(child<QPushButton>(m_pane.get(), QStringLiteral("compareButton")), Qt::LeftButton);
    QCOMPARE(child<QStackedWidget>(m_pane.get(), QStringLiteral("runsPages"))->currentWidget(), view());
    QVERIFY(child<QToolButton>(m_pane.get(), QStringLiteral("chartsViewButton"))->isChecked());
    QTRY_COMPARE(view()->runIds(), (QStringList{uidOfRow(1), uidOfRow(2)}));
    QTRY_VERIFY(!view()->isLoading());
    QTRY_VERIFY(view()->chart()->chart(QStringLiteral("Loss")));

    // Live: a point of one compared run arrives and shows.
    const QString uid = uidOfRow(2);
    const qint64 id = m_uids.key(uid);
    RunStore store(m_workspace->database());
    qint64 seq = store.metricSeq(id);
    appendChunk(id, QStringLiteral("Loss"), 10, 1, 5.0);
    emit m_pane->service()->metricsAppended(uid, store.metricsAfter(id, seq));
    QLineSeries *line = view()->chart()->chart(QStringLiteral("Loss"))->series(uid);
    QVERIFY(line);
    QTRY_VERIFY(line->count() == 11 && line->at(10).x() == 10.0);
}

QTEST_MAIN(TestRunsChartsView)
#include "TestRunsChartsView.moc"
