// LocalProcessBackend: local jobs under mldesk-supervisor; see the header.
#include "core/runs/LocalProcessBackend.h"

#include "core/runs/LocalRunLauncher.h"
#include "core/runs/RunEngineParts.h"
#include "core/runs/RunFiles.h"
#include "core/runs/RunService.h"
#include "core/runs/RunWatcher.h"
#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"

#include <QFile>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <csignal>

using namespace Qt::StringLiterals;

namespace mldesk::core {

using namespace runengine;

LocalProcessBackend::LocalProcessBackend(Workspace &workspace, RunWatcher &watcher, const RunServiceOptions &options)
    : m_workspace(workspace), m_watcher(watcher), m_options(options)
{
}

LocalProcessBackend::~LocalProcessBackend()
{
    close();
}

void LocalProcessBackend::close()
{
    if (m_closed)
        return;
    m_closed = true;
    // Closing (the window, a workspace switch) never waits for a preparation: a conda build in progress is stopped
    // and its run queued again, for whichever MLDesk process schedules next. A run already being started is started
    // completely (its state must not stay half-way).
    m_preparations.stopAll();
    RunStore store(m_workspace.database());
    for (const QString &uid : m_preparations.runs()) {
        try {
            const std::optional<RunRecord> run = store.find(uid);
            if (!run || run->state != RunState::Preparing || run->processId > 0)
                continue;
            if (run->cancelRequested)
                store.transition(run->id, {RunState::Preparing}, RunState::Canceled, u"canceled before it started"_s,
                                 endColumns(u"canceled before it started"_s));
            else if (store.transition(run->id, {RunState::Preparing}, RunState::Queued,
                                      u"preparation stopped: the MLDesk process preparing it closed"_s,
                                      {{u"device"_s, QString()}, {u"backend_job_id"_s, QString()}}))
                appendSystemLog(run->runDir, u"preparation stopped (MLDesk closed); the run is queued again"_s);
        } catch (const std::exception &) {
            // Left Preparing: another process fails it as abandoned (its preparer is gone).
        }
    }
}

void LocalProcessBackend::launch(const RunRecord &run, const RunLaunchPlan &plan)
{
    LocalRunLauncher::Options options; // the claim recorded who prepares it (preparingMark())
    options.trainerPath = m_options.trainerPath;
    options.supervisorPath = m_options.supervisorPath;
    options.cpuThreads = plan.cpuThreads;
    const QString workspacePath = m_workspace.path();
    const QString blobRoot = m_workspace.blobs().root();
    Database &mainDb = m_workspace.database();
    const std::shared_ptr<std::atomic_bool> stop = m_preparations.begin(run.uid);
    options.cancel = stop.get();
    auto *watcher = new QFutureWatcher<QString>(&m_watcher);
    QObject::connect(watcher, &QFutureWatcher<QString>::finished, &m_watcher, [this, watcher, run] {
        watcher->deleteLater();
        m_preparations.end(run.uid);
        const QString error = watcher->result();
        try {
            RunStore store(m_workspace.database());
            if (!error.isEmpty()) {
                appendSystemLog(run.runDir, u"error: the run could not start: "_s + error);
                // A canceled preparation is already Canceled (the flag stopped it): no failure, no warning.
                if (store.transition(run.id, {RunState::Preparing, RunState::Starting}, RunState::Failed,
                                     u"could not start"_s, endColumns(u"the run could not start: "_s + error)))
                    m_watcher.warn(u"run %1 could not start: %2"_s.arg(run.uid, error));
            }
            if (isTerminal(store.stateOf(run.id)))
                m_watcher.ended(run.uid); // its slot is free again
            else
                m_watcher.refresh(run.uid);
        } catch (const std::exception &e) {
            m_watcher.warn(u"run %1: %2"_s.arg(run.uid, QString::fromUtf8(e.what())));
        }
    });
    // Preparation blocks (dataset copies, conda): a worker thread with its own connection to the database.
    watcher->setFuture(
        QtConcurrent::run(&m_preparations.pool(), [&mainDb, blobRoot, workspacePath, run, options, stop]() -> QString {
            try {
                std::unique_ptr<Database> db = mainDb.openForThisThread();
                BlobStore blobs(blobRoot);
                LocalRunLauncher::start(*db, blobs, workspacePath, run, options);
                return {};
            } catch (const std::exception &e) {
                return QString::fromUtf8(e.what());
            }
        }));
}

void LocalProcessBackend::attach(RunWatch &w)
{
    if (w.run.processId > 0)
        w.identity = {w.run.processId, w.run.processStartTicks};
}

void LocalProcessBackend::cancel(const RunRecord &run)
{
    m_preparations.stop(run.uid); // a preparation in this process (a conda build, an image pull) stops now
    m_watcher.pollRun(run.uid);   // sends SIGTERM now when the job is running
}

bool LocalProcessBackend::groupSettled(RunWatch &w)
{
    // The supervisor writes exit.json just before it exits; leftovers of the job (children it started) may
    // linger too. Give them a moment so an ended run leaves no process group behind; a canceled run's
    // leftovers are killed.
    if (!LocalProcess::groupExists(w.identity.pid))
        return true;
    if (!w.groupClock.isValid())
        w.groupClock.start();
    if (w.run.cancelRequested && w.groupClock.elapsed() > 500 && !w.killSent) {
        LocalProcess::signalGroup(w.identity.pid, SIGKILL);
        w.killSent = true;
    }
    if (w.groupClock.elapsed() > 3000)
        return true;
    m_watcher.pollSoon(w.run.uid, 10); // the supervisor is exiting: look again soon, not at the next tick
    return false;
}

void LocalProcessBackend::check(RunWatch &w)
{
    if (w.run.state == RunState::Queued)
        return;
    if (w.run.state == RunState::Finalizing && w.finalizeAgain) {
        m_watcher.finalize(w, LocalProcess::readExitRecord(w.run.runDir), {}); // this process's own finalize failed
        return;
    }
    if (w.run.state == RunState::Finalizing) {
        // Another process is finalizing it; take over only when that has visibly stalled.
        const QDateTime since = w.run.history.isEmpty() ? w.run.created : w.run.history.constLast().at;
        if (since.msecsTo(QDateTime::currentDateTimeUtc()) > 2 * 60 * 1000)
            m_watcher.finalize(w, LocalProcess::readExitRecord(w.run.runDir),
                               u"the job ended while no MLDesk process was finalizing it"_s);
        return;
    }
    if (w.run.processId > 0) // the database is authoritative once the launcher recorded the supervisor
        w.identity = {w.run.processId, w.run.processStartTicks};
    else if (auto record = LocalProcess::readProcessRecord(w.run.runDir))
        w.identity = record->supervisor;
    if (auto exit = LocalProcess::readExitRecord(w.run.runDir)) {
        if (groupSettled(w))
            m_watcher.finalize(w, exit, {});
        return;
    }
    if (w.identity.pid == 0) {
        // Claimed but not started yet: is the MLDesk process preparing it still there?
        if (w.run.state != RunState::Running && preparerGone(w.run) && !LocalProcess::readProcessRecord(w.run.runDir)) {
            // Still Preparing: its job was never started (Starting comes before the supervisor), so it is queued
            // again rather than failed - a kill -9 of the process preparing it loses no trial and starts none twice.
            RunStore store(m_workspace.database());
            if (w.run.state == RunState::Preparing && !w.run.cancelRequested &&
                store.transition(w.run.id, {RunState::Preparing}, RunState::Queued,
                                 u"preparation interrupted: the MLDesk process preparing it ended"_s,
                                 {{u"device"_s, QString()}, {u"backend_job_id"_s, QString()}})) {
                appendSystemLog(w.run.runDir,
                                u"preparation interrupted (the MLDesk process preparing it ended); queued again"_s);
                m_watcher.refresh(w.run.uid);
                m_watcher.requeued(w.run.uid);
                return;
            }
            // Starting: the preparer died between Starting and the supervisor's record. A supervisor spawned just
            // before works in the run folder at once and writes its record within milliseconds: while one is there,
            // wait (30 s at most). With none there after a moment, the job was never started: queued again, as above.
            const QDateTime since = w.run.history.isEmpty() ? w.run.created : w.run.history.constLast().at;
            const qint64 age = since.msecsTo(QDateTime::currentDateTimeUtc());
            if (w.run.state == RunState::Starting) {
                if (age < 1000 || (age < 30 * 1000 && LocalProcess::anyProcessIn(w.run.runDir))) {
                    m_watcher.pollSoon(w.run.uid, 200);
                    return;
                }
                if (!w.run.cancelRequested && !LocalProcess::anyProcessIn(w.run.runDir) &&
                    store.transition(
                        w.run.id, {RunState::Starting}, RunState::Queued,
                        u"start interrupted: the MLDesk process starting it ended before its job started"_s,
                        {{u"device"_s, QString()}, {u"backend_job_id"_s, QString()}})) {
                    appendSystemLog(w.run.runDir, u"start interrupted (the MLDesk process starting it ended before "
                                                  u"its job started); queued again"_s);
                    m_watcher.refresh(w.run.uid);
                    m_watcher.requeued(w.run.uid);
                    return;
                }
            }
            m_watcher.finalize(w, std::nullopt,
                               u"the run was interrupted while it was being prepared (the MLDesk process preparing "
                               u"it ended)"_s);
            return;
        }
        if (w.run.cancelRequested)
            m_preparations.stop(w.run.uid); // stops the conda build this process runs for it
        RunStore store(m_workspace.database());
        if (w.run.cancelRequested && w.run.state == RunState::Preparing &&
            store.transition(w.run.id, {RunState::Preparing}, RunState::Canceled, u"canceled before it started"_s,
                             endColumns(u"canceled before it started"_s)))
            m_watcher.ended(w.run.uid);
        return;
    }
    const bool alive = LocalProcess::isAlive(w.identity);
    if (w.run.cancelRequested && alive) {
        if (!w.termSent) {
            LocalProcess::signalGroup(w.identity.pid, SIGTERM);
            w.termSent = true;
            w.cancelClock.start();
        } else if (!w.killSent && w.cancelClock.elapsed() > m_options.cancelGraceMs) {
            appendSystemLog(w.run.runDir, u"the job did not stop within %1 ms of SIGTERM; sending SIGKILL"_s.arg(
                                              m_options.cancelGraceMs));
            LocalProcess::signalGroup(w.identity.pid, SIGKILL);
            w.killSent = true;
        }
    }
    if (alive) {
        w.deadClock.invalidate();
        return;
    }
    // Gone: the supervisor writes exit.json before it exits, so look once more, then give the filesystem a moment.
    if (auto exit = LocalProcess::readExitRecord(w.run.runDir)) {
        if (groupSettled(w))
            m_watcher.finalize(w, exit, {});
        return;
    }
    if (!w.deadClock.isValid()) {
        w.deadClock.start();
    } else if (w.deadClock.elapsed() > 500 && groupSettled(w)) {
        stopLeftovers(w);
        m_watcher.finalize(w, std::nullopt,
                           w.run.cancelRequested
                               ? u"the job was killed after the cancel grace period"_s
                               : u"process vanished: the job's supervisor (pid %1) is gone and left no exit "
                                 u"record (killed, or the machine restarted)"_s.arg(w.identity.pid));
    }
}

} // namespace mldesk::core
