// TestSubmitSweepDialog: "Submit Sweep" on a real workspace - the HyperDrive preset fills the editor from the
// preset fields, a bad sweep is refused with its line and records nothing, a good one is recorded as a Running
// sweep parent; the Runs pane's button opens the dialog (issue 16).
#include "UiTestSupport.h"

#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/sweeps/SweepStore.h"
#include "core/workspace/Workspace.h"
#include "ui/panes/RunsPane.h"
#include "ui/sweeps/SubmitSweepDialog.h"

#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk;

class TestSubmitSweepDialog final : public QObject {
    Q_OBJECT

private slots:
    void presetBadAndGood();
};

void TestSubmitSweepDialog::presetBadAndGood()
{
    QTemporaryDir dir;
    auto ws = core::Workspace::create(dir.filePath(u"ws"_s), u"ui"_s);
    ui::SubmitSweepDialog dialog(*ws);
    dialog.findChild<QLineEdit *>(u"presetDataset"_s)->setText(u"synth"_s);
    dialog.findChild<QSpinBox *>(u"presetEpochs"_s)->setValue(2);
    dialog.findChild<QSpinBox *>(u"presetTrials"_s)->setValue(6);
    dialog.findChild<QSpinBox *>(u"presetConcurrent"_s)->setValue(2);
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"presetButton"_s), Qt::LeftButton);
    const core::SweepSpec preset = core::SweepSpec::parse(dialog.yaml(), dir.path());
    QCOMPARE(preset.maxTotalTrials, 6);
    QCOMPARE(preset.maxConcurrentTrials, 2);
    QVERIFY(preset.trial.arguments.contains(u"{dataset:synth:mount}"_s));

    // No dataset 'synth' here: refused, nothing recorded.
    QSignalSpy submitted(&dialog, &ui::SubmitSweepDialog::submitted);
    QVERIFY(!dialog.submit());
    QVERIFY2(dialog.problem().contains(u"synth"_s), qPrintable(dialog.problem()));
    QVERIFY(core::RunStore(ws->database()).list().isEmpty());
    dialog.setYaml(dialog.yaml().replace(u"min_value: -6, max_value: -1"_s, u"min_value: -1, max_value: -6"_s));
    QVERIFY(!dialog.submit());
    QVERIFY2(dialog.problem().startsWith(u"line 26: parameter 'learning_rate' (loguniform): min_value -1 is "_s),
             qPrintable(dialog.problem()));
    QCOMPARE(dialog.findChild<QPlainTextEdit *>(u"sweepYaml"_s)->textCursor().blockNumber(), 25);

    QDir().mkpath(dir.filePath(u"src"_s));
    QFile script(dir.filePath(u"src/t.py"_s));
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.close();
    dialog.setBaseFolder(dir.path());
    dialog.setYaml(u"trial:\n  source: src\n  script: t.py\n  experiment: ui\n  environment: System-Python\n"
                   u"  arguments: ['${{search_space.x}}']\nsearch_space:\n  x: {type: choice, values: [1, 2]}\n"
                   u"sampling_algorithm: grid\nobjective: {primary_metric: Accuracy, goal: maximize}\n"_s);
    QVERIFY2(dialog.submit(), qPrintable(dialog.problem()));
    QCOMPARE(submitted.size(), 1);
    const auto parent = submitted.at(0).at(0).value<core::RunRecord>();
    QVERIFY(parent.isSweep());
    QCOMPARE(core::RunStore(ws->database()).get(parent.uid).state, core::RunState::Running);
}

QTEST_MAIN(TestSubmitSweepDialog)
#include "TestSubmitSweepDialog.moc"
