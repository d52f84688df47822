// RunService, its Slurm half: Slurm runs are claimed without a local slot, prepared on a worker thread
// (SlurmRunLauncher), submitted and followed through SlurmRunBackend; Slurm's states become guarded transitions,
// its end goes through the same finalize as a local run's, and an unreachable cluster is a note on the runs.
#include "core/compute/ComputeTargetRegistry.h"
#include "core/http/HttpClient.h"
#include "core/runs/RunService.h"
#include "core/runs/RunServiceParts.h"
#include "core/runs/SlurmRunLauncher.h"
#include "core/slurm/SlurmRunBackend.h"
#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"

#include <QCoreApplication>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

using namespace Qt::StringLiterals;

namespace mldesk::core {

using namespace runservice;

SlurmRunBackend &RunService::slurm()
{
    if (!m_slurm) {
        m_slurm = std::make_unique<SlurmRunBackend>(HttpClient::create(), m_workspace.path(), m_options.slurmPolling);
        connect(m_slurm.get(), &SlurmRunBackend::runUpdated, this, &RunService::onSlurmUpdate);
        connect(m_slurm.get(), &SlurmRunBackend::targetProblem, this,
                [this](const QString &target, const QString &message) { setTargetNote(target, message); });
        connect(m_slurm.get(), &SlurmRunBackend::targetRestored, this,
                [this](const QString &target) { setTargetNote(target, {}); });
    }
    return *m_slurm;
}

void RunService::attachSlurm(Watched &w)
{
    const std::optional<ComputeTarget> target = ComputeTargetRegistry(m_workspace.database()).find(w.run.computeTarget);
    if (!target || target->kind != ComputeTarget::Kind::Slurm) {
        if (!w.deadClock.isValid()) { // say it once
            w.deadClock.start();
            emit warning(u"run %1: its Slurm compute target '%2' is gone; it cannot be followed"_s.arg(
                w.run.uid, w.run.computeTarget));
        }
        return;
    }
    slurm().attach(*target, w.run.uid, w.run.runDir, slurmJobId(w.run), w.run.cancelRequested);
}

void RunService::checkSlurm(Watched &w)
{
    if (!m_started) // one-shot commands ingest the folder; only a started service asks the cluster
        return;
    if (slurmJobId(w.run) > 0) {
        if (!slurm().isFollowing(w.run.uid)) // after a restart, or the process that submitted it has gone
            attachSlurm(w);
        return;
    }
    if (w.run.state != RunState::Queued && !slurm().isFollowing(w.run.uid) && preparerGone(w.run))
        recoverSlurm(w); // its job may have been accepted: found by name, never submitted twice
}

void RunService::recoverSlurm(Watched &w)
{
    const std::optional<ComputeTarget> target = ComputeTargetRegistry(m_workspace.database()).find(w.run.computeTarget);
    const QString uid = w.run.uid;
    auto done = [this, uid](qint64 jobId, const QString &error) {
        auto it = m_watched.find(uid);
        if (it == m_watched.end() || !error.isEmpty()) // cannot tell now: asked again at the next check
            return;
        std::shared_ptr<Watched> keep = it.value();
        if (jobId > 0) {
            m_store.setColumns(keep->run.id, {{u"backend_job_id"_s, QVariant(QString::number(jobId))}});
            appendSystemLog(keep->run.runDir, u"found Slurm job %1 of this run, submitted by an MLDesk process that "
                                              u"ended before storing its id; following it"_s.arg(jobId));
            refreshState(*keep);
            return;
        }
        finalize(*keep, std::nullopt,
                 u"the run was interrupted while it was being prepared or submitted to Slurm (the MLDesk process "
                 u"doing it ended, and Slurm has no job of it)"_s);
    };
    if (target && target->kind == ComputeTarget::Kind::Slurm)
        slurm().recover(*target, uid, w.run.runDir, w.run.cancelRequested, done);
    else
        done(0, {});
}

void RunService::scheduleSlurm()
{
    for (const RunRecord &run : m_store.active()) {
        if (isLocal(run) || run.state != RunState::Queued || !run.backendJobId.isEmpty())
            continue;
        // No local slot: the cluster schedules it. The claim says who prepares it (see launch()).
        const qint64 self = QCoreApplication::applicationPid();
        if (!m_store.transition(
                run.id, {RunState::Queued}, RunState::Preparing,
                u"preparing for Slurm target %1"_s.arg(run.computeTarget),
                {{u"backend_job_id"_s, QVariant(u"preparing:%1:%2"_s.arg(self).arg(LocalProcess::startTicks(self)))}}))
            continue;
        if (auto it = m_watched.find(run.uid); it != m_watched.end())
            refreshState(**it);
        if (std::optional<RunRecord> claimed = m_store.findById(run.id))
            launchSlurm(*claimed);
    }
}

void RunService::launchSlurm(RunRecord run)
{
    auto fail = [this, run](const QString &error) {
        appendSystemLog(run.runDir, u"error: the run could not start: "_s + error);
        m_store.transition(run.id, {RunState::Preparing, RunState::Starting}, RunState::Failed, u"could not start"_s,
                           {{u"ended_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())},
                            {u"failure_reason"_s, QString(u"the run could not start: "_s + error)}});
        emit warning(u"run %1 could not start: %2"_s.arg(run.uid, error));
        if (auto it = m_watched.find(run.uid); it != m_watched.end())
            refreshState(**it);
    };
    ComputeTarget target;
    try {
        target = ComputeTargetRegistry(m_workspace.database()).get(run.computeTarget);
    } catch (const std::exception &e) {
        fail(QString::fromUtf8(e.what()));
        return;
    }
    SlurmRunLauncher::Options options;
    options.trainerPath = m_options.trainerPath;
    options.supervisorPath = m_options.supervisorPath;
    const QString workspacePath = m_workspace.path();
    const QString blobRoot = m_workspace.blobs().root();
    Database &mainDb = m_workspace.database();
    struct Prepared {
        std::optional<SlurmRunLaunch> launch;
        QString error;
    };
    auto *watcher = new QFutureWatcher<Prepared>(this);
    connect(watcher, &QFutureWatcher<Prepared>::finished, this, [this, watcher, run, target, fail] {
        watcher->deleteLater();
        const Prepared prepared = watcher->result();
        if (!prepared.error.isEmpty())
            fail(prepared.error);
        else if (prepared.launch)
            submitSlurm(run, target, *prepared.launch);
        else if (auto it = m_watched.find(run.uid); it != m_watched.end())
            refreshState(**it); // canceled before it was submitted
    });
    // Preparation blocks (dataset copies, conda): a worker thread with its own connection to the database.
    watcher->setFuture(
        QtConcurrent::run(&m_pool, [&mainDb, blobRoot, workspacePath, run, target, options]() -> Prepared {
            try {
                std::unique_ptr<Database> db = mainDb.openForThisThread();
                BlobStore blobs(blobRoot);
                return {SlurmRunLauncher::prepare(*db, blobs, workspacePath, run, target, options), {}};
            } catch (const std::exception &e) {
                return {std::nullopt, QString::fromUtf8(e.what())};
            }
        }));
}

void RunService::submitSlurm(const RunRecord &run, const ComputeTarget &target, const SlurmRunLaunch &launch)
{
    slurm().start(target, launch, [this, run, target](qint64 jobId, const QString &error) {
        if (!error.isEmpty()) {
            appendSystemLog(run.runDir, u"error: Slurm did not accept the job: "_s + error);
            m_store.transition(run.id, {RunState::Preparing, RunState::Starting}, RunState::Failed,
                               u"Slurm did not accept the job"_s,
                               {{u"ended_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())},
                                {u"failure_reason"_s,
                                 QString(u"Slurm target %1 did not accept the job: %2"_s.arg(target.name, error))}});
            emit warning(u"run %1 could not start: %2"_s.arg(run.uid, error));
        } else {
            m_store.setColumns(run.id, {{u"backend_job_id"_s, QVariant(QString::number(jobId))}});
            appendSystemLog(run.runDir, u"submitted to Slurm target %1 as job %2"_s.arg(target.name).arg(jobId));
            if (m_store.findById(run.id).value_or(run).cancelRequested) // canceled while it was being submitted
                slurm().cancel(run.uid);
        }
        if (auto it = m_watched.find(run.uid); it != m_watched.end())
            refreshState(**it);
    });
}

void RunService::onSlurmUpdate(const QString &uid, const SlurmRunOutcome &outcome)
{
    if (!m_watched.contains(uid))
        attachActive();
    auto it = m_watched.find(uid);
    if (it == m_watched.end())
        return; // ended meanwhile (another process finalized it)
    std::shared_ptr<Watched> keep = it.value();
    Watched &w = *keep;
    if (w.finalizing)
        return;
    try {
        refreshState(w);
        if (isTerminal(w.run.state)) {
            pollRun(w);
            return;
        }
        if (outcome.terminal()) {
            Ending ending;
            ending.exitCode = outcome.exitCode;
            ending.signal = outcome.exitSignal;
            ending.reason = outcome.failureReason;
            ending.state = outcome.state;
            ending.endedAtMs = outcome.ended.isValid() ? outcome.ended.toMSecsSinceEpoch() : 0;
            if (!w.run.started.isValid() && outcome.started.isValid()) // too short to be seen Running
                m_store.setColumns(w.run.id, {{u"started_at"_s, QVariant(outcome.started.toMSecsSinceEpoch())}});
            finalize(w, ending);
            return;
        }
        const qint64 id = w.run.id;
        const RunState to = outcome.state;
        if (to == w.run.state) {
            // The same state with news (Slurm's reason changed: Priority -> Resources): a history entry.
            const QString last = w.run.history.isEmpty() ? QString() : w.run.history.constLast().detail;
            if (last != outcome.detail)
                m_store.transition(id, {to}, to, outcome.detail);
        } else {
            QVariantMap columns;
            if (to == RunState::Running && !w.run.started.isValid())
                columns.insert(u"started_at"_s,
                               QVariant(outcome.started.isValid() ? outcome.started.toMSecsSinceEpoch()
                                                                  : QDateTime::currentMSecsSinceEpoch()));
            switch (to) { // Slurm may also go back (a requeued job is pending again)
            case RunState::Queued:
                m_store.transition(id, {RunState::Preparing, RunState::Starting, RunState::Running}, to, outcome.detail,
                                   columns);
                break;
            case RunState::Preparing:
                m_store.transition(id, {RunState::Queued, RunState::Starting}, to, outcome.detail, columns);
                break;
            case RunState::Running:
                m_store.transition(id, {RunState::Queued, RunState::Preparing, RunState::Starting}, to, outcome.detail,
                                   columns);
                break;
            case RunState::Finalizing:
                m_store.transition(id, {RunState::Queued, RunState::Preparing, RunState::Starting, RunState::Running},
                                   to, outcome.detail, columns);
                break;
            default:
                break;
            }
        }
        refreshState(w);
    } catch (const std::exception &e) {
        emit warning(u"run %1: %2"_s.arg(uid, QString::fromUtf8(e.what())));
    }
}

void RunService::setTargetNote(const QString &targetName, const QString &note)
{
    for (const std::shared_ptr<Watched> &w : std::as_const(m_watched)) {
        if (!w->slurm || w->run.computeTarget != targetName || isTerminal(w->run.state) || w->run.note == note)
            continue;
        m_store.setColumns(w->run.id, {{u"backend_note"_s, note}});
        appendSystemLog(w->run.runDir, note.isEmpty() ? u"Slurm target %1 answers again"_s.arg(targetName) : note);
        w->run.note = note;
        emit runNoteChanged(w->run);
    }
}

} // namespace mldesk::core
