// TestRunsPane: the seed preset submitted through the dialog on small synthetic data - the run appears, goes to
// Running, its Metrics tab's Loss series gains points live, the log view shows the Keras-style epoch lines, it
// ends Completed with its outputs listed. Validation problems show in the dialog; Clone pre-fills it; the runs
// model and its filter pass QAbstractItemModelTester at 10,000 rows (Compare: TestRunsChartsView).
// Issue 7's end-to-end check: the completed run's model folder is downloaded from its Outputs tab and registered as a
// model there; the Models pane lists it and downloads it into a temp folder, byte for byte the run's outputs.
// The Snapshot tab lists the source files read-only; the Images tab shows the images a run logged.
// The submit dialog lists Slurm targets beside local with their type; a problem with one shows under Compute.
// A run's note (set while a Slurm cluster cannot be reached) shows in its details and the state cell, and goes.
#include "UiTestSupport.h"

#include "../core/RunTestSupport.h"

#include "core/compute/ComputeTargetRegistry.h"
#include "core/experiments/ExperimentStore.h"
#include "core/runs/RunService.h"
#include "core/runs/RunStore.h"
#include "core/workspace/Workspace.h"
#include "ui/charts/LiveChart.h"
#include "ui/dialogs/RegisterModelDialog.h"
#include "ui/logs/LogView.h"
#include "ui/models/RunsFilterModel.h"
#include "ui/models/RunsTableModel.h"
#include "ui/models/TableModel.h"
#include "ui/panes/ModelsPane.h"
#include "ui/panes/RunsPane.h"
#include "ui/runs/RunDetails.h"
#include "ui/runs/RunImages.h"
#include "ui/runs/RunOutputs.h"
#include "ui/runs/RunSnapshot.h"
#include "ui/runs/SubmitRunDialog.h"
#include "ui/widgets/JobStatus.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QImage>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTreeWidget>

using mldesk::core::RunRecord;
using mldesk::core::RunState;
using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::ui::RunsPane;
using mldesk::ui::RunsTableModel;
using mldesk::ui::SubmitRunDialog;

class TestRunsPane final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void seedPresetRunsLive();
    void submitShowsProblems();
    void submitListsSlurmTargets();
    void detailsShowSnapshotAndImages();
    void runNoteShowsAndClears();
    void modelPassesTesterAt10kRuns();

private:
    SubmitRunDialog *openSubmit(RunsPane &pane);
    void registerAndDownloadModel(RunsPane &pane, const QString &uid);
    QTemporaryDir m_settings;
    std::unique_ptr<QTemporaryDir> m_root;
    std::unique_ptr<Workspace> m_workspace;
};

void TestRunsPane::initTestCase()
{
    mldesk::test::isolateSettings(m_settings);
}

void TestRunsPane::init()
{
    m_root = std::make_unique<QTemporaryDir>();
    m_workspace = Workspace::create(m_root->filePath(QStringLiteral("ws")), QStringLiteral("test"));
}

SubmitRunDialog *TestRunsPane::openSubmit(RunsPane &pane)
{
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("submitRunButton")), Qt::LeftButton);
    return pane.findChild<SubmitRunDialog *>(QStringLiteral("submitRunDialog"));
}

void TestRunsPane::seedPresetRunsLive()
{
    const QString data = m_root->filePath(QStringLiteral("mnist"));
    mldesk::test::writeSyntheticMnist(data);
    mldesk::test::registerFolder(*m_workspace, QStringLiteral("fashion-mnist"), data);

    RunsPane pane;
    mldesk::core::RunServiceOptions options;
    options.gpus = QList<int>{}; // the CPU: the same on every machine
    pane.setServiceOptions(options);
    pane.setWorkspace(m_workspace.get());
    QAbstractItemModelTester tester(pane.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    pane.resize(1100, 800);
    pane.show();

    SubmitRunDialog *dialog = openSubmit(pane);
    QVERIFY(dialog);
    auto *args = child<QLineEdit>(dialog, QStringLiteral("argumentsEdit"));
    QVERIFY2(args->text().contains(QStringLiteral("{dataset:fashion-mnist:mount}")), qPrintable(args->text()));
    QVERIFY(args->text().contains(QStringLiteral("--first-layer-neurons 300")));
    args->setText(args->text().replace(QStringLiteral("--epochs 20"), QStringLiteral("--epochs 4")));
    QCOMPARE(child<QComboBox>(dialog, QStringLiteral("environmentCombo"))->currentText(),
             QStringLiteral("MLDesk-Native"));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("submitButton")), Qt::LeftButton);
    QVERIFY2(dialog->problemsText().isEmpty(), qPrintable(dialog->problemsText()));

    QTRY_COMPARE(pane.model()->rowCount(), 1);
    const QString uid = pane.model()->run(0).uid;
    mldesk::ui::RunDetails *details = pane.details(uid);
    QVERIFY(details); // opened on submit, before any metric existed: every point below arrived live
    QTRY_VERIFY_WITH_TIMEOUT(pane.model()->run(0).state >= RunState::Running, 30000);

    QTRY_VERIFY_WITH_TIMEOUT(details->chart()->chart(QStringLiteral("Loss")), 60000);
    QLineSeries *loss = details->chart()->chart(QStringLiteral("Loss"))->series(uid);
    QVERIFY(loss);
    const int first = int(loss->count());
    QTRY_VERIFY_WITH_TIMEOUT(loss->count() > first || loss->count() >= 4, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(details->logView()->text().contains(QStringLiteral("Epoch 1/4")), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(pane.model()->run(0).state == RunState::Completed, 120000);
    QTRY_COMPARE(loss->count(), 4);
    QVERIFY(details->chart()->chart(QStringLiteral("Accuracy")));
    QTRY_VERIFY(details->logView()->text().contains(QStringLiteral("Epoch 4/4")));
    QCOMPARE(details->chart()->chartNames().value(0), QStringLiteral("Loss"));

    auto *outputs = child<QTreeWidget>(details, QStringLiteral("outputsTree"));
    QTRY_VERIFY(!outputs->findItems(QStringLiteral("model.json"), Qt::MatchRecursive | Qt::MatchExactly).isEmpty());
    registerAndDownloadModel(pane, uid);

    // Clone: the dialog comes back with the same configuration.
    child<QTableView>(&pane, QStringLiteral("runsTable"))->selectRow(0);
    SubmitRunDialog *clone = pane.cloneSelected();
    QVERIFY(clone);
    QVERIFY(child<QLineEdit>(clone, QStringLiteral("argumentsEdit"))->text().contains(QStringLiteral("--epochs 4")));
    clone->reject();

    // Ctrl+W closes the details tab (MainWindow's Edit > Close Tab calls this).
    pane.closeCurrentTab();
    QVERIFY(!pane.details(uid));
}

namespace {

// Relative path -> content of every file under folder.
QMap<QString, QByteArray> filesUnder(const QString &folder)
{
    QMap<QString, QByteArray> files;
    QDirIterator it(folder, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        if (f.open(QIODevice::ReadOnly))
            files.insert(QDir(folder).relativeFilePath(path), f.readAll());
    }
    return files;
}

} // namespace

void TestRunsPane::registerAndDownloadModel(RunsPane &pane, const QString &uid)
{
    mldesk::ui::RunDetails *details = pane.details(uid);
    QVERIFY(details);
    const QString runModel = QDir(details->run().runDir).filePath(QStringLiteral("outputs/model"));
    const QMap<QString, QByteArray> expected = filesUnder(runModel);
    QVERIFY2(expected.contains(QStringLiteral("model.json")) && expected.contains(QStringLiteral("model.h5")),
             qPrintable(QStringList(expected.keys()).join(u',')));
    details->tabs()->setCurrentWidget(details->outputs());
    mldesk::ui::RunOutputs *outputs = details->outputs();

    // Download the folder from the Outputs tab: it arrives as model/ in the chosen folder.
    const QString runCopy = m_root->filePath(QStringLiteral("run-copy"));
    outputs->setFolderChooser([&](QWidget *, const QString &) { return runCopy; });
    QVERIFY(outputs->select(QStringLiteral("outputs/model")));
    QTest::mouseClick(child<QPushButton>(outputs, QStringLiteral("downloadOutputButton")), Qt::LeftButton);
    QTRY_VERIFY(!outputs->jobStatus()->isRunning());
    QVERIFY2(outputs->jobStatus()->message().contains(QStringLiteral("verified")),
             qPrintable(outputs->jobStatus()->message()));
    QCOMPARE(filesUnder(runCopy + QStringLiteral("/model")), expected);

    // Register Model... on the folder.
    QSignalSpy registered(&pane, &RunsPane::modelRegistered);
    auto *registerButton = child<QPushButton>(outputs, QStringLiteral("registerModelButton"));
    QVERIFY(registerButton->isEnabled());
    QTest::mouseClick(registerButton, Qt::LeftButton);
    auto *dialog = outputs->findChild<mldesk::ui::RegisterModelDialog *>(QStringLiteral("registerModelDialog"));
    QVERIFY(dialog);
    auto *name = child<QComboBox>(dialog, QStringLiteral("modelNameCombo"));
    name->setEditText(QStringLiteral("bad name"));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("registerButton")), Qt::LeftButton);
    QVERIFY2(dialog->errorText().contains(QStringLiteral("bad name")), qPrintable(dialog->errorText()));
    name->setEditText(QStringLiteral("keras-mlp"));
    child<QLineEdit>(dialog, QStringLiteral("modelTagsEdit"))->setText(QStringLiteral("stage=dev"));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("registerButton")), Qt::LeftButton);
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QCOMPARE(registered.count(), 1);
    const auto version = registered.constFirst().constFirst().value<mldesk::core::ModelVersion>();
    QCOMPARE(version.qualifiedName(), QStringLiteral("keras-mlp:1"));

    // The Models pane lists it with its lineage and downloads it, byte for byte the run's outputs.
    mldesk::ui::ModelsPane models;
    const QString modelCopy = m_root->filePath(QStringLiteral("model-copy"));
    models.setFolderChooser([&](QWidget *, const QString &) { return modelCopy; });
    QSignalSpy lineageLoaded(&models, &mldesk::ui::ModelsPane::lineageLoaded);
    models.setWorkspace(m_workspace.get());
    models.show();
    QTRY_COMPARE(lineageLoaded.count(), 1); // the list, the versions, then the lineage: read off the GUI thread
    QCOMPARE(models.modelsModel()->rowCount(), 1);
    QCOMPARE(models.currentVersion()->qualifiedName(), QStringLiteral("keras-mlp:1"));
    QCOMPARE(models.currentVersion()->framework, QStringLiteral("Keras"));
    QCOMPARE(models.currentVersion()->tags.value(QStringLiteral("stage")), QStringLiteral("dev"));
    QVERIFY(models.currentVersion()->properties.contains(QStringLiteral("Final test accuracy")));
    auto *lineage = child<QTextBrowser>(&models, QStringLiteral("modelLineage"));
    QVERIFY2(lineage->toHtml().contains(QStringLiteral("run:") + uid), qPrintable(lineage->toHtml()));
    QVERIFY2(lineage->toPlainText().contains(QStringLiteral("fashion-mnist:1")), qPrintable(lineage->toPlainText()));
    QSignalSpy openRun(&models, &mldesk::ui::ModelsPane::openRunRequested);
    QSignalSpy openDataset(&models, &mldesk::ui::ModelsPane::openDatasetRequested);
    emit lineage->anchorClicked(QUrl(QStringLiteral("run:") + uid));
    emit lineage->anchorClicked(QUrl(QStringLiteral("dataset:fashion-mnist:1")));
    QCOMPARE(openRun.count(), 1);
    QCOMPARE(openRun.constFirst().constFirst().toString(), uid);
    QCOMPARE(openDataset.count(), 1);
    QCOMPARE(openDataset.constFirst().value(0).toString(), QStringLiteral("fashion-mnist"));
    QCOMPARE(openDataset.constFirst().value(1).toInt(), 1);

    QTest::mouseClick(child<QPushButton>(&models, QStringLiteral("downloadModelButton")), Qt::LeftButton);
    QTRY_VERIFY(!models.jobStatus()->isRunning());
    QVERIFY2(models.jobStatus()->message().contains(QStringLiteral("verified")),
             qPrintable(models.jobStatus()->message()));
    QCOMPARE(filesUnder(modelCopy), expected);
}

void TestRunsPane::detailsShowSnapshotAndImages()
{
    // A run directory as a finished run leaves it: a snapshot of its source and an image it logged.
    const QString runDir = m_root->filePath(QStringLiteral("runs/r1"));
    mldesk::test::writeText(runDir + QStringLiteral("/snapshot/train.py"), QStringLiteral("print('hello')\n"));
    mldesk::test::writeText(runDir + QStringLiteral("/snapshot/utils/data.py"), QStringLiteral("X = 1\n"));
    QDir().mkpath(runDir + QStringLiteral("/outputs/images"));
    QImage image(64, 48, QImage::Format_RGB32);
    image.fill(Qt::darkCyan);
    QVERIFY(image.save(runDir + QStringLiteral("/outputs/images/confusion_0.png")));
    RunRecord run;
    run.uid = QStringLiteral("r1");
    run.state = RunState::Completed;
    run.runDir = runDir;
    mldesk::ui::RunDetails details(run);
    details.show();
    QCOMPARE(details.images()->count(), 0);
    mldesk::core::MetricPoint point{QStringLiteral("Confusion matrix"), 0, std::nan(""), 1700000000000,
                                    QStringLiteral("outputs/images/confusion_0.png")};
    details.addMetrics({point, {QStringLiteral("Loss"), 0, 0.5, 1700000000000, {}}});
    details.addMetrics({point}); // delivered twice (e.g. a re-read): shown once
    QCOMPARE(details.images()->count(), 1);
    QListWidgetItem *item = details.images()->list()->item(0);
    QVERIFY(item->text().contains(QStringLiteral("Confusion matrix")));
    QTRY_VERIFY(!item->icon().isNull()); // read and scaled on a worker
    details.chart()->refreshNow();
    QVERIFY(!details.chart()->chartNames().contains(QStringLiteral("Confusion matrix"))); // images are not charted

    details.tabs()->setCurrentWidget(details.snapshot());
    QCOMPARE(details.snapshot()->files(), (QStringList{QStringLiteral("train.py"), QStringLiteral("utils/data.py")}));
    auto *viewer = child<QPlainTextEdit>(&details, QStringLiteral("snapshotViewer"));
    QVERIFY(viewer->isReadOnly());
    QCOMPARE(viewer->toPlainText(), QStringLiteral("print('hello')\n"));
    QVERIFY(details.snapshot()->open(QStringLiteral("utils/data.py")));
    QCOMPARE(details.snapshot()->viewerText(), QStringLiteral("X = 1\n"));

    // Register Model needs a Completed run and a folder; Download takes any file or folder.
    RunRecord running = run;
    running.state = RunState::Running;
    running.outputs = {{QStringLiteral("outputs/model/model.json"), QString(64, u'a'), 3}};
    mldesk::ui::RunDetails active(running);
    active.setWorkspace(m_workspace.get());
    auto *registerButton = child<QPushButton>(&active, QStringLiteral("registerModelButton"));
    auto *downloadButton = child<QPushButton>(&active, QStringLiteral("downloadOutputButton"));
    QCOMPARE(active.outputs()->selectedPath(), QStringLiteral("outputs/model")); // preselected
    QVERIFY(downloadButton->isEnabled());
    QVERIFY(!registerButton->isEnabled());
    running.state = RunState::Completed;
    active.setRun(running);
    QCOMPARE(active.outputs()->selectedPath(), QStringLiteral("outputs/model")); // kept across the refresh
    QVERIFY(registerButton->isEnabled());
    QVERIFY(active.outputs()->select(QStringLiteral("outputs/model/model.json")));
    QVERIFY(!registerButton->isEnabled()); // a file: select the folder that holds the model
}

void TestRunsPane::runNoteShowsAndClears()
{
    // A queued run already in the workspace (scheduling off: it stays Queued).
    mldesk::core::RunStore store(m_workspace->database());
    const qint64 experimentId =
        mldesk::core::ExperimentStore(m_workspace->database()).create(QStringLiteral("notes")).id;
    mldesk::core::RunStore::NewRun newRun;
    newRun.uid = QStringLiteral("noted_run");
    newRun.experimentId = experimentId;
    newRun.runDir = m_root->filePath(QStringLiteral("runs/noted_run"));
    const qint64 id = store.insert(newRun);

    RunsPane pane;
    mldesk::core::RunServiceOptions options;
    options.gpus = QList<int>{};
    options.schedule = false;
    pane.setServiceOptions(options);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QTRY_VERIFY(pane.model()->rowOf(newRun.uid) >= 0); // the reload answers off the GUI thread
    const int row = pane.model()->rowOf(newRun.uid);
    const QModelIndex stateCell = pane.model()->index(row, RunsTableModel::State);
    QCOMPARE(stateCell.data(Qt::ToolTipRole), QVariant());
    QCOMPARE(stateCell.data().toString(), QStringLiteral("Queued"));
    mldesk::ui::RunDetails *details = pane.openDetails(newRun.uid);
    QVERIFY(details);
    QLabel *note = details->noteLabel();
    QCOMPARE(note, child<QLabel>(details, QStringLiteral("runNote")));
    QVERIFY(note->isHidden());

    // What RunService::setTargetNote does: the column in the store, then the signal with the updated record.
    auto setNote = [&](const QString &text) {
        store.setColumns(id, {{QStringLiteral("backend_note"), text}});
        const auto run = store.find(newRun.uid);
        QVERIFY(run);
        QCOMPARE(run->note, text);
        emit pane.service()->runNoteChanged(*run);
    };
    const QString text = QStringLiteral("cluster unreachable, retrying in 30 s");
    setNote(text);
    QVERIFY(!note->isHidden());
    QVERIFY(note->text().contains(text));
    QCOMPARE(stateCell.data(Qt::ToolTipRole).toString(), text);
    QVERIFY(stateCell.data().toString().startsWith(QStringLiteral("Queued")));
    QVERIFY(stateCell.data().toString() != QStringLiteral("Queued")); // the warning sign
    QVERIFY(child<QTextBrowser>(details, QStringLiteral("overviewText"))->toPlainText().contains(text));

    setNote(QString());
    QVERIFY(note->isHidden());
    QCOMPARE(stateCell.data(Qt::ToolTipRole), QVariant());
    QCOMPARE(stateCell.data().toString(), QStringLiteral("Queued"));
    QVERIFY(!child<QTextBrowser>(details, QStringLiteral("overviewText"))->toPlainText().contains(text));
}

void TestRunsPane::submitShowsProblems()
{
    RunsPane pane;
    mldesk::core::RunServiceOptions options;
    options.gpus = QList<int>{};
    options.schedule = false;
    pane.setServiceOptions(options);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    SubmitRunDialog *dialog = openSubmit(pane);
    QVERIFY(dialog);
    child<QComboBox>(dialog, QStringLiteral("experimentCombo"))->setEditText(QStringLiteral("bad name!"));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("submitButton")), Qt::LeftButton);
    const QString problems = dialog->problemsText();
    QVERIFY2(problems.contains(QStringLiteral("bad name!")), qPrintable(problems));
    QVERIFY2(problems.contains(QStringLiteral("fashion-mnist")), qPrintable(problems)); // no such dataset
    QVERIFY(child<QLabel>(dialog, QStringLiteral("problemsLabel"))->isVisible());
    // Each next to its field.
    QVERIFY2(dialog->fieldProblem(QStringLiteral("experiment")).contains(QStringLiteral("bad name!")),
             qPrintable(dialog->fieldProblem(QStringLiteral("experiment"))));
    QVERIFY(child<QLabel>(dialog, QStringLiteral("experimentProblem"))->isVisible());
    QVERIFY2(dialog->fieldProblem(QStringLiteral("arguments")).contains(QStringLiteral("fashion-mnist")),
             qPrintable(dialog->fieldProblem(QStringLiteral("arguments"))));
    QVERIFY(dialog->fieldProblem(QStringLiteral("compute")).isEmpty());
    QVERIFY(dialog->isVisible());
    QCOMPARE(pane.model()->rowCount(), 0);
}

void TestRunsPane::submitListsSlurmTargets()
{
    mldesk::core::SlurmTargetConfig config;
    config.url = QStringLiteral("http://127.0.0.1:6820");
    config.user = QStringLiteral("alice");
    config.partition = QStringLiteral("debug");
    config.nodesMax = 2;
    config.tokenEnv = QStringLiteral("SLURM_JWT");
    config.sharedDirLocal = m_root->filePath(QStringLiteral("not-mounted"));
    QVERIFY(QDir().mkpath(config.sharedDirLocal));
    mldesk::core::ComputeTargetRegistry(m_workspace->database()).createSlurm(QStringLiteral("hpc"), config);
    QVERIFY(QDir(config.sharedDirLocal).removeRecursively()); // unmounted since

    RunsPane pane;
    mldesk::core::RunServiceOptions options;
    options.gpus = QList<int>{};
    options.schedule = false;
    pane.setServiceOptions(options);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    SubmitRunDialog *dialog = openSubmit(pane);
    QVERIFY(dialog);
    auto *compute = child<QComboBox>(dialog, QStringLiteral("computeCombo"));
    QCOMPARE(compute->count(), 2);
    QCOMPARE(compute->currentData().toString(), QStringLiteral("local")); // the preset's
    QCOMPARE(compute->itemText(0), QStringLiteral("local (local)"));
    const int hpc = compute->findData(QStringLiteral("hpc"));
    QVERIFY(hpc >= 0);
    QCOMPARE(compute->itemText(hpc), QStringLiteral("hpc (slurm)"));
    compute->setCurrentIndex(hpc);
    const QString info = child<QLabel>(dialog, QStringLiteral("computeInfoLabel"))->text();
    QVERIFY2(info.contains(QStringLiteral("Slurm cluster at http://127.0.0.1:6820")) &&
                 info.contains(QStringLiteral("partition debug")) && info.contains(QStringLiteral("1-2 node")),
             qPrintable(info));
    QCOMPARE(dialog->request().compute, QStringLiteral("hpc"));

    // The target's shared folder is missing here: core's reason, under Compute; nothing submitted.
    child<QLineEdit>(dialog, QStringLiteral("argumentsEdit"))->setText(QStringLiteral("--epochs 1"));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("submitButton")), Qt::LeftButton);
    const QString problem = dialog->fieldProblem(QStringLiteral("compute"));
    QVERIFY2(problem.contains(QStringLiteral("not-mounted")) && problem.contains(QStringLiteral("hpc")),
             qPrintable(dialog->problemsText()));
    QVERIFY(child<QLabel>(dialog, QStringLiteral("computeProblem"))->isVisible());
    QVERIFY(dialog->isVisible());
    QCOMPARE(pane.model()->rowCount(), 0);

    // Back to local: the local description.
    compute->setCurrentIndex(compute->findData(QStringLiteral("local")));
    QCOMPARE(child<QLabel>(dialog, QStringLiteral("computeInfoLabel"))->text(), QStringLiteral("this machine"));

    // Mounted again: core takes the run for the Slurm target (it is not sent to Slurm here: schedule is off).
    QVERIFY(QDir().mkpath(config.sharedDirLocal));
    compute->setCurrentIndex(hpc);
    QPointer<SubmitRunDialog> guard = dialog;
    QSignalSpy submitted(dialog, &SubmitRunDialog::submitted);
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("submitButton")), Qt::LeftButton);
    QTRY_VERIFY2(submitted.count() == 1, qPrintable(guard ? guard->problemsText() : QString()));
    QTRY_VERIFY(guard.isNull() || !guard->isVisible());
    const auto run = submitted.at(0).at(0).value<RunRecord>();
    QCOMPARE(run.computeTarget, QStringLiteral("hpc"));
    QVERIFY2(run.runDir.startsWith(config.sharedDirLocal), qPrintable(run.runDir));
    QTRY_COMPARE(pane.model()->rowCount(), 1);
}

void TestRunsPane::modelPassesTesterAt10kRuns()
{
    RunsTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    mldesk::ui::RunsFilterModel filter;
    filter.setSourceModel(&model);
    // The tester re-checks the whole proxy on every filter change: attached at 10,000 rows it runs for minutes,
    // so the proxy is checked on its own, smaller source below.
    QList<RunRecord> runs;
    for (int i = 0; i < 10'000; ++i) {
        RunRecord r;
        r.id = i + 1;
        r.uid = QStringLiteral("exp_%1").arg(i);
        r.experiment = i % 3 ? QStringLiteral("keras") : QStringLiteral("torch");
        r.state = i % 10 == 0 ? RunState::Failed : RunState::Completed;
        r.created = QDateTime::fromSecsSinceEpoch(1700000000 + i, Qt::UTC);
        r.tags.insert(QStringLiteral("lr"), i % 2 ? QStringLiteral("0.1") : QStringLiteral("0.01"));
        runs.append(r);
    }
    model.setRuns(runs);
    QCOMPARE(model.rowCount(), 10'000);
    QCOMPARE(filter.rowCount(), 10'000);
    filter.setExperiment(QStringLiteral("torch"));
    QCOMPARE(filter.rowCount(), 3334);
    filter.setState(int(RunState::Failed));
    QCOMPARE(filter.rowCount(), 334);
    filter.setState(std::nullopt);
    filter.setTag(QStringLiteral("lr=0.1"));
    QCOMPARE(filter.rowCount(), 1667);
    filter.setTag({});
    filter.setExperiment({});
    filter.setText(QStringLiteral("exp_999"));
    QCOMPARE(filter.rowCount(), 11); // exp_999, exp_9990..9999
    filter.setText({});
    filter.sort(RunsTableModel::Started, Qt::DescendingOrder);
    QCOMPARE(filter.index(0, 0).data(RunsTableModel::UidRole).toString(), QStringLiteral("exp_9999"));

    // Live: an update replaces its row, a new run goes on top, metric points show in the key columns.
    RunRecord live = runs[5];
    live.state = RunState::Running;
    model.upsert(live);
    QCOMPARE(model.index(5, RunsTableModel::State).data().toString(), QStringLiteral("Running"));
    RunRecord fresh;
    fresh.uid = QStringLiteral("new");
    model.upsert(fresh);
    QCOMPARE(model.rowOf(QStringLiteral("new")), 0);
    QCOMPARE(model.rowOf(QStringLiteral("exp_5")), 6);
    model.addMetrics(QStringLiteral("new"), {{QStringLiteral("Loss"), 1, 0.25, 0, {}}});
    QCOMPARE(model.index(0, model.columnOf(QStringLiteral("metric:Loss:last"))).data().toString(),
             QStringLiteral("0.25"));

    RunsTableModel small;
    mldesk::ui::RunsFilterModel smallFilter;
    smallFilter.setSourceModel(&small);
    QAbstractItemModelTester proxyTester(&smallFilter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    small.setRuns(runs.mid(0, 300));
    smallFilter.setExperiment(QStringLiteral("torch"));
    smallFilter.setText(QStringLiteral("exp_2"));
    smallFilter.sort(RunsTableModel::Name);
    small.upsert(fresh);
    QCOMPARE(smallFilter.rowCount(), 36); // exp_21, 24, 27 and exp_201 ... exp_297: the torch third
    smallFilter.setText({});
    smallFilter.setExperiment({});
    QCOMPARE(smallFilter.rowCount(), 301);
}

QTEST_MAIN(TestRunsPane)
#include "TestRunsPane.moc"
