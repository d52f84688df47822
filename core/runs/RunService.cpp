// RunService: the facade over the run engine (RunScheduler, RunWatcher, the RunBackends); see the header.
#include "core/runs/RunService.h"

#include "core/runs/ContainerBackend.h"
#include "core/runs/RunEngineParts.h"
#include "core/runs/RunEvents.h"
#include "core/runs/RunScheduler.h"
#include "core/runs/RunSubmitter.h"
#include "core/runs/RunWatcher.h"
#include "core/runs/SlurmBackend.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

using namespace Qt::StringLiterals;

namespace mldesk::core {

using namespace runengine;

RunService::RunService(Workspace &workspace, RunServiceOptions options, QObject *parent)
    : QObject(parent), m_workspace(workspace), m_options(std::move(options)), m_store(workspace.database())
{
    qRegisterMetaType<RunRecord>();
    qRegisterMetaType<MetricPoint>();
    qRegisterMetaType<QList<MetricPoint>>();
    m_watcher = std::make_unique<RunWatcher>(workspace, m_store, m_options);
    m_scheduler = std::make_unique<RunScheduler>(workspace, m_store, *m_watcher, m_options);
    m_local = std::make_unique<LocalProcessBackend>(workspace, *m_watcher, m_options);
    m_container = std::make_unique<ContainerBackend>(workspace, *m_watcher, m_options);
    m_slurm = std::make_unique<SlurmBackend>(workspace, *m_watcher, m_options);
    auto backends = [this](const RunRecord &run) -> RunBackend & {
        return backendFor(run);
    };
    m_watcher->setBackends(backends);
    m_scheduler->setBackends(backends);

    connect(m_watcher.get(), &RunWatcher::runStateChanged, this, &RunService::runStateChanged);
    connect(m_watcher.get(), &RunWatcher::logAppended, this, &RunService::logAppended);
    connect(m_watcher.get(), &RunWatcher::metricsAppended, this, &RunService::metricsAppended);
    connect(m_watcher.get(), &RunWatcher::runNoteChanged, this, &RunService::runNoteChanged);
    connect(m_watcher.get(), &RunWatcher::warning, this, &RunService::warning);
    connect(m_watcher.get(), &RunWatcher::runEnded, this, [this](const QString &uid) {
        wake(); // its slot is free: the next queued run starts now
        emit runEnded(uid);
    });
    connect(m_watcher.get(), &RunWatcher::endedHere, this,
            [this](const QString &) { RunEvents::announce(m_workspace.path()); });
    connect(m_watcher.get(), &RunWatcher::runRequeued, this, [this](const QString &) {
        wake(); // queued again: this scheduler and (through RunEvents) the others may start it
        RunEvents::announce(m_workspace.path());
    });
    m_poll.setInterval(m_options.pollIntervalMs);
    connect(&m_poll, &QTimer::timeout, this, &RunService::tick);
}

RunService::~RunService()
{
    // Backends first (they use the watcher): preparations stop, their runs are queued again.
    m_events.reset();
    m_slurm.reset();
    m_container.reset();
    m_local.reset();
}

RunBackend &RunService::backendFor(const RunRecord &run)
{
    if (!isLocal(run))
        return *m_slurm;
    auto it = m_containerRun.find(run.id);
    if (it == m_containerRun.end())
        it = m_containerRun.insert(run.id, ContainerBackend::isContainerRun(m_workspace, run));
    return *it ? *m_container : *m_local;
}

QStringList RunService::validate(const RunRequest &request) const
{
    return RunSubmitter(m_workspace).validate(request);
}

RunRecord RunService::submit(const RunRequest &request)
{
    const RunRecord run = RunSubmitter(m_workspace).submit(request, m_options.snapshotLimitBytes);
    emit runSubmitted(run);
    wake();
    return run;
}

void RunService::start()
{
    if (m_started)
        return;
    m_started = true;
    m_watcher->setStarted(true);
    if (m_options.schedule)
        localSlots(); // asks mldesk-train for the GPUs once, now rather than when the first run is waiting
    // Another process submitted or ended a run: look now rather than at the next poll.
    m_events = std::make_unique<RunEvents>(m_workspace.path());
    connect(m_events.get(), &RunEvents::changed, this, &RunService::wake);
    m_poll.start();
    QTimer::singleShot(0, this, &RunService::tick);
}

void RunService::wake()
{
    if (!m_started)
        return;
    if (m_options.schedule)
        m_scheduler->wake(); // follows what it schedules, too
    else
        QTimer::singleShot(0, this, [this] {
            try {
                m_watcher->attachActive();
            } catch (const std::exception &e) {
                emit warning(u"runs: "_s + QString::fromUtf8(e.what()));
            }
        });
}

void RunService::reconcile()
{
    tick();
}

QStringList RunService::localSlots()
{
    return m_scheduler->localSlots();
}

bool RunService::isWatching(const QString &uid) const
{
    return m_watcher->isWatching(uid);
}

void RunService::setWatchingObserver(std::function<void(const QString &uid, bool watching)> observer)
{
    m_watcher->setWatchingObserver(std::move(observer));
}

void RunService::tick()
{
    if (m_inTick)
        return;
    m_inTick = true;
    try {
        m_watcher->attachActive();
        m_watcher->pollAll();
        if (m_options.schedule)
            m_scheduler->schedule();
    } catch (const std::exception &e) {
        emit warning(u"runs: "_s + QString::fromUtf8(e.what()));
    }
    m_inTick = false;
}

void RunService::cancel(const QString &uid)
{
    const RunRecord run = m_store.get(uid);
    if (isTerminal(run.state))
        throw WorkspaceError(u"run '%1' has already ended (%2); nothing to cancel"_s.arg(uid, runStateName(run.state)));
    if (run.isSweep()) {
        // A sweep's parent has no process: its controller (core/sweeps) sees the mark, cancels the trials and ends it.
        m_store.setColumns(run.id, {{u"cancel_requested"_s, QVariant(1)}});
        appendSystemLog(run.runDir, u"cancel requested"_s);
        return;
    }
    // A Slurm run that is Queued with a job id waits in Slurm's queue: its job must be canceled there.
    const bool inSlurmQueue = !isLocal(run) && slurmJobId(run) > 0;
    QVariantMap columns = endColumns(u"canceled while queued"_s);
    columns.insert(u"cancel_requested"_s, QVariant(1));
    if (!inSlurmQueue &&
        m_store.transition(run.id, {RunState::Queued}, RunState::Canceled, u"canceled while queued"_s, columns)) {
        m_watcher->ended(uid);
        return;
    }
    m_store.setColumns(run.id, {{u"cancel_requested"_s, QVariant(1)}});
    appendSystemLog(run.runDir, u"cancel requested"_s);
    m_watcher->attachActive();
    backendFor(run).cancel(run);
}

} // namespace mldesk::core
