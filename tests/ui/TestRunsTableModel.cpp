// TestRunsTableModel: the Runs table's columns (issue 17 item 3) on a real workspace - hyperparameters from a run's
// arguments ("--name value", "--name=value", flags) and a sweep child's sampled values, last/min/max of each metric
// against the stored points (several chunks), the filter box's expressions (learning-rate<0.01, Accuracy>=0.88,
// state=Completed, tag:foo, combined by blanks and "and"), numeric-aware sort, and the column chooser: hides and
// shows through its dialog and header menu, remembered per experiment across panes.
#include "UiTestSupport.h"

#include "core/experiments/ExperimentStore.h"
#include "core/runs/RunStore.h"
#include "core/runs/RunTableData.h"
#include "core/store/Database.h"
#include "core/store/MetricChunks.h"
#include "core/workspace/Workspace.h"
#include "ui/models/RunsFilterModel.h"
#include "ui/models/RunsTableModel.h"
#include "ui/panes/RunsPane.h"
#include "ui/runs/RunColumnChooser.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDialog>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTreeWidget>

#include <cmath>

using mldesk::core::RunState;
using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::ui::RunColumnChooser;
using mldesk::ui::RunsPane;
using mldesk::ui::RunsTableModel;
using namespace Qt::StringLiterals;

class TestRunsTableModel final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void columnsComeFromArguments();
    void metricColumnsMatchStoredPoints();
    void filterExpressionsKeepTheRightRows_data();
    void filterExpressionsKeepTheRightRows();
    void filterErrorsAreShown();
    void sortIsNumericAware();
    void chooserHidesShowsAndRemembersPerExperiment();
    void liveUpdatesAddColumns();

private:
    qint64 addRun(const QString &experiment, const QString &name, const QStringList &arguments,
                  const QMap<QString, QString> &tags = {}, const QJsonObject &sweepValues = {},
                  RunState state = RunState::Completed);
    void addMetric(qint64 runId, const QString &name, const QList<double> &values);
    std::unique_ptr<RunsPane> openPane();
    QStringList shownNames(RunsPane &pane) const; // the filter proxy's rows' names, sorted

    QTemporaryDir m_settings;
    std::unique_ptr<QTemporaryDir> m_root;
    std::unique_ptr<Workspace> m_workspace;
    QHash<QString, qint64> m_experiments;
    int m_runs = 0;
};

void TestRunsTableModel::initTestCase()
{
    mldesk::test::isolateSettings(m_settings);
}

void TestRunsTableModel::init()
{
    m_root = std::make_unique<QTemporaryDir>();
    m_workspace = Workspace::create(m_root->filePath(u"ws"_s), u"test"_s);
    m_experiments.clear();
    m_runs = 0;
    // Three runs of keras (one a sweep child) and one of torch.
    QList<qint64> ids;
    ids << addRun(u"keras"_s, u"run 2"_s,
                  {u"--data-folder"_s, u"{dataset:mnist}"_s, u"--learning-rate"_s, u"0.001"_s, u"--batch-size=50"_s,
                   u"--augment"_s},
                  {{u"foo"_s, {}}, {u"stage"_s, u"dev"_s}});
    ids << addRun(u"keras"_s, u"run 10"_s, {u"--learning-rate"_s, u"0.05"_s, u"--batch-size"_s, u"100"_s},
                  {{u"stage"_s, u"prod"_s}}, {}, RunState::Failed);
    ids << addRun(u"keras"_s, u"trial 0"_s, {u"--learning-rate"_s, u"0.005"_s}, {},
                  QJsonObject{{u"learning_rate"_s, 0.005}, {u"momentum"_s, 0.9}});
    ids << addRun(u"torch"_s, u"torch a"_s, {u"--lr"_s, u"1e-4"_s, u"--optimizer"_s, u"adam"_s},
                  {{u"foo"_s, u"bar"_s}});
    // Accuracy: 0.9 / 0.7 / 0.88 last; Loss from 3 chunks on run 1.
    QList<double> loss;
    for (int i = 0; i < 5000; ++i)
        loss.append(2.0 - i * 0.0003 + (i == 1234 ? -1.5 : 0) + (i == 4321 ? 3.0 : 0));
    addMetric(ids[0], u"Loss"_s, loss);
    addMetric(ids[0], u"Accuracy"_s, {0.5, 0.95, 0.9});
    addMetric(ids[1], u"Accuracy"_s, {0.6, 0.7});
    addMetric(ids[2], u"Accuracy"_s, {0.88});
    addMetric(ids[3], u"Loss"_s, {0.4, 0.3});
}

void TestRunsTableModel::cleanup()
{
    m_workspace.reset();
    m_root.reset();
}

qint64 TestRunsTableModel::addRun(const QString &experiment, const QString &name, const QStringList &arguments,
                                  const QMap<QString, QString> &tags, const QJsonObject &sweepValues, RunState state)
{
    if (!m_experiments.contains(experiment))
        m_experiments.insert(experiment, mldesk::core::ExperimentStore(m_workspace->database()).create(experiment).id);
    mldesk::core::RunStore store(m_workspace->database());
    mldesk::core::RunStore::NewRun run;
    run.uid = u"%1_%2"_s.arg(experiment).arg(++m_runs);
    run.experimentId = m_experiments.value(experiment);
    run.displayName = name;
    run.configuration.insert(u"arguments"_s, QJsonArray::fromStringList(arguments));
    run.runDir = m_root->filePath(u"runs/"_s + run.uid);
    run.tags = tags;
    run.hyperparameters = sweepValues;
    const qint64 id = store.insert(run);
    store.transition(id, {RunState::Queued}, state);
    return id;
}

void TestRunsTableModel::addMetric(qint64 runId, const QString &name, const QList<double> &values)
{
    mldesk::core::MetricColumns s;
    s.name = name;
    for (int i = 0; i < values.size(); ++i) {
        s.steps.append(i);
        s.values.append(values[i]);
        s.times.append(1700000000000 + i);
    }
    mldesk::core::Database &db = m_workspace->database();
    db.writeTransaction([&] { mldesk::core::MetricChunks::append(db, runId, {s}); });
}

std::unique_ptr<RunsPane> TestRunsTableModel::openPane()
{
    auto pane = std::make_unique<RunsPane>();
    mldesk::core::RunServiceOptions options;
    options.schedule = false;
    options.gpus = QList<int>{};
    pane->setServiceOptions(options);
    pane->resize(1400, 700);
    pane->show();
    QSignalSpy loaded(pane.get(), &RunsPane::loaded); // the table loads on a worker thread
    pane->setWorkspace(m_workspace.get());
    if (loaded.isEmpty() && !loaded.wait(60000))
        QTest::qFail("the Runs pane did not load the workspace", __FILE__, __LINE__);
    return pane;
}

QStringList TestRunsTableModel::shownNames(RunsPane &pane) const
{
    QStringList names;
    QAbstractItemModel *proxy = pane.table()->model();
    for (int r = 0; r < proxy->rowCount(); ++r)
        names.append(proxy->index(r, RunsTableModel::Name).data().toString());
    names.sort();
    return names;
}

void TestRunsTableModel::columnsComeFromArguments()
{
    auto pane = openPane();
    RunsTableModel *model = pane->model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (const QString &key :
         {u"hp:data-folder"_s, u"hp:learning-rate"_s, u"hp:batch-size"_s, u"hp:augment"_s, u"hp:momentum"_s, u"hp:lr"_s,
          u"hp:optimizer"_s, u"metric:Loss:last"_s, u"metric:Loss:min"_s, u"metric:Accuracy:max"_s, u"tag:stage"_s})
        QVERIFY2(model->columnOf(key) >= 0, qPrintable(key));
    QVERIFY(model->columnOf(u"hp:learning_rate"_s) < 0); // the sweep value joined the argument's column
    const auto cell = [&](const QString &name, const QString &key) {
        return model->index(model->rowOf(name), model->columnOf(key)).data().toString();
    };
    QCOMPARE(cell(u"keras_1"_s, u"hp:learning-rate"_s), u"0.001"_s);
    QCOMPARE(cell(u"keras_1"_s, u"hp:batch-size"_s), u"50"_s); // --batch-size=50
    QCOMPARE(cell(u"keras_1"_s, u"hp:augment"_s), u"true"_s);  // a flag
    QCOMPARE(cell(u"keras_1"_s, u"hp:data-folder"_s), u"{dataset:mnist}"_s);
    QCOMPARE(cell(u"keras_2"_s, u"hp:batch-size"_s), u"100"_s);
    QCOMPARE(cell(u"keras_3"_s, u"hp:momentum"_s), u"0.9"_s); // a sweep child's sampled value
    QCOMPARE(cell(u"keras_3"_s, u"hp:learning-rate"_s), u"0.005"_s);
    QCOMPARE(cell(u"keras_3"_s, u"hp:batch-size"_s), QString());
    QCOMPARE(cell(u"torch_4"_s, u"hp:lr"_s), u"1e-4"_s); // as given
    QCOMPARE(cell(u"keras_1"_s, u"tag:stage"_s), u"dev"_s);
    // The header shows them (metric min/max and tag columns wait in the chooser).
    QHeaderView *header = pane->table()->horizontalHeader();
    QVERIFY(!header->isSectionHidden(model->columnOf(u"hp:learning-rate"_s)));
    QVERIFY(!header->isSectionHidden(model->columnOf(u"metric:Accuracy:last"_s)));
    QVERIFY(header->isSectionHidden(model->columnOf(u"metric:Accuracy:min"_s)));
    QVERIFY(header->isSectionHidden(model->columnOf(u"tag:stage"_s)));
    QCOMPARE(model->headerData(model->columnOf(u"metric:Loss:min"_s), Qt::Horizontal).toString(), u"Loss (min)"_s);
}

void TestRunsTableModel::metricColumnsMatchStoredPoints()
{
    auto pane = openPane();
    RunsTableModel *model = pane->model();
    mldesk::core::RunStore store(m_workspace->database());
    QVERIFY(mldesk::core::MetricChunks::chunksAfter(m_workspace->database(), model->run(model->rowOf(u"keras_1"_s)).id,
                                                    0, u"Loss"_s)
                .size() >= 3);
    for (int row = 0; row < model->rowCount(); ++row) {
        const qint64 id = model->run(row).id;
        QHash<QString, QList<mldesk::core::MetricPoint>> byName;
        for (const mldesk::core::MetricPoint &p : store.metrics(id))
            byName[p.name].append(p);
        for (const QString &name : {u"Loss"_s, u"Accuracy"_s}) {
            const auto value = [&](const char *stat) {
                return model->index(row, model->columnOf(u"metric:%1:%2"_s.arg(name, QLatin1String(stat))))
                    .data(RunsTableModel::SortRole);
            };
            const QList<mldesk::core::MetricPoint> points = byName.value(name);
            if (points.isEmpty()) {
                QVERIFY(!value("last").isValid());
                QCOMPARE(model->index(row, model->columnOf(u"metric:%1:last"_s.arg(name))).data().toString(),
                         QString());
                continue;
            }
            double lo = points[0].value, hi = points[0].value;
            const mldesk::core::MetricPoint *last = &points[0];
            for (const auto &p : points) {
                lo = std::min(lo, p.value);
                hi = std::max(hi, p.value);
                if (p.step >= last->step)
                    last = &p;
            }
            QCOMPARE(value("last").toDouble(), last->value);
            QCOMPARE(value("min").toDouble(), lo);
            QCOMPARE(value("max").toDouble(), hi);
        }
    }
    const int row = model->rowOf(u"keras_1"_s);
    QCOMPARE(model->index(row, model->columnOf(u"metric:Loss:min"_s)).data(RunsTableModel::SortRole).toDouble(),
             2.0 - 1234 * 0.0003 - 1.5); // the spike in the first chunk survives
    QCOMPARE(model->index(row, model->columnOf(u"metric:Loss:max"_s)).data(RunsTableModel::SortRole).toDouble(),
             2.0 - 4321 * 0.0003 + 3.0); // and the one in the third
    QCOMPARE(model->index(row, model->columnOf(u"metric:Accuracy:max"_s)).data().toString(), u"0.95"_s);
}

void TestRunsTableModel::filterExpressionsKeepTheRightRows_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QStringList>("names");
    QTest::newRow("hyperparameter <") << u"learning-rate<0.01"_s << QStringList{u"trial 0"_s, u"run 2"_s};
    QTest::newRow("with dashes") << u"--learning-rate>=0.005"_s << QStringList{u"trial 0"_s, u"run 10"_s};
    QTest::newRow("metric last") << u"Accuracy>=0.88"_s << QStringList{u"trial 0"_s, u"run 2"_s};
    QTest::newRow("metric max") << u"accuracy.max>0.9"_s << QStringList{u"run 2"_s};
    QTest::newRow("metric min quoted") << u"\"Loss (min)\"<0.5"_s << QStringList{u"torch a"_s, u"run 2"_s};
    QTest::newRow("state") << u"state=completed"_s << QStringList{u"torch a"_s, u"trial 0"_s, u"run 2"_s};
    QTest::newRow("tag set") << u"tag:foo"_s << QStringList{u"torch a"_s, u"run 2"_s};
    QTest::newRow("tag value") << u"tag:stage=prod"_s << QStringList{u"run 10"_s};
    QTest::newRow("blank separates") << u"learning-rate<0.01 state=Completed Accuracy>0.89"_s
                                     << QStringList{u"run 2"_s};
    QTest::newRow("and") << u"batch-size>=50 and Accuracy<0.8"_s << QStringList{u"run 10"_s};
    QTest::newRow("contains") << u"name~run"_s << QStringList{u"run 10"_s, u"run 2"_s};
    QTest::newRow("text value") << u"optimizer=adam"_s << QStringList{u"torch a"_s};
    QTest::newRow("missing never matches") << u"momentum!=1"_s << QStringList{u"trial 0"_s};
    QTest::newRow("free text") << u"torch"_s << QStringList{u"torch a"_s};
}

void TestRunsTableModel::filterExpressionsKeepTheRightRows()
{
    QFETCH(QString, expression);
    QFETCH(QStringList, names);
    auto pane = openPane();
    auto *box = child<QLineEdit>(pane.get(), u"runFilter"_s);
    QVERIFY(box);
    box->setFocus();
    QTest::keyClicks(box, expression);
    QCOMPARE(box->text(), expression);
    names.sort();
    QTRY_COMPARE(shownNames(*pane), names);
    QVERIFY2(child<QLabel>(pane.get(), u"runFilterError"_s)->isHidden(),
             qPrintable(child<QLabel>(pane.get(), u"runFilterError"_s)->text()));
    box->clear();
    QCOMPARE(pane->table()->model()->rowCount(), 4);
}

void TestRunsTableModel::filterErrorsAreShown()
{
    auto pane = openPane();
    auto *box = child<QLineEdit>(pane.get(), u"runFilter"_s);
    auto *error = child<QLabel>(pane.get(), u"runFilterError"_s);
    box->setText(u"learning-rate<high"_s);
    QVERIFY(!error->isHidden());
    QVERIFY2(error->text().contains(u"'high' is not a number"_s), qPrintable(error->text()));
    QVERIFY(error->text().contains(u"column 15"_s));
    QCOMPARE(pane->table()->model()->rowCount(), 4); // a wrong filter filters nothing out
    box->setText(u"dropout>0.1"_s);
    QVERIFY2(error->text().contains(u"dropout"_s), qPrintable(error->text()));
    QCOMPARE(pane->table()->model()->rowCount(), 0);
    box->setText(u"learning-rate>0"_s);
    QVERIFY(error->isHidden());
    QCOMPARE(pane->table()->model()->rowCount(), 3);
}

void TestRunsTableModel::sortIsNumericAware()
{
    addRun(u"keras"_s, u"run 1"_s, {u"--learning-rate"_s, u"1e-4"_s});
    auto pane = openPane();
    RunsTableModel *model = pane->model();
    QTableView *table = pane->table();
    QAbstractItemModel *proxy = table->model();
    const int lr = model->columnOf(u"hp:learning-rate"_s);
    const auto column = [&](int c) {
        QStringList cells;
        for (int r = 0; r < proxy->rowCount(); ++r)
            cells.append(proxy->index(r, c).data().toString());
        return cells;
    };
    // Clicking the header sorts; numbers by value (1e-4 < 0.001 < 0.005 < 0.05), runs without one last.
    table->sortByColumn(lr, Qt::AscendingOrder);
    QCOMPARE(column(lr), (QStringList{u"1e-4"_s, u"0.001"_s, u"0.005"_s, u"0.05"_s, QString()}));
    table->sortByColumn(lr, Qt::DescendingOrder);
    QCOMPARE(column(lr), (QStringList{u"0.05"_s, u"0.005"_s, u"0.001"_s, u"1e-4"_s, QString()}));
    // Names: "run 2" before "run 10".
    table->sortByColumn(RunsTableModel::Name, Qt::AscendingOrder);
    QCOMPARE(column(RunsTableModel::Name),
             (QStringList{u"run 1"_s, u"run 2"_s, u"run 10"_s, u"torch a"_s, u"trial 0"_s}));
    const int accuracy = model->columnOf(u"metric:Accuracy:last"_s);
    table->sortByColumn(accuracy, Qt::DescendingOrder);
    QCOMPARE(column(accuracy), (QStringList{u"0.9"_s, u"0.88"_s, u"0.7"_s, QString(), QString()}));
}

void TestRunsTableModel::chooserHidesShowsAndRemembersPerExperiment()
{
    const QString minKey = u"metric:Accuracy:min"_s;
    const QString lrKey = u"hp:learning-rate"_s;
    {
        auto pane = openPane();
        RunsTableModel *model = pane->model();
        QHeaderView *header = pane->table()->horizontalHeader();
        auto *experiment = child<QComboBox>(pane.get(), u"experimentFilter"_s);
        experiment->setCurrentIndex(experiment->findData(u"keras"_s));
        QCOMPARE(pane->columnChooser()->experiment(), u"keras"_s);

        // The dialog: search "min", show what is listed; untick learning-rate.
        QTest::mouseClick(child<QPushButton>(pane.get(), u"runColumnsButton"_s), Qt::LeftButton);
        QDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = pane->window()->findChild<QDialog *>(u"runColumnsDialog"_s)));
        QTest::keyClicks(child<QLineEdit>(dialog, u"columnSearch"_s), u"(min)"_s);
        QTest::mouseClick(child<QPushButton>(dialog, u"showListedColumns"_s), Qt::LeftButton);
        QVERIFY(!header->isSectionHidden(model->columnOf(minKey)));
        QVERIFY(!header->isSectionHidden(model->columnOf(u"metric:Loss:min"_s)));
        QVERIFY(header->isSectionHidden(model->columnOf(u"metric:Loss:max"_s)));
        child<QLineEdit>(dialog, u"columnSearch"_s)->clear();
        auto *tree = child<QTreeWidget>(dialog, u"columnTree"_s);
        const QList<QTreeWidgetItem *> items =
            tree->findItems(u"learning-rate"_s, Qt::MatchExactly | Qt::MatchRecursive);
        QCOMPARE(items.size(), 1);
        items.first()->setCheckState(0, Qt::Unchecked);
        QVERIFY(header->isSectionHidden(model->columnOf(lrKey)));
        dialog->close();

        // The header's menu: hide "batch-size" under the mouse, then show it again from the group.
        const int batch = model->columnOf(u"hp:batch-size"_s);
        std::unique_ptr<QMenu> menu(pane->columnChooser()->createMenu(batch, header));
        QAction *hide = menu->findChild<QAction *>(u"hideColumnAction"_s);
        QVERIFY(hide);
        hide->trigger();
        QVERIFY(header->isSectionHidden(batch));
        menu.reset(pane->columnChooser()->createMenu(-1, header));
        QAction *batchAction = nullptr;
        for (QAction *a : menu->findChildren<QAction *>()) {
            if (a->data().toString() == u"hp:batch-size"_s)
                batchAction = a;
        }
        QVERIFY(batchAction && !batchAction->isChecked());
        batchAction->trigger();
        QVERIFY(!header->isSectionHidden(batch));

        // Another experiment has its own set (the defaults); back to keras: as chosen.
        experiment->setCurrentIndex(experiment->findData(u"torch"_s));
        QVERIFY(header->isSectionHidden(model->columnOf(minKey)));
        QVERIFY(!header->isSectionHidden(model->columnOf(lrKey)));
        experiment->setCurrentIndex(experiment->findData(u"keras"_s));
        QVERIFY(!header->isSectionHidden(model->columnOf(minKey)));
        QVERIFY(header->isSectionHidden(model->columnOf(lrKey)));
    }
    // A new pane (the next start) remembers it.
    auto pane = openPane();
    auto *experiment = child<QComboBox>(pane.get(), u"experimentFilter"_s);
    experiment->setCurrentIndex(experiment->findData(u"keras"_s));
    QHeaderView *header = pane->table()->horizontalHeader();
    QVERIFY(!header->isSectionHidden(pane->model()->columnOf(minKey)));
    QVERIFY(header->isSectionHidden(pane->model()->columnOf(lrKey)));
    // ...also after a reload (the model resets its columns).
    pane->setWorkspace(m_workspace.get());
    QVERIFY(header->isSectionHidden(pane->model()->columnOf(lrKey)));
    pane->columnChooser()->resetToDefaults();
    QVERIFY(!header->isSectionHidden(pane->model()->columnOf(lrKey)));
}

void TestRunsTableModel::liveUpdatesAddColumns()
{
    RunsTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    mldesk::ui::RunsFilterModel filter;
    filter.setSourceModel(&model);
    QAbstractItemModelTester proxyTester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(filter.setText(u"dropout>0.2"_s).isEmpty(), false); // no such column yet
    mldesk::core::RunRecord a;
    a.id = 1;
    a.uid = u"a"_s;
    a.configuration.insert(u"arguments"_s, QJsonArray{u"--dropout"_s, u"0.5"_s});
    model.upsert(a);
    QVERIFY(model.columnOf(u"hp:dropout"_s) >= 0);
    QCOMPARE(filter.rowCount(), 1); // the filter found its column when it came
    QVERIFY(filter.textError().isEmpty());
    model.addMetrics(u"a"_s, {{u"Loss"_s, 0, 0.5, 0, {}}, {u"Loss"_s, 1, 0.2, 0, {}}, {u"Loss"_s, 2, 0.3, 0, {}}});
    const auto value = [&](const QString &key) {
        return model.index(0, model.columnOf(key)).data(RunsTableModel::SortRole).toDouble();
    };
    QCOMPARE(value(u"metric:Loss:last"_s), 0.3);
    QCOMPARE(value(u"metric:Loss:min"_s), 0.2);
    QCOMPARE(value(u"metric:Loss:max"_s), 0.5);
    mldesk::core::RunRecord b = a;
    b.id = 2;
    b.uid = u"b"_s;
    b.configuration.insert(u"arguments"_s, QJsonArray{u"--dropout=0.1"_s, u"--seed"_s, u"3"_s});
    model.upsert(b);
    QCOMPARE(model.rowOf(u"b"_s), 0);
    QVERIFY(model.columnOf(u"hp:seed"_s) >= 0);
    QCOMPARE(filter.rowCount(), 1);
    QVERIFY(!model.index(0, model.columnOf(u"metric:Loss:last"_s)).data(RunsTableModel::SortRole).isValid());
}

QTEST_MAIN(TestRunsTableModel)
#include "TestRunsTableModel.moc"
