// TestSweepEndToEnd: the "Done when" from the GUI (issue 16) - the Runs pane's "Submit Sweep" dialog with the
// seed's HyperDrive preset shrunk to --epochs 2, 6 trials, 2 at a time, on a small synthetic MNIST with the real
// mldesk-train; the window's own run and sweep services carry it to a Completed parent, its Trials tab shows the six
// children (also in the runs table, marked as children), and "Register Best Model" registers the best child's model.
// Waits on conditions only.
#include "UiTestSupport.h"

#include "../core/RunTestSupport.h"

#include "core/models/ModelRegistry.h"
#include "core/runs/RunStore.h"
#include "core/sweeps/SweepTrialsModel.h"
#include "core/workspace/Workspace.h"
#include "ui/dialogs/RegisterModelDialog.h"
#include "ui/models/RunsTableModel.h"
#include "ui/panes/RunsPane.h"
#include "ui/runs/RunDetails.h"
#include "ui/sweeps/SubmitSweepDialog.h"
#include "ui/sweeps/SweepView.h"

#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk;

class TestSweepEndToEnd final : public QObject {
    Q_OBJECT

private slots:
    void presetFromTheDialogToTheBestModel();
};

void TestSweepEndToEnd::presetFromTheDialogToTheBestModel()
{
    QTemporaryDir dir;
    auto ws = core::Workspace::create(dir.filePath(u"ws"_s), u"ui"_s);
    test::writeSyntheticMnist(dir.filePath(u"data"_s));
    test::registerFolder(*ws, u"synth"_s, dir.filePath(u"data"_s));

    ui::RunsPane pane;
    core::RunServiceOptions options;
    options.gpus = QList<int>{}; // the CPU, two trials at a time (the sweep's concurrency)
    options.cpuSlots = 2;
    pane.setServiceOptions(options);
    pane.setWorkspace(ws.get());
    pane.resize(1100, 800);
    pane.show();

    ui::SubmitSweepDialog *dialog = pane.openSubmitSweepDialog();
    QVERIFY(dialog);
    dialog->findChild<QLineEdit *>(u"presetDataset"_s)->setText(u"synth"_s);
    dialog->findChild<QSpinBox *>(u"presetEpochs"_s)->setValue(2);
    dialog->findChild<QSpinBox *>(u"presetTrials"_s)->setValue(6);
    dialog->findChild<QSpinBox *>(u"presetConcurrent"_s)->setValue(2);
    QTest::mouseClick(dialog->findChild<QPushButton *>(u"presetButton"_s), Qt::LeftButton);
    QSignalSpy submitted(dialog, &ui::SubmitSweepDialog::submitted);
    QTest::mouseClick(dialog->findChild<QPushButton *>(u"submitSweep"_s), Qt::LeftButton);
    QVERIFY2(submitted.size() == 1, qPrintable(dialog->problem()));
    const QString uid = submitted.at(0).at(0).value<core::RunRecord>().uid;

    core::RunStore store(ws->database());
    QTRY_VERIFY_WITH_TIMEOUT(core::isTerminal(store.get(uid).state), 900000);
    const core::RunRecord parent = store.get(uid);
    QVERIFY2(parent.state == core::RunState::Completed, qPrintable(parent.failureReason));
    const QList<core::RunRecord> children = store.children(parent.id);
    QCOMPARE(children.size(), 6);

    // The runs table has every child, marked as one, its tooltip naming the parent.
    for (const core::RunRecord &c : children) {
        QTRY_VERIFY_WITH_TIMEOUT(pane.model()->rowOf(c.uid) >= 0, 30000);
        const QModelIndex name = pane.model()->index(pane.model()->rowOf(c.uid), ui::RunsTableModel::Name);
        QVERIFY2(name.data().toString().startsWith(u"\u21b3 "_s), qPrintable(name.data().toString()));
        QVERIFY(name.data(Qt::ToolTipRole).toString().endsWith(u"a child run of "_s + uid));
    }

    // The parent's details (opened on submit) have the Trials tab with every child.
    ui::RunDetails *details = pane.details(uid);
    QVERIFY(details);
    auto *view = details->findChild<ui::SweepView *>();
    QVERIFY(view);
    view->reload();
    QTRY_VERIFY(!view->isLoading()); // read on the Runs pane's StoreReader
    QCOMPARE(view->model()->rowCount(), 6);
    QVERIFY(view->model()->bestRow() >= 0);
    const QString best = view->model()->uid(view->model()->bestRow());

    ui::RegisterModelDialog *reg = view->registerBestModel();
    QVERIFY(reg);
    QSignalSpy registered(reg, &ui::RegisterModelDialog::registered);
    reg->registerModel();
    QVERIFY2(registered.size() == 1, qPrintable(reg->errorText()));
    const auto version = registered.at(0).at(0).value<core::ModelVersion>();
    QCOMPARE(version.runUid, best);
    QCOMPARE(version.source, u"outputs/model"_s);
}

QTEST_MAIN(TestSweepEndToEnd)
#include "TestSweepEndToEnd.moc"
