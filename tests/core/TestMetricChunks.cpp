// TestMetricChunks: chunked metric storage on a real SQLite file - a series round-trips across chunk boundaries
// (steps, values, times, image paths), a reader on another connection following the per-run sequence sees every
// point exactly once and in order while a writer appends, latest values, and min/max reads that keep a spike.
#include "CoreTestSupport.h"

#include "core/experiments/ExperimentStore.h"
#include "core/store/Database.h"
#include "core/store/MetricChunks.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace Qt::StringLiterals;
using namespace mldesk::core;

class TestMetricChunks final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Database> m_db;

    qint64 newRun()
    {
        static int n = 0;
        ExperimentStore experiments(*m_db);
        if (!experiments.find(u"e"_s))
            experiments.create(u"e"_s);
        return m_db->insert(u"INSERT INTO runs (run_uid, experiment_id, state, created_at) VALUES (?, ?, ?, ?)"_s,
                            {u"r%1"_s.arg(++n), experiments.find(u"e"_s)->id, u"Running"_s, 1000});
    }

    static MetricColumns series(const QString &name, qint64 from, qint64 count, double scale = 1.0)
    {
        MetricColumns s{name, {}, {}, {}, {}, 0};
        for (qint64 i = 0; i < count; ++i) {
            s.steps.append(from + i);
            s.values.append(scale * double(from + i));
            s.times.append(1700000000000 + from + i);
        }
        return s;
    }

    void append(Database &db, qint64 run, const QList<MetricColumns> &s)
    {
        db.writeTransaction([&] { MetricChunks::append(db, run, s); });
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_db = Database::open(m_dir.filePath(u"workspace.db"_s), true);
    }

    void seriesRoundTripsAcrossChunks()
    {
        const qint64 run = newRun();
        const qint64 n = 2 * MetricChunks::kMaxPoints + 17;
        append(*m_db, run, {series(u"loss"_s, 0, n, 0.5), series(u"acc"_s, 0, 3)});
        const MetricColumns loss = MetricChunks::series(*m_db, run, u"loss"_s);
        QCOMPARE(loss.size(), n);
        for (qint64 i = 0; i < n; ++i) {
            QCOMPARE(loss.steps[i], i);
            QCOMPARE(loss.values[i], 0.5 * double(i));
            QCOMPARE(loss.times[i], 1700000000000 + i);
        }
        QVERIFY(loss.texts.isEmpty());
        QCOMPARE(MetricChunks::lastSeq(*m_db, run), qint64(4)); // three chunks of loss, one of acc
        QCOMPARE(MetricChunks::count(*m_db, run), n + 3);
        QCOMPARE(MetricChunks::nextStep(*m_db, run, u"loss"_s), std::optional<qint64>(n));
        QCOMPARE(MetricChunks::nextStep(*m_db, run, u"none"_s), std::nullopt);
        const QList<MetricLatest> latest = MetricChunks::latest(*m_db, run);
        QCOMPARE(latest.size(), 2);
        QCOMPARE(latest[1].name, u"loss"_s);
        QCOMPARE(latest[1].step, n - 1);
        QCOMPARE(latest[1].value, 0.5 * double(n - 1));
        QCOMPARE(latest[1].count, n);
    }

    void unorderedStepsAndImagePaths()
    {
        const qint64 run = newRun();
        MetricColumns s{u"img"_s, {5, 3, 10}, {1.0, std::nan(""), 2.0}, {1, 2, 3}, {QString(), u"outputs/a.png"_s, {}},
                        0};
        append(*m_db, run, {s});
        const MetricColumns back = MetricChunks::series(*m_db, run, u"img"_s);
        QCOMPARE(back.steps, s.steps);
        QCOMPARE(back.values[0], 1.0);
        QVERIFY(std::isnan(back.values[1]));
        QCOMPARE(back.texts, s.texts);
        // The latest is the highest step, not the last logged.
        QCOMPARE(MetricChunks::latest(*m_db, run).constFirst().step, qint64(10));
        QCOMPARE(MetricChunks::nextStep(*m_db, run, u"img"_s), std::optional<qint64>(11));
    }

    // Issue 12: the store is the truth. A reader on its own connection (as another process) that follows the
    // sequence number holds every point once, in order, however the writer's transactions fall.
    void followerOnAnotherConnectionSeesEveryPointOnce()
    {
        const qint64 run = newRun();
        std::unique_ptr<Database> reader = Database::open(m_db->filePath());
        qint64 seen = 0;
        QList<qint64> steps;
        auto follow = [&] {
            for (const MetricColumns &c : MetricChunks::chunksAfter(*reader, run, seen, u"m"_s)) {
                QCOMPARE(c.seq, seen + 1); // contiguous: nothing skipped
                seen = c.seq;
                steps.append(c.steps);
            }
        };
        qint64 next = 0;
        for (int batch = 1; batch <= 40; ++batch) {
            const qint64 count = (batch * 97) % 3000 + 1;
            append(*m_db, run, {series(u"m"_s, next, count)});
            next += count;
            if (batch % 3 == 0)
                follow();
        }
        follow();
        QCOMPARE(steps.size(), next);
        for (qint64 i = 0; i < next; ++i)
            QCOMPARE(steps[i], i);
    }

    void minMaxKeepsASpike()
    {
        const qint64 run = newRun();
        MetricColumns s = series(u"noisy"_s, 0, 100000, 0.0);
        for (qint64 i = 0; i < s.size(); ++i)
            s.values[i] = std::sin(double(i) / 100.0);
        s.values[54321] = 1000.0;
        s.values[777] = -50.0;
        append(*m_db, run, {s});
        const QList<MetricBucket> buckets = MetricChunks::minMax(*m_db, run, u"noisy"_s, 1600);
        QVERIFY(buckets.size() <= 1600);
        QVERIFY(buckets.size() >= 1500);
        double top = -1e9, bottom = 1e9;
        bool spikeInItsColumn = false;
        for (const MetricBucket &b : buckets) {
            top = std::max(top, b.max);
            bottom = std::min(bottom, b.min);
            QVERIFY(b.firstStep <= b.lastStep);
            if (b.firstStep <= 54321 && 54321 <= b.lastStep)
                spikeInItsColumn = b.max == 1000.0;
        }
        QCOMPARE(top, 1000.0);
        QCOMPARE(bottom, -50.0);
        QVERIFY(spikeInItsColumn);
    }
};

QTEST_GUILESS_MAIN(TestMetricChunks)
#include "TestMetricChunks.moc"
