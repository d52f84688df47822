// TestRunContextMenu (issue 12 item 1): the Runs table's "Set Priority..." on a real workspace.db - enabled for a
// queued run, whose new priority (typed as a name or a number) reaches the store and the table's Priority column;
// disabled with the reason for a run that has ended; a bad value is said and changes nothing.
#include "UiTestSupport.h"

#include "core/experiments/ExperimentStore.h"
#include "core/runs/RunStore.h"
#include "core/workspace/Workspace.h"
#include "ui/models/RunsTableModel.h"
#include "ui/panes/RunsPane.h"
#include "ui/runs/RunContextMenu.h"

#include <QLabel>
#include <QMenu>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using mldesk::core::RunRecord;
using mldesk::core::RunState;
using mldesk::core::RunStore;
using mldesk::core::Workspace;
using mldesk::ui::RunsPane;
using mldesk::ui::RunsTableModel;

class TestRunContextMenu final : public QObject {
    Q_OBJECT

    QTemporaryDir m_settings;
    QTemporaryDir m_root;
    std::unique_ptr<Workspace> m_ws;

    RunRecord addRun(const QString &uid)
    {
        RunStore::NewRun run;
        run.uid = uid;
        run.experimentId = mldesk::core::ExperimentStore(m_ws->database()).find(u"prio"_s)->id;
        run.runDir = m_root.filePath(u"runs/"_s + uid);
        RunStore store(m_ws->database());
        return *store.findById(store.insert(run));
    }

    static QAction *priorityAction(QMenu *menu) { return menu->findChild<QAction *>(u"setPriorityAction"_s); }

private slots:
    void initTestCase()
    {
        mldesk::test::isolateSettings(m_settings);
        m_ws = Workspace::create(m_root.filePath(u"ws"_s), u"prio"_s);
        mldesk::core::ExperimentStore(m_ws->database()).create(u"prio"_s);
    }

    void setPriorityOfAQueuedRun()
    {
        const RunRecord queued = addRun(u"queued_run"_s);
        const RunRecord ended = addRun(u"ended_run"_s);
        RunStore store(m_ws->database());
        QVERIFY(store.transition(ended.id, {RunState::Queued}, RunState::Completed));

        RunsPane pane;
        mldesk::core::RunServiceOptions options;
        options.gpus = QList<int>{};
        options.schedule = false; // the queued run stays Queued
        pane.setServiceOptions(options);
        pane.setWorkspace(m_ws.get());
        pane.show();
        QTRY_VERIFY(pane.model()->rowOf(queued.uid) >= 0 && pane.model()->rowOf(ended.uid) >= 0);
        const auto priorityCell = [&] {
            return pane.model()->index(pane.model()->rowOf(queued.uid), RunsTableModel::Priority).data().toString();
        };
        QCOMPARE(priorityCell(), u"0 (normal)"_s);

        QString answer = u"high"_s;
        pane.runMenu()->setPriorityChooser(
            [&](QWidget *, const RunRecord &) { return std::optional<QString>(answer); });
        std::unique_ptr<QMenu> menu(
            pane.runMenu()->createMenu(pane.model()->run(pane.model()->rowOf(queued.uid)), &pane));
        QAction *action = priorityAction(menu.get());
        QVERIFY(action);
        QVERIFY(action->isEnabled());
        action->trigger();
        QTRY_COMPARE(priorityCell(), u"100 (high)"_s); // written on the service's thread, then the row follows
        QCOMPARE(store.get(queued.uid).priority, 100);

        // A bad value: said, and nothing changes.
        answer = u"9999"_s;
        pane.runMenu()->setPriority(store.get(queued.uid));
        auto *message = mldesk::test::child<QLabel>(&pane, u"runsMessage"_s);
        QVERIFY2(message->text().contains(u"priority 9999 is out of range"_s), qPrintable(message->text()));
        QCOMPARE(store.get(queued.uid).priority, 100);

        // An ended run: disabled, and the tooltip says why.
        std::unique_ptr<QMenu> endedMenu(
            pane.runMenu()->createMenu(pane.model()->run(pane.model()->rowOf(ended.uid)), &pane));
        QAction *disabled = priorityAction(endedMenu.get());
        QVERIFY(!disabled->isEnabled());
        QVERIFY2(disabled->toolTip().contains(u"has already ended (Completed)"_s), qPrintable(disabled->toolTip()));
    }
};

QTEST_MAIN(TestRunContextMenu)
#include "TestRunContextMenu.moc"
