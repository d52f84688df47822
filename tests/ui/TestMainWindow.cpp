// TestMainWindow: the GUI smoke test of issue 2 - open a workspace through the picker with QTest, see its name and
// path in the title and status bar, reach all five panes, switch workspaces without restarting, remember geometry.
#include "UiTestSupport.h"

#include "core/datasets/DatasetRegistry.h"
#include "core/experiments/ExperimentStore.h"
#include "core/models/ModelRegistry.h"
#include "core/settings/Settings.h"
#include "core/store/BlobStore.h"
#include "core/workspace/Workspace.h"
#include "ui/MainWindow.h"
#include "ui/Resources.h"
#include "ui/models/TableModel.h"
#include "ui/panes/ModelsPane.h"
#include "ui/panes/Pane.h"
#include "ui/panes/RunsPane.h"
#include "ui/widgets/CudaProbe.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using mldesk::core::Settings;
using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::ui::MainWindow;
using mldesk::ui::WorkspacePicker;

class TestMainWindow final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void startsWithoutWorkspace();
    void opensWorkspaceThroughPicker();
    void everyPaneReachable_data();
    void everyPaneReachable();
    void panesShowWorkspaceCounts();
    void switchesWorkspaceWithoutRestart();
    void pickerShowsStartupError();
    void remembersGeometry();
    void aboutShowsVersions();
    void cudaDescriptions();
    void modelsPaneLinksOtherPanes();
    void iconsRender();

private:
    QString makeWorkspace(const QString &folderName, const QString &name);
    // Opens folder through File > Switch Workspace (Ctrl+O) and the picker's path field, like a user.
    void openThroughPicker(MainWindow &window, const QString &folder);

    QTemporaryDir m_settings;
    std::unique_ptr<QTemporaryDir> m_root;
};

void TestMainWindow::initTestCase()
{
    QVERIFY(m_settings.isValid());
    mldesk::test::isolateSettings(m_settings);
}

void TestMainWindow::init()
{
    m_root = std::make_unique<QTemporaryDir>();
    QVERIFY(m_root->isValid());
}

QString TestMainWindow::makeWorkspace(const QString &folderName, const QString &name)
{
    const QString folder = m_root->filePath(folderName);
    Workspace::create(folder, name);
    return QDir::cleanPath(folder);
}

void TestMainWindow::openThroughPicker(MainWindow &window, const QString &folder)
{
    QTest::keyClick(&window, Qt::Key_O, Qt::ControlModifier);
    QTRY_VERIFY(window.workspacePicker() && window.workspacePicker()->isVisible());
    WorkspacePicker *picker = window.workspacePicker();
    auto *path = child<QLineEdit>(picker, QStringLiteral("openPathEdit"));
    QVERIFY(path);
    path->clear();
    QTest::keyClicks(path, folder);
    QTest::mouseClick(child<QPushButton>(picker, QStringLiteral("openButton")), Qt::LeftButton);
    QTRY_VERIFY(!picker->isVisible());
}

void TestMainWindow::startsWithoutWorkspace()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(!window.workspace());
    QVERIFY(child<QWidget>(&window, QStringLiteral("noWorkspacePage"))->isVisible());
    QVERIFY(!child<QWidget>(&window, QStringLiteral("navigation"))->isVisible());
    QCOMPARE(child<QLabel>(&window, QStringLiteral("workspaceLabel"))->text(), QStringLiteral("No workspace open"));

    QTest::mouseClick(child<QPushButton>(&window, QStringLiteral("chooseWorkspaceButton")), Qt::LeftButton);
    QTRY_VERIFY(window.workspacePicker() && window.workspacePicker()->isVisible());
}

void TestMainWindow::opensWorkspaceThroughPicker()
{
    const QString folder = makeWorkspace(QStringLiteral("smoke"), QStringLiteral("Smoke Test"));
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));

    openThroughPicker(window, folder);

    QTRY_VERIFY(window.workspace());
    QCOMPARE(window.workspace()->path(), folder);
    QVERIFY2(window.windowTitle().contains(QStringLiteral("Smoke Test")), qPrintable(window.windowTitle()));
    QVERIFY2(window.windowTitle().contains(QDir::toNativeSeparators(folder)), qPrintable(window.windowTitle()));
    auto *status = child<QLabel>(&window, QStringLiteral("workspaceLabel"));
    QVERIFY(status->isVisible());
    QVERIFY2(status->text().contains(QStringLiteral("Smoke Test")), qPrintable(status->text()));
    QVERIFY2(status->text().contains(QDir::toNativeSeparators(folder)), qPrintable(status->text()));
    QVERIFY(child<QWidget>(&window, QStringLiteral("navigation"))->isVisible());
    QVERIFY(!child<QWidget>(&window, QStringLiteral("noWorkspacePage"))->isVisible());
    QCOMPARE(Settings::recentWorkspaces().value(0), folder);
}

void TestMainWindow::everyPaneReachable_data()
{
    QTest::addColumn<int>("index");
    QTest::addColumn<QString>("objectName");
    QTest::addColumn<QString>("title");
    QTest::addColumn<QString>("emptyText"); // the empty state's headline, or "#name": that widget is shown instead
    QTest::newRow("Datasets") << 0 << "datasetsPane"
                              << "Datasets"
                              << "No datasets registered yet";
    QTest::newRow("Environments") << 1 << "environmentsPane"
                                  << "Environments"
                                  << "#environmentsTable"; // the curated environments are always there
    QTest::newRow("Compute") << 2 << "computePane"
                             << "Compute"
                             << "#targetsTable"; // 'local' is always there
    QTest::newRow("Runs") << 3 << "runsPane"
                          << "Runs"
                          << "#runsTable";
    QTest::newRow("Models") << 4 << "modelsPane"
                            << "Models"
                            << "No models registered in this workspace yet";
    QTest::newRow("Endpoints") << 5 << "endpointsPane"
                               << "Endpoints"
                               << "#endpointsTable";
}

void TestMainWindow::everyPaneReachable()
{
    QFETCH(int, index);
    QFETCH(QString, objectName);
    QFETCH(QString, title);
    QFETCH(QString, emptyText);

    const QString folder = makeWorkspace(QStringLiteral("panes"), QStringLiteral("Panes"));
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    openThroughPicker(window, folder);
    QTRY_VERIFY(window.workspace());
    auto *stack = child<QStackedWidget>(&window, QStringLiteral("paneStack"));
    auto *navigation = child<QListWidget>(&window, QStringLiteral("navigation"));
    QVERIFY(stack && navigation);
    QCOMPARE(navigation->count(), int(MainWindow::PaneCount));
    QCOMPARE(navigation->item(index)->text(), title);

    // By keyboard: Ctrl+1..5.
    window.showPane(index == 0 ? 1 : 0);
    QTest::keyClick(&window, Qt::Key(Qt::Key_1 + index), Qt::ControlModifier);
    QTRY_COMPARE(window.currentPane(), index);
    QCOMPARE(stack->currentWidget()->objectName(), objectName);
    QCOMPARE(navigation->currentRow(), index);

    // By mouse: a click on the navigation entry.
    window.showPane(index == 0 ? 1 : 0);
    QTest::mouseClick(navigation->viewport(), Qt::LeftButton, {},
                      navigation->visualItemRect(navigation->item(index)).center());
    QTRY_COMPARE(window.currentPane(), index);
    QWidget *pane = stack->currentWidget();
    QCOMPARE(pane->objectName(), objectName);
    QVERIFY(pane->isVisible());

    // By menu: View > <pane> is checked for the pane on show.
    auto *action = child<QAction>(&window, objectName + QStringLiteral("Action"));
    QVERIFY(action && action->isChecked());

    auto *titleLabel = child<QLabel>(pane, QStringLiteral("paneTitle"));
    QVERIFY(titleLabel && titleLabel->isVisible());
    QCOMPARE(titleLabel->text(), title);
    QVERIFY(!child<QLabel>(pane, QStringLiteral("paneDescription"))->text().isEmpty());
    if (emptyText.startsWith(u'#')) {
        auto *content = child<QWidget>(pane, emptyText.mid(1));
        QVERIFY(content);
        QTRY_VERIFY(content->isVisible());
        return;
    }
    // Shown once the pane's read of the store (off the GUI thread) has answered.
    auto *headline = child<QLabel>(pane, QStringLiteral("emptyStateHeadline"));
    QVERIFY(headline);
    QTRY_VERIFY(headline->isVisible());
    QTRY_COMPARE(headline->text(), emptyText);
}

void TestMainWindow::panesShowWorkspaceCounts()
{
    // The panes read the workspace, not canned text: an experiment added through core shows after a refresh.
    const QString folder = makeWorkspace(QStringLiteral("counted"), QStringLiteral("Counted"));
    MainWindow window;
    window.setWorkspace(Workspace::open(folder));
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    window.showPane(MainWindow::Runs);
    auto *experiments = child<QComboBox>(window.pane(MainWindow::Runs), QStringLiteral("experimentFilter"));
    QCOMPARE(experiments->findData(QStringLiteral("keras-mnist")), -1);

    mldesk::core::ExperimentStore(window.workspace()->database())
        .create(QStringLiteral("keras-mnist"), QStringLiteral("the seed MLP"));
    QTest::keyClick(&window, Qt::Key_F5);
    QTRY_VERIFY(experiments->findData(QStringLiteral("keras-mnist")) >= 0);
}

void TestMainWindow::switchesWorkspaceWithoutRestart()
{
    const QString first = makeWorkspace(QStringLiteral("first"), QStringLiteral("First"));
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    openThroughPicker(window, first);
    QTRY_VERIFY(window.windowTitle().contains(QStringLiteral("First")));

    // Create the second one in the picker's "create" fields.
    QTest::keyClick(&window, Qt::Key_O, Qt::ControlModifier);
    QTRY_VERIFY(window.workspacePicker()->isVisible());
    WorkspacePicker *picker = window.workspacePicker();
    const QString second = m_root->filePath(QStringLiteral("second"));
    QTest::keyClicks(child<QLineEdit>(picker, QStringLiteral("createPathEdit")), second);
    QTest::keyClicks(child<QLineEdit>(picker, QStringLiteral("createNameEdit")), QStringLiteral("Second"));
    QTest::mouseClick(child<QPushButton>(picker, QStringLiteral("createButton")), Qt::LeftButton);

    QTRY_VERIFY(window.windowTitle().contains(QStringLiteral("Second")));
    QCOMPARE(window.workspace()->path(), QDir::cleanPath(second));
    QVERIFY(!window.windowTitle().contains(QStringLiteral("First")));
    QVERIFY(child<QLabel>(&window, QStringLiteral("workspaceLabel"))->text().contains(QStringLiteral("Second")));
    const QStringList recent = Settings::recentWorkspaces();
    QCOMPARE(recent.value(0), QDir::cleanPath(second));
    QVERIFY(recent.contains(first));

    // The recent list offers both the next time.
    QTest::keyClick(&window, Qt::Key_O, Qt::ControlModifier);
    QTRY_VERIFY(picker->isVisible());
    QVERIFY(child<QListWidget>(picker, QStringLiteral("recentList"))->count() >= 2);
}

void TestMainWindow::pickerShowsStartupError()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const QString missing = m_root->filePath(QStringLiteral("missing"));
    window.showWorkspacePicker(QStringLiteral("the workspace folder %1 does not exist").arg(missing), missing);
    QTRY_VERIFY(window.workspacePicker()->isVisible());
    QVERIFY(window.workspacePicker()->errorText().contains(missing));
    QCOMPARE(child<QLineEdit>(window.workspacePicker(), QStringLiteral("createPathEdit"))->text(),
             QDir::toNativeSeparators(missing));
}

void TestMainWindow::remembersGeometry()
{
    {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.resize(933, 611);
        QTRY_COMPARE(window.size(), QSize(933, 611));
        child<QTableView>(&window, QStringLiteral("datasetsTable"))->horizontalHeader()->resizeSection(0, 333);
        child<QTableView>(&window, QStringLiteral("runsTable"))->horizontalHeader()->resizeSection(1, 222);
        QTest::keyClick(&window, Qt::Key_Q, Qt::ControlModifier); // File > Quit closes the window
        QTRY_VERIFY(!window.isVisible());
    }
    QVERIFY(!Settings::mainWindowGeometry().isEmpty());
    QVERIFY(!Settings::mainWindowState().isEmpty());
    MainWindow again;
    QCOMPARE(again.size(), QSize(933, 611));
    // Column widths of the main tables too (core::Settings "columns/<table>").
    QCOMPARE(child<QTableView>(&again, QStringLiteral("datasetsTable"))->horizontalHeader()->sectionSize(0), 333);
    QCOMPARE(child<QTableView>(&again, QStringLiteral("runsTable"))->horizontalHeader()->sectionSize(1), 222);
    QCOMPARE(Settings::columnWidths(QStringLiteral("runsTable")).value(1), 222);
}

void TestMainWindow::aboutShowsVersions()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    child<QAction>(&window, QStringLiteral("aboutAction"))->trigger();
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = window.findChild<QMessageBox *>(QStringLiteral("aboutBox"))) && box->isVisible());
    const QString text = box->text() + box->informativeText();
    QVERIFY2(text.contains(QStringLiteral(MLDESK_VERSION)), qPrintable(text));
    QVERIFY2(text.contains(QString::fromLatin1(qVersion())), qPrintable(text));
    // CUDA: from `mldesk-train --list-devices` ($MLDESK_TRAIN), filled in once the trainer answers.
    QVERIFY2(text.contains(QStringLiteral("CUDA")), qPrintable(text));
    QTRY_VERIFY_WITH_TIMEOUT(!box->informativeText().contains(QStringLiteral("checking")), 20000);
    const QString cuda = box->informativeText();
    if (!mldesk::ui::CudaProbe::toolkitVersion().isEmpty() && !cuda.contains(QStringLiteral("not available")))
        QVERIFY2(cuda.contains(mldesk::ui::CudaProbe::toolkitVersion()), qPrintable(cuda));
    QVERIFY2(cuda.contains(QStringLiteral("GPU")) || cuda.contains(QStringLiteral("not available")) ||
                 cuda.contains(QStringLiteral("no CUDA device")),
             qPrintable(cuda));
    box->close();
}

void TestMainWindow::cudaDescriptions()
{
    using mldesk::ui::CudaProbe;
    QVERIFY(CudaProbe::describe(R"({"cuda_compiled": false, "devices": []})", QStringLiteral("13.0.88"))
                .contains(QStringLiteral("not available (this mldesk-train was built without CUDA")));
    QVERIFY(CudaProbe::describe("garbage", {}).contains(QStringLiteral("not available")));
    const QString none = CudaProbe::describe(R"({"cuda_compiled": true, "devices": []})", QStringLiteral("13.0.88"));
    QVERIFY2(none.contains(QStringLiteral("CUDA 13.0.88")) && none.contains(QStringLiteral("no CUDA device")),
             qPrintable(none));
    const QString one = CudaProbe::describe(
        R"({"cuda_compiled": true, "devices": [{"index": 0, "name": "NVIDIA H100", "memory_bytes": 85899345920}]})",
        QStringLiteral("13.0.88"));
    QVERIFY2(one.contains(QStringLiteral("CUDA 13.0.88")) && one.contains(QStringLiteral("NVIDIA H100 (80")),
             qPrintable(one));
    // Without a trainer it says so.
    CudaProbe probe;
    probe.start(QStringLiteral("/nonexistent/mldesk-train"));
    QTRY_VERIFY(probe.isFinished());
    QVERIFY2(probe.text().contains(QStringLiteral("not available")), qPrintable(probe.text()));
}

void TestMainWindow::modelsPaneLinksOtherPanes()
{
    MainWindow window;
    window.setWorkspace(Workspace::open(makeWorkspace(QStringLiteral("links"), QStringLiteral("links"))));
    Workspace &ws = *window.workspace();
    const QList<mldesk::core::DatasetFile> files{{QStringLiteral("a.txt"), 1, ws.blobs().putBytes("a"), {}}};
    mldesk::core::DatasetRegistry(ws.database()).commit(QStringLiteral("digits"), {}, {}, files, true);
    mldesk::core::DatasetRegistry(ws.database()).commit(QStringLiteral("other"), {}, {}, files, true);
    auto *models = static_cast<mldesk::ui::ModelsPane *>(window.pane(MainWindow::Models));
    QSignalSpy modelsLoaded(models, &mldesk::ui::ModelsPane::loaded);
    window.refresh();
    window.show();
    QTRY_VERIFY(!modelsLoaded.isEmpty()); // the panes read off the GUI thread: the (empty) list is shown

    // A lineage link to a dataset version shows it in the Datasets pane.
    window.showPane(MainWindow::Models);
    emit models->openDatasetRequested(QStringLiteral("other"), 1);
    QCOMPARE(window.currentPane(), int(MainWindow::Datasets));
    QTRY_COMPARE(child<QTableView>(&window, QStringLiteral("datasetsTable"))->currentIndex().data().toString(),
                 QStringLiteral("other"));
    // A link to a run switches to the Runs pane (an unknown run opens no tab).
    emit models->openRunRequested(QStringLiteral("no-such-run"));
    QCOMPARE(window.currentPane(), int(MainWindow::Runs));

    // A model registered from a run's Outputs tab appears in the Models pane at once.
    const QString file = m_root->filePath(QStringLiteral("weights.bin"));
    QFile out(file);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write("weights");
    out.close();
    mldesk::core::ModelRegistration r;
    r.name = QStringLiteral("fresh");
    r.files = {file};
    const auto version = mldesk::core::ModelRegistry(ws.database(), ws.blobs()).registerFiles(r);
    QCOMPARE(models->modelsModel()->rowCount(), 0); // not re-read yet
    emit window.runsPane()->modelRegistered(version);
    QTRY_COMPARE(models->modelsModel()->rowCount(), 1);
    QTRY_VERIFY(models->currentVersion());
    QCOMPARE(models->currentVersion()->qualifiedName(), QStringLiteral("fresh:1"));
}

void TestMainWindow::iconsRender()
{
    // SVG icons need Qt's SVG icon engine (libqt6svg6): without it they come out empty.
    for (const char *name : {"mldesk", "datasets", "environments", "compute", "runs", "models", "workspace"}) {
        const QIcon icon = mldesk::ui::icon(QString::fromLatin1(name));
        QVERIFY2(!icon.pixmap(32, 32).isNull(), name);
    }
    MainWindow window;
    auto *navigation = child<QListWidget>(&window, QStringLiteral("navigation"));
    for (int i = 0; i < navigation->count(); ++i)
        QVERIFY(!navigation->item(i)->icon().pixmap(22, 22).isNull());
}

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
