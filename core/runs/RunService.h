// RunService: the runs of one workspace, live - submit, start queued local runs when a GPU (or CPU slot) is free,
// submit Slurm runs to their cluster (SlurmRunBackend) and follow their jobs, watch them (log text and metric points in
// batches, state changes), finalize, cancel, and re-attach to runs that were started by an MLDesk process that has
// since gone. Several processes (GUI, CLI) may run one each on the same workspace: every step is a guarded transition
// in the database, ingestion is offset-based, and the metrics it emits are what the store holds (whoever ingested).
// Scheduling and watching are in RunService.cpp, finalizing in RunServiceFinalize.cpp, Slurm in RunServiceSlurm.cpp.
// It blocks on files, the database and processes: the GUI runs it on its own thread through RunServiceHost.
#pragma once

#include "core/runs/LocalProcess.h"
#include "core/runs/RunFiles.h"
#include "core/runs/RunStore.h"
#include "core/runs/RunTypes.h"
#include "core/slurm/SlurmJobMonitor.h"

#include <QElapsedTimer>
#include <QFileSystemWatcher>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace mldesk::core {

class Workspace;
class MetricsIngestor;
class SlurmRunBackend;
struct ComputeTarget;
struct SlurmRunLaunch;
struct SlurmRunOutcome;

struct RunServiceOptions {
    qint64 snapshotLimitBytes = RunFiles::kDefaultSnapshotLimitBytes;
    int cancelGraceMs = 10000; // SIGTERM, then SIGKILL after this
    int pollIntervalMs = 250;  // safety net beside the file watcher (some filesystems miss appends)
    int coalesceMs = 20;       // after a file change, wait this long to batch what follows
    int runsPerGpu = 1;
    int cpuSlots = 0; // concurrent CPU runs on a machine without GPUs; 0: max(1, cores / 4)
    // Test seam: the GPU indexes of this machine. nullopt: ask `mldesk-train --list-devices` once.
    std::optional<QList<int>> gpus;
    bool schedule = true;                  // start queued local runs (false: only watch)
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
    ~RunService() override;

    RunStore &store() { return m_store; }
    const RunServiceOptions &options() const { return m_options; }

    QStringList validate(const RunRequest &request) const;
    // Records the run (Queued) and, when scheduling, starts it as soon as a slot is free. Throws WorkspaceError.
    RunRecord submit(const RunRequest &request);
    // Queued: Canceled at once. Preparing..Running: SIGTERM to the process group, SIGKILL after the grace period;
    // the run ends Canceled when the job is gone. Slurm runs: the Slurm job gets SIGTERM, a real cancel after the
    // grace period. Throws WorkspaceError for an unknown or finished run.
    void cancel(const QString &uid);

    // Begins the live service: re-attaches to active runs (Slurm runs: follows their jobs again), starts timers.
    // Call once the event loop can run. Before start(), Slurm targets are not contacted.
    void start();
    // One synchronous pass (what start()'s timers do): attach, ingest, finalize ended runs, start queued ones.
    void reconcile();

    // The slots this machine offers to local runs ("gpu:0", ..., or "cpu:0" ...).
    QStringList localSlots();
    bool isWatching(const QString &uid) const { return m_watched.contains(uid); }
    bool isStarted() const { return m_started; }
    // Told (on this service's thread) when a run starts or stops being watched: RunServiceHost mirrors it.
    void setWatchingObserver(std::function<void(const QString &uid, bool watching)> observer)
    {
        m_watchingObserver = std::move(observer);
    }

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
    // A problem the user should see that is not tied to one call (e.g. a run failed to start).
    void warning(const QString &message);

private:
    struct Watched;
    struct Ending;
    void tick();
    void attachActive();
    void pollRun(Watched &w);
    void pollRun(const QString &uid);
    void emitLog(Watched &w, bool final);
    void checkJob(Watched &w);
    void checkSlurm(Watched &w);
    bool groupSettled(Watched &w);
    void finalize(Watched &w, const std::optional<LocalProcess::ExitRecord> &exit, const QString &vanished);
    void finalize(Watched &w, const Ending &ending);
    void endRun(Watched &w, const Ending &ending);
    void followMetrics(Watched &w);
    void refreshState(Watched &w);
    void scheduleQueued();
    void launch(RunRecord run);
    // Slurm runs: submission, following the job, notes while the cluster cannot be reached.
    SlurmRunBackend &slurm();
    void attachSlurm(Watched &w);
    void recoverSlurm(Watched &w);
    void scheduleSlurm();
    void launchSlurm(RunRecord run);
    void submitSlurm(const RunRecord &run, const ComputeTarget &target, const SlurmRunLaunch &launch);
    void onSlurmUpdate(const QString &uid, const SlurmRunOutcome &outcome);
    void setTargetNote(const QString &targetName, const QString &note);
    std::optional<RunRecord> claimSlot(const RunRecord &run);
    QString lastLogLines(const QString &runDir, int lines) const;
    void onFileChanged(const QString &path);
    void stopWatching(const QString &uid);

    Workspace &m_workspace;
    RunServiceOptions m_options;
    RunStore m_store;
    std::optional<QStringList> m_slots;
    QHash<QString, std::shared_ptr<Watched>> m_watched;
    QFileSystemWatcher m_files;
    QTimer m_poll;
    QSet<QString> m_pendingPolls;
    QThreadPool m_pool; // starts runs (preparation may take minutes)
    // The runs this process is preparing: set to stop the preparation (a cancel, or this service closing).
    QHash<QString, std::shared_ptr<std::atomic_bool>> m_preparing;
    std::unique_ptr<SlurmRunBackend> m_slurm;
    std::function<void(const QString &, bool)> m_watchingObserver;
    bool m_started = false;
    bool m_inTick = false;
};

} // namespace mldesk::core
