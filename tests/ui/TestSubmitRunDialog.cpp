// TestSubmitRunDialog (issue 17): the arguments as a key/value table kept in sync with the raw line both ways, a
// dataset reference inserted into one argument, an exact clone of the argument list (quotes, spaces, '=' and
// backslashes in values), validation that stops a submit with an open quote, and the Priority field (Low/Normal/High
// or a number) and the Device field (any/GPU/CPU) going into the recorded run and back through Clone (issue 12 item 1).
#include "UiTestSupport.h"

#include "../core/ModelTestSupport.h"
#include "core/datasets/DatasetRegistry.h"
#include "core/runs/RunServiceHost.h"
#include "ui/runs/ArgumentLine.h"
#include "ui/runs/SubmitRunDialog.h"

#include <QComboBox>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTest>

using namespace Qt::StringLiterals;
using mldesk::test::child;
using mldesk::ui::SubmitRunDialog;
namespace ArgumentLine = mldesk::ui::ArgumentLine;

namespace {

// The arguments a clone must give back unchanged.
QStringList trickyArguments()
{
    return {u"--note"_s,       u"say \"hi\" there"_s, u"--expr"_s, u"a=b c"_s,    u"--path"_s,
            u"C:\\dir\\x y"_s, u"--single"_s,         u"it's"_s,   u"--lr"_s,     u"0.001"_s,
            u"--flag"_s,       u"--limit"_s,          u"-5"_s,     u"--eq=x y"_s, u"plain"_s,
            u"{dataset:d}"_s};
}

} // namespace

class TestSubmitRunDialog final : public QObject {
    Q_OBJECT

    QTemporaryDir m_settings;
    std::unique_ptr<mldesk::test::TestWorkspace> m_ws;
    std::unique_ptr<mldesk::core::RunServiceHost> m_service;

    QMap<QString, QString> rows(QTableWidget *table)
    {
        QMap<QString, QString> out;
        for (int i = 0; i < table->rowCount(); ++i)
            out.insert(table->item(i, 0)->text(), table->item(i, 1)->text());
        return out;
    }

    int rowOf(QTableWidget *table, const QString &key)
    {
        for (int i = 0; i < table->rowCount(); ++i) {
            if (table->item(i, 0)->text() == key)
                return i;
        }
        return -1;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_settings.isValid());
        mldesk::test::isolateSettings(m_settings);
    }
    void init()
    {
        m_ws = std::make_unique<mldesk::test::TestWorkspace>();
        const QString hash = m_ws->blobs().putBytes("x");
        mldesk::core::DatasetRegistry(m_ws->db()).commit(u"mnist"_s, {}, {}, {{u"f"_s, 1, hash, u"/f"_s}}, true);
        mldesk::core::RunServiceOptions options;
        options.schedule = false;
        m_service = std::make_unique<mldesk::core::RunServiceHost>(*m_ws->ws, options);
    }
    void cleanup()
    {
        m_service.reset();
        m_ws.reset();
    }

    void splitJoinRoundTrip()
    {
        const QStringList args = trickyArguments() + QStringList{QString(), u"back\\slash"_s, u"tab\there"_s};
        const QString line = ArgumentLine::join(args);
        QString error;
        QCOMPARE(ArgumentLine::split(line, &error), args);
        QVERIFY(error.isEmpty());
        QCOMPARE(ArgumentLine::split(u"--a 'x y' \"p \\\"q\\\"\" r\\ s"_s),
                 (QStringList{u"--a"_s, u"x y"_s, u"p \"q\""_s, u"r s"_s}));
        ArgumentLine::split(u"--note \"open"_s, &error);
        QVERIFY2(error.contains(u"not closed"_s), qPrintable(error));
        // Rows and back, the same list (no empty arguments in it).
        QCOMPARE(ArgumentLine::fromRows(ArgumentLine::toRows(trickyArguments())), trickyArguments());
        const QList<ArgumentLine::Row> r = ArgumentLine::toRows(trickyArguments());
        QCOMPARE(r.at(4), (ArgumentLine::Row{u"--lr"_s, u"0.001"_s}));
        QCOMPARE(r.at(5), (ArgumentLine::Row{u"--flag"_s, QString()}));
        QCOMPARE(r.at(6), (ArgumentLine::Row{u"--limit"_s, u"-5"_s})); // a negative number is a value
        QCOMPARE(r.at(8), (ArgumentLine::Row{QString(), u"plain"_s}));
    }

    void tableFollowsLineAndBack()
    {
        SubmitRunDialog dialog(*m_ws->ws, *m_service);
        dialog.show();
        auto *table = child<QTableWidget>(&dialog, u"argumentsTable"_s);
        auto *line = child<QLineEdit>(&dialog, u"argumentsEdit"_s);
        // The preset's arguments, one row each.
        QCOMPARE(rows(table).value(u"--batch-size"_s), u"50"_s);
        QCOMPARE(rows(table).value(u"--data-folder"_s), u"{dataset:mnist:mount}"_s);

        // Edit a value in the table, as a user does: the raw line follows.
        const int batch = rowOf(table, u"--batch-size"_s);
        table->setCurrentCell(batch, 1);
        table->editItem(table->item(batch, 1));
        QTRY_VERIFY(table->findChild<QLineEdit *>());
        auto *editor = table->findChild<QLineEdit *>();
        editor->selectAll();
        QTest::keyClicks(editor, u"64 (large)"_s);
        QTest::keyClick(editor, Qt::Key_Return);
        QTRY_VERIFY(line->text().contains(u"--batch-size \"64 (large)\""_s));
        QCOMPARE(dialog.request().arguments.value(dialog.request().arguments.indexOf(u"--batch-size"_s) + 1),
                 u"64 (large)"_s);

        // Type into the raw line: the rows follow.
        line->clear();
        QTest::keyClicks(line, u"--epochs 3 --tag \"a=b c\""_s);
        QCOMPARE(table->rowCount(), 2);
        QCOMPARE(rows(table).value(u"--tag"_s), u"a=b c"_s);

        // Add a row, remove one.
        QTest::mouseClick(child<QPushButton>(&dialog, u"addArgumentButton"_s), Qt::LeftButton);
        QCOMPARE(table->rowCount(), 3);
        table->item(2, 0)->setText(u"--seed"_s);
        table->item(2, 1)->setText(u"7"_s);
        QCOMPARE(dialog.request().arguments,
                 (QStringList{u"--epochs"_s, u"3"_s, u"--tag"_s, u"a=b c"_s, u"--seed"_s, u"7"_s}));
        table->setCurrentCell(0, 0);
        QTest::mouseClick(child<QPushButton>(&dialog, u"removeArgumentButton"_s), Qt::LeftButton);
        QCOMPARE(dialog.request().arguments, (QStringList{u"--tag"_s, u"a=b c"_s, u"--seed"_s, u"7"_s}));
    }

    void datasetIntoSelectedArgument()
    {
        SubmitRunDialog dialog(*m_ws->ws, *m_service);
        dialog.show();
        auto *table = child<QTableWidget>(&dialog, u"argumentsTable"_s);
        auto *line = child<QLineEdit>(&dialog, u"argumentsEdit"_s);
        line->setText(u"--train-data x --epochs 2"_s);
        table->selectRow(0);
        QTest::mouseClick(child<QPushButton>(&dialog, u"insertDatasetButton"_s), Qt::LeftButton);
        QCOMPARE(dialog.request().arguments,
                 (QStringList{u"--train-data"_s, u"{dataset:mnist:mount}"_s, u"--epochs"_s, u"2"_s}));
    }

    void cloneIsExact()
    {
        // A stored run's arguments, through Clone (requestOf + setRequest), come back as they were.
        mldesk::core::RunRecord run;
        run.experiment = u"keras-mnist"_s;
        run.configuration = QJsonObject{{u"arguments"_s, QJsonArray::fromStringList(trickyArguments())},
                                        {u"entry"_s, QJsonObject{{u"kind"_s, u"builtin"_s}}},
                                        {u"environment"_s, QJsonObject{{u"name"_s, u"MLDesk-Native"_s}}}};
        SubmitRunDialog dialog(*m_ws->ws, *m_service);
        dialog.show();
        dialog.setRequest(SubmitRunDialog::requestOf(run));
        QCOMPARE(dialog.request().arguments, trickyArguments());
        // The table shows them as rows, and an edit there keeps every other argument as it was.
        auto *table = child<QTableWidget>(&dialog, u"argumentsTable"_s);
        QCOMPARE(rows(table).value(u"--note"_s), u"say \"hi\" there"_s);
        QCOMPARE(rows(table).value(u"--path"_s), u"C:\\dir\\x y"_s);
        table->item(rowOf(table, u"--lr"_s), 1)->setText(u"0.01"_s);
        QStringList expected = trickyArguments();
        expected[9] = u"0.01"_s;
        QCOMPARE(dialog.request().arguments, expected);
    }

    void openQuoteStopsSubmit()
    {
        SubmitRunDialog dialog(*m_ws->ws, *m_service);
        dialog.show();
        auto *line = child<QLineEdit>(&dialog, u"argumentsEdit"_s);
        line->clear();
        QTest::keyClicks(line, u"--epochs 1 --note \"unfinished"_s);
        QVERIFY2(dialog.fieldProblem(u"arguments"_s).contains(u"not closed"_s), qPrintable(dialog.problemsText()));
        QTest::mouseClick(child<QPushButton>(&dialog, u"submitButton"_s), Qt::LeftButton);
        QVERIFY2(dialog.problemsText().contains(u"not closed"_s), qPrintable(dialog.problemsText()));
        QVERIFY(dialog.isVisible());
        QCOMPARE(m_service->store().list().size(), 0);
        QTest::keyClick(line, Qt::Key_QuoteDbl);
        QVERIFY(dialog.fieldProblem(u"arguments"_s).isEmpty());
    }

    void priorityFieldGoesIntoTheRun()
    {
        SubmitRunDialog dialog(*m_ws->ws, *m_service);
        dialog.show();
        dialog.applyPreset(u"mnist"_s);
        auto *combo = child<QComboBox>(&dialog, u"priorityCombo"_s);
        auto *spin = child<QSpinBox>(&dialog, u"prioritySpin"_s);
        QCOMPARE(combo->currentText(), u"Normal"_s);
        QCOMPARE(dialog.request().priority, 0);
        QCOMPARE(spin->minimum(), -1000);
        QCOMPARE(spin->maximum(), 1000);
        combo->setFocus();
        QTest::keyClick(combo, Qt::Key_Down); // as a user picks the next entry
        QCOMPARE(combo->currentText(), u"High"_s);
        QCOMPARE(spin->value(), 100);
        QCOMPARE(dialog.request().priority, 100);
        // A number of one's own: the choice says Custom; a preset's number shows its name again.
        spin->setFocus();
        spin->selectAll();
        QTest::keyClicks(spin, u"250"_s);
        QCOMPARE(spin->value(), 250);
        QCOMPARE(combo->currentText(), u"Custom"_s);
        QCOMPARE(dialog.request().priority, 250);
        QTest::mouseClick(child<QPushButton>(&dialog, u"submitButton"_s), Qt::LeftButton);
        QTRY_COMPARE(m_service->store().list().size(), 1);
        const mldesk::core::RunRecord run = m_service->store().list().constFirst();
        QCOMPARE(run.priority, 250);

        mldesk::core::RunRecord low = run;
        low.priority = mldesk::core::kRunPriorityLow;
        SubmitRunDialog clone(*m_ws->ws, *m_service);
        clone.setRequest(SubmitRunDialog::requestOf(low));
        QCOMPARE(child<QComboBox>(&clone, u"priorityCombo"_s)->currentText(), u"Low"_s);
        QCOMPARE(clone.request().priority, -100);
    }

    // The Device field (`run submit --device`): its choice is what the run's configuration records and what Clone
    // shows again; before it, a GUI clone of a `--device cpu` run was submitted as any.
    void deviceFieldGoesIntoTheRunAndBackThroughClone()
    {
        SubmitRunDialog dialog(*m_ws->ws, *m_service);
        dialog.show();
        dialog.applyPreset(u"mnist"_s);
        auto *device = child<QComboBox>(&dialog, u"deviceCombo"_s);
        QVERIFY(device->isEnabled()); // the workspace's compute is this machine
        QCOMPARE(dialog.request().device, mldesk::core::RunRequest::Device::Any);
        device->setFocus();
        QTest::keyClick(device, Qt::Key_Down);
        QTest::keyClick(device, Qt::Key_Down);
        QCOMPARE(dialog.request().device, mldesk::core::RunRequest::Device::Cpu);
        const qsizetype before = m_service->store().list().size();
        QTest::mouseClick(child<QPushButton>(&dialog, u"submitButton"_s), Qt::LeftButton);
        QTRY_COMPARE(m_service->store().list().size(), before + 1);
        const mldesk::core::RunRecord run = m_service->store().list().constFirst();
        QCOMPARE(run.configuration.value(u"resources"_s).toObject().value(u"device"_s).toString(), u"cpu"_s);

        SubmitRunDialog clone(*m_ws->ws, *m_service);
        clone.setRequest(SubmitRunDialog::requestOf(run));
        QCOMPARE(child<QComboBox>(&clone, u"deviceCombo"_s)->currentText(), device->itemText(2));
        QCOMPARE(clone.request().device, mldesk::core::RunRequest::Device::Cpu);
        mldesk::core::RunRecord gpu = run;
        QJsonObject configuration = gpu.configuration;
        configuration.insert(u"resources"_s, QJsonObject{{u"device"_s, u"gpu"_s}});
        gpu.configuration = configuration;
        clone.setRequest(SubmitRunDialog::requestOf(gpu));
        QCOMPARE(clone.request().device, mldesk::core::RunRequest::Device::Gpu);
    }
};

QTEST_MAIN(TestSubmitRunDialog)
#include "TestSubmitRunDialog.moc"
