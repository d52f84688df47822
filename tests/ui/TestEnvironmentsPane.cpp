// TestEnvironmentsPane: curated environments listed; the create dialog marks a YAML parse error on its line and
// refuses to create; a valid file with docker image and a variable becomes version 1, shown highlighted.
#include "UiTestSupport.h"

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
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::ui::CreateEnvironmentDialog;
using mldesk::ui::EnvironmentsPane;

class TestEnvironmentsPane final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void listsCuratedEnvironments();
    void yamlErrorPointsAtLine();
    void createsFromCondaYaml();

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
    QVERIFY(pane.environmentsModel()->rowOfKey(QStringLiteral("MLDesk-Native")) >= 0);
    QVERIFY(pane.environmentsModel()->rowOfKey(QStringLiteral("System-Python")) >= 0);
    QVERIFY(child<QLabel>(&pane, QStringLiteral("environmentDetails"))->text().contains(QStringLiteral("Curated")));
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
    QVERIFY(pane.environmentsModel()->rowOfKey(QStringLiteral("keras-env")) >= 0);
    QCOMPARE(pane.versionsModel()->rowCount(), 1);
    QCOMPARE(pane.versionsModel()->index(0, 1).data().toString(), QStringLiteral("3.10"));
    QVERIFY(child<QPlainTextEdit>(&pane, QStringLiteral("specView"))->toPlainText().contains(QStringLiteral("keras")));
    const QString details = child<QLabel>(&pane, QStringLiteral("environmentDetails"))->text();
    QVERIFY2(details.contains(QStringLiteral("ubuntu:22.04")) && details.contains(QStringLiteral("KERAS_BACKEND")),
             qPrintable(details));
}

QTEST_MAIN(TestEnvironmentsPane)
#include "TestEnvironmentsPane.moc"
