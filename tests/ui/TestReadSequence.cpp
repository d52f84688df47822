// TestReadSequence: how a pane tells which of its reads' answers to show - only the newest one's - and whether one is
// still to come.
#include "ui/panes/ReadSequence.h"

#include <QTest>

using mldesk::ui::ReadSequence;

class TestReadSequence final : public QObject {
    Q_OBJECT

private slots:
    void onlyTheNewestIsShown();
    void droppedAndAnsweredAtOnce();
};

void TestReadSequence::onlyTheNewestIsShown()
{
    ReadSequence reads;
    QVERIFY(!reads.inFlight());
    const quint64 first = reads.start();
    QVERIFY(reads.inFlight());
    QVERIFY(reads.isNewest(first));
    const quint64 second = reads.start();
    QVERIFY(!reads.isNewest(first));
    QVERIFY(!reads.answer(first)); // the older answer: not shown, and the newer one is still to come
    QVERIFY(reads.inFlight());
    QVERIFY(reads.answer(second));
    QVERIFY(!reads.inFlight());
}

void TestReadSequence::droppedAndAnsweredAtOnce()
{
    ReadSequence reads;
    const quint64 dropped = reads.start();
    reads.dropInFlight();
    QVERIFY(!reads.isNewest(dropped));
    QVERIFY(!reads.inFlight());           // nothing is to come
    QVERIFY(reads.answer(reads.start())); // answered at once (no workspace: nothing to read)
    QVERIFY(!reads.inFlight());
}

QTEST_APPLESS_MAIN(TestReadSequence)
#include "TestReadSequence.moc"
