// runs-bench: the run pipeline's numbers (issues 5, 12) - metric points per second from metrics.jsonl through
// MetricsIngestor into chunks (target >= 2M/s) beside the per-row storage it replaced, in the same run; reading a
// 1M-point series whole (target <= 50 ms) and as 1,600 min/max columns (<= 10 ms); latency from RunService::submit of a
// local CPU run to its first metric stored and signalled (target <= 1 s); latency from a line appended to metrics.jsonl
// to the signal (target <= 100 ms). Not a test: run build-*/bench/runs-bench [points] (needs python3,
// mldesk-supervisor found next to the build's app/ or through MLDESK_SUPERVISOR).
#include "core/experiments/ExperimentStore.h"
#include "core/runs/MetricsIngestor.h"
#include "core/runs/RunService.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/store/MetricChunks.h"
#include "core/workspace/Workspace.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include <sqlite3.h>

using namespace Qt::StringLiterals;
using namespace mldesk::core;

namespace {

qint64 newRun(Workspace &ws, const QString &uid, const QString &dir)
{
    ExperimentStore experiments(ws.database());
    if (!experiments.find(u"bench"_s))
        experiments.create(u"bench"_s);
    RunStore::NewRun row;
    row.uid = uid;
    row.experimentId = experiments.find(u"bench"_s)->id;
    row.runDir = dir;
    QDir().mkpath(dir + u"/logs"_s);
    RunStore store(ws.database());
    const qint64 id = store.insert(row);
    store.transition(id, {RunState::Queued}, RunState::Completed); // a bare record: nothing for a scheduler to start
    return id;
}

// The storage before chunks (issue 5): one row per point through SQLite's C API, a prepared statement stepped per
// row, behind a (run_id, name, step) index - kept here as the peer the chunked store is measured against.
void insertRows(Database &db, qint64 runId, const QList<MetricColumns> &series)
{
    const QVariant handle = db.connection().driver()->handle();
    sqlite3 *sqlite = *static_cast<sqlite3 *const *>(handle.data());
    sqlite3_exec(sqlite, "PRAGMA cache_size = -65536", nullptr, nullptr, nullptr);
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v2(sqlite,
                           "INSERT INTO bench_rows (run_id, name, step, value, logged_at, text_value) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &statement, nullptr) != SQLITE_OK)
        throw std::runtime_error(sqlite3_errmsg(sqlite));
    for (const MetricColumns &s : series) {
        const QByteArray name = s.name.toUtf8();
        for (qsizetype i = 0; i < s.size(); ++i) {
            sqlite3_bind_int64(statement, 1, runId);
            sqlite3_bind_text(statement, 2, name.constData(), int(name.size()), SQLITE_STATIC);
            sqlite3_bind_int64(statement, 3, s.steps[i]);
            sqlite3_bind_double(statement, 4, s.values[i]);
            sqlite3_bind_int64(statement, 5, s.times[i]);
            sqlite3_bind_null(statement, 6);
            if (sqlite3_step(statement) != SQLITE_DONE) {
                sqlite3_finalize(statement);
                throw std::runtime_error(sqlite3_errmsg(sqlite));
            }
            sqlite3_reset(statement);
        }
    }
    sqlite3_finalize(statement);
}

double median(QList<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double cpuSeconds()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + t.tv_nsec / 1e9;
}

// The CPU time this process spent (user + system): on a machine shared with other work, wall time says more about
// the neighbours than about the code.
double g_lastCpu = 0;

// Ingests dir's metrics.jsonl whole; returns seconds (wall), the CPU seconds in g_lastCpu.
double ingestAll(Workspace &ws, qint64 id, const QString &dir, const MetricsIngestor::Sink &sink)
{
    MetricsIngestor ingestor(ws.database(), id, dir);
    if (sink)
        ingestor.setSink(sink);
    QElapsedTimer clock;
    clock.start();
    const double cpu = cpuSeconds();
    for (;;)
        if (!ingestor.ingest().more)
            break;
    g_lastCpu = cpuSeconds() - cpu;
    return clock.nsecsElapsed() / 1e9;
}

void ingestion(Workspace &ws, const QString &root, int points)
{
    QByteArray lines;
    for (int i = 0; i < points; ++i)
        lines += u"{\"name\":\"Loss\",\"step\":%1,\"value\":%2,\"time\":1700000000.123}\n"_s.arg(i)
                     .arg(1.0 / (i + 1), 0, 'g', 17)
                     .toUtf8();
    auto runWithFile = [&](const QString &uid) {
        const QString dir = root + u'/' + uid;
        const qint64 id = newRun(ws, uid, dir);
        QFile f(dir + u"/metrics.jsonl"_s);
        f.open(QIODevice::WriteOnly);
        f.write(lines);
        return std::pair{id, dir};
    };
    Database &db = ws.database();
    db.exec(u"CREATE TABLE bench_rows (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id BIGINT NOT NULL, name "
            u"VARCHAR(255) NOT NULL, step BIGINT NOT NULL, value DOUBLE PRECISION, logged_at BIGINT NOT NULL, "
            u"text_value TEXT)"_s);
    db.exec(u"CREATE INDEX bench_rows_by_run_name_step ON bench_rows (run_id, name, step)"_s);

    // Same file, same parser, same transactions and offsets; only the storage differs. Alternated, twice each.
    QList<double> chunked, rows, parseOnly, chunkedCpu, rowsCpu, parseCpu;
    qint64 chunkedRun = 0, rowsRun = 0;
    for (int round = 0; round < 2; ++round) {
        auto [c, cdir] = runWithFile(u"chunked%1"_s.arg(round));
        chunked.append(ingestAll(ws, c, cdir, {}));
        chunkedCpu.append(g_lastCpu);
        chunkedRun = c;
        auto [p, pdir] = runWithFile(u"parse%1"_s.arg(round)); // the same without storing the points
        parseOnly.append(ingestAll(ws, p, pdir, [](Database &, qint64, const QList<MetricColumns> &) {}));
        parseCpu.append(g_lastCpu);
        if (qEnvironmentVariableIsSet("RUNS_BENCH_INGEST_ONLY")) // chunked ingestion alone (for a profiler)
            continue;
        auto [r, rdir] = runWithFile(u"rows%1"_s.arg(round));
        rows.append(ingestAll(ws, r, rdir, insertRows));
        rowsCpu.append(g_lastCpu);
        rowsRun = r;
    }
    auto best = [](const QList<double> &v) {
        return *std::min_element(v.begin(), v.end());
    };
    const double c = best(chunked), cc = best(chunkedCpu);
    if (qEnvironmentVariableIsSet("RUNS_BENCH_INGEST_ONLY")) {
        std::printf("ingest  %d points: %.2f s = %.0f points/s (CPU %.2f s = %.0f points per CPU-second)\n", points, c,
                    points / c, cc, points / cc);
        return;
    }
    const double r = best(rows), p = best(parseOnly);
    std::printf(
        "ingest  %d points from metrics.jsonl (parse + store + offset), best of 2 (wall; CPU of this process):\n"
        "        chunked    %.3f s = %.0f points/s (target >= 2000000); CPU %.3f s = %.0f points/CPU-s\n"
        "        per-row    %.3f s = %.0f points/s (the storage before chunks); CPU %.3f s = %.0f points/CPU-s\n"
        "        parse only %.3f s = %.0f points/s (nothing stored); CPU %.3f s = %.0f points/CPU-s\n"
        "        chunked is %.2fx per-row\n",
        points, c, points / c, cc, points / cc, r, points / r, best(rowsCpu), points / best(rowsCpu), p, points / p,
        best(parseCpu), points / best(parseCpu), r / c);

    QList<double> full, decimated, perRow;
    qint64 got = 0, columns = 0, rowsGot = 0;
    for (int i = 0; i < 5; ++i) {
        QElapsedTimer clock;
        clock.start();
        got = MetricChunks::series(db, chunkedRun, u"Loss"_s).size();
        full.append(clock.nsecsElapsed() / 1e6);
        clock.restart();
        columns = MetricChunks::minMax(db, chunkedRun, u"Loss"_s, 1600).size();
        decimated.append(clock.nsecsElapsed() / 1e6);
        clock.restart();
        QSqlQuery q(db.connection());
        q.setForwardOnly(true);
        q.exec(u"SELECT step, value, logged_at FROM bench_rows WHERE run_id = %1 AND name = 'Loss' ORDER BY step"_s.arg(
            rowsRun));
        QList<qint64> steps, times;
        QList<double> values;
        while (q.next()) {
            steps.append(q.value(0).toLongLong());
            values.append(q.value(1).toDouble());
            times.append(q.value(2).toLongLong());
        }
        rowsGot = steps.size();
        perRow.append(clock.nsecsElapsed() / 1e6);
    }
    std::printf("read    one %lld-point series whole (steps, values, times): median %.1f ms (target <= 50); "
                "per-row table %lld rows: %.1f ms\n",
                got, median(full), rowsGot, median(perRow));
    std::printf("read    the same as %lld min/max columns: median %.2f ms (target <= 10)\n", columns,
                median(decimated));
}

void latencies(Workspace &ws, const QString &root)
{
    const QString src = root + u"/src"_s;
    QDir().mkpath(src);
    QFile script(src + u"/first.py"_s);
    script.open(QIODevice::WriteOnly);
    script.write("from mldesk import Run\nimport time\nrun = Run.get_context()\nrun.log('first', 1.0)\n"
                 "time.sleep(60)\n");
    script.close();
    RunServiceOptions options;
    options.cpuSlots = 1;
    options.cancelGraceMs = 2000;
    RunService service(ws, options);
    RunRequest request;
    request.experiment = u"bench"_s;
    request.sourceFolder = src;
    request.script = u"first.py"_s;
    request.environment = u"System-Python"_s;
    service.start();

    QEventLoop loop;
    QElapsedTimer clock;
    qint64 firstMetricMs = -1;
    QString uid;
    QList<qint64> appendLatencies;
    QElapsedTimer appendClock;
    bool measuringAppends = false;
    QObject::connect(&service, &RunService::metricsAppended, &loop, [&](const QString &id, const auto &points) {
        if (id != uid)
            return;
        if (firstMetricMs < 0 && !points.isEmpty()) {
            firstMetricMs = clock.elapsed();
            loop.quit();
        } else if (measuringAppends) {
            appendLatencies.append(appendClock.nsecsElapsed() / 1000);
            loop.quit();
        }
    });
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);
    clock.start();
    uid = service.submit(request).uid;
    loop.exec();
    std::printf("latency submit -> first metric stored and signalled (python3 CPU run): %lld ms (target <= 1000)\n",
                firstMetricMs);
    if (qEnvironmentVariableIsSet("RUNS_BENCH_VERBOSE"))
        for (const RunStateChange &c : service.store().get(uid).history)
            std::printf("  %s %s\n", qPrintable(c.at.toString(Qt::ISODateWithMs)), qPrintable(runStateName(c.state)));

    // Appends by this process to the running job's metrics file, one at a time.
    const QString metrics = service.store().get(uid).runDir + u"/metrics.jsonl"_s;
    measuringAppends = true;
    for (int i = 0; i < 50; ++i) {
        QTimer::singleShot(20, &loop, [&, i] {
            QFile f(metrics);
            f.open(QIODevice::WriteOnly | QIODevice::Append);
            appendClock.start();
            f.write(u"{\"name\":\"appended\",\"step\":%1,\"value\":%1}\n"_s.arg(i).toUtf8());
            f.close();
        });
        QTimer::singleShot(2000, &loop, &QEventLoop::quit);
        loop.exec();
    }
    std::sort(appendLatencies.begin(), appendLatencies.end());
    if (!appendLatencies.isEmpty())
        std::printf("latency line appended -> signal (%d appends): median %.1f ms, p95 %.1f ms, max %.1f ms "
                    "(target <= 100)\n",
                    int(appendLatencies.size()), appendLatencies[appendLatencies.size() / 2] / 1000.0,
                    appendLatencies[appendLatencies.size() * 95 / 100] / 1000.0, appendLatencies.last() / 1000.0);
    service.cancel(uid);
    QElapsedTimer wait;
    wait.start();
    while (service.isWatching(uid) && wait.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int points = argc > 1 ? std::max(1000, std::atoi(argv[1])) : 1000000;
    QTemporaryDir dir;
    auto ws = Workspace::create(dir.filePath(u"ws"_s), u"bench"_s);
    try {
        ingestion(*ws, dir.filePath(u"runs"_s), points);
        if (!qEnvironmentVariableIsSet("RUNS_BENCH_INGEST_ONLY"))
            latencies(*ws, dir.path());
    } catch (const std::exception &e) {
        std::fprintf(stderr, "runs-bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
