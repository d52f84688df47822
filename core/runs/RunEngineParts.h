// RunEngineParts: what the rooms of the run engine share (RunWatcher, RunScheduler and the RunBackends): the
// per-run watch state, how a job ended, and small run helpers. Private to core/runs.
#pragma once

#include "core/runs/LocalProcess.h"
#include "core/runs/MetricsIngestor.h"
#include "core/runs/RunTypes.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QVariantMap>

#include <memory>
#include <optional>

namespace mldesk::core {

// One run the watcher follows: its last known record, its ingestion, and what its backend keeps about its job.
struct RunWatch {
    RunRecord run;
    std::unique_ptr<MetricsIngestor> ingestor;
    qint64 logOffset = 0;
    LocalProcess::Identity identity;
    bool termSent = false;
    bool killSent = false;
    QElapsedTimer cancelClock;
    QElapsedTimer deadClock;  // since the process was first seen gone without an exit record
    QElapsedTimer groupClock; // since the job ended while its process group still had members
    bool finalizing = false;
    bool finalizeAgain = false;  // finalize threw and ending the run failed too: try again next tick
    qint64 metricSeq = 0;        // the store's metric chunks up to here have been emitted
    bool slurm = false;          // on a Slurm target: its state comes from SlurmBackend, not from a local process
    bool metricsWatched = false; // metrics.jsonl / logs/std_log.txt are in the file watcher (once they exist)
    bool logWatched = false;
};

// How a job ended, whichever backend ran it.
struct RunEnding {
    std::optional<int> exitCode;
    std::optional<int> signal;
    QString signalName;
    qint64 endedAtMs = 0;
    QString reason;                // why it failed, when not (only) the exit code or signal says it
    std::optional<RunState> state; // the end the backend decided (Slurm); nullopt: from the exit and the cancel flag
};

namespace runengine {

using namespace Qt::StringLiterals;

inline bool isLocal(const RunRecord &run)
{
    return run.configuration.value(u"compute"_s).toObject().value(u"kind"_s).toString(u"local"_s) == u"local"_s;
}

// The Slurm job id of a submitted Slurm run; 0 before submission ("" or "preparing:PID:TICKS").
inline qint64 slurmJobId(const RunRecord &run)
{
    bool ok = false;
    const qint64 id = run.backendJobId.toLongLong(&ok);
    return ok ? id : 0;
}

// Who prepares a claimed run ("preparing:PID:TICKS"), so another process can tell a long preparation (a conda
// environment) from an abandoned one.
inline QString preparingMark()
{
    const qint64 self = QCoreApplication::applicationPid();
    return u"preparing:%1:%2"_s.arg(self).arg(LocalProcess::startTicks(self));
}

// The preparer recorded as "preparing:PID:TICKS" is gone (or, without such a record, the run is long stale).
inline bool preparerGone(const RunRecord &run)
{
    const QStringList preparer = run.backendJobId.split(u':');
    if (preparer.size() == 3 && preparer[0] == u"preparing"_s)
        return !LocalProcess::isAlive({preparer[1].toLongLong(), preparer[2].toLongLong()});
    const QDateTime since = run.history.isEmpty() ? run.created : run.history.constLast().at;
    return since.msecsTo(QDateTime::currentDateTimeUtc()) > 10 * 60 * 1000;
}

inline QVariantMap endColumns(const QString &reason)
{
    return {{u"ended_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())}, {u"failure_reason"_s, QVariant(reason)}};
}

} // namespace runengine

} // namespace mldesk::core
