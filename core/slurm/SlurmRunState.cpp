// SlurmRunState: Slurm job states and exit records to run states.
#include "core/slurm/SlurmRunState.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace mldesk::core {

std::optional<SlurmExitRecord> SlurmExitRecord::read(const QString &runDir)
{
    QFile f(runDir + QStringLiteral("/exit.json"));
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    if (o.isEmpty())
        return std::nullopt;
    SlurmExitRecord r;
    if (o.value(QStringLiteral("exit_code")).isDouble())
        r.exitCode = o.value(QStringLiteral("exit_code")).toInt();
    if (o.value(QStringLiteral("signal")).isDouble())
        r.signal = o.value(QStringLiteral("signal")).toInt();
    r.signalName = o.value(QStringLiteral("signal_name")).toString();
    r.terminateRequested = o.value(QStringLiteral("terminate_requested")).toBool();
    if (!r.exitCode && !r.signal)
        return std::nullopt;
    return r;
}

namespace {

QString describeExit(const std::optional<int> &code, const std::optional<int> &signal, const QString &signalName)
{
    if (signal)
        return QStringLiteral("killed by %1")
            .arg(signalName.isEmpty() ? QStringLiteral("signal %1").arg(*signal) : signalName);
    if (code)
        return QStringLiteral("exit code %1").arg(*code);
    return {};
}

// The exit code/signal: the job's own from exit.json, else Slurm's decoded wait status.
void takeExit(SlurmRunOutcome &o, const SlurmJob *job, const std::optional<SlurmExitRecord> &exit)
{
    if (exit) {
        o.exitCode = exit->exitCode;
        o.exitSignal = exit->signal;
    } else if (job) {
        o.exitCode = job->exitCode();
        o.exitSignal = job->exitSignal();
    }
}

} // namespace

static SlurmRunOutcome outcomeOfJob(const SlurmJob &job, const std::optional<SlurmExitRecord> &exit,
                                    bool cancelRequested)
{
    SlurmRunOutcome o;
    const QString &s = job.state;
    const QString reason = job.reason();
    if (!job.isFinished()) {
        if (s == QLatin1String("PENDING")) {
            o.state = RunState::Queued;
            o.detail = reason.isEmpty() ? QStringLiteral("Slurm job %1 pending").arg(job.id)
                                        : QStringLiteral("Slurm job %1 pending (%2)").arg(job.id).arg(reason);
        } else if (s == QLatin1String("CONFIGURING")) {
            o.state = RunState::Preparing;
            o.detail = QStringLiteral("Slurm job %1 configuring its nodes").arg(job.id);
        } else if (s == QLatin1String("COMPLETING")) {
            o.state = RunState::Finalizing;
            o.detail = QStringLiteral("Slurm job %1 completing").arg(job.id);
        } else if (s == QLatin1String("REQUEUED") || s == QLatin1String("REQUEUE_HOLD") ||
                   s == QLatin1String("REQUEUE_FED")) {
            o.state = RunState::Queued;
            o.detail = QStringLiteral("Slurm job %1 requeued").arg(job.id);
        } else {
            // RUNNING, and the rarer live states (SUSPENDED, STOPPED, RESIZING, SIGNALING, STAGE_OUT) shown as such.
            o.state = RunState::Running;
            o.detail = s == QLatin1String("RUNNING")
                           ? QStringLiteral("Slurm job %1 running on %2").arg(job.id).arg(job.nodes)
                           : QStringLiteral("Slurm job %1 %2").arg(job.id).arg(s.toLower());
        }
        return o;
    }

    takeExit(o, &job, exit);
    const QString how = describeExit(o.exitCode, o.exitSignal, exit ? exit->signalName : QString());
    if (cancelRequested || s == QLatin1String("CANCELLED")) {
        o.state = RunState::Canceled;
        o.failureReason = cancelRequested ? QStringLiteral("canceled by the user (Slurm job %1 %2)").arg(job.id).arg(s)
                                          : QStringLiteral("Slurm cancelled job %1").arg(job.id);
        o.detail = o.failureReason;
        return o;
    }
    if (s == QLatin1String("COMPLETED") && (!o.exitCode || *o.exitCode == 0) && !o.exitSignal) {
        o.state = RunState::Completed;
        o.detail = QStringLiteral("Slurm job %1 completed").arg(job.id);
        return o;
    }
    o.state = RunState::Failed;
    QString why;
    if (s == QLatin1String("TIMEOUT"))
        why = QStringLiteral("Slurm stopped the job at its time limit (TIMEOUT)");
    else if (s == QLatin1String("OUT_OF_MEMORY"))
        why = QStringLiteral("the job ran out of memory (OUT_OF_MEMORY)");
    else if (s == QLatin1String("NODE_FAIL"))
        why = QStringLiteral("a node of the job failed (NODE_FAIL)");
    else if (s == QLatin1String("BOOT_FAIL"))
        why = QStringLiteral("the job's nodes failed to boot (BOOT_FAIL)");
    else if (s == QLatin1String("DEADLINE"))
        why = QStringLiteral("the job missed its deadline (DEADLINE)");
    else if (s == QLatin1String("PREEMPTED"))
        why = QStringLiteral("the job was preempted (PREEMPTED)");
    else
        why = QStringLiteral("the job failed (%1)").arg(s);
    if (!reason.isEmpty() && !why.contains(reason))
        why += QStringLiteral(", reason %1").arg(reason);
    if (!how.isEmpty())
        why += QStringLiteral(": ") + how;
    o.failureReason = QStringLiteral("Slurm job %1: %2").arg(job.id).arg(why);
    o.detail = o.failureReason;
    return o;
}

SlurmRunOutcome SlurmRunState::fromJob(const SlurmJob &job, const std::optional<SlurmExitRecord> &exit,
                                       bool cancelRequested)
{
    SlurmRunOutcome o = outcomeOfJob(job, exit, cancelRequested);
    // Slurm's own times: a job short enough to go from PENDING straight to COMPLETED between two polls still
    // gets its real start and end (a pending job's start_time is an estimate: only taken once it has started).
    if (job.state != QLatin1String("PENDING") && job.startTime.isValid())
        o.started = job.startTime;
    if (job.isFinished() && job.endTime.isValid())
        o.ended = job.endTime;
    return o;
}

SlurmRunOutcome SlurmRunState::fromVanished(qint64 jobId, const std::optional<SlurmExitRecord> &exit,
                                            bool cancelRequested)
{
    SlurmRunOutcome o;
    takeExit(o, nullptr, exit);
    if (cancelRequested) {
        o.state = RunState::Canceled;
        o.failureReason = QStringLiteral("canceled by the user (Slurm job %1)").arg(jobId);
    } else if (!exit) {
        o.state = RunState::Failed;
        o.failureReason = QStringLiteral("Slurm job %1 ended and was purged without leaving exit.json in the run "
                                         "folder: the job never started its supervisor or was killed hard; see "
                                         "logs/slurm-%1.out")
                              .arg(jobId);
    } else if (exit->exitCode && *exit->exitCode == 0) {
        o.state = RunState::Completed;
    } else {
        o.state = RunState::Failed;
        o.failureReason = QStringLiteral("Slurm job %1: %2")
                              .arg(jobId)
                              .arg(describeExit(exit->exitCode, exit->signal, exit->signalName));
    }
    o.detail = o.failureReason.isEmpty()
                   ? QStringLiteral("Slurm job %1 completed (from its exit record; Slurm has purged it)").arg(jobId)
                   : o.failureReason;
    return o;
}

} // namespace mldesk::core
