// TestMetricsIngestor: metrics.jsonl into metric chunks by byte offset - half-written lines wait, malformed,
// non-numeric and huge lines are skipped with a warning in the run's system log, ingestion is idempotent and
// resumes from the stored offset (a new ingestor, as after a restart), and a 100k-line file goes in whole.
#include "RunTestSupport.h"

#include "core/experiments/ExperimentStore.h"
#include "core/runs/MetricsIngestor.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"

#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestMetricsIngestor final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Workspace> m_ws;
    int m_runs = 0;

    std::pair<qint64, QString> newRun()
    {
        const QString uid = u"run%1"_s.arg(++m_runs);
        const QString dir = m_dir.filePath(u"ws/runs/"_s + uid);
        QDir().mkpath(dir + u"/logs"_s);
        ExperimentStore experiments(m_ws->database());
        if (!experiments.find(u"e"_s))
            experiments.create(u"e"_s);
        RunStore::NewRun row;
        row.uid = uid;
        row.experimentId = experiments.find(u"e"_s)->id;
        row.runDir = dir;
        return {RunStore(m_ws->database()).insert(row), dir};
    }

    static void append(const QString &dir, const QByteArray &bytes)
    {
        QFile f(dir + u"/metrics.jsonl"_s);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Append));
        f.write(bytes);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_ws = Workspace::create(m_dir.filePath(u"ws"_s), u"ingest"_s);
    }

    void halfWrittenLineWaits()
    {
        auto [id, dir] = newRun();
        MetricsIngestor ingestor(m_ws->database(), id, dir);
        append(dir, "{\"name\":\"Loss\",\"step\":0,\"value\":1.5,\"time\":1700000000.5}"
                    "\n"
                    "{\"name\":\"Loss\",\"step\":1,\"va");
        MetricsIngestor::Batch b = ingestor.ingest();
        QCOMPARE(b.points.size(), 1);
        QCOMPARE(b.points[0].value, 1.5);
        QCOMPARE(b.points[0].timeMs, qint64(1700000000500));
        append(dir, "lue\":0.5}\n");
        b = ingestor.ingest();
        QCOMPARE(b.points.size(), 1);
        QCOMPARE(b.points[0].step, qint64(1));
        QCOMPARE(RunStore(m_ws->database()).metricCount(id), qint64(2));
        // Nothing new: nothing ingested twice.
        QCOMPARE(ingestor.ingest().points.size(), 0);
        QCOMPARE(RunStore(m_ws->database()).metricCount(id), qint64(2));
    }

    void badLinesAreSkippedWithAWarning()
    {
        auto [id, dir] = newRun();
        QByteArray bytes = "{\"name\":\"a\",\"step\":0,\"value\":1}"
                           "\n"
                           "this is not json\n"
                           "{\"name\":\"a\",\"step\":1,\"value\":\"high\"}"
                           "\n"
                           "{\"name\":\"a\",\"step\":2,\"value\":3}"
                           "\n";
        bytes += "{\"name\":\"huge\",\"value\":1,\"pad\":\"" + QByteArray(MetricsIngestor::kMaxLineBytes + 10, 'x') +
                 "\"}\n";
        bytes += "{\"name\":\"a\",\"step\":3,\"value\":4}"
                 "\n"
                 "{\"value\":5}"
                 "\n";
        append(dir, bytes);
        MetricsIngestor ingestor(m_ws->database(), id, dir);
        MetricsIngestor::Batch b = ingestor.ingest();
        QCOMPARE(b.points.size(), 3);
        QCOMPARE(b.skipped, 4);
        const QList<MetricPoint> stored = RunStore(m_ws->database()).metrics(id, u"a"_s);
        QCOMPARE(stored.size(), 3);
        QCOMPARE(stored.last().value, 4.0);
        const QString log = QString::fromUtf8(readAll(dir + u"/logs/mldesk_system.txt"_s));
        QVERIFY2(log.contains(u"not JSON"_s), qPrintable(log));
        QVERIFY(log.contains(u"'value' is not a finite number"_s));
        QVERIFY(log.contains(u"longer than"_s));
        QVERIFY(log.contains(u"'name'"_s));
    }

    void hugeLineStillBeingWritten()
    {
        auto [id, dir] = newRun();
        MetricsIngestor ingestor(m_ws->database(), id, dir);
        append(dir, "{\"name\":\"huge\",\"pad\":\"" + QByteArray(MetricsIngestor::kMaxLineBytes + 10, 'y'));
        MetricsIngestor::Batch b = ingestor.ingest();
        QCOMPARE(b.skipped, 1);
        append(dir, QByteArray(1000, 'y') + "\"}\n" + "{\"name\":\"ok\",\"value\":2}" + "\n");
        b = ingestor.ingest();
        QCOMPARE(b.points.size(), 1);
        QCOMPARE(b.points[0].name, u"ok"_s);
        QCOMPARE(b.points[0].step, qint64(0)); // no step given: the next one of that name
    }

    void resumesFromStoredOffsetAfterRestart()
    {
        auto [id, dir] = newRun();
        QByteArray bytes;
        for (int i = 0; i < 100; ++i)
            bytes += u"{\"name\":\"m\",\"step\":%1,\"value\":%1}\n"_s.arg(i).toUtf8();
        append(dir, bytes);
        {
            MetricsIngestor first(m_ws->database(), id, dir);
            QCOMPARE(first.ingest(false, 1000).more, true); // a small chunk: partly ingested
        }
        MetricsIngestor second(m_ws->database(), id, dir); // "after a restart"
        while (second.ingest(false, 1000).more) {
        }
        QCOMPARE(RunStore(m_ws->database()).metricCount(id), qint64(100));
        QCOMPARE(second.storedOffset(), qint64(bytes.size()));
        const QList<MetricPoint> m = RunStore(m_ws->database()).metrics(id, u"m"_s);
        for (int i = 0; i < 100; ++i)
            QCOMPARE(m[i].step, qint64(i));
    }

    void linesWithoutStepContinueTheSeries()
    {
        auto [id, dir] = newRun();
        append(dir, "{\"name\":\"s\",\"step\":0,\"value\":1}\n{\"name\":\"s\",\"step\":4,\"value\":1}\n"
                    "{\"name\":\"s\",\"value\":1}\n");
        MetricsIngestor first(m_ws->database(), id, dir);
        QCOMPARE(first.ingest().points.last().step, qint64(5));
        append(dir, "{\"name\":\"s\",\"value\":1}\n");
        MetricsIngestor second(m_ws->database(), id, dir); // after a restart: continues from the table
        QCOMPARE(second.ingest().points.last().step, qint64(6));
    }

    // Issue 12: two processes (here two connections, two ingestors) taking turns on one file give step-less lines
    // their steps once, in the store: 0, 1, 2, ... without repeats, whoever read which line.
    void stepsOfStepLessLinesAreDecidedInTheStore()
    {
        auto [id, dir] = newRun();
        std::unique_ptr<Database> other = Database::open(m_ws->database().filePath());
        MetricsIngestor first(m_ws->database(), id, dir);
        MetricsIngestor second(*other, id, dir);
        for (int round = 0; round < 6; ++round) {
            QByteArray bytes;
            for (int i = 0; i < 10; ++i)
                bytes += "{\"name\":\"loss\",\"value\":0.5}\n";
            append(dir, bytes);
            (round % 2 == 0 ? first : second).ingest();
        }
        const QList<MetricPoint> points = RunStore(m_ws->database()).metrics(id, u"loss"_s);
        QCOMPARE(points.size(), 60);
        for (int i = 0; i < 60; ++i)
            QCOMPARE(points[i].step, qint64(i));
    }

    void lastLineWithoutNewlineCountsAtTheEnd()
    {
        auto [id, dir] = newRun();
        append(dir, "{\"name\":\"a\",\"value\":1}");
        MetricsIngestor ingestor(m_ws->database(), id, dir);
        QCOMPARE(ingestor.ingest(false).points.size(), 0);
        QCOMPARE(ingestor.ingest(true).points.size(), 1);
    }

    void manyLinesInBatches()
    {
        auto [id, dir] = newRun();
        QByteArray bytes;
        for (int i = 0; i < 100000; ++i)
            bytes += u"{\"name\":\"Loss\",\"step\":%1,\"value\":%2,\"time\":1700000000.0}\n"_s.arg(i)
                         .arg(1.0 / (i + 1))
                         .toUtf8();
        append(dir, bytes);
        MetricsIngestor ingestor(m_ws->database(), id, dir);
        int batches = 0;
        qint64 points = 0;
        for (;;) {
            MetricsIngestor::Batch b = ingestor.ingest();
            ++batches;
            points += b.points.size();
            if (!b.more)
                break;
        }
        QCOMPARE(points, qint64(100000));
        QVERIFY(batches <= 3);
        QCOMPARE(RunStore(m_ws->database()).metricCount(id), qint64(100000));
    }
};

QTEST_GUILESS_MAIN(TestMetricsIngestor)
#include "TestMetricsIngestor.moc"
