// TestComputePane: 'local' listed with this machine probed in the background; the Slurm dialog shows each problem
// under its field, stores the token through the keychain seam (and shows a keychain failure inline), and a valid
// target appears in the table; the built-in target cannot be removed (said inline).
#include "UiTestSupport.h"

#include "core/compute/ComputeTargetRegistry.h"
#include "core/workspace/Workspace.h"
#include "ui/dialogs/SlurmTargetDialog.h"
#include "ui/models/TableModel.h"
#include "ui/panes/ComputePane.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::ui::ComputePane;
using mldesk::ui::SlurmTargetDialog;

class TestComputePane final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void listsLocalAndProbesMachine();
    void slurmDialogValidatesPerField();
    void slurmTargetWithKeychainToken();
    void builtinCannotBeRemoved();

private:
    SlurmTargetDialog *openDialog(ComputePane &pane);
    void fillValid(SlurmTargetDialog *dialog);
    QTemporaryDir m_settings;
    std::unique_ptr<QTemporaryDir> m_root;
    std::unique_ptr<Workspace> m_workspace;
};

void TestComputePane::initTestCase()
{
    mldesk::test::isolateSettings(m_settings);
}

void TestComputePane::init()
{
    m_root = std::make_unique<QTemporaryDir>();
    m_workspace = Workspace::create(m_root->filePath(QStringLiteral("ws")), QStringLiteral("test"));
}

SlurmTargetDialog *TestComputePane::openDialog(ComputePane &pane)
{
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("addSlurmButton")), Qt::LeftButton);
    return pane.findChild<SlurmTargetDialog *>(QStringLiteral("slurmTargetDialog"));
}

void TestComputePane::fillValid(SlurmTargetDialog *dialog)
{
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("targetNameEdit")), QStringLiteral("cluster"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("urlEdit")), QStringLiteral("http://127.0.0.1:6820"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("userEdit")), QStringLiteral("alice"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("sharedDirEdit")), m_root->path());
}

void TestComputePane::listsLocalAndProbesMachine()
{
    ComputePane pane;
    QAbstractItemModelTester targets(pane.targetsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester gpus(pane.gpusModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QCOMPARE(pane.targetsModel()->index(0, 0).data().toString(), QStringLiteral("local"));
    QTRY_VERIFY_WITH_TIMEOUT(pane.localProbed(), 20000);
    auto *summary = child<QLabel>(&pane, QStringLiteral("localSummary"));
    QVERIFY2(summary->text().contains(QStringLiteral("CPU core")), qPrintable(summary->text()));
    QVERIFY(pane.targetsModel()->index(0, 2).data().toString().startsWith(QStringLiteral("ready")));
}

void TestComputePane::slurmDialogValidatesPerField()
{
    ComputePane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    SlurmTargetDialog *dialog = openDialog(pane);
    QVERIFY(dialog);
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("targetNameEdit")), QStringLiteral("local"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("urlEdit")), QStringLiteral("ftp:/nope"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("timeLimitEdit")), QStringLiteral("soon"));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("createButton")), Qt::LeftButton);
    QVERIFY(dialog->isVisible());
    QVERIFY(dialog->fieldError(QStringLiteral("name")).contains(QStringLiteral("exists")));
    QVERIFY(!dialog->fieldError(QStringLiteral("url")).isEmpty());
    QVERIFY(!dialog->fieldError(QStringLiteral("time_limit")).isEmpty());
    QVERIFY(!dialog->fieldError(QStringLiteral("token")).isEmpty());
    QVERIFY(child<QLabel>(dialog, QStringLiteral("urlError"))->isVisible());
    QCOMPARE(child<QLineEdit>(dialog, QStringLiteral("tokenEdit"))->echoMode(), QLineEdit::Password);
}

void TestComputePane::slurmTargetWithKeychainToken()
{
    ComputePane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    SlurmTargetDialog *dialog = openDialog(pane);
    QString storedKey;
    QString storedToken;
    QString answer = QStringLiteral("no keyring daemon");
    dialog->setTokenSaver(
        [&](const QString &key, const QString &token, QObject *, std::function<void(const QString &)> done) {
            storedKey = key;
            storedToken = token;
            done(answer);
        });
    fillValid(dialog);
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("tokenEdit")), QStringLiteral("eyJ.secret"));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("createButton")), Qt::LeftButton);
    QVERIFY(dialog->errorText().contains(QStringLiteral("no keyring daemon")));
    QVERIFY(!mldesk::core::ComputeTargetRegistry(m_workspace->database()).find(QStringLiteral("cluster")));

    answer.clear();
    QPointer<SlurmTargetDialog> guard = dialog;
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("createButton")), Qt::LeftButton);
    QTRY_VERIFY(guard.isNull() || !guard->isVisible());
    QCOMPARE(storedToken, QStringLiteral("eyJ.secret"));
    QVERIFY(storedKey.contains(QStringLiteral("cluster")));
    const auto target = mldesk::core::ComputeTargetRegistry(m_workspace->database()).find(QStringLiteral("cluster"));
    QVERIFY(target && target->slurm.tokenInKeychain);
    QVERIFY(pane.targetsModel()->rowOfKey(QStringLiteral("cluster")) >= 0);
}

void TestComputePane::builtinCannotBeRemoved()
{
    ComputePane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    auto *view = child<QTableView>(&pane, QStringLiteral("targetsTable"));
    view->setCurrentIndex(view->model()->index(0, 0));
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("removeTargetButton")), Qt::LeftButton);
    auto *message = child<QLabel>(&pane, QStringLiteral("messageLabel"));
    QVERIFY(message->isVisible());
    QVERIFY(!message->text().isEmpty());
    QVERIFY(pane.targetsModel()->rowOfKey(QStringLiteral("local")) >= 0);
}

QTEST_MAIN(TestComputePane)
#include "TestComputePane.moc"
