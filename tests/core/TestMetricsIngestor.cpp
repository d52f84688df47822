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
        QCOMPARE(int(b.count), 1);
        QCOMPARE(b.points()[0].value, 1.5);
        QCOMPARE(b.points()[0].timeMs, qint64(1700000000500));
        append(dir, "lue\":0.5}\n");
        b = ingestor.ingest();
        QCOMPARE(int(b.count), 1);
        QCOMPARE(b.points()[0].step, qint64(1));
        QCOMPARE(RunStore(m_ws->database()).metricCount(id), qint64(2));
        // Nothing new: nothing ingested twice.
        QCOMPARE(int(ingestor.ingest().count), 0);
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
        QCOMPARE(int(b.count), 3);
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
        QCOMPARE(int(b.count), 1);
        QCOMPARE(b.points()[0].name, u"ok"_s);
        QCOMPARE(b.points()[0].step, qint64(0)); // no step given: the next one of that name
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
        QCOMPARE(first.ingest().points().last().step, qint64(5));
        append(dir, "{\"name\":\"s\",\"value\":1}\n");
        MetricsIngestor second(m_ws->database(), id, dir); // after a restart: continues from the table
        QCOMPARE(second.ingest().points().last().step, qint64(6));
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
        QCOMPARE(int(ingestor.ingest(false).count), 0);
        QCOMPARE(int(ingestor.ingest(true).count), 1);
    }

    // The usual line shape is parsed by a fast path, anything else by the full parser: both store the same thing.
    // Each line is ingested as written and with an extra key (which the fast path leaves to the full parser).
    void fastAndFullParsersAgree_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::newRow("usual") << QByteArray(R"({"name":"Loss","step":3,"value":0.41,"time":1700000000.5})");
        QTest::newRow("spaces, other order") << QByteArray(R"( { "value" : -1.5e-3 , "time":1700000000.123, "step":7,
                                                              "name":"acc" } )")
                                                    .replace('\n', ' ');
        QTest::newRow("integer value") << QByteArray(R"({"name":"n","step":0,"value":12,"time":1.0})");
        QTest::newRow("null step") << QByteArray(R"({"name":"n","step":null,"value":1,"time":2})");
        QTest::newRow("no step") << QByteArray(R"({"name":"n","value":1,"time":2})");
        QTest::newRow("step 3.0") << QByteArray(R"({"name":"n","step":3.0,"value":1,"time":2})");
        QTest::newRow("unicode name") << QByteArray(R"({"name":"Verlust ü","step":1,"value":2,"time":3})");
        QTest::newRow("carriage return") << QByteArray("{\"name\":\"n\",\"step\":1,\"value\":2,\"time\":3}\r");
        QTest::newRow("big step") << QByteArray(R"({"name":"n","step":123456789012345,"value":2,"time":3})");
    }

    void fastAndFullParsersAgree()
    {
        QFETCH(QByteArray, line);
        QByteArray other = line.trimmed();
        other.insert(other.indexOf('{') + 1, "\"extra\":true,");
        QList<MetricPoint> stored;
        for (const QByteArray &bytes : {line, other}) {
            auto [id, dir] = newRun();
            append(dir, bytes + '\n');
            MetricsIngestor ingestor(m_ws->database(), id, dir);
            QCOMPARE(int(ingestor.ingest().count), 1);
            const QList<MetricPoint> points = RunStore(m_ws->database()).metrics(id);
            QCOMPARE(points.size(), 1);
            stored.append(points.first());
        }
        QCOMPARE(stored[0].name, stored[1].name);
        QCOMPARE(stored[0].step, stored[1].step);
        QCOMPARE(stored[0].value, stored[1].value);
        QCOMPARE(stored[0].timeMs, stored[1].timeMs);
    }

    // Lines the fast path refuses still get the full parser's verdict (skipped with its reason, or stored).
    void oddLinesGoToTheFullParser()
    {
        auto [id, dir] = newRun();
        append(dir, "{\"name\":\"a\",\"step\":-1,\"value\":1}\n"       // negative step: skipped
                    "{\"name\":\"a\",\"step\":1,\"value\":1e999}\n"    // not finite: skipped
                    "{\"name\":\"a\\u00fc\",\"step\":1,\"value\":1}\n" // an escape in the name: stored
                    "{\"name\":\"" +
                        QByteArray(300, 'x') +
                        "\",\"value\":1}\n"                                     // too long a name: skipped
                        "{\"name\":\"t\",\"type\":\"tag\",\"value\":\"v\"}\n"); // a tag: no point
        MetricsIngestor ingestor(m_ws->database(), id, dir);
        const MetricsIngestor::Batch b = ingestor.ingest();
        QCOMPARE(int(b.count), 1);
        QCOMPARE(b.skipped, 3);
        QCOMPARE(b.points()[0].name, u"a\u00fc"_s);
        QCOMPARE(RunStore(m_ws->database()).get(u"run%1"_s.arg(m_runs)).tags.value(u"t"_s), u"v"_s);
    }

    // Metrics logged in rotation, more of them than the batch scans linearly, with an image in the middle of one:
    // every metric keeps its own points, in order, and the image its path.
    void manyMetricsInRotation()
    {
        auto [id, dir] = newRun();
        QByteArray bytes;
        const int metrics = 40, steps = 50;
        for (int step = 0; step < steps; ++step)
            for (int m = 0; m < metrics; ++m)
                bytes += u"{\"name\":\"m%1\",\"step\":%2,\"value\":%3,\"time\":1700000000}\n"_s.arg(m)
                             .arg(step)
                             .arg(m * 1000 + step)
                             .toUtf8();
        bytes += "{\"name\":\"m3\",\"step\":50,\"type\":\"image\",\"path\":\"outputs/a.png\"}\n"
                 "{\"name\":\"m3\",\"step\":51,\"value\":3051}\n";
        append(dir, bytes);
        MetricsIngestor ingestor(m_ws->database(), id, dir);
        QCOMPARE(int(ingestor.ingest().count), metrics * steps + 2);
        RunStore store(m_ws->database());
        for (int m = 0; m < metrics; ++m) {
            const QList<MetricPoint> points = store.metrics(id, u"m%1"_s.arg(m));
            QCOMPARE(points.size(), m == 3 ? steps + 2 : steps);
            for (int step = 0; step < steps; ++step) {
                QCOMPARE(points[step].step, qint64(step));
                QCOMPARE(points[step].value, double(m * 1000 + step));
                QVERIFY(points[step].text.isEmpty());
            }
        }
        const QList<MetricPoint> m3 = store.metrics(id, u"m3"_s);
        QCOMPARE(m3[50].text, u"outputs/a.png"_s);
        QVERIFY(std::isnan(m3[50].value));
        QCOMPARE(m3[51].value, 3051.0);
        QVERIFY(m3[51].text.isEmpty());
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
            points += b.count;
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
