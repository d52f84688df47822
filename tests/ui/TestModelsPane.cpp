// TestModelsPane: the Models pane on a workspace with registered models - its table models pass
// QAbstractItemModelTester; versions and details (files, properties, tags, lineage) follow the selection; tags are
// added and removed, a version archived and restored (the "Show archived" toggle shows it); Download copies a
// version into a chosen folder (verified, listed in the activity list, "Open Folder" when done); Export Zip writes
// a Keras archive; a bad filter is reported inline. Issue 12: loading the pane and moving its selection run no
// statement on the GUI thread's connection (SQLite's trace hook counts them), and the versions of a model (the
// lineage of a version) no longer selected are never shown.
#include "PaneTestSupport.h"
#include "StatementCounter.h"
#include "UiTestSupport.h"

#include "core/models/ModelRegistry.h"
#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "ui/models/TableModel.h"
#include "ui/panes/ModelsPane.h"
#include "ui/widgets/ActivityList.h"
#include "ui/widgets/JobStatus.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlDriver>
#include <QTableView>
#include <QTextBrowser>
#include <QTextDocument>

using mldesk::core::ModelRegistration;
using mldesk::core::ModelRegistry;
using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::test::StatementCounter;
using mldesk::ui::ModelsPane;
using mldesk::ui::TableModel;

namespace {

void writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QString cell(const QAbstractItemModel *model, int row, int column)
{
    return model->index(row, column).data().toString();
}

} // namespace

class TestModelsPane final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void listsModelsAndDetails();
    void editsTagsAndArchives();
    void downloadsAndExports();
    void cancelFromActivityList();
    void badFilterIsShownInline();
    void readsOffTheGuiThread();
    void staleSelectionIsNotShown();

private:
    void addModels();
    QTemporaryDir m_settings;
    std::unique_ptr<QTemporaryDir> m_root;
    std::unique_ptr<Workspace> m_workspace;
    QString m_modelFolder;
};

void TestModelsPane::initTestCase()
{
    mldesk::test::isolateSettings(m_settings);
}

void TestModelsPane::init()
{
    m_root = std::make_unique<QTemporaryDir>();
    m_workspace = Workspace::create(m_root->filePath(QStringLiteral("ws")), QStringLiteral("test"));
    addModels();
}

void TestModelsPane::addModels()
{
    m_modelFolder = m_root->filePath(QStringLiteral("model"));
    writeFile(m_modelFolder + QStringLiteral("/model.json"),
              R"({"class_name": "Sequential", "config": {"name": "mlp", "layers": []}})");
    QByteArray weights(70000, '\0');
    for (int i = 0; i < weights.size(); ++i)
        weights[i] = char(i * 31 % 251);
    writeFile(m_modelFolder + QStringLiteral("/model.h5"), weights);
    writeFile(m_root->filePath(QStringLiteral("other/weights.bin")), "custom weights");

    ModelRegistry registry(m_workspace->database(), m_workspace->blobs());
    ModelRegistration r;
    r.name = QStringLiteral("keras-mlp");
    r.description = QStringLiteral("the seed's MLP");
    r.files = {m_modelFolder};
    r.tags = {{QStringLiteral("stage"), QStringLiteral("dev")}};
    r.properties = {{QStringLiteral("Final test accuracy"), QStringLiteral("0.85")}};
    registry.registerFiles(r);
    writeFile(m_modelFolder + QStringLiteral("/model.h5"), weights + "v2");
    registry.registerFiles(r); // version 2: changed weights
    ModelRegistration other;
    other.name = QStringLiteral("custom");
    other.files = {m_root->filePath(QStringLiteral("other/weights.bin"))};
    registry.registerFiles(other);
}

void TestModelsPane::listsModelsAndDetails()
{
    ModelsPane pane;
    QAbstractItemModelTester t1(pane.modelsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(pane.versionsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t3(pane.filesModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t4(pane.propertiesModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    pane.setWorkspace(m_workspace.get());
    pane.resize(1100, 800);
    pane.show();
    QVERIFY2(pane.messageText().isEmpty(), qPrintable(pane.messageText()));

    auto *table = child<QTableView>(&pane, QStringLiteral("modelsTable"));
    QTRY_COMPARE(table->model()->rowCount(), 2);                    // read off the GUI thread
    QCOMPARE(cell(table->model(), 0, 0), QStringLiteral("custom")); // sorted by name
    QCOMPARE(cell(table->model(), 0, 2), QStringLiteral("Custom"));
    QCOMPARE(cell(table->model(), 1, 0), QStringLiteral("keras-mlp"));
    QCOMPARE(cell(table->model(), 1, 1), QStringLiteral("2")); // latest version
    QCOMPARE(cell(table->model(), 1, 2), QStringLiteral("Keras"));
    QCOMPARE(cell(table->model(), 1, 3), QStringLiteral("2")); // versions
    QCOMPARE(cell(table->model(), 1, 4), QStringLiteral("stage=dev"));

    pane.selectModel(QStringLiteral("keras-mlp"));
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("keras-mlp:2"));
    QCOMPARE(pane.versionsModel()->rowCount(), 2);
    QCOMPARE(cell(pane.versionsModel(), 0, 0), QStringLiteral("2")); // newest first
    QCOMPARE(pane.currentVersion()->version, 2);
    QCOMPARE(pane.filesModel()->rowCount(), 2);
    QCOMPARE(cell(pane.filesModel(), 0, 0), QStringLiteral("model.h5"));
    const QString hash = pane.filesModel()->index(0, 2).data(Qt::ToolTipRole).toString();
    QCOMPARE(hash, mldesk::core::BlobStore::hashFile(m_modelFolder + QStringLiteral("/model.h5")));
    QCOMPARE(cell(pane.propertiesModel(), 0, 0), QStringLiteral("Final test accuracy"));
    QCOMPARE(cell(pane.propertiesModel(), 0, 1), QStringLiteral("0.85"));
    auto *lineage = child<QTextBrowser>(&pane, QStringLiteral("modelLineage"));
    QTRY_VERIFY2(lineage->toPlainText().contains(QStringLiteral("local files")), qPrintable(lineage->toPlainText()));

    // Version 1 selected in the table: the details follow.
    auto *versions = child<QTableView>(&pane, QStringLiteral("modelVersionsTable"));
    versions->setCurrentIndex(pane.versionsModel()->index(1, 0));
    QCOMPARE(pane.currentVersion()->version, 1);
    QCOMPARE(pane.filesModel()->index(0, 1).data(TableModel::SortRole).toLongLong(), 70000);
}

void TestModelsPane::editsTagsAndArchives()
{
    ModelsPane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    pane.selectModel(QStringLiteral("keras-mlp"), 2); // before the list is read: selected when it comes
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("keras-mlp:2"));

    // Each edit writes here, then the pane re-reads off the GUI thread and shows the version again.
    auto *tagEdit = child<QLineEdit>(&pane, QStringLiteral("modelTagEdit"));
    tagEdit->setText(QStringLiteral("best=yes"));
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("addTagButton")), Qt::LeftButton);
    QVERIFY2(pane.messageText().isEmpty(), qPrintable(pane.messageText()));
    auto *tags = child<QListWidget>(&pane, QStringLiteral("modelTagsList"));
    QTRY_COMPARE(tags->count(), 2);
    QCOMPARE(pane.currentVersion()->tags.value(QStringLiteral("best")), QStringLiteral("yes"));
    QCOMPARE(pane.currentVersion()->version, 2); // the selection stays on the edited version

    tagEdit->setText(QStringLiteral("=oops"));
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("addTagButton")), Qt::LeftButton);
    QVERIFY2(pane.messageText().contains(QStringLiteral("KEY=VALUE")), qPrintable(pane.messageText()));

    tags->findItems(QStringLiteral("stage=dev"), Qt::MatchExactly).constFirst()->setSelected(true);
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("removeTagButton")), Qt::LeftButton);
    QTRY_COMPARE(pane.currentVersion()->tags,
                 (QMap<QString, QString>{{QStringLiteral("best"), QStringLiteral("yes")}}));

    // Archive version 2: it leaves the default lists; "Show archived" brings it back; Restore un-archives it.
    auto *archive = child<QPushButton>(&pane, QStringLiteral("archiveModelButton"));
    QCOMPARE(archive->text(), QStringLiteral("Archive"));
    QTest::mouseClick(archive, Qt::LeftButton);
    QTRY_COMPARE(pane.versionsModel()->rowCount(), 1);
    QCOMPARE(pane.currentVersion()->version, 1);
    const int kerasRow = pane.modelsModel()->rowOfKey(QStringLiteral("keras-mlp"));
    QCOMPARE(cell(pane.modelsModel(), kerasRow, 1), QStringLiteral("1"));
    child<QCheckBox>(&pane, QStringLiteral("showArchivedCheck"))->setChecked(true);
    QTRY_COMPARE(pane.versionsModel()->rowCount(), 2);
    QCOMPARE(cell(pane.versionsModel(), 0, 7), QStringLiteral("Archived"));
    pane.selectModel(QStringLiteral("keras-mlp"), 2);
    QCOMPARE(archive->text(), QStringLiteral("Restore"));
    QTest::mouseClick(archive, Qt::LeftButton);
    QTRY_VERIFY(!pane.currentVersion()->archived);
    QSignalSpy versionsLoaded(&pane, &ModelsPane::versionsLoaded);
    child<QCheckBox>(&pane, QStringLiteral("showArchivedCheck"))->setChecked(false);
    QTRY_VERIFY(!versionsLoaded.isEmpty());
    QCOMPARE(pane.versionsModel()->rowCount(), 2);
}

void TestModelsPane::downloadsAndExports()
{
    ModelsPane pane;
    mldesk::ui::ActivityList activities;
    pane.setActivityList(&activities);
    const QString target = m_root->filePath(QStringLiteral("download"));
    QStringList opened;
    pane.setFolderChooser([&](QWidget *, const QString &) { return target; });
    pane.setFolderOpener([&](const QString &folder) { opened.append(folder); });
    pane.setWorkspace(m_workspace.get());
    pane.show();
    pane.selectModel(QStringLiteral("keras-mlp"), 1);
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("keras-mlp:1"));

    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("downloadModelButton")), Qt::LeftButton);
    mldesk::ui::JobStatus *job = pane.jobStatus();
    QVERIFY(job->isRunning()); // its results arrive through the event loop: not before the QTRY below
    QCOMPARE(activities.count(), 1);
    QVERIFY2(activities.titles().constFirst().contains(QStringLiteral("keras-mlp:1")),
             qPrintable(activities.titles().join(u',')));
    QTRY_VERIFY(!job->isRunning());
    QVERIFY2(job->message().contains(QStringLiteral("verified")), qPrintable(job->message()));
    QCOMPARE(activities.count(), 0);
    QByteArray v1(70000, '\0');
    for (int i = 0; i < v1.size(); ++i)
        v1[i] = char(i * 31 % 251);
    QCOMPARE(readFile(target + QStringLiteral("/model.h5")), v1);
    QCOMPARE(readFile(target + QStringLiteral("/model.json")), readFile(m_modelFolder + QStringLiteral("/model.json")));
    auto *open = child<QPushButton>(job, QStringLiteral("openFolderButton"));
    QVERIFY(open->isVisible());
    QTest::mouseClick(open, Qt::LeftButton);
    QCOMPARE(opened, QStringList{target});

    // Again into the same folder: the files exist, and the message says so (nothing is replaced).
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("downloadModelButton")), Qt::LeftButton);
    QTRY_VERIFY(!job->isRunning());
    QVERIFY2(job->message().contains(QStringLiteral("model.h5")), qPrintable(job->message()));
    QVERIFY(!open->isVisible());

    // Export: a zip with model.json, model.h5 and the metadata.
    const QString zip = m_root->filePath(QStringLiteral("export/keras-mlp-1"));
    QDir().mkpath(m_root->filePath(QStringLiteral("export")));
    QString suggested;
    pane.setZipChooser([&](QWidget *, const QString &proposal) {
        suggested = proposal;
        return zip;
    });
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("exportModelButton")), Qt::LeftButton);
    QVERIFY2(suggested.endsWith(QStringLiteral("keras-mlp-1.zip")), qPrintable(suggested));
    QTRY_VERIFY(!job->isRunning());
    const QByteArray archive = readFile(zip + QStringLiteral(".zip"));
    QVERIFY2(archive.startsWith("PK"), qPrintable(job->message()));
    QVERIFY(archive.contains("model.h5") && archive.contains("model.json") && archive.contains("mldesk-model.json"));

    // A custom model cannot be exported as Keras: the button says so by being disabled.
    pane.selectModel(QStringLiteral("custom"));
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("custom:1"));
    QVERIFY(!child<QPushButton>(&pane, QStringLiteral("exportModelButton"))->isEnabled());
}

void TestModelsPane::cancelFromActivityList()
{
    // 96 MiB: big enough that the copy is still going when Cancel is chosen right after the start.
    const QString big = m_root->filePath(QStringLiteral("big/weights.bin"));
    QByteArray chunk(1 << 20, 'x');
    QDir().mkpath(QFileInfo(big).absolutePath());
    QFile f(big);
    QVERIFY(f.open(QIODevice::WriteOnly));
    for (int i = 0; i < 96; ++i) {
        chunk[0] = char(i);
        f.write(chunk);
    }
    f.close();
    ModelRegistration r;
    r.name = QStringLiteral("big");
    r.files = {big};
    ModelRegistry(m_workspace->database(), m_workspace->blobs()).registerFiles(r);

    ModelsPane pane;
    mldesk::ui::ActivityList activities;
    pane.setActivityList(&activities);
    const QString target = m_root->filePath(QStringLiteral("big-download"));
    pane.setFolderChooser([&](QWidget *, const QString &) { return target; });
    pane.setWorkspace(m_workspace.get());
    pane.show();
    pane.selectModel(QStringLiteral("big"));
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("big:1"));
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("downloadModelButton")), Qt::LeftButton);
    QCOMPARE(activities.count(), 1);
    QMenu *job = activities.menu()->actions().constFirst()->menu();
    QVERIFY(job);
    job->actions().constFirst()->trigger(); // "Cancel"
    QTRY_VERIFY(!pane.jobStatus()->isRunning());
    QVERIFY2(pane.jobStatus()->message().contains(QStringLiteral("canceled")), qPrintable(pane.jobStatus()->message()));
    QCOMPARE(activities.count(), 0);
    QVERIFY(!QFileInfo::exists(target + QStringLiteral("/weights.bin")));
}

void TestModelsPane::badFilterIsShownInline()
{
    ModelsPane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    auto *filter = child<QLineEdit>(&pane, QStringLiteral("modelFilter"));
    QSignalSpy loaded(&pane, &ModelsPane::loaded);
    QTRY_COMPARE(loaded.count(), 1);
    QCOMPARE(pane.modelsModel()->rowCount(), 2);
    filter->setText(QStringLiteral("framework=Keras"));
    QTRY_COMPARE(pane.modelsModel()->rowCount(), 1);
    QCOMPARE(cell(pane.modelsModel(), 0, 0), QStringLiteral("keras-mlp"));
    filter->setText(QStringLiteral("version>>"));
    QVERIFY2(pane.messageText().contains(QStringLiteral("Filter")), qPrintable(pane.messageText()));
    filter->setText(QStringLiteral("name=nothing"));
    QVERIFY(pane.messageText().isEmpty());
    QTRY_COMPARE(pane.modelsModel()->rowCount(), 0);
    QCOMPARE(child<QLabel>(&pane, QStringLiteral("emptyStateHeadline"))->text(),
             QStringLiteral("No model matches the filter"));
}

void TestModelsPane::readsOffTheGuiThread()
{
    StatementCounter gui(m_workspace->database()); // from before the pane opens the workspace: its first load too
    ModelsPane pane;
    QSignalSpy loaded(&pane, &ModelsPane::loaded);
    QSignalSpy lineageLoaded(&pane, &ModelsPane::lineageLoaded);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QVERIFY(loaded.isEmpty());
    // Until a version is shown there is nothing to act on.
    QVERIFY(!pane.currentVersion());
    QVERIFY(!child<QPushButton>(&pane, QStringLiteral("downloadModelButton"))->isEnabled());
    QVERIFY(!child<QPushButton>(&pane, QStringLiteral("deployModelButton"))->isEnabled());
    QTRY_COMPARE(loaded.count(), 1);
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("custom:1")); // the first listed
    QTRY_COMPARE(lineageLoaded.count(), 1);

    // Clicked: another model, then its older version (files from the versions read, lineage from the reader).
    auto *table = child<QTableView>(&pane, QStringLiteral("modelsTable"));
    auto *versions = child<QTableView>(&pane, QStringLiteral("modelVersionsTable"));
    auto *lineage = child<QTextBrowser>(&pane, QStringLiteral("modelLineage"));
    table->setCurrentIndex(table->model()->index(1, 0));
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("keras-mlp:2"));
    versions->setCurrentIndex(pane.versionsModel()->index(pane.versionsModel()->rowOfKey(1), 0));
    QCOMPARE(pane.selectedForDeletion(), QStringLiteral("keras-mlp:1"));
    QCOMPARE(pane.filesModel()->index(0, 1).data(TableModel::SortRole).toLongLong(), 70000);
    QTRY_VERIFY2(lineage->toPlainText().contains(QStringLiteral("keras-mlp:1")), qPrintable(lineage->toPlainText()));

    // A reload (as View > Refresh) keeps the model and the version selected.
    QSignalSpy lineageAgain(&pane, &ModelsPane::lineageLoaded);
    pane.setWorkspace(m_workspace.get());
    QTRY_COMPARE(loaded.count(), 2);
    QTRY_COMPARE(lineageAgain.count(), 1); // after the list, the versions, then the shown version's lineage
    QCOMPARE(pane.selectedForDeletion(), QStringLiteral("keras-mlp:1"));
    QVERIFY(lineage->toPlainText().contains(QStringLiteral("keras-mlp:1")));
    QCOMPARE(gui.count(), 0);
    QVERIFY(ModelRegistry(m_workspace->database(), m_workspace->blobs()).list().size() == 2);
    QVERIFY(gui.count() > 0); // the counter does count this connection's reads
}

void TestModelsPane::staleSelectionIsNotShown()
{
    ModelsPane pane;
    QSignalSpy loaded(&pane, &ModelsPane::loaded);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QTRY_COMPARE(loaded.count(), 1);
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("custom:1"));
    auto *table = child<QTableView>(&pane, QStringLiteral("modelsTable"));
    table->setCurrentIndex(table->model()->index(1, 0));
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("keras-mlp:2"));
    auto *lineage = child<QTextBrowser>(&pane, QStringLiteral("modelLineage"));
    QTRY_VERIFY(lineage->toPlainText().contains(QStringLiteral("keras-mlp:2")));

    // Every versions table shown from here, with the model current then.
    QStringList shown;
    mldesk::test::recordShown(shown, pane.versionsModel(), table, {}, this);
    QSignalSpy versionsLoaded(&pane, &ModelsPane::versionsLoaded);
    QSignalSpy lineageLoaded(&pane, &ModelsPane::lineageLoaded);
    // custom, then keras-mlp again before the event loop runs: custom's answer comes while keras-mlp is selected.
    table->setCurrentIndex(table->model()->index(0, 0));
    table->setCurrentIndex(table->model()->index(1, 0));
    QTRY_COMPARE(versionsLoaded.count(), 1); // keras-mlp's; custom's (read first, answered first) was dropped
    QCOMPARE(shown, QStringList{QStringLiteral("keras-mlp 2")});
    QCOMPARE(pane.selectedForDeletion(), QStringLiteral("keras-mlp:2"));

    // The same for a version's lineage: version 1, then 2 before the event loop runs.
    QTRY_COMPARE(lineageLoaded.count(), 1); // keras-mlp:2's, asked for when its versions came
    lineageLoaded.clear();
    auto *versions = child<QTableView>(&pane, QStringLiteral("modelVersionsTable"));
    QStringList lineages; // every lineage shown from here
    connect(lineage->document(), &QTextDocument::contentsChanged, this, [&] {
        if (!lineage->toPlainText().isEmpty())
            lineages.append(lineage->toPlainText());
    });
    versions->setCurrentIndex(pane.versionsModel()->index(pane.versionsModel()->rowOfKey(1), 0));
    versions->setCurrentIndex(pane.versionsModel()->index(pane.versionsModel()->rowOfKey(2), 0));
    QTRY_COMPARE(lineageLoaded.count(), 1);
    QVERIFY2(lineage->toPlainText().contains(QStringLiteral("keras-mlp:2")), qPrintable(lineage->toPlainText()));
    QVERIFY2(!lineages.join(u'|').contains(QStringLiteral("keras-mlp:1")), qPrintable(lineages.join(u'|')));
    QVERIFY(!lineages.isEmpty());
}

QTEST_MAIN(TestModelsPane)
#include "TestModelsPane.moc"
