// TestWorkspacePicker: opening and creating workspaces through the picker's fields and buttons, the recent list,
// the folder-dialog seam, and errors from core shown in the dialog (issue 2).
#include "UiTestSupport.h"

#include "core/settings/Settings.h"
#include "core/workspace/Workspace.h"
#include "ui/WorkspacePicker.h"

#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using mldesk::core::Settings;
using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::ui::WorkspacePicker;

class TestWorkspacePicker final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void createsThroughTheFields();
    void opensThroughTheFields();
    void invalidFolderShowsErrorInDialog_data();
    void invalidFolderShowsErrorInDialog();
    void createValidatesInPlace();
    void createErrorFromCoreShownInDialog();
    void doubleClickOnRecentOpensIt();
    void brokenRecentShowsError();
    void removeFromRecent();
    void browseUsesTheFolderChooser();
    void cancelLeavesNoWorkspace();

private:
    QString makeWorkspace(const QString &folderName, const QString &name);

    QTemporaryDir m_settings;
    std::unique_ptr<QTemporaryDir> m_root;
};

void TestWorkspacePicker::initTestCase()
{
    QVERIFY(m_settings.isValid());
    mldesk::test::isolateSettings(m_settings);
}

void TestWorkspacePicker::init()
{
    m_root = std::make_unique<QTemporaryDir>();
    QVERIFY(m_root->isValid());
    for (const QString &path : Settings::recentWorkspaces())
        Settings::removeRecentWorkspace(path);
}

QString TestWorkspacePicker::makeWorkspace(const QString &folderName, const QString &name)
{
    const QString folder = m_root->filePath(folderName);
    Workspace::create(folder, name); // closed again at once
    return QDir::cleanPath(folder);
}

void TestWorkspacePicker::createsThroughTheFields()
{
    WorkspacePicker picker;
    QSignalSpy accepted(&picker, &QDialog::accepted);
    picker.show();
    QVERIFY(QTest::qWaitForWindowExposed(&picker));

    auto *createButton = child<QPushButton>(&picker, QStringLiteral("createButton"));
    QVERIFY(createButton);
    QVERIFY(!createButton->isEnabled());
    const QString folder = m_root->filePath(QStringLiteral("fresh/nested"));
    QTest::keyClicks(child<QLineEdit>(&picker, QStringLiteral("createPathEdit")), folder);
    QVERIFY2(!createButton->isEnabled(), "a name is still missing");
    QTest::keyClicks(child<QLineEdit>(&picker, QStringLiteral("createNameEdit")), QStringLiteral("Fashion MNIST"));
    QVERIFY(createButton->isEnabled());
    QTest::mouseClick(createButton, Qt::LeftButton);

    QTRY_COMPARE(accepted.count(), 1);
    QVERIFY(!picker.isVisible());
    std::unique_ptr<Workspace> workspace = picker.takeWorkspace();
    QVERIFY(workspace);
    QCOMPARE(workspace->name(), QStringLiteral("Fashion MNIST"));
    QCOMPARE(workspace->path(), QDir::cleanPath(folder));
    QVERIFY(QFile::exists(QDir(folder).filePath(Workspace::configFileName())));
}

void TestWorkspacePicker::opensThroughTheFields()
{
    const QString folder = makeWorkspace(QStringLiteral("existing"), QStringLiteral("Existing One"));
    WorkspacePicker picker;
    QSignalSpy accepted(&picker, &QDialog::accepted);
    picker.show();
    QVERIFY(QTest::qWaitForWindowExposed(&picker));

    QTest::keyClicks(child<QLineEdit>(&picker, QStringLiteral("openPathEdit")), folder);
    QTest::mouseClick(child<QPushButton>(&picker, QStringLiteral("openButton")), Qt::LeftButton);

    QTRY_COMPARE(accepted.count(), 1);
    std::unique_ptr<Workspace> workspace = picker.takeWorkspace();
    QVERIFY(workspace);
    QCOMPARE(workspace->name(), QStringLiteral("Existing One"));
    QCOMPARE(workspace->path(), folder);
}

void TestWorkspacePicker::invalidFolderShowsErrorInDialog_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("folder without config.json") << QStringLiteral("empty");
    QTest::newRow("folder that does not exist") << QStringLiteral("missing");
    QTest::newRow("a file, not a folder") << QStringLiteral("file");
    QTest::newRow("config.json that is not JSON") << QStringLiteral("badjson");
}

void TestWorkspacePicker::invalidFolderShowsErrorInDialog()
{
    QFETCH(QString, kind);
    QString path = m_root->filePath(kind);
    if (kind == QStringLiteral("empty")) {
        QVERIFY(QDir().mkpath(path));
    } else if (kind == QStringLiteral("file")) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not a workspace\n");
    } else if (kind == QStringLiteral("badjson")) {
        path = makeWorkspace(kind, QStringLiteral("Damaged"));
        QFile config(QDir(path).filePath(Workspace::configFileName()));
        QVERIFY(config.open(QIODevice::WriteOnly | QIODevice::Truncate));
        config.write("{ this is not json");
    }

    WorkspacePicker picker;
    QSignalSpy accepted(&picker, &QDialog::accepted);
    picker.show();
    QVERIFY(QTest::qWaitForWindowExposed(&picker));
    auto *error = child<QLabel>(&picker, QStringLiteral("errorLabel"));
    QVERIFY(error);
    QVERIFY(!error->isVisible());

    QTest::keyClicks(child<QLineEdit>(&picker, QStringLiteral("openPathEdit")), path);
    QTest::mouseClick(child<QPushButton>(&picker, QStringLiteral("openButton")), Qt::LeftButton);

    QTRY_VERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QDir::toNativeSeparators(path)), qPrintable(error->text()));
    QCOMPARE(picker.errorText(), error->text());
    QVERIFY(picker.isVisible());
    QCOMPARE(accepted.count(), 0);
    QVERIFY(!picker.takeWorkspace());
}

void TestWorkspacePicker::createValidatesInPlace()
{
    const QString existing = makeWorkspace(QStringLiteral("taken"), QStringLiteral("Taken"));
    const QString file = m_root->filePath(QStringLiteral("plain.txt"));
    {
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
    }
    WorkspacePicker picker;
    picker.show();
    QVERIFY(QTest::qWaitForWindowExposed(&picker));
    auto *path = child<QLineEdit>(&picker, QStringLiteral("createPathEdit"));
    auto *name = child<QLineEdit>(&picker, QStringLiteral("createNameEdit"));
    auto *hint = child<QLabel>(&picker, QStringLiteral("createHint"));
    auto *button = child<QPushButton>(&picker, QStringLiteral("createButton"));
    QVERIFY(path && name && hint && button);

    QTest::keyClicks(name, QStringLiteral("x"));
    QVERIFY(!button->isEnabled());
    QVERIFY2(hint->text().contains(QStringLiteral("folder")), qPrintable(hint->text()));

    QTest::keyClicks(path, file);
    QVERIFY(!button->isEnabled());
    QVERIFY2(hint->text().contains(QStringLiteral("is a file")), qPrintable(hint->text()));

    path->clear();
    QTest::keyClicks(path, existing);
    QVERIFY(!button->isEnabled());
    QVERIFY2(hint->text().contains(QStringLiteral("already holds a workspace")), qPrintable(hint->text()));

    path->clear();
    QTest::keyClicks(path, m_root->filePath(QStringLiteral("new")));
    QVERIFY(button->isEnabled());
    QVERIFY(!hint->isVisible());
    name->clear();
    QVERIFY(!button->isEnabled());
    QVERIFY2(hint->text().contains(QStringLiteral("name")), qPrintable(hint->text()));
}

void TestWorkspacePicker::createErrorFromCoreShownInDialog()
{
    // The folder's parent is a file: the picker's checks pass, core refuses; its message must reach the dialog.
    const QString file = m_root->filePath(QStringLiteral("blocker"));
    {
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
    }
    WorkspacePicker picker;
    QSignalSpy accepted(&picker, &QDialog::accepted);
    picker.show();
    QVERIFY(QTest::qWaitForWindowExposed(&picker));
    QTest::keyClicks(child<QLineEdit>(&picker, QStringLiteral("createPathEdit")), file + QStringLiteral("/ws"));
    QTest::keyClicks(child<QLineEdit>(&picker, QStringLiteral("createNameEdit")), QStringLiteral("Nope"));
    QTest::mouseClick(child<QPushButton>(&picker, QStringLiteral("createButton")), Qt::LeftButton);

    auto *error = child<QLabel>(&picker, QStringLiteral("errorLabel"));
    QTRY_VERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QStringLiteral("blocker")), qPrintable(error->text()));
    QCOMPARE(accepted.count(), 0);
    QVERIFY(picker.isVisible());
}

void TestWorkspacePicker::doubleClickOnRecentOpensIt()
{
    const QString older = makeWorkspace(QStringLiteral("older"), QStringLiteral("Older"));
    const QString newer = makeWorkspace(QStringLiteral("newer"), QStringLiteral("Newer"));
    Settings::addRecentWorkspace(older);
    Settings::addRecentWorkspace(newer);

    WorkspacePicker picker;
    QSignalSpy accepted(&picker, &QDialog::accepted);
    picker.show();
    QVERIFY(QTest::qWaitForWindowExposed(&picker));
    auto *list = child<QListWidget>(&picker, QStringLiteral("recentList"));
    QVERIFY(list);
    QCOMPARE(list->count(), 2);
    QVERIFY(list->item(0)->text().contains(newer));
    QListWidgetItem *item = list->item(1);
    QVERIFY(item->text().contains(older));

    const QPoint centre = list->visualItemRect(item).center();
    // A double click is press, release, press-as-double-click: the view needs the first press to know the item.
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, centre);
    QTest::mouseDClick(list->viewport(), Qt::LeftButton, {}, centre);

    QTRY_COMPARE(accepted.count(), 1);
    std::unique_ptr<Workspace> workspace = picker.takeWorkspace();
    QVERIFY(workspace);
    QCOMPARE(workspace->name(), QStringLiteral("Older"));
}

void TestWorkspacePicker::brokenRecentShowsError()
{
    const QString folder = makeWorkspace(QStringLiteral("broken"), QStringLiteral("Broken"));
    Settings::addRecentWorkspace(folder);
    QVERIFY(QFile::remove(QDir(folder).filePath(Workspace::configFileName())));

    WorkspacePicker picker;
    QSignalSpy accepted(&picker, &QDialog::accepted);
    picker.show();
    QVERIFY(QTest::qWaitForWindowExposed(&picker));
    QTest::mouseClick(child<QPushButton>(&picker, QStringLiteral("openRecentButton")), Qt::LeftButton);

    auto *error = child<QLabel>(&picker, QStringLiteral("errorLabel"));
    QTRY_VERIFY(error->isVisible());
    QVERIFY2(error->text().contains(folder), qPrintable(error->text()));
    QCOMPARE(accepted.count(), 0);
}

void TestWorkspacePicker::removeFromRecent()
{
    const QString folder = makeWorkspace(QStringLiteral("listed"), QStringLiteral("Listed"));
    Settings::addRecentWorkspace(folder);
    WorkspacePicker picker;
    picker.show();
    QVERIFY(QTest::qWaitForWindowExposed(&picker));
    auto *list = child<QListWidget>(&picker, QStringLiteral("recentList"));
    auto *remove = child<QPushButton>(&picker, QStringLiteral("removeRecentButton"));
    QCOMPARE(list->count(), 1);
    QVERIFY(remove->isEnabled());

    QTest::mouseClick(remove, Qt::LeftButton);

    QVERIFY(Settings::recentWorkspaces().isEmpty());
    QCOMPARE(list->count(), 1); // the "No recent workspaces" line, not selectable
    QCOMPARE(list->item(0)->flags(), Qt::NoItemFlags);
    QVERIFY(!remove->isEnabled());
    QVERIFY(!child<QPushButton>(&picker, QStringLiteral("openRecentButton"))->isEnabled());
}

void TestWorkspacePicker::browseUsesTheFolderChooser()
{
    const QString folder = makeWorkspace(QStringLiteral("browsed"), QStringLiteral("Browsed"));
    WorkspacePicker picker;
    QStringList captions;
    picker.setFolderChooser([&](QWidget *, const QString &caption, const QString &) {
        captions << caption;
        return folder;
    });
    QSignalSpy accepted(&picker, &QDialog::accepted);
    picker.show();
    QVERIFY(QTest::qWaitForWindowExposed(&picker));

    QTest::mouseClick(child<QPushButton>(&picker, QStringLiteral("createBrowseButton")), Qt::LeftButton);
    QCOMPARE(child<QLineEdit>(&picker, QStringLiteral("createPathEdit"))->text(), QDir::toNativeSeparators(folder));
    QTest::mouseClick(child<QPushButton>(&picker, QStringLiteral("openBrowseButton")), Qt::LeftButton);
    QCOMPARE(child<QLineEdit>(&picker, QStringLiteral("openPathEdit"))->text(), QDir::toNativeSeparators(folder));
    QCOMPARE(captions.size(), 2);
    QCOMPARE(accepted.count(), 0); // browsing only fills the field

    QTest::mouseClick(child<QPushButton>(&picker, QStringLiteral("openButton")), Qt::LeftButton);
    QTRY_COMPARE(accepted.count(), 1);
    QCOMPARE(picker.takeWorkspace()->name(), QStringLiteral("Browsed"));
}

void TestWorkspacePicker::cancelLeavesNoWorkspace()
{
    WorkspacePicker picker;
    QSignalSpy rejected(&picker, &QDialog::rejected);
    picker.show();
    QVERIFY(QTest::qWaitForWindowExposed(&picker));
    QTest::keyClick(&picker, Qt::Key_Escape);
    QTRY_COMPARE(rejected.count(), 1);
    QVERIFY(!picker.takeWorkspace());
}

QTEST_MAIN(TestWorkspacePicker)
#include "TestWorkspacePicker.moc"
