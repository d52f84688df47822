// TestRunDetails: a run's details load what the store holds off the GUI thread (issue 12) - opening a run with many
// stored points runs no statement on the GUI thread's connection (counted by SQLite's own trace hook), every stored
// point is drawn once, and live points that arrive while the stored ones are still loading are neither lost nor drawn
// twice.
#include "UiTestSupport.h"

#include "core/experiments/ExperimentStore.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/store/MetricChunks.h"
#include "core/workspace/Workspace.h"
#include "ui/charts/LiveChart.h"
#include "ui/models/RunsTableModel.h"
#include "ui/panes/RunsPane.h"
#include "ui/runs/RunDetails.h"

#include <QSqlDriver>
#include <QtTest>

#include <sqlite3.h>

using namespace mldesk;

namespace {

core::MetricColumns ramp(const QString &name, qint64 from, qint64 count)
{
    core::MetricColumns s{name, {}, {}, {}, {}, 0};
    for (qint64 i = from; i < from + count; ++i) {
        s.steps.append(i);
        s.values.append(1.0 / double(i + 1));
        s.times.append(1700000000000 + i);
    }
    return s;
}

// Counts the statements SQLite starts on one connection (all of them: Qt's, ours), from the connection's thread.
class StatementCounter final {
public:
    explicit StatementCounter(core::Database &db)
    {
        const QVariant handle = db.connection().driver()->handle();
        m_sqlite = *static_cast<sqlite3 *const *>(handle.data());
        sqlite3_trace_v2(m_sqlite, SQLITE_TRACE_STMT, &StatementCounter::trace, this);
    }
    ~StatementCounter() { sqlite3_trace_v2(m_sqlite, 0, nullptr, nullptr); }
    int count() const { return m_count; }

private:
    static int trace(unsigned, void *self, void *, void *)
    {
        ++static_cast<StatementCounter *>(self)->m_count;
        return 0;
    }
    sqlite3 *m_sqlite = nullptr;
    int m_count = 0;
};

} // namespace

class TestRunDetails final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { test::isolateSettings(m_settings); }

    void openingARunReadsTheStoreOffTheGuiThread()
    {
        QTemporaryDir dir;
        auto ws = core::Workspace::create(dir.filePath(QStringLiteral("ws")), QStringLiteral("details"));
        core::RunStore store(ws->database());
        core::RunStore::NewRun row;
        row.uid = QStringLiteral("big_run");
        row.experimentId = core::ExperimentStore(ws->database()).create(QStringLiteral("e")).id;
        row.runDir = dir.filePath(QStringLiteral("ws/runs/big_run"));
        const qint64 id = store.insert(row);
        store.transition(id, {core::RunState::Queued}, core::RunState::Completed);
        const qint64 points = 50000;
        ws->database().writeTransaction([&] {
            core::MetricChunks::append(ws->database(), id,
                                       {ramp(QStringLiteral("Loss"), 0, points), ramp(QStringLiteral("lr"), 0, 100)});
        });

        ui::RunsPane pane;
        core::RunServiceOptions options;
        options.gpus = QList<int>{};
        options.schedule = false;
        pane.setServiceOptions(options);
        pane.setWorkspace(ws.get());
        QVERIFY(pane.model()->rowOf(row.uid) >= 0);

        StatementCounter gui(ws->database());
        ui::RunDetails *details = pane.openDetails(row.uid);
        QVERIFY(details);
        QTRY_VERIFY(!details->isLoadingMetrics());
        QTRY_VERIFY(!details->run().history.isEmpty()); // the full record, read by the reader
        const ui::MetricBuffer *loss = details->chart()->buffer(row.uid, QStringLiteral("Loss"));
        QVERIFY(loss);
        QCOMPARE(loss->size(), points);
        QCOMPARE(loss->steps()[points - 1], double(points - 1));
        QCOMPARE(details->chart()->buffer(row.uid, QStringLiteral("lr"))->size(), qsizetype(100));
        QCOMPARE(gui.count(), 0);
        QVERIFY(core::RunStore(ws->database()).find(row.uid)); // the counter does count this connection's reads
        QVERIFY(gui.count() > 0);
    }

    void livePointsWhileLoadingAreKeptOnce()
    {
        core::RunRecord run;
        run.uid = QStringLiteral("r1");
        run.state = core::RunState::Running;
        ui::RunDetails details(run);
        details.beginLoadingMetrics();
        // The service's signal comes first with chunk 2 (and a new chunk 3); the store's read then brings 1 and 2.
        QList<core::MetricPoint> live;
        for (qint64 step = 10; step < 30; ++step)
            live.append({QStringLiteral("Loss"), step, 0.5, 0, {}, step < 20 ? 2 : 3});
        details.addMetrics(live);
        QVERIFY(!details.chart()->buffer(run.uid, QStringLiteral("Loss"))); // waits for the stored ones
        core::MetricColumns first = ramp(QStringLiteral("Loss"), 0, 10);
        first.seq = 1;
        core::MetricColumns second = ramp(QStringLiteral("Loss"), 10, 10);
        second.seq = 2;
        details.loadMetrics({first, second});
        QTRY_VERIFY(!details.isLoadingMetrics());
        const ui::MetricBuffer *loss = details.chart()->buffer(run.uid, QStringLiteral("Loss"));
        QVERIFY(loss);
        QCOMPARE(loss->size(), qsizetype(30));
        for (int i = 0; i < 30; ++i)
            QCOMPARE(loss->steps()[i], double(i));
    }

private:
    QTemporaryDir m_settings;
};

QTEST_MAIN(TestRunDetails)
#include "TestRunDetails.moc"
