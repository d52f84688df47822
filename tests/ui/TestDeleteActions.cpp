// TestDeleteActions (issue 17): deleting from the GUI as a user does - select a dataset version, a model version
// or a run, press Del, read what goes, answer once (Cancel changes nothing); a version a run still needs shows
// why it cannot go; File > Clean Up Workspace lists what it would free and removes only unreferenced files.
#include "UiTestSupport.h"

#include "../core/ModelTestSupport.h"
#include "core/datasets/DatasetRegistry.h"
#include "core/models/ModelRegistry.h"
#include "core/runs/RunStore.h"
#include "core/workspace/WorkspaceGc.h"
#include "ui/MainWindow.h"
#include "ui/panes/DatasetsPane.h"
#include "ui/panes/ModelsPane.h"
#include "ui/panes/RunsPane.h"

#include <QAbstractItemModel>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDirIterator>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QTest>

using namespace Qt::StringLiterals;
using mldesk::test::child;
using mldesk::ui::MainWindow;

namespace {

QMessageBox *visibleBox(const QString &objectName)
{
    for (QWidget *top : QApplication::topLevelWidgets()) {
        if (top->objectName() == objectName && top->isVisible())
            return qobject_cast<QMessageBox *>(top);
    }
    return nullptr;
}

// The message box an action opened: waits for it (under load the window answers late); when it does not come, the
// failure names the box that did appear instead (a refusal or an error says why), or that none did.
QMessageBox *shownBox(const QString &expected)
{
    QString other;
    const auto shown = [&]() -> QMessageBox * {
        for (QWidget *top : QApplication::topLevelWidgets()) {
            auto *box = qobject_cast<QMessageBox *>(top);
            if (box && box->isVisible()) {
                if (box->objectName() == expected)
                    return box;
                other = box->objectName() + u": "_s + box->text() + u' ' + box->informativeText();
            }
        }
        return nullptr;
    };
    [&] {
        QTRY_VERIFY2_WITH_TIMEOUT(shown(),
                                  qPrintable(u"%1 did not appear; shown instead: %2"_s.arg(
                                      expected, other.isEmpty() ? u"no message box"_s : other)),
                                  60000);
    }();
    return shown();
}

} // namespace

class TestDeleteActions final : public QObject {
    Q_OBJECT

    QTemporaryDir m_settings;
    std::unique_ptr<mldesk::test::TestWorkspace> m_ws;
    std::unique_ptr<MainWindow> m_window;

    qint64 dataset(const QByteArray &content)
    {
        const QString hash = m_ws->blobs().putBytes(content);
        return mldesk::core::DatasetRegistry(m_ws->db())
            .commit(u"d"_s, {}, {}, {{u"f.idx"_s, content.size(), hash, u"/x/f.idx"_s}}, true)
            .version.id;
    }

    void openWindow()
    {
        m_window = std::make_unique<MainWindow>();
        m_window->setWorkspace(mldesk::core::Workspace::open(m_ws->ws->path()));
        m_window->show();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    }

    // Focus a pane's table on `row`, as a click would, and press Del.
    void pressDeleteOn(const QString &tableName, int row)
    {
        auto *table = child<QTableView>(m_window.get(), tableName);
        QVERIFY(table);
        QTRY_VERIFY(table->model()->rowCount() > row);
        // A message box just closed gives the activation back to the window asynchronously: Del is its shortcut.
        QVERIFY(QTest::qWaitForWindowActive(m_window.get(), 60000));
        table->setFocus();
        table->selectRow(row);
        QVERIFY(table->selectionModel()->isRowSelected(row, {}));
        QTest::keyClick(table, Qt::Key_Delete);
    }

    int datasetVersions() { return m_ws->db().scalar(u"SELECT COUNT(*) FROM dataset_versions"_s).toInt(); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_settings.isValid());
        mldesk::test::isolateSettings(m_settings);
    }
    void init() { m_ws = std::make_unique<mldesk::test::TestWorkspace>(); }
    void cleanup()
    {
        m_window.reset();
        m_ws.reset();
    }

    void datasetVersionAsksOnce()
    {
        dataset("one");
        dataset("two");
        openWindow();
        m_window->showPane(MainWindow::Datasets);
        static_cast<mldesk::ui::DatasetsPane *>(m_window->pane(MainWindow::Datasets))->selectDataset(u"d"_s, 1);
        auto *versions = child<QTableView>(m_window.get(), u"versionsTable"_s);
        // The pane reads off the GUI thread: version 1 is current once its versions are shown.
        QTRY_COMPARE(versions->currentIndex().siblingAtColumn(0).data().toString(), u"1"_s);
        const int row = versions->currentIndex().row();

        pressDeleteOn(u"versionsTable"_s, row);
        QVERIFY(shownBox(u"deleteConfirmBox"_s));
        QMessageBox *box = visibleBox(u"deleteConfirmBox"_s);
        QVERIFY2(box->text().contains(u"dataset d:1"_s), qPrintable(box->text()));
        QVERIFY2(box->informativeText().contains(u"dataset version d:1 (1 file(s)"_s),
                 qPrintable(box->informativeText()));
        QTest::mouseClick(child<QPushButton>(box, u"cancelDeleteButton"_s), Qt::LeftButton);
        QTRY_VERIFY(!visibleBox(u"deleteConfirmBox"_s));
        QCOMPARE(datasetVersions(), 2);

        static_cast<mldesk::ui::DatasetsPane *>(m_window->pane(MainWindow::Datasets))->selectDataset(u"d"_s, 1);
        QTRY_COMPARE(versions->currentIndex().siblingAtColumn(0).data().toString(), u"1"_s);
        pressDeleteOn(u"versionsTable"_s, versions->currentIndex().row());
        QVERIFY(shownBox(u"deleteConfirmBox"_s));
        QTest::mouseClick(child<QPushButton>(visibleBox(u"deleteConfirmBox"_s), u"confirmDeleteButton"_s),
                          Qt::LeftButton);
        QTRY_COMPARE(datasetVersions(), 1);
        QTRY_COMPARE(versions->model()->rowCount(), 1); // the pane reloaded
    }

    void refusalSaysWhy()
    {
        const qint64 d1 = dataset("used");
        mldesk::test::TestWorkspace::Run r = m_ws->kerasRun(u"run-1"_s);
        r.datasetVersions = {d1};
        m_ws->run(r);
        openWindow();
        m_window->showPane(MainWindow::Datasets);
        static_cast<mldesk::ui::DatasetsPane *>(m_window->pane(MainWindow::Datasets))->selectDataset(u"d"_s, 1);
        auto *versions = child<QTableView>(m_window.get(), u"versionsTable"_s);
        QTRY_COMPARE(versions->currentIndex().siblingAtColumn(0).data().toString(), u"1"_s);
        pressDeleteOn(u"versionsTable"_s, versions->currentIndex().row());
        QVERIFY(shownBox(u"deleteRefusedBox"_s));
        QMessageBox *box = visibleBox(u"deleteRefusedBox"_s);
        QVERIFY2(box->informativeText().contains(u"run run-1 used it as an input"_s),
                 qPrintable(box->informativeText()));
        QVERIFY(!box->findChild<QPushButton *>(u"confirmDeleteButton"_s));
        box->close();
        QCOMPARE(datasetVersions(), 1);
    }

    void runThenModelThenCleanUp()
    {
        m_ws->run(m_ws->kerasRun(u"run-1"_s));
        mldesk::core::ModelRegistration m;
        m.name = u"m"_s;
        m.runUid = u"run-1"_s;
        m.runPath = u"outputs/model"_s;
        mldesk::core::ModelRegistry models(m_ws->db(), m_ws->blobs());
        models.setArchived(models.registerFromRun(m), true);
        openWindow();

        // The model version (archived) goes first: the run is its lineage.
        m_window->showPane(MainWindow::Models);
        QTest::mouseClick(child<QCheckBox>(m_window.get(), u"showArchivedCheck"_s), Qt::LeftButton);
        static_cast<mldesk::ui::ModelsPane *>(m_window->pane(MainWindow::Models))->selectModel(u"m"_s, 1);
        auto *versions = child<QTableView>(m_window.get(), u"modelVersionsTable"_s);
        QTRY_VERIFY(versions->currentIndex().isValid());
        pressDeleteOn(u"modelVersionsTable"_s, versions->currentIndex().row());
        QVERIFY(shownBox(u"deleteConfirmBox"_s));
        QTest::mouseClick(child<QPushButton>(visibleBox(u"deleteConfirmBox"_s), u"confirmDeleteButton"_s),
                          Qt::LeftButton);
        QTRY_COMPARE(m_ws->db().scalar(u"SELECT COUNT(*) FROM model_versions"_s).toInt(), 0);

        // Then the run, from the runs table.
        QTest::keyClick(m_window.get(), Qt::Key_4, Qt::ControlModifier);
        QTRY_COMPARE(m_window->currentPane(), int(MainWindow::Runs));
        pressDeleteOn(u"runsTable"_s, 0);
        QVERIFY(shownBox(u"deleteConfirmBox"_s));
        QMessageBox *box = visibleBox(u"deleteConfirmBox"_s);
        QVERIFY2(box->informativeText().contains(u"run-1"_s), qPrintable(box->informativeText()));
        QVERIFY2(box->informativeText().contains(u"nothing else uses"_s), qPrintable(box->informativeText()));
        QTest::mouseClick(child<QPushButton>(box, u"confirmDeleteButton"_s), Qt::LeftButton);
        QTRY_VERIFY(!mldesk::core::RunStore(m_ws->db()).find(u"run-1"_s));

        // Clean up: the run's four output files (aged past the grace period) are listed, then removed.
        dataset("kept");
        const QSet<QString> kept = mldesk::core::WorkspaceGc(*m_ws->ws).referencedBlobs();
        QDirIterator it(m_ws->blobs().root() + u"/sha256"_s, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext())
            QVERIFY(mldesk::test::agePath(it.next(), 7200));
        QTest::keyClick(m_window.get(), Qt::Key_Delete, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(shownBox(u"cleanUpBox"_s));
        QMessageBox *preview = visibleBox(u"cleanUpBox"_s);
        QVERIFY2(preview->informativeText().contains(u"4 unreferenced stored file(s)"_s),
                 qPrintable(preview->informativeText()));
        QTest::mouseClick(child<QPushButton>(preview, u"confirmCleanUpButton"_s), Qt::LeftButton);
        QVERIFY(shownBox(u"cleanUpResultBox"_s));
        QVERIFY2(visibleBox(u"cleanUpResultBox"_s)->informativeText().contains(u"Removed 4 stored file(s)"_s),
                 qPrintable(visibleBox(u"cleanUpResultBox"_s)->informativeText()));
        for (const QString &hash : kept)
            QVERIFY(m_ws->blobs().verify(hash));
        QCOMPARE(mldesk::core::WorkspaceGc(*m_ws->ws).referencedBlobs(), kept);
    }
};

QTEST_MAIN(TestDeleteActions)
#include "TestDeleteActions.moc"
