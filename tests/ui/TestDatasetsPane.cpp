// TestDatasetsPane: register a folder through the dialog like a user (name, tags, add folder, Register) and see
// it in the table with its versions and files; a bad URL and an unreachable one show their errors inline; the
// activity list shows the job while it runs.
#include "UiTestSupport.h"

#include "core/datasets/DatasetRegistry.h"
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
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::ui::DatasetsPane;
using mldesk::ui::RegisterDatasetDialog;

class TestDatasetsPane final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void emptyWorkspaceShowsHint();
    void registersFolderThroughDialog();
    void badUrlShowsErrorInline();
    void unreachableUrlFailsInline();

private:
    RegisterDatasetDialog *openDialog(DatasetsPane &pane);

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

void TestDatasetsPane::emptyWorkspaceShowsHint()
{
    DatasetsPane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QCOMPARE(child<QLabel>(&pane, QStringLiteral("emptyStateHeadline"))->text(),
             QStringLiteral("No datasets registered yet"));
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

QTEST_MAIN(TestDatasetsPane)
#include "TestDatasetsPane.moc"
