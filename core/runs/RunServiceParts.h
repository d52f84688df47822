// RunServiceParts: what the two halves of RunService share (RunService.cpp: local runs, watching, finalizing;
// RunServiceSlurm.cpp: Slurm runs) - the per-run watch state, how a job ended, and small run helpers. Private to
// core/runs.
#pragma once

#include "core/runs/LocalProcess.h"
#include "core/runs/MetricsIngestor.h"
#include "core/runs/RunService.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>

#include <memory>
#include <optional>

namespace mldesk::core {

struct RunService::Watched {
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
    bool finalizeAgain = false; // finalize threw and ending the run failed too: try again next tick
    qint64 metricSeq = 0;       // the store's metric chunks up to here have been emitted
    bool slurm = false;         // on a Slurm target: its state comes from SlurmRunBackend, not from a local process
};

// How a job ended, whichever backend ran it.
struct RunService::Ending {
    std::optional<int> exitCode;
    std::optional<int> signal;
    QString signalName;
    qint64 endedAtMs = 0;
    QString reason;                // why it failed, when not (only) the exit code or signal says it
    std::optional<RunState> state; // the end the backend decided (Slurm); nullopt: from the exit and the cancel flag
};

namespace runservice {

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

// The preparer recorded as "preparing:PID:TICKS" is gone (or, without such a record, the run is long stale).
inline bool preparerGone(const RunRecord &run)
{
    const QStringList preparer = run.backendJobId.split(u':');
    if (preparer.size() == 3 && preparer[0] == u"preparing"_s)
        return !LocalProcess::isAlive({preparer[1].toLongLong(), preparer[2].toLongLong()});
    const QDateTime since = run.history.isEmpty() ? run.created : run.history.constLast().at;
    return since.msecsTo(QDateTime::currentDateTimeUtc()) > 10 * 60 * 1000;
}

} // namespace runservice

} // namespace mldesk::core
