// RunService: the runs of one workspace, live - the thin facade the CLI and RunServiceHost use over the run engine's
// rooms: RunScheduler (the queue and the slots: which queued run starts where), the RunBackends (LocalProcessBackend,
// ContainerBackend, SlurmBackend: launch, check, cancel, re-attach) and RunWatcher (tailing, ingestion, finalize).
// Several processes (GUI, CLI) may run one each on the same workspace: every step is a guarded transition in the
// database, ingestion is offset-based, the metrics it emits are what the store holds (whoever ingested), and a run
// submitted or ended anywhere wakes every started engine at once (RunEvents). It blocks on files, the database and
// processes: the GUI runs it on its own thread through RunServiceHost.
#pragma once

#include "core/runs/RunFiles.h"
#include "core/runs/RunStore.h"
#include "core/runs/RunTypes.h"
#include "core/slurm/SlurmJobMonitor.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace mldesk::core {

class Workspace;
class RunBackend;
class RunEvents;
class RunScheduler;
class RunWatcher;

struct RunServiceOptions {
    qint64 snapshotLimitBytes = RunFiles::kDefaultSnapshotLimitBytes;
    int cancelGraceMs = 10000; // SIGTERM, then SIGKILL after this
    int pollIntervalMs = 250;  // safety net beside the file watchers (some filesystems miss appends)
    int coalesceMs = 20;       // after a file change, wait this long to batch what follows
    int runsPerGpu = 1;
    int cpuSlots = 0; // concurrent CPU runs on a machine without GPUs; 0: max(1, cores / 4)
    int cpuCores = 0; // the cores CPU runs share (each gets cpuCores / CPU slots threads); 0: this machine's
    // CPU slots a machine with GPUs offers beside them, for runs that ask for a CPU (RunRequest::Device::Cpu) or
    // any slot; 0: none (every local run takes a GPU there).
    int cpuSlotsBesideGpus = 0;
    // Test seam: the GPU indexes of this machine. nullopt: ask `mldesk-train --list-devices` once.
    std::optional<QList<int>> gpus;
    bool schedule = true;                  // start queued runs (false: only watch)
    QString trainerPath;                   // empty: LocalProcess::findTrainer()
    QString supervisorPath;                // empty: LocalProcess::findSupervisor()
    int logTailLines = 15;                 // log lines kept as a failed run's reason
    SlurmJobMonitor::Options slurmPolling; // how Slurm targets are polled (tests poll faster)
    // Test seam: called in finalize (uid) before the run's end is worked out; may throw, as anything there may.
    std::function<void(const QString &uid)> finalizeHook;
};

class RunService final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunService)

public:
    explicit RunService(Workspace &workspace, RunServiceOptions options = {}, QObject *parent = nullptr);
    ~RunService() override; // preparations stop and their runs are queued again (never waits for a conda build)

    RunStore &store() { return m_store; }
    const RunServiceOptions &options() const { return m_options; }

    QStringList validate(const RunRequest &request) const;
    // Records the run (Queued) and, when scheduling, starts it as soon as a slot is free. Throws WorkspaceError.
    RunRecord submit(const RunRequest &request);
    // Queued: Canceled at once. Preparing: the preparation stops (a conda build is killed) and the run ends
    // Canceled. Starting..Running: SIGTERM to the process group, SIGKILL after the grace period; the run ends
    // Canceled when the job is gone. Slurm runs: the Slurm job gets SIGTERM, a real cancel after the grace period.
    // Throws WorkspaceError for an unknown or finished run.
    void cancel(const QString &uid);

    // Begins the live service: re-attaches to active runs (Slurm runs: follows their jobs again), starts timers
    // and listens for other processes' runs (RunEvents). Call once the event loop can run. Before start(), Slurm
    // targets are not contacted.
    void start();
    // One synchronous pass (what start()'s timer does): attach, ingest, finalize ended runs, start queued ones.
    void reconcile();
    // Schedule now (a run was submitted or ended elsewhere, e.g. by a sweep controller): on the next turn of the
    // event loop, not at the next poll. Does nothing before start().
    void wake();

    // The slots this machine offers to local runs ("gpu:0", ..., or "cpu:0" ...).
    QStringList localSlots();
    bool isWatching(const QString &uid) const;
    bool isStarted() const { return m_started; }
    // Told (on this service's thread) when a run starts or stops being watched: RunServiceHost mirrors it.
    void setWatchingObserver(std::function<void(const QString &uid, bool watching)> observer);
    RunScheduler &scheduler() { return *m_scheduler; }

signals:
    void runSubmitted(const mldesk::core::RunRecord &run);
    void runStateChanged(const mldesk::core::RunRecord &run);
    // New text of logs/std_log.txt (whole lines while running; everything at the end).
    void logAppended(const QString &uid, const QString &text);
    // New metric points as the store has them (whichever MLDesk process ingested them), in store order, each chunk
    // once; one batch per read (never one signal per line). MetricPoint::seq lets a view that loaded the store
    // itself skip what it already holds.
    void metricsAppended(const QString &uid, const QList<mldesk::core::MetricPoint> &points);
    // The run's note changed (RunRecord::note: "cluster unreachable, retrying ...", or empty again).
    void runNoteChanged(const mldesk::core::RunRecord &run);
    // A run this service followed has ended (whoever ended it): a sweep controller in this process wakes on it.
    void runEnded(const QString &uid);
    // A problem the user should see that is not tied to one call (e.g. a run failed to start).
    void warning(const QString &message);

private:
    void tick();
    RunBackend &backendFor(const RunRecord &run);

    Workspace &m_workspace;
    RunServiceOptions m_options;
    RunStore m_store;
    std::unique_ptr<RunWatcher> m_watcher;
    std::unique_ptr<RunScheduler> m_scheduler;
    std::unique_ptr<RunBackend> m_local;
    std::unique_ptr<RunBackend> m_container;
    std::unique_ptr<RunBackend> m_slurm;
    QHash<qint64, bool> m_containerRun; // run id -> its environment is a container image
    std::unique_ptr<RunEvents> m_events;
    QTimer m_poll;
    bool m_started = false;
    bool m_inTick = false;
};

} // namespace mldesk::core
