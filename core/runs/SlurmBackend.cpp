// SlurmBackend: Slurm runs prepared on a worker thread, submitted and followed through SlurmRunBackend; see the
// header.
#include "core/runs/SlurmBackend.h"

#include "core/compute/ComputeTargetRegistry.h"
#include "core/http/HttpClient.h"
#include "core/runs/RunEngineParts.h"
#include "core/runs/RunFiles.h"
#include "core/runs/RunService.h"
#include "core/runs/RunWatcher.h"
#include "core/runs/SlurmRunLauncher.h"
#include "core/slurm/SlurmRunBackend.h"
#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

using namespace Qt::StringLiterals;

namespace mldesk::core {

using namespace runengine;

SlurmBackend::SlurmBackend(Workspace &workspace, RunWatcher &watcher, const RunServiceOptions &options)
    : m_workspace(workspace), m_watcher(watcher), m_options(options)
{
}

SlurmBackend::~SlurmBackend()
{
    close();
}

void SlurmBackend::close()
{
    // A preparation (dataset copies, a conda build) stops; its run stays Preparing with this process as its
    // preparer, which is then gone: the next MLDesk process looks for its job by name (none) and ends it.
    m_preparations.stopAll();
}

SlurmRunBackend &SlurmBackend::slurm()
{
    if (!m_slurm) {
        m_slurm = std::make_unique<SlurmRunBackend>(HttpClient::create(), m_workspace.path(), m_options.slurmPolling);
        QObject::connect(m_slurm.get(), &SlurmRunBackend::runUpdated, &m_watcher,
                         [this](const QString &uid, const SlurmRunOutcome &outcome) { onSlurmUpdate(uid, outcome); });
        QObject::connect(m_slurm.get(), &SlurmRunBackend::targetProblem, &m_watcher,
                         [this](const QString &target, const QString &message) { setTargetNote(target, message); });
        QObject::connect(m_slurm.get(), &SlurmRunBackend::targetRestored, &m_watcher,
                         [this](const QString &target) { setTargetNote(target, {}); });
    }
    return *m_slurm;
}

void SlurmBackend::attachSlurm(RunWatch &w)
{
    const std::optional<ComputeTarget> target = ComputeTargetRegistry(m_workspace.database()).find(w.run.computeTarget);
    if (!target || target->kind != ComputeTarget::Kind::Slurm) {
        if (!w.deadClock.isValid()) { // say it once
            w.deadClock.start();
            m_watcher.warn(u"run %1: its Slurm compute target '%2' is gone; it cannot be followed"_s.arg(
                w.run.uid, w.run.computeTarget));
        }
        return;
    }
    slurm().attach(*target, w.run.uid, w.run.runDir, slurmJobId(w.run), w.run.cancelRequested);
}

void SlurmBackend::check(RunWatch &w)
{
    if (!m_watcher.isStarted()) // one-shot commands ingest the folder; only a started service asks the cluster
        return;
    if (slurmJobId(w.run) > 0) {
        if (!slurm().isFollowing(w.run.uid)) // after a restart, or the process that submitted it has gone
            attachSlurm(w);
        return;
    }
    if (w.run.state != RunState::Queued && !slurm().isFollowing(w.run.uid) && preparerGone(w.run))
        recoverSlurm(w); // its job may have been accepted: found by name, never submitted twice
}

void SlurmBackend::recoverSlurm(RunWatch &w)
{
    const std::optional<ComputeTarget> target = ComputeTargetRegistry(m_workspace.database()).find(w.run.computeTarget);
    const QString uid = w.run.uid;
    auto done = [this, uid](qint64 jobId, const QString &error) {
        std::shared_ptr<RunWatch> keep = m_watcher.find(uid);
        if (!keep || !error.isEmpty()) // cannot tell now: asked again at the next check
            return;
        if (jobId > 0) {
            RunStore(m_workspace.database())
                .setColumns(keep->run.id, {{u"backend_job_id"_s, QVariant(QString::number(jobId))}});
            appendSystemLog(keep->run.runDir, u"found Slurm job %1 of this run, submitted by an MLDesk process that "
                                              u"ended before storing its id; following it"_s.arg(jobId));
            m_watcher.refreshState(*keep);
            return;
        }
        m_watcher.finalize(
            *keep, std::nullopt,
            u"the run was interrupted while it was being prepared or submitted to Slurm (the MLDesk process "
            u"doing it ended, and Slurm has no job of it)"_s);
    };
    if (target && target->kind == ComputeTarget::Kind::Slurm)
        slurm().recover(*target, uid, w.run.runDir, w.run.cancelRequested, done);
    else
        done(0, {});
}

void SlurmBackend::launch(const RunRecord &run, const RunLaunchPlan &)
{
    auto fail = [this, run](const QString &error) {
        appendSystemLog(run.runDir, u"error: the run could not start: "_s + error);
        RunStore(m_workspace.database())
            .transition(run.id, {RunState::Preparing, RunState::Starting}, RunState::Failed, u"could not start"_s,
                        endColumns(u"the run could not start: "_s + error));
        m_watcher.warn(u"run %1 could not start: %2"_s.arg(run.uid, error));
        m_watcher.ended(run.uid);
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
    const std::shared_ptr<std::atomic_bool> stop = m_preparations.begin(run.uid);
    options.cancel = stop.get();
    const QString workspacePath = m_workspace.path();
    const QString blobRoot = m_workspace.blobs().root();
    Database &mainDb = m_workspace.database();
    struct Prepared {
        std::optional<SlurmRunLaunch> launch;
        QString error;
    };
    auto *watcher = new QFutureWatcher<Prepared>(&m_watcher);
    QObject::connect(watcher, &QFutureWatcher<Prepared>::finished, &m_watcher, [this, watcher, run, target, fail] {
        watcher->deleteLater();
        m_preparations.end(run.uid);
        const Prepared prepared = watcher->result();
        try {
            if (!prepared.error.isEmpty()) {
                if (RunStore(m_workspace.database()).findById(run.id).value_or(run).cancelRequested &&
                    RunStore(m_workspace.database())
                        .transition(run.id, {RunState::Preparing, RunState::Starting}, RunState::Canceled,
                                    u"canceled before it started"_s, endColumns(u"canceled before it started"_s)))
                    m_watcher.ended(run.uid); // the cancel stopped its preparation
                else
                    fail(prepared.error);
            } else if (prepared.launch) {
                submitSlurm(run, target, *prepared.launch);
            } else {
                m_watcher.ended(run.uid); // canceled before it was submitted
            }
        } catch (const std::exception &e) {
            m_watcher.warn(u"run %1: %2"_s.arg(run.uid, QString::fromUtf8(e.what())));
        }
    });
    // Preparation blocks (dataset copies, conda): a worker thread with its own connection to the database.
    watcher->setFuture(QtConcurrent::run(
        &m_preparations.pool(), [&mainDb, blobRoot, workspacePath, run, target, options, stop]() -> Prepared {
            try {
                std::unique_ptr<Database> db = mainDb.openForThisThread();
                BlobStore blobs(blobRoot);
                return {SlurmRunLauncher::prepare(*db, blobs, workspacePath, run, target, options), {}};
            } catch (const std::exception &e) {
                return {std::nullopt, QString::fromUtf8(e.what())};
            }
        }));
}

void SlurmBackend::submitSlurm(const RunRecord &run, const ComputeTarget &target, const SlurmRunLaunch &launch)
{
    slurm().start(target, launch, [this, run, target](qint64 jobId, const QString &error) {
        RunStore store(m_workspace.database());
        if (!error.isEmpty()) {
            appendSystemLog(run.runDir, u"error: Slurm did not accept the job: "_s + error);
            store.transition(run.id, {RunState::Preparing, RunState::Starting}, RunState::Failed,
                             u"Slurm did not accept the job"_s,
                             {{u"ended_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())},
                              {u"failure_reason"_s,
                               QString(u"Slurm target %1 did not accept the job: %2"_s.arg(target.name, error))}});
            m_watcher.warn(u"run %1 could not start: %2"_s.arg(run.uid, error));
            m_watcher.ended(run.uid);
            return;
        }
        store.setColumns(run.id, {{u"backend_job_id"_s, QVariant(QString::number(jobId))}});
        appendSystemLog(run.runDir, u"submitted to Slurm target %1 as job %2"_s.arg(target.name).arg(jobId));
        if (store.findById(run.id).value_or(run).cancelRequested) // canceled while it was being submitted
            slurm().cancel(run.uid);
        m_watcher.refresh(run.uid);
    });
}

void SlurmBackend::onSlurmUpdate(const QString &uid, const SlurmRunOutcome &outcome)
{
    if (!m_watcher.isWatching(uid))
        m_watcher.attachActive();
    std::shared_ptr<RunWatch> keep = m_watcher.find(uid);
    if (!keep)
        return; // ended meanwhile (another process finalized it)
    RunWatch &w = *keep;
    if (w.finalizing)
        return;
    try {
        RunStore store(m_workspace.database());
        m_watcher.refreshState(w);
        if (isTerminal(w.run.state)) {
            m_watcher.pollRun(uid);
            return;
        }
        if (outcome.terminal()) {
            RunEnding ending;
            ending.exitCode = outcome.exitCode;
            ending.signal = outcome.exitSignal;
            ending.reason = outcome.failureReason;
            ending.state = outcome.state;
            ending.endedAtMs = outcome.ended.isValid() ? outcome.ended.toMSecsSinceEpoch() : 0;
            if (!w.run.started.isValid() && outcome.started.isValid()) // too short to be seen Running
                store.setColumns(w.run.id, {{u"started_at"_s, QVariant(outcome.started.toMSecsSinceEpoch())}});
            m_watcher.finalize(w, ending);
            return;
        }
        const qint64 id = w.run.id;
        const RunState to = outcome.state;
        if (to == w.run.state) {
            // The same state with news (Slurm's reason changed: Priority -> Resources): a history entry.
            const QString last = w.run.history.isEmpty() ? QString() : w.run.history.constLast().detail;
            if (last != outcome.detail)
                store.transition(id, {to}, to, outcome.detail);
        } else {
            QVariantMap columns;
            if (to == RunState::Running && !w.run.started.isValid())
                columns.insert(u"started_at"_s,
                               QVariant(outcome.started.isValid() ? outcome.started.toMSecsSinceEpoch()
                                                                  : QDateTime::currentMSecsSinceEpoch()));
            switch (to) { // Slurm may also go back (a requeued job is pending again)
            case RunState::Queued:
                store.transition(id, {RunState::Preparing, RunState::Starting, RunState::Running}, to, outcome.detail,
                                 columns);
                break;
            case RunState::Preparing:
                store.transition(id, {RunState::Queued, RunState::Starting}, to, outcome.detail, columns);
                break;
            case RunState::Running:
                store.transition(id, {RunState::Queued, RunState::Preparing, RunState::Starting}, to, outcome.detail,
                                 columns);
                break;
            case RunState::Finalizing:
                store.transition(id, {RunState::Queued, RunState::Preparing, RunState::Starting, RunState::Running}, to,
                                 outcome.detail, columns);
                break;
            default:
                break;
            }
        }
        m_watcher.refreshState(w);
    } catch (const std::exception &e) {
        m_watcher.warn(u"run %1: %2"_s.arg(uid, QString::fromUtf8(e.what())));
    }
}

void SlurmBackend::cancel(const RunRecord &run)
{
    m_preparations.stop(run.uid); // a preparation in this process (dataset copies, a conda build) stops now
    // Submitted: SIGTERM to the Slurm job now, a real cancel after the grace period. Not yet submitted: the process
    // preparing it sees the flag (before submitting, or as soon as Slurm has answered).
    std::shared_ptr<RunWatch> w = m_watcher.find(run.uid);
    if (!w)
        return;
    m_watcher.refreshState(*w);
    if (slurmJobId(w->run) > 0) {
        if (!slurm().isFollowing(run.uid))
            attachSlurm(*w);
        slurm().cancel(run.uid);
    } else if (m_slurm && slurm().isFollowing(run.uid)) {
        slurm().cancel(run.uid); // submitted by this process, its job id is on its way
    }
}

void SlurmBackend::setTargetNote(const QString &targetName, const QString &note)
{
    for (const std::shared_ptr<RunWatch> &w : m_watcher.watches()) {
        if (!w->slurm || w->run.computeTarget != targetName || isTerminal(w->run.state) || w->run.note == note)
            continue;
        RunStore(m_workspace.database()).setColumns(w->run.id, {{u"backend_note"_s, note}});
        appendSystemLog(w->run.runDir, note.isEmpty() ? u"Slurm target %1 answers again"_s.arg(targetName) : note);
        w->run.note = note;
        m_watcher.noteChanged(w->run);
    }
}

} // namespace mldesk::core
