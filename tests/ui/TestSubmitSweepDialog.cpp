// TestSubmitSweepDialog: "Submit Sweep" on a real workspace - the HyperDrive preset fills the editor from the
// preset fields, a bad sweep is refused with its line and records nothing, a good one is recorded as a Running
// sweep parent; the search space's rows follow the YAML and edit it, with a message per bad row; the Runs pane's
// button opens the dialog (issue 16).
#include "UiTestSupport.h"

#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/sweeps/SweepStore.h"
#include "core/workspace/Workspace.h"
#include "ui/panes/RunsPane.h"
#include "ui/sweeps/SearchSpaceEditor.h"
#include "ui/sweeps/SubmitSweepDialog.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk;

class TestSubmitSweepDialog final : public QObject {
    Q_OBJECT

private slots:
    void presetBadAndGood();
    void searchSpaceRowsFollowAndEditTheYaml();
};

namespace {

// Types into a line edit as a user does: select what is there, type the new text.
void retype(QLineEdit *edit, const QString &text)
{
    QVERIFY(edit);
    edit->setFocus();
    edit->selectAll();
    QTest::keyClicks(edit, text);
}

} // namespace

void TestSubmitSweepDialog::searchSpaceRowsFollowAndEditTheYaml()
{
    QTemporaryDir dir;
    auto ws = core::Workspace::create(dir.filePath(u"ws"_s), u"ui"_s);
    ui::SubmitSweepDialog dialog(*ws);
    dialog.show();
    auto *space = dialog.findChild<ui::SearchSpaceEditor *>(u"searchSpaceEditor"_s);
    QVERIFY(space);
    const auto field = [&](const char *what, int row) {
        return dialog.findChild<QLineEdit *>(QString::fromLatin1(what) + QString::number(row));
    };
    const auto problem = [&](int row) {
        return dialog.findChild<QLabel *>(u"parameterProblem"_s + QString::number(row))->text();
    };
    // The preset's four parameters, one row each.
    QCOMPARE(space->rowCount(), 4);
    QCOMPARE(field("parameterName", 0)->text(), u"batch_size"_s);
    QCOMPARE(dialog.findChild<QComboBox *>(u"parameterType0"_s)->currentText(), u"choice"_s);
    QCOMPARE(field("parameterBounds", 0)->text(), u"25, 50, 100"_s);
    QCOMPARE(dialog.findChild<QComboBox *>(u"parameterType3"_s)->currentText(), u"loguniform"_s);
    QCOMPARE(field("parameterBounds", 3)->text(), u"-6, -1"_s);
    for (int i = 0; i < 4; ++i)
        QVERIFY2(problem(i).isEmpty(), qPrintable(problem(i)));

    // A bad row says why and leaves the YAML alone; the mended row is written into it.
    const QString preset = dialog.yaml();
    retype(field("parameterBounds", 3), u"-1, -6"_s);
    QVERIFY2(problem(3).contains(u"min"_s), qPrintable(problem(3)));
    QCOMPARE(dialog.yaml(), preset);
    retype(field("parameterBounds", 3), u"-7, -2"_s);
    QVERIFY2(problem(3).isEmpty(), qPrintable(problem(3)));
    QVERIFY2(dialog.yaml().contains(u"  learning_rate: {type: loguniform, min_value: -7, max_value: -2}\n"_s),
             qPrintable(dialog.yaml()));
    QCOMPARE(core::SweepSpec::parse(dialog.yaml(), dir.path()).space.find(u"learning_rate"_s)->min, -7.0);

    // Another type: the bounds must fit it.
    auto *type0 = dialog.findChild<QComboBox *>(u"parameterType0"_s);
    type0->setFocus();
    type0->lineEdit()->selectAll();
    QTest::keyClicks(type0->lineEdit(), u"randint"_s);
    QVERIFY2(problem(0).contains(u"needs one number (upper)"_s), qPrintable(problem(0)));
    QCOMPARE(field("parameterBounds", 0)->placeholderText(), u"upper"_s);
    retype(field("parameterBounds", 0), u"10"_s);
    QVERIFY2(dialog.yaml().contains(u"  batch_size: {type: randint, upper: 10}\n"_s), qPrintable(dialog.yaml()));
    // The rest of the file is as it was.
    QVERIFY(dialog.yaml().startsWith(u"# The seed notebook's HyperDrive configuration"_s));
    QVERIFY(dialog.yaml().contains(u"sampling_algorithm: random\n"_s));

    // The YAML edited by hand: the rows follow, an unknown type is named on its row.
    const QString valid = dialog.yaml();
    dialog.setYaml(dialog.yaml().replace(u"second_layer_neurons: {type: choice, values: [10, 50, 200, 500]}"_s,
                                         u"second_layer_neurons: {type: gaussian, values: [1]}"_s));
    QCOMPARE(dialog.findChild<QComboBox *>(u"parameterType2"_s)->currentText(), u"gaussian"_s);
    QVERIFY2(problem(2).startsWith(u"unknown parameter type 'gaussian'; types are: choice, randint"_s),
             qPrintable(problem(2)));
    // A YAML that does not parse: said once, the rows stay.
    const QString good = dialog.yaml();
    dialog.setYaml(good + u"limits: [oops\n"_s);
    auto *spaceProblem = dialog.findChild<QLabel *>(u"searchSpaceProblem"_s);
    QVERIFY(spaceProblem->isVisibleTo(&dialog));
    QVERIFY2(spaceProblem->text().contains(u"line "_s), qPrintable(spaceProblem->text()));
    QCOMPARE(space->rowCount(), 4);
    dialog.setYaml(valid);
    QVERIFY(!spaceProblem->isVisibleTo(&dialog));
    QVERIFY2(problem(2).isEmpty(), qPrintable(problem(2)));

    // A new row: named, typed and bounded by the user, written into the YAML; removed again.
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"addParameter"_s), Qt::LeftButton);
    QCOMPARE(space->rowCount(), 5);
    QCOMPARE(problem(4), u"give the parameter a name"_s);
    retype(field("parameterName", 4), u"momentum"_s);
    auto *type4 = dialog.findChild<QComboBox *>(u"parameterType4"_s);
    type4->setFocus();
    type4->lineEdit()->selectAll();
    QTest::keyClicks(type4->lineEdit(), u"uniform"_s);
    retype(field("parameterBounds", 4), u"0, 0.9"_s);
    QVERIFY2(dialog.yaml().contains(u"  momentum: {type: uniform, min_value: 0, max_value: 0.9}\n"_s),
             qPrintable(dialog.yaml()));
    QVERIFY2(problem(4).contains(u"${{search_space.momentum}}"_s), qPrintable(problem(4)));
    retype(field("parameterName", 3), u"momentum"_s);
    QVERIFY2(problem(4).contains(u"already a parameter (row 4)"_s), qPrintable(problem(4)));
    retype(field("parameterName", 3), u"learning_rate"_s);
    QTest::mouseClick(dialog.findChild<QToolButton *>(u"removeParameter4"_s), Qt::LeftButton);
    QCOMPARE(space->rowCount(), 4);
    QVERIFY(!dialog.yaml().contains(u"momentum"_s));
}

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
