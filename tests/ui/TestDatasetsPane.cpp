// TestDatasetsPane: register a folder through the dialog like a user (name, tags, add folder, Register) and see
// it in the table with its versions and files; a bad URL and an unreachable one show their errors inline; the
// activity list shows the job while it runs. Issue 12: loading the pane and moving its selection run no statement
// on the GUI thread's connection (SQLite's trace hook counts them), and the versions of a dataset no longer selected
// are never shown.
#include "PaneTestSupport.h"
#include "StatementCounter.h"
#include "UiTestSupport.h"

#include "core/datasets/DatasetRegistry.h"
#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "ui/dialogs/RegisterDatasetDialog.h"
#include "ui/models/TableModel.h"
#include "ui/panes/DatasetsPane.h"
#include "ui/widgets/ActivityList.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSqlDriver>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::test::StatementCounter;
using mldesk::ui::DatasetsPane;
using mldesk::ui::RegisterDatasetDialog;
using mldesk::ui::TableModel;

namespace {

// The view row of the dataset `name` in the pane's (sorted) datasets table.
QModelIndex datasetIndex(QTableView *table, TableModel *model, const QString &name)
{
    auto *proxy = static_cast<QSortFilterProxyModel *>(table->model());
    return proxy->mapFromSource(model->index(model->rowOfKey(name), 0));
}

} // namespace

class TestDatasetsPane final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void emptyWorkspaceShowsHint();
    void registersFolderThroughDialog();
    void badUrlShowsErrorInline();
    void unreachableUrlFailsInline();
    void readsOffTheGuiThread();
    void staleVersionsAreNotShown();

private:
    RegisterDatasetDialog *openDialog(DatasetsPane &pane);
    // A dataset `name` with `versions` versions of `files` files each.
    void addDataset(const QString &name, int versions, int files);

    QTemporaryDir m_settings;
    std::unique_ptr<QTemporaryDir> m_root;
    std::unique_ptr<Workspace> m_workspace;
};

void TestDatasetsPane::initTestCase()
{
    mldesk::test::isolateSettings(m_settings);
}

void TestDatasetsPane::init()
{
    m_root = std::make_unique<QTemporaryDir>();
    m_workspace = Workspace::create(m_root->filePath(QStringLiteral("ws")), QStringLiteral("test"));
}

RegisterDatasetDialog *TestDatasetsPane::openDialog(DatasetsPane &pane)
{
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("registerDatasetButton")), Qt::LeftButton);
    return pane.findChild<RegisterDatasetDialog *>(QStringLiteral("registerDatasetDialog"));
}

void TestDatasetsPane::addDataset(const QString &name, int versions, int files)
{
    for (int v = 1; v <= versions; ++v) {
        QList<mldesk::core::DatasetFile> list;
        for (int f = 0; f < files; ++f) {
            const QByteArray content = name.toUtf8() + ' ' + QByteArray::number(v) + ' ' + QByteArray::number(f);
            list.append({QStringLiteral("f%1.bin").arg(f), content.size(), m_workspace->blobs().putBytes(content),
                         QStringLiteral("/x/f%1.bin").arg(f)});
        }
        mldesk::core::DatasetRegistry(m_workspace->database()).commit(name, {}, {}, list, true);
    }
}

void TestDatasetsPane::emptyWorkspaceShowsHint()
{
    DatasetsPane pane;
    QSignalSpy loaded(&pane, &DatasetsPane::loaded);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    auto *headline = child<QLabel>(&pane, QStringLiteral("emptyStateHeadline"));
    // "None yet" is said by the answer, not before it.
    QVERIFY(loaded.isEmpty());
    QVERIFY(headline->text() != QStringLiteral("No datasets registered yet") || !headline->isVisible());
    QTRY_COMPARE(loaded.count(), 1);
    QCOMPARE(headline->text(), QStringLiteral("No datasets registered yet"));
    QVERIFY(headline->isVisible());
    QVERIFY(child<QPushButton>(&pane, QStringLiteral("registerDatasetButton"))->isVisible());
}

void TestDatasetsPane::registersFolderThroughDialog()
{
    const QString folder = m_root->filePath(QStringLiteral("data"));
    QDir().mkpath(folder + QStringLiteral("/sub"));
    for (const QString &name : {QStringLiteral("a.bin"), QStringLiteral("sub/b.bin")}) {
        QFile file(folder + u'/' + name);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(3000, 'x') + name.toUtf8());
    }
    DatasetsPane pane;
    mldesk::ui::ActivityList activities;
    pane.setActivityList(&activities);
    pane.setWorkspace(m_workspace.get());
    QAbstractItemModelTester datasetsTester(pane.datasetsModel(),
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester versionsTester(pane.versionsModel(),
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester filesTester(pane.filesModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    pane.show();

    RegisterDatasetDialog *dialog = openDialog(pane);
    QVERIFY(dialog);
    dialog->setFileChooser(
        [&folder](QWidget *, bool folders) { return folders ? QStringList{folder} : QStringList(); });
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("datasetNameEdit")), QStringLiteral("toy-data"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("datasetTagsEdit")), QStringLiteral("kind=toy, small"));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("addFolderButton")), Qt::LeftButton);
    QCOMPARE(child<QListWidget>(dialog, QStringLiteral("sourcesList"))->count(), 1);
    QPointer<RegisterDatasetDialog> guard = dialog;
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("registerButton")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(guard.isNull() || !guard->isVisible(), 20000); // accepted and closed
    QTRY_COMPARE(activities.count(), 0);

    // Listed, selected and its files shown once the pane's reads (off the GUI thread) have answered.
    QTRY_COMPARE(pane.filesModel()->rowCount(), 2);
    QCOMPARE(child<QTableView>(&pane, QStringLiteral("datasetsTable"))->currentIndex().data().toString(),
             QStringLiteral("toy-data"));
    QCOMPARE(pane.datasetsModel()->rowCount(), 1);
    QCOMPARE(pane.datasetsModel()->index(0, 0).data().toString(), QStringLiteral("toy-data"));
    QCOMPARE(pane.datasetsModel()->index(0, 2).data().toString(), QStringLiteral("2"));
    QCOMPARE(pane.versionsModel()->rowCount(), 1);
    QVERIFY(pane.versionsModel()->index(0, 4).data().toString().contains(QStringLiteral("kind=toy")));
    QCOMPARE(pane.filesModel()->rowCount(), 2);
    QCOMPARE(pane.filesModel()->index(1, 0).data().toString(), QStringLiteral("sub/b.bin"));
    QVERIFY(child<QTableView>(&pane, QStringLiteral("datasetsTable"))->isVisible());
}

void TestDatasetsPane::badUrlShowsErrorInline()
{
    DatasetsPane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    RegisterDatasetDialog *dialog = openDialog(pane);
    QVERIFY(dialog);
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("datasetNameEdit")), QStringLiteral("web"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("urlEdit")), QStringLiteral("ftp://example.org/x.gz"));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("addUrlButton")), Qt::LeftButton);
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("registerButton")), Qt::LeftButton);
    auto *error = child<QLabel>(dialog, QStringLiteral("errorLabel"));
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QStringLiteral("ftp://example.org/x.gz")), qPrintable(error->text()));
    QVERIFY(dialog->isVisible());
    QVERIFY(!dialog->isRegistering());

    // Empty name: its own message.
    child<QLineEdit>(dialog, QStringLiteral("datasetNameEdit"))->clear();
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("registerButton")), Qt::LeftButton);
    QVERIFY(error->text().contains(QStringLiteral("name")));
}

void TestDatasetsPane::unreachableUrlFailsInline()
{
    DatasetsPane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    RegisterDatasetDialog *dialog = openDialog(pane);
    QVERIFY(dialog);
    mldesk::core::HttpOptions options;
    options.maxRetries = 0;
    options.connectTimeoutMs = 2000;
    dialog->setHttp(nullptr, options);
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("datasetNameEdit")), QStringLiteral("web"));
    dialog->addSources({QStringLiteral("http://127.0.0.1:9/nothing-listens-here.gz")}); // discard port: refused
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("registerButton")), Qt::LeftButton);
    auto *error = child<QLabel>(dialog, QStringLiteral("errorLabel"));
    QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), 20000);
    QVERIFY2(error->text().contains(QStringLiteral("127.0.0.1")), qPrintable(error->text()));
    QVERIFY(dialog->isVisible());
    QVERIFY(child<QPushButton>(dialog, QStringLiteral("registerButton"))->isEnabled());
    QCOMPARE(mldesk::core::DatasetRegistry(m_workspace->database()).list().size(), 0);
}

void TestDatasetsPane::readsOffTheGuiThread()
{
    addDataset(QStringLiteral("alpha"), 2, 3);
    addDataset(QStringLiteral("beta"), 1, 5);
    StatementCounter gui(m_workspace->database()); // from before the pane opens the workspace: its first load too
    DatasetsPane pane;
    QSignalSpy loaded(&pane, &DatasetsPane::loaded);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QTRY_COMPARE(loaded.count(), 1);
    auto *table = child<QTableView>(&pane, QStringLiteral("datasetsTable"));
    QCOMPARE(table->currentIndex().data().toString(), QStringLiteral("alpha")); // the first one
    QTRY_COMPARE(pane.filesModel()->rowCount(), 3);
    QCOMPARE(pane.versionsModel()->rowCount(), 2);
    QCOMPARE(pane.selectedForDeletion(), QStringLiteral("alpha:2")); // the newest

    // A click on another dataset; then alpha's older version asked for by name (as a model's lineage link does).
    table->setCurrentIndex(datasetIndex(table, pane.datasetsModel(), QStringLiteral("beta")));
    QTRY_COMPARE(pane.filesModel()->rowCount(), 5);
    QCOMPARE(pane.selectedForDeletion(), QStringLiteral("beta:1"));
    pane.selectDataset(QStringLiteral("alpha"), 1);
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("alpha:1"));
    QTRY_COMPARE(pane.filesModel()->rowCount(), 3);

    QCOMPARE(gui.count(), 0); // the load and the clicks: nothing on the GUI thread's connection

    // A reload (as View > Refresh) keeps the dataset and the version selected.
    addDataset(QStringLiteral("gamma"), 1, 1); // written here (counted), before the pane reads again
    const int before = gui.count();
    QSignalSpy filesLoaded(&pane, &DatasetsPane::filesLoaded);
    pane.setWorkspace(m_workspace.get());
    QTRY_COMPARE(loaded.count(), 2);
    QCOMPARE(pane.datasetsModel()->rowCount(), 3);
    QTRY_COMPARE(filesLoaded.count(), 1); // the list, the versions, then the files read again
    QCOMPARE(pane.selectedForDeletion(), QStringLiteral("alpha:1"));
    QCOMPARE(pane.filesModel()->rowCount(), 3);
    QCOMPARE(gui.count(), before);
    // The counter does count this connection's reads.
    const int written = gui.count();
    QCOMPARE(mldesk::core::DatasetRegistry(m_workspace->database()).list().size(), 3);
    QVERIFY(gui.count() > written);
}

void TestDatasetsPane::staleVersionsAreNotShown()
{
    addDataset(QStringLiteral("a-one"), 1, 1);
    addDataset(QStringLiteral("b-two"), 2, 2);
    addDataset(QStringLiteral("c-three"), 3, 3);
    DatasetsPane pane;
    QSignalSpy loaded(&pane, &DatasetsPane::loaded);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QTRY_COMPARE(loaded.count(), 1);
    QTRY_COMPARE(pane.filesModel()->rowCount(), 1); // a-one's

    // Every versions and files table the pane shows from here, with the dataset current then.
    auto *table = child<QTableView>(&pane, QStringLiteral("datasetsTable"));
    QStringList shown;
    mldesk::test::recordShown(shown, pane.versionsModel(), table, QStringLiteral("versions"), this);
    mldesk::test::recordShown(shown, pane.filesModel(), table, QStringLiteral("files"), this);
    QSignalSpy versionsLoaded(&pane, &DatasetsPane::versionsLoaded);
    // c-three, then b-two before the event loop runs: c-three's answer comes while b-two is selected.
    table->setCurrentIndex(datasetIndex(table, pane.datasetsModel(), QStringLiteral("c-three")));
    table->setCurrentIndex(datasetIndex(table, pane.datasetsModel(), QStringLiteral("b-two")));
    QTRY_COMPARE(pane.filesModel()->rowCount(), 2);
    QCOMPARE(versionsLoaded.count(), 1); // b-two's; c-three's (read first, answered first) was dropped
    QCOMPARE(pane.versionsModel()->rowCount(), 2);
    QCOMPARE(shown, (QStringList{QStringLiteral("b-two versions 2"), QStringLiteral("b-two files 2")}));
}

QTEST_MAIN(TestDatasetsPane)
#include "TestDatasetsPane.moc"
