// TestStoreReader: reads of workspace.db on the reader's own thread and connection, results delivered queued on the
// caller's thread, in the order asked; a result whose context object is gone is dropped; a read that throws is
// reported and the reader goes on.
#include "core/store/Database.h"
#include "core/store/StoreReader.h"
#include "core/workspace/Workspace.h"

#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;

class TestStoreReader final : public QObject {
    Q_OBJECT

private slots:
    void readsOnItsThreadAndAnswersOnTheCallers()
    {
        QTemporaryDir dir;
        auto ws = Workspace::create(dir.filePath(u"ws"_s), u"reader"_s);
        ws->database().exec(u"CREATE TABLE t (v INTEGER)"_s);
        ws->database().exec(u"INSERT INTO t (v) VALUES (41)"_s);
        StoreReader reader(ws->database());
        QObject context;
        QList<int> answers;
        QThread *readThread = nullptr;
        QThread *answerThread = nullptr;
        reader.read(
            &context,
            [&readThread](Database &db) {
                readThread = QThread::currentThread();
                return db.scalar(u"SELECT v + 1 FROM t"_s).toInt();
            },
            [&](int v) {
                answerThread = QThread::currentThread();
                answers.append(v);
            });
        reader.read(
            &context, [](Database &) { return 2; }, [&](int v) { answers.append(v); });
        QTRY_COMPARE(answers, (QList<int>{42, 2}));
        QVERIFY(readThread && readThread != QThread::currentThread());
        QCOMPARE(answerThread, QThread::currentThread());
    }

    void goneContextGetsNothingAndThrowingReadsAreSkipped()
    {
        QTemporaryDir dir;
        auto ws = Workspace::create(dir.filePath(u"ws"_s), u"reader"_s);
        StoreReader reader(ws->database());
        bool called = false;
        auto *gone = new QObject;
        reader.read(
            gone, [](Database &) { return 1; }, [&](int) { called = true; });
        delete gone; // before its answer is delivered (it is queued: nothing is delivered before the event loop runs)
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"store reader: .*no such table"_s));
        QObject context;
        reader.read(
            &context, [](Database &db) { return db.scalar(u"SELECT v FROM missing"_s).toInt(); },
            [&](int) { called = true; });
        bool last = false;
        reader.read(
            &context, [](Database &) { return true; }, [&](bool) { last = true; });
        QTRY_VERIFY(last);
        QVERIFY(!called);
        QTRY_COMPARE(reader.finished(), quint64(3));
    }
};

QTEST_GUILESS_MAIN(TestStoreReader)
#include "TestStoreReader.moc"
