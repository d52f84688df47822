// RunWatcher, finalizing: a job that ended (any backend) is settled, its last metrics and log stored, its outputs
// captured, and the run ends Completed, Failed (with the reason) or Canceled - never stuck in Finalizing, whatever
// throws. See RunWatcher.h.
#include "core/runs/RunWatcher.h"

#include "core/datasets/DatasetMaterializer.h"
#include "core/runs/LocalRunLauncher.h"
#include "core/runs/MetricsIngestor.h"
#include "core/runs/RunEngineParts.h"
#include "core/runs/RunService.h"
#include "core/runs/ScriptChildRuns.h"
#include "core/workspace/Workspace.h"

#include <QFile>
#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace mldesk::core {

using namespace runengine;

QString RunWatcher::lastLogLines(const QString &runDir, int lines) const
{
    QFile log(runDir + u"/logs/std_log.txt"_s);
    if (!log.open(QIODevice::ReadOnly))
        return {};
    log.seek(std::max<qint64>(0, log.size() - 64 * 1024));
    QStringList all = QString::fromUtf8(log.readAll()).split(u'\n');
    while (!all.isEmpty() && all.constLast().trimmed().isEmpty())
        all.removeLast();
    return all.mid(std::max<qsizetype>(0, all.size() - lines)).join(u'\n');
}

void RunWatcher::finalize(RunWatch &w, const std::optional<LocalProcess::ExitRecord> &exit, const QString &vanished)
{
    RunEnding ending;
    if (exit) {
        ending.exitCode = exit->exitCode;
        ending.signal = exit->signal;
        ending.signalName = exit->signalName;
        ending.endedAtMs = exit->endedAtMs;
    }
    if (!ending.exitCode && !ending.signal)
        ending.reason = vanished;
    finalize(w, ending);
}

void RunWatcher::finalize(RunWatch &w, const RunEnding &ending)
{
    // A Slurm run may be Queued (its job canceled while pending) or already Finalizing (Slurm's COMPLETING). Two
    // processes following one Slurm run may then both capture outputs (content-addressed: harmless); only one end
    // transition applies.
    const bool claimed =
        w.slurm ? m_store.transition(w.run.id,
                                     {RunState::Queued, RunState::Preparing, RunState::Starting, RunState::Running,
                                      RunState::Finalizing},
                                     RunState::Finalizing, u"capturing outputs"_s)
        : w.run.state == RunState::Finalizing
            ? m_store.transition(w.run.id, {RunState::Finalizing}, RunState::Finalizing,
                                 u"finalizing again: the process finalizing it ended"_s)
            : m_store.transition(w.run.id, {RunState::Preparing, RunState::Starting, RunState::Running},
                                 RunState::Finalizing);
    if (!claimed) {
        refreshState(w);
        return;
    }
    w.finalizing = true;
    refreshState(w);
    try {
        if (m_options.finalizeHook)
            m_options.finalizeHook(w.run.uid);
        endRun(w, ending);
    } catch (const std::exception &e) {
        // Whatever failed (the database, the disk, a bug), the run must not stay Finalizing: it ends Failed with
        // the reason. When even that cannot be written, the next tick tries again (not another process, minutes
        // later).
        const QString reason = u"finalizing the run failed: "_s + QString::fromUtf8(e.what());
        appendSystemLog(w.run.runDir, u"error: "_s + reason);
        try {
            m_store.transition(w.run.id, {RunState::Finalizing}, RunState::Failed, reason,
                               {{u"ended_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())},
                                {u"backend_note"_s, QString()},
                                {u"failure_reason"_s, reason}});
        } catch (const std::exception &again) {
            w.finalizing = false;
            w.finalizeAgain = true;
            emit warning(u"run %1: %2; ending it failed too (%3), trying again"_s.arg(w.run.uid, reason,
                                                                                      QString::fromUtf8(again.what())));
            return;
        }
    }
    w.finalizing = false;
    w.finalizeAgain = false;
    const QString uid = w.run.uid;
    refreshState(w);
    stopWatching(uid);
    emit endedHere(uid);
}

void RunWatcher::scriptChildrenAtEnd(RunWatch &w, RunState end, const QString &reason)
{
    // Script-made child runs the script left open end with the run's outcome (their note says so), just before the
    // run's own end transition.
    for (const RunRecord &child : ScriptChildRuns(m_workspace, w.run).finish(end, reason))
        emit runStateChanged(child);
}

void RunWatcher::endRun(RunWatch &w, const RunEnding &ending)
{
    // Everything the job wrote: the last metrics (a last line without '\n' counts now) and log text. A failure here
    // or in the capture (a full disk, permissions, a vanished file) fails the run: its results are not all kept.
    QStringList problems;
    try {
        for (;;) {
            MetricsIngestor::Batch batch = w.ingestor->ingest(true);
            if (!batch.more)
                break;
        }
        followMetrics(w);
    } catch (const std::exception &e) {
        problems.append(u"storing the last metrics failed: "_s + QString::fromUtf8(e.what()));
    }
    emitLog(w, true);

    for (const QJsonValue &v : w.run.configuration.value(u"datasets"_s).toArray())
        if (v.toObject().value(u"mode"_s).toString() == u"mount"_s)
            DatasetMaterializer::unmount(LocalRunLauncher::inputFolder(w.run.runDir, v.toObject()));

    QList<RunFileEntry> files;
    try {
        files = RunFiles::capture(m_workspace.blobs(), w.run.runDir + u"/outputs"_s, u"outputs"_s);
        files += RunFiles::capture(m_workspace.blobs(), w.run.runDir + u"/logs"_s, u"logs"_s);
    } catch (const std::exception &e) {
        problems.append(u"capturing outputs failed: "_s + QString::fromUtf8(e.what()));
    }

    const bool canceled =
        m_store.findById(w.run.id).value_or(w.run).cancelRequested || ending.state == RunState::Canceled;
    QVariantMap columns;
    columns.insert(u"ended_at"_s, ending.endedAtMs ? ending.endedAtMs : QDateTime::currentMSecsSinceEpoch());
    columns.insert(u"outputs_manifest_json"_s, RunFiles::manifestJson(files));
    columns.insert(u"backend_note"_s, QString());
    QString reason;
    if (ending.exitCode) {
        columns.insert(u"exit_code"_s, *ending.exitCode);
        if (*ending.exitCode != 0)
            reason = u"the job exited with code %1"_s.arg(*ending.exitCode);
    } else if (ending.signal) {
        columns.insert(u"exit_signal"_s, *ending.signal);
        const QString name = ending.signalName.isEmpty() ? LocalProcess::signalName(*ending.signal) : ending.signalName;
        reason = u"the job was killed by signal %1 (%2)"_s.arg(*ending.signal).arg(name);
    }
    if (!ending.reason.isEmpty())
        reason = ending.reason; // the backend's own words (Slurm's state and reason, "process vanished")
    const bool jobFailed = ending.state ? *ending.state == RunState::Failed : !reason.isEmpty();
    RunState end = RunState::Completed;
    if (canceled) {
        end = RunState::Canceled;
        if (ending.state != RunState::Canceled || ending.reason.isEmpty())
            reason = u"canceled by the user"_s + (reason.isEmpty() ? QString() : u" ("_s + reason + u')');
        if (!problems.isEmpty())
            reason += u"; "_s + problems.join(u"; "_s);
    } else if (jobFailed || !problems.isEmpty()) {
        end = RunState::Failed;
        // What MLDesk could not do comes first: it is why a job that exited 0 still failed.
        if (!problems.isEmpty())
            reason = problems.join(u"; "_s) + (reason.isEmpty() ? QString() : u"; "_s + reason);
        if (reason.isEmpty())
            reason = u"the job failed"_s;
        const QString tail = lastLogLines(w.run.runDir, m_options.logTailLines);
        if (!tail.isEmpty())
            reason += u"; last lines of the log:\n"_s + tail;
    } else {
        reason.clear(); // completed
    }
    columns.insert(u"failure_reason"_s, reason.isEmpty() ? QVariant() : QVariant(reason));
    scriptChildrenAtEnd(w, end, reason);
    appendSystemLog(w.run.runDir,
                    u"run ended %1%2"_s.arg(runStateName(end), reason.isEmpty() ? QString() : u": "_s + reason));
    m_store.transition(w.run.id, {RunState::Finalizing}, end, reason.section(u'\n', 0, 0), columns);
}

} // namespace mldesk::core
