// TestEnvironmentsPane: curated environments listed; the create dialog marks a YAML parse error on its line and
// refuses to create; a valid file with docker image and a variable becomes version 1, shown highlighted. Issue 12:
// loading the pane and moving its selection run no statement on the GUI thread's connection (SQLite's trace hook
// counts them), and the versions of an environment no longer selected are never shown.
#include "PaneTestSupport.h"
#include "StatementCounter.h"
#include "UiTestSupport.h"

#include "core/environments/EnvironmentRegistry.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "ui/dialogs/CreateEnvironmentDialog.h"
#include "ui/models/TableModel.h"
#include "ui/panes/EnvironmentsPane.h"
#include "ui/widgets/YamlHighlighter.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlDriver>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::test::StatementCounter;
using mldesk::ui::CreateEnvironmentDialog;
using mldesk::ui::EnvironmentsPane;

namespace {

} // namespace

class TestEnvironmentsPane final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void listsCuratedEnvironments();
    void yamlErrorPointsAtLine();
    void createsFromCondaYaml();
    void readsOffTheGuiThread();
    void staleVersionsAreNotShown();

private:
    CreateEnvironmentDialog *openDialog(EnvironmentsPane &pane);
    QTemporaryDir m_settings;
    std::unique_ptr<QTemporaryDir> m_root;
    std::unique_ptr<Workspace> m_workspace;
};

void TestEnvironmentsPane::initTestCase()
{
    mldesk::test::isolateSettings(m_settings);
}

void TestEnvironmentsPane::init()
{
    m_root = std::make_unique<QTemporaryDir>();
    m_workspace = Workspace::create(m_root->filePath(QStringLiteral("ws")), QStringLiteral("test"));
}

CreateEnvironmentDialog *TestEnvironmentsPane::openDialog(EnvironmentsPane &pane)
{
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("createEnvironmentButton")), Qt::LeftButton);
    return pane.findChild<CreateEnvironmentDialog *>(QStringLiteral("createEnvironmentDialog"));
}

void TestEnvironmentsPane::listsCuratedEnvironments()
{
    EnvironmentsPane pane;
    QAbstractItemModelTester tester(pane.environmentsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester versions(pane.versionsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QTRY_VERIFY(pane.environmentsModel()->rowOfKey(QStringLiteral("MLDesk-Native")) >= 0);
    QVERIFY(pane.environmentsModel()->rowOfKey(QStringLiteral("System-Python")) >= 0);
    QTRY_VERIFY(child<QLabel>(&pane, QStringLiteral("environmentDetails"))->text().contains(QStringLiteral("Curated")));
}

void TestEnvironmentsPane::yamlErrorPointsAtLine()
{
    EnvironmentsPane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    CreateEnvironmentDialog *dialog = openDialog(pane);
    QVERIFY(dialog);
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("environmentNameEdit")), QStringLiteral("broken"));
    auto *yaml = child<QPlainTextEdit>(dialog, QStringLiteral("condaYamlEdit"));
    yaml->setPlainText(QStringLiteral("name: broken\ndependencies:\n  - python=3.10\n  - [unclosed\n"));
    auto *status = child<QLabel>(dialog, QStringLiteral("yamlStatus"));
    QTRY_VERIFY(status->text().contains(QStringLiteral("line")));
    auto *highlighter = dialog->findChild<mldesk::ui::YamlHighlighter *>();
    QVERIFY(highlighter);
    QVERIFY2(highlighter->errorLine() >= 4, qPrintable(status->text()));
    QVERIFY(status->text().contains(QStringLiteral("line %1").arg(highlighter->errorLine())));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("createButton")), Qt::LeftButton);
    QVERIFY(dialog->isVisible());
    QVERIFY(dialog->errorText().contains(QStringLiteral("line")));
}

void TestEnvironmentsPane::createsFromCondaYaml()
{
    EnvironmentsPane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    CreateEnvironmentDialog *dialog = openDialog(pane);
    QVERIFY(dialog);
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("environmentNameEdit")), QStringLiteral("keras-env"));
    child<QPlainTextEdit>(dialog, QStringLiteral("condaYamlEdit"))
        ->setPlainText(QStringLiteral("name: keras-env\ndependencies:\n  - python=3.10\n  - pip:\n    - keras\n"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("dockerImageEdit")), QStringLiteral("ubuntu:22.04"));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("addVariableButton")), Qt::LeftButton);
    auto *vars = child<QTableWidget>(dialog, QStringLiteral("variablesTable"));
    vars->item(0, 0)->setText(QStringLiteral("KERAS_BACKEND"));
    vars->item(0, 1)->setText(QStringLiteral("torch"));
    QPointer<CreateEnvironmentDialog> guard = dialog;
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("createButton")), Qt::LeftButton);
    QTRY_VERIFY(guard.isNull() || !guard->isVisible());
    // Listed and selected once the pane's reads (off the GUI thread) have answered.
    QTRY_VERIFY(pane.environmentsModel()->rowOfKey(QStringLiteral("keras-env")) >= 0);
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("keras-env:1"));
    QCOMPARE(pane.versionsModel()->rowCount(), 1);
    QCOMPARE(pane.versionsModel()->index(0, 1).data().toString(), QStringLiteral("3.10"));
    QVERIFY(child<QPlainTextEdit>(&pane, QStringLiteral("specView"))->toPlainText().contains(QStringLiteral("keras")));
    const QString details = child<QLabel>(&pane, QStringLiteral("environmentDetails"))->text();
    QVERIFY2(details.contains(QStringLiteral("ubuntu:22.04")) && details.contains(QStringLiteral("KERAS_BACKEND")),
             qPrintable(details));
}

void TestEnvironmentsPane::readsOffTheGuiThread()
{
    mldesk::core::EnvironmentRegistry registry(m_workspace->database());
    registry.createFromConda(QStringLiteral("env-a"), QStringLiteral("name: a\ndependencies:\n  - python=3.10\n"));
    registry.createFromConda(QStringLiteral("env-a"), QStringLiteral("name: a\ndependencies:\n  - python=3.11\n"),
                             QStringLiteral("ubuntu:24.04"));
    StatementCounter gui(m_workspace->database()); // from before the pane opens the workspace: its first load too
    EnvironmentsPane pane;
    QSignalSpy loaded(&pane, &EnvironmentsPane::loaded);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QTRY_COMPARE(loaded.count(), 1);
    // The user's own environment, its newest version and that version's definition.
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("env-a:2"));
    auto *spec = child<QPlainTextEdit>(&pane, QStringLiteral("specView"));
    auto *details = child<QLabel>(&pane, QStringLiteral("environmentDetails"));
    QVERIFY(spec->toPlainText().contains(QStringLiteral("python=3.11")));
    QVERIFY(details->text().contains(QStringLiteral("ubuntu:24.04")));

    // The older version: its definition came with the versions.
    auto *versions = child<QTableView>(&pane, QStringLiteral("environmentVersionsTable"));
    versions->setCurrentIndex(pane.versionsModel()->index(pane.versionsModel()->rowOfKey(1), 0));
    QCOMPARE(pane.selectedForDeletion(), QStringLiteral("env-a:1"));
    QVERIFY(spec->toPlainText().contains(QStringLiteral("python=3.10")));
    QVERIFY(!details->text().contains(QStringLiteral("ubuntu")));

    // A curated environment, clicked.
    auto *table = child<QTableView>(&pane, QStringLiteral("environmentsTable"));
    table->setCurrentIndex(pane.environmentsModel()->index(
        pane.environmentsModel()->rowOfKey(mldesk::core::EnvironmentRegistry::nativeName()), 0));
    QTRY_VERIFY(details->text().contains(QStringLiteral("mldesk-train")));

    // A reload (as View > Refresh) keeps the environment and version selected.
    table->setCurrentIndex(
        pane.environmentsModel()->index(pane.environmentsModel()->rowOfKey(QStringLiteral("env-a")), 0));
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("env-a:2"));
    versions->setCurrentIndex(pane.versionsModel()->index(pane.versionsModel()->rowOfKey(1), 0));
    QSignalSpy versionsLoaded(&pane, &EnvironmentsPane::versionsLoaded);
    pane.setWorkspace(m_workspace.get());
    QTRY_COMPARE(loaded.count(), 2);
    QTRY_COMPARE(versionsLoaded.count(), 1); // read again after the list
    QCOMPARE(pane.selectedForDeletion(), QStringLiteral("env-a:1"));
    QCOMPARE(gui.count(), 0);
    QVERIFY(mldesk::core::EnvironmentRegistry(m_workspace->database()).list().size() >= 3);
    QVERIFY(gui.count() > 0); // the counter does count this connection's reads
}

void TestEnvironmentsPane::staleVersionsAreNotShown()
{
    mldesk::core::EnvironmentRegistry registry(m_workspace->database());
    for (const QString &python : {QStringLiteral("3.9"), QStringLiteral("3.10"), QStringLiteral("3.11")})
        registry.createFromConda(QStringLiteral("three"), QStringLiteral("dependencies:\n  - python=%1\n").arg(python));
    registry.createFromConda(QStringLiteral("two"), QStringLiteral("dependencies:\n  - python=3.8\n"));
    registry.createFromConda(QStringLiteral("two"), QStringLiteral("dependencies:\n  - python=3.12\n"));
    EnvironmentsPane pane;
    QSignalSpy loaded(&pane, &EnvironmentsPane::loaded);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QTRY_COMPARE(loaded.count(), 1);
    QTRY_COMPARE(pane.selectedForDeletion(), QStringLiteral("three:3"));

    auto *table = child<QTableView>(&pane, QStringLiteral("environmentsTable"));
    QStringList shown; // every versions table shown from here, with the environment current then
    mldesk::test::recordShown(shown, pane.versionsModel(), table, {}, this);
    QSignalSpy versionsLoaded(&pane, &EnvironmentsPane::versionsLoaded);
    const auto indexOf = [&](const QString &name) {
        return pane.environmentsModel()->index(pane.environmentsModel()->rowOfKey(name), 0);
    };
    // A curated one, then "two" before the event loop runs: the curated one's answer comes while "two" is selected.
    table->setCurrentIndex(indexOf(mldesk::core::EnvironmentRegistry::nativeName()));
    table->setCurrentIndex(indexOf(QStringLiteral("two")));
    QTRY_COMPARE(versionsLoaded.count(), 1); // "two"'s; the curated one's (read first, answered first) was dropped
    QCOMPARE(pane.selectedForDeletion(), QStringLiteral("two:2"));
    QCOMPARE(shown, QStringList{QStringLiteral("two 2")});
    QVERIFY(child<QPlainTextEdit>(&pane, QStringLiteral("specView"))->toPlainText().contains(QStringLiteral("3.12")));
}

QTEST_MAIN(TestEnvironmentsPane)
#include "TestEnvironmentsPane.moc"
