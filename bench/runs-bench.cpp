// runs-bench: the run pipeline's numbers (issue 5) - metric points per second into SQLite through MetricsIngestor
// (target >= 500k/s) beside a bare QtSql execBatch of the same rows; latency from RunService::submit of a local
// CPU run to its first metric stored and signalled (target <= 1 s); latency from a line appended to metrics.jsonl
// to the signal (target <= 100 ms). Not a test: run build-*/bench/runs-bench [points] (needs python3,
// mldesk-supervisor found next to the build's app/ or through MLDESK_SUPERVISOR).
#include "core/experiments/ExperimentStore.h"
#include "core/runs/MetricsIngestor.h"
#include "core/runs/RunService.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>

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

void ingestion(Workspace &ws, const QString &root, int points)
{
    const QString dir = root + u"/ingest"_s;
    const qint64 id = newRun(ws, u"ingest"_s, dir);
    QFile f(dir + u"/metrics.jsonl"_s);
    f.open(QIODevice::WriteOnly);
    for (int i = 0; i < points; ++i)
        f.write(u"{\"name\":\"Loss\",\"step\":%1,\"value\":%2,\"time\":1700000000.123}\n"_s.arg(i)
                    .arg(1.0 / (i + 1), 0, 'g', 17)
                    .toUtf8());
    f.close();
    MetricsIngestor ingestor(ws.database(), id, dir);
    QElapsedTimer clock;
    clock.start();
    qint64 stored = 0;
    for (;;) {
        const MetricsIngestor::Batch b = ingestor.ingest();
        stored += b.points.size();
        if (!b.more)
            break;
    }
    const double seconds = clock.elapsed() / 1000.0;
    if (qEnvironmentVariableIsSet("RUNS_BENCH_INGEST_ONLY")) {
        std::printf("ingest  %d points: %.2f s = %.0f points/s\n", int(stored), seconds, stored / seconds);
        return;
    }
    std::printf("ingest  %d points from metrics.jsonl (parse + insert + offset): %.2f s = %.0f points/s "
                "(target >= 500000)\n",
                int(stored), seconds, stored / seconds);

    // Peer in the same run: QtSql execBatch of already-parsed rows, 10k per transaction, with the same index.
    const qint64 id2 = newRun(ws, u"peer"_s, root + u"/peer"_s);
    Database &db = ws.database();
    clock.restart();
    for (int start = 0; start < points; start += 10000) {
        QVariantList runIds, names, steps, values, times;
        for (int i = start; i < std::min(points, start + 10000); ++i) {
            runIds.append(id2);
            names.append(u"Loss"_s);
            steps.append(i);
            values.append(1.0 / (i + 1));
            times.append(qint64(1700000000123));
        }
        db.writeTransaction([&] {
            QSqlQuery q(db.connection());
            q.prepare(u"INSERT INTO run_metrics (run_id, name, step, value, logged_at) VALUES (?, ?, ?, ?, ?)"_s);
            for (const QVariantList *column : {&runIds, &names, &steps, &values, &times})
                q.addBindValue(*column);
            q.execBatch();
        });
    }
    const double peer = clock.elapsed() / 1000.0;
    std::printf("peer    QtSql execBatch of pre-parsed rows:                 %.2f s = %.0f rows/s; ingestion is %.2fx "
                "the bare insert's time\n",
                peer, points / peer, seconds / peer);
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
