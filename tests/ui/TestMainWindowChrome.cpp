// TestMainWindowChrome: the rough edges of issue 17 - no pane or dialog shows a literal '&' in a label, every menu
// action has a keyboard shortcut and Help > Keyboard Shortcuts (F1) lists them all, and Register Model proposes
// the run's experiment as the model name ("keras-mnist", not "model-model"). View > Theme > Dark gives the whole
// application a dark palette (remembered), and System goes back to the platform's.
#include "UiTestSupport.h"

#include "../core/ModelTestSupport.h"
#include "core/models/ModelRegistry.h"
#include "core/settings/Settings.h"
#include "core/workspace/Workspace.h"
#include "ui/MainWindow.h"
#include "ui/Theme.h"
#include "ui/dialogs/RegisterModelDialog.h"
#include "ui/widgets/ShortcutsDialog.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>
#include <QTextDocument>

using mldesk::test::child;
using mldesk::ui::MainWindow;

namespace {

// The text a visible label, button or group box shows, as the user reads it; empty for other widgets.
QString shownText(const QWidget *w)
{
    if (const auto *label = qobject_cast<const QLabel *>(w)) {
        const bool rich = label->textFormat() == Qt::RichText ||
                          (label->textFormat() == Qt::AutoText && Qt::mightBeRichText(label->text()));
        if (rich) {
            QTextDocument document;
            document.setHtml(label->text());
            return document.toPlainText();
        }
        // A plain label turns '&' into a mnemonic only when it has a buddy; without one the '&' is drawn.
        return label->buddy() ? mldesk::ui::ShortcutsDialog::withoutMnemonics(label->text()) : label->text();
    }
    if (const auto *button = qobject_cast<const QAbstractButton *>(w))
        return mldesk::ui::ShortcutsDialog::withoutMnemonics(button->text());
    if (const auto *box = qobject_cast<const QGroupBox *>(w))
        return mldesk::ui::ShortcutsDialog::withoutMnemonics(box->title());
    return {};
}

// "QLabel 'x': &Sources:" for every visible widget of every visible window that shows an '&'.
QStringList literalAmpersands()
{
    QStringList found;
    for (QWidget *top : QApplication::topLevelWidgets()) {
        if (!top->isVisible())
            continue;
        QList<QWidget *> widgets = top->findChildren<QWidget *>();
        widgets.prepend(top);
        for (const QWidget *w : std::as_const(widgets)) {
            if (w->window() == top && w->isVisible() && shownText(w).contains(u'&'))
                found.append(QStringLiteral("%1 '%2' in %3: %4")
                                 .arg(QString::fromLatin1(w->metaObject()->className()), w->objectName(),
                                      top->objectName(), shownText(w)));
        }
    }
    return found;
}

QWidget *visibleTopLevel(const QString &objectName)
{
    for (QWidget *top : QApplication::topLevelWidgets()) {
        if (top->objectName() == objectName && top->isVisible())
            return top;
    }
    return nullptr;
}

void closeDialogs()
{
    for (QWidget *top : QApplication::topLevelWidgets()) {
        if (qobject_cast<QDialog *>(top) && top->isVisible())
            top->close();
    }
}

} // namespace

class TestMainWindowChrome final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void finderSeesBuddylessAmpersand();
    void noLabelShowsAmpersand();
    void everyMenuActionHasShortcut();
    void shortcutsListedInHelp();
    void proposedModelName_data();
    void proposedModelName();
    void registerModelProposesExperiment();
    void themeMenuSwitchesPalette();

private:
    QTemporaryDir m_settings;
};

void TestMainWindowChrome::initTestCase()
{
    QVERIFY(m_settings.isValid());
    mldesk::test::isolateSettings(m_settings);
}

void TestMainWindowChrome::finderSeesBuddylessAmpersand()
{
    // The bug's own shape: QFormLayout::addRow(text, layout) makes a label without a buddy.
    QWidget form;
    form.setObjectName(QStringLiteral("formUnderTest"));
    auto *layout = new QFormLayout(&form);
    auto *row = new QHBoxLayout;
    row->addWidget(new QLineEdit);
    layout->addRow(QStringLiteral("&Sources:"), row);
    layout->addRow(QStringLiteral("&Name:"), new QLineEdit);
    form.show();
    QVERIFY(QTest::qWaitForWindowExposed(&form));
    const QStringList found = literalAmpersands();
    QCOMPARE(found.size(), 1);
    QVERIFY2(found.first().contains(QStringLiteral("&Sources:")), qPrintable(found.first()));
}

void TestMainWindowChrome::noLabelShowsAmpersand()
{
    // A workspace with a run and a registered model, so the panes show their details, not only empty states.
    mldesk::test::TestWorkspace ws;
    ws.run(ws.kerasRun(QStringLiteral("run-1")));
    mldesk::core::ModelRegistration r;
    r.name = QStringLiteral("keras-mnist");
    r.runUid = QStringLiteral("run-1");
    r.runPath = QStringLiteral("outputs/model");
    mldesk::core::ModelRegistry(ws.db(), ws.blobs()).registerFromRun(r);

    MainWindow window;
    window.setWorkspace(mldesk::core::Workspace::open(ws.ws->path()));
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QStringList found;
    for (int pane = 0; pane < MainWindow::PaneCount; ++pane) {
        QTest::keyClick(&window, Qt::Key(Qt::Key_1 + pane), Qt::ControlModifier);
        QTRY_COMPARE(window.currentPane(), pane);
        found += literalAmpersands();
    }

    // Every dialog, opened the way a user opens it.
    struct Opener {
        QString dialog;
        std::function<void()> open;
    };
    const QList<Opener> openers = {
        {QStringLiteral("workspacePicker"),
         [&] {
             QTest::keyClick(&window, Qt::Key_O, Qt::ControlModifier);
         }},
        {QStringLiteral("submitRunDialog"),
         [&] {
             QTest::keyClick(&window, Qt::Key_R, Qt::ControlModifier);
         }},
        {QStringLiteral("registerDatasetDialog"),
         [&] {
             QTest::keyClick(&window, Qt::Key_D, Qt::ControlModifier | Qt::ShiftModifier);
         }},
        {QStringLiteral("createEnvironmentDialog"),
         [&] {
             window.showPane(MainWindow::Environments);
             QTest::mouseClick(child<QPushButton>(&window, QStringLiteral("createEnvironmentButton")), Qt::LeftButton);
         }},
        {QStringLiteral("slurmTargetDialog"),
         [&] {
             window.showPane(MainWindow::Compute);
             QTest::mouseClick(child<QPushButton>(&window, QStringLiteral("addSlurmButton")), Qt::LeftButton);
         }},
        {QStringLiteral("registerModelDialog"),
         [&] {
             auto *dialog = new mldesk::ui::RegisterModelDialog(*window.workspace(), QStringLiteral("run-1"),
                                                                QStringLiteral("outputs/model"), &window);
             dialog->setAttribute(Qt::WA_DeleteOnClose);
             dialog->open();
         }},
        {QStringLiteral("shortcutsDialog"),
         [&] {
             QTest::keyClick(&window, Qt::Key_F1);
         }},
        {QStringLiteral("runColumnsDialog"),
         [&] {
             window.showPane(MainWindow::Runs);
             QTest::mouseClick(child<QPushButton>(&window, QStringLiteral("runColumnsButton")), Qt::LeftButton);
         }},
        {QStringLiteral("cleanUpBox"),
         [&] {
             QTest::keyClick(&window, Qt::Key_Delete, Qt::ControlModifier | Qt::ShiftModifier);
         }},
        {QStringLiteral("aboutBox"),
         [&] {
             QTest::keyClick(&window, Qt::Key_F1, Qt::ShiftModifier);
         }},
    };
    for (const Opener &opener : openers) {
        opener.open();
        QTRY_VERIFY2(visibleTopLevel(opener.dialog), qPrintable(opener.dialog));
        found += literalAmpersands();
        closeDialogs();
        QTRY_VERIFY(!visibleTopLevel(opener.dialog));
        window.activateWindow(); // the next shortcut goes to the main window again
        QVERIFY(QTest::qWaitForWindowActive(&window));
    }
    found.removeDuplicates();
    QVERIFY2(found.isEmpty(), qPrintable(found.join(u'\n')));
}

void TestMainWindowChrome::everyMenuActionHasShortcut()
{
    MainWindow window;
    const QList<QPair<QString, QString>> list = mldesk::ui::ShortcutsDialog::shortcuts(window.menuBar());
    QVERIFY(list.size() >= 10);
    QStringList keys;
    for (const auto &[action, key] : list) {
        QVERIFY2(!key.isEmpty(), qPrintable(action + QStringLiteral(" has no shortcut")));
        QVERIFY2(!keys.contains(key), qPrintable(key + QStringLiteral(" is used twice")));
        keys.append(key);
    }
}

void TestMainWindowChrome::shortcutsListedInHelp()
{
    mldesk::test::TestWorkspace ws;
    MainWindow window;
    window.setWorkspace(mldesk::core::Workspace::open(ws.ws->path()));
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QTest::keyClick(&window, Qt::Key_F1);
    QTRY_VERIFY(visibleTopLevel(QStringLiteral("shortcutsDialog")));
    auto *table =
        child<QTableWidget>(visibleTopLevel(QStringLiteral("shortcutsDialog")), QStringLiteral("shortcutsTable"));
    const QList<QPair<QString, QString>> list = mldesk::ui::ShortcutsDialog::shortcuts(window.menuBar());
    QCOMPARE(table->rowCount(), int(list.size()));
    QMap<QString, QString> shown;
    for (int row = 0; row < table->rowCount(); ++row)
        shown.insert(table->item(row, 0)->text(), table->item(row, 1)->text());
    QCOMPARE(shown.value(QStringLiteral("Run > Submit Run\u2026")), QStringLiteral("Ctrl+R"));
    QCOMPARE(shown.value(QStringLiteral("Run > Register Dataset\u2026")), QStringLiteral("Ctrl+Shift+D"));
    QCOMPARE(shown.value(QStringLiteral("Help > Keyboard Shortcuts")), QStringLiteral("F1"));
    QTest::mouseClick(child<QPushButton>(table->window(), QStringLiteral("closeButton")), Qt::LeftButton);
    QTRY_VERIFY(!visibleTopLevel(QStringLiteral("shortcutsDialog")));

    // A listed key does what it says: Ctrl+Shift+D opens Register Dataset on the Datasets pane.
    window.showPane(MainWindow::Runs);
    QTest::keyClick(&window, Qt::Key_D, Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_VERIFY(visibleTopLevel(QStringLiteral("registerDatasetDialog")));
    QCOMPARE(window.currentPane(), int(MainWindow::Datasets));
    closeDialogs();
}

void TestMainWindowChrome::proposedModelName_data()
{
    QTest::addColumn<QString>("experiment");
    QTest::addColumn<QString>("folder");
    QTest::addColumn<QString>("expected");
    QTest::newRow("experiment") << "keras-mnist"
                                << "model"
                                << "keras-mnist";
    QTest::newRow("spaces and punctuation") << "  my exp (v2)!"
                                            << "model"
                                            << "my-exp-v2";
    QTest::newRow("no experiment") << ""
                                   << "weights"
                                   << "weights";
    QTest::newRow("nothing usable") << "!!!"
                                    << "???"
                                    << "model";
}

void TestMainWindowChrome::proposedModelName()
{
    QFETCH(QString, experiment);
    QFETCH(QString, folder);
    QFETCH(QString, expected);
    QCOMPARE(mldesk::ui::RegisterModelDialog::proposedName(experiment, folder), expected);
}

void TestMainWindowChrome::registerModelProposesExperiment()
{
    // Regression (issue 17): a run of keras-mnist proposed "model-model" for its outputs/model folder.
    mldesk::test::TestWorkspace ws;
    ws.run(ws.kerasRun(QStringLiteral("run-1")));
    mldesk::ui::RegisterModelDialog dialog(*ws.ws, QStringLiteral("run-1"), QStringLiteral("outputs/model"));
    dialog.show();
    auto *name = child<QComboBox>(&dialog, QStringLiteral("modelNameCombo"));
    QCOMPARE(name->currentText(), QStringLiteral("keras-mnist"));
    QTest::mouseClick(child<QPushButton>(&dialog, QStringLiteral("registerButton")), Qt::LeftButton);
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(mldesk::core::ModelRegistry(ws.db(), ws.blobs()).list({}, true).value(0).name,
             QStringLiteral("keras-mnist"));
}

QTEST_MAIN(TestMainWindowChrome)
void TestMainWindowChrome::themeMenuSwitchesPalette()
{
    MainWindow window;
    window.show();
    const QPalette before = QApplication::palette();
    auto *dark = window.findChild<QAction *>(QStringLiteral("darkThemeAction"));
    QVERIFY(dark);
    dark->trigger();
    QVERIFY(mldesk::ui::Theme::isDark(QApplication::palette()));
    QTRY_VERIFY(mldesk::ui::Theme::isDark(window.palette())); // the widgets follow
    // Text stays readable: light on dark.
    QVERIFY(QApplication::palette().color(QPalette::Text).lightness() > 200);
    QCOMPARE(mldesk::core::Settings::theme(), QStringLiteral("dark"));
    window.findChild<QAction *>(QStringLiteral("systemThemeAction"))->trigger();
    QCOMPARE(QApplication::palette().color(QPalette::Window), before.color(QPalette::Window));
    QCOMPARE(mldesk::core::Settings::theme(), QStringLiteral("system"));
}

#include "TestMainWindowChrome.moc"
