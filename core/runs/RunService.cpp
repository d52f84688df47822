// RunService: scheduling, watching, finalizing and cancelling runs (the Slurm half is in RunServiceSlurm.cpp); see
// the header.
#include "core/runs/RunService.h"

#include "core/compute/LocalComputeStatus.h"
#include "core/datasets/DatasetMaterializer.h"
#include "core/runs/LocalRunLauncher.h"
#include "core/runs/MetricsIngestor.h"
#include "core/runs/RunServiceParts.h"
#include "core/runs/RunSubmitter.h"
#include "core/runs/ScriptChildRuns.h"
#include "core/slurm/SlurmRunBackend.h"
#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QMutex>
#include <QMutexLocker>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>

#include <csignal>

using namespace Qt::StringLiterals;

namespace mldesk::core {

using namespace runservice;

RunService::RunService(Workspace &workspace, RunServiceOptions options, QObject *parent)
    : QObject(parent), m_workspace(workspace), m_options(std::move(options)), m_store(workspace.database())
{
    qRegisterMetaType<RunRecord>();
    qRegisterMetaType<MetricPoint>();
    qRegisterMetaType<QList<MetricPoint>>();
    m_poll.setInterval(m_options.pollIntervalMs);
    connect(&m_poll, &QTimer::timeout, this, &RunService::tick);
    connect(&m_files, &QFileSystemWatcher::fileChanged, this, &RunService::onFileChanged);
    connect(&m_files, &QFileSystemWatcher::directoryChanged, this, &RunService::onFileChanged);
}

RunService::~RunService()
{
    // Closing (the window, a workspace switch) never waits for a preparation: a conda build in progress is stopped
    // and its run queued again, for whichever MLDesk process schedules next. A run already being started is started
    // completely (its state must not stay half-way).
    for (const auto &stop : std::as_const(m_preparing))
        stop->store(true);
    m_pool.waitForDone();
    for (auto it = m_preparing.cbegin(); it != m_preparing.cend(); ++it) {
        try {
            const std::optional<RunRecord> run = m_store.find(it.key());
            if (!run || run->state != RunState::Preparing || run->processId > 0)
                continue;
            if (run->cancelRequested)
                m_store.transition(run->id, {RunState::Preparing}, RunState::Canceled, u"canceled before it started"_s,
                                   {{u"ended_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())},
                                    {u"failure_reason"_s, QVariant(u"canceled before it started"_s)}});
            else if (m_store.transition(run->id, {RunState::Preparing}, RunState::Queued,
                                        u"preparation stopped: the MLDesk process preparing it closed"_s,
                                        {{u"device"_s, QString()}, {u"backend_job_id"_s, QString()}}))
                appendSystemLog(run->runDir, u"preparation stopped (MLDesk closed); the run is queued again"_s);
        } catch (const std::exception &) {
            // Left Preparing: another process fails it as abandoned (its preparer is gone).
        }
    }
}

QStringList RunService::validate(const RunRequest &request) const
{
    return RunSubmitter(m_workspace).validate(request);
}

RunRecord RunService::submit(const RunRequest &request)
{
    const RunRecord run = RunSubmitter(m_workspace).submit(request, m_options.snapshotLimitBytes);
    emit runSubmitted(run);
    if (m_started)
        QTimer::singleShot(0, this, &RunService::tick);
    return run;
}

void RunService::start()
{
    if (m_started)
        return;
    m_started = true;
    if (m_options.schedule)
        localSlots(); // asks mldesk-train for the GPUs once, now rather than when the first run is waiting
    m_poll.start();
    QTimer::singleShot(0, this, &RunService::tick);
}

void RunService::reconcile()
{
    tick();
}

QStringList RunService::localSlots()
{
    if (!m_slots) {
        QList<int> gpus;
        if (m_options.gpus) {
            gpus = *m_options.gpus;
        } else {
            // Asked once per trainer for the life of the process (up to 15 s: on the service's thread, which is
            // never the GUI's - see RunServiceHost), so a workspace switch does not ask again.
            static QMutex lock;
            static QHash<QString, QList<int>> known;
            const QString trainer =
                m_options.trainerPath.isEmpty() ? LocalProcess::findTrainer() : m_options.trainerPath;
            QMutexLocker locker(&lock);
            if (!known.contains(trainer)) {
                QList<int> found;
                for (const GpuDevice &d : LocalComputeStatus::probe(trainer, 15000).gpus)
                    found.append(d.index);
                known.insert(trainer, found);
            }
            gpus = known.value(trainer);
        }
        QStringList places;
        for (int gpu : gpus)
            for (int i = 0; i < std::max(1, m_options.runsPerGpu); ++i)
                places.append(u"gpu:%1"_s.arg(gpu));
        if (places.isEmpty()) {
            const int cpu = m_options.cpuSlots > 0 ? m_options.cpuSlots : std::max(1, QThread::idealThreadCount() / 4);
            for (int i = 0; i < cpu; ++i)
                places.append(u"cpu:%1"_s.arg(i));
        }
        m_slots = places;
    }
    return *m_slots;
}

void RunService::tick()
{
    if (m_inTick)
        return;
    m_inTick = true;
    try {
        attachActive();
        const QStringList uids = m_watched.keys();
        for (const QString &uid : uids)
            pollRun(uid);
        if (m_options.schedule) {
            scheduleQueued();
            scheduleSlurm();
        }
    } catch (const std::exception &e) {
        emit warning(u"runs: "_s + QString::fromUtf8(e.what()));
    }
    m_inTick = false;
}

void RunService::attachActive()
{
    for (const RunRecord &run : m_store.active()) {
        if (m_watched.contains(run.uid))
            continue;
        auto w = std::make_shared<Watched>();
        w->run = run;
        w->slurm = !isLocal(run);
        w->ingestor = std::make_unique<MetricsIngestor>(m_workspace.database(), run.id, run.runDir);
        w->metricSeq = m_store.metricSeq(run.id); // views load what is stored; from here on the signal carries it
        m_watched.insert(run.uid, w);
        if (m_watchingObserver)
            m_watchingObserver(run.uid, true);
        m_files.addPaths({run.runDir, run.runDir + u"/metrics.jsonl"_s, run.runDir + u"/logs/std_log.txt"_s});
    }
}

void RunService::stopWatching(const QString &uid)
{
    auto w = m_watched.take(uid);
    if (w && m_watchingObserver)
        m_watchingObserver(uid, false);
    if (w)
        m_files.removePaths(
            {w->run.runDir, w->run.runDir + u"/metrics.jsonl"_s, w->run.runDir + u"/logs/std_log.txt"_s});
}

void RunService::onFileChanged(const QString &path)
{
    const QString runs = m_workspace.runsPath() + u'/';
    QString uid;
    if (path.startsWith(runs)) {
        uid = path.mid(runs.size()).section(u'/', 0, 0);
    } else { // a Slurm run's folder, in its target's shared folder
        for (auto it = m_watched.cbegin(); it != m_watched.cend() && uid.isEmpty(); ++it)
            if (path == it.value()->run.runDir || path.startsWith(it.value()->run.runDir + u'/'))
                uid = it.key();
        if (uid.isEmpty())
            return;
    }
    if (m_pendingPolls.isEmpty())
        QTimer::singleShot(m_options.coalesceMs, this, [this] {
            const QSet<QString> pending = std::exchange(m_pendingPolls, {});
            for (const QString &pendingUid : pending)
                pollRun(pendingUid);
        });
    m_pendingPolls.insert(uid);
}

void RunService::pollRun(const QString &uid)
{
    auto it = m_watched.find(uid);
    if (it == m_watched.end())
        return;
    std::shared_ptr<Watched> keep = it.value();
    try {
        pollRun(*keep);
    } catch (const std::exception &e) {
        emit warning(u"run %1: %2"_s.arg(uid, QString::fromUtf8(e.what())));
    }
}

void RunService::refreshState(Watched &w)
{
    std::optional<RunRecord> fresh = m_store.findById(w.run.id);
    if (!fresh)
        return;
    const bool changed = fresh->state != w.run.state;
    w.run = *fresh;
    if (changed)
        emit runStateChanged(w.run);
}

void RunService::pollRun(Watched &w)
{
    if (w.finalizing)
        return;
    refreshState(w);
    MetricsIngestor::Batch batch;
    try {
        batch = w.ingestor->ingest(isTerminal(w.run.state), 512 * 1024); // short slices
    } catch (const std::exception &e) {
        emit warning(u"run %1: storing metrics failed: %2"_s.arg(w.run.uid, QString::fromUtf8(e.what())));
    }
    followMetrics(w); // what the store has, whoever ingested it
    for (const RunRecord &child : ScriptChildRuns(m_workspace, w.run).follow()) // issue 16: run.child_run()
        emit runStateChanged(child);
    if (batch.more && !m_pendingPolls.contains(w.run.uid)) {
        m_pendingPolls.insert(w.run.uid);
        QTimer::singleShot(0, this, [this] {
            const QSet<QString> pending = std::exchange(m_pendingPolls, {});
            for (const QString &pendingUid : pending)
                pollRun(pendingUid);
        });
    }
    emitLog(w, isTerminal(w.run.state));
    if (isTerminal(w.run.state)) { // finished (here or by another process)
        stopWatching(w.run.uid);
        return;
    }
    checkJob(w);
}

void RunService::followMetrics(Watched &w)
{
    const QList<MetricPoint> points = m_store.metricsAfter(w.run.id, w.metricSeq);
    if (!points.isEmpty())
        emit metricsAppended(w.run.uid, points);
}

void RunService::emitLog(Watched &w, bool final)
{
    QFile log(w.run.runDir + u"/logs/std_log.txt"_s);
    if (!log.open(QIODevice::ReadOnly) || log.size() <= w.logOffset)
        return;
    log.seek(w.logOffset);
    QByteArray chunk = log.read(4 * 1024 * 1024);
    if (!final) {
        const qsizetype nl = chunk.lastIndexOf('\n');
        if (nl < 0)
            return;
        chunk.truncate(nl + 1);
    }
    w.logOffset += chunk.size();
    emit logAppended(w.run.uid, QString::fromUtf8(chunk));
}

void RunService::checkJob(Watched &w)
{
    if (w.slurm) {
        checkSlurm(w);
        return;
    }
    if (w.run.state == RunState::Queued)
        return;
    if (w.run.state == RunState::Finalizing && w.finalizeAgain) {
        finalize(w, LocalProcess::readExitRecord(w.run.runDir), {}); // this process's own finalize failed
        return;
    }
    if (w.run.state == RunState::Finalizing) {
        // Another process is finalizing it; take over only when that has visibly stalled.
        const QDateTime since = w.run.history.isEmpty() ? w.run.created : w.run.history.constLast().at;
        if (since.msecsTo(QDateTime::currentDateTimeUtc()) > 2 * 60 * 1000)
            finalize(w, LocalProcess::readExitRecord(w.run.runDir),
                     u"the job ended while no MLDesk process was "
                     u"finalizing it"_s);
        return;
    }
    if (w.run.processId > 0) // the database is authoritative once the launcher recorded the supervisor
        w.identity = {w.run.processId, w.run.processStartTicks};
    else if (auto record = LocalProcess::readProcessRecord(w.run.runDir))
        w.identity = record->supervisor;
    if (auto exit = LocalProcess::readExitRecord(w.run.runDir)) {
        if (groupSettled(w))
            finalize(w, exit, {});
        return;
    }
    if (w.identity.pid == 0) {
        // Claimed but not started yet: is the MLDesk process preparing it still there?
        const QStringList preparer = w.run.backendJobId.split(u':');
        const bool preparerGone = preparer.size() == 3 && preparer[0] == u"preparing"_s &&
                                  !LocalProcess::isAlive({preparer[1].toLongLong(), preparer[2].toLongLong()});
        const QDateTime since = w.run.history.isEmpty() ? w.run.created : w.run.history.constLast().at;
        const bool stale = preparer.size() != 3 && since.msecsTo(QDateTime::currentDateTimeUtc()) > 10 * 60 * 1000;
        if (w.run.state != RunState::Running && (preparerGone || stale) &&
            !LocalProcess::readProcessRecord(w.run.runDir)) {
            finalize(w, std::nullopt,
                     u"the run was interrupted while it was being prepared (the MLDesk process preparing it "
                     u"ended)"_s);
            return;
        }
        if (w.run.cancelRequested)
            if (const auto stop = m_preparing.value(w.run.uid))
                stop->store(true); // stops the conda build this process runs for it
        if (w.run.cancelRequested && w.run.state == RunState::Preparing &&
            m_store.transition(w.run.id, {RunState::Preparing}, RunState::Canceled, u"canceled before it started"_s,
                               {{u"ended_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())},
                                {u"failure_reason"_s, QVariant(u"canceled before it started"_s)}}))
            refreshState(w);
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
            finalize(w, exit, {});
        return;
    }
    if (!w.deadClock.isValid())
        w.deadClock.start();
    else if (w.deadClock.elapsed() > 500 && groupSettled(w))
        finalize(w, std::nullopt,
                 w.run.cancelRequested ? u"the job was killed after the cancel grace period"_s
                                       : u"process vanished: the job's supervisor (pid %1) is gone and left no exit "
                                         u"record (killed, or the machine restarted)"_s.arg(w.identity.pid));
}

std::optional<RunRecord> RunService::claimSlot(const RunRecord &run)
{
    const QStringList places = localSlots();
    Database &db = m_workspace.database();
    QString chosen;
    db.writeTransaction([&] {
        QStringList busy;
        QSqlQuery q = db.exec(u"SELECT device FROM runs WHERE state IN ('Preparing', 'Starting', 'Running')"
                              u" AND device <> ''"_s);
        while (q.next())
            busy.append(q.value(0).toString());
        for (const QString &slot : places) {
            if (busy.removeOne(slot))
                continue; // taken (each entry of places is one place)
            chosen = slot;
            break;
        }
        if (chosen.isEmpty())
            return;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (db.exec(u"UPDATE runs SET state = 'Preparing', device = ? WHERE id = ? AND state = 'Queued'"_s,
                    {chosen, run.id})
                .numRowsAffected() != 1) {
            chosen.clear();
            return;
        }
        db.exec(u"INSERT INTO run_state_history (run_id, state, changed_at, detail) VALUES (?, 'Preparing', ?, ?)"_s,
                {run.id, now, chosen});
    });
    if (chosen.isEmpty())
        return std::nullopt;
    return m_store.findById(run.id);
}

void RunService::scheduleQueued()
{
    for (const RunRecord &run : m_store.active()) {
        if (run.state != RunState::Queued || !isLocal(run))
            continue;
        std::optional<RunRecord> claimed = claimSlot(run);
        if (!claimed)
            break; // first come, first served: later runs wait behind this one
        if (auto it = m_watched.find(run.uid); it != m_watched.end())
            refreshState(**it);
        launch(*claimed);
    }
}

void RunService::launch(RunRecord run)
{
    // Who prepares it, so another process can tell a long preparation (a conda environment) from an abandoned one.
    const qint64 self = QCoreApplication::applicationPid();
    m_store.setColumns(
        run.id, {{u"backend_job_id"_s, QVariant(u"preparing:%1:%2"_s.arg(self).arg(LocalProcess::startTicks(self)))}});
    LocalRunLauncher::Options options;
    options.trainerPath = m_options.trainerPath;
    options.supervisorPath = m_options.supervisorPath;
    const QString workspacePath = m_workspace.path();
    const QString blobRoot = m_workspace.blobs().root();
    Database &mainDb = m_workspace.database();
    auto stop = std::make_shared<std::atomic_bool>(false);
    m_preparing.insert(run.uid, stop);
    options.cancel = stop.get();
    auto *watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, run] {
        watcher->deleteLater();
        m_preparing.remove(run.uid);
        const QString error = watcher->result();
        if (!error.isEmpty()) {
            appendSystemLog(run.runDir, u"error: the run could not start: "_s + error);
            // A canceled preparation is already Canceled (the flag stopped it): no failure, no warning.
            if (m_store.transition(run.id, {RunState::Preparing, RunState::Starting}, RunState::Failed,
                                   u"could not start"_s,
                                   {{u"ended_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())},
                                    {u"failure_reason"_s, QString(u"the run could not start: "_s + error)}}))
                emit warning(u"run %1 could not start: %2"_s.arg(run.uid, error));
        }
        if (auto it = m_watched.find(run.uid); it != m_watched.end())
            refreshState(**it);
    });
    // Preparation blocks (dataset copies, conda): a worker thread with its own connection to the database.
    watcher->setFuture(QtConcurrent::run(&m_pool, [&mainDb, blobRoot, workspacePath, run, options, stop]() -> QString {
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

void RunService::cancel(const QString &uid)
{
    const RunRecord run = m_store.get(uid);
    if (isTerminal(run.state))
        throw WorkspaceError(u"run '%1' has already ended (%2); nothing to cancel"_s.arg(uid, runStateName(run.state)));
    // A Slurm run that is Queued with a job id waits in Slurm's queue: its job must be canceled there.
    const bool inSlurmQueue = !isLocal(run) && slurmJobId(run) > 0;
    if (!inSlurmQueue && m_store.transition(run.id, {RunState::Queued}, RunState::Canceled, u"canceled while queued"_s,
                                            {{u"ended_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())},
                                             {u"cancel_requested"_s, QVariant(1)},
                                             {u"failure_reason"_s, QVariant(u"canceled while queued"_s)}})) {
        if (auto it = m_watched.find(uid); it != m_watched.end())
            refreshState(**it);
        else
            emit runStateChanged(m_store.get(uid));
        return;
    }
    m_store.setColumns(run.id, {{u"cancel_requested"_s, QVariant(1)}});
    appendSystemLog(run.runDir, u"cancel requested"_s);
    if (const auto stop = m_preparing.value(uid))
        stop->store(true); // a preparation in this process (a conda build) stops now
    attachActive();
    if (!isLocal(run)) {
        // Submitted: SIGTERM to the Slurm job now, a real cancel after the grace period. Not yet submitted: the
        // process preparing it sees the flag (before submitting, or as soon as Slurm has answered).
        if (auto it = m_watched.find(uid); it != m_watched.end()) {
            std::shared_ptr<Watched> w = it.value();
            refreshState(*w);
            if (slurmJobId(w->run) > 0) {
                if (!slurm().isFollowing(uid))
                    attachSlurm(*w);
                slurm().cancel(uid);
            } else if (slurm().isFollowing(uid)) {
                slurm().cancel(uid); // submitted by this process, its job id is on its way
            }
        }
        return;
    }
    pollRun(uid); // sends SIGTERM now when the job is running
}

} // namespace mldesk::core
